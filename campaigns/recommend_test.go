package campaigns

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// blockTemplate stores a template with a recommendation block and the given settings.
func (f *fixture) blockTemplate(name, algorithm string, count int, rules string) int64 {
	return f.insert(`INSERT INTO templates (name, subject, html, text, rec_algorithm, rec_count, rec_rules, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, name, "News for {{.Customer.FirstName}}", testHTML, testText, algorithm, count, rules, t0, t0)
}

func TestThePipelineAsksForTheTemplatesBlockAndRecordsWhatServed(t *testing.T) {
	cases := []struct {
		name          string
		algorithm     string
		count         int
		rules         string
		wantAlgorithm string
		wantItems     string
	}{
		{"best is recorded as the algorithm that served it", "best", 2, `{"max_per_category":1,"categories":["Shirts"]}`, "blend", "11,12"},
		{"a named algorithm is recorded as itself with every item shown", "item-to-item", 3, `{}`, "item-to-item", "11,12,13"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ch := &fakeChannel{}
			reqs := &recRequests{}
			s := f.service(func(o *Options) {
				o.Channel = ch
				o.Recommender = fakeRecommender{items: testRecs, reqs: reqs}
			})
			ann := f.customer("ann@example.com", "Ann", "A")
			bob := f.customer("bob@example.com", "Bob", "B")
			seg := f.segment("Shirt lovers")
			ctx := context.Background()
			c, err := s.CreateCampaign(ctx, Input{Name: "Picks", SegmentID: seg, TemplateID: f.blockTemplate("Picks", tc.algorithm, tc.count, tc.rules), ScheduleKind: ScheduleManual})
			if err != nil {
				t.Fatal(err)
			}
			run, err := s.Launch(ctx, c.ID, "k")
			if err != nil {
				t.Fatal(err)
			}
			drain(t, s, ch)

			for _, id := range []int64{ann, bob} {
				req, ok := reqs.get(id)
				want := RecRequest{Algorithm: tc.algorithm, N: tc.count, Rules: tc.rules, Segment: seg}
				if !ok || req != want {
					t.Errorf("customer %d: request = %+v (asked: %v), want %+v", id, req, ok, want)
				}
			}
			var rows []struct{ Algorithm, RecItems string }
			if err := f.db.Raw(`SELECT algorithm, rec_items FROM deliveries WHERE run_id = ? ORDER BY id`, run.ID).Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 {
				t.Fatalf("deliveries = %d, want 2", len(rows))
			}
			for _, r := range rows {
				if r.Algorithm != tc.wantAlgorithm || r.RecItems != tc.wantItems {
					t.Errorf("delivery recorded %q with items %q, want %q with %q", r.Algorithm, r.RecItems, tc.wantAlgorithm, tc.wantItems)
				}
			}
			if sent := ch.Sent(); len(sent) != 2 || strings.Count(sent[0].HTML, `class="rec"`) != tc.count {
				t.Errorf("the message shows %d products, want %d", strings.Count(sent[0].HTML, `class="rec"`), tc.count)
			}
		})
	}
}

func TestATemplateWithoutABlockAsksForNothingAndCreditsNoAlgorithm(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	reqs := &recRequests{}
	s := f.service(func(o *Options) {
		o.Channel = ch
		o.Recommender = fakeRecommender{items: testRecs, reqs: reqs}
	})
	ann := f.customer("ann@example.com", "Ann", "A")
	ctx := context.Background()
	c, err := s.CreateCampaign(ctx, Input{Name: "Plain", SegmentID: f.segment("All"),
		TemplateID: f.template("Plain", "Hello", `<p>Hello {{.Customer.FirstName}}</p>`, ""), ScheduleKind: ScheduleManual})
	if err != nil {
		t.Fatal(err)
	}
	run, _ := s.Launch(ctx, c.ID, "k")
	drain(t, s, ch)
	if _, asked := reqs.get(ann); asked {
		t.Error("the recommender was asked for a template that shows no recommendations")
	}
	var row struct{ Status, Algorithm, RecItems string }
	f.db.Raw(`SELECT status, algorithm, rec_items FROM deliveries WHERE run_id = ?`, run.ID).Scan(&row)
	if row.Status != DeliverySent || row.Algorithm != "" || row.RecItems != "" {
		t.Errorf("delivery = %+v, want sent with no algorithm and no items", row)
	}
}

func TestPreviewUsesTheTemplatesBlockWithoutASegment(t *testing.T) {
	f := newFixture(t)
	reqs := &recRequests{}
	s := f.service(func(o *Options) { o.Recommender = fakeRecommender{items: testRecs, reqs: reqs} })
	ann := f.customer("ann@example.com", "Ann", "A")
	tpl := Template{Name: "p", Subject: "Hi", HTML: testHTML, RecAlgorithm: "content", RecCount: 1, RecRules: `{"min_price":20}`}
	msg, err := s.Preview(context.Background(), tpl, ann)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := reqs.get(ann)
	if want := (RecRequest{Algorithm: "content", N: 1, Rules: `{"min_price":20}`}); req != want {
		t.Errorf("preview asked %+v, want %+v", req, want)
	}
	if n := strings.Count(msg.HTML, `class="rec"`); n != 1 {
		t.Errorf("preview shows %d products, want 1", n)
	}

	// A template edited in the form before any block setting existed gets the defaults.
	if _, err := s.Preview(context.Background(), Template{Name: "p", Subject: "Hi", HTML: testHTML}, ann); err != nil {
		t.Fatal(err)
	}
	if req, _ := reqs.get(ann); req != (RecRequest{Algorithm: "best", N: 4, Rules: "{}"}) {
		t.Errorf("preview of a template without settings asked %+v", req)
	}
}

// clickLink clicks the link with the given text in a sent message, as its recipient would.
func clickLink(t *testing.T, s *Service, m Outgoing, text string) {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(m.HTML))
	if err != nil {
		t.Fatal(err)
	}
	href, ok := doc.Find("a").FilterFunction(func(_ int, a *goquery.Selection) bool { return a.Text() == text }).Attr("href")
	if !ok || !strings.HasPrefix(href, "https://shop.example/t/c/") {
		t.Fatalf("no tracked link %q in %s", text, m.HTML)
	}
	if _, err := s.Click(context.Background(), strings.TrimPrefix(href, "https://shop.example/t/c/")); err != nil {
		t.Fatal(err)
	}
}

func TestClicksOnRecommendedProductsAndTheirOrdersAreCreditedToTheAlgorithm(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) {
		o.Channel = ch
		o.Recommender = fakeRecommender{items: testRecs, reqs: &recRequests{}}
	})
	ctx := context.Background()
	ann := f.customer("ann@example.com", "Ann", "A")
	bob := f.customer("bob@example.com", "Bob", "B")
	cy := f.customer("cy@example.com", "Cy", "C")
	c, err := s.CreateCampaign(ctx, Input{Name: "Picks", SegmentID: f.segment("All"),
		TemplateID: f.blockTemplate("Picks", "item-to-item", 2, `{}`), ScheduleKind: ScheduleManual})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Launch(ctx, c.ID, "k"); err != nil {
		t.Fatal(err)
	}
	drain(t, s, ch)

	// Each message records the tracked links of its two products, in the order shown.
	var rows []struct {
		CustomerID int64
		RecLinks   string
	}
	f.db.Raw(`SELECT customer_id, rec_links FROM deliveries ORDER BY customer_id`).Scan(&rows)
	for _, r := range rows {
		var want []string
		for _, p := range testRecs[:2] {
			var id int64
			f.db.Raw(`SELECT id FROM links WHERE url = ?`, AddUTM(p.URL, "persona", "email", "picks")).Scan(&id)
			want = append(want, strconv.FormatInt(id, 10))
		}
		if r.RecLinks != strings.Join(want, ",") || strings.Contains(r.RecLinks, ",0") {
			t.Fatalf("customer %d: rec_links %q, want %q", r.CustomerID, r.RecLinks, strings.Join(want, ","))
		}
	}

	// Ann clicks a product twice, then orders; Bob clicks only the sale banner, then
	// orders; Cy clicks nothing.
	sent := map[string]Outgoing{}
	for _, m := range ch.Sent() {
		sent[m.To] = m
	}
	clickLink(t, s, sent["ann@example.com"], "Linen Shirt")
	clickLink(t, s, sent["ann@example.com"], "Merino Socks")
	clickLink(t, s, sent["bob@example.com"], "See the sale")
	shirt := f.product("Shirt")
	f.orderLine("O-ann", ann, shirt, 49.9, t0.Add(time.Hour))
	f.orderLine("O-bob", bob, shirt, 30, t0.Add(time.Hour))
	if _, err := s.Attribute(ctx); err != nil {
		t.Fatal(err)
	}
	_ = cy

	got, err := s.AlgorithmResults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []AlgorithmResult{{Algorithm: "item-to-item", Sent: 3, Clicked: 1, Clicks: 2, Conversions: 1, Revenue: 49.9}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("results = %+v, want %+v (the sale banner's click and order are not the recommendations')", got, want)
	}
}
