package clusters

import "golang.org/x/sys/cpu"

// hasAVX2FMA tells whether the assembly kernels can run.
var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dotLanes is dotLanesGo, in assembly when the processor has AVX2 and FMA.
func dotLanes(out []lane, c []float64, xs []lane) {
	if hasAVX2FMA && len(xs) > 0 && len(out) > 0 && len(c) >= len(out)*len(xs) {
		dotLanesAVX2(&out[0], &c[0], &xs[0], len(out), len(xs))
		return
	}
	dotLanesGo(out, c, xs)
}

// argminLanes is argminLanesGo, in assembly when the processor has AVX2 and FMA.
func argminLanes(dots []lane, cnorm []float64, best, next, label *lane) {
	if hasAVX2FMA && len(dots) > 0 && len(cnorm) >= len(dots) {
		argminLanesAVX2(&dots[0], &cnorm[0], len(dots), best, next, label)
		return
	}
	argminLanesGo(dots, cnorm, best, next, label)
}

// dotLanesAVX2 is dotLanesGo for k centroids of d values (d ≥ 1), in assembly: four
// centroids at a time, each lane of eight rows in two registers, with fused multiply-adds.
//
//go:noescape
func dotLanesAVX2(out *lane, c *float64, xs *lane, k, d int)

// argminLanesAVX2 is argminLanesGo in assembly, for k ≥ 1 centroids.
//
//go:noescape
func argminLanesAVX2(dots *lane, cnorm *float64, k int, best, next, label *lane)
