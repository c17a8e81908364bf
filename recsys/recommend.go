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
	// boughtSQL is every product a customer bought, by order or purchase event.
	boughtSQL = `SELECT product_id FROM orders WHERE customer_id = ?
		UNION SELECT product_id FROM events WHERE customer_id = ? AND type = 'purchase' AND product_id IS NOT NULL`
)

// Recommend returns up to o.N products for the customer from the algorithm o names (the
// tuned blend for AlgoBest), each with the reason it was chosen, after the business rules;
// a short list is topped up with what is popular (in o.Segment when set). The customer's
// history comes from memory (see history.go). Before any training it returns ErrNotTrained.
func (s *Service) Recommend(ctx context.Context, customerID int64, o Options) ([]Item, error) {
	l, _, err := s.served(ctx, customerID, o)
	if err != nil {
		return nil, err
	}
	return slices.Clone(l.items), nil
}

// RecommendEncoded is Recommend with the list in the form encode gives it (JSON for the
// API, say), under the name format. The encoded form is kept with the customer's cached
// list, so a client asking again the same way gets the same bytes without anything being
// scored or encoded; the caller must not modify them. encode must not keep or modify the
// items it is given.
func (s *Service) RecommendEncoded(ctx context.Context, customerID int64, o Options, format string, encode func([]Item) ([]byte, error)) ([]byte, error) {
	l, snap, err := s.served(ctx, customerID, o)
	if err != nil {
		return nil, err
	}
	return l.encode(snap.histories, format, encode)
}

// served returns the customer's list under o, and the snapshot that serves it: the cached
// list when it answers the same request, else a new one, cached unless the customer was
// forgotten meanwhile.
func (s *Service) served(ctx context.Context, customerID int64, o Options) (*servedList, *snapshot, error) {
	if err := checkCount(o.N); err != nil {
		return nil, nil, err
	}
	if err := o.Rules.Validate(); err != nil {
		return nil, nil, err
	}
	snap := s.current.Load()
	if snap == nil {
		return nil, nil, ErrNotTrained
	}
	name, m, err := snap.model(o.Algorithm)
	if err != nil {
		return nil, nil, err
	}
	key := listKey(name, o)
	if l, ok := snap.histories.cachedList(customerID, key); ok {
		return l, snap, nil
	}
	s.forget.mu.Lock()
	gen := snap.histories.gen
	s.forget.mu.Unlock()
	h, err := s.history(ctx, snap, customerID)
	if err != nil {
		return nil, nil, err
	}
	l := &servedList{key: key, items: snap.recommend(name, m, h, o)}
	s.forget.mu.Lock()
	snap.histories.storeList(customerID, gen, l)
	s.forget.mu.Unlock()
	return l, snap, nil
}

// recommend builds the list for history h from model m (named name) under o.
func (snap *snapshot) recommend(name string, m Model, h *history, o Options) []Item {
	f := newFilter(snap.catalog, h, o.Rules, o.N)
	items := make([]Item, 0, o.N)
	if name == AlgoPopularity {
		return snap.fillPopular(items, o.N, o.Segment, f)
	}
	for _, c := range m.Recommend(h.items, f.depth(o.N), f.skip) {
		if len(items) == o.N {
			break
		}
		if f.skip(c.Product) {
			continue
		}
		f.take(c.Product)
		algo := name
		if c.Source != "" {
			algo = c.Source
		}
		items = append(items, snap.catalog.item(c.Product, c.Score, snap.explain(name, c, h), algo))
	}
	return snap.fillPopular(items, o.N, o.Segment, f)
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
	f := newFilter(snap.catalog, nil, Rules{}, n)
	items := make([]Item, 0, n)
	if p := snap.catalog.index(productID); p >= 0 {
		f.take(p)
		reason := "Similar to " + snap.catalog.name(p)
		for _, nb := range snap.itemItem.Of(p) {
			if len(items) == n {
				break
			}
			if !f.skip(nb.Product) {
				f.take(nb.Product)
				items = append(items, snap.catalog.item(nb.Product, nb.Sim, reason, AlgoItemItem))
			}
		}
	}
	return snap.fillPopular(items, n, 0, f), nil
}

// fillPopular tops items up to n with popular products the filter lets through: popular
// within the segment first when one is given and known, then popular overall.
func (s *snapshot) fillPopular(items []Item, n int, segment int64, f *filter) []Item {
	if sp := s.segments[segment]; sp != nil && segment != 0 {
		reason := "Popular in " + sp.name
		items = s.fillFrom(items, n, sp.popularity, reason, f)
	}
	return s.fillFrom(items, n, s.popularity, reasonPopular, f)
}

// fillFrom appends popular products from p until items holds n.
func (s *snapshot) fillFrom(items []Item, n int, p *Popularity, reason string, f *filter) []Item {
	for len(items) < n {
		cands := p.Recommend(nil, f.depth(n-len(items)), f.skip)
		added := false
		for _, c := range cands {
			if len(items) == n {
				break
			}
			if f.skip(c.Product) {
				continue
			}
			f.take(c.Product)
			items = append(items, s.catalog.item(c.Product, c.Score, reason, AlgoPopularity))
			added = true
		}
		if !added {
			break
		}
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

// readHistory reads the customer's latest events and order lines (two indexed queries) and
// sums them per product like training does, keeping the maxHistory most recent products.
// What they bought is every product they ever bought, as in training: when either query
// reached its limit, older purchases are read too, so "not already bought" holds for the
// most active customers as well.
func readHistory(ctx context.Context, db *store.DB, cat *catalog, customerID int64) (*history, error) {
	h := &history{}
	var rows []rawRow
	limited := false
	for _, q := range []string{historyEventsSQL, historyOrdersSQL} {
		n := 0
		err := scanRows(ctx, db, q, []any{customerID, maxHistory}, func(_, productID int64, weight float32, at time.Time) {
			n++
			p := cat.index(productID)
			if p < 0 {
				return // a product the model does not know: it can neither score nor be proposed
			}
			switch weight {
			case purchaseWeight:
				h.bought = append(h.bought, p)
			case cartWeight:
				h.carted = append(h.carted, p)
			}
			rows = append(rows, rawRow{product: p, weight: weight, at: at.UnixMicro()})
		})
		if err != nil {
			return nil, fmt.Errorf("recsys: read history of customer %d: %w", customerID, err)
		}
		limited = limited || n >= maxHistory
	}
	if limited {
		var ids []int64
		if err := db.WithContext(ctx).Raw(boughtSQL, customerID, customerID).Scan(&ids).Error; err != nil {
			return nil, fmt.Errorf("recsys: read purchases of customer %d: %w", customerID, err)
		}
		for _, id := range ids {
			if p := cat.index(id); p >= 0 {
				h.bought = append(h.bought, p)
			}
		}
	}
	slices.Sort(h.bought)
	h.bought = slices.Compact(h.bought)
	slices.Sort(h.carted)
	h.carted = slices.Compact(h.carted)
	pairs := mostRecent(sumPerProduct(rows, nil), maxHistory)
	slices.SortFunc(pairs, func(a, b rawRow) int { return int(a.product - b.product) })
	h.items = make([]Interaction, len(pairs))
	for i, p := range pairs {
		h.items[i] = Interaction{Customer: -1, Product: p.product, Weight: float32(math.Log1p(float64(p.weight)))}
	}
	return h, nil
}
