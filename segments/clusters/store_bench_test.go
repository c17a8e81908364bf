package clusters

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// BenchmarkServiceRun trains on a database of generated customers (100,000 by default;
// PERSONA_CLUSTERS_BENCH_CUSTOMERS sets another number) with the default features, k = 16
// and one restart, and reports the load time and the whole run, persisting included:
//
//	PERSONA_CLUSTERS_BENCH_CUSTOMERS=1000000 go test ./segments/clusters/ -run '^$' -bench ServiceRun -benchtime 1x -timeout 30m
func BenchmarkServiceRun(b *testing.B) {
	n := 100_000
	if v := os.Getenv("PERSONA_CLUSTERS_BENCH_CUSTOMERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	db := store.OpenTest(b)
	fillCustomers(b, db, n)
	s := NewService(db, func() time.Time { return testNow })
	ctx := context.Background()
	b.ResetTimer()
	var load, run time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := s.loadFeatures(ctx, DefaultFeatures); err != nil {
			b.Fatal(err)
		}
		load += time.Since(start)
		start = time.Now()
		if _, err := s.Run(ctx, RunOptions{K: 16, Restarts: 1, Seed: uint64(i)}); err != nil {
			b.Fatal(err)
		}
		run += time.Since(start)
	}
	b.ReportMetric(load.Seconds()/float64(b.N), "load-s")
	b.ReportMetric(run.Seconds()/float64(b.N), "run-s")
}

// fillCustomers inserts n customers with feature rows drawn from a few customer types.
func fillCustomers(b *testing.B, db *store.DB, n int) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	const per = 500
	err := db.Tx(context.Background(), func(tx *gorm.DB) error {
		for lo := 1; lo <= n; lo += per {
			hi := min(lo+per, n+1)
			var cust, feat []any
			for id := lo; id < hi; id++ {
				kind := rng.IntN(4)
				freq := []int{0, 1, 3, 12}[kind] + rng.IntN(3)
				aov := math.Exp(3.5 + 0.6*rng.NormFloat64())
				var last any
				if freq == 0 {
					aov = 0
				} else {
					last = daysAgo([]int{0, 300, 60, 10}[kind] + rng.IntN(40))
				}
				cust = append(cust, id, fmt.Sprintf("c%d", id), daysAgo(30+rng.IntN(700)), testNow, testNow)
				feat = append(feat, id, freq, float64(freq)*aov, aov, 100*rng.ExpFloat64()*float64(kind+1), rng.IntN(10*(kind+1)),
					rng.IntN(3*(kind+1)), min(freq, rng.IntN(kind+1)), last, "Electronics:0.50", testNow)
			}
			if err := tx.Exec(`INSERT INTO customers (id, external_id, signup_at, created_at, updated_at) VALUES `+
				valueRows(hi-lo, 5), cust...).Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO customer_features (customer_id, frequency, monetary, avg_order_value,
				browse_seconds, views_30d, carts_30d, purchases_90d, last_order_at, top_categories, updated_at) VALUES `+
				valueRows(hi-lo, 11), feat...).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
