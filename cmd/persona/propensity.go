package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/persona-app/persona/segments/propensity"
)

func cmdPropensity(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "train" {
		return errors.New("propensity: say train")
	}
	fs := newFlags("propensity train", &cfg, stderr)
	horizon := fs.Int("horizon-days", propensity.DefaultHorizonDays, "predict a purchase within this many days")
	lambda := fs.Float64("lambda", propensity.DefaultLambda, "L2 penalty on the standardised feature weights (> 0)")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	export := fs.String("export", "", "write the training and test matrices (standardised features, labels, split) to this CSV file")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !(*lambda > 0) {
		return errors.New("propensity train: --lambda must be positive (use a tiny value such as 1e-9 for almost no penalty)")
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	opts := propensity.Options{HorizonDays: *horizon, Lambda: *lambda}
	var out *os.File
	if *export != "" {
		if out, err = os.Create(*export); err != nil {
			return fmt.Errorf("propensity train: --export: %w", err)
		}
		defer out.Close()
		opts.Export = out
	}
	rep, err := a.propensity.Train(ctx, opts)
	if err != nil {
		if out != nil {
			out.Close()
			os.Remove(*export)
		}
		return fmt.Errorf("propensity train: %w", err)
	}
	if out != nil {
		if err := out.Close(); err != nil {
			return fmt.Errorf("propensity train: write %s: %w", *export, err)
		}
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	return printPropensity(stdout, rep)
}

func printPropensity(w io.Writer, rep propensity.Report) error {
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	fmt.Fprintf(w, "propensity model %d: purchase within %d days, lambda %g, %d Newton iterations (converged %v)\n",
		rep.ModelID, rep.HorizonDays, rep.Lambda, rep.Iterations, rep.Converged)
	fmt.Fprintf(w, "train: %d customers as of %s, %d bought by %s\n", rep.TrainN, day(rep.TrainCut), rep.TrainPositives, day(rep.TestCut))
	if rep.HistoryDays < 90 {
		fmt.Fprintf(w, "       note: only %.0f days of orders precede the training cut, so its 90-day windows are cut short;\n"+
			"       features drift between the cuts and the model is weaker than with more history\n", rep.HistoryDays)
	}
	fmt.Fprintf(w, "test:  %d other customers as of %s, %d bought by %s (base rate %.3f)\n", rep.TestN, day(rep.TestCut), rep.TestPositives,
		day(rep.TrainedAt), rep.BaseRate)
	dir := "higher"
	if !rep.BestSingleFeature.Higher {
		dir = "lower"
	}
	fmt.Fprintf(w, "AUC %.3f (best single feature: %s, %s is likelier, AUC %.3f)\n", rep.AUC, rep.BestSingleFeature.Name, dir, rep.BestSingleFeature.AUC)
	fmt.Fprintf(w, "log-loss %.4f, top-decile lift %.2f\n\ncalibration:\n", rep.LogLoss, rep.TopDecileLift)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PREDICTED\tCUSTOMERS\tMEAN PREDICTED\tOBSERVED\t")
	for _, b := range rep.Calibration {
		fmt.Fprintf(tw, "%.1f–%.1f\t%d\t%.3f\t%.3f\t\n", b.Lower, b.Upper, b.Count, b.MeanPredicted, b.ObservedRate)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncoefficients (standardised features):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  (intercept)\t%+.4f\n", rep.Intercept)
	for _, c := range rep.Coefficients {
		fmt.Fprintf(tw, "  %s\t%+.4f\n", c.Feature, c.Weight)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nscored %d customers; features, fit, metrics and scores took %s\n", rep.Scored, rep.Duration.Round(time.Millisecond))
	return err
}
