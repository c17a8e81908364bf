package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
)

// demoClock is a settable clock for replaying the demo's past campaigns.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *demoClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *demoClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var (
	openPixel = regexp.MustCompile(`/t/o/([A-Za-z0-9_-]+)`)
	clickLink = regexp.MustCompile(`/t/c/([A-Za-z0-9_-]+)`)
)

// demoPast are campaigns the demo replays in the past, so the dashboards have history.
var demoPast = []struct {
	name, segment, template string
	daysAgo                 int
}{
	{"Autumn favourites", "Gold or silver tier in DE/FR", "Weekly picks", 24},
	{"Come back for more", "Lapsed customers", "We miss you", 11},
	{"Picks for our best customers", "High spenders", "Weekly picks", 4},
}

// demoHistory sends the past campaigns through the real pipeline with the clock set back,
// then has recipients open, click and buy through the real tracking and order paths:
// 42 % open, 28 % of openers click a product, 30 % of clickers buy it within hours. It is
// deterministic from the seed.
func (a *app) demoHistory(ctx context.Context, seed uint64, segIDs, tplIDs map[string]int64) error {
	key, err := a.accounts.Secret(ctx, "tracking", 32)
	if err != nil {
		return err
	}
	products, err := a.productPrices(ctx)
	if err != nil {
		return err
	}
	for i, p := range demoPast {
		clock := &demoClock{t: a.now().Truncate(24 * time.Hour).Add(-time.Duration(p.daysAgo)*24*time.Hour + 9*time.Hour)}
		svc := campaigns.NewService(a.db, campaigns.Options{Now: clock.Now, Signer: campaigns.NewSigner(key), BaseURL: a.cfg.BaseURL,
			Channel:     &campaigns.OutboxChannel{DB: a.db, From: a.cfg.SMTP.From, Now: clock.Now},
			Recommender: recAdapter{r: a.recsys, base: a.cfg.BaseURL}, Audience: a.segments, Logger: a.log})
		camp, err := svc.CreateCampaign(ctx, campaigns.Input{Name: p.name, SegmentID: segIDs[p.segment], TemplateID: tplIDs[p.template], ScheduleKind: campaigns.ScheduleManual})
		if err != nil {
			return fmt.Errorf("demo campaign %q: %w", p.name, err)
		}
		run, err := svc.Launch(ctx, camp.ID, "demo-history")
		if err != nil {
			return err
		}
		if err := drain(ctx, svc, camp.ID); err != nil {
			return err
		}
		var sent []struct {
			ExternalID string
			SentAt     time.Time
			HTML       string
		}
		err = a.db.WithContext(ctx).Raw(`SELECT c.external_id, d.sent_at, o.html FROM deliveries d
			JOIN customers c ON c.id = d.customer_id JOIN outbox o ON o.delivery_id = d.id
			WHERE d.run_id = ? AND d.status = 'sent' ORDER BY d.id`, run.ID).Scan(&sent).Error
		if err != nil {
			return err
		}
		rng := rand.New(rand.NewPCG(seed, uint64(i+1)))
		var orders []customers.OrderInput
		for _, d := range sent {
			if rng.Float64() >= 0.42 {
				continue
			}
			at := d.SentAt.Add(time.Duration(rng.IntN(36*60)) * time.Minute)
			clock.Set(at)
			if m := openPixel.FindStringSubmatch(d.HTML); m != nil {
				if err := svc.Open(ctx, m[1]); err != nil {
					return err
				}
			}
			links := clickLink.FindAllStringSubmatch(d.HTML, -1)
			if len(links) == 0 || rng.Float64() >= 0.28 {
				continue
			}
			at = at.Add(time.Duration(1+rng.IntN(20)) * time.Minute)
			clock.Set(at)
			dest, err := svc.Click(ctx, links[rng.IntN(len(links))][1])
			if err != nil {
				return err
			}
			productID := productFromURL(dest)
			price, ok := products[productID]
			if !ok || rng.Float64() >= 0.30 {
				continue
			}
			orders = append(orders, customers.OrderInput{OrderID: customers.Scalar(fmt.Sprintf("M%02d%05d", i+1, len(orders)+1)),
				CustomerID: customers.Scalar(d.ExternalID), ProductID: customers.Scalar(productID), Quantity: "1",
				UnitPrice: customers.Scalar(strconv.FormatFloat(price, 'f', 2, 64)),
				OrderedAt: customers.Scalar(at.Add(time.Duration(5+rng.IntN(600)) * time.Minute).Format(time.RFC3339))})
		}
		if len(orders) > 0 {
			if _, err := a.customers.AddOrders(ctx, orders); err != nil {
				return fmt.Errorf("demo orders: %w", err)
			}
		}
	}
	return nil
}

// drain runs the workers of svc until the campaign's latest run has nothing left to send.
func drain(ctx context.Context, svc *campaigns.Service, campaignID int64) error {
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- svc.Work(wctx) }()
	defer func() { cancel(); <-done }()
	for {
		p, err := svc.Progress(ctx, campaignID)
		if err != nil {
			return err
		}
		if p.Pending == 0 && p.Status != "sending" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// productPrices maps product ids to prices.
func (a *app) productPrices(ctx context.Context) (map[string]float64, error) {
	var rows []struct {
		ExternalID string
		Price      float64
	}
	if err := a.db.WithContext(ctx).Raw(`SELECT external_id, price FROM products`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	m := make(map[string]float64, len(rows))
	for _, r := range rows {
		m[r.ExternalID] = r.Price
	}
	return m, nil
}

// productFromURL reads the product id from a demo shop URL (…/products/P0123?utm_…).
func productFromURL(dest string) string {
	u, err := url.Parse(dest)
	if err != nil {
		return ""
	}
	return path.Base(u.Path)
}
