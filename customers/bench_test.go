package customers

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchRows is the size of every benchmark file, whatever b.N is.
const benchRows = 100_000

// writeBenchFile writes header and benchRows rows made by row into a temporary CSV file.
func writeBenchFile(b *testing.B, header string, row func(w *bufio.Writer, i int)) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(header)
	for i := 0; i < benchRows; i++ {
		row(w, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// benchImport imports path into a fresh database per iteration and reports rows per second.
func benchImport(b *testing.B, k Kind, path string) {
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := newTestService(b)
		b.StartTimer()
		start := time.Now()
		sum, err := s.ImportFile(context.Background(), path, ImportOptions{Kind: k})
		elapsed += time.Since(start)
		if err != nil || sum.Imported != benchRows {
			b.Fatalf("import: %+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
}

func BenchmarkImportCustomers(b *testing.B) {
	path := writeBenchFile(b, "customer_id,email,first_name,last_name,gender,birth_date,city,country,timezone,signup_at,consent_email,consent_push,tier\n",
		func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "c%d,user%d@example.com,First%d,Last%d,f,1990-01-%02d,City%d,Country%d,Europe/Paris,2023-01-02 03:04:%02d,yes,no,tier%d\n",
				i, i, i, i, i%28+1, i%500, i%40, i%60, i%4)
		})
	benchImport(b, KindCustomers, path)
}

func BenchmarkImportEvents(b *testing.B) {
	types := []string{"view", "view", "view", "cart", "search", "purchase"}
	path := writeBenchFile(b, "customer_id,type,product_id,occurred_at,value,session_id\n",
		func(w *bufio.Writer, i int) {
			fmt.Fprintf(w, "c%d,%s,p%d,%d,%d,s%d\n", i%10000, types[i%len(types)], i%2000, 1700000000+i*7, i%90, i/5)
		})
	benchImport(b, KindEvents, path)
}
