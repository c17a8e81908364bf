package handlers

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments/clusters"
	"github.com/persona-app/persona/segments/propensity"
	"github.com/persona-app/persona/templates"
)

// Customers shows the customer list and profiles.
type Customers struct {
	Base
	Customers  *customers.Service
	Recsys     *recsys.Service
	Propensity *propensity.Service
	Clusters   *clusters.Service
}

// List shows one page of customers with search and filters.
func (h *Customers) List(c echo.Context) error {
	ctx := c.Request().Context()
	q := customers.CustomerQuery{
		Search:  strings.TrimSpace(c.QueryParam("q")),
		Country: c.QueryParam("country"),
		Consent: c.QueryParam("consent"),
		Page:    queryInt(c, "page", 1),
		PerPage: 50,
	}
	if q.Consent != "yes" && q.Consent != "no" {
		q.Consent = ""
	}
	rows, total, err := h.Customers.Customers(ctx, q)
	if err != nil {
		return err
	}
	countries, err := h.Customers.Countries(ctx)
	if err != nil {
		return err
	}
	vm := templates.CustomerListView{Search: q.Search, Country: q.Country, Consent: q.Consent, Countries: countries,
		Pager: templates.Pager{Page: q.Page, PerPage: q.PerPage, Total: total, BaseURL: listURL("/customers", c.QueryParams())}}
	for _, r := range rows {
		vm.Rows = append(vm.Rows, templates.CustomerRow{ID: r.ID, ExternalID: r.ExternalID, Name: strings.TrimSpace(r.FirstName + " " + r.LastName),
			Email: r.Email, Country: r.Country, Consent: r.ConsentEmail && r.UnsubscribedAt == nil, Frequency: r.Frequency, Monetary: r.Monetary, LastOrderAt: r.LastOrderAt})
	}
	return render(c, http.StatusOK, templates.CustomerListPage(h.page(c, "Customers", "customers"), vm))
}

// Show is the customer profile: attributes, features, timeline and recommendations.
func (h *Customers) Show(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cust, err := h.Customers.Customer(ctx, id)
	if err != nil {
		return err
	}
	feat, err := h.Customers.Features(ctx, id)
	if err != nil {
		return err
	}
	timeline, err := h.Customers.Timeline(ctx, id, 100)
	if err != nil {
		return err
	}
	vm := templates.CustomerView{
		ID: cust.ID, ExternalID: cust.ExternalID, Name: strings.TrimSpace(cust.FirstName + " " + cust.LastName), Email: cust.Email,
		Gender: cust.Gender, BirthDate: cust.BirthDate, City: cust.City, Country: cust.Country, Timezone: cust.Timezone,
		SignupAt: cust.SignupAt, ConsentEmail: cust.ConsentEmail, ConsentPush: cust.ConsentPush, UnsubscribedAt: cust.UnsubscribedAt,
		RecencyDays: feat.RecencyDays, Frequency: feat.Frequency, Monetary: feat.Monetary, AvgOrderValue: feat.AvgOrderValue,
		BrowseSeconds: feat.BrowseSeconds, EventCount: feat.EventCount, LastActivityAt: feat.LastActivityAt,
		RFMTier: feat.RFMTier, RFMLabel: customers.RFMTierLabel(feat.RFMTier), RecencyScore: feat.RecencyScore,
		FrequencyScore: feat.FrequencyScore, MonetaryScore: feat.MonetaryScore, DaysSinceSignup: feat.DaysSinceSignup,
		Activity: activityRows(feat), FeaturesAt: feat.ComputedAt,
	}
	keys := make([]string, 0, len(cust.Attributes))
	for k := range cust.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vm.Attributes = append(vm.Attributes, templates.KeyValue{Key: k, Value: cust.Attributes[k]})
	}
	for _, tc := range feat.TopCategories {
		vm.TopCategories = append(vm.TopCategories, templates.CategoryShare{Category: tc.Category, Share: tc.Share})
	}
	for _, e := range timeline {
		vm.Timeline = append(vm.Timeline, templates.TimelineEntry{At: e.At, Kind: e.Kind, ProductID: e.ProductID, ProductName: e.ProductName,
			Category: e.Category, Value: e.Value, Amount: e.Amount, OrderID: e.OrderID})
	}
	score, ok, err := h.Propensity.Score(ctx, id)
	if err != nil {
		return err
	}
	if ok {
		vm.Propensity = &templates.PropensityScore{Score: score.Score, HorizonDays: score.HorizonDays}
		for _, d := range score.Drivers {
			vm.Propensity.Drivers = append(vm.Propensity.Drivers, templates.Weight{Name: d.Label, Value: d.Contribution})
		}
	}
	cl, ok, err := h.Clusters.ClusterOf(ctx, id)
	if err != nil {
		return err
	}
	if ok {
		vm.Cluster = &templates.ClusterRow{Key: cl.Key, Label: cl.Label, Portrait: cl.Portrait, Size: cl.Size}
	}
	vm.Algorithms, vm.RecAlgorithm = algorithmOptions(h.Recsys.Algorithms()), recsys.AlgoBest
	if vm.Recs, vm.RecsNote, err = h.recs(ctx, id, recsys.AlgoBest); err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.CustomerPage(h.page(c, vm.Title(), "customers"), vm))
}

// recs is the customer's top 8 from algorithm, or a note saying why there are none.
func (h *Customers) recs(ctx context.Context, id int64, algorithm string) ([]templates.Rec, string, error) {
	items, err := h.Recsys.Recommend(ctx, id, recsys.Options{N: 8, Algorithm: algorithm})
	if errors.Is(err, recsys.ErrNotTrained) {
		return nil, "The recommender has not been trained yet. Run 'persona recsys train' or wait for the nightly job.", nil
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]templates.Rec, len(items))
	for i, r := range items {
		out[i] = recView(r)
	}
	return out, "", nil
}

// Recommendations is the profile's recommendations from the algorithm picked.
func (h *Customers) Recommendations(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Customers.Customer(c.Request().Context(), id); err != nil {
		return err
	}
	recs, note, err := h.recs(c.Request().Context(), id, c.QueryParam("algorithm"))
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.CustomerRecs(recs, note))
}

// activityRows are the window counts of the profile: the four with columns of their own,
// then every other event type of the last 90 days by name (purchase events are left out,
// as purchases are counted from orders).
func activityRows(f customers.Features) []templates.ActivityWindow {
	row := func(label string, w customers.WindowCounts) templates.ActivityWindow {
		return templates.ActivityWindow{Label: label, Last7: w.Last7, Last30: w.Last30, Last90: w.Last90}
	}
	rows := []templates.ActivityWindow{row("Views", f.Views), row("Add-to-carts", f.Carts),
		row("Purchases (orders)", f.Purchases), row("Searches", f.Searches)}
	types := make([]string, 0, len(f.EventCounts))
	for typ := range f.EventCounts {
		switch typ {
		case "view", "cart", "search", "purchase":
		default:
			types = append(types, typ)
		}
	}
	sort.Strings(types)
	for _, typ := range types {
		rows = append(rows, row(strings.ReplaceAll(typ, "_", " "), f.EventCounts[typ]))
	}
	return rows
}

func recView(r recsys.Item) templates.Rec {
	return templates.Rec{ProductID: r.ProductID, Name: r.Name, Category: r.Category, Price: r.Price, ImageURL: r.ImageURL,
		URL: r.URL, Reason: r.Reason, Algorithm: recsys.Label(r.Algorithm), Score: r.Score}
}
