package recsys

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestKthLargestMatchesSorting(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 10, 157, 400} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.IntN(20)) // many ties
		}
		sorted := slices.Clone(v)
		slices.SortFunc(sorted, func(a, b float32) int { return -cmpFloat(a, b) })
		for k := 1; k <= n; k++ {
			if got := kthLargest(slices.Clone(v), k); got != sorted[k-1] {
				t.Fatalf("n=%d k=%d: %v, want %v", n, k, got, sorted[k-1])
			}
		}
	}
}

func cmpFloat(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// plainTopK is the walk denseTopK replaces: in index order, every sum above the heap's
// least (and above 0) offered.
func plainTopK(top *topK, acc []float32) {
	floor := float32(0)
	for c, a := range acc {
		if a <= floor {
			continue
		}
		top.offer(Neighbour{Product: int32(c), Sim: a})
		if len(top.heap) == top.k {
			floor = top.heap[0].Sim
		}
	}
}

func TestDenseTopKKeepsWhatAPlainWalkKeeps(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 31, 32, 33, 100, 5000} {
		for _, k := range []int{0, 1, 3, 50, 200} {
			for _, ties := range []bool{false, true} {
				acc := make([]float32, n)
				for i := range acc {
					switch {
					case r.IntN(3) == 0: // untouched
					case ties:
						acc[i] = float32(r.IntN(8)) / 8
					default:
						acc[i] = r.Float32() * r.Float32()
					}
				}
				top, plain := topK{k: k}, topK{k: max(k, 1)}
				denseTopK(acc, &top, nil, nil)
				if k > 0 {
					plainTopK(&plain, acc)
				}
				if got, want := top.sorted(), plain.sorted(); !slices.Equal(got, want) && k > 0 || len(got) > k {
					t.Fatalf("n=%d k=%d ties=%v:\n got %v\nwant %v", n, k, ties, got, want)
				}
			}
		}
	}
}

// BenchmarkDenseTopK picks 50 of 5,000 sums shaped like user-to-user's partial dot
// products, a different set each time, against the plain walk in the same run.
func BenchmarkDenseTopK(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	sets := make([][]float32, 64)
	for j := range sets {
		sets[j] = make([]float32, 5000)
		for i := range sets[j] {
			sets[j][i] = r.Float32() * r.Float32() * r.Float32()
		}
	}
	b.Run("plain walk", func(b *testing.B) {
		top := topK{k: 50}
		n := 0
		for b.Loop() {
			top.reset()
			plainTopK(&top, sets[n%len(sets)])
			top.sorted()
			n++
		}
	})
	b.Run("blocks", func(b *testing.B) {
		var maxes, tmp []float32
		top := topK{k: 50}
		n := 0
		for b.Loop() {
			top.reset()
			maxes, tmp = denseTopK(sets[n%len(sets)], &top, maxes, tmp)
			top.sorted()
			n++
		}
	})
}
