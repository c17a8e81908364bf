package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments/clusters"
)

// upload posts a multipart form with one file.
func (b *browser) upload(path string, fields map[string]string, file, content string) (*http.Response, *goquery.Document) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", b.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", file)
	_, _ = io.WriteString(fw, content)
	_ = w.Close()
	req, _ := http.NewRequest("POST", b.s.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
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

func TestImportingAShopsOwnFileThroughTheMappingStep(t *testing.T) {
	s := newShop(t, 20)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	b.do("GET", "/imports/new", nil)
	file := "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n" +
		"536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850.0,United Kingdom\n" +
		"536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom\n" +
		"536366,22633,HAND WARMER,6,not a date,1.85,17850.0,United Kingdom\n"
	resp, doc := b.upload("/imports", map[string]string{"kind": "orders"}, "invoices.csv", file)
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="import-map"]`).Length() != 1 {
		t.Fatalf("upload: %d, mapping step shown %d", resp.StatusCode, doc.Find(`[data-testid="import-map"]`).Length())
	}
	action, _ := doc.Find(`[data-testid="import-map"]`).Attr("action")
	form := url.Values{"kind": {"orders"}, "file_name": {"invoices.csv"}}
	// A missing required column is refused with the column named.
	resp, doc = b.do("POST", action, cloneForm(form))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-map_order_id"]`).Text(), "order_id") {
		t.Fatalf("mapping without order_id: %d %q", resp.StatusCode, doc.Find(`[data-testid="error-map_order_id"]`).Text())
	}
	for src, dst := range map[string]string{"InvoiceNo": "order_id", "StockCode": "product_id", "Description": "product_name",
		"Quantity": "quantity", "InvoiceDate": "ordered_at", "UnitPrice": "unit_price", "CustomerID": "customer_id"} {
		form.Set("map_"+dst, src)
	}
	resp, _ = b.do("POST", action, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start import: %d", resp.StatusCode)
	}
	job := resp.Header.Get("Location")
	var summary *goquery.Document
	for i := 0; i < 100 && summary == nil; i++ {
		_, doc := b.do("GET", job, nil)
		if doc.Find(`[data-testid="import-summary"]`).Length() == 1 {
			summary = doc
		} else if doc.Find(`[data-testid="import-bar"]`).Length() != 1 {
			t.Fatal("an import in progress shows no progress bar")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if summary == nil {
		t.Fatal("the import did not finish")
	}
	if got := summary.Find(`[data-testid="summary-imported"]`).Text(); got != "2" {
		t.Fatalf("imported %q, want 2", got)
	}
	errs := summary.Find(`[data-testid="import-errors"] td`).Text()
	if !strings.Contains(errs, "4") || !strings.Contains(errs, "ordered_at") {
		t.Fatalf("rejected row not reported with its line and column: %q", errs)
	}
	var n int64
	s.app.db.Raw(`SELECT COUNT(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.external_id = '17850'`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d order lines stored for customer 17850, want 2", n)
	}
}

func TestCustomerListAndProfile(t *testing.T) {
	s := newShop(t, 60)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	var c struct {
		ID         int64
		ExternalID string
		Email      string
		Frequency  int
	}
	s.app.db.Raw(`SELECT c.id, c.external_id, c.email, f.frequency FROM customers c JOIN customer_features f ON f.customer_id = c.id
		WHERE f.frequency > 1 ORDER BY c.id LIMIT 1`).Scan(&c)
	_, doc := b.do("GET", "/customers?q="+url.QueryEscape(c.Email), nil)
	if rows := doc.Find(`[data-testid="customer-table"] tbody tr`); rows.Length() != 1 || !strings.Contains(rows.Text(), c.ExternalID) {
		t.Fatalf("search by email found %d rows", rows.Length())
	}
	_, doc = b.do("GET", "/customers?country=ZZ", nil)
	if doc.Find(`[data-testid="empty"]`).Length() != 1 {
		t.Fatal("an unknown country should show the empty state")
	}
	_, doc = b.do("GET", "/customers/"+itoa64(c.ID), nil)
	if got := doc.Find(`[data-testid="feature-frequency"]`).Text(); got != itoa64(int64(c.Frequency)) {
		t.Fatalf("profile frequency %q, want %d", got, c.Frequency)
	}
	if doc.Find(`[data-testid="timeline"] li`).Length() == 0 || doc.Find(`[data-testid="rec"]`).Length() != 8 {
		t.Fatalf("profile: %d timeline entries, %d recommendations", doc.Find(`[data-testid="timeline"] li`).Length(), doc.Find(`[data-testid="rec"]`).Length())
	}
	if doc.Find(`[data-testid="rec-reason"]`).First().Text() == "" {
		t.Fatal("recommendations carry no reason")
	}
	if tier := strings.TrimSpace(doc.Find(`[data-testid="rfm-tier"]`).Text()); tier == "" || doc.Find(`[data-testid="activity"] tbody tr`).Length() < 4 {
		t.Fatalf("profile: RFM tier %q, %d activity rows", tier, doc.Find(`[data-testid="activity"] tbody tr`).Length())
	}
	if doc.Find(`[data-testid="cluster"]`).Length() != 0 {
		t.Fatal("a cluster is shown before customers were clustered")
	}
	// The spend chart is drawn only when there is more than one category to compare.
	var buyers []int64
	s.app.db.Raw(`SELECT DISTINCT customer_id FROM orders ORDER BY customer_id LIMIT 40`).Scan(&buyers)
	seen := map[bool]bool{}
	for _, id := range buyers {
		_, doc := b.do("GET", "/customers/"+itoa64(id), nil)
		categories := doc.Find(`[data-testid="top-categories"] li`).Length()
		charts := doc.Find(`[data-testid="category-chart"]`).Length()
		if categories == 0 || charts != map[bool]int{false: 0, true: 1}[categories > 1] {
			t.Fatalf("customer %d: %d top categories, %d charts", id, categories, charts)
		}
		seen[categories > 1] = true
	}
	if !seen[true] || !seen[false] {
		t.Fatalf("the first %d buyers do not include both one and several categories: %v", len(buyers), seen)
	}
	if _, err := s.app.clusters.Run(context.Background(), clusters.RunOptions{K: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	_, doc = b.do("GET", "/customers/"+itoa64(c.ID), nil)
	if doc.Find(`[data-testid="cluster"] .live-count`).Text() == "" {
		t.Fatal("the profile does not name the customer's cluster")
	}
	// Preview a template for this customer: their name and recommendations appear.
	b.do("GET", "/templates/new", nil)
	_, doc = b.do("POST", "/templates/preview", url.Values{"subject": {"For {{.Customer.ExternalID}}"},
		"html": {`{{range .Recommendations}}<p>{{.Name}}</p>{{end}}`}, "customer": {c.ExternalID}})
	if got := doc.Find(`[data-testid="preview-subject"]`).Text(); got != "For "+c.ExternalID {
		t.Fatalf("preview subject %q", got)
	}
	if srcdoc, _ := doc.Find(`[data-testid="preview-frame"]`).Attr("srcdoc"); strings.Count(srcdoc, "<p>") != 4 {
		t.Fatalf("preview shows %d recommendations, want 4: %q", strings.Count(srcdoc, "<p>"), srcdoc)
	}
}

// campaignShop is a shop of 40 customers with a marketer signed in, a segment of everyone
// with email consent and a template with an unsubscribe link.
func campaignShop(t *testing.T) (s *shop, b *browser, seg, tpl int64) {
	s = newShop(t, 40)
	b = s.browser()
	b.login("mia@example.com", "marketing rocks")
	b.do("GET", "/segments/new", nil)
	resp, _ := b.do("POST", "/segments", url.Values{"name": {"All"}, "n.kind": {"group"}, "n.match": {"all"}, "n_0.kind": {"field"}, "n_0.field": {"consent_email"}, "n_0.op": {"is_true"}, "op": {"save"}})
	seg = idFromLocation(t, resp)
	resp, _ = b.do("POST", "/templates", url.Values{"name": {"U"}, "subject": {"Hi"}, "html": {`<a href="{{.UnsubscribeURL}}">Unsubscribe</a>`}})
	return s, b, seg, idFromLocation(t, resp)
}

func TestCampaignPageAndDashboardSayWhatTheyShow(t *testing.T) {
	s, b, seg, tpl := campaignShop(t)
	// A campaign not sent yet has no funnel to draw; a sent one has.
	resp, _ := b.do("POST", "/campaigns", url.Values{"name": {"Later"}, "segment_id": {itoa64(seg)}, "template_id": {itoa64(tpl)}, "schedule_kind": {"manual"}})
	_, doc := b.do("GET", "/campaigns/"+itoa64(idFromLocation(t, resp)), nil)
	if doc.Find(`[data-testid="funnel-chart"]`).Length() != 0 || doc.Find(`[data-testid="funnel-empty"]`).Length() != 1 {
		t.Fatal("a campaign with no recipients draws an empty funnel")
	}
	if got := strings.TrimSpace(doc.Find(`[data-testid="launch"]`).Text()); got != "Send now" {
		t.Fatalf("a draft's launch button says %q, want Send now", got)
	}
	resp, _ = b.do("POST", "/campaigns", url.Values{"name": {"U"}, "segment_id": {itoa64(seg)}, "template_id": {itoa64(tpl)}, "schedule_kind": {"now"}})
	sent := idFromLocation(t, resp)
	s.waitSent(sent)
	_, doc = b.do("GET", "/campaigns/"+itoa64(sent), nil)
	if doc.Find(`[data-testid="funnel-chart"]`).Length() != 1 {
		t.Fatal("a sent campaign draws no funnel")
	}
	// Launching a campaign that was sent sends it again: the button and its question say so.
	launch := doc.Find(`[data-testid="launch"]`)
	confirm, _ := launch.Closest("form").Attr("data-confirm")
	if got := strings.TrimSpace(launch.Text()); got != "Send again" || !strings.Contains(confirm, "sent before") {
		t.Fatalf("a sent campaign's launch button says %q and asks %q", got, confirm)
	}
	// The dashboard says what "best" serves.
	want := []string{"item-to-item collaborative filtering"}
	if weights, ok := s.app.recsys.BlendWeights(); ok {
		want = []string{"the blend of "}
		for name, w := range weights {
			want = append(want, fmt.Sprintf("%s %.0f %%", recsys.Label(name), 100*w))
		}
		if len(weights) == 1 {
			for name := range weights {
				want = []string{recsys.Label(name) + " alone"}
			}
		}
	}
	_, doc = b.do("GET", "/", nil)
	for _, w := range want {
		if got := doc.Find(`[data-testid="dashboard-best"]`).Text(); !strings.Contains(got, w) {
			t.Fatalf("the dashboard says %q, want it to name %q", got, w)
		}
	}
}

func TestUnsubscribeAsksFirstAndOneClickWorksWithoutASession(t *testing.T) {
	s, b, seg, tpl := campaignShop(t)
	ctx := context.Background()
	resp, _ := b.do("POST", "/campaigns", url.Values{"name": {"U"}, "segment_id": {itoa64(seg)}, "template_id": {itoa64(tpl)}, "schedule_kind": {"now"}})
	s.waitSent(idFromLocation(t, resp))
	msgs, _, err := s.app.outbox.List(ctx, 1, 2)
	if err != nil || len(msgs) < 2 {
		t.Fatalf("outbox: %v", err)
	}
	unsub := func(m string) string {
		for _, line := range strings.Split(m, "\n") {
			if v, ok := strings.CutPrefix(line, "List-Unsubscribe: <"); ok {
				return strings.TrimSuffix(v, ">")
			}
		}
		t.Fatalf("no List-Unsubscribe header in %q", m)
		return ""
	}
	first, second := unsub(msgs[0].Headers), unsub(msgs[1].Headers)

	anon := s.browser()
	resp, doc := anon.do("GET", strings.TrimPrefix(first, s.base), nil)
	if resp.StatusCode != 200 || doc.Find(`[data-testid="unsubscribe-confirm"]`).Length() != 1 {
		t.Fatalf("unsubscribe page: %d", resp.StatusCode)
	}
	if n := s.count(`SELECT COUNT(*) FROM customers WHERE unsubscribed_at IS NOT NULL`); n != 0 {
		t.Fatal("a GET unsubscribed someone")
	}
	resp, doc = anon.do("POST", strings.TrimPrefix(first, s.base), url.Values{})
	if resp.StatusCode != 200 || !strings.Contains(doc.Text(), "You are unsubscribed") {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	// RFC 8058 one-click: a mail provider posts with no cookies at all.
	r, err := http.Post(second, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("one-click: %v %v", err, r.StatusCode)
	}
	r.Body.Close()
	if n := s.count(`SELECT COUNT(*) FROM customers WHERE unsubscribed_at IS NOT NULL`); n != 2 {
		t.Fatalf("%d customers unsubscribed, want 2", n)
	}
	if r, _ := anon.do("POST", "/u/AAAAtampered", url.Values{}); r.StatusCode != http.StatusNotFound {
		t.Fatalf("tampered unsubscribe token: %d", r.StatusCode)
	}
}

func (s *shop) count(q string, args ...any) int64 {
	var n int64
	s.app.db.Raw(q, args...).Scan(&n)
	return n
}

func TestSegmentPageExportsMembersAndComparesSegments(t *testing.T) {
	s := newShop(t, 80)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	b.do("GET", "/segments/new", nil)
	resp, _ := b.do("POST", "/segments", url.Values{"name": {"Germans"}, "n.kind": {"group"}, "n.match": {"all"}, "n_0.kind": {"field"}, "n_0.field": {"country"}, "n_0.op": {"eq"}, "n_0.value": {"DE"}, "op": {"save"}})
	de := idFromLocation(t, resp)
	resp, _ = b.do("POST", "/segments", url.Values{"name": {"Consenting"}, "n.kind": {"group"}, "n.match": {"all"}, "n_0.kind": {"field"}, "n_0.field": {"consent_email"}, "n_0.op": {"is_true"}, "op": {"save"}})
	ok := idFromLocation(t, resp)
	germans := s.count(`SELECT COUNT(*) FROM customers WHERE country = 'DE'`)
	both := s.count(`SELECT COUNT(*) FROM customers WHERE country = 'DE' AND consent_email = ?`, true)

	req, _ := http.NewRequest("GET", s.base+"/segments/"+itoa64(de)+"/members.csv", nil)
	r, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if r.Header.Get("Content-Type") != "text/csv; charset=utf-8" || int64(len(lines)) != germans+1 || !strings.HasPrefix(lines[0], "customer_id,email") {
		t.Fatalf("export: %s, %d lines for %d members", r.Header.Get("Content-Type"), len(lines), germans)
	}
	_, doc := b.do("GET", "/segments/"+itoa64(de)+"?with="+itoa64(ok), nil)
	if got := doc.Find(`[data-testid="overlap"] strong`).Text(); got != itoa64(both) {
		t.Fatalf("overlap shows %q in both, want %d", got, both)
	}
}

func TestModelsPageRetrainsInTheBackground(t *testing.T) {
	s := newShop(t, 80)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	_, doc := b.do("GET", "/models", nil)
	if doc.Find(`[data-testid="recsys-model"]`).Length() != 1 || !strings.Contains(doc.Find(`[data-testid="propensity-model"]`).Text(), "Not trained yet") {
		t.Fatal("models page: recommender not shown, or an untrained propensity model shown as trained")
	}
	before, _ := s.app.recsys.Status()
	resp, _ := b.do("POST", "/models/recsys/train", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("train: %d", resp.StatusCode)
	}
	deadline := time.Now().Add(30 * time.Second)
	for s.app.trainer.State("recsys").Running || s.app.trainer.State("recsys").StartedAt.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("training did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	after, _ := s.app.recsys.Status()
	if !after.TrainedAt.After(before.TrainedAt) || s.app.trainer.State("recsys").Err != "" {
		t.Fatalf("the recommender was not retrained: %v → %v (%s)", before.TrainedAt, after.TrainedAt, s.app.trainer.State("recsys").Err)
	}
	resp, _ = b.do("GET", "/models/recsys/status", nil)
	if resp.Header.Get("HX-Refresh") != "true" {
		t.Fatal("a finished training should make the page reload")
	}
	// Clustering from the page: the table of clusters appears with portraits.
	b.do("GET", "/models", nil)
	b.do("POST", "/models/clusters/train", url.Values{})
	for s.app.trainer.State("clusters").Running || s.app.trainer.State("clusters").StartedAt.IsZero() {
		if time.Now().After(deadline) {
			t.Fatal("clustering did not finish")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if e := s.app.trainer.State("clusters").Err; e != "" {
		t.Fatalf("clustering failed: %s", e)
	}
	_, doc = b.do("GET", "/models", nil)
	rows := doc.Find(`[data-testid="cluster-table"] tbody tr`)
	if rows.Length() < 2 || rows.Length() != mustAtoi(t, doc.Find(`[data-testid="cluster-k"]`).Text()) {
		t.Fatalf("cluster table has %d rows for k = %q", rows.Length(), doc.Find(`[data-testid="cluster-k"]`).Text())
	}
	if n := s.count(`SELECT COUNT(*) FROM customer_clusters`); n != s.count(`SELECT COUNT(*) FROM customers`) {
		t.Fatalf("%d customers assigned to clusters", n)
	}
	if resp, _ := b.do("POST", "/models/nothing/train", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown model: %d", resp.StatusCode)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("%q is not a number", s)
	}
	return n
}

// An event arriving through the API changes that customer's next recommendations at once,
// without retraining: scoring reads the customer's own history when it is asked.
func TestAnAPIEventChangesTheNextRecommendationsWithinASecond(t *testing.T) {
	s := newShop(t, 120)
	var cust string
	// A customer with history who has left some categories untouched.
	s.app.db.Raw(`SELECT c.external_id FROM customers c JOIN events e ON e.customer_id = c.id JOIN products p ON p.id = e.product_id
		GROUP BY c.id, c.external_id HAVING COUNT(*) >= 5 ORDER BY COUNT(DISTINCT p.category), c.id LIMIT 1`).Scan(&cust)
	recs := func() []string {
		code, body := s.api("GET", "/api/v1/customers/"+cust+"/recommendations?n=10", nil)
		if code != 200 {
			t.Fatalf("recommendations: %d %v", code, body)
		}
		var ids []string
		for _, it := range body["items"].([]any) {
			ids = append(ids, it.(map[string]any)["product_id"].(string))
		}
		return ids
	}
	before := recs()
	// Views of a product the customer never touched, from a category they never touched.
	var product string
	s.app.db.Raw(`SELECT p.external_id FROM products p WHERE p.category NOT IN (SELECT p2.category FROM events e JOIN products p2 ON p2.id = e.product_id
		JOIN customers c ON c.id = e.customer_id WHERE c.external_id = ?) ORDER BY p.id LIMIT 1`, cust).Scan(&product)
	if product == "" {
		t.Fatal("fixture: the customer has touched every category")
	}
	start := time.Now()
	var events []map[string]any
	for i := 0; i < 6; i++ {
		events = append(events, map[string]any{"customer_id": cust, "type": "cart", "product_id": product,
			"occurred_at": time.Now().UTC().Add(time.Duration(i) * time.Second).Format(time.RFC3339)})
	}
	if code, body := s.api("POST", "/api/v1/events", events); code != 200 {
		t.Fatalf("post events: %d %v", code, body)
	}
	after := recs()
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("event to new recommendations took %s", elapsed)
	}
	if strings.Join(before, ",") == strings.Join(after, ",") {
		t.Fatalf("recommendations did not change after the customer carted %s six times: %v", product, after)
	}
}
