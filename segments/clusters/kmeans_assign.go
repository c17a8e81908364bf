package clusters

import "math"

// assignBlock labels rows lo..hi-1 (block b) with their nearest centroid, comparing each
// with every centroid (see nearest), and with bounds also sets their Hamerly bounds
// (kmeans_bounds.go). Blocks start on a lane boundary, so the rows are read in place
// from the side-by-side copy.
func (w *work) assignBlock(sc *scratch, b, lo, hi int, c []float64, withSums, bounds bool) {
	k, d := w.k, w.d
	acc := w.blockAcc(sc, withSums)
	dots := sc.points(k)
	for g := lo / lanes; g*lanes < hi; g++ {
		dotLanes(dots, c, w.xl[g*d:(g+1)*d])
		var best, next, label lane
		argminLanes(dots, w.cnorm[:k], &best, &next, &label)
		for r := range min(lanes, hi-g*lanes) {
			i := g*lanes + r
			acc.record(i, int(label[r]), best[r], w.x.Row(i))
			if bounds {
				w.setBounds(i, best[r], next[r])
			}
		}
	}
	w.blockDone(&acc, b, withSums)
}

// nearest finds the nearest centroid of each given row and records it in acc. The squared
// distance is ‖x‖² − 2x·c + ‖c‖², and as ‖x‖² is the same for every centroid only
// ‖c‖² − 2x·c is compared. Rows go eight (lanes) at a time, copied side by side, through
// the kernels of kmeans_dot.go (assembly on amd64), so each centroid value loaded serves
// eight products and the sums run independently. It allocates nothing.
// assignBlock does the same for whole blocks, without copying.
func (w *work) nearest(sc *scratch, rows []int, c []float64, acc *blockAcc, bounds bool) {
	k, d := w.k, w.d
	x := w.x.Data
	dots, xs := sc.points(k), sc.xs
	for ; len(rows) >= lanes; rows = rows[lanes:] {
		group := rows[:lanes]
		for r, i := range group {
			for t, v := range x[i*d : (i+1)*d] {
				xs[t][r] = v
			}
		}
		dotLanes(dots, c, xs)
		var best, next, label lane
		argminLanes(dots, w.cnorm[:k], &best, &next, &label)
		for r, i := range group {
			acc.record(i, int(label[r]), best[r], x[i*d:(i+1)*d])
			if bounds {
				w.setBounds(i, best[r], next[r])
			}
		}
	}
	for _, i := range rows {
		xi := x[i*d : (i+1)*d]
		best, next, l := math.Inf(1), math.Inf(1), 0
		for j := range k {
			v := w.cnorm[j] - 2*dot(xi, c[j*d:(j+1)*d])
			next = min(next, max(best, v))
			if v < best {
				best, l = v, j
			}
		}
		acc.record(i, l, best, xi)
		if bounds {
			w.setBounds(i, best, next)
		}
	}
}

// setBounds sets row i's Hamerly bounds from its two smallest compared terms
// (‖c‖² − 2x·c): the distances to its nearest and second nearest centroids.
func (w *work) setBounds(i int, best, next float64) {
	w.upper[i] = math.Sqrt(max(w.xnorm[i]+best, 0))
	w.lower[i] = math.Sqrt(max(w.xnorm[i]+next, 0))
}

// blockAcc starts a block's results in the worker's own buffers: blocks run side by side
// write neighbouring slots, and per-row updates there would keep bouncing the shared
// cache lines between the cores. blockDone copies them out once.
func (w *work) blockAcc(sc *scratch, withSums bool) blockAcc {
	if len(sc.sums) != w.k*w.d {
		sc.sums, sc.counts = make([]float64, w.k*w.d), make([]int, w.k)
	}
	acc := blockAcc{w: w, sums: sc.sums, counts: sc.counts, withSums: withSums}
	clear(acc.counts)
	if withSums {
		clear(acc.sums)
	}
	return acc
}

func (w *work) blockDone(acc *blockAcc, b int, withSums bool) {
	k, d := w.k, w.d
	copy(w.bcounts[b*k:(b+1)*k], acc.counts)
	if withSums {
		copy(w.bsums[b*k*d:(b+1)*k*d], acc.sums)
	}
	w.bscalar[b] = acc.inertia
	w.bchanged[b] = acc.changed
}

// points returns the scratch dot products for m points.
func (sc *scratch) points(m int) []lane {
	if cap(sc.dots) < m {
		sc.dots = make([]lane, m)
	}
	return sc.dots[:m]
}

// sqDistBlock returns the squared distances of rows lo..hi-1 (lo on a lane boundary) to
// the m points of pts, whose squared norms are pn: row i, point t at [(i-lo)*m+t]. It uses
// the lane kernel and ‖x‖² + ‖p‖² − 2x·p, never below zero.
func (w *work) sqDistBlock(sc *scratch, lo, hi int, pts, pn []float64) []float64 {
	d, m := w.d, len(pn)
	if cap(sc.dd) < blockRows*m {
		sc.dd = make([]float64, blockRows*m)
	}
	dd := sc.dd[:(hi-lo)*m]
	dots := sc.points(m)
	for g := lo / lanes; g*lanes < hi; g++ {
		dotLanes(dots, pts, w.xl[g*d:(g+1)*d])
		for r := range min(lanes, hi-g*lanes) {
			i := g*lanes + r
			out := dd[(i-lo)*m : (i-lo+1)*m]
			xn := w.xnorm[i]
			for t, p := range pn {
				out[t] = max(xn+p-2*dots[t][r], 0)
			}
		}
	}
	return dd
}

// blockAcc gathers one block's results.
type blockAcc struct {
	w        *work
	sums     []float64
	counts   []int
	withSums bool
	inertia  float64
	changed  int
}

// record stores row i's label and squared distance (‖x‖² plus the compared term, never
// below zero) and adds the row to its cluster's sums.
func (a *blockAcc) record(i, label int, term float64, xi []float64) {
	w := a.w
	dd := max(w.xnorm[i]+term, 0)
	w.sqdist[i] = dd
	a.inertia += dd
	if w.labels[i] != int32(label) {
		w.labels[i] = int32(label)
		a.changed++
	}
	a.counts[label]++
	if a.withSums {
		s := a.sums[label*len(xi) : (label+1)*len(xi)]
		for t, v := range xi {
			s[t] += v
		}
	}
}
