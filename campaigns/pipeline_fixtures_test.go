package campaigns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// t0 is the start of every test clock: a Wednesday.
var t0 = time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)

// testClock is the injected clock; tests move it by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: t0} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// fakeAudience resolves a segment to a WHERE clause over customers; segments it does not
// know select everybody.
type fakeAudience struct {
	where map[int64]string
}

func (a fakeAudience) AudienceSQL(_ context.Context, segmentID int64) (string, []any, error) {
	if w, ok := a.where[segmentID]; ok {
		return "SELECT id FROM customers WHERE " + w, nil, nil
	}
	return "SELECT id FROM customers WHERE id > ?", []any{0}, nil
}

// fakeRecommender recommends the same products to everybody, or fails. It answers that
// "blend" served a request for "best" and records every request when reqs is set.
type fakeRecommender struct {
	items []RecItem
	err   error
	reqs  *recRequests
}

// recRequests records what a fakeRecommender was asked, by customer.
type recRequests struct {
	mu sync.Mutex
	by map[int64]RecRequest
}

func (r *recRequests) get(customerID int64) (RecRequest, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	req, ok := r.by[customerID]
	return req, ok
}

func (r fakeRecommender) Recommend(_ context.Context, customerID int64, req RecRequest) ([]RecItem, string, error) {
	if r.reqs != nil {
		r.reqs.mu.Lock()
		if r.reqs.by == nil {
			r.reqs.by = map[int64]RecRequest{}
		}
		r.reqs.by[customerID] = req
		r.reqs.mu.Unlock()
	}
	if r.err != nil {
		return nil, "", r.err
	}
	served := req.Algorithm
	if served == "best" {
		served = "blend"
	}
	return r.items[:min(req.N, len(r.items))], served, nil
}

var testRecs = []RecItem{
	{ProductID: 11, Name: "Linen Shirt", Price: 49.9, Currency: "EUR", URL: "https://shop.example/p/linen-shirt"},
	{ProductID: 12, Name: "Merino Socks", Price: 19.5, Currency: "EUR", URL: "https://shop.example/p/merino-socks"},
	{ProductID: 13, Name: "Canvas Tote", Price: 25, Currency: "EUR", URL: "https://shop.example/p/canvas-tote"},
}

// fakeChannel records what it is asked to send; fail, when set, decides failures.
type fakeChannel struct {
	mu     sync.Mutex
	sent   []Outgoing
	fail   func(m Outgoing, attempt int) error
	tries  map[string]int
	onSend func(m Outgoing)
}

func (c *fakeChannel) Send(_ context.Context, m Outgoing) (SendResult, error) {
	c.mu.Lock()
	if c.tries == nil {
		c.tries = map[string]int{}
	}
	c.tries[m.To]++
	attempt := c.tries[m.To]
	fail, onSend := c.fail, c.onSend
	c.mu.Unlock()
	if fail != nil {
		if err := fail(m, attempt); err != nil {
			return SendResult{}, err
		}
	}
	c.mu.Lock()
	c.sent = append(c.sent, m)
	c.mu.Unlock()
	if onSend != nil {
		onSend(m)
	}
	return SendResult{MessageID: m.MessageID, Response: "250 OK"}, nil
}

func (c *fakeChannel) Close() error { return nil }

func (c *fakeChannel) Sent() []Outgoing {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Outgoing(nil), c.sent...)
}

// fixture is a migrated database with a clock and helpers to fill it.
type fixture struct {
	t     testing.TB
	db    *store.DB
	clock *testClock
	seq   int
}

func newFixture(t testing.TB) *fixture {
	return &fixture{t: t, db: store.OpenTest(t), clock: newClock()}
}

func (f *fixture) exec(sql string, args ...any) {
	f.t.Helper()
	if err := f.db.Exec(sql, args...).Error; err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *fixture) insert(sql string, args ...any) int64 {
	f.t.Helper()
	var id int64
	if err := f.db.Raw(sql+" RETURNING id", args...).Scan(&id).Error; err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return id
}

// customer adds a customer who consented to email.
func (f *fixture) customer(email, first, last string) int64 {
	f.t.Helper()
	f.seq++
	return f.insert(`INSERT INTO customers (external_id, email, first_name, last_name, consent_email, attributes,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, '{"plan":"gold"}', ?, ?)`,
		fmt.Sprintf("C-%d", f.seq), email, first, last, true, t0, t0)
}

