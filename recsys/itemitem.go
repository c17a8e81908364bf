package recsys

import (
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// Neighbour is a product similar to another one, with their cosine similarity.
type Neighbour struct {
	Product int32
	Sim     float32
}

// Neighbours is the item-to-item model: for each product, its top-K most similar products,
// best first (ties by lower index, which is the lower product id). It is stored compactly:
// the neighbours of product p are list[offsets[p]:offsets[p+1]].
type Neighbours struct {
	offsets []int32
	list    []Neighbour
	scratch sync.Pool // of *scoreRow, for Recommend
}

// Of returns the neighbours of product p, best first; the slice must not be modified.
func (n *Neighbours) Of(p int32) []Neighbour {
	if p < 0 || int(p)+1 >= len(n.offsets) {
		return nil
	}
	return n.list[n.offsets[p]:n.offsets[p+1]]
}

// Len returns the number of products the model covers.
func (n *Neighbours) Len() int { return max(len(n.offsets)-1, 0) }

// Name implements Model.
func (n *Neighbours) Name() string { return AlgoItemItem }

// entry is one product of a customer's row, with its weight.
type entry struct {
	product int32
	w       float32
}

// visit is one customer of a product: the bounds of the customer's row and the weight the
// customer gives that product. Keeping the bounds here, not the customer id, saves a
// dependent memory load per visit in the hot loop.
type visit struct {
	start, end int32
	w          float32
}

// byCustomer groups interactions into customer rows by counting sort: row c is
// ents[off[c]:off[c+1]].
func byCustomer(nCustomers int, xs []Interaction) (off []int32, ents []entry) {
	off = make([]int32, nCustomers+1)
	for _, x := range xs {
		off[x.Customer+1]++
	}
	for c := range nCustomers {
		off[c+1] += off[c]
	}
	ents = make([]entry, len(xs))
	next := slices.Clone(off[:nCustomers])
	for _, x := range xs {
		ents[next[x.Customer]] = entry{x.Product, x.Weight}
		next[x.Customer]++
	}
	return off, ents
}

// visitsByProduct lists, per product, the customers who have it and share it with at least
// one other product (a customer with one product adds nothing to any similarity): the
// visits of product p are visits[voff[p]:voff[p+1]].
func visitsByProduct(nItems int, off []int32, ents []entry) (voff []int32, visits []visit) {
	voff = make([]int32, nItems+1)
	for c := 0; c+1 < len(off); c++ {
		if off[c+1]-off[c] > 1 {
			for _, e := range ents[off[c]:off[c+1]] {
				voff[e.product+1]++
			}
		}
	}
	for p := range nItems {
		voff[p+1] += voff[p]
	}
	visits = make([]visit, voff[nItems])
	next := slices.Clone(voff[:nItems])
	for c := 0; c+1 < len(off); c++ {
		if off[c+1]-off[c] > 1 {
			for _, e := range ents[off[c]:off[c+1]] {
				visits[next[e.product]] = visit{off[c], off[c+1], e.w}
				next[e.product]++
			}
		}
	}
	return voff, visits
}

// BuildItemItem computes, for each of nItems products, its k most cosine-similar products
// (similarity above zero) over customer vectors. Interactions must hold at most one entry
// per (customer, product), with the weight already dampened; non-positive weights and
// out-of-range indices are ignored.
//
// For each product i it walks the customers who have i and their products, summing the
// dot products into a dense scratch row with a touched list: O(sum of squared customer
// degrees), with products shared out to the available cores in small chunks.
func BuildItemItem(nItems int, interactions []Interaction, k int) *Neighbours {
	xs := interactions
	valid := func(x Interaction) bool {
		return x.Weight > 0 && x.Product >= 0 && int(x.Product) < nItems && x.Customer >= 0
	}
	if !allOf(xs, valid) {
		xs = slices.DeleteFunc(slices.Clone(xs), func(x Interaction) bool { return !valid(x) })
	}
	nCustomers := 0
	invNorms := make([]float64, nItems) // 1/|product vector|: the hot loop multiplies
	for _, x := range xs {
		nCustomers = max(nCustomers, int(x.Customer)+1)
		invNorms[x.Product] += float64(x.Weight) * float64(x.Weight)
	}
	for i, sq := range invNorms {
		if sq > 0 {
			invNorms[i] = 1 / math.Sqrt(sq)
		}
	}
	off, ents := byCustomer(nCustomers, xs)
	voff, visits := visitsByProduct(nItems, off, ents)

	lists := make([][]Neighbour, nItems)
	var next atomic.Int64
	const chunk = 16
	var wg sync.WaitGroup
	for range max(runtime.GOMAXPROCS(0), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &simWorker{acc: make([]float32, nItems), top: topK{k: k}}
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= nItems {
					return
				}
				for i := start; i < min(start+chunk, nItems); i++ {
					lists[i] = w.neighbours(int32(i), visits[voff[i]:voff[i+1]], ents, invNorms)
				}
			}
		}()
	}
	wg.Wait()
	return flatten(lists)
}

