package clusters

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// AttrPrefix starts a custom-attribute feature: "attr.points" reads the numeric
// attribute "points" of each customer.
const AttrPrefix = "attr."

// DefaultFeatures is the RFM and behaviour set used when none is chosen.
var DefaultFeatures = []string{"recency_days", "frequency", "monetary", "avg_order_value", "browse_seconds",
	"views_30d", "carts_30d", "purchases_90d"}

// NoOrderRecencyDays is the recency of a customer with no order and no known signup date.
const NoOrderRecencyDays = 365

// featureColumns whitelists the computed features: the only way a feature name reaches
// SQL is through these fixed expressions over customer_features f. recency_days is
// computed in Go (see loadFeatures) and days_since_signup may be NULL (unknown signup).
var featureColumns = map[string]string{
	"frequency":         "COALESCE(f.frequency, 0)",
	"monetary":          "COALESCE(f.monetary, 0)",
	"avg_order_value":   "COALESCE(f.avg_order_value, 0)",
	"browse_seconds":    "COALESCE(f.browse_seconds, 0)",
	"event_count":       "COALESCE(f.event_count, 0)",
	"days_since_signup": "f.days_since_signup",
	"recency_score":     "COALESCE(f.recency_score, 0)",
	"frequency_score":   "COALESCE(f.frequency_score, 0)",
	"monetary_score":    "COALESCE(f.monetary_score, 0)",
	"views_7d":          "COALESCE(f.views_7d, 0)",
	"views_30d":         "COALESCE(f.views_30d, 0)",
	"views_90d":         "COALESCE(f.views_90d, 0)",
	"carts_7d":          "COALESCE(f.carts_7d, 0)",
	"carts_30d":         "COALESCE(f.carts_30d, 0)",
	"carts_90d":         "COALESCE(f.carts_90d, 0)",
	"purchases_7d":      "COALESCE(f.purchases_7d, 0)",
	"purchases_30d":     "COALESCE(f.purchases_30d, 0)",
	"purchases_90d":     "COALESCE(f.purchases_90d, 0)",
	"searches_7d":       "COALESCE(f.searches_7d, 0)",
	"searches_30d":      "COALESCE(f.searches_30d, 0)",
	"searches_90d":      "COALESCE(f.searches_90d, 0)",
}

