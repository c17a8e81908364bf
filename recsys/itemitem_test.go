package recsys

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// matrix is the 4 x 4 matrix of testdata/shop.sql with dense indices (customer c1 is 0,
// product 101 is 0) and the log1p-dampened weights.
func matrix() []Interaction {
	ln := func(x float64) float32 { return float32(math.Log(x)) }
	return []Interaction{
		{0, 0, ln(3)}, {0, 1, ln(6)},
		{1, 0, ln(2)}, {1, 1, ln(6)}, {1, 2, ln(4)},
		{2, 1, ln(2)}, {2, 2, ln(5)}, {2, 3, ln(2)},
		{3, 2, ln(2)}, {3, 3, ln(7)},
	}
}

// matrixSims are the cosine similarities of matrix(), computed by hand (products 0 and 3
// share no customer).
var matrixSims = map[[2]int32]float64{
	{0, 1}: 0.940775588, {0, 2}: 0.331062654,
	{1, 2}: 0.613217620, {1, 3}: 0.088536942,
	{2, 3}: 0.533929395,
}

func sim(a, b int32) float64 {
	return matrixSims[[2]int32{min(a, b), max(a, b)}]
}

func TestBuildItemItemComputesCosineOverDampenedWeights(t *testing.T) {
	nb := BuildItemItem(4, matrix(), 50)
	want := map[int32][]int32{0: {1, 2}, 1: {0, 2, 3}, 2: {1, 3, 0}, 3: {2, 1}}
	for p := int32(0); p < 4; p++ {
		got := nb.Of(p)
		if ids := productsOf(got); !slices.Equal(ids, want[p]) {
			t.Errorf("neighbours of %d = %v, want %v", p, ids, want[p])
		}
		for _, n := range got {
			if d := math.Abs(float64(n.Sim) - sim(p, n.Product)); d > 1e-6 {
				t.Errorf("sim(%d, %d) = %.9f, want %.9f", p, n.Product, n.Sim, sim(p, n.Product))
			}
		}
	}
}

func TestBuildItemItemTruncation(t *testing.T) {
	ones := []Interaction{{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {0, 3, 1}}
	cases := []struct {
		name  string
		xs    []Interaction
		k     int
		item  int32
		wants []int32
	}{
		{"top two keep the two most similar", matrix(), 2, 1, []int32{0, 2}},
		{"top two drop the least similar of three", matrix(), 2, 2, []int32{1, 3}},
		{"top one keeps only the best", matrix(), 1, 3, []int32{2}},
		{"k of zero keeps nothing", matrix(), 0, 1, nil},
		{"equal similarities keep the lower indices", ones, 2, 0, []int32{1, 2}},
		{"equal similarities are listed by index", ones, 50, 3, []int32{0, 1, 2}},
		{"a product nobody shares has no neighbours", append(matrix(), Interaction{9, 4, 1}), 50, 4, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nb := BuildItemItem(5, c.xs, c.k)
			if got := productsOf(nb.Of(c.item)); !slices.Equal(got, c.wants) {
				t.Fatalf("neighbours of %d = %v, want %v", c.item, got, c.wants)
			}
		})
	}
}

func TestBuildItemItemIgnoresInvalidInteractions(t *testing.T) {
	xs := append(matrix(), Interaction{0, 3, 0}, Interaction{1, 3, -2}, Interaction{0, 7, 1}, Interaction{-1, 0, 1})
	nb := BuildItemItem(4, xs, 50)
	if got := productsOf(nb.Of(0)); !slices.Equal(got, []int32{1, 2}) {
		t.Fatalf("neighbours of 0 = %v, want [1 2]", got)
	}
	if d := math.Abs(float64(nb.Of(0)[0].Sim) - sim(0, 1)); d > 1e-6 {
		t.Fatalf("sim(0, 1) = %v, want %v", nb.Of(0)[0].Sim, sim(0, 1))
	}
	if nb.Of(4) != nil || nb.Of(-1) != nil {
		t.Fatal("products outside the model must have no neighbours")
	}
}

func TestNeighboursRecommendScoresHistoryAndNamesTheStrongestItem(t *testing.T) {
	nb := BuildItemItem(4, matrix(), 50)
	// Customer c1: viewed 0 (log 3), bought 1 (log 6), which is skipped as bought.
	history := []Interaction{{-1, 0, float32(math.Log(3))}, {-1, 1, float32(math.Log(6))}}
	got := nb.Recommend(history, 10, func(p int32) bool { return p == 1 })
	want := []Candidate{{Product: 0, Score: 1.685643569, Because: 1}, {Product: 2, Score: 1.462447978, Because: 1}, {Product: 3, Score: 0.158636904, Because: 1}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].Product != want[i].Product || got[i].Because != want[i].Because ||
			math.Abs(float64(got[i].Score-want[i].Score)) > 1e-5 {
			t.Errorf("candidate %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if got := nb.Recommend(history, 1, func(int32) bool { return false }); len(got) != 1 || got[0].Product != 0 {
		t.Errorf("n = 1 gave %v, want only product 0", got)
	}
}

func TestModelsSurviveEncoding(t *testing.T) {
	nb := BuildItemItem(4, matrix(), 50)
	data, err := nb.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeNeighbours(data, 4)
	if err != nil {
		t.Fatal(err)
	}
	back := m.(*Neighbours)
	for p := int32(0); p < 4; p++ {
		if !slices.Equal(back.Of(p), nb.Of(p)) {
			t.Errorf("neighbours of %d = %v after decoding, want %v", p, back.Of(p), nb.Of(p))
		}
	}
	if _, err := decodeNeighbours(data, 3); err == nil {
		t.Error("decoding over another number of products must fail")
	}
	if _, err := decodeNeighbours(data[:len(data)/2], 4); err == nil {
		t.Error("decoding a truncated model must fail")
	}

	pop := NewPopularity([]int32{1, 0, 2}, []int32{1, 4, 2})
	data, err = pop.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m, err = decodePopularity(data, 3)
	if err != nil {
		t.Fatal(err)
	}
	never := func(int32) bool { return false }
	if got, want := m.Recommend(nil, 5, never), pop.Recommend(nil, 5, never); !slices.Equal(got, want) {
		t.Errorf("popularity after decoding = %v, want %v", got, want)
	}
	if _, err := decodePopularity(data, 2); err == nil {
		t.Error("decoding popularity over fewer products must fail")
	}
}

func productsOf(ns []Neighbour) []int32 {
	var out []int32
	for _, n := range ns {
		out = append(out, n.Product)
	}
	return out
}

func TestTheBoundedHeapEqualsSortingThemAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 9))
	for trial := range 200 {
		n := rng.IntN(60)
		cands := make([]Neighbour, n)
		for i := range cands {
			// Few distinct scores, so ties by product index are exercised.
			cands[i] = Neighbour{Product: int32(rng.IntN(1000)), Sim: float32(rng.IntN(5))}
		}
		want := slices.Clone(cands)
		slices.SortFunc(want, func(a, b Neighbour) int {
			return compareCandidates(Candidate{Product: a.Product, Score: a.Sim}, Candidate{Product: b.Product, Score: b.Sim})
		})
		k := rng.IntN(20)
		want = want[:min(k, n)]
		top := topK{k: k}
		for _, c := range cands {
			if top.wants(c) {
				top.offer(c)
			}
		}
		if got := top.sorted(); !slices.Equal(got, want) && (len(got) > 0 || len(want) > 0) {
			t.Fatalf("trial %d, k=%d: got %v, want %v", trial, k, got, want)
		}
	}
}
