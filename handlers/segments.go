package handlers

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// Segments lists, edits and previews rule segments.
type Segments struct {
	Base
	Segments *segments.Service
}

// List shows every segment with its current size.
func (h *Segments) List(c echo.Context) error {
	ctx := c.Request().Context()
	list, err := h.Segments.Segments(ctx)
	if err != nil {
		return err
	}
	counts, err := h.Segments.SegmentCounts(ctx)
	if err != nil {
		return err
	}
	var rows []templates.SegmentListRow
	for _, s := range list {
		rows = append(rows, templates.SegmentListRow{ID: s.ID, Name: s.Name, Description: s.Description, Count: counts[s.ID], UpdatedAt: s.UpdatedAt})
	}
	return render(c, http.StatusOK, templates.SegmentListPage(h.page(c, "Segments", "segments"), rows))
}

// Show lists a segment's members page by page.
func (h *Segments) Show(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	seg, err := h.Segments.Segment(ctx, id)
	if err != nil {
		return err
	}
	page := queryInt(c, "page", 1)
	members, total, err := h.Segments.Members(ctx, seg.Rules, page, 50)
	if err != nil {
		return err
	}
	vm := templates.SegmentView{ID: seg.ID, Name: seg.Name, Description: seg.Description, Rules: formFromSegment(seg).JSON,
		Pager: templates.Pager{Page: page, PerPage: 50, Total: int(total), BaseURL: listURL("/segments/"+strconv.FormatInt(id, 10), c.QueryParams())}}
	hist, err := h.Segments.SizeHistory(ctx, id, 90)
	if err != nil {
		return err
	}
	for _, p := range hist {
		vm.History = append(vm.History, templates.SizePoint{Day: p.Day, Size: p.Size})
	}
	all, err := h.Segments.Segments(ctx)
	if err != nil {
		return err
	}
	for _, other := range all {
		if other.ID != id {
			vm.Others = append(vm.Others, templates.Option{Value: strconv.FormatInt(other.ID, 10), Label: other.Name})
		}
	}
	if with, err := strconv.ParseInt(c.QueryParam("with"), 10, 64); err == nil && with != id {
		other, err := h.Segments.Segment(ctx, with)
		if err != nil {
			return err
		}
		o, err := h.Segments.Overlap(ctx, id, with)
		if err != nil {
			return err
		}
		vm.Overlap = &templates.SegmentOverlap{OtherID: with, Other: other.Name, A: o.A, B: o.B, Both: o.Both}
	}
	for _, m := range members {
		vm.Members = append(vm.Members, templates.SegmentMember{ID: m.ID, ExternalID: m.ExternalID, Name: strings.TrimSpace(m.FirstName + " " + m.LastName),
			Email: m.Email, Country: m.Country, Frequency: m.Frequency, Monetary: m.Monetary})
	}
	return render(c, http.StatusOK, templates.SegmentPage(h.page(c, seg.Name, "segments"), vm))
}

func (h *Segments) editorView(c echo.Context, f segmentForm, action string, id int64) (templates.SegmentEditorView, error) {
	vm := templates.SegmentEditorView{ID: id, Action: action, Name: f.Name, Description: f.Description, Mode: f.Mode, JSON: f.JSON, Root: f.Root,
		NodeErrors: map[string]string{}, Errors: templates.FieldErrors{}}
	for _, fi := range segments.Fields() {
		vm.Fields = append(vm.Fields, templates.SegmentField{Name: fi.Name, Label: fi.Label, Type: fi.Type, Ops: fi.Ops})
	}
	all, err := h.Segments.Segments(c.Request().Context())
	if err != nil {
		return vm, err
	}
	for _, s := range all {
		if s.ID != id {
			vm.Segments = append(vm.Segments, templates.Option{Value: strconv.FormatInt(s.ID, 10), Label: s.Name})
		}
	}
	return vm, nil
}

// New shows an empty editor with one condition.
func (h *Segments) New(c echo.Context) error {
	f := segmentForm{Mode: "builder", Root: &templates.RuleNode{ID: rootID, Kind: "group", Match: "all",
		Children: []*templates.RuleNode{newNode("field")}}}
	renumber(f.Root)
	vm, err := h.editorView(c, f, "/segments", 0)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.SegmentEditPage(h.page(c, "New segment", "segments"), vm))
}

// Edit shows the editor for a stored segment.
func (h *Segments) Edit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	seg, err := h.Segments.Segment(c.Request().Context(), id)
	if err != nil {
		return err
	}
	vm, err := h.editorView(c, formFromSegment(seg), "/segments/"+strconv.FormatInt(id, 10), id)
	if err != nil {
		return err
	}
	vm.Count, vm.HasCount = h.count(c, seg.Rules)
	return render(c, http.StatusOK, templates.SegmentEditPage(h.page(c, "Edit "+seg.Name, "segments"), vm))
}

