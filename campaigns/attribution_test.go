package campaigns

import (
	"context"
	"testing"
	"time"
)

// clickAt records a click by customer on campaign's delivery at the given time.
func clickAt(t *testing.T, f *fixture, s *Service, campaignID, customerID int64, at time.Time) int64 {
	t.Helper()
	ctx := context.Background()
	var delivery int64
	f.db.Raw(`SELECT id FROM deliveries WHERE campaign_id = ? AND customer_id = ?`, campaignID, customerID).Scan(&delivery)
	link, err := s.links.ID(ctx, "https://shop.example/sale")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at)
	if _, err := s.Click(ctx, s.opts.Signer.Sign(TokenClick, delivery, link)); err != nil {
		t.Fatal(err)
	}
	var id int64
	f.db.Raw(`SELECT MAX(id) FROM clicks`).Scan(&id)
	return id
}

func (f *fixture) orderLine(orderID string, customer, product int64, amount float64, at time.Time) {
	f.exec(`INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?)`, orderID, customer, product, amount, amount, at, at)
}

func TestAttributeCreditsOrdersToTheLatestClickWithinTheWindow(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	day := 24 * time.Hour
	shirt, socks := f.product("Shirt"), f.product("Socks")
	names := []string{"within", "late", "edge", "before", "twice", "noclick"}
	cust := map[string]int64{}
	for _, n := range names {
		cust[n] = f.customer(n+"@example.com", n, "X")
	}
	first, second := f.campaign(s, "First"), f.campaign(s, "Second")
	for _, c := range []Campaign{first, second} {
		if _, err := s.Launch(ctx, c.ID, "k"); err != nil {
			t.Fatal(err)
		}
	}
	clicks := map[string]int64{}
	for _, n := range []string{"within", "late", "edge", "before", "twice"} {
		clicks[n] = clickAt(t, f, s, first.ID, cust[n], t0)
	}
	latest := clickAt(t, f, s, second.ID, cust["twice"], t0.Add(day))

	f.orderLine("O-within", cust["within"], shirt, 10, t0.Add(2*day))
	f.orderLine("O-within", cust["within"], socks, 15, t0.Add(2*day))
	f.orderLine("O-late", cust["late"], shirt, 40, t0.Add(8*day))
	f.orderLine("O-edge", cust["edge"], shirt, 30, t0.Add(7*day))
	f.orderLine("O-before", cust["before"], shirt, 50, t0.Add(-time.Hour))
	f.orderLine("O-twice", cust["twice"], socks, 20, t0.Add(3*day))
	f.orderLine("O-noclick", cust["noclick"], socks, 60, t0.Add(2*day))

	n, err := s.Attribute(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Attribute recorded %d conversions, want 3", n)
	}
	var got []struct {
		OrderID    string
		CustomerID int64
		CampaignID int64
		ClickID    int64
		Revenue    float64
		OrderedAt  time.Time
	}
	f.db.Raw(`SELECT order_id, customer_id, campaign_id, click_id, revenue, ordered_at FROM conversions ORDER BY order_id`).Scan(&got)
	type want struct {
		campaign, click int64
		revenue         float64
	}
	wants := map[string]want{
		"O-edge":   {first.ID, clicks["edge"], 30},
		"O-twice":  {second.ID, latest, 20},
		"O-within": {first.ID, clicks["within"], 25},
	}
	if len(got) != len(wants) {
		t.Fatalf("conversions = %+v, want orders O-edge, O-twice and O-within", got)
	}
	for _, g := range got {
		w, ok := wants[g.OrderID]
		if !ok || g.CampaignID != w.campaign || g.ClickID != w.click || g.Revenue != w.revenue {
			t.Errorf("conversion %+v, want %+v", g, w)
		}
	}
	n, err = s.Attribute(ctx)
	if err != nil || n != 0 {
		t.Errorf("second Attribute = %d, %v; want 0 new", n, err)
	}
	if c := f.count(`SELECT COUNT(*) FROM conversions`); c != 3 {
		t.Errorf("conversions after a second run = %d, want 3", c)
	}
}

func TestAttributeUsesTheConfiguredWindow(t *testing.T) {
	f := newFixture(t)
	s := f.service(func(o *Options) { o.AttributionWindow = time.Hour })
	ctx := context.Background()
	shirt := f.product("Shirt")
	ann := f.customer("ann@example.com", "Ann", "A")
	c := f.campaign(s, "Hourly")
	if _, err := s.Launch(ctx, c.ID, "k"); err != nil {
		t.Fatal(err)
	}
	clickAt(t, f, s, c.ID, ann, t0)
	f.orderLine("O-1", ann, shirt, 10, t0.Add(59*time.Minute))
	f.orderLine("O-2", ann, shirt, 10, t0.Add(61*time.Minute))
	if n, err := s.Attribute(ctx); err != nil || n != 1 {
		t.Fatalf("Attribute = %d, %v; want 1", n, err)
	}
	if n := f.count(`SELECT COUNT(*) FROM conversions WHERE order_id = 'O-1'`); n != 1 {
		t.Errorf("O-1 should be the attributed order")
	}
}
