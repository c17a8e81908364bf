package synth

// category is the vocabulary and price model of one product category.
type category struct {
	name        string
	weight      float64 // share of shop traffic and of the catalogue
	priceSigma  float64 // spread of log(price) around the noun's typical price
	brands      []string
	descriptors []string
	nouns       []noun
	variants    []string // "" means no variant
	features    []string // shared by every noun of the category
	benefits    []string // closing sentences
}

// noun is a product type; products of one noun share words and a latent sub-centroid,
// so text similarity and behavioural similarity agree.
type noun struct {
	name     string
	price    float64 // typical price in EUR, the median of a log-normal
	features []string
}

// catalogue lists the categories in a fixed order; the order is part of the output.
var catalogue = []category{
	{
		name: "Electronics", weight: 0.16, priceSigma: 0.35,
		brands:      []string{"Aurora", "Voltix", "Nordlys", "Quanta", "Helio"},
		descriptors: []string{"Wireless", "Smart", "Compact", "Portable", "Ultra-Slim", "Premium"},
		nouns: []noun{
			{"Headphones", 129, []string{"active noise cancelling", "a 40-hour battery", "memory-foam ear cushions"}},
			{"Bluetooth Speaker", 69, []string{"360-degree sound", "a waterproof housing", "deep bass"}},
			{"Smartwatch", 199, []string{"heart-rate tracking", "built-in GPS", "an always-on display"}},
			{"Power Bank", 35, []string{"20,000 mAh capacity", "fast charging for two devices", "a pocket-sized shell"}},
			{"Mechanical Keyboard", 99, []string{"hot-swappable switches", "per-key RGB lighting", "an aluminium frame"}},
			{"Webcam", 59, []string{"full HD video", "automatic light correction", "dual microphones"}},
			{"E-Reader", 119, []string{"a glare-free screen", "weeks of battery life", "adjustable warm light"}},
			{"Action Camera", 249, []string{"4K video", "image stabilisation", "a waterproof case"}},
		},
		variants: []string{"", "", "Pro", "Max", "Mini", "2", "Plus", "Lite"},
		features: []string{"USB-C charging", "Bluetooth 5.3", "a two-year warranty", "a companion app"},
		benefits: []string{"Ideal for commuting, travel and the home office.", "Pairs in seconds with phones, tablets and laptops.", "Built to last through daily use."},
	},
	{
		name: "Books", weight: 0.10, priceSigma: 0.25,
		brands:      []string{"Penfold", "Lantern House", "Bluequill", "Marlowe", "Northgate"},
		descriptors: []string{"Illustrated", "Complete", "New", "Pocket", "Essential", "Bestselling"},
		nouns: []noun{
			{"Sourdough Cookbook", 24, []string{"step-by-step baking recipes", "photographs of every loaf", "a chapter on starters"}},
			{"Crime Novel", 12, []string{"a gripping detective story", "a twist in the final chapter", "a rainy harbour town setting"}},
			{"Travel Guide", 18, []string{"hand-drawn city maps", "hidden local restaurants", "itineraries for every budget"}},
			{"Python Handbook", 39, []string{"practical programming exercises", "examples for data analysis", "clear explanations of the language"}},
			{"Garden Almanac", 19, []string{"month-by-month planting advice", "tips for small balconies", "notes on seasonal vegetables"}},
			{"Fantasy Saga", 14, []string{"an epic quest", "dragons and lost kingdoms", "a richly built world"}},
			{"History of Europe", 29, []string{"vivid accounts of empires", "maps of changing borders", "portraits of key figures"}},
			{"Children's Picture Book", 11, []string{"bright watercolour illustrations", "a bedtime story in rhyme", "sturdy pages for small hands"}},
		},
		variants: []string{"Paperback", "Hardcover", "Hardcover", "2nd Edition", "Gift Edition"},
		features: []string{"an index for quick reference", "a foreword by the author", "acid-free paper"},
		benefits: []string{"A thoughtful gift for curious readers.", "Loved by readers and reviewers alike.", "Perfect for a quiet weekend of reading."},
	},
	{
		name: "Home & Kitchen", weight: 0.13, priceSigma: 0.35,
		brands:      []string{"Hearthly", "Casa Viva", "Lindgren", "Oakmere", "Brightwood"},
		descriptors: []string{"Nordic", "Classic", "Modern", "Rustic", "Essential", "Premium"},
		nouns: []noun{
			{"Frying Pan", 39, []string{"an induction-ready base", "an ergonomic handle", "even heat distribution"}},
			{"Espresso Machine", 249, []string{"a 15-bar pump", "a milk frother", "a removable water tank"}},
			{"Chef's Knife", 59, []string{"a razor-sharp forged blade", "a balanced grip", "high-carbon steel"}},
			{"Dinner Set", 79, []string{"plates, bowls and mugs for six", "a glazed finish", "stackable pieces"}},
			{"Bed Linen Set", 69, []string{"soft percale cotton", "a duvet cover and two pillowcases", "hidden button closure"}},
			{"Table Lamp", 49, []string{"warm dimmable light", "a linen shade", "a solid oak base"}},
			{"Storage Jars", 24, []string{"airtight bamboo lids", "clear borosilicate glass", "labels for the pantry"}},
			{"Blender", 89, []string{"a 1200 W motor", "six speed settings", "a BPA-free jug"}},
		},
		variants: []string{"", "", "White", "Black", "Sage", "Stone Grey", "Terracotta"},
		features: []string{"dishwasher-safe parts", "easy cleaning", "a timeless design", "food-safe materials"},
		benefits: []string{"Makes everyday cooking a pleasure.", "Brings calm and warmth to any home.", "Designed for busy kitchens."},
	},
	{
		name: "Fashion", weight: 0.16, priceSigma: 0.35,
		brands:      []string{"Maison Clair", "Nord & Co", "Velour", "Sable", "Everly"},
		descriptors: []string{"Classic", "Everyday", "Vintage", "Essential", "Urban", "Signature"},
		nouns: []noun{
			{"Denim Jacket", 79, []string{"washed cotton denim", "a relaxed fit", "brass buttons"}},
			{"Wool Sweater", 69, []string{"soft merino wool", "ribbed cuffs", "a crew neck"}},
			{"Sneakers", 89, []string{"a cushioned sole", "breathable mesh", "leather trims"}},
			{"Summer Dress", 49, []string{"light linen fabric", "a flattering wrap cut", "a floral print"}},
			{"Leather Belt", 35, []string{"full-grain leather", "a brushed metal buckle", "hand-stitched edges"}},
			{"Rain Coat", 99, []string{"a waterproof shell", "taped seams", "an adjustable hood"}},
			{"T-Shirt", 19, []string{"organic cotton jersey", "a classic fit", "a soft-washed finish"}},
			{"Crossbody Bag", 59, []string{"vegan leather", "an adjustable strap", "a zipped inner pocket"}},
		},
		variants: []string{"", "Navy", "Black", "Olive", "Sand", "Burgundy", "Grey"},
		features: []string{"a modern cut", "sizes from XS to XXL", "sustainably sourced materials"},
		benefits: []string{"Easy to style from office to weekend.", "A wardrobe staple for every season.", "Made to be worn again and again."},
	},
	{
		name: "Sports & Outdoors", weight: 0.09, priceSigma: 0.3,
		brands:      []string{"Trailborn", "Fjellway", "Apex Ridge", "Kinetic", "Summitra"},
		descriptors: []string{"Lightweight", "Performance", "All-Weather", "Ultralight", "Endurance", "Active"},
		nouns: []noun{
			{"Running Shoes", 119, []string{"responsive foam cushioning", "a grippy outsole", "reflective details"}},
			{"Yoga Mat", 35, []string{"non-slip natural rubber", "alignment lines", "a carrying strap"}},
			{"Hiking Backpack", 89, []string{"a 30-litre capacity", "a ventilated back panel", "a rain cover"}},
			{"Camping Tent", 179, []string{"room for two people", "a quick-pitch frame", "a waterproof flysheet"}},
			{"Dumbbell Set", 69, []string{"adjustable weights", "anti-roll hexagonal heads", "knurled handles"}},
			{"Cycling Helmet", 79, []string{"MIPS protection", "twelve air vents", "an integrated rear light"}},
			{"Water Bottle", 24, []string{"double-wall insulation", "a leak-proof lid", "cold drinks for 24 hours"}},
			{"Fitness Tracker Band", 49, []string{"step and sleep tracking", "a swim-proof strap", "workout reminders"}},
		},
		variants: []string{"", "", "Pro", "2.0", "Black", "Ocean Blue", "Lime"},
		features: []string{"durable materials", "an athlete-tested design", "a lifetime guarantee"},
		benefits: []string{"Built for training, trails and weekend adventures.", "Helps you go further, faster.", "Ready for any weather."},
	},
	{
		name: "Beauty", weight: 0.10, priceSigma: 0.3,
		brands:      []string{"Lumière", "Botanica", "Pure Dew", "Velvet Rose", "Solenne"},
		descriptors: []string{"Vegan", "Gentle", "Radiance", "Botanical", "Daily", "Signature"},
		nouns: []noun{
			{"Face Serum", 29, []string{"hyaluronic acid", "vitamin C", "a lightweight texture"}},
			{"Night Cream", 25, []string{"ceramides", "shea butter", "overnight repair"}},
			{"Shampoo", 9, []string{"argan oil", "a sulphate-free formula", "shine for dry hair"}},
			{"Lipstick", 15, []string{"long-lasting colour", "a satin finish", "moisturising jojoba oil"}},
			{"Eau de Parfum", 65, []string{"notes of bergamot and jasmine", "a warm amber base", "a refillable bottle"}},
			{"Sunscreen SPF 50", 14, []string{"broad-spectrum UV protection", "a non-greasy finish", "a water-resistant formula"}},
			{"Body Lotion", 11, []string{"cocoa butter", "almond oil", "fast absorption"}},
			{"Makeup Brush Set", 29, []string{"soft synthetic bristles", "a travel pouch", "brushes for face and eyes"}},
		},
		variants: []string{"", "", "", "Travel Size", "Duo Pack", "Limited Edition"},
		features: []string{"dermatologically tested ingredients", "a cruelty-free formula", "recyclable packaging"},
		benefits: []string{"Leaves skin soft, calm and glowing.", "A small daily ritual of self-care.", "Suitable for sensitive skin."},
	},
	{
		name: "Toys & Games", weight: 0.07, priceSigma: 0.3,
		brands:      []string{"Kiddo", "Playwell", "Brickly", "Wondertree", "Puzzlebox"},
		descriptors: []string{"Creative", "Classic", "Family", "Adventure", "Rainbow", "Little Explorer's"},
		nouns: []noun{
			{"Building Blocks", 39, []string{"500 colourful bricks", "endless building ideas", "a storage tub"}},
			{"Board Game", 34, []string{"strategy for 2 to 6 players", "quick rules to learn", "45-minute rounds"}},
			{"Jigsaw Puzzle", 17, []string{"1000 interlocking pieces", "a landscape painting", "a poster guide"}},
			{"Plush Bear", 22, []string{"extra-soft fur", "embroidered eyes", "a huggable size"}},
			{"Train Set", 59, []string{"wooden tracks and bridges", "a battery engine", "expandable layouts"}},
			{"Science Kit", 29, []string{"twenty safe experiments", "a lab notebook", "crystals and circuits"}},
			{"Card Game", 12, []string{"fast rounds of laughter", "a pocket-sized box", "fun for all ages"}},
			{"Art Set", 24, []string{"crayons, pencils and paints", "a sketch pad", "a carry case"}},
		},
		variants: []string{"", "", "Deluxe", "Junior", "Travel Edition", "Mega Pack"},
		features: []string{"child-safe materials", "an age rating of 3+", "screen-free play"},
		benefits: []string{"Hours of play for the whole family.", "Sparks imagination and problem-solving.", "A favourite birthday present."},
	},
	{
		name: "Grocery", weight: 0.07, priceSigma: 0.25,
		brands:      []string{"Green Valley", "Terra Fina", "Mill & Stone", "Bioterra", "Olivara"},
		descriptors: []string{"Organic", "Fairtrade", "Artisan", "Premium", "Farmhouse", "Classic"},
		nouns: []noun{
			{"Coffee Beans", 12, []string{"a medium roast", "notes of chocolate and cherry", "single-origin arabica"}},
			{"Olive Oil", 11, []string{"extra virgin first pressing", "a peppery finish", "Mediterranean olives"}},
			{"Green Tea", 7, []string{"loose leaves from Japan", "a grassy aroma", "antioxidants"}},
			{"Pasta", 3, []string{"bronze-cut durum wheat", "slow drying", "a rough texture that holds sauce"}},
			{"Dark Chocolate", 3, []string{"70 percent cocoa", "a hint of sea salt", "a smooth snap"}},
			{"Granola", 5, []string{"oats, nuts and honey", "crunchy clusters", "no added sugar"}},
			{"Honey", 8, []string{"raw wildflower nectar", "a glass jar", "local beekeepers"}},
			{"Spice Mix", 4, []string{"smoked paprika and cumin", "a grinder lid", "bold flavour"}},
		},
		variants: []string{"", "", "Pack of 3", "Family Size", "Gift Box", "Value Pack"},
		features: []string{"certified organic ingredients", "no artificial additives", "resealable packaging"},
		benefits: []string{"Makes breakfast something to look forward to.", "Pantry essential for everyday cooking.", "Sourced from small producers."},
	},
	{
		name: "Garden", weight: 0.05, priceSigma: 0.3,
		brands:      []string{"Greenthumb", "Bloomfield", "Rootwise", "Terrazza", "Willow & Moss"},
		descriptors: []string{"Heavy-Duty", "Weatherproof", "Compact", "Classic", "Premium", "Eco"},
		nouns: []noun{
			{"Planter", 29, []string{"a drainage reservoir", "frost-resistant terracotta", "room for herbs"}},
			{"Garden Hose", 35, []string{"a kink-free design", "a spray nozzle", "25 metres of reach"}},
			{"Pruning Shears", 22, []string{"bypass blades", "a safety lock", "a cushioned grip"}},
			{"String Lights", 19, []string{"solar-powered LEDs", "a warm white glow", "eight light modes"}},
			{"Bird Feeder", 25, []string{"a squirrel-proof cage", "a hanging hook", "easy refilling"}},
			{"Seed Collection", 12, []string{"heirloom tomato varieties", "herbs and salad greens", "a sowing calendar"}},
			{"Garden Bench", 189, []string{"FSC acacia wood", "seating for two", "a weather-treated finish"}},
			{"Compost Bin", 59, []string{"a 300-litre capacity", "ventilation slots", "a hatch for harvesting"}},
		},
		variants: []string{"", "", "Large", "Small", "Green", "Anthracite"},
		features: []string{"UV-resistant materials", "rust protection", "easy assembly"},
		benefits: []string{"Turns any balcony into a green retreat.", "Made for long seasons outdoors.", "Helps your garden thrive."},
	},
	{
		name: "Pets", weight: 0.07, priceSigma: 0.3,
		brands:      []string{"Pawly", "Happy Tails", "Whisker & Co", "Furbloom", "Barkside"},
		descriptors: []string{"Cosy", "Durable", "Natural", "Premium", "Everyday", "Comfort"},
		nouns: []noun{
			{"Dog Bed", 59, []string{"a memory-foam mattress", "a washable cover", "raised bolster edges"}},
			{"Cat Scratching Post", 45, []string{"sisal rope", "a plush platform", "a sturdy base"}},
			{"Dog Food", 29, []string{"real chicken as the first ingredient", "added vitamins", "a recipe for adult dogs"}},
			{"Cat Treats", 5, []string{"freeze-dried salmon", "bite-sized pieces", "no fillers"}},
			{"Dog Leash", 17, []string{"reflective webbing", "a padded handle", "a strong metal clip"}},
			{"Chew Toy", 9, []string{"tough natural rubber", "a treat-dispensing core", "gentle on teeth"}},
			{"Pet Carrier", 49, []string{"breathable mesh panels", "a shoulder strap", "airline-approved size"}},
			{"Litter Box", 35, []string{"a hooded design", "a carbon filter", "an easy-clean tray"}},
		},
		variants: []string{"", "", "", "Small", "Medium", "Large"},
		features: []string{"vet-approved materials", "pet-safe components", "a satisfaction guarantee"},
		benefits: []string{"Keeps your companion happy and healthy.", "Tested by dogs and cats at home.", "Made for everyday adventures together."},
	},
}
