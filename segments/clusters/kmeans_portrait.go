package clusters

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Distinct is how far, in standard deviations from the mean of all customers, a cluster's
// centroid must sit on a feature for the portrait to mention it.
const Distinct = 0.5

// FeatureValue is one feature of a centroid.
type FeatureValue struct {
	Name string `json:"name"`
	// Value is in the feature's own units (days, orders, money, …).
	Value float64 `json:"value"`
	// Z is the standardised value: standard deviations from the mean of all customers.
	Z float64 `json:"z"`
}

// wording is how a feature reads when a cluster sits high or low on it.
type wording struct{ high, low string }

// wordings covers the features the Service offers; others read "high NAME"/"low NAME".
// recency_days is inverted: few days since the last order reads "recent".
var wordings = map[string]wording{
	"recency_days":      {high: "lapsed", low: "recent"},
	"frequency":         {high: "frequent", low: "infrequent"},
	"monetary":          {high: "high spend", low: "low spend"},
	"avg_order_value":   {high: "large orders", low: "small orders"},
	"browse_seconds":    {high: "long browsing", low: "little browsing"},
	"event_count":       {high: "very active", low: "quiet"},
	"days_since_signup": {high: "long-standing", low: "new"},
	"views_7d":          {high: "many views this week", low: "few views this week"},
	"views_30d":         {high: "many views", low: "few views"},
	"views_90d":         {high: "many views this quarter", low: "few views this quarter"},
	"carts_7d":          {high: "carting this week", low: "no carts this week"},
	"carts_30d":         {high: "often adds to cart", low: "rarely adds to cart"},
	"carts_90d":         {high: "carts this quarter", low: "few carts this quarter"},
	"purchases_7d":      {high: "bought this week", low: "no purchase this week"},
	"purchases_30d":     {high: "bought this month", low: "few purchases this month"},
	"purchases_90d":     {high: "buying lately", low: "few recent purchases"},
	"searches_7d":       {high: "searching this week", low: "few searches this week"},
	"searches_30d":      {high: "searches a lot", low: "rarely searches"},
	"searches_90d":      {high: "searches this quarter", low: "few searches this quarter"},
	"recency_score":     {high: "high recency score", low: "low recency score"},
	"frequency_score":   {high: "high frequency score", low: "low frequency score"},
	"monetary_score":    {high: "high monetary score", low: "low monetary score"},
}

// describe returns the word for a feature at z, or "" when z is within Distinct of 0.
func describe(name string, z float64) string {
	if math.Abs(z) <= Distinct {
		return ""
	}
	w, ok := wordings[name]
	if !ok {
		plain := strings.ReplaceAll(strings.TrimPrefix(name, AttrPrefix), "_", " ")
		w = wording{high: "high " + plain, low: "low " + plain}
	}
	if z > 0 {
		return w.high
	}
	return w.low
}

// Portrait describes a cluster from its standardised centroid: in words, every feature on
// which it sits more than Distinct standard deviations above or below the mean, in
// feature order ("recent, frequent, high spend"), then "mostly TOPCATEGORY" when
// topCategory is given; "average" when nothing stands out. numbers holds the centroid in
// original units (z·std + mean) beside its standardised value.
func Portrait(centroid, mean, std []float64, names []string, topCategory string) (words string, numbers []FeatureValue) {
	var parts []string
	numbers = make([]FeatureValue, len(centroid))
	for t, z := range centroid {
		numbers[t] = FeatureValue{Name: names[t], Value: z*std[t] + mean[t], Z: z}
		if w := describe(names[t], z); w != "" {
			parts = append(parts, w)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "average")
	}
	if topCategory != "" {
		parts = append(parts, "mostly "+topCategory)
	}
	return strings.Join(parts, ", "), numbers
}

// Label names a cluster from its Portrait numbers: a few well-known customer types when
// their features are present and distinct ("big spenders", "window shoppers", "never
// bought", "lapsed buyers"), else its two most distinctive features ("recent, high
// spend"), else "average customers".
func Label(numbers []FeatureValue) string {
	byName := map[string]FeatureValue{}
	for _, n := range numbers {
		byName[n.Name] = n
	}
	high := func(name string) bool { n, ok := byName[name]; return ok && n.Z > Distinct }
	low := func(name string) bool { n, ok := byName[name]; return ok && n.Z < -Distinct }
	freq, hasFreq := byName["frequency"]
	// Fewer than half an order on average: most of the cluster never bought.
	neverBought := hasFreq && freq.Value < 0.5
	browsing := high("views_30d") || high("browse_seconds")
	switch {
	case high("monetary") && high("frequency"):
		return "big spenders"
	case browsing && (neverBought || low("frequency") || low("purchases_90d")):
		return "window shoppers"
	case neverBought:
		return "never bought"
	case high("recency_days") && !high("frequency") && !high("monetary"):
		return "lapsed buyers"
	}
	order := slices.Clone(numbers)
	slices.SortStableFunc(order, func(a, b FeatureValue) int { return cmp.Compare(math.Abs(b.Z), math.Abs(a.Z)) })
	var parts []string
	for _, n := range order {
		if w := describe(n.Name, n.Z); w != "" && len(parts) < 2 {
			parts = append(parts, w)
		}
	}
	if len(parts) == 0 {
		return "average customers"
	}
	return strings.Join(parts, ", ")
}
