package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// Campaigns edits, schedules, launches and watches campaigns.
type Campaigns struct {
	Base
	Campaigns *campaigns.Service
	Segments  *segments.Service
	Templates *campaigns.Templates
}

// List shows every campaign with its status.
func (h *Campaigns) List(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := h.Campaigns.Campaigns(ctx)
	if err != nil {
		return err
	}
	names, err := h.names(c)
	if err != nil {
		return err
	}
	var rows []templates.CampaignRow
	all, err := h.Campaigns.AllStats(ctx)
	if err != nil {
		return err
	}
	for _, cp := range list {
		st := all[cp.ID]
		rows = append(rows, templates.CampaignRow{ID: cp.ID, Name: cp.Name, Segment: names.segments[cp.SegmentID], Template: names.templates[cp.TemplateID],
			Schedule: scheduleText(cp), Status: cp.Status, Sent: st.Sent, Clicked: st.Clicked, Revenue: st.Revenue})
	}
	return render(c, http.StatusOK, templates.CampaignListPage(h.page(c, "Campaigns", "campaigns"), rows))
}

type nameMaps struct{ segments, templates map[int64]string }

func (h *Campaigns) names(c echo.Context) (nameMaps, error) {
	ctx := c.Request().Context()
	m := nameMaps{segments: map[int64]string{}, templates: map[int64]string{}}
	segs, err := h.Segments.Segments(ctx)
	if err != nil {
		return m, err
	}
	for _, s := range segs {
		m.segments[s.ID] = s.Name
	}
	tpls, err := h.Templates.List(ctx)
	if err != nil {
		return m, err
	}
	for _, t := range tpls {
		m.templates[t.ID] = t.Name
	}
	return m, nil
}

func scheduleText(cp campaigns.Campaign) string {
	switch cp.ScheduleKind {
	case campaigns.ScheduleAt:
		if cp.SendAt != nil {
			return "once at " + cp.SendAt.UTC().Format("2006-01-02 15:04") + " UTC"
		}
	case campaigns.ScheduleCron:
		return campaigns.DescribeCron(cp.CronExpr) + " (UTC)"
	case campaigns.ScheduleNow:
		return "sent on save"
	}
	return "when launched"
}

func (h *Campaigns) form(c echo.Context, status int, title string, vm templates.CampaignFormView) error {
	names, err := h.names(c)
	if err != nil {
		return err
	}
	vm.Segments = optionsOf(names.segments)
	vm.Templates = optionsOf(names.templates)
	if vm.CronExpr != "" {
		vm.Cron = cronView(vm.CronExpr, h.Now())
	}
	return render(c, status, templates.CampaignFormPage(h.page(c, title, "campaigns"), vm))
}

func optionsOf(m map[int64]string) []templates.Option {
	var out []templates.Option
	for id, name := range m {
		out = append(out, templates.Option{Value: strconv.FormatInt(id, 10), Label: name})
	}
	templates.SortOptions(out)
	return out
}

// New shows an empty campaign form.
func (h *Campaigns) New(c echo.Context) error {
	return h.form(c, http.StatusOK, "New campaign", templates.CampaignFormView{Action: "/campaigns", ScheduleKind: campaigns.ScheduleManual, CronExpr: "0 9 * * 1"})
}

// Edit shows a campaign's form.
func (h *Campaigns) Edit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cp, err := h.Campaigns.Campaign(c.Request().Context(), id)
	if err != nil {
		return err
	}
	vm := templates.CampaignFormView{ID: id, Action: "/campaigns/" + strconv.FormatInt(id, 10), Name: cp.Name,
		SegmentID: strconv.FormatInt(cp.SegmentID, 10), TemplateID: strconv.FormatInt(cp.TemplateID, 10), ScheduleKind: cp.ScheduleKind, CronExpr: cp.CronExpr}
	if cp.SendAt != nil {
		vm.SendAt = cp.SendAt.UTC().Format("2006-01-02T15:04")
	}
	return h.form(c, http.StatusOK, "Edit "+cp.Name, vm)
}

