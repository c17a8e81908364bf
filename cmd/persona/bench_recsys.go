package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/persona-app/persona/recsys"
)

// cmdBenchRecsys measures the recommender on generated interactions, in memory.
func cmdBenchRecsys(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench recsys", &cfg, stderr)
	interactions := fs.Int("interactions", 1000000, "interactions to generate")
	nCustomers := fs.Int("customers", 0, "customers (default: interactions / 10)")
	nProducts := fs.Int("products", 0, "products (default: 10,000 up to 1M interactions, 50,000 above)")
	requests := fs.Int("requests", 20000, "timed top-10 requests per algorithm")
	iterations := fs.Int("als-iterations", 5, "ALS iterations timed")
	seed := fs.Uint64("seed", 1, "random seed")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	o := recsys.BenchOptions{Interactions: *interactions, Customers: *nCustomers, Products: *nProducts,
		Requests: *requests, ALSIterations: *iterations, Seed: *seed}
	if o.Customers == 0 {
		o.Customers = max(o.Interactions/10, 1)
	}
	if o.Products == 0 {
		o.Products = 10000
		if o.Interactions > 1000000 {
			o.Products = 50000
		}
	}
	fmt.Fprintf(stdout, "%d interactions, %d customers, %d products (generated in memory, seed %d)\n", o.Interactions, o.Customers, o.Products, o.Seed)
	start := time.Now()
	res, err := recsys.Bench(ctx, o, func(step string) { fmt.Fprintf(stderr, "… %s\n", step) })
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "step\ttime\trate\theap MB\tp50\tp99\t")
	for _, r := range res {
		if r.P50 > 0 || r.P99 > 0 {
			fmt.Fprintf(tw, "%s\t\t\t\t%.3f ms\t%.3f ms\t\n", r.Step, ms(r.P50), ms(r.P99))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t\t\t\n", r.Step, r.Duration.Round(time.Millisecond), r.PerUnit, r.HeapMB)
	}
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	fmt.Fprintf(stdout, "total %s\n", time.Since(start).Round(time.Millisecond))
	return err
}

// ms is a duration in milliseconds.
func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }
