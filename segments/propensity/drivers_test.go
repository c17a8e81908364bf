package propensity

import (
	"math"
	"testing"
)

func TestFeatureLabels(t *testing.T) {
	buyer := [numFeatures]float64{fRecency: 12.6, fHasOrdered: 1, fFrequency: 4, fMonetary: 250.5, fAvgOrder: 62.6,
		fSignupDays: 400.2, fViews7: 1, fCarts30: 2, fSearches90: 3, fBrowse30: 754, fLastEventDays: 0.5, fCategories: 1,
		fVisitRate: 0.1, fMissedVisits: 0.05}
	never := [numFeatures]float64{fRecency: dayCap, fLastEventDays: dayCap}
	tests := []struct {
		name    string
		feature int
		raw     *[numFeatures]float64
		want    string
	}{
		{"recency reads in whole days", fRecency, &buyer, "last ordered 12 days ago"},
		{"recency of a never-buyer says so", fRecency, &never, "has never ordered"},
		{"the flag reads as a fact", fHasOrdered, &buyer, "has ordered before"},
		{"frequency counts orders", fFrequency, &buyer, "4 orders"},
		{"spend has two decimals", fMonetary, &buyer, "spent 250.50 in all"},
		{"average order has two decimals", fAvgOrder, &buyer, "average order 62.60"},
		{"no average without orders", fAvgOrder, &never, "no orders yet"},
		{"tenure in days", fSignupDays, &buyer, "customer for 400 days"},
		{"one view is singular", fViews7, &buyer, "1 view in the last 7 days"},
		{"carts name their window", fCarts30, &buyer, "added to cart 2 times in the last 30 days"},
		{"searches name their window", fSearches90, &buyer, "3 searches in the last 90 days"},
		{"browse time in minutes", fBrowse30, &buyer, "browsed 13 minutes in the last 30 days"},
		{"activity today", fLastEventDays, &buyer, "last active today"},
		{"no activity for a year", fLastEventDays, &never, "no activity in the last year"},
		{"one category is singular", fCategories, &buyer, "bought in 1 category"},
		{"the visit rate reads per week", fVisitRate, &buyer, "visits about 0.7 times a week"},
		{"missed visits have one decimal", fMissedVisits, &buyer, "about 0.1 usual visits missed since last active"},
		{"no missed visits without visits", fMissedVisits, &never, "no visits in the last 90 days"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := featureLabel(tt.feature, tt.raw); got != tt.want {
				t.Errorf("label = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDriversAreTheLargestPushesEitherWay(t *testing.T) {
	weights := make([]float64, numFeatures)
	weights[fFrequency], weights[fRecency], weights[fViews7], weights[fCarts7] = 0.8, -1.0, 0.25, 2.0
	var z, raw [numFeatures]float64
	z[fFrequency], z[fRecency], z[fViews7], z[fCarts7] = 1.5, 0.5, -4.0, 0 // carts_7d does not move this score
	got := drivers(weights, &z, &raw)
	want := []struct {
		feature string
		contrib float64
	}{{"frequency", 1.2}, {"views_7d", -1.0}, {"recency_days", -0.5}}
	if len(got) != len(want) {
		t.Fatalf("drivers = %+v, want %d", got, len(want))
	}
	for i, w := range want {
		if got[i].Feature != w.feature || math.Abs(got[i].Contribution-w.contrib) > 1e-12 || got[i].Label == "" {
			t.Errorf("driver %d = %+v, want %s with %+.1f", i, got[i], w.feature, w.contrib)
		}
	}
}
