package synth

import (
	"math"
	"slices"
	"sort"
	"strconv"
)

// Event types written to events.csv.
const (
	typeView     = "view"
	typeCart     = "cart"
	typePurchase = "purchase"
	typeSearch   = "search"
)

// session plays one visit starting at t: maybe a search, several views of products chosen
// by taste and popularity, some of them added to the cart, and sometimes a purchase of
// the cart. It returns the time of the last thing that happened. Nothing is written after g.end.
func (g *generator) session(t int64) int64 {
	r := g.r
	g.sessionSeq++
	g.sid = appendID(g.sid[:0], 'S', g.sessionSeq, 7)
	if r.Float64() < 0.3 {
		g.event(typeSearch, -1, t, 0)
		t += 4 + r.Int64N(20)
	}
	views := 1 + geometric(r, 3.5)
	g.cart = g.cart[:0]
	cur := -1
	for v := 0; v < views && t <= g.end; v++ {
		if cur < 0 || r.Float64() > 0.65 { // mostly stay in the category being browsed
			next := pickWeighted(r, len(g.p.catWeight), func(i int) float64 { return g.p.catWeight[i] })
			if cur >= 0 && next != cur && r.Float64() < 0.15 {
				g.event(typeSearch, -1, t, 0)
				t += 4 + r.Int64N(20)
			}
			cur = next
		}
		pi := g.pickProduct(cur)
		pr := &g.cat.products[pi]
		dur := g.viewSeconds(pr)
		g.event(typeView, pi, t, dur)
		if pr.inStock && !slices.Contains(g.cart, pi) && r.Float64() < g.cartChance(pr) {
			tc := t + dur/2 + r.Int64N(dur/2) // always before the next view starts
			if tc <= g.end {
				g.event(typeCart, pi, tc, 0)
				g.cart = append(g.cart, pi)
			}
		}
		t += dur + 3 + r.Int64N(30)
	}
	if len(g.cart) > 0 && r.Float64() < 0.45 {
		tp := t + 20 + r.Int64N(160)
		if tp <= g.end {
			g.order(tp)
			t = tp
		}
	}
	return t
}

// order turns up to three cart items into one order (one row per line) and a purchase
// event per line at the same moment, in the same session.
func (g *generator) order(t int64) {
	g.orderSeq++
	g.oid = appendID(g.oid[:0], 'O', g.orderSeq, 6)
	for _, pi := range g.cart[:min(3, len(g.cart))] {
		pr := &g.cat.products[pi]
		qty := int64(1)
		double := 0.12
		if name := catalogue[pr.cat].name; name == "Grocery" || name == "Pets" {
			double = 0.35 // consumables are often bought two at a time
		}
		if g.r.Float64() < double {
			qty = 2
		}
		o := g.orders
		o.start()
		o.line = append(o.line, g.oid...)
		o.sep()
		o.line = append(o.line, g.p.id...)
		o.sep()
		o.line = append(o.line, pr.id...)
		o.sep()
		o.line = strconv.AppendInt(o.line, qty, 10)
		o.sep()
		o.line = appendCents(o.line, pr.cents)
		o.sep()
		o.line = appendTime(o.line, t)
		o.end()
		g.event(typePurchase, pi, t, pr.cents*qty)
	}
}

// event writes one row of events.csv. value is seconds for a view, cents for a purchase,
// and left empty otherwise; pi < 0 means no product.
func (g *generator) event(typ string, pi int, t, value int64) {
	e := g.events
	e.start()
	e.line = append(e.line, g.p.id...)
	e.sep()
	e.line = append(e.line, typ...)
	e.sep()
	if pi >= 0 {
		e.line = append(e.line, g.cat.products[pi].id...)
	}
	e.sep()
	e.line = appendTime(e.line, t)
	e.sep()
	switch typ {
	case typeView:
		e.line = strconv.AppendInt(e.line, value, 10)
	case typePurchase:
		e.line = appendCents(e.line, value)
	}
	e.sep()
	e.line = append(e.line, g.sid...)
	e.end()
}

// pickProduct draws a product of category c with probability proportional to
// exp(taste·latent + log popularity − price aversion): a softmax computed once per
// customer and category, the first time the customer browses that category.
func (g *generator) pickProduct(c int) int {
	cdf := g.catCDF[c]
	idx := g.cat.byCat[c]
	if g.cdfFor[c] != g.p.index+1 {
		g.cdfFor[c] = g.p.index + 1
		top := math.Inf(-1)
		for k, pi := range idx {
			pr := &g.cat.products[pi]
			cdf[k] = 0.8*g.p.taste.dot(&pr.latent) + pr.logPop - 1.2*g.p.priceSens*pr.priceRank
			top = max(top, cdf[k])
		}
		sum := 0.0
		for k := range cdf {
			sum += math.Exp(cdf[k] - top)
			cdf[k] = sum
		}
	}
	k := sort.SearchFloat64s(cdf, g.r.Float64()*cdf[len(cdf)-1])
	return idx[min(k, len(idx)-1)]
}

// affinity is the customer's preference for the product's category relative to their favourite, in (0, 1].
func (g *generator) affinity(pr *product) float64 {
	return g.p.catWeight[pr.cat] / g.p.catWeight[g.p.topCat]
}

// viewSeconds draws a browse duration in [10, 300] seconds; liked categories hold attention longer.
func (g *generator) viewSeconds(pr *product) int64 {
	s := 35 * math.Exp(0.8*g.r.NormFloat64()) * (0.7 + 0.6*g.affinity(pr))
	return int64(min(max(s, 10), 300))
}

// cartChance is the probability that a view ends in the cart: higher in liked categories,
// lower for dear products when the customer is price sensitive.
func (g *generator) cartChance(pr *product) float64 {
	return (0.05 + 0.10*g.affinity(pr)) * (1 - 0.5*g.p.priceSens*pr.priceRank)
}
