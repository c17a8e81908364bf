package customers

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestImportCustomersReadsEveryColumnAndExtraAttributes(t *testing.T) {
	s := newTestService(t)
	sum := importFixture(t, s, KindCustomers, "customers.csv", nil)
	wantCounts(t, sum, 4, 4, 0, 0, 0)

	c1 := customerByExt(t, s, "c1")
	if c1.Email != "ann@example.com" || c1.FirstName != "Ann" || c1.LastName != "Lee" || c1.Gender != "f" ||
		c1.City != "Paris" || c1.Country != "France" || c1.Timezone != "Europe/Paris" {
		t.Errorf("c1 profile = %+v", c1)
	}
	if c1.BirthDate == nil || !c1.BirthDate.Equal(date(1990, 4, 2, 0, 0, 0)) {
		t.Errorf("c1 birth date = %v", c1.BirthDate)
	}
	if c1.SignupAt == nil || !c1.SignupAt.Equal(date(2023, 1, 15, 8, 30, 0)) {
		t.Errorf("c1 signup (RFC 3339 +02:00) = %v, want 08:30 UTC", c1.SignupAt)
	}
	if !c1.ConsentEmail || c1.ConsentPush {
		t.Errorf("c1 consent email/push = %v/%v, want yes/no", c1.ConsentEmail, c1.ConsentPush)
	}
	if c1.CreatedAt.IsZero() || !c1.CreatedAt.Equal(testNow) {
		t.Errorf("c1 created at = %v, want the injected clock", c1.CreatedAt)
	}
	cases := []struct {
		ext        string
		signup     time.Time
		email      bool
		push       bool
		attributes map[string]string
	}{
		{"c1", date(2023, 1, 15, 8, 30, 0), true, false, map[string]string{"loyalty_tier": "gold", "favourite_store": "Rivoli"}},
		{"c2", date(2023, 2, 1, 9, 15, 0), true, true, map[string]string{"loyalty_tier": "silver"}},
		{"c3", date(2023, 3, 7, 8, 5, 0), false, false, map[string]string{}},
		{"c4", time.Unix(1680000000, 0).UTC(), false, false, map[string]string{"loyalty_tier": "bronze", "favourite_store": "Gangnam"}},
	}
	for _, c := range cases {
		t.Run("customer "+c.ext+" has its signup, consents and attributes", func(t *testing.T) {
			got := customerByExt(t, s, c.ext)
			if got.SignupAt == nil || !got.SignupAt.Equal(c.signup) {
				t.Errorf("signup = %v, want %v", got.SignupAt, c.signup)
			}
			if got.ConsentEmail != c.email || got.ConsentPush != c.push {
				t.Errorf("consent = %v/%v, want %v/%v", got.ConsentEmail, got.ConsentPush, c.email, c.push)
			}
			if fmt.Sprint(got.Attributes) != fmt.Sprint(c.attributes) {
				t.Errorf("attributes = %v, want %v", got.Attributes, c.attributes)
			}
		})
	}
	if got := customerByExt(t, s, "c3"); got.FirstName != "Cléo" || got.BirthDate == nil {
		t.Errorf("c3 = %+v, want UTF-8 name and a birth date", got)
	}
}

