package recsys

import (
	"context"
	"fmt"
	"time"
)

// Progress hears where a training run has got to: the stage it is in and the share of
// the whole run done, from 0 to 1.
type Progress func(stage string, done float64)

// Train learns every model from the events and orders up to now, persists them (keeping
// the newest three per algorithm) and then swaps them in for serving; the previous models
// serve until then. progress may be nil.
func (s *Service) Train(ctx context.Context, progress Progress) (TrainStats, error) {
	if progress == nil {
		progress = func(string, float64) {}
	}
	s.trainMu.Lock()
	defer s.trainMu.Unlock()
	started := time.Now()
	// Microseconds: what PostgreSQL keeps, so the time reads back equal after Load.
	now := s.now().UTC().Truncate(time.Microsecond)
	progress("reading interactions", 0)
	s.forget.beginTraining()
	set, err := readTrainingSet(ctx, s.db, now)
	if err != nil {
		return TrainStats{}, err
	}
	cat, err := loadCatalog(ctx, s.db, set.productIDs)
	if err != nil {
		return TrainStats{}, err
	}
	snap := &snapshot{catalog: cat}
	steps := s.trainingSteps(set)
	for i, st := range steps {
		progress(st.stage, 0.1+0.8*float64(i)/float64(len(steps)))
		if err := ctx.Err(); err != nil {
			return TrainStats{}, fmt.Errorf("recsys: train: %w", err)
		}
		if err := st.run(ctx, snap); err != nil {
			return TrainStats{}, err
		}
	}
	for id, h := range set.histories {
		snap.histories.m.Store(id, h)
	}
	snap.stats = TrainStats{Algorithm: AlgoItemItem, Interactions: set.rows, Customers: set.customers,
		Items: len(set.productIDs), Duration: time.Since(started), TrainedAt: now}
	progress("saving", 0.9)
	if err := ctx.Err(); err != nil {
		return TrainStats{}, fmt.Errorf("recsys: train: %w", err)
	}
	if err := s.save(ctx, snap); err != nil {
		return TrainStats{}, err
	}
	s.endTraining(snap)
	progress("done", 1)
	return snap.stats, nil
}

// trainingStep builds one part of a snapshot.
type trainingStep struct {
	stage string
	run   func(ctx context.Context, snap *snapshot) error
}

// trainingSteps lists what a training run builds from set, in order.
func (s *Service) trainingSteps(set *trainingSet) []trainingStep {
	return []trainingStep{
		{"popularity", func(_ context.Context, snap *snapshot) error {
			snap.set(NewPopularity(set.recent, set.allTime))
			return nil
		}},
		{"item-to-item", func(_ context.Context, snap *snapshot) error {
			snap.set(BuildItemItem(len(set.productIDs), set.interactions, neighboursPerItem))
			return nil
		}},
		{"association rules", func(ctx context.Context, snap *snapshot) error {
			baskets, err := ReadBaskets(ctx, s.db, set.now)
			if err != nil {
				return err
			}
			rules, err := MineRules(denseBaskets(baskets, set.productIDs), len(set.productIDs), DefaultRuleOptions())
			if err != nil {
				return fmt.Errorf("recsys: mine rules: %w", err)
			}
			snap.set(NewRuleModel(rules))
			return nil
		}},
		{"popularity in segments", func(ctx context.Context, snap *snapshot) error {
			return s.learnSegments(ctx, snap, set)
		}},
	}
}
