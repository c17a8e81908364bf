package recsys

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"slices"
)

// Recommend implements Model: each candidate scores Σ w(c,j)·sim(j, candidate) over the
// history products j, and names the j that contributed most (ties: lower index).
func (n *Neighbours) Recommend(history []Interaction, k int, skip func(product int32) bool) []Candidate {
	if k <= 0 {
		return nil
	}
	s := n.scratchRow()
	defer n.scratch.Put(s)
	for _, h := range history {
		for _, nb := range n.Of(h.Product) {
			c, p := h.Weight*nb.Sim, nb.Product
			switch {
			case c <= 0:
				continue
			case s.score[p] == 0:
				s.touched = append(s.touched, p)
				s.best[p], s.because[p] = c, h.Product
			case c > s.best[p] || (c == s.best[p] && h.Product < s.because[p]):
				s.best[p], s.because[p] = c, h.Product
			}
			s.score[p] += c
		}
	}
	cands := make([]Candidate, 0, len(s.touched))
	for _, p := range s.touched {
		if !skip(p) {
			cands = append(cands, Candidate{Product: p, Score: s.score[p], Because: s.because[p]})
		}
		s.score[p] = 0
	}
	s.touched = s.touched[:0]
	return bestCandidates(cands, k)
}

// bestCandidates returns the k best of cands by compareCandidates, best first, in cands'
// own space: a heap of k keeps the work near O(len · log k) rather than a full sort.
func bestCandidates(cands []Candidate, k int) []Candidate {
	if k <= 0 {
		return cands[:0]
	}
	if len(cands) <= k {
		slices.SortFunc(cands, compareCandidates)
		return cands
	}
	h := cands[:k] // a heap whose root is the worst candidate kept
	for i := k/2 - 1; i >= 0; i-- {
		siftWorst(h, i)
	}
	for _, c := range cands[k:] {
		if compareCandidates(c, h[0]) < 0 {
			h[0] = c
			siftWorst(h, 0)
		}
	}
	slices.SortFunc(h, compareCandidates)
	return h
}

// siftWorst restores the heap below i: every parent is worse than its children.
func siftWorst(h []Candidate, i int) {
	for {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && compareCandidates(h[l], h[worst]) > 0 {
			worst = l
		}
		if r < len(h) && compareCandidates(h[r], h[worst]) > 0 {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// scoreRow is Recommend's dense scratch space over all products, reused through a pool so
// a request costs what its history touches, not the catalogue size. Between uses every
// score is zero and touched is empty.
type scoreRow struct {
	score, best []float32
	because     []int32
	touched     []int32
}

func (n *Neighbours) scratchRow() *scoreRow {
	if s, ok := n.scratch.Get().(*scoreRow); ok {
		return s
	}
	size := n.Len()
	return &scoreRow{score: make([]float32, size), best: make([]float32, size), because: make([]int32, size)}
}

// compareCandidates orders by score, highest first, then by lower product index.
func compareCandidates(a, b Candidate) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return int(a.Product) - int(b.Product)
}

// neighboursWire is the persisted form of Neighbours.
type neighboursWire struct {
	Offsets  []int32
	Products []int32
	Sims     []float32
}

// MarshalBinary implements Model.
func (n *Neighbours) MarshalBinary() ([]byte, error) {
	w := neighboursWire{Offsets: n.offsets, Products: make([]int32, len(n.list)), Sims: make([]float32, len(n.list))}
	for i, nb := range n.list {
		w.Products[i], w.Sims[i] = nb.Product, nb.Sim
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(w); err != nil {
		return nil, fmt.Errorf("encode item-to-item model: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeNeighbours reads a persisted item-to-item model over nProducts products and checks
// it, so a damaged row cannot make serving index out of range.
func decodeNeighbours(data []byte, nProducts int) (Model, error) {
	var w neighboursWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, fmt.Errorf("decode item-to-item model: %w", err)
	}
	if len(w.Offsets) != nProducts+1 || w.Offsets[0] != 0 || len(w.Products) != len(w.Sims) ||
		int(w.Offsets[nProducts]) != len(w.Products) {
		return nil, fmt.Errorf("decode item-to-item model: inconsistent sizes")
	}
	for i := range nProducts {
		if w.Offsets[i] > w.Offsets[i+1] {
			return nil, fmt.Errorf("decode item-to-item model: offsets not ascending at %d", i)
		}
	}
	n := &Neighbours{offsets: w.Offsets, list: make([]Neighbour, len(w.Products))}
	for i, p := range w.Products {
		if p < 0 || int(p) >= nProducts {
			return nil, fmt.Errorf("decode item-to-item model: product index %d out of range", p)
		}
		n.list[i] = Neighbour{Product: p, Sim: w.Sims[i]}
	}
	return n, nil
}
