package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/persona-app/persona/recsys"
)

func cmdRecsysEval(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("recsys eval", &cfg, stderr)
	k := fs.Int("k", 10, "metrics at k: the length of each top-k list")
	holdout := fs.Float64("holdout", 0.2, "share of each customer's latest interactions held out (at least one)")
	minValue := fs.String("min-value", "", "held-out events with a value below V are not relevant (events without a value and order lines stay relevant)")
	asJSON := fs.Bool("json", false, "print the results as one JSON object")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("recsys eval: unexpected argument %q", rest[0])
	}
	if *k < 1 || *k > 100 {
		return errors.New("recsys eval: --k must be between 1 and 100")
	}
	opts := recsys.EvalOptions{Holdout: *holdout}
	if *minValue != "" {
		var v float64
		if _, err := fmt.Sscan(*minValue, &v); err != nil || math.IsNaN(v) {
			return fmt.Errorf("recsys eval: --min-value: %q is not a number", *minValue)
		}
		opts.MinValue = &v
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.recsys.Evaluate(ctx, opts, *k, nil)
	if err != nil {
		return fmt.Errorf("recsys eval: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	evaluated := 0
	if len(rep.Results) > 0 {
		evaluated = rep.Results[0].Customers
	}
	fmt.Fprintf(stdout, "%d interactions, %d customers evaluated, %d products in training; holdout %.0f%%, k=%d (%s)\n",
		rep.Interactions, evaluated, rep.Products, *holdout*100, *k, rep.Duration.Round(time.Millisecond))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "algorithm\tprecision@%d\trecall@%d\tNDCG@%d\thit rate\tMAP\tcoverage\tcustomers\t\n", *k, *k, *k)
	for _, m := range rep.Results {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%d\t\n",
			m.Algorithm, m.Precision, m.Recall, m.NDCG, m.HitRate, m.MAP, m.Coverage, m.Customers)
	}
	return tw.Flush()
}
