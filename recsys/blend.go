package recsys

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"slices"
)

// AlgoBlend is the weighted blend of the other models, shown to marketers as "best".
const AlgoBlend = "blend"

// blendDepth is how many candidates a blend asks each component for, to return n. On the
// demo shop 2n (at least 20) gave the same NDCG@10 as 5n (at least 50), in about
// two-thirds of the time.
func blendDepth(n int) int { return max(2*n, 20) }

// Blend sums its components' normalised candidate lists with fixed weights. A component's
// candidate at rank r (from 0) counts 1/(r+1): reciprocal ranks need no common scale
// between models whose scores mean different things (cosine sums, counts, dot products).
// On the demo shop's validation split they did at least as well as per-list score/max
// (NDCG@10 0.1532 against 0.1528) and flatter reciprocal-rank fusion 1/(r+60) (0.1525).
type Blend struct {
	models  []Model
	weights []float64
}

// NewBlend blends models with the given weights (a missing weight is 0; negative weights
// count as 0). Components with weight 0 are not asked.
func NewBlend(models []Model, weights []float64) *Blend {
	b := &Blend{models: slices.Clone(models), weights: make([]float64, len(models))}
	for i := range b.weights {
		if i < len(weights) && weights[i] > 0 {
			b.weights[i] = weights[i]
		}
	}
	return b
}

// Name implements Model.
func (b *Blend) Name() string { return AlgoBlend }

// Weights returns the components' weights, in order.
func (b *Blend) Weights() []float64 { return slices.Clone(b.weights) }

// Recommend implements Model: each weighted component proposes blendDepth(n) candidates,
// and each product scores Σ weight·1/(rank+1). The candidate carries, as Source, the
// component whose weighted contribution was largest (ties: the earlier component) with that
// component's Because, Confidence and Lift.
func (b *Blend) Recommend(history []Interaction, n int, skip func(product int32) bool) []Candidate {
	if n <= 0 {
		return nil
	}
	lists := make([][]Candidate, len(b.models))
	finishes := make([]func([]Candidate), len(b.models))
	for i, m := range b.models {
		switch st, ok := m.(staged); {
		case b.weights[i] <= 0:
		case ok:
			lists[i], finishes[i] = st.stage(history, blendDepth(n), skip)
		default:
			lists[i] = m.Recommend(history, blendDepth(n), skip)
		}
	}
	out := b.merge(lists, b.weights, n)
	var mine []Candidate
	for i, finish := range finishes {
		if finish == nil {
			continue
		}
		name := b.models[i].Name()
		mine = mine[:0]
		for _, c := range out {
			if c.Source == name {
				mine = append(mine, c)
			}
		}
		finish(mine)
		for j, k := 0, 0; j < len(out) && k < len(mine); j++ {
			if out[j].Source == name {
				out[j].Because = mine[k].Because
				k++
			}
		}
	}
	return out
}

// staged is a Model that can give a blend its candidates before their reasons, so that
// only the items the blend keeps are explained: stage returns the candidates with Because
// -1, and finish, which must be called exactly once (with nil when no reason is wanted),
// sets Because on the candidates given (any of stage's, by product) and releases the
// model's working state.
type staged interface {
	stage(history []Interaction, n int, skip func(product int32) bool) (cands []Candidate, finish func(explain []Candidate))
}

// noFinish is the finish of a stage that kept no working state.
func noFinish([]Candidate) {}

// unexplained returns m's candidates without their reasons where m can skip them: offline
// evaluation and blend tuning read only the products.
func unexplained(m Model, history []Interaction, n int, skip func(product int32) bool) []Candidate {
	st, ok := m.(staged)
	if !ok {
		return m.Recommend(history, n, skip)
	}
	cands, finish := st.stage(history, n, skip)
	finish(nil)
	return cands
}

// blendEntry is one product's running total in merge: the sum, the largest single
// contribution, and the candidate and component that gave it.
type blendEntry struct {
	score, best float64
	cand        Candidate
	from        int
}

// merge blends the components' lists with weights and returns the n best.
func (b *Blend) merge(lists [][]Candidate, weights []float64, n int) []Candidate {
	total := 0
	for i, list := range lists {
		if weights[i] > 0 {
			total += len(list)
		}
	}
	entries := make([]blendEntry, 0, total)
	index := make(map[int32]int32, total)
	for i, list := range lists {
		if weights[i] <= 0 {
			continue
		}
		for r, c := range list {
			v := weights[i] / float64(r+1)
			j, ok := index[c.Product]
			if !ok {
				j = int32(len(entries))
				index[c.Product] = j
				entries = append(entries, blendEntry{})
			}
			e := &entries[j]
			e.score += v
			if !ok || v > e.best {
				e.best, e.cand, e.from = v, c, i
			}
		}
	}
	for i := range entries {
		entries[i].cand.Score = float32(entries[i].score)
	}
	slices.SortFunc(entries, func(x, y blendEntry) int { return compareCandidates(x.cand, y.cand) })
	out := make([]Candidate, min(n, len(entries)))
	for i := range out {
		out[i] = entries[i].cand
		out[i].Source = b.models[entries[i].from].Name()
	}
	return out
}

// blendWire is the persisted form of Blend: its components by name, and their weights.
type blendWire struct {
	Names   []string
	Weights []float64
}

// MarshalBinary implements Model: the component names and weights only; the components
// are persisted as models of their own.
func (b *Blend) MarshalBinary() ([]byte, error) {
	w := blendWire{Names: make([]string, len(b.models)), Weights: b.weights}
	for i, m := range b.models {
		w.Names[i] = m.Name()
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(w); err != nil {
		return nil, fmt.Errorf("encode blend model: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeBlendWeights reads a persisted blend: its component algorithm names and weights,
// in order. The caller resolves the names to the models of the same training run.
func decodeBlendWeights(data []byte) (names []string, weights []float64, err error) {
	var w blendWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, nil, fmt.Errorf("decode blend model: %w", err)
	}
	if len(w.Names) != len(w.Weights) {
		return nil, nil, fmt.Errorf("decode blend model: %d names but %d weights", len(w.Names), len(w.Weights))
	}
	for i, x := range w.Weights {
		if !(x >= 0) || math.IsInf(x, 0) {
			return nil, nil, fmt.Errorf("decode blend model: weight %v of %q is not a non-negative number", x, w.Names[i])
		}
	}
	return w.Names, w.Weights, nil
}
