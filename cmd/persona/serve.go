package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/persona-app/persona/handlers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/static"
	"github.com/persona-app/persona/web"
)

func cmdServe(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", &cfg, stderr)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (PERSONA_ADDR)")
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
	fmt.Fprintf(stdout, "Persona is listening on %s (public URL %s)\n", a.cfg.Addr, a.cfg.BaseURL)
	return a.serve(ctx)
}

// systemJob is one entry of the process's cron table.
type systemJob struct {
	spec, name string
	timeout    time.Duration
	run        func(ctx context.Context) error
}

// systemJobs is every scheduled job of the process, in one visible list. Campaign
// schedules are not here: the scheduler tick reads them from the campaigns table.
func (a *app) systemJobs() []systemJob {
	return []systemJob{
		{"@every 15s", "campaign scheduler tick", time.Minute, a.campaigns.Tick},
		{"@every 1m", "attribute orders to clicks", 5 * time.Minute, func(ctx context.Context) error {
			_, err := a.campaigns.Attribute(ctx)
			return err
		}},
		{"30 2 * * *", "rebuild customer features", time.Hour, a.customers.RebuildFeatures},
		{"45 2 * * *", "snapshot segment sizes", time.Hour, func(ctx context.Context) error {
			_, err := a.segments.TakeSnapshots(ctx)
			return err
		}},
		{"15 3 * * *", "retrain purchase propensity", time.Hour, a.propensity.Retrain},
		{"30 3 * * *", "re-cluster customers", time.Hour, a.clusters.Retrain},
		{"0 3 * * *", "train recommender", time.Hour, func(ctx context.Context) error {
			_, err := a.recsys.Train(ctx, nil)
			return err
		}},
		{"45 3 * * *", "evaluate recommender offline", time.Hour, func(ctx context.Context) error {
			_, err := a.recsys.Evaluate(ctx, recsys.EvalOptions{Holdout: 0.2}, 10, nil)
			return err
		}},
	}
}

// serve runs the HTTP server, the scheduler and the send workers until ctx is done, then
// stops them in order: HTTP first, then the scheduler, then the workers, then (in Close)
// the database.
func (a *app) serve(ctx context.Context) error {
	if !static.HasVendor() {
		a.log.Error("front-end libraries are missing from this build: run scripts/assets.sh (make assets) before go build; live counts and charts will not work")
	}
	sessionKey, err := a.accounts.Secret(ctx, "session", 64)
	if err != nil {
		return err
	}
	srv, err := web.New(web.Options{BaseURL: a.cfg.BaseURL, SessionKey: sessionKey, LoginRate: a.cfg.LoginRate, Logger: a.log}, a.handlerDeps())
	if err != nil {
		return err
	}

	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var workers sync.WaitGroup
	workers.Add(1)
	go func() {
		defer workers.Done()
		if err := a.campaigns.Work(workCtx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("send workers stopped", "err", err)
		}
	}()

	// The models load with the app; the customers' histories are read once, in the
	// background, so that requests do not wait on the database for them.
	workers.Add(1)
	go func() {
		defer workers.Done()
		start := time.Now()
		n, err := a.recsys.Warm(workCtx)
		if err != nil && !errors.Is(err, context.Canceled) {
			a.log.Warn("recommender histories not read ahead; they will be read when asked for", "err", err)
			return
		}
		a.log.Info("recommender histories read", "customers", n, "duration_ms", time.Since(start).Milliseconds())
	}()

	sched := cron.New(cron.WithLocation(time.UTC), cron.WithChain(
		cron.Recover(cronLogger{a.log}), cron.SkipIfStillRunning(cronLogger{a.log})))
	for _, j := range a.systemJobs() {
		j := j
		if _, err := sched.AddFunc(j.spec, func() {
			jctx, cancel := context.WithTimeout(workCtx, j.timeout)
			defer cancel()
			start := time.Now()
			if err := j.run(jctx); err != nil {
				a.log.Error("job failed", "job", j.name, "err", err)
				return
			}
			a.log.Debug("job done", "job", j.name, "duration_ms", time.Since(start).Milliseconds())
		}); err != nil {
			return fmt.Errorf("schedule %q: %w", j.name, err)
		}
	}
	sched.Start()

	err = srv.Start(ctx, a.cfg.Addr)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	<-sched.Stop().Done()
	stopWork()
	workers.Wait()
	a.imports.Wait()
	a.trainer.Wait()
	return err
}

func (a *app) handlerDeps() handlers.Deps {
	return handlers.Deps{
		Accounts:   a.accounts,
		Customers:  a.customers,
		Segments:   a.segments,
		Recsys:     a.recsys,
		Templates:  a.templates,
		Campaigns:  a.campaigns,
		Outbox:     a.outbox,
		Imports:    a.imports,
		Trainer:    a.trainer,
		Propensity: a.propensity,
		Clusters:   a.clusters,
		Logger:     a.log,
		Now:        a.now,
		BaseURL:    a.cfg.BaseURL,
	}
}

// cronLogger sends robfig/cron's messages to slog.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
