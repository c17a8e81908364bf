package clusters

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"testing"
)

// matrix builds a Matrix from rows.
func matrix(rows ...[]float64) *Matrix {
	m := NewMatrix(len(rows), len(rows[0]))
	for i, r := range rows {
		copy(m.Row(i), r)
	}
	return m
}

// squares returns the corners of a 2×2 square at (x, y) for each origin given.
func squares(origins ...[2]float64) *Matrix {
	var rows [][]float64
	for _, o := range origins {
		for _, d := range [][2]float64{{0, 0}, {0, 2}, {2, 0}, {2, 2}} {
			rows = append(rows, []float64{o[0] + d[0], o[1] + d[1]})
		}
	}
	return matrix(rows...)
}

// gaussians draws n points around each centre with the given spread.
func gaussians(seed uint64, n int, spread float64, centres ...[]float64) (*Matrix, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := len(centres[0])
	x := NewMatrix(n*len(centres), d)
	truth := make([]int, 0, x.Rows)
	for c, centre := range centres {
		for i := range n {
			row := x.Row(c*n + i)
			for t := range d {
				row[t] = centre[t] + spread*rng.NormFloat64()
			}
			truth = append(truth, c)
		}
	}
	return x, truth
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestKMeansFindsTheKnownOptimumOfThreeSquares(t *testing.T) {
	// Each square's corners are 2 apart: its centre is the centroid and every corner is at
	// squared distance 1+1 = 2 from it, so the optimum inertia is 3 squares × 4 × 2 = 24.
	x := squares([2]float64{0, 0}, [2]float64{10, 10}, [2]float64{0, 20})
	res, err := KMeans(x, Options{K: 3, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !near(res.Inertia, 24, 1e-9) {
		t.Errorf("inertia = %v, want 24", res.Inertia)
	}
	got := slices.Clone(res.Centroids)
	slices.SortFunc(got, func(a, b []float64) int { return int(a[0]*100 + a[1] - b[0]*100 - b[1]) })
	want := [][]float64{{1, 1}, {1, 21}, {11, 11}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("centroids = %v, want %v", got, want)
	}
	if !reflect.DeepEqual(res.Sizes, []int{4, 4, 4}) {
		t.Errorf("sizes = %v, want 4 each", res.Sizes)
	}
	for i := range x.Rows {
		if res.Labels[i] != res.Labels[i/4*4] {
			t.Errorf("row %d is not with the rest of its square", i)
		}
		if !near(res.SqDist[i], 2, 1e-9) {
			t.Errorf("row %d: squared distance %v, want 2", i, res.SqDist[i])
		}
	}
}

func TestLloydFromBadSeedsStopsInAWorseOptimumThatRestartsAvoid(t *testing.T) {
	// Two short columns 8 apart. Seeded at the bottom and top of the left column, Lloyd
	// splits the rows into a bottom and a top pair, centred at (4, 0) and (4, 1), and stays
	// there (inertia 4 × 4² = 64); the optimum splits left from right (4 × 0.5² = 1).
	x := matrix([]float64{0, 0}, []float64{0, 1}, []float64{8, 0}, []float64{8, 1})
	w := newWork(x, 2)
	c := []float64{0, 0, 0, 1}
	w.lloyd(c, 100, 1e-4)
	if !near(w.inertia, 64, 1e-9) {
		t.Fatalf("from bad seeds inertia = %v, want the local optimum 64", w.inertia)
	}
	res, err := KMeans(x, Options{K: 2, Restarts: 10, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !near(res.Inertia, 1, 1e-9) {
		t.Errorf("with restarts inertia = %v, want the optimum 1", res.Inertia)
	}
}

func TestSingleSeedingsSometimesMissTheOptimumButTenRestartsFindIt(t *testing.T) {
	// Sixteen blobs on a 4×4 grid: one k-means++ seeding now and then puts two seeds in
	// one blob and leaves two blobs to one centroid; the best of ten restarts does not.
	var centres [][]float64
	for i := range 4 {
		for j := range 4 {
			centres = append(centres, []float64{float64(i) * 4, float64(j) * 4})
		}
	}
	x, truth := gaussians(3, 30, 0.5, centres...)
	var optimum float64
	{
		res, err := KMeans(x, Options{K: len(centres), Restarts: 200, Seed: 99})
		if err != nil {
			t.Fatal(err)
		}
		optimum = res.Inertia
		if a := Agreement(res.Labels, truth); a < 0.99 {
			t.Fatalf("the reference run does not recover the blobs (agreement %v)", a)
		}
	}
	worse := 0
	for seed := range uint64(40) {
		one, err := KMeans(x, Options{K: len(centres), Restarts: 1, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if one.Inertia > optimum*1.01 {
			worse++
		}
		ten, err := KMeans(x, Options{K: len(centres), Restarts: 10, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !near(ten.Inertia, optimum, 1e-6*optimum) {
			t.Errorf("seed %d: ten restarts give inertia %v, the optimum is %v", seed, ten.Inertia, optimum)
		}
	}
	if worse == 0 {
		t.Errorf("no single seeding out of 40 missed the optimum: the case does not test restarts")
	}
}

func TestKMeansLeavesNoClusterEmpty(t *testing.T) {
	tests := []struct {
		name string
		x    *Matrix
		k    int
	}{
		{"duplicated rows with fewer distinct values than clusters", matrix(
			[]float64{1, 1}, []float64{1, 1}, []float64{1, 1}, []float64{2, 2}, []float64{2, 2},
			[]float64{3, 3}, []float64{3, 3}, []float64{3, 3}, []float64{3, 3}), 6},
		{"as many clusters as rows", squares([2]float64{0, 0}, [2]float64{5, 5}), 8},
		{"one tight blob split many ways", func() *Matrix { x, _ := gaussians(1, 200, 0.01, []float64{5, 5}); return x }(), 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := KMeans(tc.x, Options{K: tc.k, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			total := 0
			counted := make([]int, tc.k)
			for _, l := range res.Labels {
				counted[l]++
			}
			for j, s := range res.Sizes {
				if s == 0 {
					t.Errorf("cluster %d is empty (sizes %v)", j, res.Sizes)
				}
				if counted[j] != s {
					t.Errorf("cluster %d: size %d but %d labels", j, s, counted[j])
				}
				total += s
			}
			if total != tc.x.Rows {
				t.Errorf("sizes add up to %d, want %d", total, tc.x.Rows)
			}
		})
	}
}

func TestLloydRelocatesAnEmptyClusterToTheFarthestRow(t *testing.T) {
	// The second seed is far from every row, so it gets none at the first assignment; it
	// takes the row farthest from its centroid, (10, 0), and keeps it.
	x := matrix([]float64{0, 0}, []float64{1, 0}, []float64{0, 1}, []float64{10, 0})
	w := newWork(x, 2)
	c := []float64{0.5, 0.5, 100, 100}
	w.lloyd(c, 100, 1e-4)
	if w.counts[0] != 3 || w.counts[1] != 1 || w.labels[3] != 1 {
		t.Errorf("counts %v labels %v, want the far row alone in cluster 1", w.counts, w.labels)
	}
	if c[2] != 10 || c[3] != 0 {
		t.Errorf("cluster 1 centroid = %v, want (10, 0)", c[2:])
	}
}

func TestKMeansDependsOnTheSeedOnlyNotOnTheCores(t *testing.T) {
	x, _ := gaussians(5, 3000, 1.0, []float64{0, 0, 0}, []float64{4, 0, 1}, []float64{0, 4, 2}, []float64{3, 3, 3})
	opt := Options{K: 4, Restarts: 3, Seed: 11}
	first, err := KMeans(x, opt)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := KMeans(x, opt)
	if !reflect.DeepEqual(first, again) {
		t.Error("two runs with the same seed differ")
	}
	old := runtime.GOMAXPROCS(1)
	single, _ := KMeans(x, opt)
	runtime.GOMAXPROCS(old)
	if !reflect.DeepEqual(first, single) {
		t.Error("the run on one core differs from the run on all cores")
	}
	other, _ := KMeans(x, Options{K: 4, Restarts: 1, Seed: 12})
	one, _ := KMeans(x, Options{K: 4, Restarts: 1, Seed: 11})
	if reflect.DeepEqual(other.Centroids, one.Centroids) && reflect.DeepEqual(other.Labels, one.Labels) && other.Iterations == one.Iterations {
		t.Error("another seed gave exactly the same run: the seed is not used")
	}
}

func TestKMeansRejectsBadInput(t *testing.T) {
	tests := []struct {
		name string
		x    *Matrix
		k    int
	}{
		{"no rows", &Matrix{Cols: 2}, 1},
		{"k of zero", squares([2]float64{0, 0}), 0},
		{"more clusters than rows", squares([2]float64{0, 0}), 5},
		{"a NaN", matrix([]float64{1, math.NaN()}, []float64{2, 2}), 1},
		{"an infinity", matrix([]float64{1, 2}, []float64{math.Inf(1), 2}), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := KMeans(tc.x, Options{K: tc.k}); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := KMeans(squares([2]float64{0, 0}), Options{K: 5}); !errors.Is(err, ErrTooFewRows) {
		t.Errorf("more clusters than rows: %v, want ErrTooFewRows", err)
	}
}

func TestStandardiseUsesThePopulationDeviationAndLeavesConstantColumnsAtZero(t *testing.T) {
	x := matrix([]float64{1, 5, 10}, []float64{2, 5, 10}, []float64{3, 5, 20}, []float64{4, 5, 20})
	z, mean, std := Standardise(x)
	if !reflect.DeepEqual(mean, []float64{2.5, 5, 15}) {
		t.Errorf("mean = %v", mean)
	}
	// Population variance of 1..4 is ((1.5²+0.5²)·2)/4 = 1.25; of 10,10,20,20 it is 25.
	if !near(std[0], math.Sqrt(1.25), 1e-12) || std[1] != 1 || !near(std[2], 5, 1e-12) {
		t.Errorf("std = %v, want [√1.25 1 5]", std)
	}
	want := [][]float64{{-1.5 / math.Sqrt(1.25), 0, -1}, {-0.5 / math.Sqrt(1.25), 0, -1}, {0.5 / math.Sqrt(1.25), 0, 1}, {1.5 / math.Sqrt(1.25), 0, 1}}
	for i, w := range want {
		for t2, v := range w {
			if !near(z.Row(i)[t2], v, 1e-12) {
				t.Errorf("z[%d][%d] = %v, want %v", i, t2, z.Row(i)[t2], v)
			}
		}
	}
	if x.Row(0)[0] != 1 {
		t.Error("Standardise changed its input")
	}
}

func TestBoundedIterationsGiveTheSameClustersAsPlainLloyd(t *testing.T) {
	for seed := range uint64(8) {
		centres := [][]float64{{0, 0, 0}, {3, 1, 0}, {0, 3, 1}, {2, 2, 2}, {5, 5, 0}}
		x, _ := gaussians(seed, 900, 0.9, centres...) // overlapping: many rows change cluster
		k := 7
		w := newWork(x, k)
		c := w.seed(rand.New(rand.NewPCG(seed, 0)))
		start := slices.Clone(c)
		iters := w.lloyd(c, 1000, 1e-300)
		labels, cent, plainIters := plainLloyd(x, k, start)
		for i, l := range labels {
			if int(w.labels[i]) != l {
				t.Fatalf("seed %d: row %d in cluster %d, plain Lloyd says %d", seed, i, w.labels[i], l)
			}
		}
		for i, v := range cent {
			if !near(c[i], v, 1e-9) {
				t.Fatalf("seed %d: centroid value %d is %v, plain Lloyd says %v", seed, i, c[i], v)
			}
		}
		if iters != plainIters {
			t.Errorf("seed %d: %d iterations, plain Lloyd %d", seed, iters, plainIters)
		}
	}
}

// plainLloyd is the textbook algorithm: assign every row to its nearest centroid by
// direct distances, move each centroid to its cluster's mean, until no label changes.
func plainLloyd(x *Matrix, k int, c []float64) ([]int, []float64, int) {
	d := x.Cols
	c = slices.Clone(c)
	labels := make([]int, x.Rows)
	for i := range labels {
		labels[i] = -1
	}
	for it := 1; ; it++ {
		changed := 0
		for i := range x.Rows {
			best, l := math.Inf(1), 0
			for j := range k {
				if dd := sqDist(x.Row(i), c[j*d:(j+1)*d]); dd < best {
					best, l = dd, j
				}
			}
			if labels[i] != l {
				labels[i], changed = l, changed+1
			}
		}
		sums, counts := make([]float64, k*d), make([]int, k)
		for i, l := range labels {
			counts[l]++
			for t, v := range x.Row(i) {
				sums[l*d+t] += v
			}
		}
		for j := range k {
			for t := range d {
				c[j*d+t] = sums[j*d+t] / float64(counts[j])
			}
		}
		if changed == 0 {
			return labels, c, it
		}
	}
}

func TestTheKernelsAgreeWithThePortableOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, k := range []int{1, 3, 4, 5, 8, 16, 17} {
		for _, d := range []int{1, 2, 7, 10, 13} {
			c := make([]float64, k*d)
			for i := range c {
				c[i] = rng.NormFloat64() * 3
			}
			xs := make([]lane, d)
			for i := range xs {
				for r := range lanes {
					xs[i][r] = rng.NormFloat64() * 5
				}
			}
			got, want := make([]lane, k), make([]lane, k)
			dotLanes(got, c, xs)
			dotLanesGo(want, c, xs)
			cnorm := make([]float64, k)
			for j := range cnorm {
				cnorm[j] = dot(c[j*d:(j+1)*d], c[j*d:(j+1)*d])
			}
			var best, next, label, gBest, gNext, gLabel lane
			argminLanes(want, cnorm, &best, &next, &label)
			argminLanesGo(want, cnorm, &gBest, &gNext, &gLabel)
			if best != gBest || next != gNext || label != gLabel {
				t.Fatalf("k %d d %d: argmin %v %v %v, portable %v %v %v", k, d, best, next, label, gBest, gNext, gLabel)
			}
			for j := range want {
				for r := range lanes {
					if !near(got[j][r], want[j][r], 1e-12*(1+math.Abs(want[j][r]))) {
						t.Fatalf("k %d d %d: centroid %d row %d: %v, portable %v", k, d, j, r, got[j][r], want[j][r])
					}
				}
			}
		}
	}
}
