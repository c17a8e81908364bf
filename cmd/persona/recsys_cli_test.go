package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"
)

func TestRecsysRulesPrintsCountsThatAgreeWithEachOther(t *testing.T) {
	s := newShop(t, 300)
	var rep struct {
		Baskets  int `json:"baskets"`
		MinCount int `json:"min_count"`
		Rules    []struct {
			Antecedent []struct {
				ExternalID string `json:"product_id"`
			} `json:"antecedent"`
			Count           int     `json:"count"`
			AntecedentCount int     `json:"antecedent_count"`
			ConsequentCount int     `json:"consequent_count"`
			Support         float64 `json:"support"`
			Confidence      float64 `json:"confidence"`
			Lift            float64 `json:"lift"`
		} `json:"rules"`
	}
	out := s.cli("recsys", "rules", "--min-support", "0.002", "--min-confidence", "0.05", "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if rep.Baskets == 0 || len(rep.Rules) == 0 {
		t.Fatalf("no rules from %d orders", rep.Baskets)
	}
	if want := int(math.Ceil(0.002 * float64(rep.Baskets))); rep.MinCount != max(want, 1) {
		t.Fatalf("min_count %d, want ceil(0.002 × %d) = %d", rep.MinCount, rep.Baskets, want)
	}
	for i, r := range rep.Rules {
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
		if r.Count < rep.MinCount || len(r.Antecedent) == 0 ||
			!near(r.Support, float64(r.Count)/float64(rep.Baskets)) ||
			!near(r.Confidence, float64(r.Count)/float64(r.AntecedentCount)) ||
			!near(r.Lift, r.Confidence/(float64(r.ConsequentCount)/float64(rep.Baskets))) || r.Confidence < 0.05 {
			t.Fatalf("rule %d does not add up: %+v (baskets %d)", i, r, rep.Baskets)
		}
		if i > 0 && r.Lift > rep.Rules[i-1].Lift+1e-12 {
			t.Fatalf("rules not ordered by lift at %d", i)
		}
	}
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"recsys", "rules", "--min-support", "0"}, func(k string) string { return s.env[k] }, io.Discard, &errOut)
	if err == nil || !strings.Contains(err.Error(), "min_support") {
		t.Fatalf("a zero support: %v, want an error naming min_support", err)
	}
}
