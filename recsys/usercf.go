package recsys

import (
	"bytes"
	"cmp"
	"encoding/gob"
	"fmt"
	"math"
	"slices"
	"sync"
)

// AlgoUserUser is user-to-user collaborative filtering.
const AlgoUserUser = "user-to-user"

// maxPostings bounds the training customers kept per product in the inverted index, so a
// history product bought by half the shop costs as much to scan as a niche one. scanBudget
// bounds the postings one Recommend scans: history product h (normalised weight ĥ_h, so
// Σ ĥ_h² = 1) scans its heaviest max(scanBudget·ĥ_h², minScan) postings, which spends the
// budget where the history weighs most.
const (
	maxPostings = 1000
	scanBudget  = 10_000
	minScan     = 100
)

// posting is one training customer of a product, with the customer's normalised weight.
type posting struct {
	customer int32
	w        float32
}

// UserUser is the user-to-user model: every training customer's vector (products ascending,
// weights L2-normalised; row c is rows[off[c]:off[c+1]]) and an inverted index from product
// to customers, postings[poff[p]:poff[p+1]]. Each product keeps at most maxPostings
// customers, heaviest normalised weight first (ties: lower customer index): those are the
// customers through whom the product adds most to a cosine, so the cap drops the smallest
// contributions first.
//
// Recommend finds the k training customers most cosine-similar to the history: candidates
// come from the postings of the history products, the k with the largest partial dot
// product are kept, and their similarity is then recomputed exactly over their whole row
// (a cap can only hide a candidate, never skew a kept neighbour's similarity). A product p
// scores Σ sim(u,v)·w(v,p) over the neighbours v. A training customer identical to the
// history (the customer themself, when they were in training) is a neighbour like any
// other: their products are usually skipped as already known.
type UserUser struct {
	k          int
	nProducts  int
	off        []int32
	rows       []entry
	poff       []int32
	postings   []posting
	capPerItem int
	scanBudget int
	denseUpTo  int       // customers up to which chooseNeighbours walks them all (see there)
	scratch    sync.Pool // of *userScratch
}

// BuildUserUser keeps the training customers' vectors over nProducts products and indexes
// them; k is the number of neighbours Recommend uses. Interactions must hold at most one
// entry per (customer, product), weights already dampened; non-positive weights and
// out-of-range indices are ignored. It takes O(interactions · log) time and about 16 bytes
// per interaction.
func BuildUserUser(nProducts int, train []Interaction, k int) *UserUser {
	xs := train
	valid := func(x Interaction) bool {
		return x.Weight > 0 && x.Product >= 0 && int(x.Product) < nProducts && x.Customer >= 0
	}
	if !allOf(xs, valid) {
		xs = slices.DeleteFunc(slices.Clone(xs), func(x Interaction) bool { return !valid(x) })
	}
	nCustomers := 0
	for _, x := range xs {
		nCustomers = max(nCustomers, int(x.Customer)+1)
	}
	off, rows := byCustomer(nCustomers, xs)
	for c := range nCustomers {
		row := rows[off[c]:off[c+1]]
		slices.SortFunc(row, func(a, b entry) int { return cmp.Compare(a.product, b.product) })
		var sq float64
		for _, e := range row {
			sq += float64(e.w) * float64(e.w)
		}
		inv := 1 / math.Sqrt(sq)
		for i := range row {
			row[i].w = float32(float64(row[i].w) * inv)
		}
	}
	u := &UserUser{k: max(k, 0), nProducts: nProducts, off: off, rows: rows, capPerItem: maxPostings,
		scanBudget: scanBudget, denseUpTo: 2 * scanBudget}
	u.index()
	return u
}

