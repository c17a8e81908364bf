package recsys

import (
	"context"
	"fmt"
	"slices"
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
	// One read of every interaction serves the models and the blend's validation split.
	// The shares of the bar follow a training at 10M interactions: reading a quarter,
	// building the models a third, tuning the blend the rest.
	rows, err := readEvalRows(ctx, s.db, func(done float64) { progress("reading interactions", 0.25*done) })
	if err != nil {
		return TrainStats{}, err
	}
	rows = slices.DeleteFunc(rows, func(r EvalRow) bool { return r.At.After(now) })
	set := trainingSetOf(rows, now)
	cat, err := loadCatalog(ctx, s.db, set.productIDs)
	if err != nil {
		return TrainStats{}, err
	}
	snap := &snapshot{catalog: cat, histories: &histories{}}
	d, err := s.productionData(ctx, set)
	if err != nil {
		return TrainStats{}, err
	}
	models, err := buildComponents(ctx, d, func(stage string, done float64) { progress(stage, 0.25+0.3*done) })
	if err != nil {
		return TrainStats{}, err
	}
	for _, m := range models {
		snap.set(m)
	}
	progress("tuning the blend", 0.55)
	tuning := func(_ string, done float64) { progress("tuning the blend", 0.55+0.4*done) }
	if err := s.trainBlend(ctx, snap, models, rows, tuning); err != nil {
		return TrainStats{}, err
	}
	progress("popularity in segments", 0.95)
	if err := s.learnSegments(ctx, snap, set); err != nil {
		return TrainStats{}, err
	}
	for id, h := range set.histories {
		snap.histories.m.Store(id, h)
	}
	snap.stats = TrainStats{Algorithm: AlgoItemItem, Interactions: set.rows, Customers: set.customers,
		Items: len(set.productIDs), Duration: time.Since(started), TrainedAt: now}
	progress("saving", 0.97)
	if err := ctx.Err(); err != nil {
		return TrainStats{}, fmt.Errorf("recsys: train: %w", err)
	}
	if err := s.save(ctx, snap); err != nil {
		return TrainStats{}, err
	}
	if s.endTraining(snap) {
		if err := s.RefreshCatalog(ctx); err != nil {
			return TrainStats{}, fmt.Errorf("recsys: train: products changed while training: %w", err)
		}
	}
	progress("done", 1)
	return snap.stats, nil
}

// productionData is the training set with the products' texts and the orders' baskets.
func (s *Service) productionData(ctx context.Context, set *trainingSet) (trainData, error) {
	texts, err := LoadProductTexts(ctx, s.db, set.productIDs)
	if err != nil {
		return trainData{}, err
	}
	baskets, err := ReadBaskets(ctx, s.db, set.now)
	if err != nil {
		return trainData{}, err
	}
	return trainData{nCustomers: set.customers, nProducts: len(set.productIDs), train: set.interactions,
		recent: set.recent, allTime: set.allTime, baskets: denseBaskets(baskets, set.productIDs), texts: texts}, nil
}

// trainBlend tunes the blend's weights on a validation split of the interactions the
// models learnt from (each customer's latest 20 % held out; components rebuilt on the
// rest) and blends the production models with them.
func (s *Service) trainBlend(ctx context.Context, snap *snapshot, models []Model, rows []EvalRow, progress Progress) error {
	val, err := SplitHoldout(rows, EvalOptions{Holdout: 0.2})
	if err != nil {
		return err
	}
	if len(val.Customers) == 0 {
		return nil // too little data to tune: "best" stays item-to-item
	}
	blend, err := tuneBlend(ctx, s.db, val, models, 10, progress)
	if err != nil {
		return err
	}
	snap.set(blend)
	return nil
}
