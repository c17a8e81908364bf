package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/customers/synth"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/segments/clusters"
	"github.com/persona-app/persona/segments/propensity"
)

func cmdDemo(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", &cfg, stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (PERSONA_ADDR)")
	seed := fs.Uint64("seed", 1, "seed of the generated shop: the same seed gives the same shop")
	noServe := fs.Bool("no-serve", false, "build the demo database and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logs := newBatchedLog(stderr)
	defer logs.Close()
	a, err := newApp(ctx, cfg, logs)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.buildDemo(ctx, *seed, stdout); err != nil {
		return err
	}
	if _, _, err := a.accounts.EnsureUser(ctx, cfg.AdminEmail, cfg.AdminPassword, accounts.RoleAdmin); err != nil {
		return fmt.Errorf("demo admin (PERSONA_ADMIN_EMAIL / PERSONA_ADMIN_PASSWORD): %w", err)
	}
	if *noServe {
		return nil
	}
	fmt.Fprintf(stdout, "\nPersona demo is ready: %s\nSign in as %s with password %s\n\n", a.cfg.BaseURL, cfg.AdminEmail, cfg.AdminPassword)
	return a.serve(ctx)
}

// buildDemo fills an empty database with a generated shop, trains the models and adds
// example segments, templates and campaigns. A database that already has customers is
// left as it is, so restarting the demo keeps what was done in it.
func (a *app) buildDemo(ctx context.Context, seed uint64, out io.Writer) error {
	counts, err := a.customers.Stats(ctx)
	if err != nil {
		return err
	}
	if counts.Customers > 0 {
		fmt.Fprintf(out, "demo database already has %d customers; keeping it\n", counts.Customers)
		return nil
	}
	dir, err := os.MkdirTemp("", "persona-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	// 150 days rather than the generator's 90: the propensity model trains on a cut 60 days
	// back and needs 90 days of history behind it.
	opts := synth.DemoOptions(seed, a.now())
	opts.Days, opts.EventsPerCustomer = 150, 60
	gen, err := synth.Generate(dir, opts)
	if err != nil {
		return fmt.Errorf("generate demo shop: %w", err)
	}
	fmt.Fprintf(out, "generated %d customers, %d products, %d orders (%d lines), %d events in %s\n",
		gen.Customers, gen.Products, gen.Orders, gen.OrderLines, gen.Events, time.Since(start).Round(time.Millisecond))
	for _, f := range []struct {
		kind customers.Kind
		file string
	}{{customers.KindProducts, synth.ProductsFile}, {customers.KindCustomers, synth.CustomersFile},
		{customers.KindOrders, synth.OrdersFile}, {customers.KindEvents, synth.EventsFile}} {
		t := time.Now()
		sum, err := a.customers.ImportFile(ctx, filepath.Join(dir, f.file), customers.ImportOptions{Kind: f.kind})
		if err != nil {
			return fmt.Errorf("import demo %s: %w", f.kind, err)
		}
		fmt.Fprintf(out, "imported %d %s in %s\n", sum.Imported, f.kind, time.Since(t).Round(time.Millisecond))
	}
	prop, err := a.propensity.Train(ctx, propensity.Options{})
	if err != nil {
		return fmt.Errorf("train propensity: %w", err)
	}
	fmt.Fprintf(out, "trained purchase propensity (AUC %.3f, best single feature %s %.3f) in %s\n", prop.AUC,
		prop.BestSingleFeature.Name, prop.BestSingleFeature.AUC, prop.Duration.Round(time.Millisecond))
	// At least 3 groups: two (buyers and the rest) would tell a marketer little.
	cl, err := a.clusters.Run(ctx, clusters.RunOptions{Seed: seed, KMin: 3, KMax: 8})
	if err != nil {
		return fmt.Errorf("cluster customers: %w", err)
	}
	fmt.Fprintf(out, "clustered customers into %d groups (silhouette %.3f) in %s\n", cl.K, cl.Silhouette, cl.Duration.Round(time.Millisecond))
	segIDs, tplIDs, err := a.demoContent(ctx)
	if err != nil {
		return err
	}
	if _, err := a.segments.TakeSnapshots(ctx); err != nil {
		return err
	}
	// After the segments, so that "popular in your segment" knows them.
	st, err := a.recsys.Train(ctx, nil)
	if err != nil {
		return fmt.Errorf("train recommender: %w", err)
	}
	fmt.Fprintf(out, "trained the recommender on %d interactions in %s\n", st.Interactions, st.Duration.Round(time.Millisecond))
	ev, err := a.recsys.Evaluate(ctx, recsys.EvalOptions{Holdout: 0.2}, 10, nil)
	if err != nil {
		return fmt.Errorf("evaluate recommender: %w", err)
	}
	fmt.Fprintf(out, "evaluated %d recommendation algorithms offline in %s\n", len(ev.Results), ev.Duration.Round(time.Millisecond))
	t := time.Now()
	if err := a.demoHistory(ctx, seed, segIDs, tplIDs); err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	fmt.Fprintf(out, "replayed %d past campaigns in %s\n", len(demoPast), time.Since(t).Round(time.Millisecond))
	return nil
}

var demoSegments = []struct{ name, description, rules string }{
	{"Everyone who can be emailed", "All customers with email consent (unsubscribes are dropped at send time).",
		`{"match":"all","conditions":[{"field":"consent_email","op":"is_true"}]}`},
	{"High spenders", "Spent €400 or more in all.",
		`{"match":"all","conditions":[{"field":"monetary","op":"gte","value":400}]}`},
	{"Recent Electronics buyers", "Bought in Electronics in the last 30 days.",
		`{"match":"all","conditions":[{"behaviour":{"event":"purchase","category":"Electronics","min_count":1,"days":30}}]}`},
	{"Lapsed customers", "Ordered before, but not in the last 45 days.",
		`{"match":"all","conditions":[{"field":"frequency","op":"gte","value":1},{"field":"recency_days","op":"gt","value":45}]}`},
	{"Browsers who never bought", "Viewed at least 5 products in the last 30 days and never ordered.",
		`{"match":"all","conditions":[{"field":"frequency","op":"eq","value":0},{"behaviour":{"event":"view","min_count":5,"days":30}}]}`},
	{"Gold or silver tier in DE/FR", "Loyalty tier gold or silver, living in Germany or France.",
		`{"match":"all","conditions":[{"field":"attr.loyalty_tier","op":"in","value":["gold","silver"]},{"group":{"match":"any","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"country","op":"eq","value":"FR"}]}}]}`},
}

const demoHTML = `<!DOCTYPE html>
<html><body style="margin:0;padding:24px;background:#f6f7fb;font-family:Arial,Helvetica,sans-serif;color:#222222;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;margin:0 auto;background:#ffffff;border-radius:8px;">
<tr><td style="padding:24px;">
<p style="font-size:18px;">Hi {{.Customer.FirstName | default "there"}},</p>
{{if eq .Customer.Attributes.loyalty_tier "gold"}}<p><strong>As a gold member you get free shipping on everything below.</strong></p>{{end}}
<p>We picked these for you this week:</p>
` + campaigns.DefaultRecommendationBlockHTML + `
<p><a href="https://shop.example/new" style="color:#4f46e5;">See everything new in the shop</a></p>
<p style="font-size:12px;color:#777777;">You get this because you signed up at our shop. <a href="{{.UnsubscribeURL}}" style="color:#777777;">Unsubscribe</a></p>
</td></tr></table></body></html>`

const demoWinBackHTML = `<p>Hi {{.Customer.FirstName | default "there"}},</p>
<p>It has been a while! Here is what is new since your last visit{{if .Customer.City}} to our {{.Customer.City}} friends{{end}}:</p>
` + campaigns.DefaultRecommendationBlockHTML + `
<p><a href="https://shop.example/comeback?code=WELCOMEBACK">Take 10% off with WELCOMEBACK</a></p>
<p style="font-size:12px;color:#777777;"><a href="{{.UnsubscribeURL}}">Unsubscribe</a></p>`

func (a *app) demoContent(ctx context.Context) (map[string]int64, map[string]int64, error) {
	ids := map[string]int64{}
	for _, s := range demoSegments {
		r, err := segments.ParseRules([]byte(s.rules))
		if err != nil {
			return nil, nil, fmt.Errorf("demo segment %q: %w", s.name, err)
		}
		seg, err := a.segments.CreateSegment(ctx, segments.Input{Name: s.name, Description: s.description, Rules: r})
		if err != nil {
			return nil, nil, fmt.Errorf("demo segment %q: %w", s.name, err)
		}
		ids[s.name] = seg.ID
	}
	picks, err := a.templates.Create(ctx, campaigns.Template{Name: "Weekly picks", Subject: `{{.Customer.FirstName | default "Hello"}}, picked for you this week`, HTML: demoHTML})
	if err != nil {
		return nil, nil, fmt.Errorf("demo template: %w", err)
	}
	winBack, err := a.templates.Create(ctx, campaigns.Template{Name: "We miss you", Subject: `We miss you{{if .Customer.FirstName}}, {{.Customer.FirstName}}{{end}}`, HTML: demoWinBackHTML})
	if err != nil {
		return nil, nil, fmt.Errorf("demo template: %w", err)
	}
	tomorrow := a.now().Truncate(24 * time.Hour).Add(33 * time.Hour) // 09:00 UTC tomorrow
	for _, in := range []campaigns.Input{
		{Name: "Newsletter: picked for you", SegmentID: ids["Everyone who can be emailed"], TemplateID: picks.ID, ScheduleKind: campaigns.ScheduleManual},
		{Name: "Weekly picks for high spenders", SegmentID: ids["High spenders"], TemplateID: picks.ID, ScheduleKind: campaigns.ScheduleCron, CronExpr: "0 9 * * 1"},
		{Name: "Win back lapsed customers", SegmentID: ids["Lapsed customers"], TemplateID: winBack.ID, ScheduleKind: campaigns.ScheduleAt, SendAt: &tomorrow},
	} {
		if _, err := a.campaigns.CreateCampaign(ctx, in); err != nil {
			return nil, nil, fmt.Errorf("demo campaign %q: %w", in.Name, err)
		}
	}
	return ids, map[string]int64{picks.Name: picks.ID, winBack.Name: winBack.ID}, nil
}
