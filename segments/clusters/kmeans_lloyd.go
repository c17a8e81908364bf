package clusters

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// blockRows is how many rows one task of the parallel passes covers. Partial sums are kept
// per block and added in block order, so results do not depend on how many cores run them.
const blockRows = 4096

// work holds the buffers of one KMeans run, reused by every restart and iteration.
type work struct {
	x       *Matrix
	n, d, k int
	// xl is x again, eight rows (a lane) at a time side by side: group g's value t of row
	// 8g+r is xl[g*d+t][r], the last group padded with zeros. The kernels read it as it is.
	xl      []lane
	blocks  int
	workers int

	xnorm  []float64 // squared norm of each row
	mean   []float64 // column means
	sumSq  float64   // Σ‖x − mean‖², the inertia of one cluster
	labels []int32
	// sqdist is each row's squared distance to its centroid: exact after a full pass, an
	// upper bound after a bounded one (see kmeans_bounds.go).
	sqdist []float64
	cent   []float64 // k×d centroids of the current restart
	cnorm  []float64

	// Hamerly's bounds: upper[i] ≥ distance of row i to its centroid, lower[i] ≤ its
	// distance to every other centroid; shift and half are per centroid (see boundBlock).
	upper, lower []float64
	old          []float64 // centroids before the last update
	shift, half  []float64

	// per block partial results
	bsums    []float64 // blocks×k×d
	bcounts  []int     // blocks×k
	bscalar  []float64 // blocks: inertia or seeding potential
	bchanged []int
	bcand    []float64 // blocks×candidates, for seeding
	scratch  []*scratch

	// merged results of the last pass
	sums    []float64
	counts  []int
	inertia float64
	changed int
}

func newWork(x *Matrix, k int) *work {
	n, d := x.Rows, x.Cols
	blocks := (n + blockRows - 1) / blockRows
	w := &work{x: x, n: n, d: d, k: k, blocks: blocks, workers: runtime.GOMAXPROCS(0),
		xnorm: make([]float64, n), labels: make([]int32, n), sqdist: make([]float64, n),
		cent: make([]float64, k*d), cnorm: make([]float64, k),
		upper: make([]float64, n), lower: make([]float64, n), old: make([]float64, k*d),
		shift: make([]float64, k), half: make([]float64, k),
		bsums: make([]float64, blocks*k*d), bcounts: make([]int, blocks*k),
		bscalar: make([]float64, blocks), bchanged: make([]int, blocks),
		sums: make([]float64, k*d), counts: make([]int, k),
		xl: make([]lane, (n+lanes-1)/lanes*d)}
	w.each(func(_ *scratch, _, lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x.Row(i)
			w.xnorm[i] = dot(xi, xi)
			g := w.xl[i/lanes*d : (i/lanes+1)*d]
			for t, v := range xi {
				g[t][i%lanes] = v
			}
		}
	})
	w.mean = make([]float64, d)
	for i := range n {
		for t, v := range x.Row(i) {
			w.mean[t] += v
		}
	}
	for t := range w.mean {
		w.mean[t] /= float64(n)
	}
	for i := range n {
		w.sumSq += sqDist(x.Row(i), w.mean)
	}
	return w
}

// scratch is one worker's buffers for the lane kernels.
type scratch struct {
	xs     []lane    // d columns of up to lanes rows
	dots   []lane    // one per point compared with
	dd     []float64 // blockRows × points squared distances
	sums   []float64 // k×d sums of the block being assigned
	counts []int     // k counts of the block being assigned
	rows   []int     // rows of the block to compare with every centroid
}

