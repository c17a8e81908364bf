package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// MessageTemplates edits email templates and previews them for real customers.
type MessageTemplates struct {
	Base
	Templates *campaigns.Templates
	Campaigns *campaigns.Service
	Customers *customers.Service
}

// List shows every template.
func (h *MessageTemplates) List(c echo.Context) error {
	list, err := h.Templates.List(c.Request().Context())
	if err != nil {
		return err
	}
	var rows []templates.TemplateRow
	for _, t := range list {
		rows = append(rows, templates.TemplateRow{ID: t.ID, Name: t.Name, Subject: t.Subject, Block: recBlockSummary(t), UpdatedAt: t.UpdatedAt})
	}
	return render(c, http.StatusOK, templates.TemplateListPage(h.page(c, "Templates", "templates"), rows))
}

func (h *MessageTemplates) form(c echo.Context, status int, title string, vm templates.TemplateFormView) error {
	vm.RecBlock = campaigns.DefaultRecommendationBlockHTML
	vm.Algorithms = recAlgorithmOptions()
	return render(c, status, templates.TemplateFormPage(h.page(c, title, "templates"), vm))
}

// New shows an empty template with a useful starting point.
func (h *MessageTemplates) New(c echo.Context) error {
	return h.form(c, http.StatusOK, "New template", templates.TemplateFormView{Action: "/templates",
		Rec:     recBlockView(campaigns.Template{}),
		Subject: "{{.Customer.FirstName | default \"Hello\"}}, we picked these for you",
		HTML:    "<p>Hi {{.Customer.FirstName | default \"there\"}},</p>\n<p>Here is what we think you will like:</p>\n" + campaigns.DefaultRecommendationBlockHTML + "\n<p><a href=\"{{.UnsubscribeURL}}\">Unsubscribe</a></p>"})
}

// Edit shows a stored template.
func (h *MessageTemplates) Edit(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	t, err := h.Templates.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return h.form(c, http.StatusOK, "Edit "+t.Name, templates.TemplateFormView{ID: id, Action: "/templates/" + strconv.FormatInt(id, 10),
		Name: t.Name, Subject: t.Subject, HTML: t.HTML, Text: t.Text, Rec: recBlockView(t)})
}

// Create validates and saves a new template.
func (h *MessageTemplates) Create(c echo.Context) error {
	f := parseTemplateForm(c)
	saved, err := h.save(c, 0, f)
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			return h.form(c, http.StatusUnprocessableEntity, "New template", f.view(0, "/templates", fe))
		}
		return err
	}
	return h.redirect(c, "/templates/"+strconv.FormatInt(saved.ID, 10)+"/edit", "Template “"+saved.Name+"” saved.")
}

// save stores the posted template (id 0: a new one); numbers the form could not read come
// back as field errors together with what validation finds.
func (h *MessageTemplates) save(c echo.Context, id int64, f templateForm) (campaigns.Template, error) {
	if len(f.errs) > 0 {
		return campaigns.Template{}, f.withValidation()
	}
	if id == 0 {
		return h.Templates.Create(c.Request().Context(), f.tpl)
	}
	return h.Templates.Update(c.Request().Context(), id, f.tpl)
}

// Update validates and saves a template.
func (h *MessageTemplates) Update(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := parseTemplateForm(c)
	saved, err := h.save(c, id, f)
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			return h.form(c, http.StatusUnprocessableEntity, "Edit template", f.view(id, "/templates/"+strconv.FormatInt(id, 10), fe))
		}
		return err
	}
	return h.redirect(c, "/templates/"+strconv.FormatInt(saved.ID, 10)+"/edit", "Template “"+saved.Name+"” saved.")
}

// Delete removes a template no campaign uses.
func (h *MessageTemplates) Delete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Templates.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return h.redirect(c, "/templates", "Template deleted.")
}

// Preview renders the template being edited (the posted form) for a chosen customer, with
// that customer's real recommendations; without a customer it uses sample data.
func (h *MessageTemplates) Preview(c echo.Context) error {
	ctx := c.Request().Context()
	f := parseTemplateForm(c)
	if f.tpl.Name == "" {
		f.tpl.Name = "preview"
	}
	t := f.tpl
	vm := templates.PreviewView{CustomerRef: strings.TrimSpace(c.FormValue("customer"))}
	if err := f.withValidation(); err != nil {
		fe, ok := fieldErrors(err)
		if !ok {
			return err
		}
		delete(fe, "name")
		if len(fe) > 0 {
			vm.Errors = fe
			return render(c, http.StatusOK, templates.TemplatePreview(vm))
		}
	}
	var msg campaigns.Message
	var err error
	if vm.CustomerRef == "" {
		msg, err = campaigns.Render(t, campaigns.SampleRenderData())
		vm.Who = "sample customer Emma Schmidt"
	} else {
		cust, cerr := h.findCustomer(ctx, vm.CustomerRef)
		if cerr != nil {
			if isNotFound(cerr) {
				vm.Errors = templates.FieldErrors{"customer": "no customer with id or email “" + vm.CustomerRef + "”"}
				return render(c, http.StatusOK, templates.TemplatePreview(vm))
			}
			return cerr
		}
		vm.Who = strings.TrimSpace(cust.FirstName+" "+cust.LastName) + " (" + cust.ExternalID + ")"
		msg, err = h.Campaigns.Preview(ctx, t, cust.ID)
	}
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			vm.Errors = fe
			return render(c, http.StatusOK, templates.TemplatePreview(vm))
		}
		return err
	}
	vm.Subject, vm.HTML, vm.Text = msg.Subject, msg.HTML, msg.Text
	return render(c, http.StatusOK, templates.TemplatePreview(vm))
}

// findCustomer accepts an internal id, a customer id or an email.
func (h *MessageTemplates) findCustomer(ctx context.Context, ref string) (customers.Customer, error) {
	if cust, err := h.Customers.CustomerByExternalID(ctx, ref); err == nil || !isNotFound(err) {
		return cust, err
	}
	if strings.Contains(ref, "@") {
		rows, _, err := h.Customers.Customers(ctx, customers.CustomerQuery{Search: ref, PerPage: 1})
		if err != nil {
			return customers.Customer{}, err
		}
		if len(rows) == 1 && strings.EqualFold(rows[0].Email, ref) {
			return rows[0].Customer, nil
		}
		return customers.Customer{}, store.ErrNotFound
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return h.Customers.Customer(ctx, id)
	}
	return customers.Customer{}, store.ErrNotFound
}
