package clusters

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/persona-app/persona/segments/clusters/internal/blobs"
)

// BenchmarkKMeans1Mx10k16 clusters 1M generated rows of 10 values into 16 clusters with one
// restart (the rows `go run ./segments/clusters/internal/gen` writes for the scikit-learn
// script), seeds 0, 1, … for the successive runs. It reports the Lloyd time per iteration
// (all the iterations' time, the closing exact pass included, over their number), the
// seeding time (with the row norms and the side-by-side copy of the rows), the total, the
// iterations and the inertia:
//
//	go test ./segments/clusters/ -run '^$' -bench KMeans1M -benchtime 3x
func BenchmarkKMeans1Mx10k16(b *testing.B) {
	const n, d, k = 1_000_000, 10, 16
	x := &Matrix{Rows: n, Cols: d, Data: blobs.Generate(n, d, k, 1)}
	b.ResetTimer()
	var seedTime, lloydTime time.Duration
	var iters int
	var inertia float64
	for i := 0; i < b.N; i++ {
		start := time.Now()
		w := newWork(x, k)
		c := w.seed(rand.New(rand.NewPCG(uint64(i), 0)))
		seeded := time.Now()
		iters += w.lloyd(c, DefaultMaxIter, DefaultTol)
		lloydTime += time.Since(seeded)
		seedTime += seeded.Sub(start)
		inertia += w.inertia
	}
	ms := func(t time.Duration) float64 { return float64(t) / float64(time.Millisecond) }
	b.ReportMetric(ms(lloydTime)/float64(iters), "ms/iter")
	b.ReportMetric(ms(seedTime)/float64(b.N), "seed-ms")
	b.ReportMetric(ms(seedTime+lloydTime)/float64(b.N), "total-ms")
	b.ReportMetric(float64(iters)/float64(b.N), "iters")
	b.ReportMetric(inertia/float64(b.N), "inertia")
}

// BenchmarkKMeansIteration times one full assignment pass (every row against every
// centroid, sums included) over the same rows: what a Lloyd iteration costs without
// bounds, and what the first iteration of every run costs.
func BenchmarkKMeansIteration(b *testing.B) {
	const n, d, k = 1_000_000, 10, 16
	x := &Matrix{Rows: n, Cols: d, Data: blobs.Generate(n, d, k, 1)}
	w := newWork(x, k)
	c := w.seed(rand.New(rand.NewPCG(1, 0)))
	b.ResetTimer()
	for b.Loop() {
		w.assign(c, true, false)
	}
}

// BenchmarkKMeans1Mx10k16Restarts10 runs KMeans with ten restarts on the same rows, seeds
// 0, 1, … for the successive runs, and reports the mean and lowest best inertia (each run's
// is logged with -v), to set beside scikit-learn's n_init=10:
//
//	go test ./segments/clusters/ -run '^$' -bench Restarts10 -benchtime 3x -v
func BenchmarkKMeans1Mx10k16Restarts10(b *testing.B) {
	const n, d, k = 1_000_000, 10, 16
	x := &Matrix{Rows: n, Cols: d, Data: blobs.Generate(n, d, k, 1)}
	b.ResetTimer()
	var sum float64
	lowest := math.Inf(1)
	for i := 0; i < b.N; i++ {
		res, err := KMeans(x, Options{K: k, Restarts: 10, Seed: uint64(i)})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("seed %d: best inertia %.6g", i, res.Inertia)
		sum += res.Inertia
		lowest = min(lowest, res.Inertia)
	}
	b.ReportMetric(sum/float64(b.N), "inertia")
	b.ReportMetric(lowest, "lowest-inertia")
}
