package handlers

import (
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/templates"
)

// Outbox shows the messages kept in the in-app outbox when no SMTP server is configured.
type Outbox struct {
	Base
	Outbox *campaigns.OutboxChannel
}

// List shows the newest messages first.
func (h *Outbox) List(c echo.Context) error {
	page := queryInt(c, "page", 1)
	msgs, total, err := h.Outbox.List(c.Request().Context(), page, 50)
	if err != nil {
		return err
	}
	vm := templates.OutboxView{Pager: templates.Pager{Page: page, PerPage: 50, Total: total, BaseURL: listURL("/outbox", c.QueryParams())}}
	for _, m := range msgs {
		vm.Rows = append(vm.Rows, templates.OutboxRow{ID: m.ID, To: m.To, Subject: m.Subject, CreatedAt: m.CreatedAt})
	}
	return render(c, http.StatusOK, templates.OutboxPage(h.page(c, "Outbox", "outbox"), vm))
}

var hrefPattern = regexp.MustCompile(`href="([^"]+)"`)

// Show opens one message as rendered, with its headers and links.
func (h *Outbox) Show(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := h.Outbox.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	vm := templates.OutboxMessageView{ID: m.ID, To: m.To, From: m.From, Subject: m.Subject, HTML: m.HTML, Text: m.Text, Headers: m.Headers,
		MessageID: m.MessageID, CreatedAt: m.CreatedAt}
	seen := map[string]bool{}
	for _, match := range hrefPattern.FindAllStringSubmatch(m.HTML, -1) {
		if u := htmlUnescape(match[1]); !seen[u] {
			seen[u] = true
			vm.Links = append(vm.Links, u)
		}
	}
	return render(c, http.StatusOK, templates.OutboxMessagePage(h.page(c, m.Subject, "outbox"), vm))
}
