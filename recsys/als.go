package recsys

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/persona-app/persona/store"
)

// AlgoALS is matrix factorisation for implicit feedback by alternating least squares.
const AlgoALS = "als"

// ALS defaults, chosen on a validation split of the demo shop's training data.
const (
	defaultALSFactors    = 32
	defaultALSLambda     = 50
	defaultALSAlpha      = 5
	defaultALSIterations = 10
)

// ALSOptions are the knobs of TrainALS; zero values take the defaults.
type ALSOptions struct {
	// Factors is the dimension f of the latent vectors.
	Factors int
	// Lambda is the L2 regularisation; Alpha scales the confidence c = 1 + Alpha·w.
	Lambda, Alpha float64
	// Iterations counts alternating passes (items then customers).
	Iterations int
	// Seed draws the initial customer factors.
	Seed uint64
	// Workers is the number of goroutines solving rows (default GOMAXPROCS); it never
	// changes the result.
	Workers int
	// Progress, when set, is called after each iteration with its number, from 1.
	Progress func(iter int)
}

// withDefaults fills zero options and checks the rest.
func (o ALSOptions) withDefaults() (ALSOptions, error) {
	errs := store.FieldErrors{}
	if o.Factors < 0 || o.Factors > 1024 {
		errs.Add("factors", "must be between 1 and 1024")
	}
	if o.Lambda < 0 || math.IsNaN(o.Lambda) || math.IsInf(o.Lambda, 0) {
		errs.Add("lambda", "must be a positive number")
	}
	if o.Alpha < 0 || math.IsNaN(o.Alpha) || math.IsInf(o.Alpha, 0) {
		errs.Add("alpha", "must be a positive number")
	}
	if o.Iterations < 0 {
		errs.Add("iterations", "must not be negative")
	}
	if o.Workers < 0 {
		errs.Add("workers", "must not be negative")
	}
	if err := errs.Err(); err != nil {
		return o, err
	}
	o.Factors = cmp.Or(o.Factors, defaultALSFactors)
	o.Lambda = cmp.Or(o.Lambda, defaultALSLambda)
	o.Alpha = cmp.Or(o.Alpha, defaultALSAlpha)
	o.Iterations = cmp.Or(o.Iterations, defaultALSIterations)
	o.Workers = cmp.Or(o.Workers, max(runtime.GOMAXPROCS(0), 1))
	return o, nil
}

// ALS is a trained implicit-feedback factorisation (Hu, Koren and Volinsky 2008). It keeps
// the item factors and their Gram matrix YᵀY, not the customer factors: serving folds a
// customer's current history in with one f×f solve, so fresh behaviour counts at once.
type ALS struct {
	opts    ALSOptions
	items   []float32 // product p's factors are items[p*f : (p+1)*f]
	itemsT  []float32 // the same, factor-major: factor k of product p is itemsT[k*nProducts+p]
	gram    []float64 // YᵀY, f×f row-major, computed from items as stored
	known   []bool    // products with a non-zero factor vector: the only candidates
	index   *alsIndex // for catalogues of alsIndexMinProducts or more (see als_index.go)
	scratch sync.Pool // of *alsScratch, for Recommend
}

// Name implements Model.
func (m *ALS) Name() string { return AlgoALS }

// Factors returns the dimension of the latent vectors.
func (m *ALS) Factors() int { return m.opts.Factors }

// TrainALS factorises the implicit-feedback matrix of nCustomers × nProducts given by train
// (at most one interaction per customer and product, weight already dampened; non-positive
// weights and out-of-range indices are ignored): each observed pair has preference 1 and
// confidence 1 + Alpha·w, every other pair preference 0 and confidence 1. Each iteration
// solves every item given the customers, then every customer given the items, with the
// YᵀY trick so a row costs O(|row|·f² + f³). The result depends on the seed only.
func TrainALS(nCustomers, nProducts int, train []Interaction, opts ALSOptions) (*ALS, error) {
	m, _, err := trainALS(nCustomers, nProducts, train, opts)
	return m, err
}

