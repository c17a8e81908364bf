package recsys

import (
	"math"
	"slices"
	"testing"
)

// The customers of matrix() as unit vectors: |c0| = √(ln²3+ln²6), |c1| = √(ln²2+ln²6+ln²4),
// |c2| = √(ln²2+ln²5+ln²2), |c3| = √(ln²2+ln²7). The histories below are normalised too.
var (
	// historyA is products 0 and 2 weighing 2 and 1: ĥ = (2, 0, 1, 0)/√5.
	historyA = []Interaction{{-1, 0, 2}, {-1, 2, 1}}
	// historyB is products 0 and 3 weighing 3 and 1: ĥ = (3, 0, 0, 1)/√10.
	historyB = []Interaction{{-1, 0, 3}, {-1, 3, 1}}
)

// cosines of matrix()'s customers with historyA and historyB, by hand:
// e.g. cos(c1, A) = (2·ln2 + 1·ln4) / (√5·|c1|) = 0.523378417.
var (
	cosinesA = []float64{0.467528934, 0.523378417, 0.381945923, 0.150064565}
	cosinesB = []float64{0.495889320, 0.277563321, 0.116315640, 0.297893124}
)

func TestUserUserCosineMatchesHandComputedValues(t *testing.T) {
	u := BuildUserUser(4, matrix(), 2)
	asMap := func(xs []float64) map[int32]float64 {
		m := map[int32]float64{}
		for c, x := range xs {
			m[int32(c)] = x
		}
		return m
	}
	// Customer 0 doubled: cos(c0) = 1, cos(c1) = (ln3·ln2 + ln²6)/(|c0|·|c1|),
	// cos(c2) = ln6·ln2/(|c0|·|c2|), and c3 shares nothing.
	self := []Interaction{{-1, 0, 2 * float32(math.Log(3))}, {-1, 1, 2 * float32(math.Log(6))}}
	for _, tt := range []struct {
		name    string
		history []Interaction
		want    map[int32]float64
	}{
		{"history A of products 0 and 2", historyA, asMap(cosinesA)},
		{"history B of products 0 and 3", historyB, asMap(cosinesB)},
		{"a history proportional to customer 0 has cosine one with them", self,
			map[int32]float64{0: 1, 1: 0.797687767, 2: 0.313571707, 3: 0}},
		{"invalid history entries are ignored", append(slices.Clone(historyA), Interaction{-1, 7, 1}, Interaction{-1, 1, -1}), asMap(cosinesA)},
		{"an empty history is similar to no one", nil, map[int32]float64{0: 0, 1: 0}},
		{"a customer outside the model is similar to no one", historyA, map[int32]float64{4: 0, -1: 0}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for c, want := range tt.want {
				if got := u.Cosine(c, tt.history); math.Abs(got-want) > 1e-6 {
					t.Errorf("cos(c%d) = %.9f, want %.9f", c, got, want)
				}
			}
		})
	}
}

// nearest returns the neighbours Recommend would use for history, best first.
func nearest(u *UserUser, history []Interaction) []neighbourRef {
	s := &userScratch{acc: make([]float32, u.Customers()), hpos: make([]int32, u.nProducts), score: make([]float32, u.nProducts)}
	u.loadHistory(s, history)
	u.chooseNeighbours(s)
	return s.refs
}

func TestUserUserChoosesTheKNearestCustomers(t *testing.T) {
	tests := []struct {
		name      string
		k         int
		history   []Interaction
		cosines   []float64
		customers []int32
	}{
		{"two nearest to history A", 2, historyA, cosinesA, []int32{1, 0}},
		{"three nearest to history A", 3, historyA, cosinesA, []int32{1, 0, 2}},
		{"two nearest to history B", 2, historyB, cosinesB, []int32{0, 3}},
		{"more neighbours than customers gives them all", 9, historyB, cosinesB, []int32{0, 3, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs := nearest(BuildUserUser(4, matrix(), tt.k), tt.history)
			var got []int32
			for _, r := range refs {
				got = append(got, r.customer)
				if want := tt.cosines[r.customer]; math.Abs(float64(r.sim)-want) > 1e-6 {
					t.Errorf("sim of c%d = %.9f, want %.9f", r.customer, r.sim, want)
				}
			}
			if !slices.Equal(got, tt.customers) {
				t.Errorf("neighbours = %v, want %v", got, tt.customers)
			}
		})
	}
}