// Features lists every computed feature a run may use, sorted; custom numeric attributes
// come on top as AttrPrefix+NAME.
func Features() []string {
	out := []string{"recency_days"}
	for name := range featureColumns {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

var attrName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$`)

// checkFeatures validates a feature list: known names or attr.NAME, no repeats, at least
// one. Problems come back as store.FieldErrors on "features".
func checkFeatures(names []string) error {
	fe := store.FieldErrors{}
	seen := map[string]bool{}
	for _, name := range names {
		switch {
		case seen[name]:
			fe.Add("features", fmt.Sprintf("feature %q is listed twice", name))
		case strings.HasPrefix(name, AttrPrefix):
			if !attrName.MatchString(strings.TrimPrefix(name, AttrPrefix)) {
				fe.Add("features", fmt.Sprintf("%q is not a valid attribute name", name))
			}
		case name == "recency_days" || featureColumns[name] != "":
		default:
			fe.Add("features", fmt.Sprintf("unknown feature %q (choose from %s, or %sNAME for a numeric custom attribute)",
				name, strings.Join(Features(), ", "), AttrPrefix))
		}
		seen[name] = true
	}
	if len(names) == 0 {
		fe.Add("features", "choose at least one feature")
	}
	return fe.Err()
}

// dataset is the loaded feature matrix, one row per customer in id order.
type dataset struct {
	ids []int64
	x   *Matrix
	// topCat is each customer's largest spend category (an index into cats, -1 for none)
	// and topSpend the money spent in it (its share times monetary).
	topCat   []int32
	topSpend []float64
	monetary []float64
	cats     []string
}

// loadFeatures streams every customer's features in id order. recency_days is the days
// from the last order to now; a customer with no order gets the days since signup, or
// NoOrderRecencyDays when the signup date is unknown. A missing value (no such attribute,
// unknown signup for days_since_signup) is replaced by the mean of the known values.
func (s *Service) loadFeatures(ctx context.Context, names []string) (*dataset, error) {
	now := s.Now()
	wantAttrs := slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, AttrPrefix) })
	attrsCol := "''"
	if wantAttrs {
		attrsCol = "c.attributes"
	}
	cols := []string{"c.id", "c.signup_at", "f.last_order_at", "COALESCE(f.monetary, 0)", "COALESCE(f.top_categories, '')", attrsCol}
	for _, name := range names {
		if e := featureColumns[name]; e != "" {
			cols = append(cols, e)
		}
	}
	rows, err := s.DB.WithContext(ctx).Raw(`SELECT ` + strings.Join(cols, ", ") + `
		FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id ORDER BY c.id`).Rows()
	if err != nil {
		return nil, fmt.Errorf("clusters: read features: %w", err)
	}
	defer rows.Close()
	ds := &dataset{x: &Matrix{Cols: len(names)}}
	catIndex := map[string]int32{}
	var (
		id             int64
		signup, last   sql.NullTime
		monetary       float64
		top, attrsText sql.RawBytes
		vals           = make([]sql.NullFloat64, len(cols)-6)
		dest           = []any{&id, &signup, &last, &monetary, &top, &attrsText}
		attrs          map[string]any
	)
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("clusters: read features: %w", err)
		}
		if wantAttrs {
			clear(attrs)
			if err := json.Unmarshal(attrsText, &attrs); err != nil {
				attrs = nil // malformed text only comes from outside edits: no attributes
			}
		}
		v := 0
		for _, name := range names {
			var f float64
			switch {
			case name == "recency_days":
				f = recencyDays(now, last, signup)
			case strings.HasPrefix(name, AttrPrefix):
				if f, err = attrValue(attrs, strings.TrimPrefix(name, AttrPrefix), id); err != nil {
					return nil, err
				}
			default:
				f = math.NaN()
				if vals[v].Valid {
					f = vals[v].Float64
				}
				v++
			}
			ds.x.Data = append(ds.x.Data, f)
		}
		ds.ids = append(ds.ids, id)
		ds.monetary = append(ds.monetary, monetary)
		cat, share := firstCategory(top)
		ci := int32(-1)
		if cat != nil {
			var ok bool
			if ci, ok = catIndex[string(cat)]; !ok {
				ci = int32(len(ds.cats))
				ds.cats = append(ds.cats, string(cat))
				catIndex[ds.cats[ci]] = ci
			}
		}
		ds.topCat = append(ds.topCat, ci)
		ds.topSpend = append(ds.topSpend, share*monetary)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clusters: read features: %w", err)
	}
	ds.x.Rows = len(ds.ids)
	return ds, imputeMissing(ds.x, names)
}

func recencyDays(now time.Time, last, signup sql.NullTime) float64 {
	switch {
	case last.Valid:
		return max(0, math.Floor(now.Sub(last.Time).Hours()/24))
	case signup.Valid:
		return max(0, math.Floor(now.Sub(signup.Time).Hours()/24))
	}
	return NoOrderRecencyDays
}

// attrValue reads a numeric custom attribute: a JSON number or a string holding one. A
// missing or empty attribute is NaN (imputed later); anything else is a field error.
func attrValue(attrs map[string]any, name string, customerID int64) (float64, error) {
	raw, ok := attrs[name]
	if !ok {
		return math.NaN(), nil
	}
	switch v := raw.(type) {
	case float64:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return math.NaN(), nil
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	case nil:
		return math.NaN(), nil
	}
	return 0, store.FieldErrors{"features": fmt.Sprintf("attribute %q is not numeric: customer %d has %v", name, customerID, raw)}
}

// firstCategory parses the first entry of a top_categories text, "Electronics:0.62,…";
// cat is a sub-slice of top.
func firstCategory(top []byte) (cat []byte, share float64) {
	first := top
	if i := bytes.IndexByte(first, ','); i >= 0 {
		first = first[:i]
	}
	i := bytes.LastIndexByte(first, ':')
	if i <= 0 {
		return nil, 0
	}
	share, err := strconv.ParseFloat(string(first[i+1:]), 64)
	if err != nil {
		return nil, 0
	}
	return first[:i], share
}

// imputeMissing replaces NaN values by their column's mean; a column with no value at
// all is a field error.
func imputeMissing(x *Matrix, names []string) error {
	for t, name := range names {
		var sum float64
		known, missing := 0, 0
		for i := range x.Rows {
			if v := x.Data[i*x.Cols+t]; math.IsNaN(v) {
				missing++
			} else {
				sum += v
				known++
			}
		}
		if missing == 0 {
			continue
		}
		if known == 0 {
			return store.FieldErrors{"features": fmt.Sprintf("no customer has a value for %q", name)}
		}
		mean := sum / float64(known)
		for i := range x.Rows {
			if math.IsNaN(x.Data[i*x.Cols+t]) {
				x.Data[i*x.Cols+t] = mean
			}
		}
	}
	return nil
}
