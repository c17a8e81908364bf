package clusters

import (
	"math"
	"math/rand/v2"
)

// seed picks k starting centroids by greedy k-means++, as scikit-learn does: the first is a
// row drawn uniformly; each next one is the best of 2+⌊ln k⌋ rows drawn with probability
// proportional to their squared distance to the nearest centroid so far, "best" meaning the
// one that leaves the smallest total of those distances. It returns w.cent.
func (w *work) seed(rng *rand.Rand) []float64 {
	k, d, x := w.k, w.d, w.x
	c := w.cent
	trials := 2 + int(math.Log(float64(k)))
	if len(w.bcand) != w.blocks*trials {
		w.bcand = make([]float64, w.blocks*trials)
	}
	closest := w.sqdist
	first := x.Row(rng.IntN(w.n))
	copy(c[:d], first)
	pot := w.updateClosest(closest, c[:d], true)
	cands := make([]float64, trials*d)
	cn := make([]float64, trials)
	for j := 1; j < k; j++ {
		for t := range trials {
			row := x.Row(w.sample(rng, rng.Float64()*pot, closest))
			copy(cands[t*d:(t+1)*d], row)
			cn[t] = dot(row, row)
		}
		w.each(func(sc *scratch, b, lo, hi int) {
			acc := w.bcand[b*trials : (b+1)*trials]
			clear(acc)
			dd := w.sqDistBlock(sc, lo, hi, cands, cn)
			for i := lo; i < hi; i++ {
				cl := closest[i]
				for t, v := range dd[(i-lo)*trials : (i-lo+1)*trials] {
					acc[t] += min(cl, v)
				}
			}
		})
		best, bestPot := 0, math.Inf(1)
		for t := range trials {
			var s float64
			for b := range w.blocks {
				s += w.bcand[b*trials+t]
			}
			if s < bestPot {
				best, bestPot = t, s
			}
		}
		cj := c[j*d : (j+1)*d]
		copy(cj, cands[best*d:(best+1)*d])
		pot = w.updateClosest(closest, cj, false)
	}
	return c
}

// updateClosest lowers each row's squared distance to the nearest centroid with its
// distance to c (or sets it, when first) and returns the total.
func (w *work) updateClosest(closest, c []float64, first bool) float64 {
	cn := []float64{dot(c, c)}
	w.each(func(sc *scratch, b, lo, hi int) {
		dd := w.sqDistBlock(sc, lo, hi, c, cn)
		var s float64
		for i := lo; i < hi; i++ {
			if v := dd[i-lo]; first || v < closest[i] {
				closest[i] = v
			}
			s += closest[i]
		}
		w.bscalar[b] = s
	})
	var pot float64
	for _, s := range w.bscalar {
		pot += s
	}
	return pot
}

// sample returns the first row at which the running total of weights passes target, the
// block totals from the last updateClosest narrowing the search to one block. When every
// weight is zero (fewer distinct rows than clusters) any row will do.
func (w *work) sample(rng *rand.Rand, target float64, weights []float64) int {
	var cum float64
	for b, bs := range w.bscalar {
		if target >= cum+bs {
			cum += bs
			continue
		}
		for i := b * blockRows; i < min((b+1)*blockRows, w.n); i++ {
			cum += weights[i]
			if cum > target {
				return i
			}
		}
	}
	// Rounding can leave target at or past the total: take the last row with weight.
	for i := w.n - 1; i >= 0; i-- {
		if weights[i] > 0 {
			return i
		}
	}
	return rng.IntN(w.n)
}
