package segments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// The window fast path. customer_features holds, per customer, the view, cart and search
// events of the last 7, 30 and 90 days before computed_at (an event exactly at a window's
// start is inside it, later events too). A behaviour condition on one of those events
// with exactly that window and no product, category, value or dates ("viewed at least
// twice in the last 30 days") can read that column instead of grouping millions of
// events, provided the column still tells the truth. It does when:
//
//   - every features row was computed at one instant R (a rebuild), none is NULL;
//   - every stored event was counted: on SQLite a transaction holds the write lock from
//     its start, the features rebuild takes R and then waits once for the write lock
//     before it reads its snapshot, and imports stamp created_at inside their
//     transactions, so an event created before R was committed before the rebuild read
//     the events; the few events created at R or later are checked against
//     their customers' event_count (see eventsCounted). A refresh of a few customers
//     writes a later computed_at, which ends the fast path until the next rebuild;
//   - R is within maxWindowLag of now: the window then starts at now-D, not R-D, and
//     the events between the two starts (few, for a recent R) are counted from events
//     and taken off (or, when R is after now, added to) the stored count.
//
// A customer without a features row has no events at all under these conditions (the
// rebuild writes a row for every customer, and a newer customer's events would be newer
// than R), which is the 0 the expressions read for a missing row. PostgreSQL has no write
// lock to order imports and rebuilds, so there the path is never taken.

// maxWindowLag is how far now may be from the features' computed_at for the window fast
// path: about a day of events (the features are rebuilt nightly) are counted again.
const maxWindowLag = 36 * time.Hour

// windowFeatures is what the fast path knows: the instant every features row was
// computed at.
type windowFeatures struct {
	computedAt time.Time
}

// windowPrefixes are the events with window columns, and their columns' prefixes.
var windowPrefixes = map[string]string{"view": "views", "cart": "carts", "search": "searches"}

// windowColumn is the customer_features column that counts what b counts, or "" when
// none does. "purchase" is left out: it counts distinct orders, and an order with lines
// on both sides of a window's start cannot be taken off line by line.
func windowColumn(b Behaviour) string {
	prefix, ok := windowPrefixes[b.Event]
	if !ok || b.Product != "" || b.Category != "" || b.MinValue != nil || b.From != "" || b.To != "" {
		return ""
	}
	switch b.Days {
	case 7, 30, 90:
		return prefix + "_" + strconv.Itoa(b.Days) + "d"
	}
	return ""
}

// windowCount compiles b (which windowColumn accepts, starting at from) to a test of the
// stored count, corrected by the events between the stored window's start and from.
// The SQL is never NULL, so "did not" is its plain negation, and it reads the customer's
// id from f: a missing features row reads as no events.
func (c *compiler) windowCount(b Behaviour, col string, from time.Time) string {
	minCount := b.MinCount
	if minCount == 0 && b.MaxCount == nil {
		minCount = 1
	}
	stored := func() string { return "COALESCE(f." + col + ", 0)" }
	if c.bare {
		stored = func() string { return "f." + col }
	}
	start := c.win.computedAt.Add(-time.Duration(b.Days) * 24 * time.Hour)
	// bound writes one bound on the count; with a gap between the window starts it
	// corrects the stored count of the customers with events in the gap. A correction
	// that can only fail a bound the stored count passes ("at least 2" when events are
	// taken off) keeps the stored test first, so SQLite can range over its index.
	var bound func(op string, v int64) string
	if start.Equal(from) {
		bound = func(op string, v int64) string { return stored() + op + c.arg(v) }
	} else {
		lo, hi, sign := start, from, " - "
		if from.Before(start) {
			lo, hi, sign = from, start, " + "
		}
		gap := func(sel, where string) string {
			return "(SELECT " + sel + " FROM events g WHERE " + where + "g.occurred_at >= " + c.arg(lo) +
				" AND g.occurred_at < " + c.arg(hi) + " AND g.type = " + c.arg(b.Event) + ")"
		}
		inGap := func() string { return "COALESCE(f.customer_id, 0) IN " + gap("g.customer_id", "") }
		// By the customer's id first: the index on events (customer_id, occurred_at, ...)
		// finds their few events in the gap.
		corrected := func() string {
			return "(" + stored() + sign + gap("COUNT(*)", "g.customer_id = f.customer_id AND ") + ")"
		}
		bound = func(op string, v int64) string {
			if (op == " >= ") == (sign == " - ") {
				return "(" + stored() + op + c.arg(v) + " AND (NOT " + inGap() + " OR " + corrected() + op + c.arg(v) + "))"
			}
			return "(" + stored() + op + c.arg(v) + " OR (" + inGap() + " AND " + corrected() + op + c.arg(v) + "))"
		}
	}
	var parts []string
	if minCount >= 1 {
		parts = append(parts, bound(" >= ", int64(minCount)))
	}
	if b.MaxCount != nil {
		parts = append(parts, bound(" <= ", int64(*b.MaxCount)))
	}
	sql := "(" + strings.Join(parts, " AND ") + ")"
	if b.Did != nil && !*b.Did {
		return "NOT " + sql
	}
	return sql
}

