package synth

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// testEnd is the injected "now" of every test run.
var testEnd = time.Date(2025, 3, 31, 18, 30, 0, 0, time.UTC)

// smallOptions is a shop small enough for many runs per test, large enough for statistics.
func smallOptions(seed uint64) Options {
	return Options{Seed: seed, Customers: 800, Products: 120, Days: 60, End: testEnd, EventsPerCustomer: 30}
}

func generate(t *testing.T, o Options) (string, Counts) {
	t.Helper()
	dir := t.TempDir()
	c, err := Generate(dir, o)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	return dir, c
}

// readCSV parses a generated file with encoding/csv (which also checks the quoting) and
// returns its header and data rows.
func readCSV(t *testing.T, dir, name string) ([]string, [][]string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s is empty", name)
	}
	return rows[0], rows[1:]
}

// column returns a function giving the named field of a row.
func column(t *testing.T, header []string, name string) func([]string) string {
	t.Helper()
	for i, h := range header {
		if h == name {
			return func(row []string) string { return row[i] }
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return nil
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	if ts.Location() != time.UTC {
		t.Fatalf("timestamp %q is not UTC", s)
	}
	return ts
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

var allFiles = []string{CustomersFile, ProductsFile, OrdersFile, EventsFile}
