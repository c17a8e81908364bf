package recsys

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestNewPopularityRanksRecentThenAllTimeThenID(t *testing.T) {
	recent := []int32{0, 1, 1, 0, 2, 0}
	allTime := []int32{3, 1, 1, 2, 2, 0}
	p := NewPopularity(recent, allTime)
	got := p.Recommend(nil, 10, func(int32) bool { return false })
	if ids := candidateProducts(got); !slices.Equal(ids, []int32{4, 1, 2, 0, 3}) {
		t.Fatalf("ranking = %v, want [4 1 2 0 3] (product 5 was never touched)", ids)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Score > got[i-1].Score {
			t.Errorf("score rises from rank %d to %d: %v", i-1, i, got)
		}
	}
	if got[0].Because != -1 {
		t.Errorf("popularity must name no history product, got %d", got[0].Because)
	}
	skipped := p.Recommend(nil, 2, func(i int32) bool { return i == 4 || i == 2 })
	if ids := candidateProducts(skipped); !slices.Equal(ids, []int32{1, 0}) {
		t.Fatalf("with 4 and 2 skipped, top two = %v, want [1 0]", ids)
	}
}

func TestPopularityCountsDistinctCustomersInTheLastThirtyDays(t *testing.T) {
	db := store.OpenTest(t)
	ctx := context.Background()
	days := func(n int) time.Time { return trainTime.AddDate(0, 0, -n) }
	// Products 201..206, customers 11..15.
	var customers, products [][]any
	for c := 11; c <= 15; c++ {
		customers = append(customers, []any{c, "pop" + string(rune('a'+c-11)), days(100), days(100)})
	}
	for p := 201; p <= 206; p++ {
		products = append(products, []any{p, "pop-" + string(rune('a'+p-201)), days(100), days(100)})
	}
	insertRows(t, db, "customers", "id, external_id, created_at, updated_at", customers)
	insertRows(t, db, "products", "id, external_id, created_at, updated_at", products)
	view := func(c, p, ago int, key string) []any { return []any{c, "view", p, days(ago), key, days(ago)} }
	insertRows(t, db, "events", "customer_id, type, product_id, occurred_at, dedup_key, created_at", [][]any{
		// 201: three customers, long ago
		view(11, 201, 60, "p1"), view(12, 201, 61, "p2"), view(13, 201, 62, "p3"),
		// 202 and 203: one customer each, recently
		view(11, 202, 2, "p4"), view(12, 203, 3, "p5"),
		// 204: one customer, heavily: many views, a cart, a purchase and an order below
		view(14, 204, 1, "p6"), view(14, 204, 2, "p7"), view(14, 204, 3, "p8"),
		{14, "cart", 204, days(1), "p9", days(1)}, {14, "purchase", 204, days(1), "p10", days(1)},
		// 205: two customers, recently
		view(14, 205, 5, "p11"), view(15, 205, 6, "p12"),
		// 206: one customer, 40 days ago
		view(15, 206, 40, "p13"),
	})
	insertRows(t, db, "orders", "order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at",
		[][]any{{"pop-o1", 14, 204, 3, 1, 3, days(1), days(1)}})
	s := NewService(db, fixedClock(trainTime))
	if _, err := s.Train(ctx, nil); err != nil {
		t.Fatal(err)
	}
	items, err := s.Recommend(ctx, 999, Options{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := itemIDs(items), []int64{205, 202, 203, 204, 201, 206}; !slices.Equal(got, want) {
		t.Fatalf("popular products = %v, want %v", got, want)
	}
	for _, it := range items {
		if it.Algorithm != AlgoPopularity || it.Reason != "Popular right now" {
			t.Errorf("item %d: algorithm %q, reason %q; want popularity, Popular right now", it.ProductID, it.Algorithm, it.Reason)
		}
	}
}

func candidateProducts(cs []Candidate) []int32 {
	var out []int32
	for _, c := range cs {
		out = append(out, c.Product)
	}
	return out
}

func itemIDs(items []Item) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.ProductID)
	}
	return out
}
