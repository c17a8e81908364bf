package propensity

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Driver is one feature's push on a customer's score. Contribution is the feature's weight
// times the customer's standardised value, on the log-odds scale: positive raises the score.
type Driver struct {
	Feature      string  `json:"feature"`
	Label        string  `json:"label"`
	Contribution float64 `json:"contribution"`
}

// topDrivers is how many drivers each score keeps.
const topDrivers = 3

// drivers returns the features that move a customer's score most, largest |contribution|
// first (ties by feature order), leaving out those that do not move it at all.
func drivers(weights []float64, z *[numFeatures]float64, raw *[numFeatures]float64) []Driver {
	all := make([]Driver, 0, numFeatures)
	for j := range numFeatures {
		if c := weights[j] * z[j]; c != 0 {
			all = append(all, Driver{Feature: featureNames[j], Contribution: c, Label: featureLabel(j, raw)})
		}
	}
	slices.SortStableFunc(all, func(a, b Driver) int {
		return cmp.Compare(math.Abs(b.Contribution), math.Abs(a.Contribution))
	})
	return all[:min(topDrivers, len(all))]
}

// featureLabel describes feature j of a customer in words, from its raw value.
func featureLabel(j int, raw *[numFeatures]float64) string {
	v := raw[j]
	n := int(math.Round(v))
	switch j {
	case fRecency:
		switch {
		case raw[fHasOrdered] == 0:
			return "has never ordered"
		case v >= dayCap:
			return "last ordered over a year ago"
		}
		return "last ordered " + daysAgo(v)
	case fHasOrdered:
		if v == 0 {
			return "has never ordered"
		}
		return "has ordered before"
	case fFrequency:
		return plural(n, "order", "orders")
	case fMonetary:
		return fmt.Sprintf("spent %.2f in all", v)
	case fAvgOrder:
		if raw[fFrequency] == 0 {
			return "no orders yet"
		}
		return fmt.Sprintf("average order %.2f", v)
	case fSignupDays:
		return "customer for " + plural(int(v), "day", "days")
	case fViews7, fViews30, fViews90:
		return plural(n, "view", "views") + inLast(j-fViews7)
	case fCarts7, fCarts30, fCarts90:
		return "added to cart " + plural(n, "time", "times") + inLast(j-fCarts7)
	case fSearches7, fSearches30, fSearches90:
		return plural(n, "search", "searches") + inLast(j-fSearches7)
	case fBrowse30:
		return "browsed " + plural(int(math.Round(v/60)), "minute", "minutes") + " in the last 30 days"
	case fLastEventDays:
		if v >= dayCap {
			return "no activity in the last year"
		}
		return "last active " + daysAgo(v)
	case fCategories:
		return "bought in " + plural(n, "category", "categories")
	case fVisitRate:
		return fmt.Sprintf("visits about %.1f times a week", 7*v)
	case fMissedVisits:
		if raw[fVisitRate] == 0 {
			return "no visits in the last 90 days"
		}
		return fmt.Sprintf("about %.1f usual visits missed since last active", v)
	}
	return featureNames[j]
}

func inLast(window int) string {
	return fmt.Sprintf(" in the last %d days", windows[window])
}

func daysAgo(days float64) string {
	if days < 1 {
		return "today"
	}
	return plural(int(days), "day", "days") + " ago"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
