package recsys

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Large catalogues: scoring every product costs a full pass over the item factors per
// request (0.47 ms at 50,000 products). Above alsIndexMinProducts, ALS groups its products
// into clusters of similar factor vectors, each with its centroid μ and radius r (the
// largest distance of a member from μ). A member y of a cluster scores x·y ≤ x·μ + ‖x‖·r
// (Cauchy–Schwarz), so serving visits clusters by that bound, best first, and stops as
// soon as the next bound cannot beat the n-th best score found: the list is exactly the
// one a full pass would give, after scoring only the clusters that could matter.

// alsIndexMinProducts is the catalogue size from which ALS serves through its index.
const alsIndexMinProducts = 5_000

// alsIndex is the clustered copy of the item factors.
type alsIndex struct {
	f         int
	centroids []float32 // cluster c's centroid is centroids[c*f:(c+1)*f]
	radius    []float32
	off       []int32   // cluster c's members are order[off[c]:off[c+1]]
	order     []int32   // products, grouped by cluster
	vecs      []float32 // their factors in the same order, for sequential reads
}

// clusterIterations bounds Lloyd's iterations when building an index, and clusterSample
// the products per cluster they run on: the bound stays exact whatever the clusters, so
// better clusters only mean fewer products scored, and a sample finds them nearly as well
// in a fraction of the time.
const (
	clusterIterations = 5
	clusterSample     = 40
)

// buildALSIndex clusters the known products' factors (items, f per product) into about
// √n clusters: k-means++ seeds and Lloyd's iterations on a sample, then every product to
// its nearest centroid. It depends on seed only.
func buildALSIndex(items []float32, known []bool, f int, seed uint64) *alsIndex {
	var members []int32
	for p, ok := range known {
		if ok {
			members = append(members, int32(p))
		}
	}
	k := max(int(math.Sqrt(float64(len(members)))), 1)
	r := rand.New(rand.NewPCG(seed, 0x1dec5))
	vec := func(p int32) []float32 { return items[int(p)*f : int(p+1)*f] }
	sample := members
	if len(sample) > clusterSample*k {
		sample = make([]int32, clusterSample*k)
		for i := range sample {
			sample[i] = members[r.IntN(len(members))]
		}
	}
	centroids := seedCentroids(sample, vec, k, f, r)
	k = len(centroids) / f
	sums := make([]float64, k*f)
	counts := make([]int, k)
	var norms []float32
	for range clusterIterations {
		clear(sums)
		clear(counts)
		norms = centroidNorms(norms, centroids, f)
		for _, p := range sample {
			c := int(nearestCentroid(vec(p), centroids, norms, f))
			counts[c]++
			for j, v := range vec(p) {
				sums[c*f+j] += float64(v)
			}
		}
		for c := range k {
			if counts[c] == 0 {
				continue // an empty cluster keeps its centroid
			}
			for j := range f {
				centroids[c*f+j] = float32(sums[c*f+j] / float64(counts[c]))
			}
		}
	}
	assign := make([]int32, len(members))
	norms = centroidNorms(norms, centroids, f)
	for i, p := range members {
		assign[i] = nearestCentroid(vec(p), centroids, norms, f)
	}
	ix := &alsIndex{f: f, centroids: centroids, radius: make([]float32, k), off: make([]int32, k+1)}
	for _, c := range assign {
		ix.off[c+1]++
	}
	for c := range k {
		ix.off[c+1] += ix.off[c]
	}
	next := slices.Clone(ix.off[:k])
	ix.order = make([]int32, len(members))
	for i, p := range members {
		ix.order[next[assign[i]]] = p
		next[assign[i]]++
	}
	ix.vecs = make([]float32, 0, len(members)*f)
	zero := make([]float32, f)
	for c := range k {
		mu := centroids[c*f : (c+1)*f]
		var r2, n2 float64
		for _, p := range ix.order[ix.off[c]:ix.off[c+1]] {
			y := vec(p)
			ix.vecs = append(ix.vecs, y...)
			r2 = max(r2, sqDist(y, mu))
			n2 = max(n2, sqDist(y, zero))
		}
		// Widened by far more than float32 rounding of a 32-term dot product can err
		// (about 1e-6 of ‖x‖·‖y‖), so a rounded score never beats its bound.
		ix.radius[c] = float32(math.Sqrt(r2) + 1e-4*math.Sqrt(n2) + 1e-6)
	}
	return ix
}

