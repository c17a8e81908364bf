package customers

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// The statement that computes feature rows, in pieces. Each piece is a derived table of
// one row per customer (o, e, w), joined to customers so that customers without orders
// or events get zeros. The pieces are aggregated separately so that none multiplies
// another's rows. The RFM scores and category shares come from the temporary table
// feature_extras (x), which the orders pass fills from Go (see features_orders.go).
// {ids} is replaced by a filter on the customer id, or by nothing for every customer.
// Times are parameters computed in Go, so the text is the same on SQLite and PostgreSQL;
// concat_ws needs SQLite 3.44 or later (the bundled driver has it). The customer columns
// rules combine with features (country, email and push consent) are copied as they are,
// so the database's trigger that checks a new row's copies finds nothing to correct.
const (
	// featureColumns are the columns of a feature row; selectFeatures gives them in order.
	featureColumns = `customer_id, first_order_at, last_order_at,
		frequency, monetary, avg_order_value, browse_seconds, event_count, last_event_at, last_activity_at,
		purchases_7d, purchases_30d, purchases_90d, views_7d, views_30d, views_90d, carts_7d, carts_30d, carts_90d,
		searches_7d, searches_30d, searches_90d, event_counts, top_categories, category_shares,
		recency_score, frequency_score, monetary_score, rfm_tier, days_since_signup,
		country, consent_email, consent_push, computed_at, updated_at`

	// last_activity_at is the later of the last order and the last event.
	selectFeatures = `SELECT c.id, o.first_at, o.last_at, COALESCE(o.orders, 0), COALESCE(o.spend, 0),
			CASE WHEN o.orders > 0 THEN o.spend / o.orders ELSE 0 END,
			COALESCE(e.browse, 0), COALESCE(e.events, 0), e.last_at,
			CASE WHEN o.last_at IS NULL THEN e.last_at
				WHEN e.last_at IS NULL OR o.last_at >= e.last_at THEN o.last_at
				ELSE e.last_at END,
			COALESCE(o.p7, 0), COALESCE(o.p30, 0), COALESCE(o.p90, 0),
			COALESCE(w.v7, 0), COALESCE(w.v30, 0), COALESCE(w.v90, 0),
			COALESCE(w.c7, 0), COALESCE(w.c30, 0), COALESCE(w.c90, 0),
			COALESCE(w.s7, 0), COALESCE(w.s30, 0), COALESCE(w.s90, 0),
			COALESCE(w.counts, '{}'), COALESCE(x.top_categories, ''), COALESCE(x.category_shares, ''),
			COALESCE(x.recency_score, 0), COALESCE(x.frequency_score, 0), COALESCE(x.monetary_score, 0),
			COALESCE(x.rfm_tier, ''), {days}, c.country, c.consent_email, c.consent_push, ?, ?
		FROM customers c
		LEFT JOIN feature_extras x ON x.customer_id = c.id`

	// Order totals. A purchase in a window is a distinct order, so an order of three lines
	// is one purchase. Arguments: the starts of the 7, 30 and 90-day windows.
	joinOrderTotals = `
		LEFT JOIN (SELECT customer_id, MIN(ordered_at) AS first_at, MAX(ordered_at) AS last_at,
				COUNT(DISTINCT order_id) AS orders, SUM(amount) AS spend,
				COUNT(DISTINCT CASE WHEN ordered_at >= ? THEN order_id END) AS p7,
				COUNT(DISTINCT CASE WHEN ordered_at >= ? THEN order_id END) AS p30,
				COUNT(DISTINCT CASE WHEN ordered_at >= ? THEN order_id END) AS p90
			FROM orders WHERE 1 = 1{ids} GROUP BY customer_id) o ON o.customer_id = c.id`

	// Event totals over all time; browse time is the value of view events.
	joinEventTotals = `
		LEFT JOIN (SELECT customer_id, COUNT(*) AS events, MAX(occurred_at) AS last_at,
				SUM(CASE WHEN type = 'view' THEN value END) AS browse
			FROM events WHERE 1 = 1{ids} GROUP BY customer_id) e ON e.customer_id = c.id`

	// signupDaysSQL is whole days from signup to now, looked up in the feature_days
	// calendar (see createCalendar): the largest d whose day start, now - d days, is not
	// before the signup. A signup after now counts as 0 days. A refresh computes the
	// days in Go instead (x.days_since_signup), which saves writing a calendar.
	signupDaysSQL = `CASE WHEN c.signup_at IS NULL THEN NULL ELSE COALESCE((SELECT d.days FROM feature_days d
			WHERE d.since >= c.signup_at ORDER BY d.since LIMIT 1), 0) END`
)

