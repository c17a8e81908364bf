package recsys

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"slices"
)

// Popularity ranks products by the number of distinct customers who interacted with them
// in the last 30 days before training, falling back to the all-time number (which also
// breaks ties), then to the lower product id. Products nobody touched are not ranked.
type Popularity struct {
	ranked []int32
	scores []float32
}

// NewPopularity ranks products from their distinct-customer counts: recent (last 30 days)
// and allTime, both indexed by product. A product's score is its recent count plus its
// all-time count scaled into [0, 1), so scores fall as the rank grows.
func NewPopularity(recent, allTime []int32) *Popularity {
	var maxAll int32
	p := &Popularity{}
	for i, n := range allTime {
		if n > 0 {
			p.ranked = append(p.ranked, int32(i))
			maxAll = max(maxAll, n)
		}
	}
	slices.SortFunc(p.ranked, func(a, b int32) int {
		switch {
		case recent[a] != recent[b]:
			return int(recent[b] - recent[a])
		case allTime[a] != allTime[b]:
			return int(allTime[b] - allTime[a])
		}
		return int(a - b)
	})
	p.scores = make([]float32, len(p.ranked))
	for r, i := range p.ranked {
		p.scores[r] = float32(float64(recent[i]) + float64(allTime[i])/float64(maxAll+1))
	}
	return p
}

// Name implements Model.
func (p *Popularity) Name() string { return AlgoPopularity }

// Recommend implements Model: the most popular products not skipped; history is ignored.
func (p *Popularity) Recommend(_ []Interaction, n int, skip func(product int32) bool) []Candidate {
	var out []Candidate
	for r, i := range p.ranked {
		if len(out) >= n {
			break
		}
		if !skip(i) {
			out = append(out, Candidate{Product: i, Score: p.scores[r], Because: -1})
		}
	}
	return out
}

// popularityWire is the persisted form of Popularity.
type popularityWire struct {
	Ranked []int32
	Scores []float32
}

// MarshalBinary implements Model.
func (p *Popularity) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(popularityWire{Ranked: p.ranked, Scores: p.scores}); err != nil {
		return nil, fmt.Errorf("encode popularity model: %w", err)
	}
	return buf.Bytes(), nil
}

// decodePopularity reads a persisted popularity model over nProducts products.
func decodePopularity(data []byte, nProducts int) (Model, error) {
	var w popularityWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, fmt.Errorf("decode popularity model: %w", err)
	}
	if len(w.Ranked) != len(w.Scores) {
		return nil, fmt.Errorf("decode popularity model: inconsistent sizes")
	}
	for _, i := range w.Ranked {
		if i < 0 || int(i) >= nProducts {
			return nil, fmt.Errorf("decode popularity model: product index %d out of range", i)
		}
	}
	return &Popularity{ranked: w.Ranked, scores: w.Scores}, nil
}