func TestImportRejectsBadRowsWithLineAndReasonAndKeepsGoodOnes(t *testing.T) {
	hint := "(use RFC 3339, YYYY-MM-DD HH:MM:SS, M/D/YYYY H:MM or Unix seconds)"
	cases := []struct {
		name    string
		kind    Kind
		file    string
		counts  [5]int // rows, imported, updated, unchanged, rejected
		errors  []RowError
		wantOne string // a row that must be stored
	}{
		{"customers with a bad email, date, consent, id and column count", KindCustomers, "customers_bad.csv",
			[5]int{9, 3, 0, 0, 6}, []RowError{
				{3, `email: "not-an-email" is not an email address`},
				{4, `birth_date: "32/13/2024" is not a date ` + hint},
				{5, `customer_id: is required`},
				{6, `consent_email: "maybe" is not true/false (use true, false, yes, no, 1 or 0)`},
				{7, `row has 3 columns, the header has 6`},
				{10, `signup_at: "yesterday" is not a date ` + hint},
			}, "g2"},
		{"orders with bad numbers, a bad date, missing values and a conflicting repeated line", KindOrders, "orders_bad.csv",
			[5]int{10, 2, 0, 1, 7}, []RowError{
				{3, `quantity: "two" is not a number`},
				{4, `unit_price: "ten" is not a number`},
				{5, `ordered_at: "32/13/2024" is not a date ` + hint},
				{6, `customer_id: is required`},
				{7, `product_id: is required`},
				{8, `ordered_at: is required`},
				{10, `order_id: order "o1" already has a line for product "p1" on line 2`},
			}, ""},
		{"events with bad types, a bad value and a bad date", KindEvents, "events_bad.csv",
			[5]int{7, 2, 0, 0, 5}, []RowError{
				{3, `type: "add to cart" is not an event type (a lowercase word: letters, digits, _; at most 32)`},
				{4, `type: is required`},
				{5, `value: "lots" is not a number`},
				{6, `occurred_at: "last tuesday" is not a date ` + hint},
				{7, `type: "9lives" is not an event type (a lowercase word: letters, digits, _; at most 32)`},
			}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestService(t)
			sum := importFixture(t, s, c.kind, c.file, nil)
			wantCounts(t, sum, c.counts[0], c.counts[1], c.counts[2], c.counts[3], c.counts[4])
			if fmt.Sprint(sum.Errors) != fmt.Sprint(c.errors) {
				t.Errorf("errors:\n got %v\nwant %v", sum.Errors, c.errors)
			}
			if c.wantOne != "" {
				if got := customerByExt(t, s, c.wantOne); got.FirstName != "Multi\nLine" {
					t.Errorf("%s first name = %q, want the quoted two-line value", c.wantOne, got.FirstName)
				}
			}
		})
	}
}

func TestImportKeepsGoodRowsBesideBadOnesInTheDatabase(t *testing.T) {
	s := newTestService(t)
	importFixture(t, s, KindOrders, "orders_bad.csv", nil)
	importFixture(t, s, KindEvents, "events_bad.csv", nil)
	if got := stats(t, s); got.Orders != 2 || got.Events != 2 || got.Customers != 1 || got.Products != 1 {
		t.Fatalf("stats = %+v, want the 2 good orders and 2 good events of one customer and product", got)
	}
	var qty float64
	s.DB.Raw(`SELECT quantity FROM orders WHERE order_id = 'o1'`).Scan(&qty)
	if qty != 2 {
		t.Fatalf("o1 quantity = %v, want the first line's 2 (the conflicting repeat is rejected)", qty)
	}
}

func TestImportTwiceChangesNothingTheSecondTime(t *testing.T) {
	s := newTestService(t)
	files := []struct {
		kind Kind
		file string
	}{{KindCustomers, "customers.csv"}, {KindProducts, "products.csv"}, {KindOrders, "orders.csv"}, {KindEvents, "events.csv"}}
	for _, f := range files {
		importFixture(t, s, f.kind, f.file, nil)
	}
	before := stats(t, s)
	var updatedBefore []time.Time
	if err := s.DB.Raw(`SELECT updated_at FROM customers ORDER BY id`).Scan(&updatedBefore).Error; err != nil || len(updatedBefore) != 6 {
		t.Fatalf("updated_at of %d customers: %v", len(updatedBefore), err)
	}
	for _, f := range files {
		t.Run("re-importing "+f.file+" leaves every row unchanged", func(t *testing.T) {
			sum := importFixture(t, s, f.kind, f.file, nil)
			if sum.Imported != 0 || sum.Updated != 0 || sum.Rejected != 0 || sum.Unchanged != sum.Rows || sum.Rows == 0 {
				t.Fatalf("second summary = %+v, want all %d rows unchanged", sum, sum.Rows)
			}
			if sum.CreatedCustomers != 0 || sum.CreatedProducts != 0 {
				t.Fatalf("second import created %d customers, %d products", sum.CreatedCustomers, sum.CreatedProducts)
			}
		})
	}
	if after := stats(t, s); after != before {
		t.Fatalf("row counts changed: %+v then %+v", before, after)
	}
	var updatedAfter []time.Time
	s.DB.Raw(`SELECT updated_at FROM customers ORDER BY id`).Scan(&updatedAfter)
	if fmt.Sprint(updatedAfter) != fmt.Sprint(updatedBefore) {
		t.Fatal("an unchanged customer was rewritten")
	}
}

