package recsys

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/persona-app/persona/store"
)

// Service trains the recommenders, persists them, and serves recommendations from the
// model in memory. It is safe for concurrent use: a training run builds a new model while
// the old one keeps serving, then swaps it in at once.
type Service struct {
	db  *store.DB
	now func() time.Time

	trainMu sync.Mutex // one training at a time
	current atomic.Pointer[snapshot]
}

// snapshot is everything one training run produced; it is never modified once serving.
type snapshot struct {
	stats      TrainStats
	catalog    *catalog
	itemItem   *Neighbours
	popularity *Popularity
}

// models lists the models to persist.
func (s *snapshot) models() []Model { return []Model{s.itemItem, s.popularity} }

// set places a decoded model in its slot.
func (s *snapshot) set(m Model) {
	switch m := m.(type) {
	case *Neighbours:
		s.itemItem = m
	case *Popularity:
		s.popularity = m
	}
}

// NewService returns an untrained service; now is the clock (time.Now when nil).
func NewService(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// Train learns from the events and orders up to now, persists the models (keeping the
// newest three per algorithm) and then swaps them in for serving.
func (s *Service) Train(ctx context.Context) (TrainStats, error) {
	s.trainMu.Lock()
	defer s.trainMu.Unlock()
	started := time.Now()
	// Microseconds: what PostgreSQL keeps, so the time reads back equal after Load.
	now := s.now().UTC().Truncate(time.Microsecond)
	set, err := readTrainingSet(ctx, s.db, now)
	if err != nil {
		return TrainStats{}, err
	}
	cat, err := loadCatalog(ctx, s.db, set.productIDs)
	if err != nil {
		return TrainStats{}, err
	}
	snap := &snapshot{
		catalog:    cat,
		itemItem:   BuildItemItem(len(set.productIDs), set.interactions, neighboursPerItem),
		popularity: NewPopularity(set.recent, set.allTime),
	}
	snap.stats = TrainStats{Algorithm: AlgoItemItem, Interactions: set.rows, Customers: set.customers,
		Items: len(set.productIDs), Duration: time.Since(started), TrainedAt: now}
	if err := ctx.Err(); err != nil {
		return TrainStats{}, fmt.Errorf("recsys: train: %w", err)
	}
	if err := s.save(ctx, snap); err != nil {
		return TrainStats{}, err
	}
	s.current.Store(snap)
	return snap.stats, nil
}

// Load serves the newest persisted models; it returns false when none were ever trained.
func (s *Service) Load(ctx context.Context) (bool, error) {
	s.trainMu.Lock()
	defer s.trainMu.Unlock()
	snap, err := s.loadLatest(ctx)
	if err != nil || snap == nil {
		return false, err
	}
	s.current.Store(snap)
	return true, nil
}

// Status returns the stats of the serving model, and false when there is none yet.
func (s *Service) Status() (TrainStats, bool) {
	snap := s.current.Load()
	if snap == nil {
		return TrainStats{}, false
	}
	return snap.stats, true
}
