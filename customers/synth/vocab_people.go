package synth

// country holds the names and cities customers of one country are drawn from.
type country struct {
	code    string
	weight  float64
	female  []string
	male    []string
	last    []string
	cities  []city
	mobileP float64 // share preferring push or sms over email
}

// city carries its IANA timezone and a fixed UTC offset used to shape the hour of day
// (daylight saving is ignored: it only shifts activity by an hour for half the year).
type city struct {
	name   string
	tz     string
	offset int // hours east of UTC
}

var countries = []country{
	{
		code: "DE", weight: 0.22, mobileP: 0.40,
		female: []string{"Anna", "Lena", "Julia", "Sophie", "Laura", "Marie", "Katharina", "Sarah", "Lea", "Hannah", "Jana", "Jülide"},
		male:   []string{"Lukas", "Jonas", "Leon", "Felix", "Maximilian", "Paul", "Tobias", "Jan", "Niklas", "Florian", "Stefan", "Jürgen"},
		last:   []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann"},
		cities: []city{{"Berlin", "Europe/Berlin", 1}, {"Hamburg", "Europe/Berlin", 1}, {"München", "Europe/Berlin", 1}, {"Köln", "Europe/Berlin", 1}, {"Frankfurt am Main", "Europe/Berlin", 1}, {"Leipzig", "Europe/Berlin", 1}, {"Stuttgart", "Europe/Berlin", 1}},
	},
	{
		code: "FR", weight: 0.14, mobileP: 0.42,
		female: []string{"Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah", "Julie", "Claire", "Élodie", "Margaux", "Zoé"},
		male:   []string{"Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Théo", "Nathan", "Antoine", "Julien", "Mathieu", "Nicolas", "Rémi"},
		last:   []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Faure"},
		cities: []city{{"Paris", "Europe/Paris", 1}, {"Lyon", "Europe/Paris", 1}, {"Marseille", "Europe/Paris", 1}, {"Toulouse", "Europe/Paris", 1}, {"Bordeaux", "Europe/Paris", 1}, {"Lille", "Europe/Paris", 1}, {"Nantes", "Europe/Paris", 1}},
	},
	{
		code: "GB", weight: 0.14, mobileP: 0.45,
		female: []string{"Olivia", "Amelia", "Isla", "Emily", "Charlotte", "Grace", "Sophie", "Jessica", "Chloe", "Hannah", "Lucy", "Eleanor"},
		male:   []string{"Oliver", "George", "Harry", "Jack", "Charlie", "Thomas", "James", "William", "Daniel", "Samuel", "Joseph", "Oscar"},
		last:   []string{"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Hughes", "Green"},
		cities: []city{{"London", "Europe/London", 0}, {"Manchester", "Europe/London", 0}, {"Birmingham", "Europe/London", 0}, {"Leeds", "Europe/London", 0}, {"Bristol", "Europe/London", 0}, {"Edinburgh", "Europe/London", 0}, {"Glasgow", "Europe/London", 0}},
	},
	{
		code: "NL", weight: 0.08, mobileP: 0.48,
		female: []string{"Emma", "Julia", "Sanne", "Lotte", "Fleur", "Anouk", "Eva", "Femke", "Sophie", "Iris", "Noor", "Lieke"},
		male:   []string{"Daan", "Sem", "Lars", "Bram", "Thijs", "Ruben", "Jesse", "Milan", "Stijn", "Joris", "Koen", "Niels"},
		last:   []string{"de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters"},
		cities: []city{{"Amsterdam", "Europe/Amsterdam", 1}, {"Rotterdam", "Europe/Amsterdam", 1}, {"Utrecht", "Europe/Amsterdam", 1}, {"Den Haag", "Europe/Amsterdam", 1}, {"Eindhoven", "Europe/Amsterdam", 1}, {"Groningen", "Europe/Amsterdam", 1}},
	},
	{
		code: "ES", weight: 0.09, mobileP: 0.50,
		female: []string{"Lucía", "María", "Paula", "Sofía", "Carmen", "Laura", "Marta", "Elena", "Alba", "Sara", "Irene", "Nuria"},
		male:   []string{"Hugo", "Martín", "Pablo", "Alejandro", "Daniel", "Javier", "Carlos", "Sergio", "Adrián", "Diego", "Álvaro", "Jorge"},
		last:   []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz"},
		cities: []city{{"Madrid", "Europe/Madrid", 1}, {"Barcelona", "Europe/Madrid", 1}, {"Valencia", "Europe/Madrid", 1}, {"Sevilla", "Europe/Madrid", 1}, {"Bilbao", "Europe/Madrid", 1}, {"Málaga", "Europe/Madrid", 1}},
	},
	{
		code: "IT", weight: 0.09, mobileP: 0.47,
		female: []string{"Giulia", "Sofia", "Aurora", "Alice", "Chiara", "Francesca", "Martina", "Sara", "Elena", "Valentina", "Federica", "Beatrice"},
		male:   []string{"Leonardo", "Francesco", "Alessandro", "Lorenzo", "Matteo", "Andrea", "Marco", "Luca", "Giovanni", "Davide", "Simone", "Nicolò"},
		last:   []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Costa", "Fontana"},
		cities: []city{{"Roma", "Europe/Rome", 1}, {"Milano", "Europe/Rome", 1}, {"Napoli", "Europe/Rome", 1}, {"Torino", "Europe/Rome", 1}, {"Bologna", "Europe/Rome", 1}, {"Firenze", "Europe/Rome", 1}},
	},
	{
		code: "US", weight: 0.12, mobileP: 0.52,
		female: []string{"Emily", "Madison", "Ashley", "Olivia", "Ava", "Abigail", "Jennifer", "Megan", "Taylor", "Brittany", "Samantha", "Rachel"},
		male:   []string{"Michael", "Christopher", "Matthew", "Joshua", "Andrew", "Ryan", "Tyler", "Brandon", "Ethan", "Jacob", "Kevin", "Justin"},
		last:   []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Clark"},
		cities: []city{{"New York", "America/New_York", -5}, {"Boston", "America/New_York", -5}, {"Chicago", "America/Chicago", -6}, {"Austin", "America/Chicago", -6}, {"Denver", "America/Denver", -7}, {"Los Angeles", "America/Los_Angeles", -8}, {"Seattle", "America/Los_Angeles", -8}},
	},
	{
		code: "SE", weight: 0.05, mobileP: 0.50,
		female: []string{"Alice", "Maja", "Elsa", "Astrid", "Wilma", "Freja", "Ebba", "Linnea", "Sara", "Ingrid", "Klara", "Saga"},
		male:   []string{"William", "Liam", "Noah", "Hugo", "Oscar", "Erik", "Axel", "Lucas", "Nils", "Gustav", "Anton", "Björn"},
		last:   []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Lindberg", "Lindqvist", "Berg", "Holm", "Åberg"},
		cities: []city{{"Stockholm", "Europe/Stockholm", 1}, {"Göteborg", "Europe/Stockholm", 1}, {"Malmö", "Europe/Stockholm", 1}, {"Uppsala", "Europe/Stockholm", 1}, {"Västerås", "Europe/Stockholm", 1}},
	},
	{
		code: "PL", weight: 0.07, mobileP: 0.46,
		female: []string{"Zuzanna", "Julia", "Zofia", "Hanna", "Maja", "Aleksandra", "Natalia", "Katarzyna", "Agnieszka", "Magdalena", "Małgorzata", "Joanna"},
		male:   []string{"Jakub", "Antoni", "Jan", "Szymon", "Filip", "Kacper", "Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Łukasz"},
		last:   []string{"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk"},
		cities: []city{{"Warszawa", "Europe/Warsaw", 1}, {"Kraków", "Europe/Warsaw", 1}, {"Wrocław", "Europe/Warsaw", 1}, {"Poznań", "Europe/Warsaw", 1}, {"Gdańsk", "Europe/Warsaw", 1}, {"Łódź", "Europe/Warsaw", 1}},
	},
}

// asciiFold maps the non-ASCII letters used in the name lists to ASCII for email addresses.
var asciiFold = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'à': "a", 'á': "a", 'â': "a", 'å': "a", 'í': "i", 'ì': "i", 'ï': "i", 'î': "i",
	'ó': "o", 'ò': "o", 'ô': "o", 'ú': "u", 'ù': "u", 'ñ': "n", 'ç': "c", 'ł': "l",
	'ś': "s", 'ź': "z", 'ż': "z", 'ć': "c", 'ń': "n", 'ą': "a", 'ę': "e",
}