func TestImportCountsChangedRowsAsUpdated(t *testing.T) {
	s := newTestService(t)
	importFixture(t, s, KindCustomers, "customers.csv", nil)
	importFixture(t, s, KindOrders, "orders.csv", nil)
	sum := importText(t, s, KindCustomers, "customer_id,city,loyalty_tier\nc1,Nice,gold\nc2,Lyon,\nc3,Berlin,\n")
	wantCounts(t, sum, 3, 0, 2, 1, 0)
	c1, c2 := customerByExt(t, s, "c1"), customerByExt(t, s, "c2")
	if c1.City != "Nice" || c1.Email != "ann@example.com" || c1.Attributes["favourite_store"] != "Rivoli" {
		t.Errorf("c1 = %+v: the city must change and columns not in the file must stay", c1)
	}
	if _, ok := c2.Attributes["loyalty_tier"]; ok {
		t.Errorf("c2 attributes = %v: an empty attribute cell removes it", c2.Attributes)
	}
	sum = importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at\no1,c1,p1,5,10.5,2024-01-10 10:00:00\n")
	wantCounts(t, sum, 1, 0, 1, 0, 0)
	var amount float64
	s.DB.Raw(`SELECT amount FROM orders WHERE order_id = 'o1' AND product_id = (SELECT id FROM products WHERE external_id = 'p1')`).Scan(&amount)
	if amount != 52.5 {
		t.Fatalf("amount = %v, want quantity*unit_price = 52.5", amount)
	}
}

func TestImportRunsTheAfterImportHooks(t *testing.T) {
	s := newTestService(t)
	var got []Kind
	s.AfterImport = append(s.AfterImport, func(_ context.Context, k Kind) error {
		got = append(got, k)
		return nil
	})
	importFixture(t, s, KindProducts, "products.csv", nil)
	if len(got) != 1 || got[0] != KindProducts {
		t.Fatalf("hooks ran with %v", got)
	}
	boom := errors.New("boom")
	s.AfterImport = append(s.AfterImport, func(context.Context, Kind) error { return boom })
	if _, err := s.ImportFile(context.Background(), "testdata/products.csv", ImportOptions{Kind: KindProducts}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
}

func TestImportProductsReadsPricesFlagsAndURLs(t *testing.T) {
	s := newTestService(t)
	sum := importFixture(t, s, KindProducts, "products.csv", nil)
	wantCounts(t, sum, 3, 3, 0, 0, 0)
	p1, p2, p3 := productByExt(t, s, "p1"), productByExt(t, s, "p2"), productByExt(t, s, "p3")
	if p1.Price != 10.5 || p1.Currency != "EUR" || !p1.InStock || p1.ImageURL != "https://shop.example/img/p1.jpg" {
		t.Errorf("p1 = %+v", p1)
	}
	if p2.InStock || p2.Price != 30 {
		t.Errorf("p2 = %+v, want out of stock", p2)
	}
	if !p3.InStock || p3.Price != 0 {
		t.Errorf("p3 = %+v, want in stock by default", p3)
	}
	sum = importText(t, s, KindProducts, "product_id,name,url,image_url\np4,Bad,javascript:alert(1),\np5,,,\n"+
		"p6,Local image,https://shop.example/p6,/static/img/p6.png\np7,Bad image,,//evil.example/x.png\n")
	want := []RowError{{2, `url: "javascript:alert(1)" is not an http(s) URL or a path starting with /`}, {3, "name: is required"},
		{5, `image_url: "//evil.example/x.png" is not an http(s) URL or a path starting with /`}}
	if fmt.Sprint(sum.Errors) != fmt.Sprint(want) {
		t.Fatalf("errors = %v, want %v", sum.Errors, want)
	}
	if p := productByExt(t, s, "p6"); p.ImageURL != "/static/img/p6.png" {
		t.Fatalf("p6 = %+v, want a local image path kept", p)
	}
}
