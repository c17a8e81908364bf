package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/persona-app/persona/recsys"
)

// TestAMarketerReadsTheRecommenderInTheBrowser evaluates the algorithms from the page,
// watching the progress bar, reads the table and its chart, then opens a customer's
// profile and compares the reasons two algorithms give.
func TestAMarketerReadsTheRecommenderInTheBrowser(t *testing.T) {
	s := newShop(t, 150)
	ctx := chromium(t)
	do(t, ctx, chromedp.Navigate(s.base+"/login"))
	setField(t, ctx, "#email", "mia@example.com")
	setField(t, ctx, "#password", "marketing rocks")
	do(t, ctx, chromedp.Click(`[data-testid="login-submit"]`))
	waitFor(t, ctx, "the dashboard", `document.querySelector('[data-testid="whoami"]') !== null`)

	do(t, ctx, chromedp.Navigate(s.base+"/models"))
	click(t, ctx, `[data-testid="recommender-link"]`)
	waitFor(t, ctx, "the recommender page", `document.querySelector('[data-testid="recsys-evaluation"]') !== null`)
	if got := text(t, ctx, `[data-testid="recsys-algorithms"]`); !strings.Contains(got, recsys.Label(recsys.AlgoItemItem)) {
		t.Fatalf("algorithms in use: %q", got)
	}
	click(t, ctx, `[data-testid="train-recsys-eval"]`)
	waitFor(t, ctx, "the evaluation table", `document.querySelector('[data-testid="evaluation-table"]') !== null`)
	rows := js[[]string](t, ctx, `[...document.querySelectorAll('[data-testid="evaluation-table"] tbody tr')].map(r => r.dataset.algorithm)`)
	for _, want := range []string{recsys.AlgoRandom, recsys.AlgoPopularity, recsys.AlgoItemItem} {
		if !strings.Contains(strings.Join(rows, ","), want) {
			t.Fatalf("evaluation rows %v lack %s", rows, want)
		}
	}
	waitFor(t, ctx, "the chart drawn", `(() => { const c = document.querySelector('[data-testid="evaluation-chart"] canvas, canvas[data-testid="evaluation-chart"]'); return c && c.width > 0 && typeof Chart !== "undefined" && Chart.getChart(c) !== undefined })()`)
	stored, ok, err := s.app.recsys.LatestEvaluation(t.Context())
	if err != nil || !ok {
		t.Fatalf("no stored evaluation: %v", err)
	}
	ndcg := js[string](t, ctx, `document.querySelector('[data-testid="evaluation-table"] tr[data-algorithm="item-to-item"] td:nth-child(2)').textContent`)
	for _, m := range stored.Results {
		if m.Algorithm == recsys.AlgoItemItem && ndcg != strconv.FormatFloat(m.NDCG, 'f', 4, 64) {
			t.Fatalf("page shows NDCG %s, stored %.4f", ndcg, m.NDCG)
		}
	}

	// A customer with a purchase: the profile explains each recommendation.
	var id int64
	s.app.db.Raw(`SELECT customer_id FROM orders GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 1`).Scan(&id)
	do(t, ctx, chromedp.Navigate(s.base+"/customers/"+strconv.FormatInt(id, 10)))
	waitFor(t, ctx, "recommendations", `document.querySelectorAll('[data-testid="rec-reason"]').length > 0`)
	reasons := js[[]string](t, ctx, `[...document.querySelectorAll('[data-testid="rec-reason"]')].map(e => e.textContent)`)
	explained := false
	for _, r := range reasons {
		explained = explained || strings.HasPrefix(r, "Because you") || strings.HasPrefix(r, "Customers") || strings.HasPrefix(r, "Similar to") || strings.HasPrefix(r, "Matches")
	}
	if !explained {
		t.Fatalf("no recommendation is explained by the customer's history: %q", reasons)
	}
	setField(t, ctx, `[data-testid="rec-algorithm"]`, recsys.AlgoPopularity)
	waitFor(t, ctx, "popular products", `[...document.querySelectorAll('[data-testid="rec-algorithm-used"]')].every(e => e.textContent === "Popularity")`)
	if got := text(t, ctx, `[data-testid="rec-reason"]`); !strings.HasPrefix(got, "Popular") {
		t.Fatalf("popularity's reason: %q", got)
	}
}
