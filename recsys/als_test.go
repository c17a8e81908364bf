package recsys

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/persona-app/persona/store"
)

// lowRank is a rank-3 0/1 matrix over 6 products: rows 111000, 001110, 000011 and their
// sum 111011, three customers each (customer c has row c mod 4). Every weight is 1.
func lowRank() []Interaction {
	rows := [][]int32{{0, 1, 2}, {2, 3, 4}, {4, 5}, {0, 1, 2, 4, 5}}
	var xs []Interaction
	for c := range int32(12) {
		for _, p := range rows[c%4] {
			xs = append(xs, Interaction{Customer: c, Product: p, Weight: 1})
		}
	}
	return xs
}

// blocks is a rank-2 block matrix with holes: customers 0–9 have products 0–4, customers
// 10–19 have products 5–9, each customer but one product of their block (customer c lacks
// product c mod 5 of it). Every weight is 1.
func blocks() []Interaction {
	var xs []Interaction
	for c := range int32(20) {
		base := int32(0)
		if c >= 10 {
			base = 5
		}
		for p := base; p < base+5; p++ {
			if p != base+c%5 {
				xs = append(xs, Interaction{Customer: c, Product: p, Weight: 1})
			}
		}
	}
	return xs
}

// sharp are options under which ALS nearly reconstructs the observed matrix.
var sharp = ALSOptions{Factors: 2, Lambda: 1e-3, Alpha: 100, Iterations: 30, Seed: 7}

// alsHistory returns customer c's interactions as serving sees them.
func alsHistory(xs []Interaction, c int32) []Interaction {
	var h []Interaction
	for _, x := range xs {
		if x.Customer == c {
			h = append(h, Interaction{Customer: -1, Product: x.Product, Weight: x.Weight})
		}
	}
	return h
}

func noSkip(int32) bool { return false }

func TestALSReconstructsALowRankMatrix(t *testing.T) {
	xs := lowRank()
	opts := sharp
	opts.Factors = 3
	m, users, err := trainALS(12, 6, xs, opts)
	if err != nil {
		t.Fatal(err)
	}
	observed := map[[2]int32]bool{}
	for _, x := range xs {
		observed[[2]int32{x.Customer, x.Product}] = true
	}
	for c := range int32(12) {
		lowestSeen, highestUnseen := math.Inf(1), math.Inf(-1)
		for p := range int32(6) {
			pred := float64(dot(users[c*3:c*3+3], m.items[p*3:p*3+3]))
			want := 0.0
			if observed[[2]int32{c, p}] {
				want = 1
				lowestSeen = min(lowestSeen, pred)
			} else {
				highestUnseen = max(highestUnseen, pred)
			}
			if math.Abs(pred-want) > 0.05 {
				t.Errorf("customer %d, product %d: predicted %.3f, want about %v", c, p, pred, want)
			}
		}
		if lowestSeen <= highestUnseen {
			t.Errorf("customer %d: an unobserved product scores %.3f, above an observed one's %.3f", c, highestUnseen, lowestSeen)
		}
	}
}

func TestALSRecoversTheBlocksAndExplainsByTheBlock(t *testing.T) {
	xs := blocks()
	m, err := TrainALS(20, 10, xs, sharp)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		history []Interaction
		skip    func(int32) bool
		want    []int32 // the first products, as a set
		block   int32   // the block whose products explain them
	}{
		{"a first-block customer gets the product of their block they lack first",
			alsHistory(xs, 3), func(p int32) bool { return p < 5 && p != 3 }, []int32{3}, 0},
		{"a second-block customer gets the product of their block they lack first",
			alsHistory(xs, 11), func(p int32) bool { return p >= 5 && p != 6 }, []int32{6}, 1},
		{"a fresh history of one product proposes its block, explained by it",
			[]Interaction{{-1, 7, 1}}, func(p int32) bool { return p == 7 }, []int32{5, 6, 8, 9}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := m.Recommend(tt.history, 10, tt.skip)
			if len(got) < len(tt.want) {
				t.Fatalf("got %d candidates, want at least %d", len(got), len(tt.want))
			}
			first := got[:len(tt.want)]
			ps := candidateProducts(first)
			slices.Sort(ps) // a block's products score alike: compare as a set
			if !slices.Equal(ps, tt.want) {
				t.Errorf("first products = %v, want %v (all: %+v)", candidateProducts(first), tt.want, got)
			}
			for _, c := range first {
				if c.Because < 0 || c.Because/5 != tt.block {
					t.Errorf("product %d explained by %d, want a product of block %d", c.Product, c.Because, tt.block)
				}
			}
			for _, c := range got {
				if tt.skip(c.Product) {
					t.Errorf("skipped product %d was proposed", c.Product)
				}
			}
		})
	}
	if got := m.Recommend([]Interaction{{-1, 7, 1}}, 10, func(p int32) bool { return p == 7 }); got[0].Because != 7 {
		t.Errorf("a history of product 7 alone explains %+v by %d, want 7", got[0], got[0].Because)
	}
}

