package clusters

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestMatchBringsPermutedCentroidsBackToTheirOldIndexes(t *testing.T) {
	old := [][]float64{{0, 0}, {10, 0}, {0, 10}, {5, 5}, {10, 10}}
	perm := []int{3, 0, 4, 1, 2} // new cluster i is old cluster perm[i], moved a little
	var moved [][]float64
	for i, j := range perm {
		moved = append(moved, []float64{old[j][0] + 0.3*float64(i%2), old[j][1] - 0.2})
	}
	if got := Match(old, moved); !reflect.DeepEqual(got, perm) {
		t.Errorf("Match = %v, want %v", got, perm)
	}
}

func TestMatchPrefersTheLowestTotalOverGreedyNearestChoices(t *testing.T) {
	// New 0 is nearest old 0 (distance 1), but giving old 0 to new 0 forces new 1 onto old
	// 1 at 6: total 7. New 1 → old 0 (2) and new 0 → old 1 (3) totals 5.
	old := [][]float64{{0}, {4}}
	nw := [][]float64{{1}, {-2}}
	if got := Match(old, nw); !reflect.DeepEqual(got, []int{1, 0}) {
		t.Errorf("Match = %v, want [1 0]", got)
	}
}

func TestMatchWithDifferentCounts(t *testing.T) {
	old := [][]float64{{0, 0}, {10, 0}, {0, 10}}
	t.Run("an extra new cluster is left unmatched", func(t *testing.T) {
		nw := [][]float64{{0, 9}, {50, 50}, {1, 0}, {9, 1}}
		if got := Match(old, nw); !reflect.DeepEqual(got, []int{2, -1, 0, 1}) {
			t.Errorf("Match = %v, want [2 -1 0 1]", got)
		}
	})
	t.Run("a vanished old cluster is matched by nobody", func(t *testing.T) {
		nw := [][]float64{{10, 1}, {0, 1}}
		if got := Match(old, nw); !reflect.DeepEqual(got, []int{1, 0}) {
			t.Errorf("Match = %v, want [1 0]", got)
		}
	})
	t.Run("no old clusters", func(t *testing.T) {
		if got := Match(nil, old); !reflect.DeepEqual(got, []int{-1, -1, -1}) {
			t.Errorf("Match = %v", got)
		}
	})
}

func TestHungarianEqualsBruteForceOnRandomSixBySix(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 0))
	for trial := range 200 {
		cost := make([][]float64, 6)
		for i := range cost {
			cost[i] = make([]float64, 6)
			for j := range cost[i] {
				cost[i][j] = math.Round(rng.Float64()*20) / 2 // ties happen too
			}
		}
		got := hungarian(cost)
		seen := map[int]bool{}
		var total float64
		for i, j := range got {
			if seen[j] {
				t.Fatalf("trial %d: column %d used twice in %v", trial, j, got)
			}
			seen[j] = true
			total += cost[i][j]
		}
		if best := bruteForce(cost); !near(total, best, 1e-9) {
			t.Fatalf("trial %d: hungarian total %v, brute force %v", trial, total, best)
		}
	}
}

// bruteForce returns the lowest total cost over every permutation.
func bruteForce(cost [][]float64) float64 {
	n := len(cost)
	perm := make([]int, n)
	used := make([]bool, n)
	best := math.Inf(1)
	var walk func(i int, sum float64)
	walk = func(i int, sum float64) {
		if i == n {
			best = min(best, sum)
			return
		}
		for j := range n {
			if !used[j] {
				used[j], perm[i] = true, j
				walk(i+1, sum+cost[i][j])
				used[j] = false
			}
		}
	}
	walk(0, 0)
	return best
}

