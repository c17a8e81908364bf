package campaigns

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// attributionBatch is how many clicking customers Attribute handles per round.
const attributionBatch = 500

type clickRow struct {
	ID         int64
	DeliveryID int64
	CampaignID int64
	CustomerID int64
	ClickedAt  time.Time
}

type orderLine struct {
	OrderID    string
	CustomerID int64
	OrderedAt  time.Time
	Amount     float64
}

// conversion is one order credited to the click that led to it.
type conversion struct {
	orderID   string
	customer  int64
	click     clickRow
	revenue   float64
	orderedAt time.Time
}

// Attribute credits every order not yet attributed to the latest click of the same customer
// at or before the order, when the order came within AttributionWindow of that click. It
// returns how many conversions it recorded; running it again records nothing new. Only
// customers who clicked are read, a batch of them at a time; the time arithmetic is done
// in Go so the SQL stays portable.
func (s *Service) Attribute(ctx context.Context) (int, error) {
	g := s.db.WithContext(ctx)
	total := 0
	var after int64
	for {
		var customers []int64
		if err := g.Raw(`SELECT DISTINCT customer_id FROM clicks WHERE customer_id > ? ORDER BY customer_id LIMIT ?`,
			after, attributionBatch).Scan(&customers).Error; err != nil {
			return total, fmt.Errorf("campaigns: attribute: list clicking customers: %w", err)
		}
		if len(customers) == 0 {
			return total, nil
		}
		after = customers[len(customers)-1]
		n, err := s.attributeCustomers(ctx, customers)
		total += n
		if err != nil {
			return total, err
		}
	}
}

// attributeCustomers attributes the open orders of a batch of customers who clicked.
func (s *Service) attributeCustomers(ctx context.Context, customers []int64) (int, error) {
	g := s.db.WithContext(ctx)
	in := store.Placeholders(len(customers))
	var clicks []clickRow
	if err := g.Raw(`SELECT id, delivery_id, campaign_id, customer_id, clicked_at FROM clicks
		WHERE customer_id IN (`+in+`) ORDER BY customer_id, clicked_at, id`, int64sToAny(customers)...).Scan(&clicks).Error; err != nil {
		return 0, fmt.Errorf("campaigns: attribute: load clicks: %w", err)
	}
	if len(clicks) == 0 {
		return 0, nil
	}
	byCustomer := map[int64][]clickRow{}
	first, last := clicks[0].ClickedAt, clicks[0].ClickedAt
	for _, c := range clicks {
		c.ClickedAt = c.ClickedAt.UTC()
		byCustomer[c.CustomerID] = append(byCustomer[c.CustomerID], c)
		if c.ClickedAt.Before(first) {
			first = c.ClickedAt
		}
		if c.ClickedAt.After(last) {
			last = c.ClickedAt
		}
	}
	var lines []orderLine
	args := append(int64sToAny(customers), first.UTC(), last.UTC().Add(s.opts.AttributionWindow))
	if err := g.Raw(`SELECT o.order_id, o.customer_id, o.ordered_at, o.amount FROM orders o
		WHERE o.customer_id IN (`+in+`) AND o.ordered_at >= ? AND o.ordered_at <= ?
		AND NOT EXISTS (SELECT 1 FROM conversions v WHERE v.order_id = o.order_id)
		ORDER BY o.order_id`, args...).Scan(&lines).Error; err != nil {
		return 0, fmt.Errorf("campaigns: attribute: load orders: %w", err)
	}
	var found []conversion
	for i := 0; i < len(lines); {
		j, revenue := i, 0.0
		for ; j < len(lines) && lines[j].OrderID == lines[i].OrderID; j++ {
			revenue += lines[j].Amount
		}
		o := lines[i]
		if click, ok := latestClickBefore(byCustomer[o.CustomerID], o.OrderedAt.UTC(), s.opts.AttributionWindow); ok {
			found = append(found, conversion{orderID: o.OrderID, customer: o.CustomerID, click: click,
				revenue: revenue, orderedAt: o.OrderedAt.UTC()})
		}
		i = j
	}
	return s.insertConversions(ctx, found)
}

// latestClickBefore finds the last click at or before t, if t is within window of it.
// clicks are sorted by time.
func latestClickBefore(clicks []clickRow, t time.Time, window time.Duration) (clickRow, bool) {
	i := sort.Search(len(clicks), func(i int) bool { return clicks[i].ClickedAt.After(t) })
	if i == 0 {
		return clickRow{}, false
	}
	c := clicks[i-1]
	return c, t.Sub(c.ClickedAt) <= window
}

// insertConversions writes conversions 500 rows per statement; an order attributed
// meanwhile by another caller is left alone.
func (s *Service) insertConversions(ctx context.Context, found []conversion) (int, error) {
	now := s.now()
	total := 0
	for len(found) > 0 {
		chunk := found[:min(len(found), 500)]
		found = found[len(chunk):]
		rows := make([]string, len(chunk))
		args := make([]any, 0, 8*len(chunk))
		for i, c := range chunk {
			rows[i] = "(?, ?, ?, ?, ?, ?, ?, ?)"
			args = append(args, c.orderID, c.customer, c.click.DeliveryID, c.click.CampaignID, c.click.ID,
				c.revenue, c.orderedAt, now)
		}
		res := s.db.WithContext(ctx).Exec(`INSERT INTO conversions (order_id, customer_id, delivery_id, campaign_id,
			click_id, revenue, ordered_at, created_at) VALUES `+strings.Join(rows, ", ")+`
			ON CONFLICT (order_id) DO NOTHING`, args...)
		if res.Error != nil {
			return total, fmt.Errorf("campaigns: attribute: insert conversions: %w", res.Error)
		}
		total += int(res.RowsAffected)
	}
	return total, nil
}
