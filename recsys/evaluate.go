package recsys

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/persona-app/persona/store"
)

// evalSeed seeds the random baseline, so the table is the same from run to run.
const evalSeed = 42

// evaluationKey is the settings row holding the latest evaluation report.
const evaluationKey = "recsys.evaluation"

// EvalReport is one offline evaluation of every algorithm against the random and
// popularity baselines, as `persona recsys eval` prints it and the recommender page shows it.
type EvalReport struct {
	K              int           `json:"k"`
	Holdout        float64       `json:"holdout"`
	MinValue       *float64      `json:"min_value"`
	Interactions   int           `json:"interactions"`
	Products       int           `json:"products"`
	TrainCustomers int           `json:"train_customers"`
	Results        []Metrics     `json:"results"`
	EvaluatedAt    time.Time     `json:"evaluated_at"`
	Duration       time.Duration `json:"duration_ns"`
}

// Evaluate runs the offline evaluation protocol (see EvalOptions and Evaluate) over the
// whole database at k, for every algorithm, stores the report as the latest and returns
// it. progress may be nil.
func (s *Service) Evaluate(ctx context.Context, opts EvalOptions, k int, progress Progress) (EvalReport, error) {
	if progress == nil {
		progress = func(string, float64) {}
	}
	if k < 1 || k > maxResults {
		return EvalReport{}, store.FieldErrors{"k": fmt.Sprintf("must be between 1 and %d", maxResults)}
	}
	started := time.Now()
	progress("reading interactions", 0)
	rows, err := readEvalRows(ctx, s.db, func(done float64) { progress("reading interactions", 0.2*done) })
	if err != nil {
		return EvalReport{}, err
	}
	split, err := SplitHoldout(rows, opts)
	if err != nil {
		return EvalReport{}, err
	}
	rep := EvalReport{K: k, Holdout: opts.Holdout, MinValue: opts.MinValue, Interactions: len(rows),
		Products: len(split.Products), TrainCustomers: split.TrainCustomers,
		EvaluatedAt: s.now().UTC().Truncate(time.Second)}
	rep.Results = append(rep.Results, Evaluate(split, NewRandom(len(split.Products), evalSeed), k))
	d, err := splitData(ctx, s.db, split)
	if err != nil {
		return EvalReport{}, err
	}
	models, err := buildComponents(ctx, d, func(stage string, done float64) { progress(stage, 0.2+0.3*done) })
	if err != nil {
		return EvalReport{}, err
	}
	// Both baselines first, then the algorithms in the order they are built.
	for _, baseline := range []bool{true, false} {
		for _, m := range models {
			if (m.Name() == AlgoPopularity) == baseline {
				rep.Results = append(rep.Results, Evaluate(split, m, k))
			}
		}
	}
	progress("tuning the blend", 0.5)
	val, err := ValidationSplit(rows, opts)
	if err != nil {
		return EvalReport{}, err
	}
	blend, err := tuneBlend(ctx, s.db, val, models, k, func(_ string, done float64) { progress("tuning the blend", 0.5+0.4*done) })
	if err != nil {
		return EvalReport{}, err
	}
	progress("evaluating the blend", 0.9)
	rep.Results = append(rep.Results, Evaluate(split, blend, k))
	rep.Duration = time.Since(started)
	data, err := json.Marshal(rep)
	if err != nil {
		return EvalReport{}, fmt.Errorf("recsys: encode evaluation: %w", err)
	}
	if err := s.db.WithContext(ctx).Exec(`INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, evaluationKey, string(data)).Error; err != nil {
		return EvalReport{}, fmt.Errorf("recsys: save evaluation: %w", err)
	}
	progress("done", 1)
	return rep, nil
}

// LatestEvaluation returns the latest stored evaluation, and false when there is none.
func (s *Service) LatestEvaluation(ctx context.Context) (EvalReport, bool, error) {
	var values []string
	if err := s.db.WithContext(ctx).Raw(`SELECT value FROM settings WHERE key = ?`, evaluationKey).Scan(&values).Error; err != nil {
		return EvalReport{}, false, fmt.Errorf("recsys: read evaluation: %w", err)
	}
	if len(values) == 0 {
		return EvalReport{}, false, nil
	}
	var rep EvalReport
	if err := json.Unmarshal([]byte(values[0]), &rep); err != nil {
		return EvalReport{}, false, fmt.Errorf("recsys: decode evaluation: %w", err)
	}
	return rep, true, nil
}
