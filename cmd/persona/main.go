// Command persona is Persona's single binary: the web server, the scheduler and the send
// workers (serve, demo), and the operator's tools (import, users, apikeys, recsys).
// This package only wires things together; every rule lives in a domain package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return // the flag package has printed the usage
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "persona:", err)
		os.Exit(1)
	}
}

const usage = `Persona: marketing automation for online shops.

Usage: persona COMMAND [flags]

Commands:
  serve                       run the web app, scheduler and send workers
  demo [--seed N]             build a demo shop (if the database is empty) and serve it
  import --kind K [--map SRC=dst,...] [--json] FILE
                              import customers, products, orders or events from CSV
  gen [--customers N] [--products P] [--events E] [--seed S] [--out DIR]
                              generate a synthetic shop (CSV files, or into the database)
  bench segments|clusters|rebuild [--customers N] [--events E] [--runs R] [--k K] [--write-every D]
                              time live segment counts (p50/p95), K-means, or a features
                              rebuild beside a writer, on this database
                              (a generated shop is imported first when it is empty)
  bench recsys [--interactions N] [--customers C] [--products P]
                              build every recommender on generated interactions in memory:
                              build time, ALS per iteration, rule mining, heap, serving p50/p99
  users add --email E --password P --role R
  users list
  apikeys create --name N     print a new API key (alone on the last line)
  apikeys list
  recsys train                train the recommender now
  recsys eval [--k 10] [--holdout 0.2] [--min-value V] [--json]
                              offline evaluation against random and popularity
  recsys rules [--min-support S] [--min-confidence C] [--json]
                              association rules mined from orders, with their counts
  features export --out FILE.csv | features rebuild
                              every customer's features as CSV; recompute them all
  clusters run [--k K|auto] [--features a,b,c] [--seed S] [--json]
                              cluster customers with K-means
  segments count --rules FILE.json [--json]
                              count the customers a rule set matches
  propensity train [--horizon-days N] [--lambda L] [--json] [--export FILE.csv]
                              train the purchase-propensity model and score every customer
  campaigns list
  campaigns send ID           launch a campaign now and send it

Every command takes --db FILE (or DATABASE_URL). Run 'persona COMMAND -h' for its flags.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, cfg, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, cfg, rest, stdout, stderr)
	case "import":
		return cmdImport(ctx, cfg, rest, stdout, stderr)
	case "users":
		return cmdUsers(ctx, cfg, rest, stdout, stderr)
	case "apikeys":
		return cmdAPIKeys(ctx, cfg, rest, stdout, stderr)
	case "recsys":
		return cmdRecsys(ctx, cfg, rest, stdout, stderr)
	case "campaigns":
		return cmdCampaigns(ctx, cfg, rest, stdout, stderr)
	case "gen":
		return cmdGen(ctx, cfg, rest, stdout, stderr)
	case "clusters":
		return cmdClusters(ctx, cfg, rest, stdout, stderr)
	case "bench":
		return cmdBench(ctx, cfg, rest, stdout, stderr)
	case "features":
		return cmdFeatures(ctx, cfg, rest, stdout, stderr)
	case "segments":
		return cmdSegments(ctx, cfg, rest, stdout, stderr)
	case "propensity":
		return cmdPropensity(ctx, cfg, rest, stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// newFlags makes a subcommand's flag set with the flags every command shares.
func newFlags(name string, cfg *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("persona "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DatabaseURL, "db", cfg.DatabaseURL, "database: SQLite file or postgres:// URL (DATABASE_URL)")
	return fs
}

// parseArgs parses flags wherever they stand, before or after the positional arguments
// ("persona import FILE --kind orders" works like "persona import --kind orders FILE").
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
