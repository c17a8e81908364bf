package customers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestImportCreatesMinimalCustomersAndProductsForOrdersAndEvents(t *testing.T) {
	s := newTestService(t)
	sum := importFixture(t, s, KindOrders, "orders.csv", nil)
	wantCounts(t, sum, 4, 4, 0, 0, 0)
	if sum.CreatedCustomers != 2 || sum.CreatedProducts != 3 {
		t.Fatalf("orders created %d customers and %d products, want 2 and 3", sum.CreatedCustomers, sum.CreatedProducts)
	}
	if c := customerByExt(t, s, "c9"); c.Email != "" || c.FirstName != "" || len(c.Attributes) != 0 || !c.CreatedAt.Equal(testNow) {
		t.Errorf("minimal customer = %+v", c)
	}
	if p := productByExt(t, s, "p9"); p.Name != "Mystery Box" || p.Category != "Toys" || !p.InStock {
		t.Errorf("p9 = %+v, want named from product_name and category", p)
	}
	if p := productByExt(t, s, "p1"); p.Name != "Red Mug" || p.Category != "Kitchen" {
		t.Errorf("p1 = %+v, want the name of its first line", p)
	}

	sum = importFixture(t, s, KindEvents, "events.csv", nil)
	wantCounts(t, sum, 6, 5, 0, 1, 0)
	if sum.CreatedCustomers != 1 || sum.CreatedProducts != 1 {
		t.Fatalf("events created %d customers and %d products, want c7 and p7", sum.CreatedCustomers, sum.CreatedProducts)
	}
	if p := productByExt(t, s, "p7"); p.Name != "Green Hat" || p.Category != "Fashion" {
		t.Errorf("p7 = %+v", p)
	}
	var types []string
	s.DB.Raw(`SELECT type FROM events ORDER BY occurred_at, id`).Scan(&types)
	if strings.Join(types, ",") != "view,cart,view,search,purchase" {
		t.Errorf("event types = %v (Cart must be lowercased, the repeated purchase stored once)", types)
	}
	var withoutProduct int
	s.DB.Raw(`SELECT COUNT(*) FROM events WHERE product_id IS NULL`).Scan(&withoutProduct)
	if withoutProduct != 1 {
		t.Errorf("events without product = %d, want the search", withoutProduct)
	}
}

func TestImportFillsTheEmptyNameOfAProductCreatedEarlier(t *testing.T) {
	s := newTestService(t)
	importText(t, s, KindEvents, "customer_id,type,product_id,occurred_at\nc1,view,p1,2024-01-01\n")
	importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at,product_name,category\n"+
		"o1,c1,p1,1,2,2024-01-02,Red Mug,Kitchen\n")
	if p := productByExt(t, s, "p1"); p.Name != "Red Mug" || p.Category != "Kitchen" {
		t.Fatalf("p1 = %+v, want the name the order line gave", p)
	}
}

func TestImportOrdersKeepsTheLinesOfOneOrderInOneBatch(t *testing.T) {
	var b strings.Builder
	b.WriteString("order_id,customer_id,product_id,quantity,unit_price,ordered_at\n")
	lines := 0
	for o := 0; o < 400; o++ {
		for l := 0; l < 7; l++ {
			fmt.Fprintf(&b, "o%d,c%d,p%d,1,2,%d\n", o, o%30, l, 1700000000+o*60)
			lines++
		}
	}
	// one order longer than two batches, then its first line again with another quantity
	for l := 0; l < 2*batchSize+5; l++ {
		fmt.Fprintf(&b, "big,c1,q%d,1,2,1710000000\n", l)
		lines++
	}
	b.WriteString("big,c1,q0,9,2,1710000000\n")
	s := newTestService(t)
	sum := importText(t, s, KindOrders, b.String())
	// The repeated first line of "big" falls in a later batch than the original (the order
	// was cut at twice the batch size), so it is an update rather than a rejection.
	wantCounts(t, sum, lines+1, lines, 1, 0, 0)
	if got := stats(t, s); got.Orders != int64(lines) || got.Customers != 30 || got.Products != 7+2*batchSize+5 {
		t.Fatalf("stats = %+v, want %d order lines", got, lines)
	}
	again := importText(t, s, KindOrders, strings.Replace(b.String(), "big,c1,q0,9,2,1710000000\n", "", 1))
	wantCounts(t, again, lines, 0, 1, lines-1, 0)
}

func TestImportReportsProgressAndCapsTheErrorList(t *testing.T) {
	var b strings.Builder
	b.WriteString("customer_id,type,occurred_at\n")
	for i := 0; i < 1500; i++ {
		fmt.Fprintf(&b, "c%d,bad type,2024-01-01\n", i)
	}
	for i := 0; i < 1200; i++ {
		fmt.Fprintf(&b, "c%d,view,%d\n", i%50, 1700000000+i)
	}
	s := newTestService(t)
	var calls []int64
	sum, err := s.Import(context.Background(), strings.NewReader(b.String()),
		ImportOptions{Kind: KindEvents, Progress: func(n int64) { calls = append(calls, n) }})
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, sum, 2700, 1200, 0, 0, 1500)
	if len(sum.Errors) != maxErrors || sum.Errors[0].Line != 2 {
		t.Fatalf("kept %d errors starting at line %d, want %d from line 2", len(sum.Errors), sum.Errors[0].Line, maxErrors)
	}
	if len(calls) < 2 || calls[len(calls)-1] != 2700 {
		t.Fatalf("progress calls = %v, want several ending at 2700", calls)
	}
	if sum.CreatedCustomers != 50 {
		t.Fatalf("created %d customers, want 50", sum.CreatedCustomers)
	}
}

func TestImportTimestampFormsAllLandAsUTCSeconds(t *testing.T) {
	s := newTestService(t)
	text := "customer_id,type,occurred_at\n" +
		"c1,a,2024-03-05T14:07:09+01:00\n" +
		"c1,b,2024-03-05\n" +
		"c1,c,2024-03-05 14:07\n" +
		"c1,d,2024-03-05 14:07:09\n" +
		"c1,e,3/5/2024 14:07\n" +
		"c1,f,1709647629\n"
	sum := importText(t, s, KindEvents, text)
	wantCounts(t, sum, 6, 6, 0, 0, 0)
	var rows []struct {
		Type       string
		OccurredAt time.Time
	}
	if err := s.DB.Raw(`SELECT type, occurred_at FROM events ORDER BY type`).Scan(&rows).Error; err != nil || len(rows) != 6 {
		t.Fatalf("read %d events: %v", len(rows), err)
	}
	want := []time.Time{date(2024, 3, 5, 13, 7, 9), date(2024, 3, 5, 0, 0, 0), date(2024, 3, 5, 14, 7, 0),
		date(2024, 3, 5, 14, 7, 9), date(2024, 3, 5, 14, 7, 0), time.Unix(1709647629, 0)}
	for i, r := range rows {
		if !r.OccurredAt.Equal(want[i]) {
			t.Errorf("event %s at %v, want %v", r.Type, r.OccurredAt, want[i])
		}
	}
}
