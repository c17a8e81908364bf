package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/store"
)

// blockForm is the template editor filled in with a recommendation block; extra fields
// replace or add values.
func blockForm(extra url.Values) url.Values {
	v := url.Values{"name": {"Two categories"}, "subject": {"Picks for {{.Customer.FirstName}}"},
		"html":      {`{{range .Recommendations}}<p>{{.Name}}</p>{{end}}<a href="{{.UnsubscribeURL}}">Unsubscribe</a>`},
		"rec_block": {"1"}, "rec_algorithm": {"item-to-item"}, "rec_count": {"4"},
		"rec_exclude_bought": {"1"}, "rec_in_stock": {"1"}, "rec_max_per_category": {"1"}}
	for k, vals := range extra {
		v[k] = vals
	}
	return v
}

func attr(doc *goquery.Document, testid, name string) string {
	v, _ := doc.Find(`[data-testid="` + testid + `"]`).Attr(name)
	return v
}

func TestBestIsRecordedAsTheAlgorithmItResolvesTo(t *testing.T) {
	s := newShop(t, 60)
	var customer int64
	s.app.db.Raw(`SELECT customer_id FROM orders ORDER BY customer_id LIMIT 1`).Scan(&customer)
	ra := recAdapter{r: s.app.recsys, base: s.base}
	want := "item-to-item"
	if slices.Contains(s.app.recsys.Algorithms(), "blend") {
		want = "blend"
	}
	t.Logf("best resolves to %s on this shop", want)
	for _, asked := range []string{"best", ""} {
		items, served, err := ra.Recommend(context.Background(), customer, campaigns.RecRequest{Algorithm: asked, N: 4, Rules: "{}"})
		if err != nil || len(items) != 4 || served != want {
			t.Errorf("asking for %q: %d items served by %q (%v), want 4 by %q", asked, len(items), served, err, want)
		}
	}
	items, served, err := ra.Recommend(context.Background(), customer, campaigns.RecRequest{Algorithm: "popularity", N: 3, Rules: `{"max_per_category":1}`})
	if err != nil || served != "popularity" || len(items) != 3 || items[0].Category == items[1].Category || items[1].Category == items[2].Category || items[0].Category == items[2].Category {
		t.Errorf("popularity, one per category: %+v served by %q (%v)", items, served, err)
	}
	if _, _, err := ra.Recommend(context.Background(), customer, campaigns.RecRequest{Algorithm: "best", N: 4, Rules: `{"nonsense":1}`}); err == nil {
		t.Error("rules JSON with an unknown key was accepted")
	}
}

