//go:build !amd64

package clusters

// dotLanes is the portable kernel: there is no assembly version for this processor.
func dotLanes(out []lane, c []float64, xs []lane) { dotLanesGo(out, c, xs) }

// argminLanes is the portable kernel: there is no assembly version for this processor.
func argminLanes(dots []lane, cnorm []float64, best, next, label *lane) {
	argminLanesGo(dots, cnorm, best, next, label)
}