func (h *Segments) count(c echo.Context, r segments.Rules) (int64, bool) {
	n, err := h.Segments.Count(c.Request().Context(), r)
	return n, err == nil
}

// Create saves a new segment, or applies an editor action (add or remove a condition).
func (h *Segments) Create(c echo.Context) error { return h.save(c, 0, "/segments") }

// Update saves a segment.
func (h *Segments) Update(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Segments.Segment(c.Request().Context(), id); err != nil {
		return err
	}
	return h.save(c, id, "/segments/"+strconv.FormatInt(id, 10))
}

func (h *Segments) save(c echo.Context, id int64, action string) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	f := parseSegmentForm(form)
	title := "New segment"
	if id > 0 {
		title = "Edit segment"
	}
	// Editor actions re-render the form without saving.
	switch op := form.Get("op"); {
	case op == "to_json":
		if r, err := f.rules(); err == nil {
			f = formFromSegment(segments.Segment{Name: f.Name, Description: f.Description, Rules: r})
		}
		f.Mode = "json"
	case op == "save":
		rules, err := f.rules()
		if err == nil {
			in := segments.Input{Name: f.Name, Description: f.Description, Rules: rules}
			var seg segments.Segment
			if id == 0 {
				seg, err = h.Segments.CreateSegment(c.Request().Context(), in)
			} else {
				seg, err = h.Segments.UpdateSegment(c.Request().Context(), id, in)
			}
			if err == nil {
				return h.redirect(c, "/segments/"+strconv.FormatInt(seg.ID, 10), "Segment “"+seg.Name+"” saved.")
			}
		}
		fe, ok := fieldErrors(err)
		if !ok {
			return err
		}
		vm, verr := h.editorView(c, f, action, id)
		if verr != nil {
			return verr
		}
		for k, v := range fe {
			switch {
			case k == "name" || k == "description" || k == "rules_json":
				vm.Errors[k] = v
			case nodeIDPattern.MatchString(k):
				vm.NodeErrors[k] = v
			case strings.HasPrefix(k, "conditions") || k == "rules" || k == "match":
				vm.NodeErrors[nodeForPath(k)] = v
			default:
				vm.General = v
			}
		}
		return render(c, http.StatusUnprocessableEntity, templates.SegmentEditPage(h.page(c, title, "segments"), vm))
	default:
		f.apply(op)
	}
	vm, err := h.editorView(c, f, action, id)
	if err != nil {
		return err
	}
	if r, err := f.rules(); err == nil {
		vm.Count, vm.HasCount = h.count(c, r)
	}
	if isHTMX(c) {
		return render(c, http.StatusOK, templates.SegmentEditor(h.page(c, title, "segments"), vm))
	}
	return render(c, http.StatusOK, templates.SegmentEditPage(h.page(c, title, "segments"), vm))
}

// Count answers the editor's live count as the marketer types.
func (h *Segments) Count(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	rules, err := parseSegmentForm(form).rules()
	if fe, ok := store.AsFieldErrors(err); ok {
		return render(c, http.StatusOK, templates.LiveCount(0, false, firstProblem(fe)))
	}
	if err != nil {
		return err
	}
	n, err := h.Segments.Count(c.Request().Context(), rules)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.LiveCount(n, true, ""))
}

// Export downloads the segment's current members as CSV.
func (h *Segments) Export(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	seg, err := h.Segments.Segment(c.Request().Context(), id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+csvName(seg.Name)+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	_, err = h.Segments.ExportMembers(c.Request().Context(), id, c.Response())
	return err
}

// csvName makes a safe file name from a segment name.
func csvName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	if s := strings.Trim(b.String(), "-"); s != "" {
		return s
	}
	return "segment"
}

// firstProblem words the first rule problem (in a stable order) for the live count.
func firstProblem(fe store.FieldErrors) string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "Finish the conditions to see the count: " + fe[keys[0]]
}

// Delete removes a segment that no campaign uses.
func (h *Segments) Delete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Segments.DeleteSegment(c.Request().Context(), id); err != nil {
		if errors.Is(err, store.ErrConflict) {
			h.Sessions.AddFlash(c, "This segment is used by a campaign; change or delete the campaign first.")
			return c.Redirect(http.StatusSeeOther, "/segments/"+strconv.FormatInt(id, 10))
		}
		return err
	}
	return h.redirect(c, "/segments", "Segment deleted.")
}
