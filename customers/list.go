package customers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// CustomerQuery filters and pages the customer list.
type CustomerQuery struct {
	// Search matches email, name or external id anywhere, case-insensitively.
	Search string
	// Country keeps customers of exactly this country when set.
	Country string
	// Consent is "" (everyone), "yes" (email consent and not unsubscribed) or "no" (the rest).
	Consent string
	// Page counts from 1; PerPage defaults to 50 and is capped at 500.
	Page, PerPage int
}

// CustomerRow is a customer as the list shows it, with its order figures.
type CustomerRow struct {
	Customer
	Frequency   int
	Monetary    float64
	LastOrderAt *time.Time
}

// Customers returns one page of customers matching q, ordered by id, and how many match in all.
func (s *Service) Customers(ctx context.Context, q CustomerQuery) ([]CustomerRow, int, error) {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage <= 0 {
		q.PerPage = 50
	}
	if q.PerPage > 500 {
		q.PerPage = 500
	}
	var conds []string
	var args []any
	if strings.TrimSpace(q.Search) != "" {
		p := likePattern(q.Search)
		conds = append(conds, `(LOWER(c.email) LIKE ? ESCAPE '\' OR LOWER(c.external_id) LIKE ? ESCAPE '\'
			OR LOWER(c.first_name || ' ' || c.last_name) LIKE ? ESCAPE '\')`)
		args = append(args, p, p, p)
	}
	if q.Country != "" {
		conds = append(conds, `c.country = ?`)
		args = append(args, q.Country)
	}
	switch q.Consent {
	case "yes":
		conds = append(conds, `(c.consent_email = ? AND c.unsubscribed_at IS NULL)`)
		args = append(args, true)
	case "no":
		conds = append(conds, `(c.consent_email = ? OR c.unsubscribed_at IS NOT NULL)`)
		args = append(args, false)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	g := s.DB.WithContext(ctx)
	var total int64
	if err := g.Raw(`SELECT COUNT(*) FROM customers c`+where, args...).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("customers: count customers: %w", err)
	}
	var recs []customerRecord
	err := g.Raw(`SELECT `+customerSelect+`, COALESCE(f.frequency, 0) AS frequency,
		COALESCE(f.monetary, 0) AS monetary, f.last_order_at
		FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id`+where+`
		ORDER BY c.id LIMIT ? OFFSET ?`, append(args, q.PerPage, (q.Page-1)*q.PerPage)...).Scan(&recs).Error
	if err != nil {
		return nil, 0, fmt.Errorf("customers: list customers: %w", err)
	}
	out := make([]CustomerRow, len(recs))
	for i, r := range recs {
		out[i] = CustomerRow{Customer: r.customer(), Frequency: r.Frequency, Monetary: r.Monetary,
			LastOrderAt: store.UTCPtr(r.LastOrderAt)}
	}
	return out, int(total), nil
}
