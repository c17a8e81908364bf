package recsys

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/persona-app/persona/store"
)

// Products of the fixture baskets.
const (
	pA, pB, pC, pD, pE = 0, 1, 2, 3, 4
)

// fixtureBaskets are 8 baskets. Counts: A 6, B 6, C 4, D 3, E 1; AB 5, AC 3, BC 3, AD 2,
// BD 2, CD 1, DE 1; ABC 2, ABD 2, ACD 1, BCD 1. The last basket holds A twice.
var fixtureBaskets = [][]int32{
	{pA, pB, pC}, {pA, pB}, {pA, pB, pD}, {pA, pC}, {pB, pC}, {pA, pB, pC, pD}, {pD, pE}, {pA, pA, pB},
}

// hand is a rule computed by hand from the fixture counts over 8 baskets.
func hand(ant []int32, cons int32, count, antCount, consCount int) Rule {
	return Rule{Antecedent: ant, Consequent: cons, Count: count, AntecedentCount: antCount, ConsequentCount: consCount,
		Support: float64(count) / 8, Confidence: float64(count) / float64(antCount),
		Lift: (float64(count) / float64(antCount)) / (float64(consCount) / 8)}
}

func sameRules(a, b []Rule) bool {
	return slices.EqualFunc(a, b, func(x, y Rule) bool {
		return slices.Equal(x.Antecedent, y.Antecedent) && x.Consequent == y.Consequent && x.Count == y.Count &&
			x.AntecedentCount == y.AntecedentCount && x.ConsequentCount == y.ConsequentCount &&
			near(x.Support, y.Support) && near(x.Confidence, y.Confidence) && near(x.Lift, y.Lift)
	})
}

func formatRules(rs []Rule) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("\n  %v→%d n=%d/%d/%d conf=%.4f lift=%.4f", r.Antecedent, r.Consequent, r.Count,
			r.AntecedentCount, r.ConsequentCount, r.Confidence, r.Lift)
	}
	return s
}

