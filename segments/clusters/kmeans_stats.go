package clusters

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// Standardise returns x with every column shifted to zero mean and scaled to unit
// variance, with the column means and POPULATION standard deviations (divided by n, not
// n−1) it used. A constant column gets std 1, so it becomes all zeros and adds nothing to
// any distance instead of dividing by zero.
func Standardise(x *Matrix) (z *Matrix, mean, std []float64) {
	n, d := x.Rows, x.Cols
	mean = make([]float64, d)
	std = make([]float64, d)
	z = NewMatrix(n, d)
	if n == 0 {
		for t := range std {
			std[t] = 1
		}
		return z, mean, std
	}
	for i := range n {
		for t, v := range x.Row(i) {
			mean[t] += v
		}
	}
	for t := range mean {
		mean[t] /= float64(n)
	}
	for i := range n {
		for t, v := range x.Row(i) {
			std[t] += (v - mean[t]) * (v - mean[t])
		}
	}
	for t := range std {
		std[t] = math.Sqrt(std[t] / float64(n))
		if std[t] == 0 {
			std[t] = 1
		}
	}
	for i := range n {
		zi, xi := z.Row(i), x.Row(i)
		for t, v := range xi {
			zi[t] = (v - mean[t]) / std[t]
		}
	}
	return z, mean, std
}

// SilhouetteSample is the sample size ChooseK and the Service use for silhouettes.
const SilhouetteSample = 4000

// Silhouette returns the mean silhouette coefficient of labels (0..k-1) over the rows of x,
// with Euclidean distances. When x has at most sampleSize rows it is exact; otherwise it
// is computed on sampleSize rows drawn without replacement by a PCG generator seeded with
// seed (the same seed gives the same sample), each sampled row measured against the other
// sampled rows only, as scikit-learn's silhouette_score(sample_size=…) does. A row alone in
// its cluster scores 0; with fewer than two clusters present the result is 0.
func Silhouette(x *Matrix, labels []int, k, sampleSize int, seed uint64) float64 {
	idx := sampleRows(x.Rows, sampleSize, seed)
	m := len(idx)
	sizes := make([]int, k)
	for _, i := range idx {
		sizes[labels[i]]++
	}
	present := 0
	for _, s := range sizes {
		if s > 0 {
			present++
		}
	}
	if present < 2 {
		return 0
	}
	scores := make([]float64, m)
	var wg sync.WaitGroup
	workers := min(runtime.GOMAXPROCS(0), m)
	for wk := range workers {
		wg.Go(func() {
			sums := make([]float64, k)
			for a := wk; a < m; a += workers {
				clear(sums)
				xa := x.Row(idx[a])
				for _, j := range idx {
					sums[labels[j]] += math.Sqrt(sqDist(xa, x.Row(j)))
				}
				scores[a] = silhouetteOf(sums, sizes, labels[idx[a]])
			}
		})
	}
	wg.Wait()
	var total float64
	for _, s := range scores {
		total += s
	}
	return total / float64(m)
}

// silhouetteOf scores one row from its summed distances to each cluster (its own distance
// to itself, zero, included) and the cluster sizes.
func silhouetteOf(sums []float64, sizes []int, own int) float64 {
	if sizes[own] < 2 {
		return 0
	}
	a := sums[own] / float64(sizes[own]-1)
	b := math.Inf(1)
	for j, s := range sums {
		if j != own && sizes[j] > 0 {
			b = min(b, s/float64(sizes[j]))
		}
	}
	if m := max(a, b); m > 0 {
		return (b - a) / m
	}
	return 0
}

// sampleRows returns all row numbers when n ≤ size, else size of them drawn without
// replacement (a partial Fisher–Yates shuffle), sorted.
func sampleRows(n, size int, seed uint64) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if size <= 0 || n <= size {
		return idx
	}
	rng := rand.New(rand.NewPCG(seed, 0x73696c68))
	for i := range size {
		j := i + rng.IntN(n-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	idx = idx[:size]
	slices.Sort(idx)
	return idx
}

// KPoint is one k of the elbow and silhouette curves.
type KPoint struct {
	K          int     `json:"k"`
	Inertia    float64 `json:"inertia"`
	Silhouette float64 `json:"silhouette"`
}

// ChooseK runs KMeans for every k in kmin..kmax (opt.K is ignored) and returns the k with
// the highest silhouette (the smaller k on a tie), with the inertia (elbow) and silhouette
// curves. Silhouettes use SilhouetteSample rows when x has more.
func ChooseK(x *Matrix, kmin, kmax int, opt Options) (best int, curve []KPoint, err error) {
	best, curve, _, err = chooseK(x, kmin, kmax, opt)
	return best, curve, err
}

// chooseK is ChooseK that also returns the winning clustering.
func chooseK(x *Matrix, kmin, kmax int, opt Options) (int, []KPoint, Result, error) {
	kmin, kmax = max(kmin, 2), min(kmax, x.Rows)
	if kmin > kmax {
		return 0, nil, Result{}, ErrTooFewRows
	}
	var bestRes Result
	best, bestSil := 0, math.Inf(-1)
	curve := make([]KPoint, 0, kmax-kmin+1)
	for k := kmin; k <= kmax; k++ {
		o := opt
		o.K = k
		res, err := KMeans(x, o)
		if err != nil {
			return 0, nil, Result{}, err
		}
		sil := Silhouette(x, res.Labels, k, SilhouetteSample, opt.Seed)
		curve = append(curve, KPoint{K: k, Inertia: res.Inertia, Silhouette: sil})
		if sil > bestSil {
			best, bestSil, bestRes = k, sil, res
		}
	}
	return best, curve, bestRes, nil
}