// index builds the inverted index from the rows, keeping capPerItem postings per product.
func (u *UserUser) index() {
	count := make([]int32, u.nProducts+1)
	for _, e := range u.rows {
		count[e.product+1]++
	}
	for p := range u.nProducts {
		count[p+1] += count[p]
	}
	all := make([]posting, len(u.rows))
	next := slices.Clone(count[:u.nProducts])
	for c := 0; c+1 < len(u.off); c++ {
		for _, e := range u.rows[u.off[c]:u.off[c+1]] {
			all[next[e.product]] = posting{customer: int32(c), w: e.w}
			next[e.product]++
		}
	}
	u.poff = make([]int32, u.nProducts+1)
	kept := 0
	for p := range u.nProducts {
		list := all[count[p]:count[p+1]]
		slices.SortFunc(list, func(a, b posting) int {
			return cmp.Or(cmp.Compare(b.w, a.w), cmp.Compare(a.customer, b.customer))
		})
		kept += copy(all[kept:], list[:min(len(list), u.capPerItem)])
		u.poff[p+1] = int32(kept)
	}
	u.postings = slices.Clone(all[:kept]) // frees the dropped postings
}

// Name implements Model.
func (u *UserUser) Name() string { return AlgoUserUser }

// Customers returns the number of training customers the model keeps.
func (u *UserUser) Customers() int { return max(len(u.off)-1, 0) }

// row returns training customer c's vector, products ascending.
func (u *UserUser) row(c int32) []entry { return u.rows[u.off[c]:u.off[c+1]] }

// Cosine returns the cosine similarity between training customer c and a history.
func (u *UserUser) Cosine(c int32, history []Interaction) float64 {
	if c < 0 || int(c) >= u.Customers() {
		return 0
	}
	var dot, sq float64
	for _, h := range history {
		if h.Weight <= 0 || h.Product < 0 || int(h.Product) >= u.nProducts {
			continue
		}
		sq += float64(h.Weight) * float64(h.Weight)
		row := u.row(c)
		if i, ok := slices.BinarySearchFunc(row, h.Product, func(e entry, p int32) int { return cmp.Compare(e.product, p) }); ok {
			dot += float64(h.Weight) * float64(row[i].w)
		}
	}
	if sq == 0 {
		return 0
	}
	return dot / math.Sqrt(sq)
}

// neighbourRef is one chosen neighbour: the customer, their exact cosine with the history,
// and the bounds of their shared history products in userScratch.shared.
type neighbourRef struct {
	customer int32
	sim      float32
	from, to int32
}

// sharedEntry is one history product a neighbour has: its position in the history and
// ĥ_h·w(v,h), its part of the neighbour's similarity.
type sharedEntry struct {
	pos int32
	w   float32
}

// userScratch is Recommend's scratch space, reused through a pool: between uses acc, hpos,
// score and cpos are all zero.
type userScratch struct {
	acc     []float32 // per training customer: partial dot product with the history
	touched []int32
	hpos    []int32 // per product: 1 + its position in hist, or 0
	hist    []entry // the history, products ascending, weights L2-normalised
	top     topK    // of neighbours, Product holding the customer index
	refs    []neighbourRef
	shared  []sharedEntry
	score   []float32 // per product
	scored  []int32
	cpos    []int32   // per product: 1 + its position among the candidates, or 0
	contrib []float32 // per candidate and history position, for Because
	maxes   []float32 // denseTopK's scratch space
	tmp     []float32
}

// Recommend implements Model. Because is the history product that contributed most to the
// candidate's score, which splits exactly over history products h:
// score(p) = Σ_v sim(u,v)·w(v,p) = Σ_h ĥ_h·Σ_v w(v,h)·w(v,p), ĥ the normalised history;
// ties go to the lower product index.
func (u *UserUser) Recommend(history []Interaction, n int, skip func(product int32) bool) []Candidate {
	cands, finish := u.stage(history, n, skip)
	finish(cands)
	return cands
}

