package recsys

import (
	"math"
	"slices"
	"testing"
)

// fixedList is a toy model proposing the same candidates, in order, to everyone; it
// counts the calls it gets.
type fixedList struct {
	name  string
	list  []Candidate
	calls *int
}

func (f fixedList) Name() string                   { return f.name }
func (f fixedList) MarshalBinary() ([]byte, error) { return nil, nil }
func (f fixedList) Recommend(_ []Interaction, n int, skip func(int32) bool) []Candidate {
	if f.calls != nil {
		*f.calls++
	}
	var out []Candidate
	for _, c := range f.list {
		if len(out) < n && !skip(c.Product) {
			out = append(out, c)
		}
	}
	return out
}

func TestBlendSumsWeightedReciprocalRanks(t *testing.T) {
	a := fixedList{name: "a", list: []Candidate{{Product: 1, Because: 10}, {Product: 2, Because: 11}, {Product: 3, Because: 12}}}
	b := fixedList{name: "b", list: []Candidate{{Product: 3, Because: 20, Confidence: 0.6, Lift: 3}, {Product: 4, Because: 21}, {Product: 1, Because: 22}}}
	type want struct {
		product int32
		score   float64
		source  string
		because int32
	}
	tests := []struct {
		name    string
		weights []float64
		skip    func(int32) bool
		want    []want
	}{
		// a·1/rank + b·1/rank: 1 = 1 + 2/3, 2 = 1/2, 3 = 1/3 + 2, 4 = 2/2.
		{"weights 1 and 2 put b's first product first, carrying b's reasons", []float64{1, 2}, noSkip,
			[]want{{3, 1.0/3 + 2, "b", 20}, {1, 1 + 2.0/3, "a", 10}, {4, 1, "b", 21}, {2, 0.5, "a", 11}}},
		// 1 = 2 + 1/3, 3 = 2/3 + 1, 2 = 2/2, 4 = 1/2.
		{"weights 2 and 1 put a's order first", []float64{2, 1}, noSkip,
			[]want{{1, 2 + 1.0/3, "a", 10}, {3, 2.0/3 + 1, "b", 20}, {2, 1, "a", 11}, {4, 0.5, "b", 21}}},
		// 1 and 3 both score 4/3, 2 and 4 both 1/2: the lower product comes first.
		{"equal scores go to the lower product", []float64{1, 1}, noSkip,
			[]want{{1, 1 + 1.0/3, "a", 10}, {3, 1.0/3 + 1, "b", 20}, {2, 0.5, "a", 11}, {4, 0.5, "b", 21}}},
		// Without 3, product 1 gets 1 from a and 2/2 from b: equal shares go to a.
		{"a skipped product is never proposed and equal shares go to the earlier component", []float64{1, 2}, func(p int32) bool { return p == 3 },
			[]want{{1, 1 + 2.0/2, "a", 10}, {4, 2, "b", 21}, {2, 0.5, "a", 11}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewBlend([]Model{a, b}, tt.weights).Recommend(nil, 10, tt.skip)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d candidates %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				c := got[i]
				if c.Product != w.product || math.Abs(float64(c.Score)-w.score) > 1e-6 || c.Source != w.source || c.Because != w.because {
					t.Errorf("#%d = %+v, want product %d, score %.4f, source %s, because %d", i, c, w.product, w.score, w.source, w.because)
				}
			}
		})
	}
	t.Run("the winning component's confidence and lift come along", func(t *testing.T) {
		got := NewBlend([]Model{a, b}, []float64{1, 2}).Recommend(nil, 1, noSkip)
		if len(got) != 1 || got[0].Product != 3 || got[0].Confidence != 0.6 || got[0].Lift != 3 {
			t.Errorf("got %+v, want product 3 with confidence 0.6 and lift 3", got)
		}
	})
}

func TestBlendDoesNotAskComponentsWeighingNothing(t *testing.T) {
	var calls int
	a := fixedList{name: "a", list: []Candidate{{Product: 1, Because: -1}}}
	b := fixedList{name: "b", list: []Candidate{{Product: 2, Because: -1}}, calls: &calls}
	got := NewBlend([]Model{a, b}, []float64{1}).Recommend(nil, 5, noSkip)
	if calls != 0 || len(got) != 1 || got[0].Product != 1 || got[0].Source != "a" {
		t.Errorf("got %+v after %d calls to b, want product 1 from a and no call", got, calls)
	}
}

func TestValidationSplitNeverSeesTheTestHoldout(t *testing.T) {
	var rows []EvalRow
	for h := 1; h <= 10; h++ { // 10 rows: the test holds out 9 and 10, validation 8 of 1–8
		rows = append(rows, EvalRow{Customer: 1, Product: int64(h), Weight: 1, At: at(h)})
	}
	rows = append(rows, EvalRow{Customer: 2, Product: 3, Weight: 1, At: at(1)}, EvalRow{Customer: 2, Product: 9, Weight: 1, At: at(2)})
	before := slices.Clone(rows)
	val, err := ValidationSplit(rows, EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows, before) {
		t.Error("ValidationSplit reordered its input")
	}
	// Customer 2 keeps product 3 only (9 is their test holdout): trains, not evaluated.
	if want := []int64{1, 2, 3, 4, 5, 6, 7}; !slices.Equal(val.Products, want) {
		t.Fatalf("validation training products = %v, want %v", val.Products, want)
	}
	if len(val.Customers) != 1 || val.TrainCustomers != 2 {
		t.Fatalf("%d evaluated of %d training customers, want 1 of 2", len(val.Customers), val.TrainCustomers)
	}
	c := val.Customers[0]
	if c.ID != 1 || len(c.Relevant) != 0 || c.Unseen != 1 || len(c.Known) != 7 {
		t.Errorf("customer %+v: want 7 known, product 8 held out and unseen", c)
	}
	if _, err := ValidationSplit(rows, EvalOptions{Holdout: 1}); err == nil {
		t.Error("a holdout of 1 was accepted")
	}
}

