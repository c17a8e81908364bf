package customers

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"
)

// shopGen writes a synthetic shop with batched INSERT statements, a few thousand rows at a
// time, in one transaction.
type shopGen struct {
	tx   *gorm.DB
	rng  *rand.Rand
	now  time.Time
	args []any
}

const (
	genProducts = 1000
	genYear     = 365 * 24 * time.Hour
)

// genShop fills the database of s with n customers and events behaviour events: 1,000
// products in 12 categories; signups over three years (every 17th customer without one);
// orders from about 60 % of the customers, 1–3 orders of 1–3 lines each over two years;
// and events spread evenly over the last year in time order, as a shop records them
// (views, carts, searches, purchases, clicks and wishlists).
func genShop(tb testing.TB, s *Service, n, events int, seed uint64) {
	tb.Helper()
	ctx := context.Background()
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		g := &shopGen{tx: tx.WithContext(ctx), rng: rand.New(rand.NewPCG(seed, 7)), now: testNow}
		for _, step := range []func(int, int) error{g.products, g.customers, g.orders, g.events} {
			if err := step(n, events); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("generate shop: %v", err)
	}
}

// add queues one row and writes the queue once it holds a few thousand rows (or when
// last is set).
func (g *shopGen) add(head string, last bool, row ...any) error {
	g.args = append(g.args, row...)
	if len(g.args) < 4*rowsPerInsert*len(row) && !last {
		return nil
	}
	_, err := insertRows(g.tx, head, ``, len(row), g.args)
	g.args = g.args[:0]
	return err
}

func (g *shopGen) products(int, int) error {
	cats := []string{"Electronics", "Books", "Garden", "Toys", "Kitchen", "Sports", "Beauty", "Music", "Games", "Office", "Pets", "Fashion"}
	for i := 1; i <= genProducts; i++ {
		if err := g.add(`INSERT INTO products (external_id, name, category, price, created_at, updated_at)`, i == genProducts,
			"p"+strconv.Itoa(i), "Product "+strconv.Itoa(i), cats[i%len(cats)], float64(5+i%200), g.now, g.now); err != nil {
			return err
		}
	}
	return nil
}

func (g *shopGen) customers(n, _ int) error {
	for i := 1; i <= n; i++ {
		var signup any = g.now.Add(-time.Duration(g.rng.Int64N(int64(3 * genYear)))).Truncate(time.Second)
		if i%17 == 0 {
			signup = nil
		}
		if err := g.add(`INSERT INTO customers (external_id, signup_at, created_at, updated_at)`, i == n,
			"c"+strconv.Itoa(i), signup, g.now, g.now); err != nil {
			return err
		}
	}
	return nil
}

func (g *shopGen) orders(n, _ int) error {
	const head = `INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at)`
	order := 0
	for c := 1; c <= n; c++ {
		if g.rng.IntN(10) >= 6 {
			continue
		}
		for range 1 + g.rng.IntN(3) {
			order++
			at := g.now.Add(-time.Duration(g.rng.Int64N(int64(2 * genYear)))).Truncate(time.Second)
			for line := range 1 + g.rng.IntN(3) {
				p := 1 + (order*7+line*13)%genProducts
				q, price := float64(1+g.rng.IntN(3)), float64(5+p%200)
				if err := g.add(head, false, "o"+strconv.Itoa(order), c, p, q, price, q*price, at, g.now); err != nil {
					return err
				}
			}
		}
	}
	if len(g.args) == 0 {
		return nil
	}
	_, err := insertRows(g.tx, head, ``, 8, g.args)
	g.args = g.args[:0]
	return err
}

func (g *shopGen) events(n, events int) error {
	types := []string{"view", "view", "view", "view", "view", "view", "cart", "cart", "search", "search", "purchase", "click", "wishlist"}
	for i := 1; i <= events; i++ {
		typ := types[g.rng.IntN(len(types))]
		var value any
		if typ == "view" {
			value = float64(g.rng.IntN(120))
		}
		at := g.now.Add(-genYear + time.Duration(int64(genYear)/int64(events)*int64(i))).Truncate(time.Second)
		if err := g.add(`INSERT INTO events (customer_id, type, product_id, occurred_at, value, session_id, dedup_key, created_at)`,
			i == events, 1+g.rng.IntN(n), typ, 1+g.rng.IntN(genProducts), at, value, "s"+strconv.Itoa(i/5), "k"+strconv.Itoa(i), g.now); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkRebuildFeatures rebuilds the features of 100,000 customers with 1,000,000
// events and reports the seconds one rebuild takes. FEATURES_BENCH_CUSTOMERS and
// FEATURES_BENCH_EVENTS change the size (generating 1M customers and 10M events takes a
// quarter of an hour).
func BenchmarkRebuildFeatures(b *testing.B) {
	n, events := benchSize("FEATURES_BENCH_CUSTOMERS", 100_000), benchSize("FEATURES_BENCH_EVENTS", 1_000_000)
	s := newTestService(b)
	start := time.Now()
	genShop(b, s, n, events, 1)
	b.Logf("generated %d customers and %d events in %s", n, events, time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	b.ResetTimer()
	start = time.Now()
	for i := 0; i < b.N; i++ {
		if err := s.RebuildFeatures(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/rebuild")
}

func benchSize(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
