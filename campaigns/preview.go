package campaigns

import (
	"context"
	"fmt"

	"github.com/persona-app/persona/store"
)

// Preview renders t for one real customer with that customer's recommendations from the
// template's block settings (algorithm, count, rules), as the pipeline would, but without
// tracking or a segment: links stay as written and nothing is recorded.
func (s *Service) Preview(ctx context.Context, t Template, customerID int64) (Message, error) {
	var rows []claimedDelivery
	err := s.db.WithContext(ctx).Raw(`SELECT id AS customer_id, external_id, email, first_name, last_name, gender, city, country, attributes
		FROM customers WHERE id = ?`, customerID).Scan(&rows).Error
	if err != nil {
		return Message{}, fmt.Errorf("campaigns: preview: load customer %d: %w", customerID, err)
	}
	if len(rows) == 0 {
		return Message{}, fmt.Errorf("campaigns: preview: customer %d: %w", customerID, store.ErrNotFound)
	}
	// A preview without recommendations is still useful; the block renders empty.
	block := s.recommend(ctx, t, customerID, 0)
	return Render(t, RenderData{
		Customer:        rows[0].recipient(),
		Recommendations: block.items,
		UnsubscribeURL:  s.baseURL + "/u/preview",
		Campaign:        "Preview",
	})
}
