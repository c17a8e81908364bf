package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/persona-app/persona/store"
)

// cmdSegments runs "persona segments count --rules FILE.json [--json]": the number of
// customers a rule set matches, and how long the query took.
func cmdSegments(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "count" {
		return errors.New("segments: say count --rules FILE.json")
	}
	fs := newFlags("segments count", &cfg, stderr)
	rulesFile := fs.String("rules", "", "JSON file holding the rule set (the format is in the README)")
	asJSON := fs.Bool("json", false, `print {"count":N,"sql_ms":T}`)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *rulesFile == "" {
		return errors.New("segments count: give --rules FILE.json")
	}
	data, err := os.ReadFile(*rulesFile)
	if err != nil {
		return fmt.Errorf("segments count: %w", err)
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.segments.CountJSON(ctx, data)
	if fe, ok := store.AsFieldErrors(err); ok {
		paths := make([]string, 0, len(fe))
		for path := range fe {
			paths = append(paths, path)
		}
		slices.Sort(paths)
		for _, path := range paths {
			fmt.Fprintf(stderr, "%s: %s: %s\n", *rulesFile, path, fe[path])
		}
		return fmt.Errorf("segments count: %s: the rules are not valid (%d problem(s))", *rulesFile, len(fe))
	}
	if err != nil {
		return fmt.Errorf("segments count: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%d customers (query %.1f ms)\n", res.Count, res.SQLMillis)
	return nil
}
