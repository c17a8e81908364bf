package recsys

import (
	"math"
	"slices"
	"testing"
)

// indexedALS trains a small ALS on a generated shop of nProducts products and gives it an
// index, whatever the catalogue size.
func indexedALS(t testing.TB, nProducts int) (*ALS, *benchData) {
	t.Helper()
	d := generateBench(BenchOptions{Customers: 3000, Products: nProducts, Interactions: 40000, Seed: 5})
	m, err := TrainALS(d.nCustomers, d.nProducts, d.train, ALSOptions{Factors: 8, Iterations: 3, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	m.index = buildALSIndex(m.items, m.known, m.opts.Factors, 5)
	return m, d
}

func TestTheALSIndexHoldsEveryKnownProductOnceWithinItsRadius(t *testing.T) {
	m, _ := indexedALS(t, 2500)
	ix, f := m.index, m.opts.Factors
	var want []int32
	for p, ok := range m.known {
		if ok {
			want = append(want, int32(p))
		}
	}
	got := slices.Sorted(slices.Values(ix.order))
	if !slices.Equal(got, want) {
		t.Fatalf("the index holds %d products, want the %d known ones once each", len(got), len(want))
	}
	if k := len(ix.radius); k < 40 || k > 60 {
		t.Errorf("%d clusters for %d products, want about √n", k, len(want))
	}
	for c := range ix.radius {
		mu := ix.centroids[c*f : (c+1)*f]
		for i := ix.off[c]; i < ix.off[c+1]; i++ {
			y := ix.vecs[int(i)*f : int(i+1)*f]
			if !slices.Equal(y, m.items[int(ix.order[i])*f:int(ix.order[i]+1)*f]) {
				t.Fatalf("cluster %d holds other factors than product %d's", c, ix.order[i])
			}
			if d := math.Sqrt(sqDist(y, mu)); d > float64(ix.radius[c]) {
				t.Fatalf("product %d lies %.4f from its centroid, beyond the radius %.4f", ix.order[i], d, ix.radius[c])
			}
		}
	}
}

func TestTheALSIndexFindsExactlyWhatAFullSearchFinds(t *testing.T) {
	m, d := indexedALS(t, 2500)
	skip := func(p int32) bool { return p%7 == 0 }
	var pruned, full topK
	var bounds []clusterBound
	scoredPruned, scoredFull := 0, 0
	for i, h := range d.histories[:300] {
		cands, finish := m.stage(h, 10, skip)
		finish(nil)
		x := m.foldIn(t, h)
		pruned.k, full.k = 10, 10
		pruned.reset()
		full.reset()
		var n int
		bounds, n = m.index.search(x, &pruned, skip, bounds, true)
		scoredPruned += n
		bounds, n = m.index.search(x, &full, skip, bounds, false)
		scoredFull += n
		a, b := pruned.sorted(), full.sorted()
		if !slices.Equal(a, b) {
			t.Fatalf("customer %d: pruned search %v, full search %v", i, a, b)
		}
		if len(cands) != len(a) {
			t.Fatalf("customer %d: stage gave %d candidates, the search %d", i, len(cands), len(a))
		}
		for j := range a {
			if cands[j].Product != a[j].Product || skip(a[j].Product) {
				t.Fatalf("customer %d: stage gave %v, the search %v", i, cands, a)
			}
		}
	}
	if scoredPruned*2 > scoredFull {
		t.Errorf("pruning scored %d products against %d for the full search: want well under half", scoredPruned, scoredFull)
	}
}

// foldIn is the customer factor vector stage computes for history h.
func (m *ALS) foldIn(t *testing.T, h []Interaction) []float32 {
	t.Helper()
	var row []entry
	for _, it := range h {
		row = append(row, entry{product: it.Product, w: it.Weight})
	}
	x, ok := newALSSolver(m.opts.Factors).solve(m.gram, m.items, row, m.opts.Lambda, m.opts.Alpha)
	if !ok {
		t.Fatal("fold-in failed")
	}
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}
