package customers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestCustomersSearchesFiltersAndPages(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	var in []CustomerInput
	for i := 1; i <= 12; i++ {
		country := "France"
		if i%3 == 0 {
			country = "Spain"
		}
		consent := "no"
		if i%2 == 0 {
			consent = "yes"
		}
		in = append(in, CustomerInput{CustomerID: Scalar(fmt.Sprintf("ext-%02d", i)), Email: fmt.Sprintf("user%d@shop.example", i),
			FirstName: "User", LastName: fmt.Sprintf("Number%d", i), Country: country, ConsentEmail: Scalar(consent)})
	}
	in = append(in, CustomerInput{CustomerID: "vip", Email: "Ann.Lee@Example.com", FirstName: "Ann", LastName: "O'Neil_100%", Country: "Spain", ConsentEmail: "yes"})
	if _, err := s.UpsertCustomers(ctx, in); err != nil {
		t.Fatal(err)
	}
	vip := customerByExt(t, s, "vip")
	if err := s.SetUnsubscribed(ctx, customerByExt(t, s, "ext-02").ID, testNow); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		q     CustomerQuery
		total int
		ids   string // external ids of the page, in order
	}{
		{"no filter lists everyone by id, first page", CustomerQuery{PerPage: 5}, 13, "ext-01,ext-02,ext-03,ext-04,ext-05"},
		{"the third page holds the rest", CustomerQuery{PerPage: 5, Page: 3}, 13, "ext-11,ext-12,vip"},
		{"search by email is case-insensitive", CustomerQuery{Search: "ANN.LEE@"}, 1, "vip"},
		{"search by full name", CustomerQuery{Search: "ann o'neil"}, 1, "vip"},
		{"search by external id", CustomerQuery{Search: "ext-1"}, 3, "ext-10,ext-11,ext-12"},
		{"LIKE wildcards in the search are literal", CustomerQuery{Search: "100%"}, 1, "vip"},
		{"an underscore matches only an underscore", CustomerQuery{Search: "_"}, 1, "vip"},
		{"country filter", CustomerQuery{Country: "Spain"}, 5, "ext-03,ext-06,ext-09,ext-12,vip"},
		{"consent yes excludes the unsubscribed", CustomerQuery{Consent: "yes"}, 6, "ext-04,ext-06,ext-08,ext-10,ext-12,vip"},
		{"consent no includes the unsubscribed", CustomerQuery{Consent: "no"}, 7, "ext-01,ext-02,ext-03,ext-05,ext-07,ext-09,ext-11"},
		{"filters combine", CustomerQuery{Country: "Spain", Consent: "yes", Search: "number"}, 2, "ext-06,ext-12"},
		{"a page past the end is empty", CustomerQuery{Page: 9}, 13, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, total, err := s.Customers(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range rows {
				ids = append(ids, r.ExternalID)
			}
			if total != c.total || strings.Join(ids, ",") != c.ids {
				t.Fatalf("got %d total, page %v; want %d, %s", total, ids, c.total, c.ids)
			}
		})
	}
	countries, err := s.Countries(ctx)
	if err != nil || strings.Join(countries, ",") != "France,Spain" {
		t.Fatalf("countries = %v, %v", countries, err)
	}
	byID, err := s.CustomersByID(ctx, []int64{vip.ID, 99999})
	if err != nil || len(byID) != 1 || byID[vip.ID].Email != "Ann.Lee@Example.com" {
		t.Fatalf("by id = %v, %v", byID, err)
	}
}

func TestCustomersRowsCarryOrderFigures(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	if err := s.RebuildFeatures(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, _, err := s.Customers(context.Background(), CustomerQuery{Search: "a@example.com"})
	if err != nil || len(rows) != 1 {
		t.Fatalf("rows = %v, %v", rows, err)
	}
	r := rows[0]
	if r.Frequency != 3 || r.Monetary != 200 || r.LastOrderAt == nil || !r.LastOrderAt.Equal(date(2024, 5, 25, 12, 0, 0)) {
		t.Fatalf("row = %+v", r)
	}
}

func TestLookupsReturnNotFound(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	checks := map[string]error{}
	_, checks["customer"] = s.Customer(ctx, 42)
	_, checks["customer by external id"] = s.CustomerByExternalID(ctx, "nobody")
	_, checks["product"] = s.Product(ctx, 42)
	checks["unsubscribe"] = s.SetUnsubscribed(ctx, 42, testNow)
	for name, err := range checks {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}
}

func TestSetUnsubscribedRecordsAndClears(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	importFixture(t, s, KindCustomers, "customers.csv", nil)
	c := customerByExt(t, s, "c1")
	at := time.Date(2024, 5, 1, 8, 0, 0, 500, time.FixedZone("x", 3600))
	if err := s.SetUnsubscribed(ctx, c.ID, at); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Customer(ctx, c.ID); got.UnsubscribedAt == nil || !got.UnsubscribedAt.Equal(date(2024, 5, 1, 7, 0, 0)) {
		t.Fatalf("unsubscribed at %v", got.UnsubscribedAt)
	}
	// A re-import must not resubscribe anyone.
	importFixture(t, s, KindCustomers, "customers.csv", nil)
	if got, _ := s.Customer(ctx, c.ID); got.UnsubscribedAt == nil {
		t.Fatal("re-import cleared the unsubscription")
	}
	if err := s.SetUnsubscribed(ctx, c.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Customer(ctx, c.ID); got.UnsubscribedAt != nil {
		t.Fatalf("unsubscribed at %v after clearing", got.UnsubscribedAt)
	}
}

func TestTimelineMergesOrdersAndEventsNewestFirst(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	importText(t, s, KindEvents, "customer_id,type,product_id,occurred_at\nA,purchase,p3,2024-05-20 10:00:00\n")
	a := customerByExt(t, s, "A")
	entries, err := s.Timeline(context.Background(), a.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.At.Format("01-02T15")+" "+e.Kind+" "+e.ProductName)
	}
	want := []string{
		"05-28T10 cart Phone", "05-27T09 view Spade", "05-27T09 view Phone", "05-26T08 view Novel",
		"05-25T12 order Gift card", "05-25T12 order Novel", "05-20T10 order Spade", "05-20T10 purchase Spade",
		"05-01T10 order Phone", "05-01T10 order Novel",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("timeline:\n got %v\nwant %v", got, want)
	}
	if e := entries[4]; e.OrderID != "o3" || e.Amount != 40 || e.Category != "" || e.Value != nil {
		t.Errorf("order entry = %+v", e)
	}
	if e := entries[1]; e.Value != nil || entries[2].Value == nil || *entries[2].Value != 45.5 || entries[2].Category != "Electronics" {
		t.Errorf("view entries = %+v, %+v", entries[1], entries[2])
	}
	short, err := s.Timeline(context.Background(), a.ID, 3)
	if err != nil || len(short) != 3 || short[2].Kind != "view" {
		t.Fatalf("limited timeline = %+v, %v", short, err)
	}
}

func TestStatsCountsEachKind(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	if got := stats(t, s); got != (Counts{Customers: 4, Products: 4, Orders: 6, Events: 5}) {
		t.Fatalf("stats = %+v", got)
	}
}
