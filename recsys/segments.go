package recsys

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"slices"
)

// algoSegments names the persisted popularity within segments; it is not an algorithm a
// recommendation asks for, but what "popular in your segment" tops lists up with.
const algoSegments = "segment-popularity"

// segmentModel holds popularity within each saved segment: the number of distinct members
// who interacted with each product (over their most recent products, as in training).
type segmentModel struct {
	bySegment map[int64]*segmentPopularity
}

// learnSegments computes popularity within each saved segment from the training set.
func (s *Service) learnSegments(ctx context.Context, snap *snapshot, set *trainingSet) error {
	if s.Segments == nil {
		return nil
	}
	list, err := s.Segments(ctx)
	if err != nil {
		return fmt.Errorf("recsys: list segments: %w", err)
	}
	dense := make(map[int64]int32, len(set.customerIDs))
	for c, id := range set.customerIDs {
		dense[id] = int32(c)
	}
	// set.interactions holds each customer's rows together, in customer order.
	start := make([]int, len(set.customerIDs)+1)
	for _, x := range set.interactions {
		start[x.Customer+1]++
	}
	for c := range set.customerIDs {
		start[c+1] += start[c]
	}
	m := &segmentModel{bySegment: map[int64]*segmentPopularity{}}
	counts := make([]int32, len(set.productIDs))
	for _, seg := range list {
		clear(counts)
		for _, id := range seg.Customers {
			c, ok := dense[id]
			if !ok {
				continue
			}
			for _, x := range set.interactions[start[c]:start[c+1]] {
				counts[x.Product]++
			}
		}
		m.bySegment[seg.ID] = &segmentPopularity{name: seg.Name, popularity: NewPopularity(counts, counts)}
	}
	snap.set(m)
	return nil
}

// Name implements Model.
func (m *segmentModel) Name() string { return algoSegments }

// Recommend implements Model: nothing, as it needs a segment; fillPopular uses it.
func (m *segmentModel) Recommend([]Interaction, int, func(int32) bool) []Candidate { return nil }

// segmentWire is segmentModel's persisted form.
type segmentWire struct {
	IDs    []int64
	Names  []string
	Ranked [][]int32
	Scores [][]float32
}

// MarshalBinary implements Model.
func (m *segmentModel) MarshalBinary() ([]byte, error) {
	var w segmentWire
	for id := range m.bySegment {
		w.IDs = append(w.IDs, id)
	}
	slices.Sort(w.IDs)
	for _, id := range w.IDs {
		sp := m.bySegment[id]
		w.Names = append(w.Names, sp.name)
		w.Ranked = append(w.Ranked, sp.popularity.ranked)
		w.Scores = append(w.Scores, sp.popularity.scores)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(w); err != nil {
		return nil, fmt.Errorf("encode segment popularity: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeSegments reads a persisted segmentModel.
func decodeSegments(data []byte, nProducts int) (Model, error) {
	var w segmentWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, fmt.Errorf("decode segment popularity: %w", err)
	}
	if len(w.Names) != len(w.IDs) || len(w.Ranked) != len(w.IDs) || len(w.Scores) != len(w.IDs) {
		return nil, fmt.Errorf("decode segment popularity: %d ids, %d names, %d rankings", len(w.IDs), len(w.Names), len(w.Ranked))
	}
	m := &segmentModel{bySegment: make(map[int64]*segmentPopularity, len(w.IDs))}
	for i, id := range w.IDs {
		for _, p := range w.Ranked[i] {
			if p < 0 || int(p) >= nProducts {
				return nil, fmt.Errorf("decode segment popularity: product %d outside 0..%d", p, nProducts-1)
			}
		}
		if len(w.Scores[i]) != len(w.Ranked[i]) {
			return nil, fmt.Errorf("decode segment popularity: segment %d has %d scores for %d products", id, len(w.Scores[i]), len(w.Ranked[i]))
		}
		m.bySegment[id] = &segmentPopularity{name: w.Names[i], popularity: &Popularity{ranked: w.Ranked[i], scores: w.Scores[i]}}
	}
	return m, nil
}