func TestALSFoldInEqualsTheTrainedCustomerVector(t *testing.T) {
	xs := syntheticInteractions(300, 60, 6, 3)
	opts := ALSOptions{Factors: 8, Lambda: 0.5, Alpha: 4, Iterations: 5, Seed: 1}
	m, users, err := trainALS(300, 60, xs, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int32{0, 17, 299} {
		x := users[c*8 : c*8+8]
		got := m.Recommend(alsHistory(xs, c), 60, noSkip)
		if len(got) == 0 {
			t.Fatalf("customer %d: no candidates", c)
		}
		for _, cand := range got {
			want := dot(x, m.items[cand.Product*8:cand.Product*8+8])
			if math.Abs(float64(cand.Score-want)) > 1e-6 {
				t.Errorf("customer %d, product %d: fold-in scores %.7f, trained vector %.7f", c, cand.Product, cand.Score, want)
			}
		}
	}
}

func TestALSIsDeterministicForASeedWhateverTheWorkers(t *testing.T) {
	xs := syntheticInteractions(2_000, 300, 8, 5)
	encode := func(o ALSOptions) []byte {
		m, err := TrainALS(2_000, 300, xs, o)
		if err != nil {
			t.Fatal(err)
		}
		data, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	base := ALSOptions{Factors: 16, Iterations: 3, Seed: 9, Workers: 1}
	one := encode(base)
	for _, w := range []int{2, 3, 8} {
		o := base
		o.Workers = w
		if !bytes.Equal(encode(o), one) {
			t.Errorf("%d workers give another model than one worker", w)
		}
	}
	o := base
	o.Seed = 10
	if bytes.Equal(encode(o), one) {
		t.Error("seeds 9 and 10 give the same model")
	}
}

func TestALSSurvivesEncoding(t *testing.T) {
	xs := syntheticInteractions(500, 80, 6, 11)
	m, err := TrainALS(500, 80, xs, ALSOptions{Factors: 8, Iterations: 4, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeALS(data, 80)
	if err != nil {
		t.Fatal(err)
	}
	if back.Name() != AlgoALS {
		t.Errorf("decoded name %q", back.Name())
	}
	for _, c := range []int32{1, 42, 499} {
		h := alsHistory(xs, c)
		if a, b := m.Recommend(h, 10, noSkip), back.Recommend(h, 10, noSkip); len(a) == 0 || !slices.Equal(a, b) {
			t.Errorf("customer %d: %v before encoding, %v after", c, a, b)
		}
	}
	if _, err := decodeALS(data, 81); err == nil {
		t.Error("decoding over another product count succeeded")
	}
	if _, err := decodeALS(data[:len(data)/2], 80); err == nil {
		t.Error("decoding half the data succeeded")
	}
}

func TestALSOptions(t *testing.T) {
	t.Run("zero options take the defaults and report each iteration", func(t *testing.T) {
		var iters []int
		m, err := TrainALS(20, 10, blocks(), ALSOptions{Progress: func(i int) { iters = append(iters, i) }})
		if err != nil {
			t.Fatal(err)
		}
		if m.Factors() != defaultALSFactors || len(iters) != defaultALSIterations || iters[len(iters)-1] != defaultALSIterations {
			t.Errorf("factors %d, progress %v; want %d factors and iterations 1..%d", m.Factors(), iters, defaultALSFactors, defaultALSIterations)
		}
	})
	for _, tt := range []struct {
		name  string
		opts  ALSOptions
		field string
	}{
		{"negative factors are refused", ALSOptions{Factors: -1}, "factors"},
		{"a negative lambda is refused", ALSOptions{Lambda: -0.1}, "lambda"},
		{"a NaN alpha is refused", ALSOptions{Alpha: math.NaN()}, "alpha"},
		{"negative iterations are refused", ALSOptions{Iterations: -3}, "iterations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := TrainALS(20, 10, blocks(), tt.opts)
			var fe store.FieldErrors
			if !errors.As(err, &fe) || fe[tt.field] == "" {
				t.Errorf("err = %v, want a field error on %s", err, tt.field)
			}
		})
	}
}

func TestALSIgnoresInvalidInteractionsAndEmptyHistories(t *testing.T) {
	xs := append(blocks(), Interaction{0, 99, 1}, Interaction{99, 0, 1}, Interaction{1, 5, 0}, Interaction{2, 6, -1})
	m, err := TrainALS(20, 10, xs, sharp)
	if err != nil {
		t.Fatal(err)
	}
	clean, err := TrainALS(20, 10, blocks(), sharp)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.items, clean.items) {
		t.Error("invalid interactions changed the model")
	}
	if got := m.Recommend(nil, 10, noSkip); got != nil {
		t.Errorf("an empty history got %v, want nothing", got)
	}
	if got := m.Recommend([]Interaction{{-1, 42, 1}}, 10, noSkip); got != nil {
		t.Errorf("a history of unknown products got %v, want nothing", got)
	}
}

func BenchmarkALSIteration(b *testing.B) {
	const nCustomers, nItems = 100_000, 10_000
	xs := syntheticInteractions(nCustomers, nItems, 10, 42)
	for b.Loop() {
		if _, err := TrainALS(nCustomers, nItems, xs, ALSOptions{Iterations: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(xs)), "interactions")
}

func benchmarkALSRecommend(b *testing.B, nCustomers, nItems int) {
	xs := syntheticInteractions(nCustomers, nItems, 10, 42)
	m, err := TrainALS(nCustomers, nItems, xs, ALSOptions{Iterations: 2})
	if err != nil {
		b.Fatal(err)
	}
	// A history of 30 distinct products, spread over the catalogue.
	var h []Interaction
	for i := range 30 {
		h = append(h, Interaction{Customer: -1, Product: int32(i * nItems / 30), Weight: 1.5})
	}
	for b.Loop() {
		if got := m.Recommend(h, 10, noSkip); len(got) != 10 {
			b.Fatalf("got %d candidates", len(got))
		}
	}
}

func BenchmarkALSRecommend300Products(b *testing.B) { benchmarkALSRecommend(b, 5_000, 300) }

func BenchmarkALSRecommend10kProducts(b *testing.B) { benchmarkALSRecommend(b, 20_000, 10_000) }