func allOf[T any](xs []T, ok func(T) bool) bool {
	for _, x := range xs {
		if !ok(x) {
			return false
		}
	}
	return true
}

// simWorker holds one goroutine's scratch space.
type simWorker struct {
	acc     []float32
	touched []int32
	top     topK
}

// neighbours returns the top-K neighbours of product i, best first.
func (w *simWorker) neighbours(i int32, visits []visit, ents []entry, invNorms []float64) []Neighbour {
	acc, touched := w.acc, w.touched[:0]
	for _, v := range visits {
		for _, j := range ents[v.start:v.end] {
			if acc[j.product] == 0 {
				touched = append(touched, j.product)
			}
			acc[j.product] += v.w * j.w
		}
	}
	w.touched = touched
	w.top.reset()
	for _, j := range touched {
		dot := acc[j]
		acc[j] = 0
		if j == i || dot <= 0 {
			continue
		}
		w.top.offer(Neighbour{Product: j, Sim: float32(float64(dot) * invNorms[i] * invNorms[j])})
	}
	return w.top.sorted()
}

// flatten packs per-product lists into the compact form.
func flatten(lists [][]Neighbour) *Neighbours {
	n := &Neighbours{offsets: make([]int32, len(lists)+1)}
	total := 0
	for i, l := range lists {
		total += len(l)
		n.offsets[i+1] = int32(total)
	}
	n.list = make([]Neighbour, 0, total)
	for _, l := range lists {
		n.list = append(n.list, l...)
	}
	return n
}

// better orders neighbours: higher similarity first, then lower product index.
func better(a, b Neighbour) bool {
	return a.Sim > b.Sim || (a.Sim == b.Sim && a.Product < b.Product)
}

// topK keeps the k best neighbours offered, in a min-heap whose root is the worst kept.
type topK struct {
	k    int
	heap []Neighbour
}

func (t *topK) reset() { t.heap = t.heap[:0] }

func (t *topK) offer(x Neighbour) {
	if t.k <= 0 {
		return
	}
	if len(t.heap) < t.k {
		t.heap = append(t.heap, x)
		t.up(len(t.heap) - 1)
		return
	}
	if better(x, t.heap[0]) {
		t.heap[0] = x
		t.down(0)
	}
}

func (t *topK) up(i int) {
	h := t.heap
	for i > 0 {
		parent := (i - 1) / 2
		if !better(h[parent], h[i]) {
			return
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func (t *topK) down(i int) {
	h := t.heap
	for {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && better(h[worst], h[l]) {
			worst = l
		}
		if r < len(h) && better(h[worst], h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// sorted returns a copy of the kept neighbours, best first.
func (t *topK) sorted() []Neighbour {
	if len(t.heap) == 0 {
		return nil
	}
	out := slices.Clone(t.heap)
	slices.SortFunc(out, func(a, b Neighbour) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	return out
}
