package segments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// Size of the generated benchmark shop.
const (
	benchCustomers = 50_000
	benchEvents    = 500_000
	benchOrders    = 60_000
	benchProducts  = 200
	benchBatch     = 500
)

// benchShop is one generated database shared by every benchmark of a run; TestMain
// removes it at the end.
var benchShop struct {
	once sync.Once
	dir  string
	db   *store.DB
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchShop.db != nil {
		_ = benchShop.db.Close()
	}
	if benchShop.dir != "" {
		_ = os.RemoveAll(benchShop.dir)
	}
	os.Exit(code)
}

func benchService(b *testing.B) *Service {
	b.Helper()
	benchShop.once.Do(func() {
		dsn := os.Getenv("PERSONA_TEST_POSTGRES_URL")
		if dsn == "" {
			if benchShop.dir, benchShop.err = os.MkdirTemp("", "segments-bench-"); benchShop.err != nil {
				return
			}
			dsn = filepath.Join(benchShop.dir, "bench.db")
		}
		if benchShop.db, benchShop.err = store.Open(context.Background(), dsn); benchShop.err != nil {
			return
		}
		start := time.Now()
		benchShop.err = generateShop(context.Background(), benchShop.db)
		if benchShop.err == nil && benchShop.db.Dialect == "sqlite" {
			// Fold the big write back into the database file, as a served database would be.
			benchShop.err = benchShop.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
		}
		fmt.Fprintf(os.Stderr, "generated %d customers, %d events, %d order lines in %s\n",
			benchCustomers, benchEvents, benchOrders, time.Since(start).Round(time.Millisecond))
	})
	if benchShop.err != nil {
		b.Fatalf("benchmark shop: %v", benchShop.err)
	}
	return NewService(benchShop.db, func() time.Time { return testNow })
}

// insertRows writes rows with multi-row INSERTs of benchBatch rows each; row(i) returns
// the values of row i.
func insertRows(tx *gorm.DB, head string, n, cols int, row func(i int) []any) error {
	values := "(" + store.Placeholders(cols) + ")"
	for start := 0; start < n; start += benchBatch {
		end := min(start+benchBatch, n)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			args = append(args, row(i)...)
		}
		sql := head + " VALUES " + strings.TrimSuffix(strings.Repeat(values+",", end-start), ",")
		if err := tx.Exec(sql, args...).Error; err != nil {
			return fmt.Errorf("%s: %w", head, err)
		}
	}
	return nil
}

// generateShop fills db with a deterministic random shop: behaviour over the last 180
// days, orders over the last year, 30% of customers who never ordered.
func generateShop(ctx context.Context, db *store.DB) error {
	rng := rand.New(rand.NewPCG(1, 2))
	countries := []string{"DE", "DE", "DE", "FR", "FR", "GB", "US", "IT", "ES", "NL"}
	plans := []string{"gold", "silver", "bronze", "none"}
	categories := []string{"Shoes", "Shirts", "Home", "Toys", "Books", "Garden", "Sports", "Beauty", "Food", "Tech"}
	types := []string{"view", "view", "view", "view", "view", "view", "view", "cart", "cart", "search"}
	tiers := append(RFMTiers(), "")
	ago := func(maxDays int) time.Time {
		return testNow.Add(-time.Duration(rng.Int64N(int64(maxDays) * int64(24*time.Hour)))).Truncate(time.Second)
	}
	created := testNow.Add(-400 * 24 * time.Hour)
	return db.Tx(ctx, func(tx *gorm.DB) error {
		if db.Dialect == "sqlite" {
			// A big page cache keeps the events indexes in memory while they fill; the
			// connection goes back to the default after, so queries are timed as served.
			if err := tx.Exec("PRAGMA cache_size = -262144").Error; err != nil {
				return err
			}
			defer tx.Exec("PRAGMA cache_size = -2000")
		}
		err := insertRows(tx, `INSERT INTO customers (id, external_id, email, first_name, country, signup_at,
			consent_email, attributes, created_at, updated_at)`, benchCustomers, 10, func(i int) []any {
			id := i + 1
			return []any{id, fmt.Sprintf("c%d", id), fmt.Sprintf("user%d@example.com", id), "Name",
				countries[rng.IntN(len(countries))], ago(1000), rng.IntN(3) > 0,
				fmt.Sprintf(`{"plan":"%s","points":"%d"}`, plans[rng.IntN(len(plans))], rng.IntN(500)), created, created}
		})
		if err == nil {
			err = insertRows(tx, `INSERT INTO customer_features (customer_id, frequency, monetary, avg_order_value,
				event_count, last_order_at, last_activity_at, updated_at, recency_score, rfm_tier, views_30d)`, benchCustomers, 11, func(i int) []any {
				freq := rng.IntN(12)
				var last any
				if rng.IntN(10) >= 3 {
					last = ago(365)
				} else {
					freq = 0
				}
				monetary := float64(freq) * (20 + rng.Float64()*80)
				aov := 0.0
				if freq > 0 {
					aov = monetary / float64(freq)
				}
				return []any{i + 1, freq, monetary, aov, rng.IntN(40), last, ago(180), created,
					rng.IntN(6), tiers[rng.IntN(len(tiers))], rng.IntN(20)}
			})
		}
		if err == nil {
			err = tx.Exec(`INSERT INTO cluster_models (id, trained_at, k, features, inertia, silhouette, data)
				VALUES (1, ?, 8, 'rfm', 1, 0.5, ?)`, created, []byte{0}).Error
		}
		if err == nil {
			err = insertRows(tx, `INSERT INTO customer_clusters (customer_id, model_id, cluster_key, distance)`,
				benchCustomers, 4, func(i int) []any { return []any{i + 1, 1, rng.IntN(8), rng.Float64()} })
		}
		if err == nil {
			err = tx.Exec(`INSERT INTO propensity_models (id, trained_at, horizon_days, data) VALUES (1, ?, 30, ?)`, created, []byte{0}).Error
		}
		if err == nil {
			err = insertRows(tx, `INSERT INTO propensity_scores (customer_id, model_id, score, scored_at)`,
				benchCustomers, 4, func(i int) []any { return []any{i + 1, 1, rng.Float64() * rng.Float64(), created} })
		}
		if err == nil {
			err = insertRows(tx, `INSERT INTO products (id, external_id, name, category, created_at, updated_at)`,
				benchProducts, 6, func(i int) []any {
					return []any{i + 1, fmt.Sprintf("p%d", i+1), "Product", categories[i%len(categories)], created, created}
				})
		}
		if err == nil {
			err = insertRows(tx, `INSERT INTO events (customer_id, type, product_id, occurred_at, value, dedup_key, created_at)`,
				benchEvents, 7, func(i int) []any {
					typ := types[rng.IntN(len(types))]
					var product any = 1 + rng.IntN(benchProducts)
					if typ == "search" {
						product = nil
					}
					var value any
					if typ == "cart" {
						value = 5 + rng.Float64()*95
					}
					return []any{1 + rng.IntN(benchCustomers), typ, product, ago(180), value, fmt.Sprintf("e%07d", i), created}
				})
		}
		if err == nil {
			// Order lines come in orders of two: the same order_id on two products.
			err = insertRows(tx, `INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount,
				ordered_at, created_at)`, benchOrders, 8, func(i int) []any {
				customer := 1 + (i/2*7919)%benchCustomers
				when := testNow.Add(-time.Duration((i/2*104729)%(365*24)) * time.Hour)
				return []any{fmt.Sprintf("o%d", i/2), customer, 1 + (i*37)%benchProducts, 1, 25.0, 25.0, when, created}
			})
		}
		return err
	})
}