func TestTheTemplateFormSetsTheRecommendationBlockAndDeliveriesRecordIt(t *testing.T) {
	s := newShop(t, 60)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	var cats []string
	s.app.db.Raw(`SELECT category FROM products WHERE in_stock = ? GROUP BY category ORDER BY COUNT(*) DESC, category LIMIT 2`, true).Scan(&cats)
	if len(cats) != 2 {
		t.Fatalf("categories = %v, want two", cats)
	}

	_, doc := b.do("GET", "/templates/new", nil)
	if _, ok := doc.Find(`[data-testid="rec-exclude-bought"]`).Attr("checked"); !ok {
		t.Error("a new template does not exclude products already bought")
	}
	if _, ok := doc.Find(`[data-testid="rec-in-stock"]`).Attr("checked"); !ok {
		t.Error("a new template does not keep to products in stock")
	}
	if got := doc.Find(`[data-testid="rec-algorithm"] option[selected]`).Text(); got != "Best (tuned blend)" {
		t.Errorf("a new template's algorithm is %q, want Best (tuned blend)", got)
	}

	resp, _ := b.do("POST", "/templates", blockForm(url.Values{"rec_categories": {cats[0] + ", " + cats[1] + ", "}}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d", resp.StatusCode)
	}
	tpl := idFromLocation(t, resp)
	var stored struct {
		RecAlgorithm, RecRules string
		RecCount               int
	}
	s.app.db.Raw(`SELECT rec_algorithm, rec_count, rec_rules FROM templates WHERE id = ?`, tpl).Scan(&stored)
	wantRules := `{"categories":["` + cats[0] + `","` + cats[1] + `"],"max_per_category":1}`
	if stored.RecAlgorithm != "item-to-item" || stored.RecCount != 4 || stored.RecRules != wantRules {
		t.Fatalf("stored %+v, want item-to-item, 4, %s", stored, wantRules)
	}
	_, doc = b.do("GET", "/templates/"+itoa64(tpl)+"/edit", nil)
	if got := attr(doc, "rec-categories", "value"); got != cats[0]+", "+cats[1] {
		t.Errorf("the edit form shows categories %q", got)
	}
	if got := attr(doc, "rec-max-per-category", "value"); got != "1" {
		t.Errorf("the edit form shows at most %q per category", got)
	}

	// An upside-down price range is refused beside the price, and what was typed stays.
	resp, doc = b.do("POST", "/templates/"+itoa64(tpl), blockForm(url.Values{"rec_categories": {cats[0]}, "rec_min_price": {"50"}, "rec_max_price": {"10"}}))
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad price range: %d, want 422", resp.StatusCode)
	}
	if msg := doc.Find(`[data-testid="error-rec_rules.max_price"]`).Text(); !strings.Contains(msg, "must not be below the minimum price") {
		t.Errorf("price error %q", msg)
	}
	if attr(doc, "rec-min-price", "value") != "50" || attr(doc, "rec-max-price", "value") != "10" || attr(doc, "rec-categories", "value") != cats[0] {
		t.Error("the refused form lost what was typed")
	}
	resp, doc = b.do("POST", "/templates/"+itoa64(tpl), blockForm(url.Values{"rec_max_price": {"ten"}, "rec_count": {"50"}}))
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-rec_rules.max_price"]`).Text(), "enter a price") ||
		!strings.Contains(doc.Find(`[data-testid="error-rec_count"]`).Text(), "between 1 and 20") {
		t.Errorf("a price that is not a number and 50 items: %d, errors %q", resp.StatusCode, doc.Find(`.field-error`).Text())
	}
	s.app.db.Raw(`SELECT rec_rules FROM templates WHERE id = ?`, tpl).Scan(&stored.RecRules)
	if stored.RecRules != wantRules {
		t.Errorf("a refused save changed the rules to %s", stored.RecRules)
	}

	// The preview and the campaign honour the block: two categories, one item each.
	var customer string
	s.app.db.Raw(`SELECT external_id FROM customers ORDER BY id LIMIT 1`).Scan(&customer)
	_, doc = b.do("POST", "/templates/preview", blockForm(url.Values{"rec_categories": {cats[0] + "," + cats[1]}, "customer": {customer}}))
	if srcdoc := attr(doc, "preview-frame", "srcdoc"); strings.Count(srcdoc, "<p>") != 2 {
		t.Errorf("the preview shows %d products, want 2 (one per category): %q", strings.Count(srcdoc, "<p>"), srcdoc)
	}
	b.do("GET", "/segments/new", nil)
	resp, _ = b.do("POST", "/segments", url.Values{"name": {"All"}, "n.kind": {"group"}, "n.match": {"all"}, "n_0.kind": {"field"}, "n_0.field": {"consent_email"}, "n_0.op": {"is_true"}, "op": {"save"}})
	seg := idFromLocation(t, resp)
	resp, _ = b.do("POST", "/campaigns", url.Values{"name": {"Block"}, "segment_id": {itoa64(seg)}, "template_id": {itoa64(tpl)}, "schedule_kind": {"now"}})
	camp := idFromLocation(t, resp)
	s.waitSent(camp)
	var rows []struct{ Algorithm, RecItems string }
	s.app.db.Raw(`SELECT algorithm, rec_items FROM deliveries WHERE campaign_id = ? AND status = 'sent'`, camp).Scan(&rows)
	if len(rows) == 0 {
		t.Fatal("nothing was sent")
	}
	for _, r := range rows {
		ids := strings.Split(r.RecItems, ",")
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		var got []string
		s.app.db.Raw(`SELECT category FROM products WHERE id IN (`+store.Placeholders(len(ids))+`) ORDER BY category`, args...).Scan(&got)
		if r.Algorithm != "item-to-item" || len(ids) != 2 || len(got) != 2 || got[0] == got[1] ||
			!slices.Contains(cats, got[0]) || !slices.Contains(cats, got[1]) {
			t.Fatalf("delivery recorded %q with items %q in %v; want item-to-item, one item of each of %v", r.Algorithm, r.RecItems, got, cats)
		}
	}
}

