package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/templates"
)

// Dashboard is the overview managers read: totals and a chart over time.
type Dashboard struct {
	Base
	Campaigns *campaigns.Service
	Customers *customers.Service
	Recsys    *recsys.Service
}

// Show renders the overview for the last N days (?days=, default 30).
func (h *Dashboard) Show(c echo.Context) error {
	ctx := c.Request().Context()
	days := queryInt(c, "days", 30)
	if days > 365 {
		days = 365
	}
	to := h.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	ov, err := h.Campaigns.Overview(ctx, from, to)
	if err != nil {
		return err
	}
	counts, err := h.Customers.Stats(ctx)
	if err != nil {
		return err
	}
	list, err := h.Campaigns.Campaigns(ctx)
	if err != nil {
		return err
	}
	vm := templates.DashboardView{Days: days, Customers: counts.Customers, Products: counts.Products, Orders: counts.Orders, Events: counts.Events,
		Totals: templates.Funnel{Recipients: ov.Totals.Recipients, Sent: ov.Totals.Sent, Opened: ov.Totals.Opened, Clicked: ov.Totals.Clicked,
			Converted: ov.Totals.Converted, Revenue: ov.Totals.Revenue}}
	for _, d := range ov.Days {
		vm.Series = append(vm.Series, templates.DayPoint{Day: d.Day, Sent: d.Sent, Opened: d.Opened, Clicked: d.Clicked, Conversions: d.Conversions, Revenue: d.Revenue})
	}
	all, err := h.Campaigns.AllStats(ctx)
	if err != nil {
		return err
	}
	for _, cp := range list {
		st := all[cp.ID]
		vm.Campaigns = append(vm.Campaigns, templates.CampaignRow{ID: cp.ID, Name: cp.Name, Status: cp.Status, Sent: st.Sent, Clicked: st.Clicked, Revenue: st.Revenue})
	}
	if st, ok := h.Recsys.Status(); ok {
		vm.ModelTrainedAt, vm.ModelItems, vm.ModelInteractions = &st.TrainedAt, st.Items, st.Interactions
		vm.ModelBest = "item-to-item collaborative filtering (too little data to tune a blend)"
		if weights, ok := h.Recsys.BlendWeights(); ok {
			vm.ModelBest = blendSummary(weights)
		}
	}
	return render(c, http.StatusOK, templates.DashboardPage(h.page(c, "Dashboard", "dashboard"), vm))
}
