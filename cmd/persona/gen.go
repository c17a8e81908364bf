package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/customers/synth"
)

// cmdGen writes a synthetic shop of any size: CSV files with --out, or straight into the
// database (through the importer) without it.
func cmdGen(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("gen", &cfg, stderr)
	nCustomers := fs.Int("customers", 5000, "number of customers")
	nProducts := fs.Int("products", 300, "number of products (at least 10)")
	nEvents := fs.Int("events", 0, "total number of events to aim at (0: about 40 per customer)")
	days := fs.Int("days", 90, "days of behaviour, ending now")
	seed := fs.Uint64("seed", 1, "seed: the same seed and sizes give the same files")
	out := fs.String("out", "", "write customers.csv, products.csv, orders.csv and events.csv into this folder instead of the database")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	opts := synth.DemoOptions(*seed, time.Now().UTC())
	opts.Customers, opts.Products, opts.Days, opts.Events = *nCustomers, *nProducts, *days, *nEvents
	dir := *out
	if dir == "" {
		tmp, err := os.MkdirTemp("", "persona-gen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	start := time.Now()
	counts, err := synth.Generate(dir, opts)
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	fmt.Fprintf(stdout, "generated %d customers, %d products, %d orders (%d lines), %d events in %s\n",
		counts.Customers, counts.Products, counts.Orders, counts.OrderLines, counts.Events, time.Since(start).Round(time.Millisecond))
	if *out != "" {
		fmt.Fprintf(stdout, "files are in %s\n", *out)
		return nil
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, k := range []customers.Kind{customers.KindProducts, customers.KindCustomers, customers.KindOrders, customers.KindEvents} {
		t := time.Now()
		sum, err := a.customers.ImportFile(ctx, filepath.Join(dir, string(k)+".csv"), customers.ImportOptions{Kind: k})
		if err != nil {
			return fmt.Errorf("gen: import %s: %w", k, err)
		}
		if sum.Rejected > 0 {
			return fmt.Errorf("gen: %d generated %s rows were rejected", sum.Rejected, k)
		}
		el := time.Since(t)
		fmt.Fprintf(stdout, "imported %d %s in %s (%.0f rows/s)\n", sum.Rows, k, el.Round(time.Millisecond), float64(sum.Rows)/el.Seconds())
	}
	return nil
}
