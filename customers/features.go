package customers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// CategoryShare is a category and its share of a customer's spend (0..1).
type CategoryShare struct {
	Category string
	Share    float64
}

// Features are the computed figures of one customer.
type Features struct {
	// RecencyDays is whole days since the last order, nil without orders.
	RecencyDays *int
	// Frequency is the number of distinct orders.
	Frequency int
	// Monetary is the sum of order line amounts; AvgOrderValue is Monetary / Frequency.
	Monetary, AvgOrderValue float64
	// BrowseSeconds sums the values of view events that have one.
	BrowseSeconds float64
	EventCount    int
	// TopCategories are up to three categories by share of spend, largest first.
	TopCategories                             []CategoryShare
	FirstOrderAt, LastOrderAt, LastActivityAt *time.Time
	LastEventAt                               *time.Time
}

// featureRecord is a customer_features row as scanned.
type featureRecord struct {
	FirstOrderAt   *time.Time `gorm:"column:first_order_at"`
	LastOrderAt    *time.Time `gorm:"column:last_order_at"`
	Frequency      int        `gorm:"column:frequency"`
	Monetary       float64    `gorm:"column:monetary"`
	AvgOrderValue  float64    `gorm:"column:avg_order_value"`
	BrowseSeconds  float64    `gorm:"column:browse_seconds"`
	EventCount     int        `gorm:"column:event_count"`
	LastEventAt    *time.Time `gorm:"column:last_event_at"`
	LastActivityAt *time.Time `gorm:"column:last_activity_at"`
	TopCategories  string     `gorm:"column:top_categories"`
}

// Features returns the stored features of a customer, computing them first if they never were.
func (s *Service) Features(ctx context.Context, customerID int64) (Features, error) {
	r, err := s.featureRecord(ctx, customerID)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.Customer(ctx, customerID); err != nil {
			return Features{}, err
		}
		if err := s.RefreshFeatures(ctx, []int64{customerID}); err != nil {
			return Features{}, err
		}
		r, err = s.featureRecord(ctx, customerID)
	}
	if err != nil {
		return Features{}, fmt.Errorf("customers: load features of customer %d: %w", customerID, err)
	}
	f := Features{Frequency: r.Frequency, Monetary: r.Monetary, AvgOrderValue: r.AvgOrderValue,
		BrowseSeconds: r.BrowseSeconds, EventCount: r.EventCount, TopCategories: parseTopCategories(r.TopCategories),
		FirstOrderAt: utcPtr(r.FirstOrderAt), LastOrderAt: utcPtr(r.LastOrderAt),
		LastActivityAt: utcPtr(r.LastActivityAt), LastEventAt: utcPtr(r.LastEventAt)}
	if f.LastOrderAt != nil {
		days := max(0, int(s.Now().Sub(*f.LastOrderAt)/(24*time.Hour)))
		f.RecencyDays = &days
	}
	return f, nil
}

func (s *Service) featureRecord(ctx context.Context, customerID int64) (featureRecord, error) {
	var r featureRecord
	err := s.DB.WithContext(ctx).Raw(`SELECT first_order_at, last_order_at, frequency, monetary, avg_order_value,
		browse_seconds, event_count, last_event_at, last_activity_at, top_categories
		FROM customer_features WHERE customer_id = ?`, customerID).Take(&r).Error
	return r, store.NotFound(err)
}

// RebuildFeatures recomputes customer_features for every customer in one transaction.
func (s *Service) RebuildFeatures(ctx context.Context) error {
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.WithContext(ctx).Exec(`DELETE FROM customer_features`).Error; err != nil {
			return err
		}
		return computeFeatures(ctx, tx, nil, s.now())
	})
	if err != nil {
		return fmt.Errorf("customers: rebuild features: %w", err)
	}
	return nil
}

