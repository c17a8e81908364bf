package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/segments/clusters"
	"github.com/persona-app/persona/segments/propensity"
	"github.com/persona-app/persona/store"
)

// app is every service of one process, built in dependency order and closed in reverse.
type app struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	db        *store.DB
	accounts  *accounts.Service
	customers *customers.Service
	segments  *segments.Service
	recsys    *recsys.Service
	templates *campaigns.Templates
	outbox    *campaigns.OutboxChannel
	channel   campaigns.Channel
	campaigns *campaigns.Service
	imports   *customers.Jobs
	// propensity scores customers' chance to buy soon.
	propensity *propensity.Service
	trainer    *trainer
	clusters   *clusters.Service
}

func newLogger(level string, w io.Writer) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// newApp opens the database (running migrations) and builds the services.
func newApp(ctx context.Context, cfg Config, logw io.Writer) (*app, error) {
	if err := cfg.finish(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	a := &app{cfg: cfg, log: newLogger(cfg.LogLevel, logw), now: func() time.Time { return time.Now().UTC() }}
	db, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	a.db = db
	a.accounts = accounts.NewService(db, a.now)
	a.customers = customers.NewService(db, a.now)
	a.segments = segments.NewService(db, a.now)
	a.recsys = recsys.NewService(db, a.now)
	a.recsys.Segments = a.segmentMembers
	a.propensity = &propensity.Service{DB: db, Now: a.now}
	a.clusters = clusters.NewService(db, a.now)
	if _, err := a.recsys.Load(ctx); err != nil {
		a.log.Warn("recommender model could not be loaded; train it again", "err", err)
	}
	a.templates = &campaigns.Templates{DB: db, Now: a.now}
	a.outbox = &campaigns.OutboxChannel{DB: db, From: cfg.SMTP.From, Now: a.now}
	a.channel = a.outbox
	if cfg.SMTP.Host != "" {
		ch, err := campaigns.NewSMTPChannel(cfg.SMTP)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("smtp: %w", err)
		}
		a.channel = ch
	}
	key, err := a.accounts.Secret(ctx, "tracking", 32)
	if err != nil {
		db.Close()
		return nil, err
	}
	var perWorker func() (campaigns.Channel, error)
	if cfg.SMTP.Host != "" {
		// One SMTP connection per send worker: a connection carries one message at a time.
		perWorker = func() (campaigns.Channel, error) { return campaigns.NewSMTPChannel(cfg.SMTP) }
	}
	a.campaigns = campaigns.NewService(db, campaigns.Options{
		Now:               a.now,
		NewChannel:        perWorker,
		Signer:            campaigns.NewSigner(key),
		BaseURL:           cfg.BaseURL,
		Channel:           a.channel,
		Recommender:       recAdapter{r: a.recsys, base: cfg.BaseURL},
		Audience:          a.segments,
		Workers:           cfg.Workers,
		ClaimTTL:          cfg.ClaimTTL,
		AttributionWindow: cfg.AttributionWindow,
		Logger:            a.log,
	})
	a.customers.AfterImport = append(a.customers.AfterImport,
		func(ctx context.Context, kind customers.Kind) error {
			if kind == customers.KindOrders || kind == customers.KindEvents {
				return a.customers.RebuildFeatures(ctx)
			}
			return nil
		},
		func(ctx context.Context, kind customers.Kind) error {
			if kind == customers.KindOrders {
				_, err := a.campaigns.Attribute(ctx)
				return err
			}
			return nil
		})
	a.customers.AfterImport = append(a.customers.AfterImport, func(ctx context.Context, kind customers.Kind) error {
		if kind == customers.KindOrders || kind == customers.KindEvents || kind == customers.KindProducts {
			a.recsys.Forget() // everyone's behaviour may have changed: read it afresh
		}
		if kind == customers.KindProducts {
			return a.recsys.RefreshCatalog(ctx) // stock, prices and names as imported
		}
		return nil
	})
	a.customers.AfterWrite = append(a.customers.AfterWrite, func(ctx context.Context, kind customers.Kind, ids []int64) error {
		if (kind == customers.KindOrders || kind == customers.KindEvents) && len(ids) > 0 {
			a.recsys.Forget(ids...) // their next recommendations count what just happened
		}
		if kind == customers.KindProducts {
			if err := a.recsys.RefreshCatalog(ctx); err != nil {
				return err
			}
		}
		if kind == customers.KindOrders {
			_, err := a.campaigns.Attribute(ctx)
			return err
		}
		return nil
	})
	a.imports = customers.NewJobs(a.customers, a.log)
	a.trainer = newTrainer(a.log, map[string]trainingJob{
		"propensity": func(ctx context.Context, _ recsys.Progress) error { return a.propensity.Retrain(ctx) },
		"clusters":   func(ctx context.Context, _ recsys.Progress) error { return a.clusters.Retrain(ctx) },
		"recsys": func(ctx context.Context, progress recsys.Progress) error {
			_, err := a.recsys.Train(ctx, progress)
			return err
		},
		"recsys-eval": func(ctx context.Context, progress recsys.Progress) error {
			_, err := a.recsys.Evaluate(ctx, recsys.EvalOptions{Holdout: 0.2}, 10, progress)
			return err
		},
	})
	return a, nil
}

func (a *app) Close() {
	if a.channel != nil {
		_ = a.channel.Close()
	}
	if a.db != nil {
		_ = a.db.Close()
	}
}

// segmentMembers lists every saved segment with its customers, for popularity within a
// segment.
func (a *app) segmentMembers(ctx context.Context) ([]recsys.SegmentMembers, error) {
	list, err := a.segments.Segments(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]recsys.SegmentMembers, 0, len(list))
	for _, seg := range list {
		q, args, err := a.segments.AudienceSQL(ctx, seg.ID)
		if err != nil {
			return nil, err
		}
		m := recsys.SegmentMembers{ID: seg.ID, Name: seg.Name}
		if err := a.db.WithContext(ctx).Raw(q, args...).Scan(&m.Customers).Error; err != nil {
			return nil, fmt.Errorf("members of segment %d: %w", seg.ID, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// recAdapter lets campaigns fill recommendation blocks from the recommender.
type recAdapter struct {
	r    *recsys.Service
	base string
}

// Recommend serves a template's block: its algorithm, count and rules, with popularity
// within the campaign's segment for topping up. The algorithm returned is the one "best"
// resolves to, not the first item's (items can be topped up by popularity).
func (ra recAdapter) Recommend(ctx context.Context, customerID int64, req campaigns.RecRequest) ([]campaigns.RecItem, string, error) {
	rules, err := campaigns.ParseRecRules(req.Rules)
	if err != nil {
		return nil, "", err
	}
	served := ra.r.Resolve(req.Algorithm)
	items, err := ra.r.Recommend(ctx, customerID, recsys.Options{Algorithm: served, N: req.N, Segment: req.Segment, Rules: rules})
	if err != nil {
		return nil, "", err
	}
	out := make([]campaigns.RecItem, len(items))
	for i, it := range items {
		if strings.HasPrefix(it.ImageURL, "/") {
			// Mail clients need absolute image URLs.
			it.ImageURL = ra.base + it.ImageURL
		}
		out[i] = campaigns.RecItem{ProductID: it.ProductID, ExternalID: it.ExternalID, Name: it.Name, Category: it.Category,
			Price: it.Price, Currency: it.Currency, ImageURL: it.ImageURL, URL: it.URL, Reason: it.Reason, Algorithm: it.Algorithm}
	}
	return out, served, nil
}