func parseCampaignForm(c echo.Context) (campaigns.Input, templates.CampaignFormView, templates.FieldErrors) {
	vm := templates.CampaignFormView{Name: strings.TrimSpace(c.FormValue("name")), SegmentID: c.FormValue("segment_id"), TemplateID: c.FormValue("template_id"),
		ScheduleKind: c.FormValue("schedule_kind"), SendAt: c.FormValue("send_at"), CronExpr: strings.TrimSpace(c.FormValue("cron_expr"))}
	errs := templates.FieldErrors{}
	in := campaigns.Input{Name: vm.Name, ScheduleKind: vm.ScheduleKind}
	in.SegmentID, _ = strconv.ParseInt(vm.SegmentID, 10, 64)
	in.TemplateID, _ = strconv.ParseInt(vm.TemplateID, 10, 64)
	switch vm.ScheduleKind {
	case campaigns.ScheduleAt:
		t, err := time.ParseInLocation("2006-01-02T15:04", vm.SendAt, time.UTC)
		if err != nil {
			errs["send_at"] = "give a date and time (UTC) to send at"
		} else {
			in.SendAt = &t
		}
	case campaigns.ScheduleCron:
		in.CronExpr = vm.CronExpr
	}
	return in, vm, errs
}

// Create saves a campaign; "send now" launches it at once.
func (h *Campaigns) Create(c echo.Context) error { return h.save(c, 0) }

// Update saves a campaign.
func (h *Campaigns) Update(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return h.save(c, id)
}

func (h *Campaigns) save(c echo.Context, id int64) error {
	ctx := c.Request().Context()
	in, vm, errs := parseCampaignForm(c)
	vm.ID, vm.Action = id, "/campaigns"
	title := "New campaign"
	if id > 0 {
		vm.Action, title = "/campaigns/"+strconv.FormatInt(id, 10), "Edit campaign"
	}
	var cp campaigns.Campaign
	var err error
	if len(errs) == 0 {
		if id == 0 {
			cp, err = h.Campaigns.CreateCampaign(ctx, in)
		} else {
			cp, err = h.Campaigns.UpdateCampaign(ctx, id, in)
		}
	}
	if fe, ok := fieldErrors(err); ok {
		for k, v := range fe {
			errs[k] = v
		}
	} else if err != nil {
		return err
	}
	if len(errs) > 0 {
		vm.Errors = errs
		return h.form(c, http.StatusUnprocessableEntity, title, vm)
	}
	if cp.ScheduleKind == campaigns.ScheduleNow && id == 0 {
		if _, err := h.Campaigns.Launch(ctx, cp.ID, ""); err != nil {
			return err
		}
		return h.redirect(c, campaignURL(cp.ID), "Campaign “"+cp.Name+"” is sending.")
	}
	return h.redirect(c, campaignURL(cp.ID), "Campaign “"+cp.Name+"” saved.")
}

func campaignURL(id int64) string { return "/campaigns/" + strconv.FormatInt(id, 10) }

// Show is the campaign page: schedule, live progress, funnel and deliveries.
func (h *Campaigns) Show(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cp, err := h.Campaigns.Campaign(ctx, id)
	if err != nil {
		return err
	}
	names, err := h.names(c)
	if err != nil {
		return err
	}
	prog, err := h.progressView(c, id)
	if err != nil {
		return err
	}
	page := queryInt(c, "page", 1)
	dels, total, err := h.Campaigns.Deliveries(ctx, id, page, 50)
	if err != nil {
		return err
	}
	vm := templates.CampaignView{ID: id, Name: cp.Name, Segment: names.segments[cp.SegmentID], SegmentID: cp.SegmentID, Template: names.templates[cp.TemplateID],
		TemplateID: cp.TemplateID, Schedule: scheduleText(cp), Status: cp.Status, Progress: prog,
		Pager: templates.Pager{Page: page, PerPage: 50, Total: total, BaseURL: listURL(campaignURL(id), c.QueryParams())}}
	if cp.ScheduleKind == campaigns.ScheduleCron {
		vm.NextRuns = campaigns.NextRuns(cp.CronExpr, h.Now(), 3)
	}
	for _, d := range dels {
		vm.Deliveries = append(vm.Deliveries, templates.DeliveryRow{CustomerID: d.CustomerID, Name: d.Name(), Email: d.Email, Status: d.Status,
			Error: d.Error, SentAt: d.SentAt, OpenedAt: d.OpenedAt, ClickedAt: d.ClickedAt})
	}
	return render(c, http.StatusOK, templates.CampaignPage(h.page(c, cp.Name, "campaigns"), vm))
}

