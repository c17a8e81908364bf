package campaigns

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// deliveryRef is what tracking needs to know about a delivery.
type deliveryRef struct {
	ID         int64
	CustomerID int64
	CampaignID int64
}

// verifiedDelivery checks a token of kind carrying want ids and loads the delivery named
// by its first id. Bad tokens give ErrBadToken; a deleted delivery gives store.ErrNotFound.
func (s *Service) verifiedDelivery(ctx context.Context, kind, token string, want int) (deliveryRef, []int64, error) {
	ids, err := s.opts.Signer.Verify(kind, token)
	if err != nil {
		return deliveryRef{}, nil, fmt.Errorf("campaigns: tracking token: %w", err)
	}
	if len(ids) != want {
		return deliveryRef{}, nil, fmt.Errorf("campaigns: tracking token carries %d ids: %w", len(ids), ErrBadToken)
	}
	var refs []deliveryRef
	err = s.db.WithContext(ctx).Raw(`SELECT id, customer_id, campaign_id FROM deliveries WHERE id = ?`, ids[0]).Scan(&refs).Error
	if err != nil {
		return deliveryRef{}, nil, fmt.Errorf("campaigns: load delivery %d: %w", ids[0], err)
	}
	if len(refs) == 0 {
		return deliveryRef{}, nil, fmt.Errorf("campaigns: load delivery %d: %w", ids[0], store.ErrNotFound)
	}
	return refs[0], ids, nil
}

// Click records a click from a signed click token and returns the stored destination URL.
// The destination never comes from the request, so the redirect cannot be used to send
// people elsewhere. A bad token gives ErrBadToken.
func (s *Service) Click(ctx context.Context, token string) (string, error) {
	d, ids, err := s.verifiedDelivery(ctx, TokenClick, token, 2)
	if err != nil {
		return "", err
	}
	dest, err := s.links.URL(ctx, ids[1])
	if err != nil {
		return "", fmt.Errorf("campaigns: click on delivery %d: %w", d.ID, err)
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO clicks (delivery_id, link_id, customer_id, campaign_id, clicked_at) VALUES (?, ?, ?, ?, ?)`,
			d.ID, ids[1], d.CustomerID, d.CampaignID, now).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE deliveries SET clicked_at = ? WHERE id = ? AND clicked_at IS NULL`, now, d.ID).Error
	})
	if err != nil {
		return "", fmt.Errorf("campaigns: record click on delivery %d: %w", d.ID, err)
	}
	return dest, nil
}

// Open records an open from a signed open-pixel token. A bad token gives ErrBadToken.
func (s *Service) Open(ctx context.Context, token string) error {
	d, _, err := s.verifiedDelivery(ctx, TokenOpen, token, 1)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO opens (delivery_id, campaign_id, opened_at) VALUES (?, ?, ?)`,
			d.ID, d.CampaignID, now).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE deliveries SET opened_at = ? WHERE id = ? AND opened_at IS NULL`, now, d.ID).Error
	})
	if err != nil {
		return fmt.Errorf("campaigns: record open of delivery %d: %w", d.ID, err)
	}
	return nil
}

// UnsubscribeInfo returns the email address an unsubscribe token is for, to show on the
// confirmation page. A bad token gives ErrBadToken.
func (s *Service) UnsubscribeInfo(ctx context.Context, token string) (string, error) {
	d, _, err := s.verifiedDelivery(ctx, TokenUnsubscribe, token, 1)
	if err != nil {
		return "", err
	}
	var emails []string
	if err := s.db.WithContext(ctx).Raw(`SELECT email FROM customers WHERE id = ?`, d.CustomerID).Scan(&emails).Error; err != nil {
		return "", fmt.Errorf("campaigns: load customer %d: %w", d.CustomerID, err)
	}
	if len(emails) == 0 {
		return "", fmt.Errorf("campaigns: load customer %d: %w", d.CustomerID, store.ErrNotFound)
	}
	return emails[0], nil
}

// Unsubscribe stops all email to the customer an unsubscribe token is for. Doing it again
// changes nothing (the first time is kept). A bad token gives ErrBadToken.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	d, _, err := s.verifiedDelivery(ctx, TokenUnsubscribe, token, 1)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.db.WithContext(ctx).Exec(`UPDATE customers SET unsubscribed_at = ?, updated_at = ? WHERE id = ? AND unsubscribed_at IS NULL`,
		now, now, d.CustomerID).Error
	if err != nil {
		return fmt.Errorf("campaigns: unsubscribe customer %d: %w", d.CustomerID, err)
	}
	s.log.InfoContext(ctx, "customer unsubscribed", "customer_id", d.CustomerID, "campaign_id", d.CampaignID)
	return nil
}
