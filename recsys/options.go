package recsys

import (
	"fmt"
	"slices"
	"strings"

	"github.com/persona-app/persona/store"
)

// AlgoBest is what marketers pick to get the blend tuned on validation data; before a
// blend is trained it means item-to-item.
const AlgoBest = "best"

// Rules are the business rules applied after scoring. The zero value is the safe default:
// nothing the customer already bought, nothing out of stock, any category and price, no
// limit per category.
type Rules struct {
	// IncludeBought lets products the customer already bought be recommended again
	// (consumables, for example).
	IncludeBought bool `json:"include_bought,omitempty"`
	// IncludeOutOfStock lets out-of-stock products be recommended.
	IncludeOutOfStock bool `json:"include_out_of_stock,omitempty"`
	// ExcludeSeen leaves out every product in the customer's history as recommendations
	// read it (their most recent products viewed, put in a cart or bought, up to 300), for
	// discovery. Without it a product viewed and not bought can come back ("You viewed
	// this").
	ExcludeSeen bool `json:"exclude_seen,omitempty"`
	// Categories, when not empty, are the only categories recommended.
	Categories []string `json:"categories,omitempty"`
	// ExcludeCategories are never recommended.
	ExcludeCategories []string `json:"exclude_categories,omitempty"`
	// MaxPerCategory, when above zero, caps the items of one category (diversity).
	MaxPerCategory int `json:"max_per_category,omitempty"`
	// MinPrice and MaxPrice bound the price when above zero.
	MinPrice float64 `json:"min_price,omitempty"`
	MaxPrice float64 `json:"max_price,omitempty"`
}

// Validate names the first rule that makes no sense.
func (r Rules) Validate() error {
	errs := store.FieldErrors{}
	if r.ExcludeSeen && r.IncludeBought {
		errs.Add("exclude_seen", "leaves out bought products too: it cannot be combined with including them")
	}
	if r.MaxPerCategory < 0 {
		errs.Add("max_per_category", "must be 0 (no limit) or more")
	}
	if r.MinPrice < 0 {
		errs.Add("min_price", "must be 0 (no minimum) or more")
	}
	if r.MaxPrice < 0 {
		errs.Add("max_price", "must be 0 (no maximum) or more")
	}
	if r.MaxPrice > 0 && r.MinPrice > r.MaxPrice {
		errs.Add("max_price", "must not be below the minimum price")
	}
	for _, c := range r.Categories {
		if slices.ContainsFunc(r.ExcludeCategories, func(x string) bool { return strings.EqualFold(x, c) }) {
			errs.Add("exclude_categories", fmt.Sprintf("%q is both included and excluded", c))
		}
	}
	return errs.Err()
}

// Summary describes the rules in words for the pages that show them.
func (r Rules) Summary() string {
	var parts []string
	switch {
	case r.ExcludeSeen:
		parts = append(parts, "only products new to the customer")
	case !r.IncludeBought:
		parts = append(parts, "not already bought")
	}
	if !r.IncludeOutOfStock {
		parts = append(parts, "in stock")
	}
	if len(r.Categories) > 0 {
		parts = append(parts, "only "+strings.Join(r.Categories, ", "))
	}
	if len(r.ExcludeCategories) > 0 {
		parts = append(parts, "no "+strings.Join(r.ExcludeCategories, ", "))
	}
	if r.MaxPerCategory > 0 {
		parts = append(parts, fmt.Sprintf("at most %d per category", r.MaxPerCategory))
	}
	switch {
	case r.MinPrice > 0 && r.MaxPrice > 0:
		parts = append(parts, fmt.Sprintf("priced %g–%g", r.MinPrice, r.MaxPrice))
	case r.MinPrice > 0:
		parts = append(parts, fmt.Sprintf("priced from %g", r.MinPrice))
	case r.MaxPrice > 0:
		parts = append(parts, fmt.Sprintf("priced up to %g", r.MaxPrice))
	}
	return strings.Join(parts, ", ")
}

// Options are one recommendation request.
type Options struct {
	// Algorithm is an algorithm name, or AlgoBest (also when empty).
	Algorithm string
	// N is how many items, 1 to 100.
	N int
	// Segment, when set, makes popularity count within that saved segment (a campaign's
	// audience): for the popularity algorithm and for topping up short lists.
	Segment int64
	Rules   Rules
}

// filter applies the business rules to one request.
type filter struct {
	cat     *catalog
	h       *history
	rules   Rules
	chosen  map[int32]bool
	perCat  map[string]int
	include map[string]bool
	exclude map[string]bool
}

func newFilter(cat *catalog, h *history, r Rules, n int) *filter {
	f := &filter{cat: cat, h: h, rules: r, chosen: make(map[int32]bool, n)}
	if r.MaxPerCategory > 0 {
		f.perCat = map[string]int{}
	}
	if len(r.Categories) > 0 {
		f.include = lowerSet(r.Categories)
	}
	if len(r.ExcludeCategories) > 0 {
		f.exclude = lowerSet(r.ExcludeCategories)
	}
	return f
}

func lowerSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[strings.ToLower(strings.TrimSpace(x))] = true
	}
	return m
}

// skip tells whether product p must not be proposed: the static rules, and what the list
// already holds. The per-category cap is checked by take, as a model ranks after skipping.
func (f *filter) skip(p int32) bool {
	if p < 0 || int(p) >= len(f.cat.products) || f.chosen[p] {
		return true
	}
	d := &f.cat.products[p]
	switch {
	case !d.present:
		return true
	case !d.InStock && !f.rules.IncludeOutOfStock:
		return true
	case !f.rules.IncludeBought && f.h != nil && f.h.hasBought(p):
		return true
	case f.rules.ExcludeSeen && f.h != nil && f.h.has(p):
		return true
	case f.rules.MinPrice > 0 && d.Price < f.rules.MinPrice:
		return true
	case f.rules.MaxPrice > 0 && d.Price > f.rules.MaxPrice:
		return true
	}
	if f.include != nil || f.exclude != nil {
		c := strings.ToLower(d.Category)
		if (f.include != nil && !f.include[c]) || f.exclude[c] {
			return true
		}
	}
	return f.perCat != nil && f.perCat[d.Category] >= f.rules.MaxPerCategory
}

// take records that p joins the list.
func (f *filter) take(p int32) {
	f.chosen[p] = true
	if f.perCat != nil {
		f.perCat[f.cat.products[p].Category]++
	}
}

// depth is how many candidates to ask a model for so that n survive the category cap.
func (f *filter) depth(n int) int {
	if f.perCat == nil {
		return n
	}
	return min(n*5, maxResults*5)
}
