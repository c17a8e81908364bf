package customers

import (
	"context"
	"fmt"
	"time"

	"github.com/persona-app/persona/store"
)

// TimelineEntry is one order line or event in a customer's history.
type TimelineEntry struct {
	At time.Time
	// Kind is the event type, or "order" for an order line.
	Kind        string
	ProductID   int64
	ProductName string
	Category    string
	// Value is the event's value, when it has one.
	Value *float64
	// Amount and OrderID are set for order lines.
	Amount  float64
	OrderID string
}

// timelineRecord is an order line or event as scanned.
type timelineRecord struct {
	At          time.Time `gorm:"column:at"`
	Kind        string    `gorm:"column:kind"`
	ProductID   int64     `gorm:"column:product_id"`
	ProductName string    `gorm:"column:product_name"`
	Category    string    `gorm:"column:category"`
	Value       *float64  `gorm:"column:value"`
	Amount      float64   `gorm:"column:amount"`
	OrderID     string    `gorm:"column:order_id"`
}

// Timeline returns a customer's latest order lines and events, newest first, at most limit
// (default 50, at most 1000). At the same instant an order line comes before an event.
func (s *Service) Timeline(ctx context.Context, customerID int64, limit int) ([]TimelineEntry, error) {
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	g := s.DB.WithContext(ctx)
	// Each side is limited on its own, then the two newest-first lists are merged.
	var orders, events []timelineRecord
	err := g.Raw(`SELECT o.ordered_at AS at, 'order' AS kind, o.product_id, p.name AS product_name, p.category,
		o.amount, o.order_id
		FROM orders o JOIN products p ON p.id = o.product_id
		WHERE o.customer_id = ? ORDER BY o.ordered_at DESC, o.id DESC LIMIT ?`, customerID, limit).Scan(&orders).Error
	if err != nil {
		return nil, fmt.Errorf("customers: load orders of customer %d: %w", customerID, err)
	}
	err = g.Raw(`SELECT e.occurred_at AS at, e.type AS kind, COALESCE(e.product_id, 0) AS product_id,
		COALESCE(p.name, '') AS product_name, COALESCE(p.category, '') AS category, e.value
		FROM events e LEFT JOIN products p ON p.id = e.product_id
		WHERE e.customer_id = ? ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?`, customerID, limit).Scan(&events).Error
	if err != nil {
		return nil, fmt.Errorf("customers: load events of customer %d: %w", customerID, err)
	}
	out := make([]TimelineEntry, 0, min(limit, len(orders)+len(events)))
	for len(out) < limit && (len(orders) > 0 || len(events) > 0) {
		var r timelineRecord
		if len(events) == 0 || (len(orders) > 0 && !orders[0].At.Before(events[0].At)) {
			r, orders = orders[0], orders[1:]
		} else {
			r, events = events[0], events[1:]
		}
		out = append(out, TimelineEntry{At: r.At.UTC(), Kind: r.Kind, ProductID: r.ProductID,
			ProductName: r.ProductName, Category: r.Category, Value: r.Value, Amount: r.Amount, OrderID: r.OrderID})
	}
	return out, nil
}

// SetUnsubscribed records that a customer unsubscribed at the given time; a zero time
// clears it (the customer subscribed again).
func (s *Service) SetUnsubscribed(ctx context.Context, customerID int64, at time.Time) error {
	var v any
	if !at.IsZero() {
		v = at.UTC().Truncate(time.Second)
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE customers SET unsubscribed_at = ?, updated_at = ? WHERE id = ?`,
		v, s.now(), customerID)
	if res.Error != nil {
		return fmt.Errorf("customers: unsubscribe customer %d: %w", customerID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("customers: unsubscribe customer %d: %w", customerID, store.ErrNotFound)
	}
	return nil
}
