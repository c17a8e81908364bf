package recsys

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Serving reads a customer's history from memory. Training fills the cache for every
// customer it saw; a customer it did not see is read from the database once and then
// cached. Forget drops a customer whose behaviour changed (an event or order arrived
// through the API), so their next recommendations read it back, fresh, at once: no
// retraining is needed for new behaviour to count.

// history is what one customer did, over the model's products.
type history struct {
	items  []Interaction // one per product, dampened weight, ascending product, Customer -1
	bought []int32       // products bought (orders and purchase events), ascending
	carted []int32       // products added to a cart, ascending
}

// hasBought tells whether the customer bought product p.
func (h *history) hasBought(p int32) bool {
	_, ok := slices.BinarySearch(h.bought, p)
	return ok
}

// has tells whether product p is in the customer's history.
func (h *history) has(p int32) bool {
	_, ok := slices.BinarySearchFunc(h.items, p, func(x Interaction, p int32) int { return int(x.Product - p) })
	return ok
}

// hasCarted tells whether the customer added product p to a cart.
func (h *history) hasCarted(p int32) bool {
	_, ok := slices.BinarySearch(h.carted, p)
	return ok
}

// histories caches the histories of one snapshot, by customer id, and the lists served
// from them.
type histories struct {
	m   sync.Map // int64 → *history
	gen uint64   // bumped by every Forget; guarded by forgetter.mu
	// lists caches served lists by customer id (see lists.go); it is cleared whole when it
	// grows past maxCachedListBytes.
	lists     sync.Map     // int64 → *servedList
	listBytes atomic.Int64 // about what the cached lists hold (see countListBytes)
}

// forgetter serialises forgetting with caching, and tracks the customers whose behaviour
// changed while a training run read the database, so that the run's snapshot does not
// serve their stale histories.
type forgetter struct {
	mu       sync.Mutex
	training bool
	all      bool
	changed  map[int64]bool
	products bool // product details changed during the run (see RefreshCatalog)
}

// beginTraining starts tracking changes for a training run about to read the database.
func (f *forgetter) beginTraining() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.training, f.all, f.changed, f.products = true, false, nil, false
}

// endTraining drops from the new snapshot the customers that changed while it was built,
// then serves it. It tells whether product details changed meanwhile: the snapshot's
// catalogue may then be older than them.
func (s *Service) endTraining(snap *snapshot) (productsChanged bool) {
	s.forget.mu.Lock()
	defer s.forget.mu.Unlock()
	if s.forget.all {
		snap.histories.m.Clear()
		snap.histories.clearLists()
	}
	for id := range s.forget.changed {
		snap.histories.m.Delete(id)
		snap.histories.lists.Delete(id)
	}
	productsChanged = s.forget.products
	s.forget.training, s.forget.all, s.forget.changed, s.forget.products = false, false, nil, false
	s.current.Store(snap)
	return productsChanged
}

// Forget drops the cached histories of the given customers (all of them when ids is nil,
// as after a CSV import), so their next recommendations read their behaviour afresh.
func (s *Service) Forget(ids ...int64) {
	s.forget.mu.Lock()
	defer s.forget.mu.Unlock()
	snap := s.current.Load()
	if snap != nil {
		snap.histories.gen++
	}
	if ids == nil {
		if snap != nil {
			snap.histories.m.Clear()
			snap.histories.clearLists()
		}
		s.forget.all = s.forget.training
		return
	}
	for _, id := range ids {
		if snap != nil {
			snap.histories.m.Delete(id)
			snap.histories.lists.Delete(id)
		}
		if s.forget.training && !s.forget.all {
			if s.forget.changed == nil {
				s.forget.changed = map[int64]bool{}
			}
			s.forget.changed[id] = true
		}
	}
}

// history returns the customer's history over snap's products, from the cache or else
// from the database (then cached).
func (s *Service) history(ctx context.Context, snap *snapshot, customerID int64) (*history, error) {
	if h, ok := snap.histories.m.Load(customerID); ok {
		return h.(*history), nil
	}
	s.forget.mu.Lock()
	gen := snap.histories.gen
	s.forget.mu.Unlock()
	h, err := readHistory(ctx, s.db, snap.catalog, customerID)
	if err != nil {
		return nil, err
	}
	s.forget.mu.Lock()
	defer s.forget.mu.Unlock()
	if snap.histories.gen == gen { // nobody forgot anyone meanwhile: h is not stale
		snap.histories.m.Store(customerID, h)
	}
	return h, nil
}

// Warm fills the serving snapshot's history cache from the database as training does, so
// that after a restart (which loads the models but no histories) no request waits on the
// database. Histories already cached are kept, and customers forgotten while Warm reads
// are left to be read when asked for. It returns how many histories it added; it runs
// between training runs, not beside one.
func (s *Service) Warm(ctx context.Context) (int, error) {
	s.trainMu.Lock()
	defer s.trainMu.Unlock()
	snap := s.current.Load()
	if snap == nil {
		return 0, nil
	}
	s.forget.beginTraining()
	set, err := readTrainingSet(ctx, s.db, s.now())
	s.forget.mu.Lock()
	defer s.forget.mu.Unlock()
	all, changed := s.forget.all, s.forget.changed
	s.forget.training, s.forget.all, s.forget.changed, s.forget.products = false, false, nil, false
	if err != nil || all || s.current.Load() != snap {
		return 0, err
	}
	// The set numbers products its own way; the snapshot's catalogue is the one served.
	remap := make([]int32, len(set.productIDs))
	for i, id := range set.productIDs {
		remap[i] = snap.catalog.index(id)
	}
	added := 0
	for id, h := range set.histories {
		if changed[id] {
			continue
		}
		w := &history{items: make([]Interaction, 0, len(h.items)), bought: make([]int32, 0, len(h.bought))}
		for _, it := range h.items {
			if p := remap[it.Product]; p >= 0 {
				w.items = append(w.items, Interaction{Customer: -1, Product: p, Weight: it.Weight})
			}
		}
		for _, p := range h.bought {
			if q := remap[p]; q >= 0 {
				w.bought = append(w.bought, q)
			}
		}
		for _, p := range h.carted {
			if q := remap[p]; q >= 0 {
				w.carted = append(w.carted, q)
			}
		}
		slices.SortFunc(w.items, func(a, b Interaction) int { return int(a.Product - b.Product) })
		slices.Sort(w.bought)
		w.bought = slices.Compact(w.bought)
		slices.Sort(w.carted)
		w.carted = slices.Compact(w.carted)
		if _, loaded := snap.histories.m.LoadOrStore(id, w); !loaded {
			added++
		}
	}
	return added, nil
}