// maxCountedTypes bounds the event types event_counts covers (PostgreSQL functions take
// at most 100 arguments); past it the types last in name order are left out.
const maxCountedTypes = 64

// windowTypes are the event types that have columns of their own; they are counted even
// when no event of theirs exists yet.
var windowTypes = [3]string{"view", "cart", "search"}

// joinEventWindows is the derived table w: per customer, the events of each of types in
// the 7, 30 and 90-day windows (n<i>_<days>), the view, cart and search counts under
// fixed names, and event_counts, {"cart":{"7":0,"30":1,"90":2},...}, which lists the
// types with an event in the last 90 days in name order. Only the 90 days are read. The
// type names are arguments, and only names event validation lets in are used, so they
// need no escaping as JSON keys. filter is the customer filter with its arguments.
func joinEventWindows(types []string, starts [3]time.Time, filter string, filterArgs []any) (string, []any) {
	types = countedTypes(types)
	var counts, sums []string
	var countArgs, sumArgs []any
	named := map[string]int{}
	for i, typ := range types {
		n := "n" + strconv.Itoa(i) + "_"
		counts = append(counts, `CASE WHEN `+n+`90 > 0 THEN '"' || ? || '":{"7":' || `+n+`7 || ',"30":' || `+n+`30 ||
			',"90":' || `+n+`90 || '}' END`)
		countArgs = append(countArgs, typ)
		sums = append(sums, `SUM(CASE WHEN type = ? AND occurred_at >= ? THEN 1 ELSE 0 END) AS `+n+`7,
			SUM(CASE WHEN type = ? AND occurred_at >= ? THEN 1 ELSE 0 END) AS `+n+`30,
			SUM(CASE WHEN type = ? THEN 1 ELSE 0 END) AS `+n+`90`)
		sumArgs = append(sumArgs, typ, starts[0], typ, starts[1], typ)
		named[typ] = i
	}
	var fixed []string
	for _, typ := range windowTypes {
		n := "n" + strconv.Itoa(named[typ]) + "_"
		for _, d := range []string{"7", "30", "90"} {
			fixed = append(fixed, n+d+" AS "+typ[:1]+d)
		}
	}
	q := `
		LEFT JOIN (SELECT customer_id, ` + strings.Join(fixed, ", ") + `,
				'{' || concat_ws(',', ` + strings.Join(counts, ", ") + `) || '}' AS counts
			FROM (SELECT customer_id, ` + strings.Join(sums, ", ") + `
				FROM events WHERE occurred_at >= ?` + filter + ` GROUP BY customer_id) n) w ON w.customer_id = c.id`
	args := append(countArgs, sumArgs...)
	args = append(args, starts[2])
	return q, append(args, filterArgs...)
}

// countedTypes is types with the fixed window types added and invalid names dropped,
// sorted by name and cut to maxCountedTypes (the window types always kept).
func countedTypes(types []string) []string {
	keep := map[string]bool{}
	for _, typ := range windowTypes {
		keep[typ] = true
	}
	var others []string
	for _, typ := range types {
		if !keep[typ] && eventTypeRE.MatchString(typ) {
			keep[typ] = true
			others = append(others, typ)
		}
	}
	slices.Sort(others)
	others = others[:min(len(others), maxCountedTypes-len(windowTypes))]
	out := append(append([]string{}, windowTypes[:]...), others...)
	slices.Sort(out)
	return out
}