func TestMineRulesCountsSupportConfidenceAndLiftLikeTheHandComputation(t *testing.T) {
	// Lifts: {A,D}→B and {B,D}→A 4/3; A→B and B→A 10/9; {A,B}→D 16/15; A↔C and B↔C 1;
	// D→A, D→B, {A,C}→B, {B,C}→A, A→D, B→D 8/9; {A,B}→C 4/5.
	allAtTwo := []Rule{
		hand([]int32{pA, pD}, pB, 2, 2, 6), hand([]int32{pB, pD}, pA, 2, 2, 6),
		hand([]int32{pA}, pB, 5, 6, 6), hand([]int32{pB}, pA, 5, 6, 6),
		hand([]int32{pA, pB}, pD, 2, 5, 3),
		hand([]int32{pC}, pA, 3, 4, 6), hand([]int32{pC}, pB, 3, 4, 6),
		hand([]int32{pA}, pC, 3, 6, 4), hand([]int32{pB}, pC, 3, 6, 4),
		hand([]int32{pA, pC}, pB, 2, 3, 6), hand([]int32{pB, pC}, pA, 2, 3, 6),
		hand([]int32{pD}, pA, 2, 3, 6), hand([]int32{pD}, pB, 2, 3, 6),
		hand([]int32{pA}, pD, 2, 6, 3), hand([]int32{pB}, pD, 2, 6, 3),
		hand([]int32{pA, pB}, pC, 2, 5, 4),
	}
	tests := []struct {
		name string
		opts RuleOptions
		want []Rule
	}{
		{"a count exactly at ceil(0.25 × 8) = 2 is frequent and a count of 1 is not",
			RuleOptions{MinSupport: 0.25}, allAtTwo},
		{"min support 0.2 also needs ceil(1.6) = 2 baskets",
			RuleOptions{MinSupport: 0.2}, allAtTwo},
		{"min support 0.26 needs ceil(2.08) = 3 baskets, so count-2 itemsets drop out",
			RuleOptions{MinSupport: 0.26}, []Rule{
				hand([]int32{pA}, pB, 5, 6, 6), hand([]int32{pB}, pA, 5, 6, 6),
				hand([]int32{pC}, pA, 3, 4, 6), hand([]int32{pC}, pB, 3, 4, 6),
				hand([]int32{pA}, pC, 3, 6, 4), hand([]int32{pB}, pC, 3, 6, 4),
			}},
		{"min confidence 0.75 keeps the rules at or above it, C→A at exactly 0.75 included",
			RuleOptions{MinSupport: 0.25, MinConfidence: 0.75}, []Rule{
				hand([]int32{pA, pD}, pB, 2, 2, 6), hand([]int32{pB, pD}, pA, 2, 2, 6),
				hand([]int32{pA}, pB, 5, 6, 6), hand([]int32{pB}, pA, 5, 6, 6),
				hand([]int32{pC}, pA, 3, 4, 6), hand([]int32{pC}, pB, 3, 4, 6),
			}},
		{"max length 2 keeps single-product antecedents",
			RuleOptions{MinSupport: 0.25, MinConfidence: 0.6, MaxLen: 2}, []Rule{
				hand([]int32{pA}, pB, 5, 6, 6), hand([]int32{pB}, pA, 5, 6, 6),
				hand([]int32{pC}, pA, 3, 4, 6), hand([]int32{pC}, pB, 3, 4, 6),
				hand([]int32{pD}, pA, 2, 3, 6), hand([]int32{pD}, pB, 2, 3, 6),
			}},
		{"min support 1 finds nothing when no product is in every basket",
			RuleOptions{MinSupport: 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MineRules(fixtureBaskets, 5, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRules(got, tt.want) {
				t.Errorf("MineRules = %s\nwant %s", formatRules(got), formatRules(tt.want))
			}
		})
	}
}

func TestRuleOptionsRejectBadThresholdsNamingTheField(t *testing.T) {
	tests := []struct {
		name   string
		opts   RuleOptions
		fields []string
	}{
		{"a zero min support is rejected", RuleOptions{MinSupport: 0}, []string{"min_support"}},
		{"a min support above 1 is rejected", RuleOptions{MinSupport: 1.5, MinConfidence: 0.5}, []string{"min_support"}},
		{"a negative min confidence is rejected", RuleOptions{MinSupport: 0.1, MinConfidence: -0.1}, []string{"min_confidence"}},
		{"NaN thresholds are rejected", RuleOptions{MinSupport: math.NaN(), MinConfidence: math.NaN()}, []string{"min_confidence", "min_support"}},
		{"a max length of 1 is rejected", RuleOptions{MinSupport: 0.1, MaxLen: 1}, []string{"max_len"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MineRules(fixtureBaskets, 5, tt.opts)
			var fe store.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("MineRules error = %v, want FieldErrors", err)
			}
			var fields []string
			for f := range fe {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			if !slices.Equal(fields, tt.fields) {
				t.Errorf("fields = %v, want %v", fields, tt.fields)
			}
		})
	}
}

func TestMinCountIsTheCeilingOfSupportTimesBaskets(t *testing.T) {
	tests := []struct {
		name     string
		support  float64
		baskets  int
		minCount int
	}{
		{"an exact product is its own ceiling", 0.25, 8, 2},
		{"a fraction rounds up", 0.26, 8, 3},
		{"floating-point noise above an integer does not round up (0.07 × 100 is 7.000000000000001)", 0.07, 100, 7},
		{"floating-point noise below an integer stays at it (0.57 × 100 is 56.99999999999999)", 0.57, 100, 57},
		{"a tiny support still needs one basket", 0.0001, 100, 1},
		{"a support of 1 needs every basket", 1, 6740, 6740},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (RuleOptions{MinSupport: tt.support}).MinCount(tt.baskets); got != tt.minCount {
				t.Errorf("MinCount(%d) with support %v = %d, want %d", tt.baskets, tt.support, got, tt.minCount)
			}
		})
	}
}

// bruteRules enumerates every itemset of up to maxLen products of every basket, counts
// them, and derives the rules by the definition.
func bruteRules(baskets [][]int32, opts RuleOptions) []Rule {
	counts := map[string]int{}
	sets := map[string][]int32{}
	for _, b := range baskets {
		items := slices.Compact(slices.Sorted(slices.Values(b)))
		for mask := 1; mask < 1<<len(items); mask++ {
			var set []int32
			for i, p := range items {
				if mask&(1<<i) != 0 {
					set = append(set, p)
				}
			}
			if len(set) <= opts.MaxLen {
				key := fmt.Sprint(set)
				counts[key]++
				sets[key] = set
			}
		}
	}
	minCount := opts.MinCount(len(baskets)) // tested against the convention below
	n := float64(len(baskets))
	var out []Rule
	for key, set := range sets {
		both := counts[key]
		if len(set) < 2 || both < minCount {
			continue
		}
		for i, c := range set {
			ant := slices.Delete(slices.Clone(set), i, i+1)
			antCount, consCount := counts[fmt.Sprint(ant)], counts[fmt.Sprint([]int32{c})]
			conf := float64(both) / float64(antCount)
			if conf >= opts.MinConfidence {
				out = append(out, Rule{Antecedent: ant, Consequent: c, Count: both, AntecedentCount: antCount,
					ConsequentCount: consCount, Support: float64(both) / n, Confidence: conf,
					Lift: float64(both) * n / (float64(antCount) * float64(consCount))})
			}
		}
	}
	slices.SortFunc(out, compareRules)
	return out
}