// RefreshFeatures recomputes customer_features for the given customers only.
func (s *Service) RefreshFeatures(ctx context.Context, customerIDs []int64) error {
	if len(customerIDs) == 0 {
		return nil
	}
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		for _, part := range chunks(customerIDs, rowsPerInsert) {
			if err := tx.WithContext(ctx).Exec(`DELETE FROM customer_features WHERE customer_id IN ?`, part).Error; err != nil {
				return err
			}
			if err := computeFeatures(ctx, tx, part, s.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("customers: refresh features of %d customers: %w", len(customerIDs), err)
	}
	return nil
}

// computeFeatures inserts the feature rows of the given customers (all when ids is nil),
// whose old rows are already deleted, then fills in their top categories.
func computeFeatures(ctx context.Context, tx *gorm.DB, ids []int64, now time.Time) error {
	sub, where := "", ""
	args := []any{now}
	if ids != nil {
		sub, where = " WHERE customer_id IN ?", " WHERE c.id IN ?"
		args = append(args, ids, ids, ids)
	}
	// One row per customer, with zeros for those without orders or events. The order and
	// event aggregates are joined separately so neither multiplies the other's rows;
	// last_activity_at is the later of the last order and the last event.
	err := tx.WithContext(ctx).Exec(`INSERT INTO customer_features (customer_id, first_order_at, last_order_at,
		frequency, monetary, avg_order_value, browse_seconds, event_count, last_event_at, last_activity_at,
		top_categories, updated_at)
		SELECT c.id, o.first_at, o.last_at, COALESCE(o.orders, 0), COALESCE(o.spend, 0),
			CASE WHEN o.orders > 0 THEN o.spend / o.orders ELSE 0 END,
			COALESCE(e.browse, 0), COALESCE(e.events, 0), e.last_at,
			CASE WHEN o.last_at IS NULL THEN e.last_at
				WHEN e.last_at IS NULL OR o.last_at >= e.last_at THEN o.last_at
				ELSE e.last_at END,
			'', ?
		FROM customers c
		LEFT JOIN (SELECT customer_id, MIN(ordered_at) AS first_at, MAX(ordered_at) AS last_at,
				COUNT(DISTINCT order_id) AS orders, SUM(amount) AS spend
			FROM orders`+sub+` GROUP BY customer_id) o ON o.customer_id = c.id
		LEFT JOIN (SELECT customer_id, COUNT(*) AS events, MAX(occurred_at) AS last_at,
				SUM(CASE WHEN type = 'view' THEN value END) AS browse
			FROM events`+sub+` GROUP BY customer_id) e ON e.customer_id = c.id`+where, args...).Error
	if err != nil {
		return fmt.Errorf("compute features: %w", err)
	}
	top, err := topCategories(ctx, tx, ids)
	if err != nil {
		return err
	}
	rows := make([]any, 0, 3*len(top))
	for _, t := range top {
		rows = append(rows, t.customerID, t.text, now)
	}
	if _, err := insertRows(tx.WithContext(ctx), `INSERT INTO customer_features (customer_id, top_categories, updated_at)`,
		`ON CONFLICT (customer_id) DO UPDATE SET top_categories = excluded.top_categories`, 3, rows); err != nil {
		return fmt.Errorf("store top categories: %w", err)
	}
	return nil
}

// customerTop is the formatted top categories of one customer.
type customerTop struct {
	customerID int64
	text       string
}

// topCategories reads spend per customer and category and formats each customer's three
// largest shares, "Electronics:0.62,Books:0.20". The rows are read to the end before
// anything is written, as PostgreSQL cannot run a statement while a result is open.
func topCategories(ctx context.Context, tx *gorm.DB, ids []int64) ([]customerTop, error) {
	q := `SELECT o.customer_id, p.category, SUM(o.amount) FROM orders o JOIN products p ON p.id = o.product_id`
	var args []any
	if ids != nil {
		q += ` WHERE o.customer_id IN ?`
		args = append(args, ids)
	}
	rows, err := tx.WithContext(ctx).Raw(q+` GROUP BY o.customer_id, p.category ORDER BY o.customer_id`, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("sum spend by category: %w", err)
	}
	defer rows.Close()
	var out []customerTop
	var cur int64
	var spends []CategoryShare
	finish := func() {
		if text := formatTopCategories(spends); text != "" {
			out = append(out, customerTop{cur, text})
		}
		spends = spends[:0]
	}
	for rows.Next() {
		var id int64
		var cat string
		var spend float64
		if err := rows.Scan(&id, &cat, &spend); err != nil {
			return nil, fmt.Errorf("read spend by category: %w", err)
		}
		if id != cur && len(spends) > 0 {
			finish()
		}
		cur = id
		spends = append(spends, CategoryShare{Category: cat, Share: spend})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read spend by category: %w", err)
	}
	finish()
	return out, nil
}

var categoryCleaner = strings.NewReplacer(",", " ", ":", " ")

// formatTopCategories turns spend per category (in Share) into the stored text: the three
// largest shares of positive spend, ignoring products without a category.
func formatTopCategories(spends []CategoryShare) string {
	var total float64
	var kept []CategoryShare
	for _, s := range spends {
		if s.Share > 0 {
			total += s.Share
			if s.Category != "" {
				kept = append(kept, s)
			}
		}
	}
	if total <= 0 || len(kept) == 0 {
		return ""
	}
	slices.SortFunc(kept, func(a, b CategoryShare) int {
		if a.Share != b.Share {
			if a.Share > b.Share {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Category, b.Category)
	})
	parts := make([]string, 0, 3)
	for _, s := range kept[:min(3, len(kept))] {
		parts = append(parts, categoryCleaner.Replace(s.Category)+":"+strconv.FormatFloat(s.Share/total, 'f', 2, 64))
	}
	return strings.Join(parts, ",")
}

// parseTopCategories reads the stored text back; malformed parts are skipped.
func parseTopCategories(s string) []CategoryShare {
	var out []CategoryShare
	for _, part := range strings.Split(s, ",") {
		i := strings.LastIndexByte(part, ':')
		if i <= 0 {
			continue
		}
		share, err := strconv.ParseFloat(part[i+1:], 64)
		if err != nil {
			continue
		}
		out = append(out, CategoryShare{Category: part[:i], Share: share})
	}
	return out
}
