package synth

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestSameSeedGivesByteIdenticalFilesAndAnotherSeedDoesNot(t *testing.T) {
	dirA, countsA := generate(t, smallOptions(7))
	dirB, countsB := generate(t, smallOptions(7))
	dirC, _ := generate(t, smallOptions(8))
	if countsA != countsB {
		t.Errorf("counts differ for the same seed: %+v vs %+v", countsA, countsB)
	}
	for _, name := range allFiles {
		a, b, c := fileHash(t, filepath.Join(dirA, name)), fileHash(t, filepath.Join(dirB, name)), fileHash(t, filepath.Join(dirC, name))
		if a != b {
			t.Errorf("%s: same seed gave different sha256 %s and %s", name, a, b)
		}
		if a == c {
			t.Errorf("%s: seeds 7 and 8 gave the same sha256 %s", name, a)
		}
	}
}

func TestHeadersAreTheCanonicalColumns(t *testing.T) {
	dir, _ := generate(t, smallOptions(1))
	tests := []struct {
		file string
		want string
	}{
		{CustomersFile, "customer_id,email,first_name,last_name,gender,birth_date,city,country,timezone,signup_at,consent_email,consent_push,loyalty_tier,preferred_channel"},
		{ProductsFile, "product_id,name,category,price,currency,description,image_url,url,in_stock"},
		{OrdersFile, "order_id,customer_id,product_id,quantity,unit_price,ordered_at"},
		{EventsFile, "customer_id,type,product_id,occurred_at,value,session_id"},
	}
	for _, tt := range tests {
		t.Run(tt.file+" starts with the columns of DESIGN.md", func(t *testing.T) {
			header, _ := readCSV(t, dir, tt.file)
			if got := strings.Join(header, ","); got != tt.want {
				t.Errorf("header\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCountsMatchTheRowsWritten(t *testing.T) {
	dir, c := generate(t, smallOptions(3))
	_, customers := readCSV(t, dir, CustomersFile)
	_, products := readCSV(t, dir, ProductsFile)
	orderHeader, orders := readCSV(t, dir, OrdersFile)
	_, events := readCSV(t, dir, EventsFile)
	orderID := column(t, orderHeader, "order_id")
	distinct := map[string]bool{}
	for _, row := range orders {
		distinct[orderID(row)] = true
	}
	got := Counts{Customers: len(customers), Products: len(products), Orders: len(distinct), OrderLines: len(orders), Events: len(events)}
	if got != c {
		t.Errorf("files hold %+v, Generate reported %+v", got, c)
	}
	if c.Customers != 800 || c.Products != 120 {
		t.Errorf("asked for 800 customers and 120 products, got %+v", c)
	}
	if c.Orders == 0 || c.OrderLines < c.Orders || c.OrderLines > 3*c.Orders {
		t.Errorf("orders should have one to three lines each: %+v", c)
	}
}

func TestInvalidOptionsAreRejectedNamingTheField(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Options)
		field string
	}{
		{"no customers is rejected", func(o *Options) { o.Customers = 0 }, "customers"},
		{"fewer products than categories is rejected", func(o *Options) { o.Products = 9 }, "products"},
		{"an empty window is rejected", func(o *Options) { o.Days = 0 }, "days"},
		{"a missing end time is rejected", func(o *Options) { o.End = time.Time{} }, "end"},
		{"a negative event mean is rejected", func(o *Options) { o.EventsPerCustomer = -1 }, "events_per_customer"},
		{"a negative event total is rejected", func(o *Options) { o.Events = -5 }, "events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := smallOptions(1)
			tt.edit(&o)
			_, err := Generate(t.TempDir(), o)
			fe, ok := store.AsFieldErrors(err)
			if !ok {
				t.Fatalf("want field errors, got %v", err)
			}
			if _, ok := fe[tt.field]; !ok || len(fe) != 1 {
				t.Errorf("want only field %q, got %v", tt.field, fe)
			}
		})
	}
}

func TestCategoriesAndTheirSlugs(t *testing.T) {
	want := []string{"Electronics", "Books", "Home & Kitchen", "Fashion", "Sports & Outdoors", "Beauty", "Toys & Games", "Grocery", "Garden", "Pets"}
	if got := Categories(); !slices.Equal(got, want) {
		t.Errorf("Categories() = %v, want %v", got, want)
	}
	tests := []struct{ in, want string }{
		{"Home & Kitchen", "home-kitchen"},
		{"Sports & Outdoors", "sports-outdoors"},
		{"Electronics", "electronics"},
		{"  Toys & Games ", "toys-games"},
	}
	for _, tt := range tests {
		t.Run(tt.in+" becomes "+tt.want, func(t *testing.T) {
			if got := Slug(tt.in); got != tt.want {
				t.Errorf("Slug(%q) = %q", tt.in, got)
			}
		})
	}
}