func TestUserUserRecommendScoresAndExplains(t *testing.T) {
	none := func(int32) bool { return false }
	tests := []struct {
		name    string
		k       int
		history []Interaction
		skip    func(int32) bool
		want    []Candidate
	}{
		// Neighbours c0 and c3 of history B: p1 scores cos(c0,B)·w(c0,1) = 0.4959·ln6/|c0|, all
		// through product 0; p2 scores cos(c3,B)·w(c3,2), all through product 3.
		{"history B with two neighbours, history skipped", 2, historyB, func(p int32) bool { return p == 0 || p == 3 },
			[]Candidate{{Product: 1, Score: 0.422749897, Because: 0}, {Product: 2, Score: 0.099959399, Because: 3}}},
		{"history B with two neighbours, nothing skipped", 2, historyB, none,
			[]Candidate{{Product: 1, Score: 0.422749897, Because: 0}, {Product: 3, Score: 0.280621510, Because: 3},
				{Product: 0, Score: 0.259207913, Because: 0}, {Product: 2, Score: 0.099959399, Because: 3}}},
		// With c1 as third neighbour, p2 gets 0.1624 through product 0 and 0.1000 through 3.
		{"history B with three neighbours", 3, historyB, func(p int32) bool { return p != 2 },
			[]Candidate{{Product: 2, Score: 0.262376925, Because: 0}}},
		// Neighbours c1, c0, c2 of history A: p1 gets 0.5965 through product 0, 0.3384 through 2.
		{"history A with three neighbours keeps the top two", 3, historyA, none,
			[]Candidate{{Product: 1, Score: 0.934892650, Because: 0}, {Product: 2, Score: 0.632461031, Because: 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildUserUser(4, matrix(), tt.k).Recommend(tt.history, len(tt.want), tt.skip)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if got[i].Product != w.Product || got[i].Because != w.Because || math.Abs(float64(got[i].Score-w.Score)) > 1e-6 {
					t.Errorf("candidate %d = %+v, want %+v", i, got[i], w)
				}
			}
		})
	}
}

