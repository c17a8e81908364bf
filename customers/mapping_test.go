package customers

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestImportMapsTheRetailInvoiceFileToOrders(t *testing.T) {
	s := newTestService(t)
	mapping, err := ParseMapping("InvoiceNo=order_id, StockCode=product_id,Description=product_name,Quantity=quantity," +
		"InvoiceDate=ordered_at,UnitPrice=unit_price,CustomerID=customer_id")
	if err != nil {
		t.Fatal(err)
	}
	sum := importFixture(t, s, KindOrders, "retail_invoices.csv", mapping)
	wantCounts(t, sum, 8, 7, 0, 0, 1)
	if fmt.Sprint(sum.Errors) != fmt.Sprint([]RowError{{9, "customer_id: is required"}}) {
		t.Fatalf("errors = %v, want line 9 rejected for its empty CustomerID", sum.Errors)
	}
	if sum.CreatedCustomers != 3 || sum.CreatedProducts != 7 {
		t.Fatalf("created %d customers, %d products; want 3 and 7", sum.CreatedCustomers, sum.CreatedProducts)
	}
	if p := productByExt(t, s, "85123A"); p.Name != "WHITE HANGING HEART T-LIGHT HOLDER" {
		t.Errorf("85123A = %+v", p)
	}
	c := customerByExt(t, s, "13047") // written "13047.0" on one line
	var lines int
	var amount float64
	s.DB.Raw(`SELECT COUNT(*) FROM orders WHERE customer_id = ?`, c.ID).Scan(&lines)
	s.DB.Raw(`SELECT amount FROM orders WHERE order_id = '536365' AND product_id = ?`, productByExt(t, s, "85123A").ID).Scan(&amount)
	var at time.Time
	s.DB.Raw(`SELECT ordered_at FROM orders WHERE order_id = '536365' LIMIT 1`).Scan(&at)
	if !at.Equal(date(2010, 12, 1, 8, 26, 0)) {
		t.Errorf("536365 ordered at %v, want 2010-12-01 08:26 UTC", at)
	}
	if lines != 2 {
		t.Errorf("customer 13047 has %d lines, want 2", lines)
	}
	if math.Abs(amount-15.3) > 1e-9 {
		t.Errorf("amount = %v, want 6 * 2.55", amount)
	}
	var discount float64
	s.DB.Raw(`SELECT amount FROM orders WHERE order_id = 'C536379'`).Scan(&discount)
	if discount != -27.5 {
		t.Errorf("cancellation amount = %v, want -27.5", discount)
	}
}

func TestImportFailsBeforeWritingWhenTheHeaderIsWrong(t *testing.T) {
	cases := []struct {
		name    string
		kind    Kind
		text    string
		mapping map[string]string
		field   string
		message string
	}{
		{"a missing required column is named", KindOrders, "order_id,customer_id,product_id,quantity,ordered_at\no1,c1,p1,1,2024-01-01\n",
			nil, "unit_price", "required column is missing (the file has order_id, customer_id, product_id, quantity, ordered_at)"},
		{"a mapping to an unknown column is refused", KindOrders, "InvoiceNo,a\n1,2\n", map[string]string{"InvoiceNo": "invoice"},
			"mapping", `InvoiceNo=invoice: "invoice" is not a column of orders (use one of order_id, customer_id, product_id, quantity, unit_price, ordered_at, product_name, category, or - to ignore)`},
		{"a mapping of a column the file lacks is refused", KindEvents, "customer_id,type,occurred_at\nc1,view,2024-01-01\n",
			map[string]string{"When": "occurred_at"}, "mapping", `column "when" is not in the file (it has customer_id, type, occurred_at)`},
		{"a column given twice is refused", KindEvents, "customer_id,type,occurred_at,Type\nc1,view,2024-01-01,cart\n", nil,
			"type", "column appears twice (columns 2 and 4)"},
		{"an empty file has no header", KindCustomers, "", nil, "file", "is empty (no header row)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestService(t)
			_, err := s.Import(context.Background(), strings.NewReader(c.text), ImportOptions{Kind: c.kind, Mapping: c.mapping})
			fe, ok := store.AsFieldErrors(err)
			if !ok || fe[c.field] != c.message {
				t.Fatalf("err = %v, want %s: %s", err, c.field, c.message)
			}
			if got := stats(t, s); got != (Counts{}) {
				t.Fatalf("rows were written: %+v", got)
			}
		})
	}
}

func TestImportRefusesAnUnknownKind(t *testing.T) {
	s := newTestService(t)
	_, err := s.Import(context.Background(), strings.NewReader("a\n"), ImportOptions{Kind: "invoices"})
	if _, ok := store.AsFieldErrors(err); !ok {
		t.Fatalf("err = %v, want a field error on kind", err)
	}
}

func TestImportMappingCanIgnoreAColumn(t *testing.T) {
	s := newTestService(t)
	sum, err := s.Import(context.Background(), strings.NewReader("ID,Internal,email\nx1,secret,x1@example.com\n"),
		ImportOptions{Kind: KindCustomers, Mapping: map[string]string{"id": "customer_id", "internal": "-"}})
	if err != nil || sum.Imported != 1 {
		t.Fatalf("import = %+v, %v", sum, err)
	}
	if c := customerByExt(t, s, "x1"); len(c.Attributes) != 0 || c.Email != "x1@example.com" {
		t.Fatalf("x1 = %+v, want the ignored column left out of attributes", c)
	}
}

func TestParseMapping(t *testing.T) {
	m, err := ParseMapping(" InvoiceNo = order_id ,StockCode=Product_ID,")
	if err != nil || len(m) != 2 || m["InvoiceNo"] != "order_id" || m["StockCode"] != "product_id" {
		t.Fatalf("mapping = %v, %v", m, err)
	}
	for _, bad := range []string{"InvoiceNo", "=order_id", "a=", "a=b,A=c"} {
		if _, err := ParseMapping(bad); err == nil {
			t.Errorf("ParseMapping(%q) accepted", bad)
		}
	}
}

func TestReadHeaderStripsTheByteOrderMark(t *testing.T) {
	h, err := ReadHeader(strings.NewReader("\uFEFFInvoiceNo, StockCode ,Description\n1,2,3\n"))
	if err != nil || strings.Join(h, "|") != "InvoiceNo|StockCode|Description" {
		t.Fatalf("header = %q, %v", h, err)
	}
}

func TestKindsAndTheirColumns(t *testing.T) {
	for _, k := range []Kind{KindCustomers, KindProducts, KindOrders, KindEvents} {
		got, err := ParseKind(string(k))
		if err != nil || got != k {
			t.Fatalf("ParseKind(%q) = %q, %v", k, got, err)
		}
		all := strings.Join(CanonicalColumns(k), ",")
		for _, col := range RequiredColumns(k) {
			if !strings.Contains(","+all+",", ","+col+",") {
				t.Errorf("%s: required column %s is not canonical", k, col)
			}
		}
	}
	if _, err := ParseKind("invoices"); err == nil {
		t.Fatal("ParseKind accepted invoices")
	}
	if got := strings.Join(CanonicalColumns(KindEvents), ","); got != "customer_id,type,product_id,occurred_at,value,session_id,product_name,category" {
		t.Fatalf("event columns = %s", got)
	}
	cols := CanonicalColumns(KindOrders)
	cols[0] = "changed"
	if CanonicalColumns(KindOrders)[0] != "order_id" {
		t.Fatal("CanonicalColumns returned the package's own slice")
	}
}
