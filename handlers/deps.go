package handlers

import (
	"log/slog"
	"time"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/segments/clusters"
	"github.com/persona-app/persona/segments/propensity"
)

// Deps are the domain services the handlers call, built once in cmd/persona.
type Deps struct {
	Accounts  *accounts.Service
	Customers *customers.Service
	Segments  *segments.Service
	Recsys    *recsys.Service
	Templates *campaigns.Templates
	Campaigns *campaigns.Service
	Outbox    *campaigns.OutboxChannel
	Imports   *customers.Jobs
	// Trainer retrains models in the background from the models page.
	Trainer    Trainer
	Propensity *propensity.Service
	Clusters   *clusters.Service
	Logger     *slog.Logger
	Now        func() time.Time
	// BaseURL is the public URL, for links shown to users.
	BaseURL string
}
