package propensity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// modelVersion is the layout of model as stored in propensity_models.data; 2 added the
// visit features.
const modelVersion = 2

// keepModels is how many models propensity_models keeps; older ones are deleted.
const keepModels = 5

// scoresPerInsert is how many score rows one INSERT statement carries.
const scoresPerInsert = 500

// model is everything needed to score a customer, stored as JSON in propensity_models.data
// so it can be read without this package.
type model struct {
	Version     int       `json:"version"`
	HorizonDays int       `json:"horizon_days"`
	Lambda      float64   `json:"lambda"`
	Features    []string  `json:"features"`
	Mean        []float64 `json:"mean"`
	Std         []float64 `json:"std"`
	Intercept   float64   `json:"intercept"`
	Weights     []float64 `json:"weights"`
}

// predict returns the probability of buying for standardised features z.
func (m *model) predict(z *[numFeatures]float64) float64 {
	eta := m.Intercept
	for j, w := range m.Weights {
		eta += w * z[j]
	}
	return sigmoid(eta)
}

// scored is one customer's score ready to store.
type scored struct {
	customerID int64
	score      float64
	drivers    string
}

// scoreAll scores every customer with the features as of now.
func scoreAll(ctx context.Context, db *store.DB, now time.Time, m *model) ([]scored, error) {
	snap, err := featuresAt(ctx, db.DB, now, nil)
	if err != nil {
		return nil, err
	}
	var sc scaler
	copy(sc.Mean[:], m.Mean)
	copy(sc.Std[:], m.Std)
	out := make([]scored, len(snap.rows))
	for i := range snap.rows {
		c := &snap.rows[i]
		z := sc.apply(transform(&c.raw))
		d, err := json.Marshal(drivers(m.Weights, &z, &c.raw))
		if err != nil {
			return nil, fmt.Errorf("propensity: encode drivers of customer %d: %w", c.id, err)
		}
		out[i] = scored{customerID: c.id, score: m.predict(&z), drivers: string(d)}
	}
	return out, nil
}

// save stores the model and its report, replaces every score with the new ones and prunes
// old models, in one transaction, and returns the new model's id.
func (s *Service) save(ctx context.Context, rep Report, m *model, scores []scored) (int64, error) {
	metrics, err := json.Marshal(rep)
	if err != nil {
		return 0, fmt.Errorf("propensity: encode report: %w", err)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("propensity: encode model: %w", err)
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Raw(`INSERT INTO propensity_models (trained_at, horizon_days, metrics, data) VALUES (?, ?, ?, ?) RETURNING id`,
			rep.TrainedAt, rep.HorizonDays, string(metrics), data).Scan(&id).Error; err != nil {
			return fmt.Errorf("insert model: %w", err)
		}
		if err := tx.Exec(`DELETE FROM propensity_scores`).Error; err != nil {
			return fmt.Errorf("delete old scores: %w", err)
		}
		for start := 0; start < len(scores); start += scoresPerInsert {
			part := scores[start:min(len(scores), start+scoresPerInsert)]
			args := make([]any, 0, 5*len(part))
			for _, sc := range part {
				args = append(args, sc.customerID, id, sc.score, sc.drivers, rep.TrainedAt)
			}
			q := `INSERT INTO propensity_scores (customer_id, model_id, score, drivers, scored_at) VALUES ` +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?), ", len(part)), ", ")
			if err := tx.Exec(q, args...).Error; err != nil {
				return fmt.Errorf("insert scores: %w", err)
			}
		}
		// Scores reference the newest model only, so older models can go (their scores went above).
		if err := tx.Exec(`DELETE FROM propensity_models WHERE id NOT IN (
			SELECT id FROM propensity_models ORDER BY trained_at DESC, id DESC LIMIT ?)`, keepModels).Error; err != nil {
			return fmt.Errorf("prune models: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("propensity: save model and %d scores: %w", len(scores), err)
	}
	return id, nil
}

// Latest returns the report of the newest model; false when none was trained.
func (s *Service) Latest(ctx context.Context) (Report, bool, error) {
	var row struct {
		ID      int64
		Metrics string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT id, metrics FROM propensity_models ORDER BY trained_at DESC, id DESC LIMIT 1`).
		Take(&row).Error
	if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) {
		return Report{}, false, nil
	}
	if err != nil {
		return Report{}, false, fmt.Errorf("propensity: load latest model: %w", err)
	}
	var rep Report
	if err := json.Unmarshal([]byte(row.Metrics), &rep); err != nil {
		return Report{}, false, fmt.Errorf("propensity: read report of model %d: %w", row.ID, err)
	}
	rep.ModelID = row.ID
	return rep, true, nil
}

// Score returns a customer's stored score and drivers; false when the customer has none
// (no model yet, or the customer arrived after the last training).
func (s *Service) Score(ctx context.Context, customerID int64) (CustomerScore, bool, error) {
	var row struct {
		Score       float64
		Drivers     string
		ScoredAt    time.Time
		ModelID     int64
		HorizonDays int
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT s.score, s.drivers, s.scored_at, s.model_id, m.horizon_days
		FROM propensity_scores s JOIN propensity_models m ON m.id = s.model_id
		WHERE s.customer_id = ?`, customerID).Take(&row).Error
	if err = store.NotFound(err); errors.Is(err, store.ErrNotFound) {
		return CustomerScore{}, false, nil
	}
	if err != nil {
		return CustomerScore{}, false, fmt.Errorf("propensity: load score of customer %d: %w", customerID, err)
	}
	cs := CustomerScore{Score: row.Score, ScoredAt: row.ScoredAt.UTC(), ModelID: row.ModelID, HorizonDays: row.HorizonDays}
	if err := json.Unmarshal([]byte(row.Drivers), &cs.Drivers); err != nil {
		return CustomerScore{}, false, fmt.Errorf("propensity: read drivers of customer %d: %w", customerID, err)
	}
	return cs, true, nil
}
