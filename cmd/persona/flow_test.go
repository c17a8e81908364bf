package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/persona-app/persona/customers/synth"
	"github.com/persona-app/persona/web"
)

// shop is a running Persona over a generated shop: the real wiring of this package, a
// real SQLite file, a real HTTP server on loopback.
type shop struct {
	t      *testing.T
	app    *app
	base   string
	env    map[string]string
	apiKey string
	dir    string
}

// cli runs a persona subcommand against the shop's database and returns its output.
func (s *shop) cli(args ...string) string {
	s.t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, func(k string) string { return s.env[k] }, &out, &errOut); err != nil {
		s.t.Fatalf("persona %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return out.String()
}

// newShop generates a small shop, imports it with the CLI, trains the recommender and
// serves the app. customers sizes the shop.
func newShop(t *testing.T, customersN int) *shop {
	t.Helper()
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &shop{t: t, dir: dir, base: "http://" + ln.Addr().String()}
	s.env = map[string]string{"DATABASE_URL": filepath.Join(dir, "persona.db"), "PERSONA_BASE_URL": s.base, "PERSONA_LOG_LEVEL": "error"}
	data := filepath.Join(dir, "data")
	opts := synth.DemoOptions(7, shopEnd())
	opts.Customers, opts.Products = customersN, 40
	if _, err := synth.Generate(data, opts); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"products", "customers", "orders", "events"} {
		var sum struct {
			Kind     string `json:"kind"`
			Rows     int    `json:"rows"`
			Imported int    `json:"imported"`
			Rejected int    `json:"rejected"`
		}
		out := s.cli("import", "--kind", k, "--json", filepath.Join(data, k+".csv"))
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatalf("import --json printed %q: %v", out, err)
		}
		if sum.Kind != k || sum.Rows == 0 || sum.Imported != sum.Rows || sum.Rejected != 0 {
			t.Fatalf("import %s: %+v", k, sum)
		}
	}
	s.cli("users", "add", "--email", "mia@example.com", "--password", "marketing rocks", "--role", "marketer")
	out := strings.TrimSpace(s.cli("apikeys", "create", "--name", "shop backend"))
	s.apiKey = out[strings.LastIndex(out, "\n")+1:]
	if !strings.HasPrefix(s.apiKey, "pk_") {
		t.Fatalf("apikeys create: last line %q is not a key", s.apiKey)
	}
	if out := s.cli("recsys", "train"); !strings.Contains(out, "trained") {
		t.Fatalf("recsys train printed %q", out)
	}

	cfg, err := loadConfig(func(k string) string { return s.env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s.app = a
	key, err := a.accounts.Secret(context.Background(), "session", 64)
	if err != nil {
		t.Fatal(err)
	}
	w, err := web.New(web.Options{BaseURL: s.base, SessionKey: key, Logger: a.log}, a.handlerDeps())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(w.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.campaigns.Work(ctx); close(done) }()
	t.Cleanup(func() { srv.Close(); cancel(); <-done; a.imports.Wait(); a.Close() })
	return s
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	s    *shop
	c    *http.Client
	csrf string
}

func (s *shop) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: s.t, s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, *goquery.Document) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		if b.csrf != "" {
			form.Set("_csrf", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.s.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, _ := goquery.NewDocumentFromReader(resp.Body)
	if tok, ok := doc.Find(`input[name="_csrf"]`).First().Attr("value"); ok {
		b.csrf = tok
	}
	return resp, doc
}

func (b *browser) login(email, password string) {
	b.t.Helper()
	b.do("GET", "/login", nil)
	resp, _ := b.do("POST", "/login", url.Values{"email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login: %d", resp.StatusCode)
	}
	b.do("GET", "/", nil)
}

// api calls the JSON API with the shop's key.
func (s *shop) api(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, s.base+path, r)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out)
	} else {
		out["list"] = json.RawMessage(raw)
	}
	return resp.StatusCode, out
}

// waitSent waits until the campaign's latest run has nothing pending.
func (s *shop) waitSent(id int64) {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		p, err := s.app.campaigns.Progress(context.Background(), id)
		if err != nil {
			s.t.Fatal(err)
		}
		if p.RunID != 0 && p.Pending == 0 && p.Status != "sending" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatal("campaign did not finish sending within 60 s")
}

func idFromLocation(t *testing.T, resp *http.Response) int64 {
	t.Helper()
	loc := resp.Header.Get("Location")
	parts := strings.Split(strings.Trim(loc, "/"), "/")
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		t.Fatalf("no id in redirect %q (status %d)", loc, resp.StatusCode)
	}
	return id
}

// shopEnd is the last moment of a test shop's generated data: the latest Monday 00:00 UTC.
// The generator's weekly rhythm depends on weekdays, so ending on a Monday gives the same
// shop every week (shifted by whole weeks) while keeping its data recent.
func shopEnd() time.Time {
	now := time.Now().UTC().Truncate(24 * time.Hour)
	return now.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
}
