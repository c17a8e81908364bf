package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// profile is one customer: the columns of customers.csv and the hidden tastes that drive
// their behaviour. One value is reused for every customer to keep memory flat.
type profile struct {
	index        int
	id           []byte
	first, last  string
	email        string
	gender       string
	birth        int64 // Unix seconds, midnight UTC
	city         *city
	country      string
	signup       int64
	consentEmail bool
	consentPush  bool
	tier         string
	channel      string

	fav       []float64 // scratch: favourite-category shares
	catWeight []float64 // chance that a browsed item comes from each category
	topCat    int       // the category with the largest preference
	taste     vec
	activity  float64 // multiplier of the mean session rate; mean 1, heavy-tailed
	priceSens float64 // 0 does not care about price, 1 avoids the dearer half
	activeLo  float64 // share of the window when the customer starts being active
	activeHi  float64 // and stops: churners stop early, newcomers start late
}

// activeShareMean is the mean of activeHi-activeLo under drawLifecycle; session rates are
// divided by it so the mean number of events matches the requested one.
const activeShareMean = 0.6*1 + 0.25*0.55 + 0.15*0.55

// drawProfile fills p for customer i from r, which must be freshly seeded for that customer.
func drawProfile(r *rand.Rand, p *profile, i int, c *catalog, windowStart, end int64) {
	p.index = i
	p.id = appendID(p.id[:0], 'C', i+1, 5)
	co := &countries[pickWeighted(r, len(countries), func(k int) float64 { return countries[k].weight })]
	p.country = co.code
	switch x := r.Float64(); {
	case x < 0.51:
		p.gender, p.first = "female", pick(r, co.female)
	case x < 0.98:
		p.gender, p.first = "male", pick(r, co.male)
	default:
		p.gender, p.first = "other", pick(r, append(co.female[:len(co.female):len(co.female)], co.male...))
	}
	p.last = pick(r, co.last)
	p.email = emailLocal(p.first) + "." + emailLocal(p.last) + strconv.Itoa(i+1) + "@example.com"
	ci := r.IntN(len(co.cities) + 2) // the first (largest) city is three times as likely
	if ci >= len(co.cities) {
		ci = 0
	}
	p.city = &co.cities[ci]

	age := int(math.Round(41 + 13*r.NormFloat64()))
	age = min(max(age, 18), 80)
	y, m, d := time.Unix(end, 0).UTC().Date()
	p.birth = time.Date(y-age, m, d-1-r.IntN(364), 0, 0, 0, 0, time.UTC).Unix()
	p.signup = windowStart - 730*86400 + int64(math.Pow(r.Float64(), 0.75)*730*86400)
	p.consentEmail = r.Float64() < 0.85

	drawTastes(r, p, c)
	p.tier = tierFor(r, p.activity)
	p.channel = "email"
	if r.Float64() < co.mobileP {
		p.channel = "push"
		if r.Float64() < 0.4 {
			p.channel = "sms"
		}
	}
	pushP := 0.3
	if p.channel == "push" {
		pushP = 0.75
	}
	p.consentPush = r.Float64() < pushP
}

// drawTastes picks one to three favourite categories with Dirichlet-like weights, a latent
// vector near their centroids, an activity level, a price sensitivity and a lifecycle.
func drawTastes(r *rand.Rand, p *profile, c *catalog) {
	n := len(catalogue)
	if p.catWeight == nil {
		p.catWeight = make([]float64, n)
		p.fav = make([]float64, n)
	}
	fav := p.fav
	clear(fav)
	k := 1
	if x := r.Float64(); x > 0.75 {
		k = 3
	} else if x > 0.35 {
		k = 2
	}
	sum := 0.0
	for range k {
		ci := pickWeighted(r, n, func(i int) float64 {
			if fav[i] > 0 {
				return 0
			}
			return catalogue[i].weight
		})
		fav[ci] = r.ExpFloat64() + r.ExpFloat64() // Gamma(2): a Dirichlet(2, …) share after normalising
		sum += fav[ci]
	}
	p.taste = vec{}
	p.topCat = 0
	for i := range n {
		fav[i] /= sum
		p.catWeight[i] = 0.82*fav[i] + 0.18*catalogue[i].weight
		if p.catWeight[i] > p.catWeight[p.topCat] {
			p.topCat = i
		}
		for d := range dim {
			p.taste[d] += fav[i] * c.centroids[i][d]
		}
	}
	for d := range dim {
		p.taste[d] += 0.5 * r.NormFloat64()
	}
	const sigma = 1.0
	p.activity = math.Exp(sigma*r.NormFloat64() - sigma*sigma/2)
	p.priceSens = r.Float64()
	switch x := r.Float64(); {
	case x < 0.6:
		p.activeLo, p.activeHi = 0, 1
	case x < 0.85:
		p.activeLo, p.activeHi = 0, 0.2+0.7*r.Float64()
	default:
		p.activeLo, p.activeHi = 0.1+0.7*r.Float64(), 1
	}
}

// tierFor links the loyalty tier to activity, with noise: roughly 67 % bronze, 24 % silver, 9 % gold.
func tierFor(r *rand.Rand, activity float64) string {
	score := math.Log(activity) + 0.5*r.NormFloat64()
	switch {
	case score > 1.0:
		return "gold"
	case score > 0:
		return "silver"
	default:
		return "bronze"
	}
}

// emailLocal lowercases a name and folds it to ASCII letters ("Lefèvre" → "lefevre", "de Jong" → "dejong").
func emailLocal(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case asciiFold[r] != "":
			b.WriteString(asciiFold[r])
		case unicode.IsLetter(r):
			b.WriteByte('x')
		}
	}
	return b.String()
}

// writeCustomer writes p as one row of customers.csv.
func writeCustomer(out *csvOut, p *profile) {
	out.start()
	out.line = append(out.line, p.id...)
	out.sep()
	out.field(p.email)
	out.sep()
	out.field(p.first)
	out.sep()
	out.field(p.last)
	out.sep()
	out.field(p.gender)
	out.sep()
	out.line = appendTime(out.line, p.birth)
	out.sep()
	out.field(p.city.name)
	out.sep()
	out.field(p.country)
	out.sep()
	out.field(p.city.tz)
	out.sep()
	out.line = appendTime(out.line, p.signup)
	out.sep()
	out.line = appendBool(out.line, p.consentEmail)
	out.sep()
	out.line = appendBool(out.line, p.consentPush)
	out.sep()
	out.field(p.tier)
	out.sep()
	out.field(p.channel)
	out.end()
}
