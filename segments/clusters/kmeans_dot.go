package clusters

import "math"

// lanes is how many rows the kernels take at once: two AVX2 registers of four float64.
const lanes = 8

// lane holds one column of lanes rows side by side.
type lane [lanes]float64

// dotLanesGo writes into out[j] the dot products of the rows in xs (xs[t][r] is value t
// of row r) with centroid j of c. It takes the rows four at a time, with so few variables
// that they all stay in registers. On amd64 with AVX2 and FMA, dotLanes is the assembly
// version (kmeans_dot_amd64.s), which computes the same sums with fused multiply-adds.
func dotLanesGo(out []lane, c []float64, xs []lane) {
	d := len(xs)
	for j := range out {
		if len(c) < d {
			return
		}
		cj := c[:d]
		c = c[d:]
		xq := xs[:len(cj)]
		o := &out[j]
		for h := 0; h < lanes; h += 4 {
			var s0, s1, s2, s3 float64
			for t, v := range cj {
				q := xq[t][h : h+4 : h+4]
				s0 += q[0] * v
				s1 += q[1] * v
				s2 += q[2] * v
				s3 += q[3] * v
			}
			o[h], o[h+1], o[h+2], o[h+3] = s0, s1, s2, s3
		}
	}
}

// argminLanesGo finds, for each of the lanes rows, the centroid j with the smallest
// v = ‖c_j‖² − 2·dots[j] (label, as a float64), that value (best) and the second smallest
// (next), without branches: which centroid wins is unpredictable.
func argminLanesGo(dots []lane, cnorm []float64, best, next, label *lane) {
	for r := range lanes {
		best[r], next[r], label[r] = math.Inf(1), math.Inf(1), 0
	}
	for j, cn := range cnorm[:len(dots)] {
		e := &dots[j]
		for r := range lanes {
			v := cn - 2*e[r]
			next[r] = min(next[r], max(best[r], v))
			label[r] = float64(pick(v < best[r], j, int(label[r])))
			best[r] = min(best[r], v)
		}
	}
}

// pick returns a when cond holds and b otherwise; it compiles to a conditional move.
func pick(cond bool, a, b int) int {
	if cond {
		return a
	}
	return b
}
