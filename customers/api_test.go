package customers

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestUpsertCustomersCreatesUpdatesAndLeavesUnchanged(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	in := CustomerInput{CustomerID: "a1", Email: "ann@example.com", FirstName: "Ann", SignupAt: "1700000000",
		ConsentEmail: "yes", Attributes: map[string]Scalar{"Tier": "gold", "visits": "3"}}
	steps := []struct {
		name   string
		input  CustomerInput
		counts [3]int // imported, updated, unchanged
	}{
		{"a new customer is imported", in, [3]int{1, 0, 0}},
		{"the same customer sent again is unchanged", in, [3]int{0, 0, 1}},
		{"a customer with only a new city is updated", CustomerInput{CustomerID: "a1", City: "Oslo"}, [3]int{0, 1, 0}},
		{"an attribute sent empty is removed", CustomerInput{CustomerID: "a1", Attributes: map[string]Scalar{"visits": ""}}, [3]int{0, 1, 0}},
	}
	for _, st := range steps {
		sum, err := s.UpsertCustomers(ctx, []CustomerInput{st.input})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if sum.Imported != st.counts[0] || sum.Updated != st.counts[1] || sum.Unchanged != st.counts[2] {
			t.Fatalf("%s: summary = %+v", st.name, sum)
		}
	}
	c := customerByExt(t, s, "a1")
	if c.Email != "ann@example.com" || c.City != "Oslo" || !c.ConsentEmail || c.SignupAt == nil || c.SignupAt.Unix() != 1700000000 {
		t.Fatalf("a1 = %+v: fields not sent must keep their values", c)
	}
	if fmt.Sprint(c.Attributes) != "map[tier:gold]" {
		t.Fatalf("attributes = %v", c.Attributes)
	}
}

func TestAPIWritesValidateLikeTheImport(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name  string
		write func(s *Service) (ImportSummary, error)
		want  store.FieldErrors
	}{
		{"a single customer with a bad email", func(s *Service) (ImportSummary, error) {
			return s.UpsertCustomers(ctx, []CustomerInput{{CustomerID: "x", Email: "nope"}})
		}, store.FieldErrors{"email": `"nope" is not an email address`}},
		{"a single product with a bad price", func(s *Service) (ImportSummary, error) {
			return s.UpsertProducts(ctx, []ProductInput{{ProductID: "p", Name: "P", Price: "cheap"}})
		}, store.FieldErrors{"price": `"cheap" is not a number`}},
		{"a single order with a bad date", func(s *Service) (ImportSummary, error) {
			return s.AddOrders(ctx, []OrderInput{{OrderID: "o", CustomerID: "c", ProductID: "p", Quantity: "1", UnitPrice: "2", OrderedAt: "32/13/2024"}})
		}, store.FieldErrors{"ordered_at": `"32/13/2024" is not a date (use RFC 3339, YYYY-MM-DD HH:MM:SS, M/D/YYYY H:MM or Unix seconds)`}},
		{"a single event with a bad type", func(s *Service) (ImportSummary, error) {
			return s.AddEvents(ctx, []EventInput{{CustomerID: "c", Type: "add to cart", OccurredAt: "2024-01-01"}})
		}, store.FieldErrors{"type": `"add to cart" is not an event type (a lowercase word: letters, digits, _; at most 32)`}},
		{"a batch where every item is bad names each item", func(s *Service) (ImportSummary, error) {
			return s.AddEvents(ctx, []EventInput{{CustomerID: "c", Type: "add to cart"}, {Type: "view", OccurredAt: "2024-01-01"}})
		}, store.FieldErrors{"1.type": `"add to cart" is not an event type (a lowercase word: letters, digits, _; at most 32)`, "2.customer_id": "is required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestService(t)
			sum, err := c.write(s)
			fe, ok := store.AsFieldErrors(err)
			if !ok || fmt.Sprint(fe) != fmt.Sprint(c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if sum.Rejected != sum.Rows || sum.Rows == 0 {
				t.Fatalf("summary = %+v, want every item rejected", sum)
			}
			if got := stats(t, s); got != (Counts{}) {
				t.Fatalf("rows were written: %+v", got)
			}
		})
	}
}

