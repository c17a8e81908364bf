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

	// Segments, when set, lists the saved segments whose popular products training
	// learns (popularity within a segment).
	Segments func(ctx context.Context) ([]SegmentMembers, error)

	trainMu sync.Mutex // one training at a time
	current atomic.Pointer[snapshot]
	forget  forgetter
}

// SegmentMembers is one saved segment and its customers.
type SegmentMembers struct {
	ID        int64
	Name      string
	Customers []int64
}

// snapshot is everything one training run produced. Only its history cache changes
// while it serves; RefreshCatalog replaces it with a copy holding new product details.
type snapshot struct {
	stats      TrainStats
	catalog    *catalog
	itemItem   *Neighbours
	popularity *Popularity
	// byName holds every servable model, item-to-item and popularity included.
	byName map[string]Model
	// segments holds popularity within each saved segment, by segment id.
	segments  map[int64]*segmentPopularity
	histories *histories // shared with the snapshots RefreshCatalog derives
	// extra holds persisted models that are not served by name (segment popularity).
	extra []Model
}

// segmentPopularity is what was popular among one segment's members.
type segmentPopularity struct {
	name       string
	popularity *Popularity
}

// models lists the models to persist, in a stable order.
func (s *snapshot) models() []Model {
	out := make([]Model, 0, len(s.byName))
	for _, name := range algorithmOrder {
		if m := s.byName[name]; m != nil {
			out = append(out, m)
		}
	}
	return append(out, s.extra...)
}

// set places a decoded model in its slot.
func (s *snapshot) set(m Model) {
	if s.byName == nil {
		s.byName = map[string]Model{}
	}
	switch m := m.(type) {
	case *segmentModel:
		s.segments = m.bySegment
		s.extra = append(s.extra, m)
		return
	}
	s.byName[m.Name()] = m
	switch m := m.(type) {
	case *Neighbours:
		s.itemItem = m
	case *Popularity:
		s.popularity = m
	}
}

// model resolves an algorithm name (AlgoBest or empty: the blend when trained, else
// item-to-item) to a serving model.
func (s *snapshot) model(name string) (string, Model, error) {
	if name == "" || name == AlgoBest {
		name = AlgoItemItem
		if s.byName[AlgoBlend] != nil {
			name = AlgoBlend
		}
	}
	m := s.byName[name]
	if m == nil {
		return "", nil, store.FieldErrors{"algorithm": fmt.Sprintf("unknown algorithm %q; use one of %v", name, s.Algorithms())}
	}
	return name, m, nil
}

// Algorithms lists the algorithms the snapshot serves, AlgoBest first.
func (s *snapshot) Algorithms() []string {
	out := []string{AlgoBest}
	for _, name := range algorithmOrder {
		if s.byName[name] != nil {
			out = append(out, name)
		}
	}
	return out
}

// Algorithms lists the algorithms a recommendation may ask for, AlgoBest first; nil
// before any training.
func (s *Service) Algorithms() []string {
	if snap := s.current.Load(); snap != nil {
		return snap.Algorithms()
	}
	return nil
}

// NewService returns an untrained service; now is the clock (time.Now when nil).
func NewService(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

// Load serves the newest persisted models; it returns false when none were ever trained.
func (s *Service) Load(ctx context.Context) (bool, error) {
	s.trainMu.Lock()
	defer s.trainMu.Unlock()
	snap, err := s.loadLatest(ctx)
	if err != nil || snap == nil {
		return false, err
	}
	s.forget.beginTraining()
	s.endTraining(snap)
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

// BlendWeights returns the serving blend's component weights by algorithm (those above
// zero), and false when no blend is trained.
func (s *Service) BlendWeights() (map[string]float64, bool) {
	snap := s.current.Load()
	if snap == nil {
		return nil, false
	}
	b, ok := snap.byName[AlgoBlend].(*Blend)
	if !ok {
		return nil, false
	}
	out := map[string]float64{}
	for i, w := range b.Weights() {
		if w > 0 {
			out[b.models[i].Name()] = w
		}
	}
	return out, true
}