// stage implements staged: the candidates of Recommend, unexplained, and a finish that
// explains any of them from the neighbours found.
func (u *UserUser) stage(history []Interaction, n int, skip func(product int32) bool) ([]Candidate, func([]Candidate)) {
	if n <= 0 || u.k == 0 {
		return nil, noFinish
	}
	s, ok := u.scratch.Get().(*userScratch)
	if !ok {
		s = &userScratch{acc: make([]float32, u.Customers()), hpos: make([]int32, u.nProducts),
			score: make([]float32, u.nProducts), cpos: make([]int32, u.nProducts)}
	}
	u.loadHistory(s, history)
	finish := func(explain []Candidate) {
		if len(explain) > 0 {
			u.explain(s, explain)
		}
		for _, h := range s.hist {
			s.hpos[h.product] = 0
		}
		u.scratch.Put(s)
	}
	if len(s.hist) == 0 {
		finish(nil)
		return nil, noFinish
	}
	u.chooseNeighbours(s)
	for _, v := range s.refs {
		for _, e := range u.row(v.customer) {
			if s.score[e.product] == 0 {
				s.scored = append(s.scored, e.product)
			}
			s.score[e.product] += v.sim * e.w
		}
	}
	// The best n by a bounded heap: topK orders like compareCandidates.
	s.top.k = n
	s.top.reset()
	for _, p := range s.scored {
		if x := (Neighbour{Product: p, Sim: s.score[p]}); s.top.wants(x) && !skip(p) {
			s.top.offer(x)
		}
		s.score[p] = 0
	}
	s.scored = s.scored[:0]
	best := s.top.sorted()
	cands := make([]Candidate, len(best))
	for i, b := range best {
		cands[i] = Candidate{Product: b.Product, Score: b.Sim, Because: -1}
	}
	return cands, finish
}

// loadHistory fills s.hist and s.hpos with the valid history products (summed if repeated),
// products ascending, weights L2-normalised.
func (u *UserUser) loadHistory(s *userScratch, history []Interaction) {
	s.hist = s.hist[:0]
	for _, h := range history {
		switch {
		case h.Weight <= 0 || h.Product < 0 || int(h.Product) >= u.nProducts:
		case s.hpos[h.Product] > 0:
			s.hist[s.hpos[h.Product]-1].w += h.Weight
		default:
			s.hist = append(s.hist, entry{h.Product, h.Weight})
			s.hpos[h.Product] = int32(len(s.hist))
		}
	}
	slices.SortFunc(s.hist, func(a, b entry) int { return cmp.Compare(a.product, b.product) })
	var sq float64
	for i, h := range s.hist {
		sq += float64(h.w) * float64(h.w)
		s.hpos[h.product] = int32(i + 1)
	}
	inv := 1 / math.Sqrt(sq)
	for i := range s.hist {
		s.hist[i].w = float32(float64(s.hist[i].w) * inv)
	}
}

// chooseNeighbours fills s.refs with the k customers of largest partial dot product found
// through the postings, then their exact similarity and shared products, best first.
func (u *UserUser) chooseNeighbours(s *userScratch) {
	// With few training customers (up to twice the scan budget), walking them all
	// afterwards, in order, is cheaper than noting which ones the scan touched. Weights
	// are positive, so a touched sum is not 0.
	dense := len(s.acc) <= u.denseUpTo
	for _, h := range s.hist {
		from, to := u.poff[h.product], u.poff[h.product+1]
		limit := int32(max(float32(u.scanBudget)*h.w*h.w, minScan))
		// Locals, so the loop does not reload s's fields after each append.
		acc, touched, w := s.acc, s.touched, h.w
		postings := u.postings[from:min(to, from+limit)]
		if dense {
			for _, p := range postings {
				acc[p.customer] += w * p.w
			}
			continue
		}
		for _, p := range postings {
			a := acc[p.customer]
			if a == 0 {
				touched = append(touched, p.customer)
			}
			acc[p.customer] = a + w*p.w
		}
		s.touched = touched
	}
	s.top.k = u.k
	s.top.reset()
	if dense {
		s.maxes, s.tmp = denseTopK(s.acc, &s.top, s.maxes, s.tmp)
		clear(s.acc)
	}
	for _, c := range s.touched {
		if x := (Neighbour{Product: c, Sim: s.acc[c]}); s.top.wants(x) {
			s.top.offer(x)
		}
		s.acc[c] = 0
	}
	s.touched = s.touched[:0]
	s.refs, s.shared = s.refs[:0], s.shared[:0]
	for _, nb := range s.top.heap {
		ref := neighbourRef{customer: nb.Product, from: int32(len(s.shared))}
		for _, e := range u.row(nb.Product) {
			if pos := s.hpos[e.product]; pos > 0 {
				c := s.hist[pos-1].w * e.w
				ref.sim += c
				s.shared = append(s.shared, sharedEntry{pos: pos - 1, w: c})
			}
		}
		ref.to = int32(len(s.shared))
		s.refs = append(s.refs, ref)
	}
	slices.SortFunc(s.refs, func(a, b neighbourRef) int {
		switch {
		case a.sim != b.sim:
			return cmp.Compare(b.sim, a.sim)
		default:
			return cmp.Compare(a.customer, b.customer)
		}
	})
}