// each runs fn over every block of rows, spread over the available cores; each worker
// passes its own scratch.
func (w *work) each(fn func(sc *scratch, b, lo, hi int)) {
	workers := min(w.workers, w.blocks)
	for len(w.scratch) < max(workers, 1) {
		w.scratch = append(w.scratch, &scratch{xs: make([]lane, w.d)})
	}
	if workers <= 1 {
		for b := range w.blocks {
			fn(w.scratch[0], b, b*blockRows, min((b+1)*blockRows, w.n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for wk := range workers {
		sc := w.scratch[wk]
		wg.Go(func() {
			for {
				b := int(next.Add(1) - 1)
				if b >= w.blocks {
					return
				}
				fn(sc, b, b*blockRows, min((b+1)*blockRows, w.n))
			}
		})
	}
	wg.Wait()
}

// lloyd runs Lloyd iterations from the centroids in c (updated in place) and leaves
// labels, sqdist, counts and inertia consistent with the final c. It returns the number of
// iterations (assignment then update).
//
// The first assignment compares every row with every centroid; later ones use Hamerly's
// bounds to skip the rows whose centroid cannot have changed, which gives the same labels
// as comparing everything (up to rounding at exact ties) at a fraction of the cost once
// the centroids settle. The inertia between iterations (for Tol) comes from the cluster
// sizes and means: Σ‖x − m‖² − Σ_j n_j‖c_j − m‖² with m the mean of all rows, exact for
// centroids that are their clusters' means (and centred, so no large norms cancel).
func (w *work) lloyd(c []float64, maxIter int, tol float64) int {
	for i := range w.labels {
		w.labels[i] = -1
	}
	prev := math.Inf(1)
	it := 1
	for ; ; it++ {
		if it == 1 {
			w.assign(c, true, true)
		} else {
			w.assignBounded(c)
		}
		changed := w.changed
		// Bounds were measured against these centroids, a relocated one included.
		copy(w.old, c)
		w.relocateEmpty(c)
		inertia := w.sumSq
		for j := range w.k {
			cj := c[j*w.d : (j+1)*w.d]
			inv := 1 / float64(w.counts[j])
			for t := range cj {
				cj[t] = w.sums[j*w.d+t] * inv
			}
			inertia -= float64(w.counts[j]) * sqDist(cj, w.mean)
		}
		if changed == 0 || it >= maxIter || (it > 1 && math.Abs(prev-inertia) <= tol*prev) {
			break
		}
		prev = inertia
	}
	// The exact pass: labels, distances and inertia of the centroids returned.
	w.assign(c, false, false)
	w.relocateEmpty(c)
	return it
}

// assign labels every row with its nearest centroid of c, comparing it with every one,
// and merges the block results: counts, inertia, changed and, when sums is true, the
// per-cluster sums of rows. With bounds it also sets Hamerly's bounds.
func (w *work) assign(c []float64, sums, bounds bool) {
	for j := range w.k {
		w.cnorm[j] = dot(c[j*w.d:(j+1)*w.d], c[j*w.d:(j+1)*w.d])
	}
	w.each(func(sc *scratch, b, lo, hi int) { w.assignBlock(sc, b, lo, hi, c, sums, bounds) })
	w.merge(sums)
}

// merge adds up the block results of the last pass.
func (w *work) merge(sums bool) {
	clear(w.counts)
	clear(w.sums)
	w.inertia, w.changed = 0, 0
	kd := w.k * w.d
	for b := range w.blocks {
		w.inertia += w.bscalar[b]
		w.changed += w.bchanged[b]
		for j, v := range w.bcounts[b*w.k : (b+1)*w.k] {
			w.counts[j] += v
		}
		if sums {
			for j, v := range w.bsums[b*kd : (b+1)*kd] {
				w.sums[j] += v
			}
		}
	}
}

// relocateEmpty gives each empty cluster the row farthest from its own centroid, taken
// from a cluster that keeps at least one row, and makes that row the cluster's centroid.
func (w *work) relocateEmpty(c []float64) {
	d := w.d
	for e := range w.k {
		if w.counts[e] > 0 {
			continue
		}
		p, far := -1, -1.0
		for i, dd := range w.sqdist {
			if dd > far && w.counts[w.labels[i]] > 1 {
				p, far = i, dd
			}
		}
		a := int(w.labels[p])
		xp := w.x.Row(p)
		w.counts[a]--
		w.counts[e] = 1
		w.labels[p] = int32(e)
		w.inertia -= w.sqdist[p]
		w.sqdist[p], w.upper[p], w.lower[p] = 0, 0, 0
		for t, v := range xp {
			w.sums[a*d+t] -= v
			w.sums[e*d+t] = v
			c[e*d+t] = v
		}
	}
}

func dot(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func sqDist(a, b []float64) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		t := v - b[i]
		s += t * t
	}
	return s
}