func benchCount(b *testing.B, svc *Service, rules string) {
	r, err := ParseRules([]byte(rules))
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for b.Loop() {
		if n, err = svc.Count(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "customers")
}

func BenchmarkCountFeatureRule(b *testing.B) {
	svc := benchService(b)
	benchCount(b, svc, `{"match":"all","conditions":[
		{"field":"country","op":"in","value":["DE","FR"]},
		{"field":"monetary","op":"gte","value":100},
		{"field":"recency_days","op":"lte","value":90},
		{"field":"attr.plan","op":"eq","value":"gold"},
		{"group":{"match":"any","conditions":[{"field":"consent_email","op":"is_true"},{"field":"frequency","op":"gte","value":8}]}}]}`)
}

func BenchmarkCountBehaviourRule(b *testing.B) {
	svc := benchService(b)
	cases := []struct{ name, rules string }{
		{"view_twice_in_30_days", one(`{"behaviour":{"event":"view","min_count":2,"days":30}}`)},
		{"view_shoes_twice_in_30_days", one(`{"behaviour":{"event":"view","category":"Shoes","min_count":2,"days":30}}`)},
		{"purchase_shoes_in_90_days", one(`{"behaviour":{"event":"purchase","category":"Shoes","min_count":1,"days":90}}`)},
		{"germans_who_carted_in_7_days", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},
			{"behaviour":{"event":"cart","min_count":1,"days":7}}]}`},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchCount(b, svc, tc.rules) })
	}
}

func BenchmarkCountNewConditions(b *testing.B) {
	svc := benchService(b)
	seg, err := svc.CreateSegment(context.Background(), Input{Name: fmt.Sprintf("bench %d", b.N), Rules: mustParse(b,
		`{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"behaviour":{"event":"cart","days":30}}]}`)})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct{ name, rules string }{
		{"number_attribute", one(`{"field":"attr.points","type":"number","op":"gte","value":400}`)},
		{"rfm_tier_and_score", `{"match":"all","conditions":[{"field":"rfm_tier","op":"in","value":["champions","at risk"]},{"field":"recency_score","op":"gte","value":3}]}`},
		{"cluster", one(`{"field":"cluster","op":"in","value":[1,3]}`)},
		{"propensity", one(`{"field":"propensity","op":"gte","value":0.5}`)},
		{"did_not_view_in_30_days", one(`{"behaviour":{"did":false,"event":"view","days":30}}`)},
		{"viewed_at_most_twice_in_30_days", one(`{"behaviour":{"event":"view","max_count":2,"days":30}}`)},
		{"carted_above_150_in_90_days", one(`{"behaviour":{"event":"cart","min_value":150,"days":90}}`)},
		{"viewed_a_product_in_a_date_range", one(`{"behaviour":{"event":"view","product":"p7","from":"2025-03-01","to":"2025-05-31"}}`)},
		{"purchased_above_40_all_time", one(`{"behaviour":{"event":"purchase","min_value":40}}`)},
		{"not_in_a_segment", one(fmt.Sprintf(`{"segment":{"id":%d,"include":false}}`, seg.ID))},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) { benchCount(b, svc, tc.rules) })
	}
}

func mustParse(b *testing.B, s string) Rules {
	r, err := ParseRules([]byte(s))
	if err != nil {
		b.Fatal(err)
	}
	return r
}
