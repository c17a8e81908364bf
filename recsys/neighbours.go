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
	idx := make(map[int32]int, len(history)*8)
	var cands []Candidate
	var best []float32
	for _, h := range history {
		for _, nb := range n.Of(h.Product) {
			c := h.Weight * nb.Sim
			i, ok := idx[nb.Product]
			if !ok {
				i = len(cands)
				idx[nb.Product] = i
				cands = append(cands, Candidate{Product: nb.Product, Because: h.Product})
				best = append(best, c)
			}
			cands[i].Score += c
			if c > best[i] || (c == best[i] && h.Product < cands[i].Because) {
				best[i], cands[i].Because = c, h.Product
			}
		}
	}
	cands = slices.DeleteFunc(cands, func(c Candidate) bool { return c.Score <= 0 || skip(c.Product) })
	slices.SortFunc(cands, compareCandidates)
	return cands[:min(k, len(cands))]
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