func TestMineRulesFindsWhatBruteForceEnumerationFinds(t *testing.T) {
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 7))
		nProducts := 6 + rng.IntN(10)
		baskets := make([][]int32, 50+rng.IntN(200))
		for i := range baskets {
			for range 1 + rng.IntN(7) {
				// Squaring skews the draws towards low indices, so some products are common.
				f := rng.Float64()
				baskets[i] = append(baskets[i], int32(f*f*float64(nProducts)))
			}
		}
		opts := RuleOptions{MinSupport: []float64{0.01, 0.03, 0.08}[seed%3], MinConfidence: []float64{0, 0.3}[seed%2],
			MaxLen: 2 + int(seed%4)}
		t.Run(fmt.Sprintf("seed %d with %d baskets and %+v", seed, len(baskets), opts), func(t *testing.T) {
			got, err := MineRules(baskets, nProducts, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteRules(baskets, opts)
			if len(want) == 0 {
				t.Fatal("the case finds no rule: it tests nothing")
			}
			if !sameRules(got, want) {
				t.Errorf("MineRules found %d rules, brute force %d:%s\nwant%s", len(got), len(want),
					formatRules(got[:min(len(got), 10)]), formatRules(want[:min(len(want), 10)]))
			}
		})
	}
}

func TestMineRulesIgnoresOutOfRangeProductsAndEmptyInput(t *testing.T) {
	got, err := MineRules([][]int32{{0, 1, 9}, {0, 1, -1}, {}}, 2, RuleOptions{MinSupport: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// Three baskets (one empty): {0,1} appears in 2 ≥ ceil(1.5).
	want := []Rule{hand([]int32{0}, 1, 2, 2, 2), hand([]int32{1}, 0, 2, 2, 2)}
	for i := range want {
		want[i].Support, want[i].Lift = 2.0/3, 1.5
	}
	if !sameRules(got, want) {
		t.Errorf("MineRules = %s\nwant %s", formatRules(got), formatRules(want))
	}
	if got, err := MineRules(nil, 10, RuleOptions{MinSupport: 0.1}); err != nil || got != nil {
		t.Errorf("MineRules(no baskets) = %v, %v; want nothing", got, err)
	}
}

// generatedBaskets draws n baskets over nProducts: one to six products, a Zipf-popular
// product followed, half the time, by one of its four "companions", so there are rules.
func generatedBaskets(n, nProducts int, seed uint64) [][]int32 {
	rng := rand.New(rand.NewPCG(seed, 3))
	zipf := rand.NewZipf(rng, 1.1, 8, uint64(nProducts-1))
	baskets := make([][]int32, n)
	for i := range baskets {
		size := 1 + rng.IntN(3) + rng.IntN(2)*rng.IntN(3)
		for len(baskets[i]) < size {
			p := int32(zipf.Uint64())
			baskets[i] = append(baskets[i], p)
			if rng.IntN(2) == 0 {
				baskets[i] = append(baskets[i], (p*7+1+int32(rng.IntN(4)))%int32(nProducts))
			}
		}
	}
	return baskets
}

func BenchmarkMineRules(b *testing.B) {
	const nProducts = 50_000
	baskets := generatedBaskets(1_000_000, nProducts, 42)
	lines := 0
	for _, bk := range baskets {
		lines += len(bk)
	}
	opts := RuleOptions{MinSupport: 0.0001, MinConfidence: 0.05}
	var rules []Rule
	for b.Loop() {
		var err error
		if rules, err = MineRules(baskets, nProducts, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(baskets)), "baskets")
	b.ReportMetric(float64(lines), "lines")
	b.ReportMetric(float64(len(rules)), "rules")
}
