package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/persona-app/persona/recsys"
)

func cmdRecsysRules(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("recsys rules", &cfg, stderr)
	def := recsys.DefaultRuleOptions()
	minSupport := fs.Float64("min-support", 0.001, "share of orders an itemset must appear in: frequent when its count ≥ ceil(S × orders)")
	minConfidence := fs.Float64("min-confidence", 0.1, "least confidence of a rule, 0 to 1")
	maxLen := fs.Int("max-len", def.MaxLen, "most products in a rule (both sides)")
	limit := fs.Int("limit", 50, "rules printed in the table (JSON prints all)")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("recsys rules: unexpected argument %q", rest[0])
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.recsys.MineRules(ctx, recsys.RuleOptions{MinSupport: *minSupport, MinConfidence: *minConfidence, MaxLen: *maxLen})
	if err != nil {
		return fmt.Errorf("recsys rules: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "%d rules from %d orders over %d products; an itemset is frequent in at least %d orders (ceil(%g × %d)); %s\n",
		len(rep.Rules), rep.Baskets, rep.Products, rep.MinCount, rep.MinSupport, rep.Baskets, rep.Duration.Round(time.Millisecond))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "customers who bought\talso bought\tcount\tsupport\tconfidence\tlift\t")
	for i, r := range rep.Rules {
		if i == *limit {
			fmt.Fprintf(tw, "… %d more (--limit or --json)\t\t\t\t\t\t\n", len(rep.Rules)-i)
			break
		}
		var left []string
		for _, p := range r.Antecedent {
			left = append(left, p.Name+" ("+p.ExternalID+")")
		}
		fmt.Fprintf(tw, "%s\t%s (%s)\t%d\t%.4f\t%.1f %%\t%.2f\t\n", strings.Join(left, " + "), r.Consequent.Name,
			r.Consequent.ExternalID, r.Count, r.Support, 100*r.Confidence, r.Lift)
	}
	return tw.Flush()
}
