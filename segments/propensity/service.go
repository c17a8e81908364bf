// Package propensity predicts the probability that a customer buys in the next N days: an
// L2-penalised logistic regression over point-in-time features of orders and events,
// trained on an old cut and tested on a later one with other customers (see train.go), then
// used to score every customer as of now with the features that drive each score. It owns
// propensity_models and propensity_scores; it only reads customers, orders and events.
package propensity

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/persona-app/persona/store"
)

// Service trains the propensity model and serves its scores.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// Defaults and limits of Options.
const (
	DefaultHorizonDays = 30
	DefaultLambda      = 1.0
	MaxHorizonDays     = 365
)

// Options tune a training run.
type Options struct {
	// HorizonDays is N in "buys in the next N days"; 0 means DefaultHorizonDays.
	HorizonDays int
	// Lambda is the L2 penalty on the weights of the standardised features (the intercept is
	// not penalised); 0 means DefaultLambda, so pass a tiny value for almost none.
	Lambda float64
	// Export, when set, receives the exact training and test matrices as CSV (see writeMatrices).
	Export io.Writer
}

func (o Options) withDefaults() (Options, error) {
	if o.HorizonDays == 0 {
		o.HorizonDays = DefaultHorizonDays
	}
	if o.Lambda == 0 {
		o.Lambda = DefaultLambda
	}
	fe := store.FieldErrors{}
	if o.HorizonDays < 1 || o.HorizonDays > MaxHorizonDays {
		fe.Add("horizon_days", fmt.Sprintf("must be between 1 and %d", MaxHorizonDays))
	}
	if !(o.Lambda > 0) || math.IsInf(o.Lambda, 1) {
		fe.Add("lambda", "must be a positive number")
	}
	return o, fe.Err()
}

// Coefficient is the weight of one standardised feature.
type Coefficient struct {
	Feature string  `json:"feature"`
	Weight  float64 `json:"weight"`
}

// Report is a trained model's protocol and figures, all measured on the test customers at
// the test cut.
type Report struct {
	ModelID     int64     `json:"model_id"`
	TrainedAt   time.Time `json:"trained_at"`
	HorizonDays int       `json:"horizon_days"`
	Lambda      float64   `json:"lambda"`
	// TrainCut is the latest training cut, T1; TrainCuts lists every stacked cut, T1 first.
	TrainCut  time.Time   `json:"train_cut"`
	TrainCuts []time.Time `json:"train_cuts"`
	// HistoryDays is how many days of orders precede TrainCut; under 90 the longest
	// behaviour window is cut short at training time.
	HistoryDays    float64   `json:"history_days"`
	TestCut        time.Time `json:"test_cut"`
	TrainN         int       `json:"train_n"`
	TestN          int       `json:"test_n"`
	TrainPositives int       `json:"train_positives"`
	TestPositives  int       `json:"test_positives"`
	// BaseRate is the share of test customers who bought.
	BaseRate          float64       `json:"base_rate"`
	AUC               float64       `json:"auc"`
	LogLoss           float64       `json:"log_loss"`
	Calibration       []Bin         `json:"calibration"`
	TopDecileLift     float64       `json:"top_decile_lift"`
	BestSingleFeature FeatureAUC    `json:"best_single_feature"`
	Intercept         float64       `json:"intercept"`
	Coefficients      []Coefficient `json:"coefficients"`
	Iterations        int           `json:"iterations"`
	Converged         bool          `json:"converged"`
	// Scored is how many customers got a score as of TrainedAt.
	Scored int `json:"scored"`
	// Duration is the time taken to build the features, fit, measure and score (storing
	// the scores is not included).
	Duration time.Duration `json:"duration_ns"`
}

// CustomerScore is one customer's probability of buying within HorizonDays of ScoredAt and
// the features that drive it most.
type CustomerScore struct {
	Score       float64   `json:"score"`
	Drivers     []Driver  `json:"drivers"`
	HorizonDays int       `json:"horizon_days"`
	ScoredAt    time.Time `json:"scored_at"`
	ModelID     int64     `json:"model_id"`
}

// Train fits a model by the protocol in train.go, measures it on the test customers, scores
// every customer as of now and stores the model and the scores (replacing the old scores)
// in one transaction. Bad options give store.FieldErrors; too little history gives an error
// wrapping ErrNotEnoughData.
func (s *Service) Train(ctx context.Context, opts Options) (Report, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Report{}, err
	}
	start := time.Now()
	// PostgreSQL keeps microseconds: truncate so the stored times equal the reported ones.
	now := s.now().UTC().Truncate(time.Microsecond)
	p, err := prepare(ctx, s.DB.DB, now, opts.HorizonDays)
	if err != nil {
		return Report{}, err
	}
	f, err := fitLogistic(p.train.design(), p.train.y, opts.Lambda)
	if err != nil {
		return Report{}, fmt.Errorf("propensity: fit on %d customers: %w", len(p.train.y), err)
	}
	m := model{Version: modelVersion, HorizonDays: opts.HorizonDays, Lambda: opts.Lambda, Features: FeatureNames(),
		Mean: p.scale.Mean[:], Std: p.scale.Std[:], Intercept: f.intercept, Weights: f.weights}
	rep := evaluate(p, m)
	rep.TrainedAt, rep.Iterations, rep.Converged = now, f.iterations, f.converged
	if rep.HistoryDays, err = historyDays(ctx, s.DB.DB, p.trainCut); err != nil {
		return Report{}, err
	}
	if opts.Export != nil {
		if err := writeMatrices(opts.Export, p); err != nil {
			return Report{}, err
		}
	}
	scores, err := scoreAll(ctx, s.DB, now, &m)
	if err != nil {
		return Report{}, err
	}
	rep.Scored = len(scores)
	rep.Duration = time.Since(start)
	if rep.ModelID, err = s.save(ctx, rep, &m, scores); err != nil {
		return Report{}, err
	}
	return rep, nil
}

// Retrain trains again with the horizon and lambda of the latest model (the defaults when
// there is none); it is the scheduled job.
func (s *Service) Retrain(ctx context.Context) error {
	latest, ok, err := s.Latest(ctx)
	if err != nil {
		return err
	}
	opts := Options{}
	if ok {
		opts.HorizonDays, opts.Lambda = latest.HorizonDays, latest.Lambda
	}
	_, err = s.Train(ctx, opts)
	return err
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// evaluate measures model m on the test set of p.
func evaluate(p *prepared, m model) Report {
	scores := make([]float64, len(p.test.z))
	for i := range p.test.z {
		scores[i] = m.predict(&p.test.z[i])
	}
	cols := make([][]float64, numFeatures)
	for j := range cols {
		cols[j] = p.test.column(j)
	}
	rep := Report{HorizonDays: m.HorizonDays, Lambda: m.Lambda, TrainCut: p.trainCut, TrainCuts: p.trainCuts, TestCut: p.testCut,
		TrainN: len(p.train.y), TestN: len(p.test.y), TrainPositives: p.train.positives(), TestPositives: p.test.positives(),
		BaseRate: mean(p.test.y), AUC: auc(scores, p.test.y), LogLoss: logLoss(scores, p.test.y),
		Calibration: calibration(scores, p.test.y), TopDecileLift: topDecileLift(scores, p.test.y),
		BestSingleFeature: bestSingleFeature(FeatureNames(), cols, p.test.y), Intercept: m.Intercept}
	for j, w := range m.Weights {
		rep.Coefficients = append(rep.Coefficients, Coefficient{Feature: featureNames[j], Weight: w})
	}
	return rep
}
