package campaigns

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Stats are a campaign's funnel counts. Opened and Clicked count deliveries, not events.
type Stats struct {
	Recipients int64   `json:"recipients"`
	Sent       int64   `json:"sent"`
	Failed     int64   `json:"failed"`
	Opened     int64   `json:"opened"`
	Clicked    int64   `json:"clicked"`
	Converted  int64   `json:"converted"`
	Revenue    float64 `json:"revenue"`
}

// DayStats is one UTC day of the overview series.
type DayStats struct {
	Day         time.Time `json:"day"`
	Sent        int64     `json:"sent"`
	Opened      int64     `json:"opened"`
	Clicked     int64     `json:"clicked"`
	Conversions int64     `json:"conversions"`
	Revenue     float64   `json:"revenue"`
}

// Overview is the all-campaigns dashboard: totals for a period and one entry per day.
type Overview struct {
	From   time.Time  `json:"from"`
	To     time.Time  `json:"to"`
	Totals Stats      `json:"totals"`
	Days   []DayStats `json:"days"`
}

// Stats counts a campaign's deliveries over all its runs, and its conversions.
func (s *Service) Stats(ctx context.Context, campaignID int64) (Stats, error) {
	var st Stats
	g := s.db.WithContext(ctx)
	err := g.Raw(`SELECT COUNT(*) AS recipients,
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS sent,
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS failed,
		COALESCE(SUM(CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS opened,
		COALESCE(SUM(CASE WHEN clicked_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS clicked
		FROM deliveries WHERE campaign_id = ?`, DeliverySent, DeliveryFailed, campaignID).Scan(&st).Error
	if err != nil {
		return Stats{}, fmt.Errorf("campaigns: stats of campaign %d: count deliveries: %w", campaignID, err)
	}
	var conv struct {
		Converted int64
		Revenue   float64
	}
	err = g.Raw(`SELECT COUNT(*) AS converted, COALESCE(SUM(revenue), 0) AS revenue FROM conversions WHERE campaign_id = ?`,
		campaignID).Scan(&conv).Error
	if err != nil {
		return Stats{}, fmt.Errorf("campaigns: stats of campaign %d: count conversions: %w", campaignID, err)
	}
	st.Converted, st.Revenue = conv.Converted, conv.Revenue
	return st, nil
}

// Overview sums every campaign over [from, to): sends, first opens and first clicks of
// deliveries, and conversions by order time, per UTC day. Recipients and Failed count the
// deliveries created in the period. Days are bucketed in Go, because truncating a
// timestamp to its day is spelt differently on SQLite and PostgreSQL.
func (s *Service) Overview(ctx context.Context, from, to time.Time) (Overview, error) {
	from, to = from.UTC(), to.UTC()
	ov := Overview{From: from, To: to}
	if !to.After(from) {
		return ov, nil
	}
	first := from.Truncate(24 * time.Hour)
	for d := first; d.Before(to); d = d.Add(24 * time.Hour) {
		ov.Days = append(ov.Days, DayStats{Day: d})
	}
	day := func(t time.Time) *DayStats { return &ov.Days[int(t.UTC().Sub(first)/(24*time.Hour))] }
	in := func(t sql.NullTime) bool { return t.Valid && !t.Time.Before(from) && t.Time.Before(to) }

	g := s.db.WithContext(ctx)
	rows, err := g.Raw(`SELECT sent_at, opened_at, clicked_at FROM deliveries
		WHERE (sent_at >= ? AND sent_at < ?) OR (opened_at >= ? AND opened_at < ?) OR (clicked_at >= ? AND clicked_at < ?)`,
		from, to, from, to, from, to).Rows()
	if err != nil {
		return Overview{}, fmt.Errorf("campaigns: overview: read deliveries: %w", err)
	}
	for rows.Next() {
		var sent, opened, clicked sql.NullTime
		if err := rows.Scan(&sent, &opened, &clicked); err != nil {
			rows.Close()
			return Overview{}, fmt.Errorf("campaigns: overview: read deliveries: %w", err)
		}
		if in(sent) {
			day(sent.Time).Sent++
		}
		if in(opened) {
			day(opened.Time).Opened++
		}
		if in(clicked) {
			day(clicked.Time).Clicked++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Overview{}, fmt.Errorf("campaigns: overview: read deliveries: %w", err)
	}
	var conv []struct {
		OrderedAt time.Time
		Revenue   float64
	}
	if err := g.Raw(`SELECT ordered_at, revenue FROM conversions WHERE ordered_at >= ? AND ordered_at < ?`,
		from, to).Scan(&conv).Error; err != nil {
		return Overview{}, fmt.Errorf("campaigns: overview: read conversions: %w", err)
	}
	for _, c := range conv {
		d := day(c.OrderedAt)
		d.Conversions++
		d.Revenue += c.Revenue
	}
	for _, d := range ov.Days {
		ov.Totals.Sent += d.Sent
		ov.Totals.Opened += d.Opened
		ov.Totals.Clicked += d.Clicked
		ov.Totals.Converted += d.Conversions
		ov.Totals.Revenue += d.Revenue
	}
	var made struct{ Recipients, Failed int64 }
	err = g.Raw(`SELECT COUNT(*) AS recipients, COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS failed
		FROM deliveries WHERE created_at >= ? AND created_at < ?`, DeliveryFailed, from, to).Scan(&made).Error
	if err != nil {
		return Overview{}, fmt.Errorf("campaigns: overview: count recipients: %w", err)
	}
	ov.Totals.Recipients, ov.Totals.Failed = made.Recipients, made.Failed
	return ov, nil
}

// AllStats is Stats for every campaign at once, for lists and dashboards; campaigns with
// no deliveries are absent from the map.
func (s *Service) AllStats(ctx context.Context) (map[int64]Stats, error) {
	g := s.db.WithContext(ctx)
	var rows []struct {
		CampaignID int64
		Stats
	}
	err := g.Raw(`SELECT campaign_id, COUNT(*) AS recipients,
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS sent,
		COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS failed,
		COALESCE(SUM(CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS opened,
		COALESCE(SUM(CASE WHEN clicked_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS clicked
		FROM deliveries GROUP BY campaign_id`, DeliverySent, DeliveryFailed).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: stats of all campaigns: %w", err)
	}
	out := make(map[int64]Stats, len(rows))
	for _, r := range rows {
		out[r.CampaignID] = r.Stats
	}
	var conv []struct {
		CampaignID int64
		Converted  int64
		Revenue    float64
	}
	if err := g.Raw(`SELECT campaign_id, COUNT(*) AS converted, COALESCE(SUM(revenue), 0) AS revenue
		FROM conversions GROUP BY campaign_id`).Scan(&conv).Error; err != nil {
		return nil, fmt.Errorf("campaigns: conversions of all campaigns: %w", err)
	}
	for _, c := range conv {
		st := out[c.CampaignID]
		st.Converted, st.Revenue = c.Converted, c.Revenue
		out[c.CampaignID] = st
	}
	return out, nil
}