// maxRecheck is how many of the newest events windowState checks one by one.
const maxRecheck = 20000

// windowState returns the state the fast path needs, or nil when it must not be taken
// (see the conditions above).
func (s *Service) windowState(ctx context.Context, now time.Time) (*windowFeatures, error) {
	if s.DB.Dialect != "sqlite" {
		return nil, nil
	}
	db := s.DB.WithContext(ctx)
	// Two queries, so each reads one end of the index on computed_at.
	var lo, hi store.Time
	err := db.Raw(`SELECT MIN(computed_at) FROM customer_features`).Row().Scan(&lo)
	if err == nil {
		err = db.Raw(`SELECT MAX(computed_at) FROM customer_features`).Row().Scan(&hi)
	}
	if err != nil {
		return nil, fmt.Errorf("segments: read when features were computed: %w", err)
	}
	if !lo.Valid || !lo.Time.Equal(hi.Time) || now.Sub(lo.Time).Abs() > maxWindowLag {
		return nil, nil
	}
	var stale int64
	if err := db.Raw(`SELECT COUNT(*) FROM (SELECT 1 FROM customer_features WHERE computed_at IS NULL LIMIT 1) x`).Scan(&stale).Error; err != nil {
		return nil, fmt.Errorf("segments: look for features never computed: %w", err)
	}
	if stale > 0 {
		return nil, nil
	}
	fresh, err := s.eventsCounted(ctx, lo.Time)
	if err != nil || !fresh {
		return nil, err
	}
	return &windowFeatures{computedAt: lo.Time}, nil
}

// eventsCounted tells whether the features computed at r counted every stored event.
// Events created before r were (see above). Times have whole seconds, so an event
// created in r's second, or later, may or may not have been: for the customers of such
// events, the stored event_count (all their events) must equal their events now. Events
// are only ever added, or deleted with their customer and features row, so equal counts
// mean the same events. More than maxRecheck such events is too many to check: no.
func (s *Service) eventsCounted(ctx context.Context, r time.Time) (bool, error) {
	db := s.DB.WithContext(ctx)
	var edge struct {
		ID        int64
		CreatedAt store.Time
	}
	err := db.Raw(`SELECT id, created_at FROM events ORDER BY id DESC LIMIT 1 OFFSET ?`, maxRecheck).Row().Scan(&edge.ID, &edge.CreatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		edge.ID = 0
	case err != nil:
		return false, fmt.Errorf("segments: read the newest events: %w", err)
	case !edge.CreatedAt.Time.Before(r):
		return false, nil
	}
	// Each event on its own (no DISTINCT, which SQLite would answer by walking an index
	// of every event): a customer with several is checked several times.
	var uncounted int64
	err = db.Raw(`SELECT COUNT(*) FROM events n WHERE n.id > ? AND n.created_at >= ?
		AND NOT EXISTS (SELECT 1 FROM customer_features f WHERE f.customer_id = n.customer_id
			AND f.event_count = (SELECT COUNT(*) FROM events e WHERE e.customer_id = n.customer_id))`,
		edge.ID, r).Scan(&uncounted).Error
	if err != nil {
		return false, fmt.Errorf("segments: check the newest events were counted: %w", err)
	}
	return uncounted == 0, nil
}

// bareCoalesce matches a feature column read with its default for a missing row.
var bareCoalesce = regexp.MustCompile(`^COALESCE\((f\.[a-z0-9_]+), (?:0|'')\)$`)

// bareColumn is a field expression without the COALESCE that reads a missing features
// row as the column's default: where every customer counted has a row, the column is
// the same value, and SQLite can read it from an index.
func bareColumn(expr string) string {
	if m := bareCoalesce.FindStringSubmatch(expr); m != nil {
		return m[1]
	}
	return expr
}
