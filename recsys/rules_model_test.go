package recsys

import (
	"math"
	"slices"
	"testing"
)

// modelRules are hand-written rules over products 0..9.
var modelRules = []Rule{
	{Antecedent: []int32{1, 2}, Consequent: 5, Count: 8, AntecedentCount: 10, ConsequentCount: 20, Confidence: 0.8, Lift: 3},
	{Antecedent: []int32{1}, Consequent: 5, Count: 10, AntecedentCount: 20, ConsequentCount: 20, Confidence: 0.5, Lift: 2},
	{Antecedent: []int32{2}, Consequent: 6, Count: 16, AntecedentCount: 20, ConsequentCount: 40, Confidence: 0.8, Lift: 1.5},
	{Antecedent: []int32{2}, Consequent: 9, Count: 16, AntecedentCount: 20, ConsequentCount: 40, Confidence: 0.8, Lift: 1.5},
	{Antecedent: []int32{3}, Consequent: 7, Count: 9, AntecedentCount: 10, ConsequentCount: 90, Confidence: 0.9, Lift: 1},
	{Antecedent: []int32{3}, Consequent: 8, Count: 9, AntecedentCount: 10, ConsequentCount: 95, Confidence: 0.9, Lift: 0.95},
	{Antecedent: []int32{4, 9}, Consequent: 0, Count: 3, AntecedentCount: 3, ConsequentCount: 10, Confidence: 1, Lift: 4},
}

// weights of one view, one cart and one purchase, dampened.
var (
	viewed    = float32(math.Log1p(1))
	carted    = float32(math.Log1p(3))
	purchased = float32(math.Log1p(5))
)

func TestRuleModelRecommendsTheBestRuleOfEachConsequent(t *testing.T) {
	none := func(int32) bool { return false }
	tests := []struct {
		name    string
		history []Interaction
		n       int
		skip    func(int32) bool
		want    []Candidate
	}{
		{"both products of a two-product antecedent beat the one-product rule of the same consequent",
			[]Interaction{{-1, 1, purchased}, {-1, 2, viewed}}, 10, none, []Candidate{
				{Product: 5, Score: 0.8, Because: 1, Confidence: 0.8, Lift: 3},
				{Product: 6, Score: 0.8, Because: 2, Confidence: 0.8, Lift: 1.5},
				{Product: 9, Score: 0.8, Because: 2, Confidence: 0.8, Lift: 1.5},
			}},
		{"without its second product only the one-product rule applies",
			[]Interaction{{-1, 1, carted}}, 10, none, []Candidate{
				{Product: 5, Score: 0.5, Because: 1, Confidence: 0.5, Lift: 2},
			}},
		{"rules with lift at or below 1 are never used, however confident",
			[]Interaction{{-1, 3, purchased}}, 10, none, []Candidate{}},
		{"skipped products and the limit apply",
			[]Interaction{{-1, 1, purchased}, {-1, 2, purchased}}, 1, func(p int32) bool { return p == 5 }, []Candidate{
				{Product: 6, Score: 0.8, Because: 2, Confidence: 0.8, Lift: 1.5},
			}},
		{"products with no weight and products beyond the rules are not antecedents",
			[]Interaction{{-1, 1, 0}, {-1, 2, 0}, {-1, 42, purchased}}, 10, none, []Candidate{}},
		{"a consequent already in the history is proposed unless skipped",
			[]Interaction{{-1, 4, viewed}, {-1, 9, viewed}}, 10, none, []Candidate{
				{Product: 0, Score: 1, Because: 4, Confidence: 1, Lift: 4},
			}},
	}
	m := NewRuleModel(modelRules)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second call reuses the pooled scratch space
				got := m.Recommend(tt.history, tt.n, tt.skip)
				if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
					t.Fatalf("Recommend = %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}

func TestNewRuleModelKeepsOnlyRulesWithLiftAboveOne(t *testing.T) {
	m := NewRuleModel(modelRules)
	if got := len(m.Rules()); got != 5 {
		t.Errorf("kept %d rules, want the 5 with lift > 1", got)
	}
	for _, r := range m.Rules() {
		if r.Lift <= 1 {
			t.Errorf("kept rule %v→%d with lift %v", r.Antecedent, r.Consequent, r.Lift)
		}
	}
	if m.Name() != AlgoRules {
		t.Errorf("Name = %q", m.Name())
	}
	if got := NewRuleModel(nil).Recommend([]Interaction{{-1, 1, purchased}}, 10, func(int32) bool { return false }); len(got) != 0 {
		t.Errorf("a model without rules recommends %v", got)
	}
}

func TestRuleModelSurvivesARoundTrip(t *testing.T) {
	rules, err := MineRules(fixtureBaskets, 5, RuleOptions{MinSupport: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	m := NewRuleModel(rules)
	data, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := decodeRules(data, 5)
	if err != nil {
		t.Fatal(err)
	}
	got := decoded.(*RuleModel)
	if !sameRules(got.Rules(), m.Rules()) || len(m.Rules()) != 5 {
		t.Errorf("decoded rules = %s\nwant %s", formatRules(got.Rules()), formatRules(m.Rules()))
	}
	history := []Interaction{{-1, pA, purchased}, {-1, pD, viewed}}
	none := func(int32) bool { return false }
	if a, b := got.Recommend(history, 5, none), m.Recommend(history, 5, none); !slices.Equal(a, b) || len(a) == 0 {
		t.Errorf("decoded Recommend = %+v, want %+v", a, b)
	}
	if _, err := decodeRules(data, 3); err == nil {
		t.Error("decoding over 3 products accepted rules about product 3")
	}
	if _, err := decodeRules(data[:len(data)/2], 5); err == nil {
		t.Error("decoding half the data succeeded")
	}
}

func BenchmarkRuleModelRecommend(b *testing.B) {
	const nProducts = 50_000
	rules, err := MineRules(generatedBaskets(200_000, nProducts, 42), nProducts, RuleOptions{MinSupport: 0.00002})
	if err != nil {
		b.Fatal(err)
	}
	m := NewRuleModel(rules)
	histories := make([][]Interaction, 64)
	for i := range histories {
		for _, p := range generatedBaskets(10, nProducts, uint64(i))[:10] {
			for _, q := range p {
				histories[i] = append(histories[i], Interaction{Customer: -1, Product: q, Weight: viewed})
			}
		}
		slices.SortFunc(histories[i], func(a, b Interaction) int { return int(a.Product - b.Product) })
		histories[i] = slices.CompactFunc(histories[i], func(a, b Interaction) bool { return a.Product == b.Product })
	}
	none := func(int32) bool { return false }
	var found int
	for i := 0; b.Loop(); i++ {
		found += len(m.Recommend(histories[i%len(histories)], 10, none))
	}
	b.ReportMetric(float64(len(m.Rules())), "rules")
	b.ReportMetric(float64(found)/float64(b.N), "candidates/op")
}
