package clusters

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// PCA2 projects the rows of x onto their first two principal components, for a 2-D scatter
// chart, and returns the share of the total variance each component explains. It
// eigen-decomposes the d×d population covariance matrix (d is small). Each component's
// sign is fixed so its largest coordinate is positive, so the picture does not flip
// between runs. With one column, or no variance, the missing parts are zero.
func PCA2(x *Matrix) (coords [][2]float64, explained [2]float64) {
	n, d := x.Rows, x.Cols
	coords = make([][2]float64, n)
	if n == 0 || d == 0 {
		return coords, explained
	}
	mean := make([]float64, d)
	for i := range n {
		for t, v := range x.Row(i) {
			mean[t] += v
		}
	}
	for t := range mean {
		mean[t] /= float64(n)
	}
	acc := make([]float64, d*d)
	row := make([]float64, d)
	for i := range n {
		for t, v := range x.Row(i) {
			row[t] = v - mean[t]
		}
		for a, ra := range row {
			up := acc[a*d : (a+1)*d]
			for b := a; b < d; b++ {
				up[b] += ra * row[b]
			}
		}
	}
	for a := range d {
		for b := a; b < d; b++ {
			acc[a*d+b] /= float64(n)
			acc[b*d+a] = acc[a*d+b]
		}
	}
	cov := mat.NewSymDense(d, acc)
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return coords, explained
	}
	values := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	var total float64
	for _, v := range values {
		total += max(v, 0)
	}
	var comps [2][]float64
	for c := range min(2, d) {
		col := d - 1 - c
		comps[c] = mat.Col(nil, col, &vecs)
		fixSign(comps[c])
		if total > 0 {
			explained[c] = max(values[col], 0) / total
		}
	}
	for i := range n {
		xi := x.Row(i)
		for c, v := range comps {
			if v == nil {
				continue
			}
			var s float64
			for t, w := range v {
				s += (xi[t] - mean[t]) * w
			}
			coords[i][c] = s
		}
	}
	return coords, explained
}

// fixSign flips v so that its largest coordinate in absolute value is positive.
func fixSign(v []float64) {
	big := 0
	for i, x := range v {
		if math.Abs(x) > math.Abs(v[big]) {
			big = i
		}
	}
	if v[big] < 0 {
		for i := range v {
			v[i] = -v[i]
		}
	}
}
