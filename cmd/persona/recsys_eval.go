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

// evalSeed seeds the random baseline, so the table is the same from run to run.
const evalSeed = 42

// recsysEvalReport is the JSON form of `persona recsys eval`.
type recsysEvalReport struct {
	K              int              `json:"k"`
	Holdout        float64          `json:"holdout"`
	MinValue       *float64         `json:"min_value"`
	Products       int              `json:"products"`
	TrainCustomers int              `json:"train_customers"`
	Results        []recsys.Metrics `json:"results"`
}

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
	start := time.Now()
	rows, err := recsys.ReadEvalRows(ctx, a.db)
	if err != nil {
		return err
	}
	split, err := recsys.SplitHoldout(rows, opts)
	if err != nil {
		return fmt.Errorf("recsys eval: %w", err)
	}
	results := recsys.EvaluateAll(split, recsys.BaselineModels(split, evalSeed), *k)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(recsysEvalReport{K: *k, Holdout: *holdout, MinValue: opts.MinValue,
			Products: len(split.Products), TrainCustomers: split.TrainCustomers, Results: results})
	}
	fmt.Fprintf(stdout, "%d interactions, %d customers evaluated, %d products in training; holdout %.0f%%, k=%d (%s)\n",
		len(rows), len(split.Customers), len(split.Products), *holdout*100, *k, time.Since(start).Round(time.Millisecond))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "algorithm\tprecision@%d\trecall@%d\tNDCG@%d\thit rate\tMAP\tcoverage\tcustomers\t\n", *k, *k, *k)
	for _, m := range results {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%d\t\n",
			m.Algorithm, m.Precision, m.Recall, m.NDCG, m.HitRate, m.MAP, m.Coverage, m.Customers)
	}
	return tw.Flush()
}
