package recsys

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

// Recommend implements Model: each candidate scores Σ w(c,j)·sim(j, candidate) over the
// history products j, and names the j that contributed most (ties: lower index). It keeps
// the best k in a bounded heap rather than sorting every product touched, which matters
// when a long history touches thousands of products.
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
	top := topK{k: k, heap: make([]Neighbour, 0, k)} // orders like compareCandidates
	for _, p := range s.touched {
		if x := (Neighbour{Product: p, Sim: s.score[p]}); top.wants(x) && !skip(p) {
			top.offer(x)
		}
		s.score[p] = 0
	}
	s.touched = s.touched[:0]
	best := top.sorted()
	cands := make([]Candidate, len(best))
	for i, b := range best {
		cands[i] = Candidate{Product: b.Product, Score: b.Sim, Because: s.because[b.Product]}
	}
	return cands
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
