package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/PuerkitoBio/goquery"
	"strings"
	"testing"
	"time"
)

// TestTheWholeLoopOverHTTP runs data in → segment → template → campaign → delivery →
// click → attributed order → stats, through the CLI, the browser routes and the JSON API.
func TestTheWholeLoopOverHTTP(t *testing.T) {
	s := newShop(t, 150)
	ctx := context.Background()
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")

	// The live count agrees with the database.
	var want int64
	s.app.db.Raw(`SELECT COUNT(*) FROM customers WHERE country = 'DE' AND consent_email = ?`, true).Scan(&want)
	if want == 0 {
		t.Fatal("fixture has no consenting German customers")
	}
	form := url.Values{"name": {"German subscribers"}, "n.kind": {"group"}, "n.match": {"all"},
		"n_0.kind": {"field"}, "n_0.field": {"country"}, "n_0.op": {"eq"}, "n_0.value": {"DE"},
		"n_1.kind": {"field"}, "n_1.field": {"consent_email"}, "n_1.op": {"is_true"}}
	_, doc := b.do("POST", "/segments/count", cloneForm(form))
	if got := strings.TrimSpace(doc.Find(`[data-testid="live-count-value"]`).Text()); got != itoa64(want) {
		t.Fatalf("live count %q, want %d", got, want)
	}
	form.Set("op", "save")
	resp, _ := b.do("POST", "/segments", cloneForm(form))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save segment: %d", resp.StatusCode)
	}
	segID := idFromLocation(t, resp)

	// A bad template is refused with a message naming the line.
	resp, doc = b.do("POST", "/templates", url.Values{"name": {"Bad"}, "subject": {"Hi"}, "html": {"<p>ok</p>\n<p>{{.Customer.Frist_name}}</p>"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-html"]`).Text(), "line 2") {
		t.Fatalf("bad template: %d %q", resp.StatusCode, doc.Find(`[data-testid="error-html"]`).Text())
	}
	html := `<p>Hello {{.Customer.FirstName | default "friend"}}</p>
{{range .Recommendations}}<p class="rec"><a href="{{.URL}}">{{.Name}}</a> {{money .Price .Currency}}</p>{{end}}
<p><a href="https://shop.example/sale">Sale</a> <a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`
	resp, _ = b.do("POST", "/templates", url.Values{"name": {"Picks"}, "subject": {"Picks for {{.Customer.FirstName}}"}, "html": {html}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d", resp.StatusCode)
	}
	tplID := idFromLocation(t, resp)

	// A bad cron expression is refused, naming the field.
	resp, doc = b.do("POST", "/campaigns", url.Values{"name": {"Weekly"}, "segment_id": {itoa64(segID)}, "template_id": {itoa64(tplID)},
		"schedule_kind": {"cron"}, "cron_expr": {"61 9 * * *"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-cron_expr"]`).Text(), "minute") {
		t.Fatalf("bad cron: %d %q", resp.StatusCode, doc.Find(`[data-testid="error-cron_expr"]`).Text())
	}
	resp, _ = b.do("POST", "/campaigns", url.Values{"name": {"German picks"}, "segment_id": {itoa64(segID)}, "template_id": {itoa64(tplID)}, "schedule_kind": {"now"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create campaign: %d", resp.StatusCode)
	}
	campID := idFromLocation(t, resp)
	s.waitSent(campID)

	code, stats := s.api("GET", "/api/v1/campaigns/"+itoa64(campID)+"/stats", nil)
	if code != 200 || stats["recipients"].(float64) != float64(want) || stats["sent"].(float64) != float64(want) {
		t.Fatalf("stats after send: %d %v (want %d sent)", code, stats, want)
	}

	// The outbox holds one message per recipient, personalised, with tracked links.
	msgs, total, err := s.app.outbox.List(ctx, 1, 500)
	if err != nil || int64(total) != want {
		t.Fatalf("outbox has %d messages (%v), want %d", total, err, want)
	}
	m := msgs[0]
	if !strings.Contains(m.Subject, "Picks for ") || strings.Contains(m.HTML, "https://shop.example/sale") || !strings.Contains(m.HTML, s.base+"/t/c/") {
		t.Fatalf("message not personalised or links not tracked: %s\n%s", m.Subject, m.HTML)
	}
	if strings.Contains(m.Text, "https://shop.example/sale") || !strings.Contains(m.Text, s.base+"/t/c/") {
		t.Fatalf("links in the text part are not tracked:\n%s", m.Text)
	}
	if strings.Count(m.HTML, `class="rec"`) == 0 {
		t.Fatalf("no recommendations in the message:\n%s", m.HTML)
	}
	_, doc = b.do("GET", "/outbox/"+itoa64(m.ID), nil)
	var click string
	doc.Find(`[data-testid="message-link"]`).EachWithBreak(func(_ int, sel *goquery.Selection) bool {
		if strings.Contains(sel.Text(), "/t/c/") {
			click = sel.Text()
		}
		return click == ""
	})
	if click == "" {
		t.Fatal("outbox page lists no tracked link")
	}

	// A tampered token is a 404, never a redirect; the real one redirects to the stored URL.
	tampered := click[:len(click)-2] + flip(click[len(click)-2:])
	if r, _ := b.do("GET", strings.TrimPrefix(tampered, s.base), nil); r.StatusCode != http.StatusNotFound {
		t.Fatalf("tampered click token: %d, want 404", r.StatusCode)
	}
	r, _ := b.do("GET", strings.TrimPrefix(click, s.base), nil)
	if r.StatusCode != http.StatusFound || !strings.Contains(r.Header.Get("Location"), "utm_source=persona") {
		t.Fatalf("click: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}

	// An order by the clicking customer is attributed to the campaign.
	var cust struct{ ExternalID string }
	s.app.db.Raw(`SELECT c.external_id FROM clicks k JOIN customers c ON c.id = k.customer_id ORDER BY k.id DESC LIMIT 1`).Scan(&cust)
	code, sum := s.api("POST", "/api/v1/orders", map[string]any{"order_id": "WEB-1", "customer_id": cust.ExternalID, "product_id": "P0001",
		"quantity": 2, "unit_price": 19.5, "ordered_at": time.Now().UTC().Add(time.Minute).Format(time.RFC3339)})
	if code != 200 || sum["imported"].(float64) != 1 {
		t.Fatalf("post order: %d %v", code, sum)
	}
	_, stats = s.api("GET", "/api/v1/campaigns/"+itoa64(campID)+"/stats", nil)
	if stats["clicked"].(float64) != 1 || stats["converted"].(float64) != 1 || stats["revenue"].(float64) != 39 {
		t.Fatalf("stats after click and order: %v", stats)
	}
	_, doc = b.do("GET", "/campaigns/"+itoa64(campID), nil)
	if got := doc.Find(`[data-testid="funnel-converted"]`).Text(); got != "1" {
		t.Fatalf("campaign page shows %q conversions", got)
	}

	// The API: unauthenticated calls are refused; recommendations and lists answer.
	req, _ := http.NewRequest("GET", s.base+"/api/v1/campaigns", nil)
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API without key: %v %v", r.StatusCode, err)
	}
	code, recs := s.api("GET", "/api/v1/customers/"+cust.ExternalID+"/recommendations?n=5", nil)
	if code != 200 || len(recs["items"].([]any)) != 5 {
		t.Fatalf("recommendations: %d %v", code, recs)
	}
	// Sending again through the API with the same idempotency key launches one run.
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("POST", s.base+"/api/v1/campaigns/"+itoa64(campID)+"/send", nil)
		req.Header.Set("Authorization", "Bearer "+s.apiKey)
		req.Header.Set("Idempotency-Key", "resend-1")
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != http.StatusAccepted {
			t.Fatalf("API send %d: %v %v", i, r.StatusCode, err)
		}
		r.Body.Close()
	}
	s.waitSent(campID)
	var runs int64
	s.app.db.Raw(`SELECT COUNT(*) FROM runs WHERE campaign_id = ?`, campID).Scan(&runs)
	if runs != 2 {
		t.Fatalf("runs = %d, want 2 (the UI send and one API send)", runs)
	}
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
