package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/handlers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/segments/clusters"
	"github.com/persona-app/persona/segments/propensity"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/web"
)

// testApp is the real server over a test database, served by httptest.
type testApp struct {
	t    *testing.T
	db   *store.DB
	srv  *httptest.Server
	web  *web.Server
	deps handlers.Deps
	now  time.Time
}

const testPassword = "correct horse battery"

func newTestApp(t *testing.T) *testApp {
	t.Helper()
	db := store.OpenTest(t)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	acc := accounts.NewService(db, clock)
	ctx := context.Background()
	key, err := acc.Secret(ctx, "tracking", 32)
	if err != nil {
		t.Fatal(err)
	}
	seg := segments.NewService(db, clock)
	rec := recsys.NewService(db, clock)
	outbox := &campaigns.OutboxChannel{DB: db, From: "Shop <shop@example.com>", Now: clock}
	camp := campaigns.NewService(db, campaigns.Options{Now: clock, Signer: campaigns.NewSigner(key), BaseURL: "http://persona.test",
		Channel: outbox, Audience: seg, Logger: log})
	cust := customers.NewService(db, clock)
	deps := handlers.Deps{Accounts: acc, Customers: cust, Segments: seg, Recsys: rec, Templates: &campaigns.Templates{DB: db, Now: clock},
		Campaigns: camp, Outbox: outbox, Imports: customers.NewJobs(cust, log), Logger: log, Now: clock, BaseURL: "http://persona.test",
		Trainer: noTrainer{}, Propensity: &propensity.Service{DB: db, Now: clock}, Clusters: clusters.NewService(db, clock)}
	sessionKey, err := acc.Secret(ctx, "session", 64)
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{BaseURL: "http://persona.test", SessionKey: sessionKey, LoginRate: 5, Logger: log}, deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w.Handler())
	t.Cleanup(srv.Close)
	return &testApp{t: t, db: db, srv: srv, web: w, deps: deps, now: now}
}

func (a *testApp) addUser(email string, role accounts.Role) {
	a.t.Helper()
	if _, err := a.deps.Accounts.AddUser(context.Background(), email, testPassword, role); err != nil {
		a.t.Fatal(err)
	}
}

// client is a browser: a cookie jar and no automatic redirects.
type client struct {
	t    *testing.T
	app  *testApp
	http *http.Client
}

func (a *testApp) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: a.t, app: a, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string) (*http.Response, *goquery.Document) {
	c.t.Helper()
	resp, err := c.http.Get(c.app.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, _ := goquery.NewDocumentFromReader(resp.Body)
	return resp, doc
}

// csrf fetches a page and returns the CSRF token of its forms.
func (c *client) csrf(path string) string {
	c.t.Helper()
	_, doc := c.get(path)
	tok, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok || tok == "" {
		c.t.Fatalf("no CSRF token on %s", path)
	}
	return tok
}

func (c *client) post(path string, form url.Values) (*http.Response, *goquery.Document) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.app.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, _ := goquery.NewDocumentFromReader(resp.Body)
	return resp, doc
}

func (c *client) login(email string) {
	c.t.Helper()
	tok := c.csrf("/login")
	resp, _ := c.post("/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login as %s: status %d", email, resp.StatusCode)
	}
}

// noTrainer is the trainer of the web tests: nothing is ever running.
type noTrainer struct{}

func (noTrainer) Start(string) error { return nil }
func (noTrainer) State(model string) handlers.TrainingState {
	return handlers.TrainingState{Model: model}
}
