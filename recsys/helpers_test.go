package recsys

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// trainTime is the clock of the tests: after every fixture row but e14 of shop.sql.
var trainTime = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// openShop returns a test database holding testdata/shop.sql.
func openShop(t testing.TB) *store.DB {
	t.Helper()
	db := store.OpenTest(t)
	sql, err := os.ReadFile("testdata/shop.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range strings.Split(string(sql), ";\n") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatalf("load shop.sql: %v\n%s", err, stmt)
		}
	}
	return db
}

func stripComments(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// trainedShop returns a service trained on shop.sql.
func trainedShop(t testing.TB) (*Service, *store.DB) {
	t.Helper()
	db := openShop(t)
	s := NewService(db, fixedClock(trainTime))
	if _, err := s.Train(context.Background(), nil); err != nil {
		t.Fatalf("train: %v", err)
	}
	return s, db
}

// insertRows writes rows into table with multi-row INSERTs of 500 rows, in one transaction.
func insertRows(t testing.TB, db *store.DB, table, columns string, rows [][]any) {
	t.Helper()
	n := len(strings.Split(columns, ","))
	tuple := "(" + store.Placeholders(n) + ")"
	err := db.Tx(context.Background(), func(tx *gorm.DB) error {
		for start := 0; start < len(rows); start += 500 {
			batch := rows[start:min(start+500, len(rows))]
			args := make([]any, 0, len(batch)*n)
			tuples := make([]string, len(batch))
			for i, r := range batch {
				tuples[i] = tuple
				args = append(args, r...)
			}
			q := fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", table, columns, strings.Join(tuples, ", "))
			if err := tx.Exec(q, args...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("insert into %s: %v", table, err)
	}
}

// seedShop fills db with a synthetic shop: customers 1..nCustomers, products 1..nProducts
// (popularity skewed by a Zipf law), and about perCustomer interactions per customer over
// the 60 days before trainTime, as events and order lines. It is deterministic for a seed.
func seedShop(t testing.TB, db *store.DB, nCustomers, nProducts, perCustomer int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(nProducts-1))
	created := trainTime.AddDate(-1, 0, 0)
	var customers, products, events, orders [][]any
	for c := 1; c <= nCustomers; c++ {
		customers = append(customers, []any{c, fmt.Sprintf("c%d", c), created, created})
	}
	for p := 1; p <= nProducts; p++ {
		products = append(products, []any{p, fmt.Sprintf("p%d", p), fmt.Sprintf("Product %d", p), float64(p%50) + 0.99, true, created, created})
	}
	types := []string{"view", "view", "view", "view", "cart", "purchase", "search"}
	for c := 1; c <= nCustomers; c++ {
		for i := range 1 + rng.IntN(2*perCustomer-1) {
			p := int(zipf.Uint64()) + 1
			at := trainTime.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
			if rng.IntN(8) == 0 {
				orders = append(orders, []any{fmt.Sprintf("o%d-%d", c, i), c, p, 1, 9.99, 9.99, at, at})
				continue
			}
			events = append(events, []any{c, types[rng.IntN(len(types))], p, at, fmt.Sprintf("e%d-%d", c, i), at})
		}
	}
	insertRows(t, db, "customers", "id, external_id, created_at, updated_at", customers)
	insertRows(t, db, "products", "id, external_id, name, price, in_stock, created_at, updated_at", products)
	insertRows(t, db, "events", "customer_id, type, product_id, occurred_at, dedup_key, created_at", events)
	insertRows(t, db, "orders", "order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at", orders)
}
