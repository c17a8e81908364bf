package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/persona-app/persona/segments/clusters"
)

func cmdClusters(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("clusters: say run")
	}
	fs := newFlags("clusters run", &cfg, stderr)
	k := fs.String("k", "auto", "number of clusters, or auto to choose it by silhouette")
	features := fs.String("features", strings.Join(clusters.DefaultFeatures, ","),
		"comma-separated features: "+strings.Join(clusters.Features(), ", ")+", or "+clusters.AttrPrefix+"NAME for a numeric custom attribute")
	seed := fs.Uint64("seed", 1, "random seed (the same seed gives the same clusters)")
	restarts := fs.Int("restarts", clusters.DefaultRestarts, "k-means++ seedings per k; the lowest inertia wins")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	opt := clusters.RunOptions{Seed: *seed, Restarts: *restarts}
	if *k != "auto" {
		n, err := strconv.Atoi(*k)
		if err != nil || n < 1 {
			return fmt.Errorf("clusters run: --k must be a whole number from 1 or auto, not %q", *k)
		}
		opt.K = n
	}
	for _, f := range strings.Split(*features, ",") {
		if f = strings.TrimSpace(f); f != "" {
			opt.Features = append(opt.Features, f)
		}
	}
	if len(opt.Features) == 0 {
		return errors.New("clusters run: --features names no feature")
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	svc := &clusters.Service{DB: a.db, Now: a.now}
	rep, err := svc.Run(ctx, opt)
	if err != nil {
		return fmt.Errorf("clusters run: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	return printClusters(stdout, rep)
}

func printClusters(w io.Writer, rep clusters.Report) error {
	how := "given"
	if rep.Options.K == 0 {
		how = fmt.Sprintf("chosen by silhouette among %d..%d", rep.Options.KMin, rep.Options.KMax)
	}
	fmt.Fprintf(w, "cluster model %d: %d customers, %d features, k = %d (%s), in %s\n",
		rep.ModelID, rep.Customers, len(rep.Features), rep.K, how, rep.Duration.Round(time.Millisecond))
	fmt.Fprintf(w, "inertia %.4g (standardised space), silhouette %.3f, %d iterations\n", rep.Inertia, rep.Silhouette, rep.Iterations)
	if rep.Agreement != nil {
		fmt.Fprintf(w, "agreement with model %d (adjusted Rand index): %.3f\n", rep.PreviousModelID, *rep.Agreement)
	}
	if len(rep.Curve) > 0 && rep.CurveRows < rep.Customers {
		fmt.Fprintf(w, "k was chosen on a sample of %d customers\n", rep.CurveRows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rep.Curve) > 0 {
		fmt.Fprintln(tw, "\nK\tINERTIA\tSILHOUETTE\t")
		for _, p := range rep.Curve {
			fmt.Fprintf(tw, "%d\t%.4g\t%.3f\t\n", p.K, p.Inertia, p.Silhouette)
		}
	}
	fmt.Fprintln(tw, "\nKEY\tSIZE\tSHARE\tLABEL\tPORTRAIT\t")
	for _, c := range rep.Clusters {
		fmt.Fprintf(tw, "%d\t%d\t%.1f%%\t%s\t%s\t\n", c.Key, c.Size, 100*float64(c.Size)/float64(max(rep.Customers, 1)), c.Label, c.Portrait)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncentroids (original units):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "KEY\t%s\t\n", strings.Join(rep.Features, "\t"))
	for _, c := range rep.Clusters {
		vals := make([]string, len(c.Centroid))
		for i, v := range c.Centroid {
			vals[i] = strconv.FormatFloat(v, 'f', 2, 64)
		}
		fmt.Fprintf(tw, "%d\t%s\t\n", c.Key, strings.Join(vals, "\t"))
	}
	return tw.Flush()
}
