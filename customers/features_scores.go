package customers

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
)

// boundsKey is the settings row holding the score boundaries of the last full scoring.
const boundsKey = "customers.rfm_bounds"

// smallPopulation is the number of scored customers below which a refresh scores
// everyone again rather than reading scores off the boundaries: cheap at that size, and
// boundaries drawn from a handful of customers (a new shop's first orders) say little.
const smallPopulation = 1000

// rfmValues are what a customer with orders is ranked on: the last order time (Unix
// seconds), the number of distinct orders and the spend.
type rfmValues struct {
	id                           int64
	recency, frequency, monetary float64
}

// rfmScores are a customer's 1–5 scores and tier.
type rfmScores struct {
	r, f, m int
	tier    string
}

// rfmBounds are, for each score 1–5 (index score-1), the largest value a customer with
// that score had at the last full scoring. A score nobody had is nil. Customers is how
// many customers were scored.
type rfmBounds struct {
	Customers int         `json:"customers"`
	Recency   [5]*float64 `json:"recency"`
	Frequency [5]*float64 `json:"frequency"`
	Monetary  [5]*float64 `json:"monetary"`
}

// scoreBuyers scores every customer of values against all the others and returns the
// scores in the order of values, with the boundaries they make.
//
// A score is a quintile of the customers with orders: 1 + 5 * (rank - 1) / n in integers,
// where rank is the position in ascending order (the later the last order, the more
// orders, the more spend, the higher) and n how many customers have orders. That is
// NTILE(5), except for ties: customers with the same value share the score of the first
// of them (SQL's RANK()), so equal customers never get different scores. With many
// one-order customers, the frequency scores just above 1 may then stay empty.
func scoreBuyers(values []rfmValues) ([]rfmScores, rfmBounds) {
	scores := make([]rfmScores, len(values))
	b := rfmBounds{Customers: len(values)}
	quintiles(values, func(v rfmValues) float64 { return v.recency }, func(i, s int) { scores[i].r = s }, &b.Recency)
	quintiles(values, func(v rfmValues) float64 { return v.frequency }, func(i, s int) { scores[i].f = s }, &b.Frequency)
	quintiles(values, func(v rfmValues) float64 { return v.monetary }, func(i, s int) { scores[i].m = s }, &b.Monetary)
	for i := range scores {
		scores[i].tier = RFMTier(scores[i].r, scores[i].f, scores[i].m)
	}
	return scores, b
}

// quintiles gives each of values the quintile score of value(v) through set, and records
// the largest value of each score in upper.
func quintiles(values []rfmValues, value func(rfmValues) float64, set func(i, score int), upper *[5]*float64) {
	n := len(values)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(value(values[a]), value(values[b])) })
	for start := 0; start < n; {
		v := value(values[order[start]])
		end := start
		for end < n && value(values[order[end]]) == v {
			end++
		}
		score := 1 + 5*start/n
		for _, i := range order[start:end] {
			set(i, score)
		}
		upper[score-1] = &v
		start = end
	}
}

// scoreAgainst scores one customer's values against stored boundaries: each value gets
// the lowest score whose largest value reaches it, or the top score when it is beyond
// them all. For a value some scored customer had, that is the score a full scoring gave
// it; a new value is placed as if the other customers had not changed.
func scoreAgainst(v rfmValues, b rfmBounds) rfmScores {
	s := rfmScores{r: scoreOf(v.recency, b.Recency), f: scoreOf(v.frequency, b.Frequency), m: scoreOf(v.monetary, b.Monetary)}
	s.tier = RFMTier(s.r, s.f, s.m)
	return s
}

// scoreOf is the lowest score whose largest value is at least v, or the highest score
// present when v is beyond them all.
func scoreOf(v float64, upper [5]*float64) int {
	top := 0
	for i, u := range upper {
		if u == nil {
			continue
		}
		if v <= *u {
			return i + 1
		}
		top = i + 1
	}
	return top
}

// storeBounds keeps the boundaries of a full scoring for later refreshes.
func storeBounds(ctx context.Context, tx *gorm.DB, b rfmBounds) error {
	text, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode score boundaries: %w", err)
	}
	err = tx.WithContext(ctx).Exec(`INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, boundsKey, string(text)).Error
	if err != nil {
		return fmt.Errorf("store score boundaries: %w", err)
	}
	return nil
}

// loadBounds reads the stored score boundaries; ok is false when there are none, or
// when they came from too few customers to score against.
func loadBounds(ctx context.Context, tx *gorm.DB) (b rfmBounds, ok bool, err error) {
	var text string
	err = tx.WithContext(ctx).Raw(`SELECT value FROM settings WHERE key = ?`, boundsKey).Row().Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return b, false, nil
	}
	if err != nil {
		return b, false, fmt.Errorf("load score boundaries: %w", err)
	}
	// A text that does not parse (only possible from outside edits) is replaced by a full scoring.
	if json.Unmarshal([]byte(text), &b) != nil || b.Customers < smallPopulation {
		return b, false, nil
	}
	return b, true, nil
}

// rescoreStored scores again every customer with orders among the stored feature rows
// and stores the boundaries. A refresh falls back on it while there are no boundaries
// to use; the rows it reads are then few (or it runs once, on features computed before
// boundaries were kept).
func rescoreStored(ctx context.Context, tx *gorm.DB, now time.Time) error {
	var rows []struct {
		CustomerID  int64     `gorm:"column:customer_id"`
		LastOrderAt time.Time `gorm:"column:last_order_at"`
		Frequency   float64   `gorm:"column:frequency"`
		Monetary    float64   `gorm:"column:monetary"`
	}
	if err := tx.WithContext(ctx).Raw(`SELECT customer_id, last_order_at, frequency, monetary FROM customer_features
		WHERE last_order_at IS NOT NULL`).Scan(&rows).Error; err != nil {
		return fmt.Errorf("read values to score: %w", err)
	}
	values := make([]rfmValues, len(rows))
	for i, r := range rows {
		values[i] = rfmValues{id: r.CustomerID, recency: unixSeconds(r.LastOrderAt), frequency: r.Frequency, monetary: r.Monetary}
	}
	scores, b := scoreBuyers(values)
	args := make([]any, 0, 6*len(values))
	for i, v := range values {
		args = append(args, v.id, scores[i].r, scores[i].f, scores[i].m, scores[i].tier, now)
	}
	_, err := insertRows(tx.WithContext(ctx), `INSERT INTO customer_features (customer_id, recency_score, frequency_score,
		monetary_score, rfm_tier, updated_at)`, `ON CONFLICT (customer_id) DO UPDATE SET recency_score = excluded.recency_score,
		frequency_score = excluded.frequency_score, monetary_score = excluded.monetary_score, rfm_tier = excluded.rfm_tier`, 6, args)
	if err != nil {
		return fmt.Errorf("store scores: %w", err)
	}
	return storeBounds(ctx, tx, b)
}

// unixSeconds is t in seconds since 1970, to the microsecond.
func unixSeconds(t time.Time) float64 {
	return float64(t.UnixMicro()) / 1e6
}