func TestUserUserBreaksTiesByLowerIndex(t *testing.T) {
	// c0 has products 0 and 1, c1 has 0 and 2, c2 has 0 and 3, all weighing 1: for a history
	// of product 0 all three are equally similar (1/√2) and products 1, 2, 3 score alike.
	xs := []Interaction{{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 2, 1}, {2, 0, 1}, {2, 3, 1}}
	history := []Interaction{{-1, 0, 1}}
	skip := func(p int32) bool { return p == 0 }
	tests := []struct {
		name string
		k, n int
		want []int32
	}{
		{"equal scores are listed by product index", 3, 10, []int32{1, 2, 3}},
		{"the top two of equal scores are the lower indices", 3, 2, []int32{1, 2}},
		{"equally similar neighbours are chosen by lower customer index", 2, 10, []int32{1, 2}},
		{"one neighbour among equals is the first customer", 1, 10, []int32{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildUserUser(4, xs, tt.k).Recommend(history, tt.n, skip)
			var ids []int32
			for _, c := range got {
				ids = append(ids, c.Product)
				if math.Abs(float64(c.Score)-0.5) > 1e-6 || c.Because != 0 {
					t.Errorf("candidate %+v, want score 1/2 because of product 0", c)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("recommended %v, want %v", ids, tt.want)
			}
		})
	}
}

func TestUserUserRespectsSkipAndLimits(t *testing.T) {
	u := BuildUserUser(4, matrix(), 4)
	all := u.Recommend(historyA, 10, func(int32) bool { return false })
	if len(all) != 4 {
		t.Fatalf("got %d candidates with every customer a neighbour, want all 4 products", len(all))
	}
	odd := u.Recommend(historyA, 10, func(p int32) bool { return p%2 == 1 })
	for _, c := range odd {
		if c.Product%2 == 1 {
			t.Errorf("skipped product %d was proposed", c.Product)
		}
	}
	if len(odd) != 2 {
		t.Errorf("got %v, want the two even products", odd)
	}
	for _, tt := range []struct {
		name string
		got  []Candidate
	}{
		{"n of zero", u.Recommend(historyA, 0, func(int32) bool { return false })},
		{"empty history", u.Recommend(nil, 5, func(int32) bool { return false })},
		{"history of unknown products", u.Recommend([]Interaction{{-1, 9, 1}}, 5, func(int32) bool { return false })},
		{"k of zero", BuildUserUser(4, matrix(), 0).Recommend(historyA, 5, func(int32) bool { return false })},
	} {
		if len(tt.got) != 0 {
			t.Errorf("%s: got %v, want nothing", tt.name, tt.got)
		}
	}
}

func TestUserUserCapKeepsTheHeaviestPostingsAndExactSimilarities(t *testing.T) {
	u := BuildUserUser(4, matrix(), 2)
	u.capPerItem = 1
	u.index()
	// Product 0: c0 weighs ln3/|c0| = 0.5227, c1 weighs ln2/|c1| = 0.2926: c0 stays.
	// Product 2: c2 (ln5/|c2| = 0.8541) beats c1 (0.5852) and c3 (0.0949).
	for p, want := range map[int32]int32{0: 0, 2: 2} {
		list := u.postings[u.poff[p]:u.poff[p+1]]
		if len(list) != 1 || list[0].customer != want {
			t.Errorf("postings of product %d = %v, want only c%d", p, list, want)
		}
	}
	// History A reaches c0 through product 0 and c2 through product 2; c1, the nearest, is
	// hidden by the cap, and the kept neighbours get their exact cosine over both products.
	refs := nearest(u, historyA)
	if len(refs) != 2 || refs[0].customer != 0 || refs[1].customer != 2 {
		t.Fatalf("neighbours = %+v, want c0 then c2", refs)
	}
	for _, r := range refs {
		if math.Abs(float64(r.sim)-cosinesA[r.customer]) > 1e-6 {
			t.Errorf("sim of c%d = %.9f, want %.9f", r.customer, r.sim, cosinesA[r.customer])
		}
	}
}

func TestUserUserSurvivesEncoding(t *testing.T) {
	xs := syntheticInteractions(300, 80, 8, 3)
	u := BuildUserUser(80, xs, 20)
	data, err := u.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeUserUser(data, 80)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != AlgoUserUser {
		t.Errorf("decoded name %q", m.Name())
	}
	skip := func(p int32) bool { return p%7 == 0 }
	for c := range 30 {
		history := historyOf(xs, int32(c))
		if got, want := m.Recommend(history, 10, skip), u.Recommend(history, 10, skip); !slices.Equal(got, want) || len(want) == 0 {
			t.Fatalf("customer %d: decoded model recommends %v, want %v", c, got, want)
		}
	}
	if _, err := decodeUserUser(data, 40); err == nil {
		t.Error("decoding over fewer products than the rows use must fail")
	}
	if _, err := decodeUserUser(data[:len(data)/2], 80); err == nil {
		t.Error("decoding a truncated model must fail")
	}
}

// historyOf returns a training customer's interactions as a history, products ascending.
func historyOf(xs []Interaction, customer int32) []Interaction {
	var h []Interaction
	for _, x := range xs {
		if x.Customer == customer {
			h = append(h, Interaction{-1, x.Product, x.Weight})
		}
	}
	slices.SortFunc(h, func(a, b Interaction) int { return int(a.Product - b.Product) })
	return h
}

// benchHistory is a 30-product history drawn like the training customers'.
func benchHistory(nItems int) []Interaction {
	var h []Interaction
	for _, x := range syntheticInteractions(200, nItems, 30, 99) {
		if len(h) < 30 && !slices.ContainsFunc(h, func(y Interaction) bool { return y.Product == x.Product }) {
			h = append(h, Interaction{-1, x.Product, x.Weight})
		}
	}
	slices.SortFunc(h, func(a, b Interaction) int { return int(a.Product - b.Product) })
	return h
}

func BenchmarkUserUserRecommend(b *testing.B) {
	for _, bc := range []struct {
		name                  string
		customers, items, per int
	}{
		{"demo scale 5k customers 300 products", 5_000, 300, 16},
		{"100k customers 50k products", 100_000, 50_000, 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			u := BuildUserUser(bc.items, syntheticInteractions(bc.customers, bc.items, bc.per, 42), 50)
			h := benchHistory(bc.items)
			skip := func(p int32) bool { return false }
			for b.Loop() {
				if got := u.Recommend(h, 10, skip); len(got) != 10 {
					b.Fatalf("got %d candidates", len(got))
				}
			}
		})
	}
}

