package handlers

import (
	"math"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// recAlgorithmOptions lists the algorithms a template may name, best first.
func recAlgorithmOptions() []templates.Option { return algorithmOptions(recsys.KnownAlgorithms) }

// algorithmOptions are the algorithms as select options, named as pages name them.
func algorithmOptions(names []string) []templates.Option {
	out := make([]templates.Option, 0, len(names))
	for _, name := range names {
		out = append(out, templates.Option{Value: name, Label: recsys.Label(name)})
	}
	return out
}

// templateForm is the posted template editor: the template it describes, the
// recommendation block as typed, and the numbers that could not be read.
type templateForm struct {
	tpl  campaigns.Template
	rec  templates.RecBlockForm
	errs store.FieldErrors
}

// parseTemplateForm reads the editor. The block's rules become the template's rules JSON;
// a post without the block's fieldset (rec_block) keeps the safe defaults, since an
// unticked checkbox and a missing one look the same.
func parseTemplateForm(c echo.Context) templateForm {
	f := templateForm{errs: store.FieldErrors{}}
	f.tpl = campaigns.Template{Name: strings.TrimSpace(c.FormValue("name")), Subject: c.FormValue("subject"),
		HTML: c.FormValue("html"), Text: c.FormValue("text")}
	posted := c.FormValue("rec_block") != ""
	f.rec = templates.RecBlockForm{
		Algorithm:         strings.TrimSpace(c.FormValue("rec_algorithm")),
		Count:             strings.TrimSpace(c.FormValue("rec_count")),
		ExcludeBought:     !posted || c.FormValue("rec_exclude_bought") != "",
		ExcludeSeen:       posted && c.FormValue("rec_exclude_seen") != "",
		InStockOnly:       !posted || c.FormValue("rec_in_stock") != "",
		Categories:        c.FormValue("rec_categories"),
		ExcludeCategories: c.FormValue("rec_exclude_categories"),
		MaxPerCategory:    strings.TrimSpace(c.FormValue("rec_max_per_category")),
		MinPrice:          strings.TrimSpace(c.FormValue("rec_min_price")),
		MaxPrice:          strings.TrimSpace(c.FormValue("rec_max_price")),
	}
	f.tpl.RecAlgorithm = f.rec.Algorithm
	f.tpl.RecCount = f.formInt("rec_count", f.rec.Count)
	rules := recsys.Rules{
		IncludeBought:     !f.rec.ExcludeBought && !f.rec.ExcludeSeen,
		ExcludeSeen:       f.rec.ExcludeSeen,
		IncludeOutOfStock: !f.rec.InStockOnly,
		Categories:        splitList(f.rec.Categories),
		ExcludeCategories: splitList(f.rec.ExcludeCategories),
		MaxPerCategory:    f.formInt("rec_rules.max_per_category", f.rec.MaxPerCategory),
		MinPrice:          f.formPrice("rec_rules.min_price", f.rec.MinPrice),
		MaxPrice:          f.formPrice("rec_rules.max_price", f.rec.MaxPrice),
	}
	f.tpl.RecRules = campaigns.EncodeRecRules(rules)
	return f
}

// formInt reads a whole number; empty is 0 (the default).
func (f *templateForm) formInt(field, s string) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.errs.Add(field, "enter a whole number")
	}
	return n
}

// formPrice reads a price; empty is 0 (no bound).
func (f *templateForm) formPrice(field, s string) float64 {
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		f.errs.Add(field, "enter a price such as 19.90")
		return 0
	}
	return v
}

// withValidation returns the form's own errors together with what template validation
// finds, or nil when there are none.
func (f templateForm) withValidation() error {
	fe := store.FieldErrors{}
	for k, v := range f.errs {
		fe[k] = v
	}
	if err := campaigns.ValidateTemplate(f.tpl); err != nil {
		vfe, ok := store.AsFieldErrors(err)
		if !ok {
			return err
		}
		for k, v := range vfe {
			fe.Add(k, v)
		}
	}
	return fe.Err()
}

// view is the editor showing the form again with its errors.
func (f templateForm) view(id int64, action string, errs templates.FieldErrors) templates.TemplateFormView {
	return templates.TemplateFormView{ID: id, Action: action, Name: f.tpl.Name, Subject: f.tpl.Subject,
		HTML: f.tpl.HTML, Text: f.tpl.Text, Rec: f.rec, Errors: errs}
}

// recBlockView shows a stored template's block settings in the form; empty settings
// show their defaults.
func recBlockView(t campaigns.Template) templates.RecBlockForm {
	v := templates.RecBlockForm{Algorithm: t.RecAlgorithm, Count: strconv.Itoa(t.RecCount)}
	if v.Algorithm == "" {
		v.Algorithm = recsys.AlgoBest
	}
	if t.RecCount == 0 {
		v.Count = strconv.Itoa(campaigns.DefaultRecCount)
	}
	r, err := campaigns.ParseRecRules(t.RecRules)
	if err != nil {
		// Stored rules were validated on save; unreadable ones show as the defaults.
		r = recsys.Rules{}
	}
	v.ExcludeBought, v.InStockOnly, v.ExcludeSeen = !r.IncludeBought, !r.IncludeOutOfStock, r.ExcludeSeen
	v.Categories = strings.Join(r.Categories, ", ")
	v.ExcludeCategories = strings.Join(r.ExcludeCategories, ", ")
	if r.MaxPerCategory > 0 {
		v.MaxPerCategory = strconv.Itoa(r.MaxPerCategory)
	}
	if r.MinPrice > 0 {
		v.MinPrice = strconv.FormatFloat(r.MinPrice, 'f', -1, 64)
	}
	if r.MaxPrice > 0 {
		v.MaxPrice = strconv.FormatFloat(r.MaxPrice, 'f', -1, 64)
	}
	return v
}

// recBlockSummary describes a template's block in words for the list:
// "Item-to-item, 6 items: not already bought, in stock, at most 1 per category".
func recBlockSummary(t campaigns.Template) string {
	v := recBlockView(t)
	out := recsys.Label(v.Algorithm) + ", " + v.Count + " items"
	if r, err := campaigns.ParseRecRules(t.RecRules); err == nil {
		if rules := r.Summary(); rules != "" {
			out += ": " + rules
		}
	}
	return out
}
