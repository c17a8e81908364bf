package recsys

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/persona-app/persona/store"
)

// syntheticInteractions draws about perCustomer distinct products per customer (uniformly
// 1 to 2·perCustomer-1), products by a Zipf law so a few are very popular, with dampened
// weights of 1 to 10 summed interactions. It is deterministic for a seed.
func syntheticInteractions(nCustomers, nItems, perCustomer int, seed uint64) []Interaction {
	rng := rand.New(rand.NewPCG(seed, 2))
	zipf := rand.NewZipf(rng, 1.07, 4, uint64(nItems-1))
	xs := make([]Interaction, 0, nCustomers*perCustomer)
	seen := map[int32]bool{}
	for c := range int32(nCustomers) {
		clear(seen)
		for deg := 1 + rng.IntN(2*perCustomer-1); len(seen) < deg; {
			p := int32(zipf.Uint64())
			if !seen[p] {
				seen[p] = true
				xs = append(xs, Interaction{Customer: c, Product: p, Weight: float32(math.Log1p(float64(1 + rng.IntN(10))))})
			}
		}
	}
	return xs
}

func BenchmarkBuildItemItem(b *testing.B) {
	const nItems = 5_000
	xs := syntheticInteractions(100_000, nItems, 10, 42)
	var kept int
	for b.Loop() {
		kept = len(BuildItemItem(nItems, xs, neighboursPerItem).list)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(len(xs))/1e6), "s/Minteractions")
	b.ReportMetric(float64(len(xs)), "interactions")
	b.ReportMetric(float64(kept)/nItems, "neighbours/item")
}

// benchShop is a trained service over a synthetic shop of 5,000 customers, 1,000 products
// and about 100,000 event and order rows.
func benchShop(b *testing.B) (*Service, *store.DB) {
	db := store.OpenTest(b)
	seedShop(b, db, 5_000, 1_000, 20, 42)
	s := NewService(db, fixedClock(trainTime))
	if _, err := s.Train(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	return s, db
}

func BenchmarkRecommend(b *testing.B) {
	s, _ := benchShop(b)
	ctx := context.Background()
	c := int64(0)
	for b.Loop() {
		c = c%5_000 + 1
		items, err := s.Recommend(ctx, c, Options{N: 10})
		if err != nil || len(items) != 10 {
			b.Fatalf("Recommend(%d) = %d items, %v", c, len(items), err)
		}
	}
}

func BenchmarkTrain(b *testing.B) {
	s, _ := benchShop(b)
	ctx := context.Background()
	var st TrainStats
	for b.Loop() {
		var err error
		if st, err = s.Train(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)/(float64(st.Interactions)/1e6), "s/Mrows")
	b.ReportMetric(float64(st.Interactions), "rows")
}
