// Command gen writes the K-means benchmark data as CSV, the same rows
// BenchmarkKMeans1Mx10k16 clusters, for segments/clusters/testdata/sklearn_bench.py:
//
//	go run ./segments/clusters/internal/gen -out /tmp/kmeans_1m.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/persona-app/persona/segments/clusters/internal/blobs"
)

func main() {
	n := flag.Int("n", 1_000_000, "rows")
	d := flag.Int("d", 10, "columns")
	k := flag.Int("k", 16, "centres the rows are drawn around")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "CSV file to write")
	flag.Parse()
	if err := run(*n, *d, *k, *seed, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(n, d, k int, seed uint64, out string) error {
	if out == "" {
		return fmt.Errorf("give -out FILE")
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := blobs.WriteCSV(f, blobs.Generate(n, d, k, seed), d); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	return f.Close()
}
