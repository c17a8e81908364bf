package synth

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// dim is the size of the latent taste space shared by products and customers.
const dim = 8

type vec [dim]float64

func (a *vec) dot(b *vec) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// product is one catalogue entry with the hidden quantities that drive behaviour.
type product struct {
	id          string
	cat         int
	noun        int // index into catalogue[cat].nouns
	name        string
	description string
	cents       int64
	inStock     bool
	latent      vec
	logPop      float64 // log of the Zipf popularity within the category
	priceRank   float64 // 0 for the cheapest product of its category, 1 for the dearest
}

// catalog is the generated product range; it is O(products) and shared by every customer.
type catalog struct {
	products  []product
	byCat     [][]int // product indices per category, in id order
	centroids []vec
}

// Categories returns the category names the generator uses, in a fixed order.
func Categories() []string {
	names := make([]string, len(catalogue))
	for i, c := range catalogue {
		names[i] = c.name
	}
	return names
}

// Slug turns a category name into the file-name form used in image URLs ("Home & Kitchen" → "home-kitchen").
func Slug(category string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(category) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// buildCatalog draws n products (n >= number of categories) from their own random stream.
func buildCatalog(seed uint64, n int) *catalog {
	r := newRand(seed, streamCatalog, 0)
	c := &catalog{byCat: make([][]int, len(catalogue)), centroids: make([]vec, len(catalogue))}
	nounCentroids := make([][]vec, len(catalogue))
	for ci, cat := range catalogue {
		c.centroids[ci] = randomDirection(r, 2.0)
		nounCentroids[ci] = make([]vec, len(cat.nouns))
		for ni := range cat.nouns {
			for d := range dim {
				nounCentroids[ci][ni][d] = c.centroids[ci][d] + 0.7*r.NormFloat64()
			}
		}
	}
	cats := categoryAssignment(r, n)
	seen := make(map[string]bool, n)
	c.products = make([]product, n)
	for i := range c.products {
		p := &c.products[i]
		p.id = string(appendID(nil, 'P', i+1, 4))
		p.cat = cats[i]
		cat := &catalogue[p.cat]
		ni := r.IntN(len(cat.nouns))
		p.noun = ni
		var brand, desc string
		p.name, brand, desc = uniqueName(r, cat, cat.nouns[ni].name, seen)
		p.description = describe(r, cat, &cat.nouns[ni], brand, desc)
		p.cents = roundPrice(cat.nouns[ni].price * math.Exp(cat.priceSigma*r.NormFloat64()))
		p.inStock = r.Float64() < 0.95
		for d := range dim {
			p.latent[d] = nounCentroids[p.cat][ni][d] + 0.4*r.NormFloat64()
		}
		c.byCat[p.cat] = append(c.byCat[p.cat], i)
	}
	for _, idx := range c.byCat {
		rankWithinCategory(r, c.products, idx)
	}
	return c
}

// categoryAssignment gives every category its share of n products (largest remainder,
// at least one each), then shuffles so product ids do not run in category blocks.
func categoryAssignment(r *rand.Rand, n int) []int {
	counts := make([]int, len(catalogue))
	rest := make([]float64, len(catalogue))
	left := n
	for ci, c := range catalogue {
		exact := float64(n-len(catalogue)) * c.weight
		counts[ci] = 1 + int(exact)
		rest[ci] = exact - math.Floor(exact)
		left -= counts[ci]
	}
	for ; left > 0; left-- {
		best := 0
		for ci := range rest {
			if rest[ci] > rest[best] {
				best = ci
			}
		}
		counts[best]++
		rest[best] = -1
	}
	cats := make([]int, 0, n)
	for ci, k := range counts {
		for range k {
			cats = append(cats, ci)
		}
	}
	r.Shuffle(len(cats), func(i, j int) { cats[i], cats[j] = cats[j], cats[i] })
	return cats
}

// rankWithinCategory sets Zipf popularity (random ranks) and price ranks for one category.
func rankWithinCategory(r *rand.Rand, ps []product, idx []int) {
	order := slices.Clone(idx)
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for rank, pi := range order {
		ps[pi].logPop = -0.9 * math.Log(float64(rank+1))
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(ps[a].cents - ps[b].cents) })
	for rank, pi := range order {
		if len(order) > 1 {
			ps[pi].priceRank = float64(rank) / float64(len(order)-1)
		}
	}
}

// uniqueName assembles "Brand Descriptor Noun Variant", retrying a few times on a clash
// (very large catalogues may repeat a name, as real shops do), and returns the brand and
// descriptor it used so the description can repeat them.
func uniqueName(r *rand.Rand, cat *category, noun string, seen map[string]bool) (name, brand, desc string) {
	for try := 0; try < 8; try++ {
		brand, desc = pick(r, cat.brands), pick(r, cat.descriptors)
		name = brand + " " + desc + " " + noun
		if v := pick(r, cat.variants); v != "" {
			name += " " + v
		}
		if !seen[name] {
			break
		}
	}
	seen[name] = true
	return name, brand, desc
}

// describe writes one or two sentences from the noun's and the category's vocabulary,
// so products of one kind share words a TF-IDF model can find.
func describe(r *rand.Rand, cat *category, n *noun, brand, desc string) string {
	i := r.IntN(len(n.features))
	j := (i + 1 + r.IntN(len(n.features)-1)) % len(n.features)
	f1, f2 := n.features[i], n.features[j]
	f3 := pick(r, cat.features)
	switch r.IntN(3) {
	case 0:
		return desc + " " + n.name + " by " + brand + " with " + f1 + " and " + f2 + ". " + pick(r, cat.benefits)
	case 1:
		return "From " + brand + ": " + n.name + " with " + f1 + ", " + f2 + " and " + f3 + ". " + pick(r, cat.benefits)
	default:
		return desc + " " + n.name + " featuring " + f1 + " and " + f2 + ", plus " + f3 + "."
	}
}

// roundPrice turns a price in euros into cents ending in .49 or .99 (at least 0.99);
// from 100 euros on it always ends in .99.
func roundPrice(eur float64) int64 {
	if eur >= 100 {
		return int64(math.Floor(eur))*100 + 99
	}
	halves := int64(math.Floor(eur * 2))
	cents := halves*50 + 49
	if cents < 99 {
		cents = 99
	}
	return cents
}

func randomDirection(r *rand.Rand, norm float64) vec {
	var v vec
	s := 0.0
	for d := range dim {
		v[d] = r.NormFloat64()
		s += v[d] * v[d]
	}
	s = norm / math.Sqrt(s)
	for d := range dim {
		v[d] *= s
	}
	return v
}

func pick(r *rand.Rand, words []string) string {
	return words[r.IntN(len(words))]
}

// pickWeighted draws an index in [0, n) with probability proportional to w(i).
func pickWeighted(r *rand.Rand, n int, w func(int) float64) int {
	total := 0.0
	for i := range n {
		total += w(i)
	}
	x := r.Float64() * total
	for i := range n {
		x -= w(i)
		if x < 0 {
			return i
		}
	}
	return n - 1
}