// reverseOrder proposes every product from the highest index down: wrong for twoTastes's
// first taste and uninformed for the second.
type reverseOrder struct{ n int32 }

func (r reverseOrder) Name() string                   { return "reverse" }
func (r reverseOrder) MarshalBinary() ([]byte, error) { return nil, nil }
func (r reverseOrder) Recommend(_ []Interaction, n int, skip func(int32) bool) []Candidate {
	var out []Candidate
	for p := r.n - 1; p >= 0 && len(out) < n; p-- {
		if !skip(p) {
			out = append(out, Candidate{Product: p, Because: -1})
		}
	}
	return out
}

func TestTuneBlendPicksTheBetterComponent(t *testing.T) {
	val, err := ValidationSplit(twoTastes(), EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	var built []int
	build := func(s *Split) ([]Model, error) {
		built = append(built, len(s.Products))
		return []Model{reverseOrder{n: int32(len(s.Products))}, BuildItemItem(len(s.Products), s.Train, 50)}, nil
	}
	weights, metrics, err := TuneBlend(val, build, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weights, []float64{0, 1}) {
		t.Errorf("weights = %v, want all on item-to-item", weights)
	}
	if len(built) != 1 || built[0] != len(val.Products) {
		t.Errorf("build called with %v products, want once with the validation split's %d", built, len(val.Products))
	}
	if len(metrics) != 3 || metrics[0].Algorithm != "reverse" || metrics[1].Algorithm != AlgoItemItem || metrics[2].Algorithm != AlgoBlend {
		t.Fatalf("metrics = %+v, want reverse, item-to-item, blend", metrics)
	}
	if metrics[2].NDCG != metrics[1].NDCG || metrics[1].NDCG <= metrics[0].NDCG {
		t.Errorf("validation NDCG: reverse %.4f, item-to-item %.4f, blend %.4f; want the blend equal to item-to-item, above reverse",
			metrics[0].NDCG, metrics[1].NDCG, metrics[2].NDCG)
	}
	if _, _, err := TuneBlend(val, build, 0); err == nil {
		t.Error("k of 0 was accepted")
	}
}

func TestBlendWeightsSurviveEncoding(t *testing.T) {
	a := fixedList{name: AlgoItemItem}
	b := fixedList{name: AlgoALS}
	data, err := NewBlend([]Model{a, b}, []float64{0.7, 0.3}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	names, weights, err := decodeBlendWeights(data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{AlgoItemItem, AlgoALS}) || !slices.Equal(weights, []float64{0.7, 0.3}) {
		t.Errorf("decoded %v %v", names, weights)
	}
	if _, _, err := decodeBlendWeights(data[:len(data)-3]); err == nil {
		t.Error("decoding truncated data succeeded")
	}
}

func TestPruningDropsComponentsThatAddNothing(t *testing.T) {
	val, err := ValidationSplit(twoTastes(), EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	ii := BuildItemItem(len(val.Products), val.Train, 50)
	// The same model twice, and a poor one at a small weight.
	tuner := newBlendTuner(val, []Model{ii, reverseOrder{n: int32(len(val.Products))}, ii}, 10)
	weights := []float64{1, 0.05, 1}
	full := tuner.ndcg(weights)
	floor := full * (1 - blendPruneTolerance)
	got := tuner.prune(slices.Clone(weights), floor)
	if got[1] != 0 || (got[0] == 0) == (got[2] == 0) {
		t.Fatalf("pruned to %v: want one copy of item-to-item alone", got)
	}
	if s := tuner.ndcg(got); s < floor {
		t.Errorf("pruned blend NDCG %.4f is below the floor %.4f", s, floor)
	}
	if kept := tuner.prune(slices.Clone(weights), full+1); !slices.Equal(kept, weights) {
		t.Errorf("with an unreachable floor, prune changed %v to %v", weights, kept)
	}
}

func TestABlendExplainsItsItemsAsTheirComponentWould(t *testing.T) {
	val, err := ValidationSplit(twoTastes(), EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	n := len(val.Products)
	als, err := TrainALS(len(val.Customers)+64, n, val.Train, ALSOptions{Factors: 4, Iterations: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	models := []Model{BuildUserUser(n, val.Train, 10), als, BuildItemItem(n, val.Train, 50)}
	blend := NewBlend(models, []float64{1, 1, 0.5})
	checked := map[string]int{}
	for _, c := range val.Customers {
		got := blend.Recommend(c.History, 5, noSkip)
		for _, it := range got {
			for _, m := range models {
				if m.Name() != it.Source {
					continue
				}
				for _, own := range m.Recommend(c.History, blendDepth(5), noSkip) {
					if own.Product == it.Product && own.Because != it.Because {
						t.Fatalf("product %d from %s: the blend says because %d, the component %d", it.Product, it.Source, it.Because, own.Because)
					}
				}
				checked[it.Source]++
			}
		}
	}
	if checked[AlgoUserUser] == 0 || checked[AlgoALS] == 0 {
		t.Fatalf("items checked per component: %v; want user-to-user and ALS among them", checked)
	}
}
