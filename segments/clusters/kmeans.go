// Package clusters groups customers by K-means over their computed features and custom
// numeric attributes: standardisation, k-means++ seeding with restarts, k chosen by
// silhouette, PCA for a 2-D picture, words that describe each cluster, and cluster keys that
// survive a retrain. The algorithm files (kmeans*.go) touch no database; the store*.go files
// load the features, run the algorithm and persist the model. It knows nothing of HTTP.
package clusters

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Matrix is a dense row-major n×d matrix of float64.
type Matrix struct {
	Rows, Cols int
	// Data holds row i in Data[i*Cols : (i+1)*Cols].
	Data []float64
}

// NewMatrix returns a zero rows×cols matrix.
func NewMatrix(rows, cols int) *Matrix {
	return &Matrix{Rows: rows, Cols: cols, Data: make([]float64, rows*cols)}
}

// Row returns row i, sharing the matrix's storage.
func (m *Matrix) Row(i int) []float64 { return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols] }

// Options configures KMeans; zero values take the defaults.
type Options struct {
	K int
	// Restarts is how many seedings are run; the lowest inertia wins (default 10).
	Restarts int
	// MaxIter bounds the Lloyd iterations of one restart (default 300).
	MaxIter int
	// Tol stops a restart when the inertia changes by at most Tol times itself between two
	// iterations (default 1e-4, scikit-learn's default figure; scikit-learn applies it to
	// the centroid shift instead). A restart also stops when no label changes.
	Tol float64
	// Seed makes the whole run reproducible.
	Seed uint64
}

// Defaults of Options.
const (
	DefaultRestarts = 10
	DefaultMaxIter  = 300
	DefaultTol      = 1e-4
)

func (o Options) withDefaults() Options {
	if o.Restarts <= 0 {
		o.Restarts = DefaultRestarts
	}
	if o.MaxIter <= 0 {
		o.MaxIter = DefaultMaxIter
	}
	if o.Tol <= 0 {
		o.Tol = DefaultTol
	}
	return o
}

// Result is the best restart of a KMeans run.
type Result struct {
	// Centroids are k rows of d values, in the space of the input matrix.
	Centroids [][]float64
	// Labels gives each row's cluster, 0..k-1.
	Labels []int
	// SqDist is each row's squared distance to its centroid.
	SqDist []float64
	// Inertia is the sum of SqDist.
	Inertia float64
	// Iterations is how many Lloyd iterations the best restart ran.
	Iterations int
	// Sizes counts the rows of each cluster; none is zero.
	Sizes []int
}

// ErrTooFewRows is returned when there are fewer distinct rows than clusters asked for.
var ErrTooFewRows = errors.New("clusters: fewer rows than clusters")

// KMeans clusters the rows of x into opt.K groups with Lloyd's algorithm from k-means++
// seeds, keeping the restart with the lowest inertia. Iterations after the first skip the
// rows that Hamerly's bounds show cannot move (kmeans_bounds.go); distances use the
// ‖x‖² − 2x·c + ‖c‖² expansion, as scikit-learn does, so data far from the origin should be
// standardised first (the Service does). The passes over the rows are split over every
// core in fixed blocks whose partial sums are added in block order, so the result depends
// on Seed alone, not on the number of cores.
func KMeans(x *Matrix, opt Options) (Result, error) {
	opt = opt.withDefaults()
	if err := checkInput(x, opt.K); err != nil {
		return Result{}, err
	}
	w := newWork(x, opt.K)
	best := Result{Inertia: math.Inf(1)}
	for r := 0; r < opt.Restarts; r++ {
		rng := rand.New(rand.NewPCG(opt.Seed, uint64(r)))
		c := w.seed(rng)
		iters := w.lloyd(c, opt.MaxIter, opt.Tol)
		if w.inertia < best.Inertia {
			best = w.result(c, iters, best)
		}
	}
	return best, nil
}

func checkInput(x *Matrix, k int) error {
	if x == nil || x.Rows == 0 || x.Cols == 0 {
		return errors.New("clusters: no data to cluster")
	}
	if len(x.Data) != x.Rows*x.Cols {
		return fmt.Errorf("clusters: matrix holds %d values, not %d×%d", len(x.Data), x.Rows, x.Cols)
	}
	if k < 1 {
		return fmt.Errorf("clusters: k must be at least 1, not %d", k)
	}
	if k > x.Rows {
		return fmt.Errorf("%w: %d rows, k = %d", ErrTooFewRows, x.Rows, k)
	}
	for i, v := range x.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("clusters: row %d column %d is not a finite number", i/x.Cols, i%x.Cols)
		}
	}
	return nil
}

// result copies the work's current state into a Result, reusing old's slices when it has them.
func (w *work) result(c []float64, iters int, old Result) Result {
	k, d := w.k, w.d
	r := Result{Labels: old.Labels, SqDist: old.SqDist, Inertia: w.inertia, Iterations: iters}
	if r.Labels == nil {
		r.Labels = make([]int, w.n)
		r.SqDist = make([]float64, w.n)
	}
	for i, l := range w.labels {
		r.Labels[i] = int(l)
	}
	copy(r.SqDist, w.sqdist)
	r.Centroids = make([][]float64, k)
	r.Sizes = make([]int, k)
	for j := range k {
		r.Centroids[j] = append([]float64(nil), c[j*d:(j+1)*d]...)
		r.Sizes[j] = w.counts[j]
	}
	return r
}
