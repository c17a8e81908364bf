package recsys

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
)

// benchRuleSupport is the rule mining threshold of Bench: 2 baskets in 100,000.
const benchRuleSupport = 0.00002

// BenchOptions size the generated data of Bench.
type BenchOptions struct {
	Customers, Products, Interactions int
	// ALSIterations are timed one by one (default 5).
	ALSIterations int
	// Requests is the number of timed top-10 requests per algorithm (default 20,000).
	Requests int
	Seed     uint64
}

// BenchResult is one measured step of Bench.
type BenchResult struct {
	Step     string
	Duration time.Duration
	// PerUnit is Duration per million interactions (builds) or per iteration (ALS).
	PerUnit string
	// HeapMB is the live heap the step's model holds, measured after a GC.
	HeapMB float64
	// P50 and P99 are serving latencies of a top-10 (serving steps).
	P50, P99 time.Duration
}

// benchData is a generated shop of interactions and baskets.
type benchData struct {
	nCustomers, nProducts int
	train                 []Interaction
	baskets               [][]int32
	histories             [][]Interaction
}

// generateBench draws interactions like a shop's: products fall into 40 categories, each
// customer prefers two of them, product popularity within a category follows a Zipf law,
// and about a tenth of interactions are purchases grouped into baskets of one to three.
func generateBench(o BenchOptions) *benchData {
	r := rand.New(rand.NewPCG(o.Seed, 0xbe4c4))
	const nCats = 40
	perCat := max(o.Products/nCats, 1)
	zipf := rand.NewZipf(r, 1.1, 2, uint64(perCat-1))
	d := &benchData{nCustomers: o.Customers, nProducts: o.Products, histories: make([][]Interaction, o.Customers)}
	per := max(o.Interactions/o.Customers, 1)
	d.train = make([]Interaction, 0, o.Interactions)
	weights := map[int32]float32{}
	for c := range o.Customers {
		clear(weights)
		taste := [2]int{r.IntN(nCats), r.IntN(nCats)}
		n := 1 + r.IntN(2*per) // mean about per
		var basket []int32
		for range n {
			cat := taste[r.IntN(2)]
			if r.Float64() < 0.2 {
				cat = r.IntN(nCats)
			}
			p := int32(min(cat*perCat+int(zipf.Uint64()), o.Products-1))
			w := float32(1)
			switch x := r.Float64(); {
			case x < 0.1:
				w = 5
				basket = append(basket, p)
				if len(basket) == 3 || r.Float64() < 0.5 {
					d.baskets = append(d.baskets, basket)
					basket = nil
				}
			case x < 0.25:
				w = 3
			}
			weights[p] += w
		}
		if len(basket) > 0 {
			d.baskets = append(d.baskets, basket)
		}
		h := make([]Interaction, 0, len(weights))
		for p, w := range weights {
			h = append(h, Interaction{Customer: int32(c), Product: p, Weight: float32(math.Log1p(float64(w)))})
		}
		slices.SortFunc(h, func(a, b Interaction) int { return int(a.Product - b.Product) })
		d.train = append(d.train, h...)
		hist := slices.Clone(h)
		for i := range hist {
			hist[i].Customer = -1
		}
		d.histories[c] = hist
	}
	return d
}