// seedCentroids picks k centroids from sample by k-means++.
func seedCentroids(sample []int32, vec func(int32) []float32, k, f int, r *rand.Rand) []float32 {
	k = min(k, len(sample))
	centroids := make([]float32, 0, k*f)
	if k == 0 {
		return centroids
	}
	centroids = append(centroids, vec(sample[r.IntN(len(sample))])...)
	dist := make([]float64, len(sample))
	for i := range dist {
		dist[i] = math.Inf(1)
	}
	for len(centroids) < k*f {
		last := centroids[len(centroids)-f:]
		var total float64
		for i, p := range sample {
			dist[i] = min(dist[i], sqDist(vec(p), last))
			total += dist[i]
		}
		pick := len(sample) - 1
		if total > 0 {
			x := r.Float64() * total
			for i, d := range dist {
				if x -= d; x < 0 {
					pick = i
					break
				}
			}
		}
		centroids = append(centroids, vec(sample[pick])...)
	}
	return centroids
}

// nearestCentroid is the index of the centroid nearest y, by ‖μ‖² − 2·y·μ (‖y‖² is the
// same for every centroid), in float32: which cluster a product joins only changes how
// much pruning saves, never a result.
// norms holds each centroid's ‖μ‖² (see centroidNorms).
func nearestCentroid(y, centroids, norms []float32, f int) int32 {
	best, bestD := int32(0), float32(math.Inf(1))
	for c, n2 := range norms {
		if d := n2 - 2*dot(y, centroids[c*f:(c+1)*f]); d < bestD {
			best, bestD = int32(c), d
		}
	}
	return best
}

// centroidNorms returns each centroid's ‖μ‖² into norms.
func centroidNorms(norms, centroids []float32, f int) []float32 {
	norms = norms[:0]
	for c := 0; c*f < len(centroids); c++ {
		mu := centroids[c*f : (c+1)*f]
		norms = append(norms, dot(mu, mu))
	}
	return norms
}

// sqDist is the squared Euclidean distance of two equally long vectors.
func sqDist(a, b []float32) float64 {
	b = b[:len(a)]
	var s float64
	for i, v := range a {
		d := float64(v) - float64(b[i])
		s += d * d
	}
	return s
}

// clusterBound is one cluster's bound on the score of its members, for the search order.
type clusterBound struct {
	c     int32
	bound float32
}

// search offers top the products that can rank among its best for factors x, visiting
// clusters by bound; with prune false it visits them all (for tests). It returns how
// many products it scored.
func (ix *alsIndex) search(x []float32, top *topK, skip func(int32) bool, bounds []clusterBound, prune bool) ([]clusterBound, int) {
	f := ix.f
	norm := float32(math.Sqrt(float64(dot(x, x))))
	bounds = bounds[:0]
	for c := range ix.radius {
		b := dot(ix.centroids[c*f:(c+1)*f], x) + norm*ix.radius[c]
		bounds = append(bounds, clusterBound{c: int32(c), bound: b})
	}
	slices.SortFunc(bounds, func(a, b clusterBound) int {
		switch {
		case a.bound > b.bound:
			return -1
		case a.bound < b.bound:
			return 1
		}
		return int(a.c - b.c)
	})
	scored := 0
	for _, cb := range bounds {
		// Nothing in this cluster or after it can beat the n-th best found: stop.
		if prune && len(top.heap) == top.k && cb.bound < top.heap[0].Sim {
			break
		}
		lo, hi := ix.off[cb.c], ix.off[cb.c+1]
		for i, p := range ix.order[lo:hi] {
			y := ix.vecs[(int(lo)+i)*f : (int(lo)+i+1)*f]
			c := Neighbour{Product: p, Sim: dot(y, x)}
			if len(top.heap) == top.k && !better(c, top.heap[0]) || skip(p) {
				continue
			}
			top.offer(c)
		}
		scored += int(hi - lo)
	}
	return bounds, scored
}
