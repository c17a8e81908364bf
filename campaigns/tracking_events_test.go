package campaigns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// launchedDelivery launches a campaign to one customer and returns the delivery id.
func launchedDelivery(t *testing.T, f *fixture, s *Service, email string) (deliveryID, customerID, campaignID int64) {
	t.Helper()
	customerID = f.customer(email, "Ann", "A")
	c := f.campaign(s, "Tracked "+email)
	run, err := s.Launch(context.Background(), c.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	f.db.Raw(`SELECT id FROM deliveries WHERE run_id = ? AND customer_id = ?`, run.ID, customerID).Scan(&deliveryID)
	return deliveryID, customerID, c.ID
}

func TestClickRecordsTheClickAndReturnsTheStoredURL(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	d, customer, campaign := launchedDelivery(t, f, s, "ann@example.com")
	link, err := s.links.ID(ctx, "https://shop.example/p/1?utm_source=persona")
	if err != nil {
		t.Fatal(err)
	}
	token := s.opts.Signer.Sign(TokenClick, d, link)
	for i := 0; i < 2; i++ {
		dest, err := s.Click(ctx, token)
		if err != nil || dest != "https://shop.example/p/1?utm_source=persona" {
			t.Fatalf("click %d = %q, %v", i, dest, err)
		}
		f.clock.Advance(time.Hour)
	}
	if n := f.count(`SELECT COUNT(*) FROM clicks WHERE delivery_id = ? AND customer_id = ? AND campaign_id = ? AND link_id = ?`,
		d, customer, campaign, link); n != 2 {
		t.Errorf("click rows = %d, want 2", n)
	}
	var clickedAt time.Time
	f.db.Raw(`SELECT clicked_at FROM deliveries WHERE id = ?`, d).Scan(&clickedAt)
	if !clickedAt.Equal(t0) {
		t.Errorf("clicked_at = %v, want the first click %v", clickedAt, t0)
	}
	if _, err := s.Click(ctx, s.opts.Signer.Sign(TokenClick, d, 999)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("click on an unknown link = %v, want ErrNotFound", err)
	}
}

func TestOpenRecordsEveryOpenAndKeepsTheFirstTime(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	d, _, campaign := launchedDelivery(t, f, s, "ann@example.com")
	token := s.opts.Signer.Sign(TokenOpen, d)
	for i := 0; i < 3; i++ {
		if err := s.Open(ctx, token); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
	}
	if n := f.count(`SELECT COUNT(*) FROM opens WHERE delivery_id = ? AND campaign_id = ?`, d, campaign); n != 3 {
		t.Errorf("open rows = %d, want 3", n)
	}
	var openedAt time.Time
	f.db.Raw(`SELECT opened_at FROM deliveries WHERE id = ?`, d).Scan(&openedAt)
	if !openedAt.Equal(t0) {
		t.Errorf("opened_at = %v, want %v", openedAt, t0)
	}
}

func TestUnsubscribeIsIdempotentAndKeepsTheFirstTime(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	d, customer, _ := launchedDelivery(t, f, s, "ann@example.com")
	token := s.opts.Signer.Sign(TokenUnsubscribe, d)
	email, err := s.UnsubscribeInfo(ctx, token)
	if err != nil || email != "ann@example.com" {
		t.Fatalf("UnsubscribeInfo = %q, %v", email, err)
	}
	for i := 0; i < 2; i++ {
		if err := s.Unsubscribe(ctx, token); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
	}
	var at time.Time
	f.db.Raw(`SELECT unsubscribed_at FROM customers WHERE id = ?`, customer).Scan(&at)
	if !at.Equal(t0) {
		t.Errorf("unsubscribed_at = %v, want %v", at, t0)
	}
}

func TestTrackingRefusesBadTokens(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	d, _, _ := launchedDelivery(t, f, s, "ann@example.com")
	sign := s.opts.Signer.Sign
	other := NewSigner([]byte("another key, another installation")).Sign
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"an open token does not work as a click", func() error { _, err := s.Click(ctx, sign(TokenOpen, d)); return err }, ErrBadToken},
		{"a click token without a link is refused", func() error { _, err := s.Click(ctx, sign(TokenClick, d)); return err }, ErrBadToken},
		{"a click token does not unsubscribe", func() error { return s.Unsubscribe(ctx, sign(TokenClick, d, 1)) }, ErrBadToken},
		{"an unsubscribe token does not count an open", func() error { return s.Open(ctx, sign(TokenUnsubscribe, d)) }, ErrBadToken},
		{"a token signed with another key is refused", func() error { return s.Open(ctx, other(TokenOpen, d)) }, ErrBadToken},
		{"garbage is refused", func() error { _, err := s.UnsubscribeInfo(ctx, "not-a-token!"); return err }, ErrBadToken},
		{"a token for a deleted delivery is not found", func() error { return s.Open(ctx, sign(TokenOpen, d+100)) }, store.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
		})
	}
	if n := f.count(`SELECT COUNT(*) FROM opens`) + f.count(`SELECT COUNT(*) FROM clicks`); n != 0 {
		t.Errorf("bad tokens recorded %d events", n)
	}
}
