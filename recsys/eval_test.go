package recsys

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// at returns the fixture time h hours after a fixed day.
func at(h int) time.Time {
	return time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(h) * time.Hour)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestScoreRankingMatchesHandComputedValues(t *testing.T) {
	l3, l5, l4 := math.Log2(3), math.Log2(5), math.Log2(4)
	tests := []struct {
		name      string
		ranked    []int32
		relevant  []int32
		nRelevant int
		k         int
		want      rankScores
	}{
		{"two hits at ranks 2 and 4 of 4", []int32{1, 2, 3, 4}, []int32{2, 4}, 2, 4,
			rankScores{precision: 0.5, recall: 1, ndcg: (1/l3 + 1/l5) / (1 + 1/l3), hit: 1, ap: (1.0/2 + 2.0/4) / 2}},
		{"no hit scores zero everywhere", []int32{5, 6}, []int32{7}, 1, 3, rankScores{}},
		{"only the first k count and unseen relevant products stay in the denominators", []int32{7, 8, 9}, []int32{7, 9}, 3, 2,
			rankScores{precision: 0.5, recall: 1.0 / 3, ndcg: 1 / (1 + 1/l3), hit: 1, ap: 1.0 / 2}},
		{"a single hit at rank 3 of a short list still divides precision by k", []int32{1, 2, 3}, []int32{3}, 1, 5,
			rankScores{precision: 1.0 / 5, recall: 1, ndcg: 1 / l4, hit: 1, ap: (1.0 / 3) / 1}},
		{"a perfect ranking scores one", []int32{3, 1}, []int32{1, 3}, 2, 2,
			rankScores{precision: 1, recall: 1, ndcg: 1, hit: 1, ap: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scoreRanking(tt.ranked, tt.relevant, tt.nRelevant, tt.k)
			if !near(got.precision, tt.want.precision) || !near(got.recall, tt.want.recall) || !near(got.ndcg, tt.want.ndcg) ||
				!near(got.hit, tt.want.hit) || !near(got.ap, tt.want.ap) {
				t.Errorf("scoreRanking = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSplitHoldsOutTheLatestInteractionsOfEachCustomer(t *testing.T) {
	var rows []EvalRow
	for h := 1; h <= 10; h++ { // customer 1: 10 rows, products 1..10 in time order: 2 held out
		rows = append(rows, EvalRow{Customer: 1, Product: int64(h), Weight: 1, At: at(h)})
	}
	rows = append(rows,
		// customer 2: 3 rows, floor(0.6) = 0, so one is held out: product 99, unseen in training
		EvalRow{Customer: 2, Product: 1, Weight: 1, At: at(1)},
		EvalRow{Customer: 2, Product: 2, Weight: 3, At: at(2)},
		EvalRow{Customer: 2, Product: 99, Weight: 5, At: at(3)},
		// customer 3: one row, trains but is not evaluated
		EvalRow{Customer: 3, Product: 50, Weight: 1, At: at(1)},
		// customer 4: two rows at the same time: the lower product id comes first, 20 is held out
		EvalRow{Customer: 4, Product: 20, Weight: 1, At: at(5)},
		EvalRow{Customer: 4, Product: 10, Weight: 1, At: at(5)},
	)
	// Held-out products 9, 20 and 99 are in nobody's training: relevant, but unseen.
	want := map[int64]struct {
		known, relevant []int64
		unseen          int
	}{
		1: {[]int64{1, 2, 3, 4, 5, 6, 7, 8}, []int64{10}, 1},
		4: {[]int64{10}, []int64{}, 1},
	}
	for seed := range uint64(5) { // whatever order the rows come in
		shuffled := slices.Clone(rows)
		rand.New(rand.NewPCG(seed, 0)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		s, err := SplitHoldout(shuffled, EvalOptions{Holdout: 0.2})
		if err != nil {
			t.Fatal(err)
		}
		ids := func(ps []int32) []int64 {
			out := []int64{}
			for _, p := range ps {
				out = append(out, s.Products[p])
			}
			return out
		}
		if got := []int64{1, 2, 3, 4, 5, 6, 7, 8, 10, 50}; !slices.Equal(s.Products, got) {
			t.Fatalf("training products = %v, want %v", s.Products, got)
		}
		if s.TrainCustomers != 4 || len(s.Customers) != 3 {
			t.Fatalf("%d training customers and %d evaluated, want 4 and 3", s.TrainCustomers, len(s.Customers))
		}
		for _, c := range s.Customers {
			if c.ID == 2 {
				if len(c.Relevant) != 0 || c.Unseen != 1 || !slices.Equal(ids(c.Known), []int64{1, 2}) {
					t.Errorf("customer 2: known %v, relevant %v, unseen %d; want [1 2], [], 1", ids(c.Known), ids(c.Relevant), c.Unseen)
				}
				continue
			}
			w := want[c.ID]
			if !slices.Equal(ids(c.Known), w.known) || !slices.Equal(ids(c.Relevant), w.relevant) || c.Unseen != w.unseen {
				t.Errorf("customer %d: known %v, relevant %v, unseen %d; want %v, %v, %d", c.ID, ids(c.Known), ids(c.Relevant), c.Unseen, w.known, w.relevant, w.unseen)
			}
			for _, h := range c.History {
				if h.Customer != -1 || !slices.Contains(c.Known, h.Product) {
					t.Errorf("customer %d: history entry %+v is not one of their training products", c.ID, h)
				}
			}
		}
	}
}

func TestSplitAppliesMinValueOnlyToEventsWithAValue(t *testing.T) {
	rows := []EvalRow{
		{Customer: 1, Product: 1, Weight: 1, At: at(1)},
		{Customer: 1, Product: 2, Weight: 1, At: at(2), Value: 2, HasValue: true}, // held out, rated too low
		{Customer: 2, Product: 2, Weight: 1, At: at(1)},
		{Customer: 2, Product: 1, Weight: 1, At: at(2)}, // held out, no value: relevant
		{Customer: 3, Product: 1, Weight: 1, At: at(1)},
		{Customer: 3, Product: 2, Weight: 1, At: at(2), Value: 4, HasValue: true}, // held out, rated high enough
	}
	v := 3.0
	s, err := SplitHoldout(rows, EvalOptions{Holdout: 0.2, MinValue: &v})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, c := range s.Customers {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("evaluated customers = %v, want [2 3] (customer 1's only held-out event is rated 2 < 3)", got)
	}
}

func TestSplitRejectsAHoldoutOutsideZeroToOne(t *testing.T) {
	for _, h := range []float64{0, 1, -0.5, math.NaN()} {
		if _, err := SplitHoldout(nil, EvalOptions{Holdout: h}); err == nil {
			t.Errorf("holdout %v accepted", h)
		}
	}
}

// everything proposes every product in index order, ignoring skip.
type everything struct{ n int32 }

func (e everything) Name() string                   { return "everything" }
func (e everything) MarshalBinary() ([]byte, error) { return nil, nil }
func (e everything) Recommend(_ []Interaction, n int, _ func(int32) bool) []Candidate {
	var out []Candidate
	for p := range e.n {
		out = append(out, Candidate{Product: p, Because: -1})
	}
	return out
}

func TestEvaluateNeverCountsAProductTheCustomerHasInTraining(t *testing.T) {
	// Customer 1 had products 1 and 2 in training and 1 again held out: product 1 is
	// relevant but not a candidate, so even a model proposing it scores nothing.
	rows := []EvalRow{
		{Customer: 1, Product: 1, Weight: 1, At: at(1)},
		{Customer: 1, Product: 2, Weight: 1, At: at(2)},
		{Customer: 1, Product: 1, Weight: 1, At: at(3)},
		{Customer: 2, Product: 3, Weight: 1, At: at(1)},
	}
	s, err := SplitHoldout(rows, EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	m := Evaluate(s, everything{n: int32(len(s.Products))}, 10)
	if m.Customers != 1 || m.HitRate != 0 || m.NDCG != 0 {
		t.Errorf("Evaluate = %+v, want one customer and no hit", m)
	}
	// Only product 3 was a candidate: coverage is one product of three.
	if !near(m.Coverage, 1.0/3) {
		t.Errorf("coverage = %v, want 1/3", m.Coverage)
	}
}

func TestRandomIsDeterministicForASeedAndRespectsSkip(t *testing.T) {
	skip := func(p int32) bool { return p%3 == 0 }
	draw := func(seed uint64) [][]Candidate {
		r := NewRandom(50, seed)
		var out [][]Candidate
		for range 5 {
			out = append(out, r.Recommend(nil, 10, skip))
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	same := func(x, y [][]Candidate) bool {
		return slices.EqualFunc(x, y, func(u, v []Candidate) bool { return slices.Equal(u, v) })
	}
	if !same(a, b) {
		t.Error("two random recommenders with the same seed disagree")
	}
	if same(a, c) {
		t.Error("seeds 7 and 8 give the same draws")
	}
	for _, list := range a {
		seen := map[int32]bool{}
		for _, x := range list {
			if skip(x.Product) || seen[x.Product] || x.Product < 0 || x.Product >= 50 {
				t.Fatalf("random proposed %d (skipped, repeated or out of range) in %v", x.Product, list)
			}
			seen[x.Product] = true
		}
		if len(list) != 10 {
			t.Errorf("random proposed %d products, want 10", len(list))
		}
	}
	if got := NewRandom(5, 1).Recommend(nil, 10, skip); len(got) != 3 {
		t.Errorf("random over 5 products with 0 and 3 skipped proposed %d, want 3", len(got))
	}
}

// twoTastes is a shop of two disjoint tastes: 30 customers want products 1–5, 60 want
// 11–15; each touches their 5 products one hour apart in a rotated order, so the held-out
// product varies. Popularity ranks the 11–15 products first for everyone; item-to-item
// ranks, for each customer, the one product of their taste they lack first.
func twoTastes() []EvalRow {
	var rows []EvalRow
	for c := range 90 {
		base := int64(1)
		if c >= 30 {
			base = 11
		}
		for i := range 5 {
			rows = append(rows, EvalRow{Customer: int64(c + 1), Product: base + int64((c+i)%5), Weight: 1, At: at(c*10 + i)})
		}
	}
	return rows
}

func TestItemToItemBeatsPopularityOnTwoDisjointTastes(t *testing.T) {
	s, err := SplitHoldout(twoTastes(), EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	ms := EvaluateAll(s, BaselineModels(s, 1), 10)
	if ms[0].Algorithm != AlgoRandom || ms[1].Algorithm != AlgoPopularity || ms[2].Algorithm != AlgoItemItem {
		t.Fatalf("algorithms = %s, %s, %s", ms[0].Algorithm, ms[1].Algorithm, ms[2].Algorithm)
	}
	pop, ii := ms[1], ms[2]
	if ii.Customers != 90 || pop.Customers != 90 {
		t.Fatalf("evaluated %d and %d customers, want 90", ii.Customers, pop.Customers)
	}
	// Item-to-item puts the one missing product of the customer's taste first.
	if !near(ii.NDCG, 1) || !near(ii.HitRate, 1) || !near(ii.MAP, 1) || !near(ii.Precision, 0.1) || !near(ii.Recall, 1) {
		t.Errorf("item-to-item = %+v, want NDCG, hit rate, MAP and recall 1, precision 0.1", ii)
	}
	// Popularity: first for the 60, sixth (after the five others' products) for the 30.
	wantNDCG := (60 + 30/math.Log2(7)) / 90
	if !near(pop.NDCG, wantNDCG) || !near(pop.HitRate, 1) || !near(pop.MAP, (60+30.0/6)/90) {
		t.Errorf("popularity = %+v, want NDCG %.6f, hit rate 1, MAP %.6f", pop, wantNDCG, (60+30.0/6)/90)
	}
	if ii.NDCG <= pop.NDCG {
		t.Errorf("item-to-item NDCG %.4f does not beat popularity %.4f", ii.NDCG, pop.NDCG)
	}
	// The random baseline is the same on a second run with the same seed.
	if again := Evaluate(s, NewRandom(len(s.Products), 1), 10); again != ms[0] {
		t.Errorf("random scored %+v, then %+v with the same seed", ms[0], again)
	}
}