func TestAgreementIsTheAdjustedRandIndex(t *testing.T) {
	tests := []struct {
		name string
		a, b []int
		want float64
	}{
		{"identical labels", []int{0, 0, 1, 1, 2, 2}, []int{0, 0, 1, 1, 2, 2}, 1},
		{"the same grouping under other names", []int{0, 0, 1, 1, 2, 2}, []int{7, 7, 3, 3, 5, 5}, 1},
		// Contingency (0,0):2 (1,1):1 (1,2):1: index 1, row pairs 2, column pairs 1, all
		// pairs 6; expected 2·1/6, maximum 1.5: (1 − 1/3)/(1.5 − 1/3) = 4/7.
		{"a split cluster (hand computed)", []int{0, 0, 1, 1}, []int{0, 0, 1, 2}, 4.0 / 7},
		{"symmetric", []int{0, 0, 1, 2}, []int{0, 0, 1, 1}, 4.0 / 7},
		{"one group against all apart", []int{0, 0, 0, 0}, []int{0, 1, 2, 3}, 0},
		{"both all in one group", []int{1, 1, 1}, []int{4, 4, 4}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Agreement(tc.a, tc.b); !near(got, tc.want, 1e-12) {
				t.Errorf("Agreement = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPortraitDescribesTheFeaturesThatStandOut(t *testing.T) {
	names := []string{"recency_days", "frequency", "monetary", "avg_order_value", "attr.loyalty_points"}
	mean := []float64{60, 3, 300, 100, 50}
	std := []float64{30, 2, 200, 40, 10}
	tests := []struct {
		name      string
		centroid  []float64
		category  string
		words     string
		label     string
		monetary  float64
		firstWord string
	}{
		{"a recent frequent big spender", []float64{-1, 1.2, 0.8, 0.1, 0}, "Electronics",
			"recent, frequent, high spend, mostly Electronics", "big spenders", 460, "recent"},
		{"a lapsed customer with few points", []float64{1.5, -0.6, -0.3, 0, -0.9}, "",
			"lapsed, infrequent, low loyalty points", "lapsed buyers", 240, "lapsed"},
		{"nothing stands out", []float64{0.2, -0.1, 0.4, -0.5, 0}, "",
			"average", "average customers", 380, "average"},
		{"large orders and a category", []float64{0, 0, 0.2, 2, 0}, "Books",
			"large orders, mostly Books", "large orders", 340, "large orders"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			words, numbers := Portrait(tc.centroid, mean, std, names, tc.category)
			if words != tc.words {
				t.Errorf("words = %q, want %q", words, tc.words)
			}
			if !strings.HasPrefix(words, tc.firstWord) {
				t.Errorf("words %q do not start with %q", words, tc.firstWord)
			}
			if numbers[2].Name != "monetary" || !near(numbers[2].Value, tc.monetary, 1e-9) || numbers[2].Z != tc.centroid[2] {
				t.Errorf("monetary = %+v, want %v in original units", numbers[2], tc.monetary)
			}
			if got := Label(numbers); got != tc.label {
				t.Errorf("label = %q, want %q", got, tc.label)
			}
		})
	}
}

func TestLabelNamesKnownTypesOrTheTwoMostDistinctiveFeatures(t *testing.T) {
	names := []string{"frequency", "browse_seconds", "views_30d", "recency_days"}
	mean := []float64{2, 600, 10, 100}
	std := []float64{2, 300, 5, 50}
	tests := []struct {
		name     string
		centroid []float64
		want     string
	}{
		{"two features stand out most", []float64{0.7, -2, 1.1, 0}, "little browsing, many views"},
		{"browsing without buying", []float64{-0.8, 1.5, 0, 0}, "window shoppers"},
		{"hardly any orders (0.2 on average) and little else", []float64{-0.9, 0, 0, 0.6}, "never bought"},
		{"long since the last order", []float64{-0.4, 0, 0, 1.2}, "lapsed buyers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, numbers := Portrait(tc.centroid, mean, std, names, "")
			if got := Label(numbers); got != tc.want {
				t.Errorf("label = %q, want %q", got, tc.want)
			}
		})
	}
}
