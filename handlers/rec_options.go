package handlers

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/store"
)

// recOptions reads a recommendation request from query parameters: n, algorithm,
// exclude_bought and in_stock (true unless "false"), exclude_seen (false unless "true"),
// categories and exclude_categories (comma-separated), max_per_category, min_price,
// max_price and segment. A value that is not a number is an error naming its parameter.
func recOptions(c echo.Context, defaultN int) (recsys.Options, error) {
	o := recsys.Options{N: defaultN, Algorithm: strings.TrimSpace(c.QueryParam("algorithm"))}
	errs := store.FieldErrors{}
	number := func(name string, dst *float64) {
		if v := strings.TrimSpace(c.QueryParam(name)); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				errs.Add(name, "must be a number")
				return
			}
			*dst = f
		}
	}
	integer := func(name string, dst *int) {
		if v := strings.TrimSpace(c.QueryParam(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs.Add(name, "must be a whole number")
				return
			}
			*dst = n
		}
	}
	flag := func(name string, unset bool) bool {
		v := strings.TrimSpace(c.QueryParam(name))
		if v == "" {
			return unset
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.Add(name, "must be true or false")
			return unset
		}
		return b
	}
	integer("n", &o.N)
	o.Rules.IncludeBought = !flag("exclude_bought", true)
	o.Rules.IncludeOutOfStock = !flag("in_stock", true)
	o.Rules.ExcludeSeen = flag("exclude_seen", false)
	o.Rules.Categories = splitList(c.QueryParam("categories"))
	o.Rules.ExcludeCategories = splitList(c.QueryParam("exclude_categories"))
	integer("max_per_category", &o.Rules.MaxPerCategory)
	number("min_price", &o.Rules.MinPrice)
	number("max_price", &o.Rules.MaxPrice)
	if v := strings.TrimSpace(c.QueryParam("segment")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("segment", "must be a segment id")
		}
		o.Segment = id
	}
	return o, errs.Err()
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
