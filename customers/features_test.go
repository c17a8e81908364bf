package customers

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
)

// loadFeatureFixture imports the hand-computed shop of testdata/features_*.csv:
// A has three orders and four events, B one old order, C nothing, D one event.
func loadFeatureFixture(t *testing.T, s *Service) {
	t.Helper()
	importFixture(t, s, KindProducts, "features_products.csv", nil)
	importFixture(t, s, KindCustomers, "features_customers.csv", nil)
	importFixture(t, s, KindOrders, "features_orders.csv", nil)
	importFixture(t, s, KindEvents, "features_events.csv", nil)
}

func timePtr(t time.Time) *time.Time { return &t }
func intPtr(n int) *int              { return &n }

func TestRebuildFeaturesMatchesHandComputedFigures(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	if err := s.RebuildFeatures(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rows int
	s.DB.Raw(`SELECT COUNT(*) FROM customer_features`).Scan(&rows)
	if rows != 4 {
		t.Fatalf("customer_features has %d rows, want one per customer (4)", rows)
	}
	var text string
	s.DB.Raw(`SELECT top_categories FROM customer_features f JOIN customers c ON c.id = f.customer_id WHERE c.external_id = 'A'`).Scan(&text)
	if text != "Electronics:0.50,Books:0.15,Garden:0.15" {
		t.Fatalf("stored top categories of A = %q", text)
	}
	cases := []struct {
		name string
		ext  string
		want Features
	}{
		{"a customer with orders and events", "A", Features{RecencyDays: intPtr(7), Frequency: 3, Monetary: 200,
			AvgOrderValue: 200.0 / 3, BrowseSeconds: 75.5, EventCount: 4,
			TopCategories: []CategoryShare{{"Electronics", 0.5}, {"Books", 0.15}, {"Garden", 0.15}},
			FirstOrderAt:  timePtr(date(2024, 5, 1, 10, 0, 0)), LastOrderAt: timePtr(date(2024, 5, 25, 12, 0, 0)),
			LastActivityAt: timePtr(date(2024, 5, 28, 10, 0, 0)), LastEventAt: timePtr(date(2024, 5, 28, 10, 0, 0))}},
		{"a customer with one old order and no events", "B", Features{RecencyDays: intPtr(61), Frequency: 1, Monetary: 50,
			AvgOrderValue: 50, TopCategories: []CategoryShare{{"Electronics", 1}},
			FirstOrderAt: timePtr(date(2024, 4, 1, 12, 0, 0)), LastOrderAt: timePtr(date(2024, 4, 1, 12, 0, 0)),
			LastActivityAt: timePtr(date(2024, 4, 1, 12, 0, 0))}},
		{"a customer with nothing gets zeros", "C", Features{}},
		{"a customer with only a view event", "D", Features{BrowseSeconds: 20, EventCount: 1,
			LastActivityAt: timePtr(date(2024, 5, 30, 0, 0, 0)), LastEventAt: timePtr(date(2024, 5, 30, 0, 0, 0))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Features(context.Background(), customerByExt(t, s, c.ext).ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffFeatures(got, c.want); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// diffFeatures describes how got differs from want, or returns "".
func diffFeatures(got, want Features) string {
	show := func(f Features) string {
		p := func(t *time.Time) string {
			if t == nil {
				return "nil"
			}
			return t.UTC().Format(time.RFC3339)
		}
		r := "nil"
		if f.RecencyDays != nil {
			r = fmt.Sprint(*f.RecencyDays)
		}
		return fmt.Sprintf("recency=%s freq=%d monetary=%.4f aov=%.4f browse=%.4f events=%d top=%v first=%s last=%s activity=%s event=%s",
			r, f.Frequency, f.Monetary, f.AvgOrderValue, f.BrowseSeconds, f.EventCount, f.TopCategories,
			p(f.FirstOrderAt), p(f.LastOrderAt), p(f.LastActivityAt), p(f.LastEventAt))
	}
	if g, w := show(got), show(want); g != w || math.Abs(got.AvgOrderValue-want.AvgOrderValue) > 1e-9 {
		return fmt.Sprintf("features:\n got %s\nwant %s", g, w)
	}
	return ""
}

func TestRefreshFeaturesRecomputesOnlyTheGivenCustomers(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	loadFeatureFixture(t, s)
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	b, c := customerByExt(t, s, "B"), customerByExt(t, s, "C")
	importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at\n"+
		"o5,C,p3,2,30,2024-05-31 12:00:00\no6,B,p1,1,10,2024-05-31 12:00:00\n")
	if err := s.RefreshFeatures(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	fc, err := s.Features(ctx, c.ID)
	if err != nil || fc.Frequency != 1 || fc.Monetary != 60 || fmt.Sprint(fc.TopCategories) != "[{Garden 1}]" || *fc.RecencyDays != 1 {
		t.Fatalf("C after refresh = %+v, %v", fc, err)
	}
	fb, err := s.Features(ctx, b.ID)
	if err != nil || fb.Frequency != 1 || fb.Monetary != 50 {
		t.Fatalf("B = %+v, %v: it was not refreshed, so it must still show its old figures", fb, err)
	}
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	if fb, _ = s.Features(ctx, b.ID); fb.Frequency != 2 || fb.Monetary != 60 {
		t.Fatalf("B after rebuild = %+v", fb)
	}
}

func TestFeaturesAreComputedOnFirstReadAndMissingCustomersAreNotFound(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	f, err := s.Features(context.Background(), customerByExt(t, s, "B").ID)
	if err != nil || f.Frequency != 1 {
		t.Fatalf("features = %+v, %v", f, err)
	}
	if _, err := s.Features(context.Background(), 9999); err == nil {
		t.Fatal("features of a missing customer did not fail")
	}
}

func TestARebuildKeepsEveryFeatureIndex(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	ctx := context.Background()
	before, err := featureIndexes(ctx, s.DB.DB, s.DB.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 10 {
		t.Fatalf("%d feature indexes before the rebuild, want the migrations' 14", len(before))
	}
	for range 2 {
		if err := s.RebuildFeatures(ctx); err != nil {
			t.Fatal(err)
		}
	}
	after, err := featureIndexes(ctx, s.DB.DB, s.DB.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Fatalf("indexes after two rebuilds:\n%v\nwant as before:\n%v", after, before)
	}
	// A failed rebuild leaves rows and indexes as they were.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.RebuildFeatures(cancelled); err == nil {
		t.Fatal("a rebuild with a cancelled context succeeded")
	}
	again, err := featureIndexes(ctx, s.DB.DB, s.DB.Dialect)
	if err != nil || !slices.Equal(again, before) {
		t.Fatalf("indexes after a failed rebuild: %v, %v", again, err)
	}
	var rows int
	s.DB.Raw(`SELECT COUNT(*) FROM customer_features`).Scan(&rows)
	if rows != 4 {
		t.Fatalf("%d feature rows after a failed rebuild, want the 4 of the last one", rows)
	}
}