func (h *Campaigns) progressView(c echo.Context, id int64) (templates.CampaignProgress, error) {
	ctx := c.Request().Context()
	p, err := h.Campaigns.Progress(ctx, id)
	if err != nil {
		return templates.CampaignProgress{}, err
	}
	st, err := h.Campaigns.Stats(ctx, id)
	if err != nil {
		return templates.CampaignProgress{}, err
	}
	return templates.CampaignProgress{CampaignID: id, RunID: p.RunID, RunStatus: p.Status, Recipients: p.Recipients, Sent: p.Sent, Failed: p.Failed,
		Skipped: p.Skipped, Pending: p.Pending,
		Funnel: templates.Funnel{Recipients: st.Recipients, Sent: st.Sent, Opened: st.Opened, Clicked: st.Clicked, Converted: st.Converted, Revenue: st.Revenue}}, nil
}

// Progress is the live part of the campaign page, polled by htmx while a run sends.
func (h *Campaigns) Progress(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Campaigns.Campaign(c.Request().Context(), id); err != nil {
		return err
	}
	p, err := h.progressView(c, id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.CampaignLive(h.page(c, "", "campaigns"), p))
}

// Launch sends a campaign now.
func (h *Campaigns) Launch(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	run, err := h.Campaigns.Launch(c.Request().Context(), id, "")
	if errors.Is(err, store.ErrConflict) {
		h.Sessions.AddFlash(c, "This campaign is already sending; pause or cancel that run first.")
		return c.Redirect(http.StatusSeeOther, campaignURL(id))
	}
	if err != nil {
		return err
	}
	return h.redirect(c, campaignURL(id), "Sending to "+strconv.Itoa(run.Recipients)+" recipients.")
}

// RunAction pauses, resumes or cancels the campaign's latest run.
func (h *Campaigns) RunAction(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, err := h.Campaigns.Progress(ctx, id)
	if err != nil {
		return err
	}
	if p.RunID == 0 {
		return store.ErrNotFound
	}
	var msg string
	switch c.Param("action") {
	case "pause":
		err, msg = h.Campaigns.Pause(ctx, p.RunID), "Paused."
	case "resume":
		err, msg = h.Campaigns.Resume(ctx, p.RunID), "Resumed."
	case "cancel":
		err, msg = h.Campaigns.Cancel(ctx, p.RunID), "Cancelled: nothing more is sent for this run."
	default:
		return store.ErrNotFound
	}
	if err != nil {
		if _, ok := fieldErrors(err); ok {
			h.Sessions.AddFlash(c, userMessage(err))
			return c.Redirect(http.StatusSeeOther, campaignURL(id))
		}
		if errors.Is(err, store.ErrConflict) {
			h.Sessions.AddFlash(c, "That run has already finished.")
			return c.Redirect(http.StatusSeeOther, campaignURL(id))
		}
		return err
	}
	return h.redirect(c, campaignURL(id), msg)
}

// Delete removes a campaign that is not sending.
func (h *Campaigns) Delete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Campaigns.DeleteCampaign(c.Request().Context(), id); err != nil {
		return err
	}
	return h.redirect(c, "/campaigns", "Campaign deleted.")
}

// CronPreview describes a cron expression in words with its next three runs.
func (h *Campaigns) CronPreview(c echo.Context) error {
	return render(c, http.StatusOK, templates.CronPreview(cronView(strings.TrimSpace(c.FormValue("cron_expr")), h.Now())))
}

func cronView(expr string, now time.Time) templates.CronView {
	v := templates.CronView{Expr: expr}
	if _, err := campaigns.ParseCron(expr); err != nil {
		v.Error = err.Error()
		return v
	}
	v.Words = campaigns.DescribeCron(expr)
	v.Next = campaigns.NextRuns(expr, now, 3)
	return v
}