func TestOnlyNewProductsLeavesOutEverythingTheCustomerSaw(t *testing.T) {
	s := newShop(t, 150)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	// The template form: off by default, stored and shown again when ticked.
	_, doc := b.do("GET", "/templates/new", nil)
	if _, on := doc.Find(`[data-testid="rec-exclude-seen"]`).Attr("checked"); on {
		t.Error("a new template leaves out what the customer saw")
	}
	resp, _ := b.do("POST", "/templates", blockForm(url.Values{"rec_exclude_seen": {"1"}}))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save template: %d", resp.StatusCode)
	}
	tpl := idFromLocation(t, resp)
	var rules string
	s.app.db.Raw(`SELECT rec_rules FROM templates WHERE id = ?`, tpl).Scan(&rules)
	if rules != `{"exclude_seen":true,"max_per_category":1}` {
		t.Fatalf("stored rules %s", rules)
	}
	_, doc = b.do("GET", "/templates/"+itoa64(tpl)+"/edit", nil)
	if _, on := doc.Find(`[data-testid="rec-exclude-seen"]`).Attr("checked"); !on {
		t.Error("the edit form lost the rule")
	}

	// The API: the customer with the most products among those whose whole behaviour fits
	// the history recommendations read (the latest 300 rows of each kind) gets, with the
	// rule, none of them; without it, some come back.
	var customer struct {
		ID  int64
		Ext string
	}
	s.app.db.Raw(`SELECT c.id, c.external_id AS ext FROM customers c JOIN events e ON e.customer_id = c.id
		WHERE e.type IN ('view', 'cart', 'purchase') AND e.product_id IS NOT NULL
		GROUP BY c.id, c.external_id HAVING COUNT(*) <= 300
		ORDER BY COUNT(DISTINCT e.product_id) DESC, c.id LIMIT 1`).Scan(&customer)
	var seen []string
	s.app.db.Raw(`SELECT DISTINCT p.external_id FROM products p WHERE p.id IN
		(SELECT product_id FROM events WHERE customer_id = ? AND type IN ('view', 'cart', 'purchase')
		 UNION SELECT product_id FROM orders WHERE customer_id = ?)`,
		customer.ID, customer.ID).Scan(&seen)
	if len(seen) < 5 {
		t.Fatalf("customer %s saw %d products, want a busy one", customer.Ext, len(seen))
	}
	count := func(items recItems) int {
		n := 0
		for _, it := range items {
			if slices.Contains(seen, it.ProductID) {
				n++
			}
		}
		return n
	}
	q := url.Values{"n": {"20"}, "algorithm": {"als"}}
	if n := count(s.recommendations(customer.Ext, q)); n == 0 {
		t.Fatalf("without the rule none of %s's %d products came back: the test shows nothing", customer.Ext, len(seen))
	}
	q.Set("exclude_seen", "true")
	if items := s.recommendations(customer.Ext, q); count(items) != 0 || len(items) == 0 {
		t.Fatalf("with exclude_seen: %d of %d items were seen before", count(items), len(items))
	}
	code, body := s.api("GET", "/api/v1/customers/"+customer.Ext+"/recommendations?exclude_seen=true&exclude_bought=false", nil)
	if code != 422 || !strings.Contains(jsonString(body), "exclude_seen") {
		t.Fatalf("new products only, bought ones allowed: %d %v, want 422 naming exclude_seen", code, body)
	}
}

func TestTheRecommenderPageCreditsClicksOnRecommendedProducts(t *testing.T) {
	s := newShop(t, 60)
	b := s.browser()
	b.login("mia@example.com", "marketing rocks")
	_, doc := b.do("GET", "/models/recommender", nil)
	if doc.Find(`[data-testid="recsys-result"]`).Length() != 0 {
		t.Fatal("results shown before any message was sent")
	}
	html := `{{range .Recommendations}}<p class="rec"><a href="{{.URL}}">{{.Name}}</a></p>{{end}}` +
		`<a href="https://shop.example/sale">Sale</a> <a href="{{.UnsubscribeURL}}">Unsubscribe</a>`
	resp, _ := b.do("POST", "/templates", blockForm(url.Values{"html": {html}, "rec_max_per_category": {""}}))
	tpl := idFromLocation(t, resp)
	resp, _ = b.do("POST", "/segments", url.Values{"name": {"All"}, "n.kind": {"group"}, "n.match": {"all"},
		"n_0.kind": {"field"}, "n_0.field": {"consent_email"}, "n_0.op": {"is_true"}, "op": {"save"}})
	seg := idFromLocation(t, resp)
	resp, _ = b.do("POST", "/campaigns", url.Values{"name": {"Picks"}, "segment_id": {itoa64(seg)}, "template_id": {itoa64(tpl)}, "schedule_kind": {"now"}})
	s.waitSent(idFromLocation(t, resp))

	// Two recipients click: one a recommended product, one the sale banner.
	msgs, _, err := s.app.outbox.List(context.Background(), 1, 2)
	if err != nil || len(msgs) != 2 {
		t.Fatalf("outbox: %d messages, %v", len(msgs), err)
	}
	click := func(m campaigns.OutboxMessage, product bool) {
		d, err := goquery.NewDocumentFromReader(strings.NewReader(m.HTML))
		if err != nil {
			t.Fatal(err)
		}
		sel := d.Find(`p.rec a`).First()
		if !product {
			sel = d.Find(`a`).FilterFunction(func(_ int, a *goquery.Selection) bool { return a.Text() == "Sale" })
		}
		href, _ := sel.Attr("href")
		if r, _ := b.do("GET", strings.TrimPrefix(href, s.base), nil); r.StatusCode != http.StatusFound {
			t.Fatalf("click %q: %d", href, r.StatusCode)
		}
	}
	click(msgs[0], true)
	click(msgs[1], false)

	var sent int64
	s.app.db.Raw(`SELECT COUNT(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent)
	_, doc = b.do("GET", "/models/recommender", nil)
	rows := doc.Find(`[data-testid="recsys-result"]`)
	cells := rows.First().Find("td").Map(func(_ int, c *goquery.Selection) string { return strings.TrimSpace(c.Text()) })
	if rows.Length() != 1 || len(cells) != 6 || cells[0] != "Item-to-item" || cells[1] != strconv.FormatInt(sent, 10) ||
		!strings.HasPrefix(cells[2], "1 (") || cells[3] != "1" {
		t.Fatalf("results row %q, want Item-to-item, %d sent, 1 clicked, 1 click", cells, sent)
	}
}
