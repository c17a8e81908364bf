package propensity

import (
	"context"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// Feature indexes, in the order the model sees them.
const (
	fRecency = iota
	fHasOrdered
	fFrequency
	fMonetary
	fAvgOrder
	fSignupDays
	fViews7
	fViews30
	fViews90
	fCarts7
	fCarts30
	fCarts90
	fSearches7
	fSearches30
	fSearches90
	fBrowse30
	fLastEventDays
	fCategories
	fVisitRate
	fMissedVisits
	numFeatures
)

// featureNames name the model inputs; they head the export columns and the coefficients.
var featureNames = [numFeatures]string{
	"recency_days", "has_ordered", "frequency", "monetary", "avg_order_value", "days_since_signup",
	"views_7d", "views_30d", "views_90d", "carts_7d", "carts_30d", "carts_90d",
	"searches_7d", "searches_30d", "searches_90d", "browse_seconds_30d", "days_since_last_event",
	"categories_bought", "visits_per_day", "missed_visits",
}

// FeatureNames returns the names of the model's inputs in model order.
func FeatureNames() []string { return featureNames[:] }

// dayCap bounds recency and days since the last event: a year of silence says all there is to
// say, and it is also the value of a customer who never ordered (has_ordered tells them apart).
const dayCap = 365

// windows are the behaviour windows in days; eventsLookback is how far back the event pass
// reads (the cap of days_since_last_event).
var windows = [3]int{7, 30, 90}

// rateDays is the longest window, over which the visit rate is measured.
const rateDays = 90

const eventsLookback = dayCap

// customerAt is one customer's raw feature values as of a cut (before log1p and scaling).
type customerAt struct {
	id                   int64
	signup               time.Time // zero when unknown
	firstSeen, lastOrder time.Time // zero when none before the cut
	lastEvent            time.Time
	visits90             float64 // visits in the 90 days before the cut
	raw                  [numFeatures]float64
}

// known tells whether the customer existed as of the cut: signed up before it, or (without a
// sign-up date) seen ordering or browsing before it. Only known customers are examples.
func (c *customerAt) known(cut time.Time) bool {
	return (!c.signup.IsZero() && c.signup.Before(cut)) || !c.firstSeen.IsZero()
}

// snapshot is every selected customer's features as of one cut, in customer id order.
type snapshot struct {
	cut   time.Time
	rows  []customerAt
	index map[int64]int
}

// featuresAt computes the features of the customers keep accepts (all when keep is nil) from
// the rows strictly before cut, in one pass over customers, one over orders and one over
// events. Nothing at or after cut is read, so a model trained on an old cut sees what it
// would have seen then.
func featuresAt(ctx context.Context, db *gorm.DB, cut time.Time, keep func(int64) bool) (*snapshot, error) {
	s := &snapshot{cut: cut.UTC(), index: map[int64]int{}}
	if err := s.loadCustomers(ctx, db, keep); err != nil {
		return nil, err
	}
	if err := s.addOrders(ctx, db); err != nil {
		return nil, err
	}
	if err := s.addEvents(ctx, db); err != nil {
		return nil, err
	}
	s.finish()
	return s, nil
}

func (s *snapshot) loadCustomers(ctx context.Context, db *gorm.DB, keep func(int64) bool) error {
	rows, err := db.WithContext(ctx).Raw(`SELECT id, signup_at FROM customers ORDER BY id`).Rows()
	if err != nil {
		return fmt.Errorf("propensity: list customers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var signup store.Time
		if err := rows.Scan(&id, &signup); err != nil {
			return fmt.Errorf("propensity: read customer: %w", err)
		}
		if keep != nil && !keep(id) {
			continue
		}
		s.index[id] = len(s.rows)
		s.rows = append(s.rows, customerAt{id: id, signup: signup.Time})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("propensity: read customers: %w", err)
	}
	return nil
}

// addOrders reads order aggregates per customer before the cut. Categories without a name
// do not count as a category bought.
func (s *snapshot) addOrders(ctx context.Context, db *gorm.DB) error {
	rows, err := db.WithContext(ctx).Raw(`SELECT o.customer_id, COUNT(DISTINCT o.order_id), SUM(o.amount),
			MIN(o.ordered_at), MAX(o.ordered_at),
			COUNT(DISTINCT CASE WHEN p.category <> '' THEN p.category END)
		FROM orders o JOIN products p ON p.id = o.product_id
		WHERE o.ordered_at < ?
		GROUP BY o.customer_id`, s.cut).Rows()
	if err != nil {
		return fmt.Errorf("propensity: sum orders before %s: %w", s.cut.Format(time.RFC3339), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var orders, spend, categories float64
		var first, last store.Time
		if err := rows.Scan(&id, &orders, &spend, &first, &last, &categories); err != nil {
			return fmt.Errorf("propensity: read order sums: %w", err)
		}
		i, ok := s.index[id]
		if !ok {
			continue
		}
		c := &s.rows[i]
		c.raw[fFrequency], c.raw[fMonetary], c.raw[fCategories] = orders, spend, categories
		c.lastOrder = last.Time
		c.firstSeen = earliest(c.firstSeen, first.Time)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("propensity: read order sums: %w", err)
	}
	return nil
}

// addEvents reads event counts per customer and window in the year before the cut. The
// window cut-offs are computed here and passed as parameters, so the SQL is the same on
// both databases; browse time is the value of view events, as in customer_features.
func (s *snapshot) addEvents(ctx context.Context, db *gorm.DB) error {
	q := `SELECT customer_id, MIN(occurred_at), MAX(occurred_at)`
	var args []any
	for _, typ := range []string{"view", "cart", "search"} {
		for _, days := range windows {
			q += `, SUM(CASE WHEN type = ? AND occurred_at >= ? THEN 1 ELSE 0 END)`
			args = append(args, typ, s.cut.AddDate(0, 0, -days))
		}
	}
	q += `, SUM(CASE WHEN type = ? AND occurred_at >= ? AND value > 0 THEN value ELSE 0 END)`
	args = append(args, "view", s.cut.AddDate(0, 0, -30))
	// A visit is a session; events sent without a session id count one visit per view.
	q += `, COUNT(DISTINCT CASE WHEN occurred_at >= ? AND session_id <> '' THEN session_id END)
			+ SUM(CASE WHEN occurred_at >= ? AND session_id = '' AND type = ? THEN 1 ELSE 0 END)`
	from := s.cut.AddDate(0, 0, -rateDays)
	args = append(args, from, from, "view")
	q += ` FROM events WHERE occurred_at >= ? AND occurred_at < ? GROUP BY customer_id`
	args = append(args, s.cut.AddDate(0, 0, -eventsLookback), s.cut)
	rows, err := db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return fmt.Errorf("propensity: count events before %s: %w", s.cut.Format(time.RFC3339), err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var first, last store.Time
		var counts [11]float64 // views, carts, searches × windows, browse seconds, visits in 90 days
		dest := []any{&id, &first, &last}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("propensity: read event counts: %w", err)
		}
		i, ok := s.index[id]
		if !ok {
			continue
		}
		c := &s.rows[i]
		copy(c.raw[fViews7:fBrowse30+1], counts[:10])
		c.visits90 = counts[10]
		c.lastEvent = last.Time
		c.firstSeen = earliest(c.firstSeen, first.Time)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("propensity: read event counts: %w", err)
	}
	return nil
}

// finish derives the time-based features, the average order value and the visit rate.
//
// visits_per_day is the visits of the last 90 days over the days the customer has been
// known within them (at least one), so a newcomer's rate is not diluted by days before
// they arrived, nor a cut with a short history by days before the data starts.
// missed_visits is that rate times the days since the last activity: how many visits a
// customer who kept their habit would have made since. Many missed visits mean the
// habit has stopped; a rare visitor who has been away a week has missed almost none.
func (s *snapshot) finish() {
	for i := range s.rows {
		c := &s.rows[i]
		c.raw[fRecency] = dayCap
		if !c.lastOrder.IsZero() {
			c.raw[fHasOrdered] = 1
			c.raw[fRecency] = min(daysBetween(c.lastOrder, s.cut), dayCap)
		}
		if c.raw[fFrequency] > 0 {
			c.raw[fAvgOrder] = c.raw[fMonetary] / c.raw[fFrequency]
		}
		// Without a sign-up date before the cut, the customer's age is counted from when they
		// were first seen.
		start := c.firstSeen
		if !c.signup.IsZero() && c.signup.Before(s.cut) {
			start = c.signup
		}
		if !start.IsZero() {
			c.raw[fSignupDays] = daysBetween(start, s.cut)
		}
		c.raw[fLastEventDays] = dayCap
		if !c.lastEvent.IsZero() {
			c.raw[fLastEventDays] = min(daysBetween(c.lastEvent, s.cut), dayCap)
		}
		if !c.firstSeen.IsZero() {
			known := min(max(daysBetween(c.firstSeen, s.cut), 1), rateDays)
			c.raw[fVisitRate] = c.visits90 / known
		}
		c.raw[fMissedVisits] = c.raw[fVisitRate] * c.raw[fLastEventDays]
	}
}

// transform turns raw values into model inputs before scaling. Counts, amounts, rates and
// spans of days have a long right tail, so they go through log1p (negative amounts, such as
// net refunds, count as 0). The has_ordered flag stays as it is, and so do missed_visits:
// the chance that a habit still holds falls about exponentially with the visits missed, so
// its log-odds fall linearly with them.
func transform(raw *[numFeatures]float64) [numFeatures]float64 {
	var out [numFeatures]float64
	for j, v := range raw {
		switch j {
		case fHasOrdered, fMissedVisits:
			out[j] = v
		default:
			out[j] = math.Log1p(max(v, 0))
		}
	}
	return out
}

// daysBetween is the fractional number of days from a to b.
func daysBetween(a, b time.Time) float64 {
	return max(b.Sub(a).Hours()/24, 0)
}

// earliest returns the earlier of two times, ignoring zero ones.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
