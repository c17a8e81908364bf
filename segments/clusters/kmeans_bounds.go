package clusters

import "math"

// assignBounded is an assignment pass with Hamerly's bounds (G. Hamerly, "Making k-means
// even faster", 2010). Each row keeps an upper bound on the distance to its centroid and
// a lower bound on the distance to any other; moving the centroids by shift loosens them
// (upper + own shift, lower − largest other shift). A row whose upper bound stays below
// both its lower bound and half the distance from its centroid to the nearest other one
// cannot change cluster and is not compared with any centroid.
func (w *work) assignBounded(c []float64) {
	k, d := w.k, w.d
	for j := range k {
		cj := c[j*d : (j+1)*d]
		w.cnorm[j] = dot(cj, cj)
		w.shift[j] = math.Sqrt(sqDist(cj, w.old[j*d:(j+1)*d]))
		w.half[j] = math.Inf(1)
	}
	for j := range k {
		for o := j + 1; o < k; o++ {
			h := math.Sqrt(sqDist(c[j*d:(j+1)*d], c[o*d:(o+1)*d])) / 2
			w.half[j], w.half[o] = min(w.half[j], h), min(w.half[o], h)
		}
	}
	w.each(func(sc *scratch, b, lo, hi int) { w.boundBlock(sc, b, lo, hi, c) })
	w.merge(true)
}

// boundBlock runs the bounded assignment over rows lo..hi-1 (block b).
func (w *work) boundBlock(sc *scratch, b, lo, hi int, c []float64) {
	d := w.d
	// The largest shift, and the largest of the others for rows of that centroid.
	top, first, second := 0, 0.0, 0.0
	for j, s := range w.shift {
		if s > first {
			top, first, second = j, s, first
		} else if s > second {
			second = s
		}
	}
	acc := w.blockAcc(sc, true)
	x := w.x.Data
	pending := sc.rows[:0]
	for i := lo; i < hi; i++ {
		a := int(w.labels[i])
		xi := x[i*d : (i+1)*d]
		u := w.upper[i] + w.shift[a]
		l := w.lower[i] - first
		if a == top {
			l = w.lower[i] - second
		}
		if m := max(w.half[a], l); u > m {
			// Tighten the upper bound to the true distance and test again; rows that still
			// fail are compared with every centroid below, eight at a time.
			u = math.Sqrt(max(w.xnorm[i]+w.cnorm[a]-2*dot(xi, c[a*d:(a+1)*d]), 0))
			if u > m {
				pending = append(pending, i)
				continue
			}
		}
		w.upper[i], w.lower[i] = u, l
		acc.record(i, a, u*u-w.xnorm[i], xi)
	}
	sc.rows = pending
	w.nearest(sc, pending, c, &acc, true)
	w.blockDone(&acc, b, true)
}