func BenchmarkBuildUserUser(b *testing.B) {
	xs := syntheticInteractions(100_000, 5_000, 10, 42)
	for b.Loop() {
		BuildUserUser(5_000, xs, 50)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(len(xs))/1e6), "s/Minteractions")
}

func TestUserUserServesConcurrentCallsLikeSequentialOnes(t *testing.T) {
	xs := syntheticInteractions(400, 60, 8, 5)
	u := BuildUserUser(60, xs, 15)
	skip := func(p int32) bool { return p%4 == 0 }
	want := make([][]Candidate, 40)
	for c := range want {
		want[c] = u.Recommend(historyOf(xs, int32(c)), 10, skip)
	}
	errs := make(chan string, 4*len(want))
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for c := range want {
				if got := u.Recommend(historyOf(xs, int32((c+g*10)%len(want))), 10, skip); !slices.Equal(got, want[(c+g*10)%len(want)]) {
					errs <- "customer results differ under concurrency"
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}

func TestUserUserScansAtMostTheBudgetOfPostings(t *testing.T) {
	// Customer c has product 0 (weight 1) and product c+1 (weight (c+1)/10): the lower c, the
	// heavier product 0 in their normalised vector, so product 0's postings list c = 0, 1, …
	var xs []Interaction
	for c := range int32(150) {
		xs = append(xs, Interaction{c, 0, 1}, Interaction{c, c + 1, float32(c+1) / 10})
	}
	u := BuildUserUser(151, xs, 150)
	history := []Interaction{{-1, 0, 1}}
	if got := len(nearest(u, history)); got != 150 {
		t.Errorf("with the default budget %d neighbours were found, want all 150", got)
	}
	u.scanBudget = 0 // every history product scans minScan postings
	refs := nearest(u, history)
	if len(refs) != minScan {
		t.Fatalf("with no budget %d neighbours were found, want the %d heaviest postings", len(refs), minScan)
	}
	for i, r := range refs {
		if r.customer != int32(i) {
			t.Fatalf("neighbour %d is c%d, want c%d (heaviest first)", i, r.customer, i)
		}
	}
}

func TestWalkingEveryCustomerFindsTheSameNeighboursAsTrackingTheTouched(t *testing.T) {
	d := generateBench(BenchOptions{Customers: 3000, Products: 200, Interactions: 120000, Seed: 9})
	dense := BuildUserUser(d.nProducts, d.train, 50)
	sparse := BuildUserUser(d.nProducts, d.train, 50)
	sparse.denseUpTo = 0
	if dense.denseUpTo < d.nCustomers {
		t.Fatalf("the fixture's %d customers would not be walked (limit %d)", d.nCustomers, dense.denseUpTo)
	}
	skip := func(p int32) bool { return p%11 == 0 }
	for i, h := range d.histories[:400] {
		a, b := dense.Recommend(h, 20, skip), sparse.Recommend(h, 20, skip)
		if !slices.Equal(a, b) {
			t.Fatalf("customer %d: walking every customer gave %v, tracking the touched %v", i, a, b)
		}
	}
}