func TestAPIEventsAndOrdersWithoutATimeHappenWhenTheyArrive(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if _, err := s.AddEvents(ctx, []EventInput{{CustomerID: "c", Type: "view", ProductID: "p"},
		{CustomerID: "c", Type: "view", ProductID: "p", OccurredAt: "2024-01-01"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOrders(ctx, []OrderInput{{OrderID: "o", CustomerID: "c", ProductID: "p", Quantity: "1", UnitPrice: "2"}}); err != nil {
		t.Fatal(err)
	}
	var events, orders []time.Time
	if err := s.DB.Raw(`SELECT occurred_at FROM events ORDER BY occurred_at`).Scan(&events).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Raw(`SELECT ordered_at FROM orders`).Scan(&orders).Error; err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || !events[0].Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) || !events[1].Equal(testNow) {
		t.Fatalf("events at %v, want 2024-01-01 as given and %v (arrival) for the one without a time", events, testNow)
	}
	if len(orders) != 1 || !orders[0].Equal(testNow) {
		t.Fatalf("order at %v, want %v", orders, testNow)
	}
}

func TestAPIBatchKeepsGoodItemsAndReportsBadOnesByPosition(t *testing.T) {
	s := newTestService(t)
	sum, err := s.UpsertCustomers(context.Background(), []CustomerInput{
		{CustomerID: "a", Email: "a@example.com"},
		{CustomerID: "b", BirthDate: "tomorrow"},
		{CustomerID: "c", ConsentPush: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, sum, 3, 2, 0, 0, 1)
	want := []RowError{{2, `birth_date: "tomorrow" is not a date (use RFC 3339, YYYY-MM-DD HH:MM:SS, M/D/YYYY H:MM or Unix seconds)`}}
	if fmt.Sprint(sum.Errors) != fmt.Sprint(want) {
		t.Fatalf("errors = %v", sum.Errors)
	}
	if c := customerByExt(t, s, "c"); !c.ConsentPush {
		t.Fatalf("c = %+v", c)
	}
}

func TestAddOrdersFromJSONRefreshesFeaturesAndRunsHooks(t *testing.T) {
	s := newTestService(t)
	var hooked []int64
	s.AfterWrite = append(s.AfterWrite, func(_ context.Context, k Kind, ids []int64) error {
		if k == KindOrders {
			hooked = append(hooked, ids...)
		}
		return nil
	})
	body := `[{"order_id": 1001, "customer_id": 17850, "product_id": "p1", "quantity": 2, "unit_price": "3.5",
		"ordered_at": 1717070400, "product_name": "Mug", "category": "Kitchen"},
		{"order_id": "1002", "customer_id": "17850", "product_id": "p2", "quantity": 1, "unit_price": 10,
		"ordered_at": "2024-05-31T12:00:00Z"}]`
	var in []OrderInput
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	sum, err := s.AddOrders(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, sum, 2, 2, 0, 0, 0)
	if sum.CreatedCustomers != 1 || sum.CreatedProducts != 2 {
		t.Fatalf("summary = %+v", sum)
	}
	c := customerByExt(t, s, "17850")
	if len(hooked) != 1 || hooked[0] != c.ID {
		t.Fatalf("hook got %v, want [%d]", hooked, c.ID)
	}
	f, err := s.Features(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Frequency != 2 || f.Monetary != 17 || f.RecencyDays == nil || *f.RecencyDays != 1 {
		t.Fatalf("features = %+v, want 2 orders worth 17, last one a day ago", f)
	}
	if fmt.Sprint(f.TopCategories) != "[{Kitchen 0.41}]" {
		t.Fatalf("top categories = %v", f.TopCategories)
	}

	sum, err = s.AddOrders(context.Background(), in[:1])
	if err != nil || sum.Unchanged != 1 {
		t.Fatalf("resent order: %+v, %v", sum, err)
	}
}

func TestAddEventsTwiceStoresOnce(t *testing.T) {
	s := newTestService(t)
	ev := []EventInput{{CustomerID: "c1", Type: "view", ProductID: "p1", OccurredAt: "2024-05-30 10:00", Value: "12", SessionID: "s"}}
	for i, want := range []int{1, 0} {
		sum, err := s.AddEvents(context.Background(), ev)
		if err != nil || sum.Imported != want || sum.Imported+sum.Unchanged != 1 {
			t.Fatalf("send %d: %+v, %v", i+1, sum, err)
		}
	}
	f, err := s.Features(context.Background(), customerByExt(t, s, "c1").ID)
	if err != nil || f.EventCount != 1 || f.BrowseSeconds != 12 {
		t.Fatalf("features = %+v, %v", f, err)
	}
}

func TestAPIRefusesOversizedBatches(t *testing.T) {
	s := newTestService(t)
	_, err := s.AddEvents(context.Background(), make([]EventInput, MaxBatch+1))
	if fe, ok := store.AsFieldErrors(err); !ok || fe["items"] == "" {
		t.Fatalf("err = %v", err)
	}
}
