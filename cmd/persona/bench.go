package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/customers/synth"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/segments/clusters"
)

// benchRules are the live counts `persona bench segments` times: rules a marketer writes.
var benchRules = []struct{ kind, name, rules string }{
	{"feature", "country and spend", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"monetary","op":"gte","value":100}]}`},
	{"feature", "recent champions", `{"match":"all","conditions":[{"field":"rfm_tier","op":"in","value":["champions","loyal customers"]},{"field":"recency_days","op":"lte","value":30}]}`},
	{"feature", "nested any-group", `{"match":"all","conditions":[{"field":"consent_email","op":"is_true"},{"group":{"match":"any","conditions":[{"field":"frequency","op":"gte","value":3},{"field":"views_30d","op":"gte","value":10}]}}]}`},
	{"behaviour", "viewed twice in 30 days", `{"match":"all","conditions":[{"behaviour":{"event":"view","min_count":2,"days":30}}]}`},
	{"behaviour", "bought Electronics in 90 days", `{"match":"all","conditions":[{"behaviour":{"event":"purchase","category":"Electronics","days":90}}]}`},
	{"behaviour", "carted but did not buy in 7 days", `{"match":"all","conditions":[{"behaviour":{"event":"cart","days":7}},{"behaviour":{"did":false,"event":"purchase","days":7}}]}`},
}

// cmdBench measures the goals the issues set: live segment counts and K-means, on the
// database given (filled with a generated shop first when it is empty).
func cmdBench(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "recsys" {
		return cmdBenchRecsys(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "segments" && args[0] != "clusters" && args[0] != "rebuild") {
		return errors.New("bench: say segments, clusters, rebuild or recsys")
	}
	what := args[0]
	fs := newFlags("bench "+what, &cfg, stderr)
	nCustomers := fs.Int("customers", 100000, "customers to generate when the database is empty")
	nEvents := fs.Int("events", 1000000, "events to generate when the database is empty")
	runs := fs.Int("runs", 20, "timed runs per rule (segments)")
	k := fs.Int("k", 16, "clusters (clusters)")
	every := fs.Duration("write-every", 100*time.Millisecond, "how often a writer writes while the features are rebuilt (rebuild)")
	if _, err := parseArgs(fs, args[1:]); err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.ensureShop(ctx, *nCustomers, *nEvents, stdout); err != nil {
		return err
	}
	if what == "rebuild" {
		return a.benchRebuild(ctx, *every, stdout)
	}
	if what == "clusters" {
		start := time.Now()
		rep, err := a.clusters.Run(ctx, clusters.RunOptions{K: *k, Seed: 1, Restarts: 1})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "K-means k=%d on %d customers × %d features: %d iterations, inertia %.0f, silhouette %.3f, %s in all (load, standardise, cluster, PCA, save)\n",
			rep.K, rep.Customers, len(rep.Features), rep.Iterations, rep.Inertia, rep.Silhouette, time.Since(start).Round(time.Millisecond))
		return nil
	}
	fmt.Fprintf(stdout, "%-10s %-34s %10s %10s %10s %10s\n", "kind", "rule", "count", "p50 ms", "p95 ms", "max ms")
	for _, r := range benchRules {
		rules, err := segments.ParseRules([]byte(r.rules))
		if err != nil {
			return fmt.Errorf("bench rule %q: %w", r.name, err)
		}
		var times []time.Duration
		var n int64
		for i := 0; i < *runs; i++ {
			start := time.Now()
			if n, err = a.segments.Count(ctx, rules); err != nil {
				return fmt.Errorf("bench rule %q: %w", r.name, err)
			}
			times = append(times, time.Since(start))
		}
		sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
		fmt.Fprintf(stdout, "%-10s %-34s %10d %10.1f %10.1f %10.1f\n", r.kind, r.name, n,
			ms(times[len(times)/2]), ms(times[(len(times)*95+99)/100-1]), ms(times[len(times)-1]))
	}
	return nil
}

// ensureShop fills an empty database with a generated shop and its features.
func (a *app) ensureShop(ctx context.Context, nCustomers, nEvents int, out io.Writer) error {
	counts, err := a.customers.Stats(ctx)
	if err != nil || counts.Customers > 0 {
		return err
	}
	dir, err := os.MkdirTemp("", "persona-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	opts := synth.DemoOptions(1, a.now())
	opts.Customers, opts.Events = nCustomers, nEvents
	start := time.Now()
	if _, err := synth.Generate(dir, opts); err != nil {
		return err
	}
	for _, k := range []customers.Kind{customers.KindProducts, customers.KindCustomers, customers.KindOrders, customers.KindEvents} {
		if _, err := a.customers.ImportFile(ctx, filepath.Join(dir, string(k)+".csv"), customers.ImportOptions{Kind: k}); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "generated and imported %d customers and about %d events in %s\n", nCustomers, nEvents, time.Since(start).Round(time.Second))
	return nil
}

// benchRebuild rebuilds every customer's features while a writer writes a row of the
// settings table every interval, as API writes and sends would, and prints how long the
// rebuild took and how long the writes waited for it.
func (a *app) benchRebuild(ctx context.Context, every time.Duration, out io.Writer) error {
	const probe = "bench.rebuild_probe"
	defer a.db.Exec(`DELETE FROM settings WHERE key = ?`, probe)
	counts, err := a.customers.Stats(ctx)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- a.customers.RebuildFeatures(ctx) }()
	tick := time.NewTicker(every)
	defer tick.Stop()
	var waits []time.Duration
	failed := 0
	for {
		select {
		case err := <-done:
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "rebuilt the features of %d customers in %s\n", counts.Customers, time.Since(start).Round(time.Millisecond))
			if len(waits) == 0 {
				fmt.Fprintln(out, "no write was due while it ran")
				return nil
			}
			slices.Sort(waits)
			fmt.Fprintf(out, "meanwhile %d writes, one every %s: %d failed; wait p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
				len(waits), every, failed, ms(waits[len(waits)/2]), ms(waits[(len(waits)*99+99)/100-1]), ms(waits[len(waits)-1]))
			return nil
		case <-tick.C:
			t := time.Now()
			err := a.db.WithContext(ctx).Exec(`INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, probe, t.UTC().Format(time.RFC3339Nano)).Error
			if err != nil {
				failed++
			}
			waits = append(waits, time.Since(t))
		}
	}
}
