package handlers

import "testing"

func TestBlendSummarySaysWhatBestServes(t *testing.T) {
	for _, c := range []struct {
		weights map[string]float64
		want    string
	}{
		{map[string]float64{"als": 1}, "Matrix factorisation (ALS) alone (tuning on a validation split found no blend that did better)"},
		{map[string]float64{"user-to-user": 0.25, "als": 0.75}, "the blend of Matrix factorisation (ALS) 75 %, User-to-user 25 %, weights tuned on a validation split"},
		{map[string]float64{"user-to-user": 0.5, "als": 0.5, "content": 0}, "the blend of Matrix factorisation (ALS) 50 %, User-to-user 50 %, weights tuned on a validation split"},
	} {
		if got := blendSummary(c.weights); got != c.want {
			t.Errorf("blendSummary(%v) = %q, want %q", c.weights, got, c.want)
		}
	}
}
