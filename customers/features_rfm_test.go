package customers

import (
	"context"
	"fmt"
	"testing"
)

// The shop of testdata/rfm_*.csv, worked out by hand. Ten customers have orders, so each
// score is 1 + 5 * (rank - 1) / 10 with rank the RANK() in ascending order:
//
//	     last order  R  orders  F  spend  M  FM  tier
//	c01  1 day      5  5       5  500    5  5   champions
//	c02  2 days     5  1       1  10     1  1   new customers
//	c03  3 days     4  3       4  150    4  4   loyal customers
//	c04  5 days     4  1       1  10     1  1   promising
//	c05  10 days    3  2       3  60     3  3   need attention
//	c06  20 days    3  1       1  20     2  2   about to sleep
//	c07  40 days    2  4       5  400    5  5   can't lose them
//	c08  60 days    2  3       4  100    4  4   at risk
//	c09  100 days   1  1       1  30     3  2   hibernating
//	c10  200 days   1  1       1  10     1  1   lost
//
// Five customers tie on one order (rank 1, F1), so no one has F2; the two with three
// orders share rank 7 (F4); three tie on a spend of 10 (M1). c11 has only events and c12
// nothing: no scores, no tier.
func loadRFMFixture(t *testing.T, s *Service) {
	t.Helper()
	importFixture(t, s, KindCustomers, "rfm_customers.csv", nil)
	importFixture(t, s, KindOrders, "rfm_orders.csv", nil)
	importText(t, s, KindEvents, "customer_id,type,occurred_at\nc11,view,2024-05-30 10:00:00\n")
}

func TestRebuildScoresQuintilesAndTiersAsWorkedOutByHand(t *testing.T) {
	s := newTestService(t)
	loadRFMFixture(t, s)
	if err := s.RebuildFeatures(context.Background()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		ext     string
		r, f, m int
		tier    string
	}{
		{"c01", 5, 5, 5, "champions"},
		{"c02", 5, 1, 1, "new customers"},
		{"c03", 4, 4, 4, "loyal customers"},
		{"c04", 4, 1, 1, "promising"},
		{"c05", 3, 3, 3, "need attention"},
		{"c06", 3, 1, 2, "about to sleep"},
		{"c07", 2, 5, 5, "can't lose them"},
		{"c08", 2, 4, 4, "at risk"},
		{"c09", 1, 1, 3, "hibernating"},
		{"c10", 1, 1, 1, "lost"},
		{"c11", 0, 0, 0, ""},
		{"c12", 0, 0, 0, ""},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s is %q with R%d F%d M%d", c.ext, c.tier, c.r, c.f, c.m), func(t *testing.T) {
			f, err := s.Features(context.Background(), customerByExt(t, s, c.ext).ID)
			if err != nil {
				t.Fatal(err)
			}
			if f.RecencyScore != c.r || f.FrequencyScore != c.f || f.MonetaryScore != c.m || f.RFMTier != c.tier {
				t.Fatalf("got R%d F%d M%d %q", f.RecencyScore, f.FrequencyScore, f.MonetaryScore, f.RFMTier)
			}
		})
	}
}

func TestRFMTierFollowsTheGrid(t *testing.T) {
	cases := []struct {
		name    string
		r, f, m int
		want    string
	}{
		{"best on every score are champions", 5, 5, 5, "champions"},
		{"recent with high frequency but top spend are champions", 5, 4, 5, "champions"},
		{"FM rounds half up: F3 M4 is FM 4", 4, 3, 4, "loyal customers"},
		{"recent with middling orders are potential loyalists", 5, 2, 3, "potential loyalists"},
		{"recent first small order is a new customer", 5, 1, 1, "new customers"},
		{"fairly recent small buyers are promising", 4, 1, 1, "promising"},
		{"middle of everything needs attention", 3, 3, 3, "need attention"},
		{"middling recency and low value are about to sleep", 3, 2, 1, "about to sleep"},
		{"long gone big buyers cannot be lost", 1, 5, 5, "can't lose them"},
		{"gone good buyers are at risk", 2, 3, 4, "at risk"},
		{"gone small buyers hibernate", 2, 1, 1, "hibernating"},
		{"the oldest smallest are lost", 1, 1, 1, "lost"},
		{"no orders gives no tier", 0, 0, 0, ""},
		{"a score above 5 gives no tier", 6, 1, 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := RFMTier(c.r, c.f, c.m); got != c.want {
				t.Fatalf("RFMTier(%d, %d, %d) = %q, want %q", c.r, c.f, c.m, got, c.want)
			}
		})
	}
	tiers := map[string]bool{}
	for r := 1; r <= 5; r++ {
		for fm := 1; fm <= 5; fm++ {
			tiers[RFMTier(r, fm, fm)] = true
		}
	}
	for _, tier := range RFMTiers() {
		if !tiers[tier] {
			t.Errorf("tier %q is listed but no scores reach it", tier)
		}
		delete(tiers, tier)
	}
	if len(tiers) != 0 {
		t.Errorf("scores reach tiers that are not listed: %v", tiers)
	}
	if got := RFMTierLabel("can't lose them"); got != "Can't lose them" {
		t.Errorf("label = %q", got)
	}
	if got := RFMTierLabel(""); got != "No orders yet" {
		t.Errorf("label of no tier = %q", got)
	}
}

func TestScoreOfPicksTheLowestScoreWhoseLargestValueReaches(t *testing.T) {
	v := func(x float64) *float64 { return &x }
	upper := [5]*float64{v(1), nil, nil, v(2), v(9)} // one-order customers fill F1; F2 and F3 are empty
	cases := []struct {
		name  string
		value float64
		want  int
	}{
		{"a value below every bound gets the lowest score", 0, 1},
		{"a value equal to a bound gets that score", 1, 1},
		{"a value between bounds gets the next score up", 1.5, 4},
		{"empty scores are skipped", 2, 4},
		{"a value beyond every bound gets the top score", 50, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := scoreOf(c.value, upper); got != c.want {
				t.Fatalf("scoreOf(%v) = %d, want %d", c.value, got, c.want)
			}
		})
	}
}

func TestFirstReadOfASmallShopScoresEveryone(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	loadRFMFixture(t, s)
	// No rebuild: each first read refreshes one customer, and a refresh in a shop with
	// fewer than smallPopulation buyers scores every computed row again.
	for _, ext := range []string{"c10", "c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08", "c09"} {
		if _, err := s.Features(ctx, customerByExt(t, s, ext).ID); err != nil {
			t.Fatal(err)
		}
	}
	for ext, tier := range map[string]string{"c01": "champions", "c10": "lost", "c07": "can't lose them"} {
		f, err := s.Features(ctx, customerByExt(t, s, ext).ID)
		if err != nil || f.RFMTier != tier {
			t.Errorf("%s: tier %q (R%d F%d M%d), %v; want %q", ext, f.RFMTier, f.RecencyScore, f.FrequencyScore, f.MonetaryScore, err, tier)
		}
	}
}
