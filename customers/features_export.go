package customers

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/persona-app/persona/store"
)

// exportColumns is the header of ExportFeatures. customer_id is the shop's own id;
// recency_days is whole days from the last order to computed_at; times are RFC 3339 in
// UTC; an empty cell is a missing value (no order, no signup date, never computed).
// top_categories and category_shares read "Electronics:0.62,Books:0.20", and event_counts
// is the JSON of Features.EventCounts. Every other column is the customer_features column
// of the same name.
var exportColumns = []string{"customer_id", "recency_days", "frequency", "monetary", "avg_order_value",
	"browse_seconds", "event_count", "first_order_at", "last_order_at", "last_event_at", "last_activity_at",
	"recency_score", "frequency_score", "monetary_score", "rfm_tier", "days_since_signup",
	"views_7d", "views_30d", "views_90d", "carts_7d", "carts_30d", "carts_90d",
	"purchases_7d", "purchases_30d", "purchases_90d", "searches_7d", "searches_30d", "searches_90d",
	"top_categories", "category_shares", "event_counts", "computed_at"}

// FeatureExportColumns returns the header row ExportFeatures writes.
func FeatureExportColumns() []string { return append([]string(nil), exportColumns...) }

// ExportFeatures writes the stored features as CSV, one row per customer in id order
// after the header (see FeatureExportColumns), streaming them so that memory stays flat.
// It returns the number of customers written. Customers whose features were never
// computed get zeros and empty cells; run RebuildFeatures first for fresh figures.
func (s *Service) ExportFeatures(ctx context.Context, w io.Writer) (int, error) {
	rows, err := s.DB.WithContext(ctx).Raw(`SELECT c.external_id,
		COALESCE(f.frequency, 0), COALESCE(f.monetary, 0), COALESCE(f.avg_order_value, 0),
		COALESCE(f.browse_seconds, 0), COALESCE(f.event_count, 0),
		f.first_order_at, f.last_order_at, f.last_event_at, f.last_activity_at,
		COALESCE(f.recency_score, 0), COALESCE(f.frequency_score, 0), COALESCE(f.monetary_score, 0),
		COALESCE(f.rfm_tier, ''), f.days_since_signup,
		COALESCE(f.views_7d, 0), COALESCE(f.views_30d, 0), COALESCE(f.views_90d, 0),
		COALESCE(f.carts_7d, 0), COALESCE(f.carts_30d, 0), COALESCE(f.carts_90d, 0),
		COALESCE(f.purchases_7d, 0), COALESCE(f.purchases_30d, 0), COALESCE(f.purchases_90d, 0),
		COALESCE(f.searches_7d, 0), COALESCE(f.searches_30d, 0), COALESCE(f.searches_90d, 0),
		COALESCE(f.top_categories, ''), COALESCE(f.category_shares, ''), COALESCE(f.event_counts, '{}'),
		f.computed_at
		FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id ORDER BY c.id`).Rows()
	if err != nil {
		return 0, fmt.Errorf("customers: export features: %w", err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return 0, fmt.Errorf("customers: export features: %w", err)
	}
	n := 0
	record := make([]string, len(exportColumns))
	for rows.Next() {
		if err := scanExportRow(rows, record); err != nil {
			return n, fmt.Errorf("customers: export features: read row %d: %w", n+1, err)
		}
		if err := cw.Write(record); err != nil {
			return n, fmt.Errorf("customers: export features: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("customers: export features: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("customers: export features: %w", err)
	}
	return n, nil
}

// scanExportRow reads one row of the export query into record, in exportColumns order.
func scanExportRow(rows *sql.Rows, record []string) error {
	var (
		ext, tier, top, shares, counts          string
		freq, events, rs, fs, ms                int64
		monetary, aov, browse                   float64
		firstOrder, lastOrder, lastEvent, lastA store.Time
		computed                                store.Time
		days                                    sql.NullInt64
		win                                     [12]int64
	)
	dest := []any{&ext, &freq, &monetary, &aov, &browse, &events, &firstOrder, &lastOrder, &lastEvent, &lastA,
		&rs, &fs, &ms, &tier, &days}
	for i := range win {
		dest = append(dest, &win[i])
	}
	dest = append(dest, &top, &shares, &counts, &computed)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	recency := ""
	if lastOrder.Valid && computed.Valid {
		recency = strconv.Itoa(wholeDays(computed.Time.Sub(lastOrder.Time)))
	}
	daysText := ""
	if days.Valid {
		daysText = strconv.FormatInt(days.Int64, 10)
	}
	head := []string{ext, recency, itoa64(freq), ftoa(monetary), ftoa(aov), ftoa(browse), itoa64(events),
		timeText(firstOrder), timeText(lastOrder), timeText(lastEvent), timeText(lastA),
		itoa64(rs), itoa64(fs), itoa64(ms), tier, daysText}
	n := copy(record, head)
	for _, v := range win {
		record[n] = itoa64(v)
		n++
	}
	copy(record[n:], []string{top, shares, counts, timeText(computed)})
	return nil
}

func itoa64(v int64) string { return strconv.FormatInt(v, 10) }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// timeText is a time as RFC 3339 in UTC, or "" when it is missing.
func timeText(t store.Time) string {
	if !t.Valid {
		return ""
	}
	return t.Time.UTC().Format(time.RFC3339)
}
