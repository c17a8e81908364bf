package synth

import (
	"math"
	"math/rand/v2"
	"slices"
)

// eventsPerSession is the measured mean number of events a session produces (see
// TestEventsPerCustomerMatchTheRequestedMean); it turns a mean of events into a session rate.
const eventsPerSession = 5.55

// generator holds everything needed while streaming: the catalogue, one reusable customer
// profile and scratch buffers. Nothing in it grows with the number of events or customers.
type generator struct {
	o                                   Options
	cat                                 *catalog
	customers, products, orders, events *csvOut
	pcg                                 *rand.PCG
	r                                   *rand.Rand
	p                                   profile
	windowStart, end                    int64 // Unix seconds
	sessionRate                         float64

	catCDF     [][]float64 // per category: cumulative choice weights over cat.byCat, for cdfFor
	cdfFor     []int       // customer index + 1 whose weights catCDF holds, per category
	starts     []int64
	cart       []int
	sid, oid   []byte
	sessionSeq int
	orderSeq   int
	counts     Counts
}

func newGenerator(o Options, customers, products, orders, events *csvOut) *generator {
	end := o.End.Unix()
	g := &generator{
		o: o, cat: buildCatalog(o.Seed, o.Products),
		customers: customers, products: products, orders: orders, events: events,
		pcg: rand.NewPCG(0, 0),
		end: end, windowStart: end - int64(o.Days)*86400,
		sessionRate: o.meanEvents() / (eventsPerSession * activeShareMean),
		catCDF:      make([][]float64, len(catalogue)),
		cdfFor:      make([]int, len(catalogue)),
	}
	g.r = rand.New(g.pcg)
	for c, idx := range g.cat.byCat {
		g.catCDF[c] = make([]float64, len(idx))
	}
	return g
}

// run writes every file; it stops early when a write fails (the error is in the csvOut).
func (g *generator) run() {
	g.customers.header(customersHeader)
	g.products.header(productsHeader)
	g.orders.header(ordersHeader)
	g.events.header(eventsHeader)
	for i := range g.cat.products {
		writeProduct(g.products, &g.cat.products[i])
	}
	for i := 0; i < g.o.Customers && !g.failed(); i++ {
		reseed(g.pcg, g.o.Seed, streamCustomer, i)
		drawProfile(g.r, &g.p, i, g.cat, g.windowStart, g.end)
		writeCustomer(g.customers, &g.p)
		g.behave()
	}
	g.counts = Counts{
		Customers: g.customers.rows, Products: g.products.rows,
		Orders: g.orderSeq, OrderLines: g.orders.rows, Events: g.events.rows,
	}
}

func (g *generator) failed() bool {
	return g.customers.err != nil || g.products.err != nil || g.orders.err != nil || g.events.err != nil
}

// behave draws the customer's sessions as a Poisson process over their active part of the
// window, thinned by weekday and local hour, and plays them in time order.
func (g *generator) behave() {
	p := &g.p
	n := poisson(g.r, g.sessionRate*p.activity*(p.activeHi-p.activeLo))
	g.starts = g.starts[:0]
	for range n {
		g.starts = append(g.starts, g.sessionStart())
	}
	slices.Sort(g.starts)
	last := int64(math.MinInt64 / 2)
	for _, st := range g.starts {
		if st < last+300 { // sessions never overlap: at least five quiet minutes between them
			st = last + 300 + g.r.Int64N(1800)
		}
		if st > g.end {
			break
		}
		last = g.session(st)
	}
}

// Weekly and daily rhythm of shopping, in the customer's local time: weekends and
// evenings are busiest. Weekdays start on Sunday.
var (
	weekdayWeight = [7]float64{1.3, 0.9, 0.85, 0.9, 0.95, 1.05, 1.25}
	hourWeight    = [24]float64{0.25, 0.12, 0.07, 0.05, 0.05, 0.08, 0.2, 0.45, 0.6, 0.7, 0.75, 0.8,
		0.95, 0.9, 0.75, 0.75, 0.8, 0.9, 1.1, 1.45, 1.7, 1.65, 1.2, 0.6}
)

const maxRhythm = 1.3 * 1.7

// sessionStart draws one start time by rejection: uniform over the active span, kept
// with probability proportional to the weekday and hour weights.
func (g *generator) sessionStart() int64 {
	p := &g.p
	span := float64(g.end - g.windowStart)
	lo := g.windowStart + int64(p.activeLo*span)
	width := (p.activeHi - p.activeLo) * span
	for {
		t := lo + int64(g.r.Float64()*width)
		local := t + int64(p.city.offset)*3600
		day := local / 86400
		weekday := (day + 4) % 7 // 1970-01-01 was a Thursday
		hour := (local - day*86400) / 3600
		if g.r.Float64()*maxRhythm < weekdayWeight[weekday]*hourWeight[hour] {
			return t
		}
	}
}

// poisson draws a Poisson count: Knuth's method for small means, a normal approximation above.
func poisson(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean >= 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	limit, k, prod := math.Exp(-mean), 0, r.Float64()
	for prod > limit {
		k++
		prod *= r.Float64()
	}
	return k
}

// geometric draws a count with the given mean (number of successes before a failure).
func geometric(r *rand.Rand, mean float64) int {
	q := mean / (mean + 1)
	k := 0
	for r.Float64() < q {
		k++
	}
	return k
}

// writeProduct writes one row of products.csv.
func writeProduct(out *csvOut, p *product) {
	cat := catalogue[p.cat].name
	out.start()
	out.field(p.id)
	out.sep()
	out.field(p.name)
	out.sep()
	out.field(cat)
	out.sep()
	out.line = appendCents(out.line, p.cents)
	out.sep()
	out.field("EUR")
	out.sep()
	out.field(p.description)
	out.sep()
	out.line = append(out.line, "/static/img/products/"...)
	out.line = append(out.line, Slug(cat)...)
	out.line = append(out.line, ".svg,https://shop.example/products/"...)
	out.line = append(out.line, p.id...)
	out.sep()
	out.line = appendBool(out.line, p.inStock)
	out.end()
}