// customers adds n consenting customers user<i>@example.com in one statement per 500.
func (f *fixture) customers(n int) {
	f.t.Helper()
	for start := 0; start < n; start += 500 {
		var rows []string
		var args []any
		for i := start; i < min(n, start+500); i++ {
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?)")
			args = append(args, fmt.Sprintf("B-%d", i), fmt.Sprintf("user%d@example.com", i), fmt.Sprintf("User%d", i), "Test", true, t0, t0)
		}
		f.exec(`INSERT INTO customers (external_id, email, first_name, last_name, consent_email, created_at, updated_at)
			VALUES `+strings.Join(rows, ", "), args...)
	}
}

func (f *fixture) segment(name string) int64 {
	return f.insert(`INSERT INTO segments (name, rules, created_at, updated_at) VALUES (?, '{}', ?, ?)`, name, t0, t0)
}

func (f *fixture) template(name, subject, html, text string) int64 {
	return f.insert(`INSERT INTO templates (name, subject, html, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		name, subject, html, text, t0, t0)
}

func (f *fixture) product(name string) int64 {
	f.seq++
	return f.insert(`INSERT INTO products (external_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)`,
		fmt.Sprintf("P-%d", f.seq), name, t0, t0)
}

func (f *fixture) count(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.db.Raw(sql, args...).Scan(&n).Error; err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

const testHTML = `<html><body><p>Hello {{.Customer.FirstName}}</p>` +
	`<p><a href="https://shop.example/sale?x=1">See the sale</a></p>` +
	`{{range .Recommendations}}<div class="rec"><a href="{{.URL}}">{{.Name}}</a> {{money .Price .Currency}}</div>{{end}}` +
	`<p><a href="{{.UnsubscribeURL}}">Unsubscribe</a> <a href="mailto:help@shop.example">Help</a></p></body></html>`

const testText = "Hello {{.Customer.FirstName}},\n{{range .Recommendations}}- {{.Name}}\n{{end}}"

// service builds a Service over the fixture with fakes; change opts in adjust.
func (f *fixture) service(adjust func(o *Options)) *Service {
	o := Options{
		Now:         f.clock.Now,
		Signer:      NewSigner([]byte("0123456789abcdef0123456789abcdef")),
		BaseURL:     "https://shop.example",
		Channel:     &fakeChannel{},
		Recommender: fakeRecommender{items: testRecs},
		Audience:    fakeAudience{},
		BatchSize:   10,
		ClaimTTL:    5 * time.Minute,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if adjust != nil {
		adjust(&o)
	}
	s := NewService(f.db, o)
	s.poll = 20 * time.Millisecond
	return s
}

// campaign creates a manual campaign over a new segment and the test template.
func (f *fixture) campaign(s *Service, name string) Campaign {
	f.t.Helper()
	c, err := s.CreateCampaign(context.Background(), Input{Name: name, SegmentID: f.segment("seg " + name),
		TemplateID: f.template("tpl "+name, "News for {{.Customer.FirstName}}", testHTML, testText), ScheduleKind: ScheduleManual})
	if err != nil {
		f.t.Fatalf("create campaign: %v", err)
	}
	return c
}

// drain works batches on the calling goroutine until nothing is claimable now, then
// finishes runs: a deterministic stand-in for Work.
func drain(t testing.TB, s *Service, ch Channel) {
	t.Helper()
	ctx := context.Background()
	for {
		n, err := s.workBatch(ctx, ch)
		if err != nil {
			t.Fatalf("work batch: %v", err)
		}
		if n == 0 {
			break
		}
	}
	if err := s.finishRuns(ctx); err != nil {
		t.Fatalf("finish runs: %v", err)
	}
}

// workUntil runs Work until the campaign's latest run has status want, then stops it.
func workUntil(t testing.TB, s *Service, campaignID int64, want string) Progress {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Work(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Work: %v", err)
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		p, err := s.Progress(context.Background(), campaignID)
		if err != nil {
			t.Fatalf("progress: %v", err)
		}
		if p.Status == want {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("run still %q after 60s: %+v", p.Status, p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deliveryStatuses maps each delivery's email to status and error.
func (f *fixture) deliveryStatuses(runID int64) map[string]string {
	f.t.Helper()
	var rows []struct{ Email, Status, Error string }
	if err := f.db.Raw(`SELECT email, status, error FROM deliveries WHERE run_id = ?`, runID).Scan(&rows).Error; err != nil {
		f.t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		out[r.Email] = strings.TrimSuffix(r.Status+" "+r.Error, " ")
	}
	return out
}

var errTransient = errors.New("451 4.3.0 try again later")
