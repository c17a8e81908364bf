package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// Progress is the live state of a campaign's latest run.
type Progress struct {
	RunID      int64
	Status     string
	Recipients int
	Sent       int
	Failed     int
	Skipped    int
	// Pending counts deliveries not yet sent: waiting, being sent or waiting for a retry.
	Pending int
}

// Progress returns the state of the campaign's latest run; the zero Progress when it has
// never run.
func (s *Service) Progress(ctx context.Context, campaignID int64) (Progress, error) {
	run, err := s.loadRun(ctx, fmt.Sprintf("latest run of campaign %d", campaignID),
		`WHERE campaign_id = ? ORDER BY id DESC LIMIT 1`, campaignID)
	if errors.Is(err, store.ErrNotFound) {
		return Progress{}, nil
	}
	if err != nil {
		return Progress{}, err
	}
	var counts []struct {
		Status string
		N      int
	}
	err = s.db.WithContext(ctx).Raw(`SELECT status, COUNT(*) AS n FROM deliveries WHERE run_id = ? GROUP BY status`,
		run.ID).Scan(&counts).Error
	if err != nil {
		return Progress{}, fmt.Errorf("campaigns: progress of run %d: %w", run.ID, err)
	}
	p := Progress{RunID: run.ID, Status: run.Status, Recipients: run.Recipients}
	for _, c := range counts {
		switch c.Status {
		case DeliverySent:
			p.Sent += c.N
		case DeliveryFailed:
			p.Failed += c.N
		case DeliverySkipped:
			p.Skipped += c.N
		case DeliveryPending, DeliverySending:
			p.Pending += c.N
		}
	}
	return p, nil
}

// DeliveryRow is one line of a campaign's delivery table.
type DeliveryRow struct {
	ID         int64
	RunID      int64
	CustomerID int64
	Email      string
	FirstName  string
	LastName   string
	Status     string
	Attempts   int
	Error      string
	MessageID  string
	SentAt     *time.Time
	OpenedAt   *time.Time
	ClickedAt  *time.Time
	CreatedAt  time.Time
}

// Name is the customer's full name, or "" when unknown.
func (d DeliveryRow) Name() string {
	return strings.TrimSpace(d.FirstName + " " + d.LastName)
}

// Deliveries returns one page (from 1) of a campaign's deliveries, newest run first, and
// the total number of deliveries.
func (s *Service) Deliveries(ctx context.Context, campaignID int64, page, perPage int) ([]DeliveryRow, int, error) {
	if perPage <= 0 || perPage > 500 {
		perPage = 50
	}
	if page < 1 {
		page = 1
	}
	g := s.db.WithContext(ctx)
	var total int
	if err := g.Raw(`SELECT COUNT(*) FROM deliveries WHERE campaign_id = ?`, campaignID).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("campaigns: count deliveries of campaign %d: %w", campaignID, err)
	}
	var rows []DeliveryRow
	err := g.Raw(`SELECT d.id, d.run_id, d.customer_id, d.email, c.first_name, c.last_name, d.status, d.attempts,
		d.error, d.message_id, d.sent_at, d.opened_at, d.clicked_at, d.created_at
		FROM deliveries d JOIN customers c ON c.id = d.customer_id
		WHERE d.campaign_id = ? ORDER BY d.run_id DESC, d.id LIMIT ? OFFSET ?`,
		campaignID, perPage, (page-1)*perPage).Scan(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("campaigns: list deliveries of campaign %d: %w", campaignID, err)
	}
	for i := range rows {
		r := &rows[i]
		r.CreatedAt = r.CreatedAt.UTC()
		r.SentAt, r.OpenedAt, r.ClickedAt = store.UTCPtr(r.SentAt), store.UTCPtr(r.OpenedAt), store.UTCPtr(r.ClickedAt)
	}
	return rows, total, nil
}