// Bench generates a shop of o.Interactions interactions and measures, on this machine,
// building each model (time per million interactions and the heap the model holds), ALS
// time per iteration, association-rule mining, and in-process top-10 serving latency of
// each model (p50 and p99 over o.Requests customers drawn at random). progress hears each
// step's name before it runs.
func Bench(ctx context.Context, o BenchOptions, progress func(step string)) ([]BenchResult, error) {
	if o.Customers <= 0 || o.Products <= 0 || o.Interactions <= 0 {
		return nil, fmt.Errorf("recsys: bench needs customers, products and interactions above zero")
	}
	o.ALSIterations = max(o.ALSIterations, 0)
	if o.ALSIterations == 0 {
		o.ALSIterations = 5
	}
	if o.Requests <= 0 {
		o.Requests = 20000
	}
	if progress == nil {
		progress = func(string) {}
	}
	progress("generating interactions")
	d := generateBench(o)
	perMillion := func(dur time.Duration) string {
		return fmt.Sprintf("%.3f s per million interactions", dur.Seconds()/(float64(len(d.train))/1e6))
	}
	var out []BenchResult
	var models []Model
	build := func(step string, fn func() (Model, error), unit func(time.Duration) string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		progress(step)
		before := liveHeap()
		start := time.Now()
		m, err := fn()
		if err != nil {
			return fmt.Errorf("recsys: bench %s: %w", step, err)
		}
		dur := time.Since(start)
		heap := liveHeap() - before
		runtime.KeepAlive(m)
		res := BenchResult{Step: step, Duration: dur, HeapMB: float64(heap) / (1 << 20)}
		if unit != nil {
			res.PerUnit = unit(dur)
		}
		out = append(out, res)
		if m != nil {
			models = append(models, m)
		}
		return nil
	}
	var nRules int
	steps := []struct {
		step string
		fn   func() (Model, error)
		unit func(time.Duration) string
	}{
		{"build item-to-item", func() (Model, error) { return BuildItemItem(d.nProducts, d.train, neighboursPerItem), nil }, perMillion},
		{"build user-to-user", func() (Model, error) { return BuildUserUser(d.nProducts, d.train, userNeighbours), nil }, perMillion},
		{"mine association rules", func() (Model, error) {
			// A lower support than training's default: the generated catalogue is wide, and a
			// run that finds no rule would time only the counting of single products.
			rules, err := MineRules(d.baskets, d.nProducts, RuleOptions{MinSupport: benchRuleSupport, MaxLen: defaultRuleLen})
			if err != nil {
				return nil, err
			}
			nRules = len(rules)
			return NewRuleModel(rules), nil
		}, func(dur time.Duration) string { return fmt.Sprintf("%d baskets, %d rules", len(d.baskets), nRules) }},
		{fmt.Sprintf("train ALS (%d iterations)", o.ALSIterations), func() (Model, error) {
			return TrainALS(d.nCustomers, d.nProducts, d.train, ALSOptions{Iterations: o.ALSIterations, Seed: o.Seed})
		}, func(dur time.Duration) string {
			return fmt.Sprintf("%.3f s per iteration", dur.Seconds()/float64(o.ALSIterations))
		}},
	}
	for _, st := range steps {
		if err := build(st.step, st.fn, st.unit); err != nil {
			return out, err
		}
	}
	// What serving holds besides the models: every customer's history, as training leaves
	// the cache (see history.go).
	var held *histories
	if err := build("hold every customer's history", func() (Model, error) {
		held = holdHistories(d.histories)
		return nil, nil
	}, func(time.Duration) string { return fmt.Sprintf("%d customers", d.nCustomers) }); err != nil {
		return out, err
	}
	runtime.KeepAlive(held)
	models = append(models, NewBlend(models, slices.Repeat([]float64{1}, len(models))))
	r := rand.New(rand.NewPCG(o.Seed, 7))
	for _, m := range models {
		progress("serve " + m.Name())
		skip := func(int32) bool { return false }
		times := make([]time.Duration, o.Requests)
		for i := range times {
			h := d.histories[r.IntN(d.nCustomers)]
			start := time.Now()
			m.Recommend(h, 10, skip)
			times[i] = time.Since(start)
		}
		slices.Sort(times)
		out = append(out, BenchResult{Step: "serve " + m.Name(), P50: times[len(times)/2], P99: times[len(times)*99/100]})
	}
	return out, nil
}

// holdHistories caches each customer's history as training does: customer c is id c+1.
// A product whose dampened weight reaches a purchase's counts as bought (generated weights
// say no more).
func holdHistories(all [][]Interaction) *histories {
	hs := &histories{}
	bought := float32(math.Log1p(purchaseWeight))
	for c, items := range all {
		h := &history{items: make([]Interaction, len(items))}
		for i, it := range items {
			h.items[i] = Interaction{Customer: -1, Product: it.Product, Weight: it.Weight}
			if it.Weight >= bought {
				h.bought = append(h.bought, it.Product)
			}
		}
		hs.m.Store(int64(c+1), h)
	}
	return hs
}

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
