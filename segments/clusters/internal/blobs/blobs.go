// Package blobs generates the synthetic data of the K-means benchmark, so the Go benchmark
// and the scikit-learn script (through the CSV that cmd gen writes) cluster the same rows.
package blobs

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Generate returns n rows of d values, row-major, drawn around k centres: centre
// coordinates are normal with standard deviation 2.5, cluster shares are uneven
// (proportional to 1..k), and each cluster's points are normal around its centre with a
// standard deviation between 0.5 and 1.5. The same arguments always give the same rows.
func Generate(n, d, k int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x6b6d65616e73))
	centres := make([]float64, k*d)
	for i := range centres {
		centres[i] = 2.5 * rng.NormFloat64()
	}
	spread := make([]float64, k)
	cum := make([]float64, k)
	total := 0.0
	for j := range k {
		spread[j] = 0.5 + rng.Float64()
		total += float64(j + 1)
		cum[j] = total
	}
	out := make([]float64, n*d)
	for i := range n {
		u := rng.Float64() * total
		j := 0
		for j < k-1 && cum[j] <= u {
			j++
		}
		for t := range d {
			out[i*d+t] = centres[j*d+t] + spread[j]*rng.NormFloat64()
		}
	}
	return out
}

// WriteCSV writes the rows with a header x0..x{d-1}, each value in the shortest form that
// reads back to the same float64.
func WriteCSV(w io.Writer, data []float64, d int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	for t := range d {
		if t > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, "x%d", t)
	}
	bw.WriteByte('\n')
	buf := make([]byte, 0, 32)
	for i, v := range data {
		buf = strconv.AppendFloat(buf[:0], v, 'g', -1, 64)
		bw.Write(buf)
		if (i+1)%d == 0 {
			bw.WriteByte('\n')
		} else {
			bw.WriteByte(',')
		}
	}
	return bw.Flush()
}
