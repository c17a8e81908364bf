package customers

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// The orders pass works out in Go what set-based SQL does slowly: the RFM scores, which
// rank every customer with orders against all the others, and the shares of spend per
// category with their text. It writes them to the temporary table feature_extras, which
// the statement computing the feature rows joins, so no row is written twice.

// extrasPage is how many customers with orders the orders pass of a rebuild handles at
// a time; orders are read a page at a time from the index on orders (customer_id, ...).
const extrasPage = 20000

// createExtras creates the temporary table feature_extras. Both databases keep a
// temporary table to the connection of the transaction and drop it when asked.
func createExtras(ctx context.Context, tx *gorm.DB) error {
	err := tx.WithContext(ctx).Exec(`CREATE TEMPORARY TABLE feature_extras (customer_id BIGINT PRIMARY KEY,
		days_since_signup INTEGER, top_categories TEXT NOT NULL, category_shares TEXT NOT NULL,
		recency_score INTEGER NOT NULL, frequency_score INTEGER NOT NULL, monetary_score INTEGER NOT NULL,
		rfm_tier TEXT NOT NULL)`).Error
	if err != nil {
		return fmt.Errorf("create feature extras: %w", err)
	}
	return nil
}

// extrasRow is one row of feature_extras.
type extrasRow struct {
	id     int64
	days   *int
	spends []CategoryShare
	scores rfmScores
}

// writeExtras inserts rows into feature_extras, a few hundred per statement.
func writeExtras(ctx context.Context, tx *gorm.DB, rows []extrasRow) error {
	args := make([]any, 0, 8*len(rows))
	for _, r := range rows {
		var days any
		if r.days != nil {
			days = *r.days
		}
		args = append(args, r.id, days, formatTopCategories(r.spends), formatCategoryShares(r.spends, 0),
			r.scores.r, r.scores.f, r.scores.m, r.scores.tier)
	}
	_, err := insertRows(tx.WithContext(ctx), `INSERT INTO feature_extras (customer_id, days_since_signup, top_categories,
		category_shares, recency_score, frequency_score, monetary_score, rfm_tier)`, ``, 8, args)
	if err != nil {
		return fmt.Errorf("write feature extras: %w", err)
	}
	return nil
}

// extrasOfEveryone fills feature_extras for a rebuild: it ranks every customer with
// orders, then reads the spend per category a page of them at a time. It returns the
// boundaries of the scores.
func extrasOfEveryone(ctx context.Context, tx *gorm.DB) (rfmBounds, error) {
	values, err := buyerValues(ctx, tx, "1 = 1", nil)
	if err != nil {
		return rfmBounds{}, err
	}
	scores, bounds := scoreBuyers(values)
	for start := 0; start < len(values); start += extrasPage {
		end := min(len(values), start+extrasPage)
		spends, err := categorySpend(ctx, tx, "o.customer_id BETWEEN ? AND ?", []any{values[start].id, values[end-1].id})
		if err != nil {
			return rfmBounds{}, err
		}
		rows := make([]extrasRow, 0, end-start)
		for i := start; i < end; i++ {
			rows = append(rows, extrasRow{id: values[i].id, spends: spends[values[i].id], scores: scores[i]})
		}
		if err := writeExtras(ctx, tx, rows); err != nil {
			return rfmBounds{}, err
		}
	}
	return bounds, nil
}

// extrasOf fills feature_extras for the refresh of ids: signup age, category shares, and
// the scores read off bounds (zero when ok is false).
func extrasOf(ctx context.Context, tx *gorm.DB, ids []int64, bounds rfmBounds, ok bool, now time.Time) error {
	var signups []struct {
		ID       int64      `gorm:"column:id"`
		SignupAt *time.Time `gorm:"column:signup_at"`
	}
	if err := tx.WithContext(ctx).Raw(`SELECT id, signup_at FROM customers WHERE id IN ?`, ids).Scan(&signups).Error; err != nil {
		return fmt.Errorf("read signup dates: %w", err)
	}
	values, err := buyerValues(ctx, tx, "customer_id IN ?", []any{ids})
	if err != nil {
		return err
	}
	spends, err := categorySpend(ctx, tx, "o.customer_id IN ?", []any{ids})
	if err != nil {
		return err
	}
	scores := map[int64]rfmScores{}
	for _, v := range values {
		if ok {
			scores[v.id] = scoreAgainst(v, bounds)
		}
	}
	rows := make([]extrasRow, 0, len(signups))
	for _, c := range signups {
		rows = append(rows, extrasRow{id: c.ID, days: signupDays(c.SignupAt, now), spends: spends[c.ID], scores: scores[c.ID]})
	}
	return writeExtras(ctx, tx, rows)
}

// buyerValues reads what the RFM scores rank for the customers with orders that match
// cond (a condition on orders), in customer id order.
func buyerValues(ctx context.Context, tx *gorm.DB, cond string, args []any) ([]rfmValues, error) {
	rows, err := tx.WithContext(ctx).Raw(`SELECT customer_id, MAX(ordered_at), COUNT(DISTINCT order_id), SUM(amount)
		FROM orders WHERE `+cond+` GROUP BY customer_id ORDER BY customer_id`, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("sum orders per customer: %w", err)
	}
	defer rows.Close()
	var out []rfmValues
	for rows.Next() {
		var v rfmValues
		var last store.Time
		if err := rows.Scan(&v.id, &last, &v.frequency, &v.monetary); err != nil {
			return nil, fmt.Errorf("read orders per customer: %w", err)
		}
		v.recency = unixSeconds(last.Time)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read orders per customer: %w", err)
	}
	return out, nil
}

// categorySpend sums the spend of each customer matching cond (a condition on orders o)
// per product category.
func categorySpend(ctx context.Context, tx *gorm.DB, cond string, args []any) (map[int64][]CategoryShare, error) {
	rows, err := tx.WithContext(ctx).Raw(`SELECT o.customer_id, p.category, SUM(o.amount)
		FROM orders o JOIN products p ON p.id = o.product_id
		WHERE `+cond+` GROUP BY o.customer_id, p.category`, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("sum spend by category: %w", err)
	}
	defer rows.Close()
	out := map[int64][]CategoryShare{}
	for rows.Next() {
		var id int64
		var cs CategoryShare
		if err := rows.Scan(&id, &cs.Category, &cs.Share); err != nil {
			return nil, fmt.Errorf("read spend by category: %w", err)
		}
		out[id] = append(out[id], cs)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read spend by category: %w", err)
	}
	return out, nil
}
