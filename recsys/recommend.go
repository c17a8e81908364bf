package recsys

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/persona-app/persona/store"
)

// A customer's history: their latest rows of each kind, read through the customer indexes.
const (
	historyEventsSQL = `SELECT customer_id, product_id, ` + eventWeightSQL + `, occurred_at
		FROM events WHERE customer_id = ? AND type IN ('view', 'cart', 'purchase') AND product_id IS NOT NULL
		ORDER BY occurred_at DESC LIMIT ?`
	historyOrdersSQL = `SELECT customer_id, product_id, 5, ordered_at FROM orders
		WHERE customer_id = ? ORDER BY ordered_at DESC LIMIT ?`
)

// Reasons shown with recommendations.
const (
	reasonPopular = "Popular right now"
	reasonDefault = "Recommended for you"
)

// Recommend returns up to n products for the customer: item-to-item scores over what they
// viewed, carted and bought, then the most popular products; never a product they bought,
// nor one out of stock. Before any training it returns ErrNotTrained.
func (s *Service) Recommend(ctx context.Context, customerID int64, n int) ([]Item, error) {
	if err := checkCount(n); err != nil {
		return nil, err
	}
	snap := s.current.Load()
	if snap == nil {
		return nil, ErrNotTrained
	}
	h, err := readHistory(ctx, s.db, snap.catalog, customerID)
	if err != nil {
		return nil, err
	}
	chosen := make(map[int32]bool, n)
	skip := func(p int32) bool { return h.bought[p] || chosen[p] || !snap.catalog.available(p) }
	items := make([]Item, 0, n)
	for _, c := range snap.itemItem.Recommend(h.items, n, skip) {
		chosen[c.Product] = true
		items = append(items, snap.catalog.item(c.Product, c.Score, h.reason(snap.catalog, c.Because), AlgoItemItem))
	}
	return snap.fillPopular(items, n, skip, chosen), nil
}

// Similar returns up to n products similar to productID (customers who wanted one wanted
// the other), then the most popular products; never the product itself, nor one out of
// stock. A product unknown to the model gets popular products only.
func (s *Service) Similar(_ context.Context, productID int64, n int) ([]Item, error) {
	if err := checkCount(n); err != nil {
		return nil, err
	}
	snap := s.current.Load()
	if snap == nil {
		return nil, ErrNotTrained
	}
	chosen := make(map[int32]bool, n+1)
	skip := func(p int32) bool { return chosen[p] || !snap.catalog.available(p) }
	items := make([]Item, 0, n)
	if p := snap.catalog.index(productID); p >= 0 {
		chosen[p] = true
		reason := "Similar to " + snap.catalog.name(p)
		for _, nb := range snap.itemItem.Of(p) {
			if len(items) == n {
				break
			}
			if !skip(nb.Product) {
				chosen[nb.Product] = true
				items = append(items, snap.catalog.item(nb.Product, nb.Sim, reason, AlgoItemItem))
			}
		}
	}
	return snap.fillPopular(items, n, skip, chosen), nil
}

// fillPopular tops items up to n with popular products not skipped.
func (s *snapshot) fillPopular(items []Item, n int, skip func(int32) bool, chosen map[int32]bool) []Item {
	for _, c := range s.popularity.Recommend(nil, n-len(items), skip) {
		chosen[c.Product] = true
		items = append(items, s.catalog.item(c.Product, c.Score, reasonPopular, AlgoPopularity))
	}
	return items
}

// checkCount rejects a number of recommendations outside 1..maxResults.
func checkCount(n int) error {
	if n < 1 || n > maxResults {
		return store.FieldErrors{"n": fmt.Sprintf("must be between 1 and %d", maxResults)}
	}
	return nil
}

// history is what one customer did, over the model's products.
type history struct {
	items  []Interaction // one per product, dampened weight, ascending product
	bought map[int32]bool
}

// reason names the history product behind a recommendation.
func (h *history) reason(c *catalog, because int32) string {
	if because < 0 || !c.products[because].present {
		return reasonDefault
	}
	if h.bought[because] {
		return "Because you bought " + c.name(because)
	}
	return "Because you viewed " + c.name(because)
}

// name is a product's name, or its external id when it has none.
func (c *catalog) name(p int32) string {
	if c.products[p].Name != "" {
		return c.products[p].Name
	}
	return c.products[p].ExternalID
}

// readHistory reads the customer's latest events and order lines (two indexed queries) and
// sums them per product like training does, keeping the maxHistory most recent products.
func readHistory(ctx context.Context, db *store.DB, cat *catalog, customerID int64) (*history, error) {
	h := &history{bought: map[int32]bool{}}
	var rows []rawRow
	for _, q := range []string{historyEventsSQL, historyOrdersSQL} {
		err := scanRows(ctx, db, q, []any{customerID, maxHistory}, func(_, productID int64, weight float32, at time.Time) {
			p := cat.index(productID)
			if p < 0 {
				return // a product the model does not know: it can neither score nor be proposed
			}
			if weight == purchaseWeight {
				h.bought[p] = true
			}
			rows = append(rows, rawRow{product: p, weight: weight, at: at.UnixMicro()})
		})
		if err != nil {
			return nil, fmt.Errorf("recsys: read history of customer %d: %w", customerID, err)
		}
	}
	pairs := mostRecent(sumPerProduct(rows, nil), maxHistory)
	slices.SortFunc(pairs, func(a, b rawRow) int { return int(a.product - b.product) })
	h.items = make([]Interaction, len(pairs))
	for i, p := range pairs {
		h.items[i] = Interaction{Customer: -1, Product: p.product, Weight: float32(math.Log1p(float64(p.weight)))}
	}
	return h, nil
}