// trainALS is TrainALS that also returns the customer factors (nCustomers × f).
func trainALS(nCustomers, nProducts int, train []Interaction, opts ALSOptions) (*ALS, []float32, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, nil, fmt.Errorf("recsys: train als: %w", err)
	}
	if nCustomers < 0 || nProducts < 0 {
		return nil, nil, fmt.Errorf("recsys: train als: negative size %d × %d", nCustomers, nProducts)
	}
	valid := func(x Interaction) bool {
		return x.Weight > 0 && x.Customer >= 0 && int(x.Customer) < nCustomers && x.Product >= 0 && int(x.Product) < nProducts
	}
	xs := train
	if !allOf(xs, valid) {
		xs = slices.DeleteFunc(slices.Clone(xs), func(x Interaction) bool { return !valid(x) })
	}
	off, ents := byCustomer(nCustomers, xs)
	poff, pents := transpose(nProducts, off, ents)

	f := opts.Factors
	users := make([]float32, nCustomers*f)
	rng := rand.New(rand.NewPCG(opts.Seed, 0xa15))
	scale := 1 / math.Sqrt(float64(f))
	for i := range users {
		users[i] = float32(rng.NormFloat64() * scale)
	}
	items := make([]float32, nProducts*f)
	for it := 1; it <= opts.Iterations; it++ {
		solveSide(items, users, poff, pents, opts)
		solveSide(users, items, off, ents, opts)
		if opts.Progress != nil {
			opts.Progress(it)
		}
	}
	return newALS(opts, items, gramOf(items, f, opts.Workers)), users, nil
}

// newALS wraps trained or decoded factors.
func newALS(opts ALSOptions, items []float32, gram []float64) *ALS {
	f := opts.Factors
	n := len(items) / f
	m := &ALS{opts: opts, items: items, itemsT: make([]float32, len(items)), gram: gram, known: make([]bool, n)}
	for p := range n {
		for k, v := range items[p*f : (p+1)*f] {
			m.itemsT[k*n+p] = v
			m.known[p] = m.known[p] || v != 0
		}
	}
	if n >= alsIndexMinProducts {
		m.index = buildALSIndex(items, m.known, f, opts.Seed)
	}
	return m
}

// transpose turns customer rows (off, ents) into product rows over nProducts: row p lists
// the customers of p, ascending, with their weights (entry.product holds the customer).
func transpose(nProducts int, off []int32, ents []entry) ([]int32, []entry) {
	poff := make([]int32, nProducts+1)
	for _, e := range ents {
		poff[e.product+1]++
	}
	for p := range nProducts {
		poff[p+1] += poff[p]
	}
	pents := make([]entry, len(ents))
	next := slices.Clone(poff[:nProducts])
	for c := 0; c+1 < len(off); c++ {
		for _, e := range ents[off[c]:off[c+1]] {
			pents[next[e.product]] = entry{product: int32(c), w: e.w}
			next[e.product]++
		}
	}
	return poff, pents
}

// solveSide recomputes every row of dst (rows given by off and ents over the factors src)
// on opts.Workers goroutines. Rows are independent, so the result does not depend on how
// they are shared out.
func solveSide(dst, src []float32, off []int32, ents []entry, opts ALSOptions) {
	f := opts.Factors
	gram := gramOf(src, f, opts.Workers)
	nRows := len(off) - 1
	var next atomic.Int64
	const chunk = 64
	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newALSSolver(f)
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= nRows {
					return
				}
				for r := start; r < min(start+chunk, nRows); r++ {
					x, _ := s.solve(gram, src, ents[off[r]:off[r+1]], opts.Lambda, opts.Alpha)
					out := dst[r*f : (r+1)*f]
					for i := range out {
						out[i] = float32(x[i])
					}
				}
			}
		}()
	}
	wg.Wait()
}

// gramOf returns VᵀV (f×f, row-major) for the row-major factors v. Fixed blocks of rows are
// summed in parallel and their partial sums added in block order, so the result does not
// depend on workers.
func gramOf(v []float32, f, workers int) []float64 {
	const block = 4096
	nRows := len(v) / f
	nBlocks := (nRows + block - 1) / block
	partial := make([][]float64, nBlocks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			row := make([]float64, f)
			for b := int(next.Add(1)) - 1; b < nBlocks; b = int(next.Add(1)) - 1 {
				g := make([]float64, f*f)
				for r := b * block; r < min((b+1)*block, nRows); r++ {
					for i, x := range v[r*f : (r+1)*f] {
						row[i] = float64(x)
					}
					addOuterUpper(g, row, 1, f)
				}
				partial[b] = g
			}
		}()
	}
	wg.Wait()
	gram := make([]float64, f*f)
	for _, g := range partial {
		for i, x := range g {
			gram[i] += x
		}
	}
	for i := range f { // mirror the upper triangle
		for j := i + 1; j < f; j++ {
			gram[j*f+i] = gram[i*f+j]
		}
	}
	return gram
}

// addOuterUpper adds c·y·yᵀ to the upper triangle of the f×f row-major matrix a.
func addOuterUpper(a, y []float64, c float64, f int) {
	for i := range f {
		v := c * y[i]
		if v == 0 {
			continue
		}
		ai := a[i*f+i : i*f+f]
		yi := y[i:f]
		yi = yi[:len(ai)] // lets the compiler drop the bounds checks
		for j := range ai {
			ai[j] += v * yi[j]
		}
	}
}
