package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// cmdFeatures rebuilds the computed customer features now ("features rebuild") or writes
// them to a CSV file ("features export --out FILE.csv", - for standard output).
func cmdFeatures(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("features: say rebuild or export")
	}
	fs := newFlags("features "+args[0], &cfg, stderr)
	out := fs.String("out", "", "export: the CSV file to write, or - for standard output")
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("features %s: unexpected argument %q", args[0], rest[0])
	}
	if args[0] != "rebuild" && args[0] != "export" {
		return fmt.Errorf("features: unknown action %q (rebuild or export)", args[0])
	}
	if args[0] == "export" && *out == "" {
		return errors.New("features export: give --out FILE.csv")
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	if args[0] == "rebuild" {
		counts, err := a.customers.Stats(ctx)
		if err != nil {
			return err
		}
		if err := a.customers.RebuildFeatures(ctx); err != nil {
			return fmt.Errorf("features rebuild: %w", err)
		}
		fmt.Fprintf(stdout, "rebuilt the features of %d customers (%d order lines, %d events) in %s\n",
			counts.Customers, counts.Orders, counts.Events, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if *out == "-" {
		_, err := a.customers.ExportFeatures(ctx, stdout)
		return err
	}
	n, err := exportFeaturesFile(ctx, a, *out)
	if err != nil {
		return fmt.Errorf("features export: %w", err)
	}
	fmt.Fprintf(stdout, "wrote the features of %d customers to %s in %s\n", n, *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// exportFeaturesFile writes the export next to path and renames it into place, so a
// failed export never leaves a truncated file behind under the name asked for.
func exportFeaturesFile(ctx context.Context, a *app, path string) (int, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return 0, err
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	n, err := a.customers.ExportFeatures(ctx, w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), path)
}