// wants tells whether offer would keep x; inlined, it saves most calls to offer once the
// heap is full.
func (t *topK) wants(x Neighbour) bool {
	return t.k > 0 && (len(t.heap) < t.k || better(x, t.heap[0]))
}

// explain sets each candidate's Because: the history product with the largest share of
// its score (ties: lower index), or -1. One pass over the neighbours' rows finds the
// candidates among them through s.cpos.
func (u *UserUser) explain(s *userScratch, cands []Candidate) {
	nh := len(s.hist)
	s.contrib = slices.Grow(s.contrib[:0], len(cands)*nh)[:len(cands)*nh]
	clear(s.contrib)
	for i, c := range cands {
		s.cpos[c.Product] = int32(i + 1)
	}
	for _, v := range s.refs {
		shared := s.shared[v.from:v.to]
		for _, e := range u.row(v.customer) {
			if ci := s.cpos[e.product]; ci > 0 {
				contrib := s.contrib[int(ci-1)*nh : int(ci)*nh]
				for _, sh := range shared {
					contrib[sh.pos] += sh.w * e.w
				}
			}
		}
	}
	for i := range cands {
		s.cpos[cands[i].Product] = 0
		contrib, best := s.contrib[i*nh:(i+1)*nh], -1
		for j, c := range contrib {
			if c > 0 && (best < 0 || c > contrib[best]) {
				best = j
			}
		}
		cands[i].Because = -1
		if best >= 0 {
			cands[i].Because = s.hist[best].product
		}
	}
}

// userUserWire is the persisted form of UserUser: the rows; the index is rebuilt on load.
type userUserWire struct {
	K, Cap, Budget int
	Offsets        []int32
	Products       []int32
	Weights        []float32
}

// MarshalBinary implements Model.
func (u *UserUser) MarshalBinary() ([]byte, error) {
	w := userUserWire{K: u.k, Cap: u.capPerItem, Budget: u.scanBudget, Offsets: u.off,
		Products: make([]int32, len(u.rows)), Weights: make([]float32, len(u.rows))}
	for i, e := range u.rows {
		w.Products[i], w.Weights[i] = e.product, e.w
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(w); err != nil {
		return nil, fmt.Errorf("encode user-to-user model: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeUserUser reads a persisted user-to-user model over nProducts products and checks
// it (rows in range, products ascending within a row), so a damaged row cannot make
// serving index out of range.
func decodeUserUser(data []byte, nProducts int) (Model, error) {
	var w userUserWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, fmt.Errorf("decode user-to-user model: %w", err)
	}
	if len(w.Offsets) == 0 || w.Offsets[0] != 0 || len(w.Products) != len(w.Weights) ||
		int(w.Offsets[len(w.Offsets)-1]) != len(w.Products) || w.K < 0 || w.Cap < 0 || w.Budget < 0 {
		return nil, fmt.Errorf("decode user-to-user model: inconsistent sizes")
	}
	u := &UserUser{k: w.K, nProducts: nProducts, off: w.Offsets, rows: make([]entry, len(w.Products)),
		capPerItem: w.Cap, scanBudget: w.Budget, denseUpTo: 2 * w.Budget}
	for c := 0; c+1 < len(w.Offsets); c++ {
		if w.Offsets[c] > w.Offsets[c+1] {
			return nil, fmt.Errorf("decode user-to-user model: offsets not ascending at %d", c)
		}
		for i := w.Offsets[c]; i < w.Offsets[c+1]; i++ {
			p := w.Products[i]
			if p < 0 || int(p) >= nProducts || (i > w.Offsets[c] && p <= w.Products[i-1]) {
				return nil, fmt.Errorf("decode user-to-user model: customer %d: product index %d out of range or order", c, p)
			}
			u.rows[i] = entry{p, w.Weights[i]}
		}
	}
	u.index()
	return u, nil
}
