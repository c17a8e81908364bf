package recsys

import (
	"context"
	"fmt"
	"slices"

	"github.com/persona-app/persona/store"
)

// catalog maps the dense product indices of a model to product ids (ascending, so ties
// broken by lower index are broken by lower id) and caches the details shown with each
// recommendation, so serving needs no product query.
type catalog struct {
	ids      []int64
	products []product
}

// product is what a recommendation shows about a product. A product deleted since training
// is not present and is never recommended; neither is one out of stock.
type product struct {
	ExternalID, Name, Category string
	Price                      float64
	Currency, ImageURL, URL    string
	InStock, present           bool
}

// index returns the dense index of product id, or -1.
func (c *catalog) index(id int64) int32 {
	if i, ok := slices.BinarySearch(c.ids, id); ok {
		return int32(i)
	}
	return -1
}

// available tells whether product p may be recommended.
func (c *catalog) available(p int32) bool {
	return c.products[p].present && c.products[p].InStock
}

// item builds the caller's view of product p.
func (c *catalog) item(p int32, score float32, reason, algorithm string) Item {
	d := c.products[p]
	return Item{
		ProductID: c.ids[p], ExternalID: d.ExternalID, Name: d.Name, Category: d.Category,
		Price: d.Price, Currency: d.Currency, ImageURL: d.ImageURL, URL: d.URL,
		Score: float64(score), Reason: reason, Algorithm: algorithm,
	}
}

// loadCatalog reads the details of the given product ids (ascending) in one streamed scan;
// ids missing from the table stay absent.
func loadCatalog(ctx context.Context, db *store.DB, ids []int64) (*catalog, error) {
	c := &catalog{ids: ids, products: make([]product, len(ids))}
	if len(ids) == 0 {
		return c, nil
	}
	// One scan of the id range beats an IN list of thousands of ids on both databases.
	rows, err := db.WithContext(ctx).Raw(`SELECT id, external_id, name, category, price, currency,
		image_url, url, in_stock FROM products WHERE id BETWEEN ? AND ? ORDER BY id`,
		ids[0], ids[len(ids)-1]).Rows()
	if err != nil {
		return nil, fmt.Errorf("recsys: load products: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var d product
		if err := rows.Scan(&id, &d.ExternalID, &d.Name, &d.Category, &d.Price, &d.Currency,
			&d.ImageURL, &d.URL, &d.InStock); err != nil {
			return nil, fmt.Errorf("recsys: read product: %w", err)
		}
		if p := c.index(id); p >= 0 {
			d.present = true
			c.products[p] = d
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recsys: read products: %w", err)
	}
	return c, nil
}

// RefreshCatalog reads the served products' details again (name, category, price, stock
// and so on), so that the business rules and what a recommendation shows follow a product
// import or update at once, without retraining. Cached lists are dropped. Products the
// models do not know stay unknown until the next training. A training run under way when
// details change refreshes its own snapshot as it comes into service.
func (s *Service) RefreshCatalog(ctx context.Context) error {
	s.forget.mu.Lock()
	if s.forget.training {
		s.forget.products = true
	}
	s.forget.mu.Unlock()
	for {
		snap := s.current.Load()
		if snap == nil {
			return nil
		}
		cat, err := loadCatalog(ctx, s.db, snap.catalog.ids)
		if err != nil {
			return err
		}
		s.forget.mu.Lock()
		if s.current.Load() != snap { // another snapshot came in meanwhile: read for it
			s.forget.mu.Unlock()
			continue
		}
		next := *snap // the models and the history cache are shared
		next.catalog = cat
		s.current.Store(&next)
		snap.histories.gen++ // a list being computed from the old details is not cached
		snap.histories.clearLists()
		s.forget.mu.Unlock()
		return nil
	}
}
