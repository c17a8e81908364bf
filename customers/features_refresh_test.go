package customers

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// rawFeatures reads every customer_features column but the scores, the tier and
// updated_at, for the given customers, as text keyed by customer id.
func rawFeatures(t *testing.T, s *Service, ids []int64) map[int64]string {
	t.Helper()
	var rows []map[string]any
	err := s.DB.Raw(`SELECT customer_id, first_order_at, last_order_at, frequency, monetary, avg_order_value,
		browse_seconds, event_count, last_event_at, last_activity_at, top_categories, category_shares,
		days_since_signup, views_7d, views_30d, views_90d, carts_7d, carts_30d, carts_90d,
		purchases_7d, purchases_30d, purchases_90d, searches_7d, searches_30d, searches_90d,
		event_counts, computed_at FROM customer_features WHERE customer_id IN ?`, ids).Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]string{}
	for _, r := range rows {
		var b strings.Builder
		for _, col := range []string{"first_order_at", "last_order_at", "frequency", "monetary", "avg_order_value",
			"browse_seconds", "event_count", "last_event_at", "last_activity_at", "top_categories", "category_shares",
			"days_since_signup", "views_7d", "views_30d", "views_90d", "carts_7d", "carts_30d", "carts_90d",
			"purchases_7d", "purchases_30d", "purchases_90d", "searches_7d", "searches_30d", "searches_90d",
			"event_counts", "computed_at"} {
			fmt.Fprintf(&b, "%s=%v ", col, r[col])
		}
		out[toInt64(r["customer_id"])] = b.String()
	}
	return out
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	panic(fmt.Sprintf("unexpected id type %T", v))
}

func TestRefreshAgreesWithARebuildForTheTouchedCustomers(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	genShop(t, s, 2000, 20_000, 3) // about 1,200 buyers: enough to score against boundaries
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	var buyer, idle, browser, unchanged string
	s.DB.Raw(`SELECT c.external_id FROM customers c JOIN customer_features f ON f.customer_id = c.id
		WHERE f.frequency > 1 AND f.recency_score < 5 ORDER BY c.id LIMIT 1`).Scan(&buyer)
	s.DB.Raw(`SELECT c.external_id FROM customers c JOIN customer_features f ON f.customer_id = c.id
		WHERE f.frequency = 0 ORDER BY c.id LIMIT 1`).Scan(&idle)
	s.DB.Raw(`SELECT c.external_id FROM customers c JOIN customer_features f ON f.customer_id = c.id
		WHERE f.frequency > 0 AND c.external_id NOT IN (?) ORDER BY c.id LIMIT 1 OFFSET 1`, buyer).Scan(&browser)
	s.DB.Raw(`SELECT c.external_id FROM customers c JOIN customer_features f ON f.customer_id = c.id
		WHERE f.frequency > 0 AND c.external_id NOT IN (?, ?) ORDER BY c.id DESC LIMIT 1`, buyer, browser).Scan(&unchanged)
	if buyer == "" || idle == "" || browser == "" || unchanged == "" {
		t.Fatalf("fixture lacks a kind of customer: %q %q %q %q", buyer, idle, browser, unchanged)
	}
	before, err := s.Features(ctx, customerByExt(t, s, unchanged).ID)
	if err != nil {
		t.Fatal(err)
	}
	// A buyer orders big today, an idle customer orders for the first time, a buyer browses.
	importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at\n"+
		"new1,"+buyer+",p1,3,999,2024-06-01 11:00:00\nnew1,"+buyer+",p2,1,5,2024-06-01 11:00:00\n"+
		"new2,"+idle+",p3,1,15,2024-05-20 09:00:00\n")
	importText(t, s, KindEvents, "customer_id,type,product_id,occurred_at,value\n"+
		browser+",view,p4,2024-05-31 08:00:00,42\n"+browser+",wishlist,p4,2024-05-31 08:01:00,\n"+
		browser+",search,,2024-04-01 08:00:00,\n")
	var ids []int64
	for _, ext := range []string{buyer, idle, browser, unchanged} {
		ids = append(ids, customerByExt(t, s, ext).ID)
	}
	if err := s.RefreshFeatures(ctx, ids); err != nil {
		t.Fatal(err)
	}
	refreshed := rawFeatures(t, s, ids)
	scores := map[string]Features{}
	for i, ext := range []string{buyer, idle, browser, unchanged} {
		if scores[ext], err = s.Features(ctx, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if f := scores[buyer]; f.RecencyScore != 5 || f.MonetaryScore != 5 || f.RFMTier != "champions" {
		t.Errorf("a big order today scored R%d F%d M%d %q, want R5 M5 champions", f.RecencyScore, f.FrequencyScore, f.MonetaryScore, f.RFMTier)
	}
	if f := scores[idle]; f.RecencyScore == 0 || f.RFMTier == "" {
		t.Errorf("a first order left the customer unscored: %+v", f)
	}
	if f := scores[unchanged]; f.RecencyScore != before.RecencyScore || f.FrequencyScore != before.FrequencyScore ||
		f.MonetaryScore != before.MonetaryScore || f.RFMTier != before.RFMTier {
		t.Errorf("an unchanged customer moved from R%d F%d M%d to R%d F%d M%d", before.RecencyScore, before.FrequencyScore,
			before.MonetaryScore, f.RecencyScore, f.FrequencyScore, f.MonetaryScore)
	}
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	rebuilt := rawFeatures(t, s, ids)
	for i, ext := range []string{buyer, idle, browser, unchanged} {
		if refreshed[ids[i]] != rebuilt[ids[i]] {
			t.Errorf("%s after refresh:\n%s\nafter rebuild:\n%s", ext, refreshed[ids[i]], rebuilt[ids[i]])
		}
	}
}
