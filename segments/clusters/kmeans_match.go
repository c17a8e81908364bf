package clusters

import (
	"fmt"
	"math"
)

// Match pairs the clusters of a retrain with those of the previous model so a cluster
// keeps its identity: it returns, for each new centroid i, the index of the old centroid
// it takes over, or -1 when there are more new clusters than old ones and i is left over.
// The pairing minimises the total Euclidean distance between paired centroids (the
// Hungarian algorithm, O(k³)). Both sets must be in the same feature space.
func Match(oldCentroids, newCentroids [][]float64) []int {
	nNew, nOld := len(newCentroids), len(oldCentroids)
	out := make([]int, nNew)
	for i := range out {
		out[i] = -1
	}
	if nNew == 0 || nOld == 0 {
		return out
	}
	if nNew <= nOld {
		cost := distances(newCentroids, oldCentroids)
		for i, j := range hungarian(cost) {
			out[i] = j
		}
		return out
	}
	// More new clusters than old: give every old cluster its best new one.
	cost := distances(oldCentroids, newCentroids)
	for j, i := range hungarian(cost) {
		out[i] = j
	}
	return out
}

func distances(rows, cols [][]float64) [][]float64 {
	cost := make([][]float64, len(rows))
	for i, r := range rows {
		cost[i] = make([]float64, len(cols))
		for j, c := range cols {
			cost[i][j] = math.Sqrt(sqDist(r, c))
		}
	}
	return cost
}

// hungarian solves the assignment problem for an n×m cost matrix with n ≤ m: it returns
// for each row the column assigned to it, all distinct, with the smallest total cost. It is
// the shortest-augmenting-path form with row and column potentials.
func hungarian(cost [][]float64) []int {
	n := len(cost)
	m := len(cost[0])
	if n > m {
		panic(fmt.Sprintf("clusters: hungarian needs rows ≤ columns, got %d×%d", n, m))
	}
	// 1-based arrays; column 0 is the virtual start of each augmenting path.
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1)   // p[j]: row matched to column j (0 = none)
	way := make([]int, m+1) // way[j]: previous column on the path to j
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				if cur := cost[i0-1][j-1] - u[i0] - v[j]; cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	rowCol := make([]int, n)
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			rowCol[p[j]-1] = j - 1
		}
	}
	return rowCol
}

// Agreement returns the adjusted Rand index (Hubert and Arabie) between two labellings of
// the same rows: 1 when they group the rows identically, whatever the label values, about
// 0 for unrelated groupings, and possibly below 0. It is symmetric. When neither labelling
// separates anything (or both put every row apart) the two agree fully and it returns 1.
// The slices must have the same length.
func Agreement(labelsA, labelsB []int) float64 {
	if len(labelsA) != len(labelsB) {
		panic(fmt.Sprintf("clusters: Agreement of %d and %d labels", len(labelsA), len(labelsB)))
	}
	n := len(labelsA)
	if n < 2 {
		return 1
	}
	type pair struct{ a, b int }
	joint := map[pair]int{}
	rowsA := map[int]int{}
	rowsB := map[int]int{}
	for i, a := range labelsA {
		b := labelsB[i]
		joint[pair{a, b}]++
		rowsA[a]++
		rowsB[b]++
	}
	pairs := func(c int) float64 { return float64(c) * float64(c-1) / 2 }
	var index, sumA, sumB float64
	for _, c := range joint {
		index += pairs(c)
	}
	for _, c := range rowsA {
		sumA += pairs(c)
	}
	for _, c := range rowsB {
		sumB += pairs(c)
	}
	expected := sumA * sumB / pairs(n)
	maxIndex := (sumA + sumB) / 2
	if maxIndex == expected {
		return 1
	}
	return (index - expected) / (maxIndex - expected)
}
