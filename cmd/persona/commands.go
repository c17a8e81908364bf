package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/recsys"
)

func cmdImport(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", &cfg, stderr)
	kind := fs.String("kind", "", "what the file holds: customers, products, orders or events")
	mapping := fs.String("map", "", "column mapping SRC=dst,... from your file's columns to Persona's")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return errors.New("import: give exactly one FILE (see persona import -h)")
	}
	k, err := customers.ParseKind(*kind)
	if err != nil {
		return fmt.Errorf("import: --kind: %w", err)
	}
	m, err := customers.ParseMapping(*mapping)
	if err != nil {
		return fmt.Errorf("import: --map: %w", err)
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	sum, err := a.customers.ImportFile(ctx, files[0], customers.ImportOptions{Kind: k, Mapping: m})
	if err != nil {
		return fmt.Errorf("import %s: %w", files[0], err)
	}
	if *asJSON {
		if sum.Errors == nil {
			sum.Errors = []customers.RowError{}
		}
		return json.NewEncoder(stdout).Encode(sum)
	}
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "%s: %d rows in %s (%.0f rows/s): %d imported, %d updated, %d unchanged, %d rejected; created %d customers and %d products\n",
		k, sum.Rows, elapsed.Round(time.Millisecond), float64(sum.Rows)/elapsed.Seconds(), sum.Imported, sum.Updated, sum.Unchanged, sum.Rejected,
		sum.CreatedCustomers, sum.CreatedProducts)
	const shown = 20
	for i, e := range sum.Errors {
		if i == shown {
			break
		}
		fmt.Fprintf(stdout, "  line %d: %s\n", e.Line, e.Reason)
	}
	if sum.Rejected > shown {
		fmt.Fprintf(stdout, "  … and %d more rejected rows (use --json for all)\n", sum.Rejected-shown)
	}
	return nil
}

func cmdUsers(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("users: say add or list")
	}
	fs := newFlags("users "+args[0], &cfg, stderr)
	email := fs.String("email", "", "the user's email address")
	password := fs.String("password", "", "password, at least 10 characters")
	role := fs.String("role", "marketer", "admin, marketer or manager")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "add":
		r, err := accounts.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("users add: --role: %w", err)
		}
		u, err := a.accounts.AddUser(ctx, *email, *password, r)
		if err != nil {
			return fmt.Errorf("users add: %w", err)
		}
		fmt.Fprintf(stdout, "added %s (%s), id %d\n", u.Email, u.Role, u.ID)
	case "list":
		users, err := a.accounts.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, u.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	default:
		return fmt.Errorf("users: unknown action %q (add or list)", args[0])
	}
	return nil
}

func cmdAPIKeys(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("apikeys: say create, list or revoke")
	}
	fs := newFlags("apikeys "+args[0], &cfg, stderr)
	name := fs.String("name", "", "a name to recognise the key by")
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "create":
		k, secret, err := a.accounts.CreateAPIKey(ctx, *name)
		if err != nil {
			return fmt.Errorf("apikeys create: %w", err)
		}
		fmt.Fprintf(stdout, "created API key %q (prefix %s); it is shown once, keep it safe:\n%s\n", k.Name, k.Prefix, secret)
	case "list":
		keys, err := a.accounts.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tREVOKED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%v\n", k.ID, k.Name, k.Prefix, k.CreatedAt.Format(time.RFC3339), k.RevokedAt != nil)
		}
		return tw.Flush()
	case "revoke":
		if len(rest) != 1 {
			return errors.New("apikeys revoke: give the key's ID")
		}
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil {
			return errors.New("apikeys revoke: give the key's ID")
		}
		return a.accounts.RevokeAPIKey(ctx, id)
	default:
		return fmt.Errorf("apikeys: unknown action %q", args[0])
	}
	return nil
}

func cmdRecsys(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "eval" {
		return cmdRecsysEval(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "rules" {
		return cmdRecsysRules(ctx, cfg, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "train" {
		return errors.New("recsys: say train, eval or rules")
	}
	fs := newFlags("recsys train", &cfg, stderr)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	st, err := a.recsys.Train(ctx, nil)
	if err != nil {
		return fmt.Errorf("recsys train: %w", err)
	}
	fmt.Fprintf(stdout, "trained %s on %d interactions (%d customers, %d products) in %s\n",
		strings.Join(slices.DeleteFunc(a.recsys.Algorithms(), func(n string) bool { return n == recsys.AlgoBest }), ", "), st.Interactions, st.Customers, st.Items, st.Duration.Round(time.Millisecond))
	if weights, ok := a.recsys.BlendWeights(); ok {
		names := slices.Sorted(maps.Keys(weights))
		slices.SortStableFunc(names, func(x, y string) int { return cmp.Compare(weights[y], weights[x]) })
		parts := make([]string, len(names))
		for i, name := range names {
			parts[i] = fmt.Sprintf("%s %.0f %%", name, 100*weights[name])
		}
		fmt.Fprintf(stdout, "best blends %s\n", strings.Join(parts, ", "))
	}
	return nil
}

func cmdCampaigns(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("campaigns: say list or send ID")
	}
	fs := newFlags("campaigns "+args[0], &cfg, stderr)
	rest, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "list":
		list, err := a.campaigns.Campaigns(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCHEDULE\tSTATUS")
		for _, c := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", c.ID, c.Name, c.ScheduleKind, c.Status)
		}
		return tw.Flush()
	case "send":
		if len(rest) != 1 {
			return errors.New("campaigns send: give the campaign ID")
		}
		id, err := strconv.ParseInt(rest[0], 10, 64)
		if err != nil {
			return errors.New("campaigns send: give the campaign ID")
		}
		return a.sendNow(ctx, id, stdout)
	}
	return fmt.Errorf("campaigns: unknown action %q", args[0])
}

// sendNow launches a campaign and runs the send workers until its run is done.
func (a *app) sendNow(ctx context.Context, id int64, stdout io.Writer) error {
	start := time.Now()
	run, err := a.campaigns.Launch(ctx, id, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "run %d: %d recipients\n", run.ID, run.Recipients)
	workCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.campaigns.Work(workCtx) }()
	for {
		p, err := a.campaigns.Progress(ctx, id)
		if err != nil {
			return err
		}
		if p.RunID == run.ID && p.Pending == 0 && p.Status != "sending" {
			cancel()
			<-done
			el := time.Since(start)
			fmt.Fprintf(stdout, "run %d %s: %d sent, %d failed, %d skipped in %s (%.0f messages/s)\n", run.ID, p.Status, p.Sent, p.Failed, p.Skipped,
				el.Round(time.Millisecond), float64(p.Sent)/el.Seconds())
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

var _ = flag.ErrHelp
