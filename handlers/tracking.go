package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// Tracking serves the public links inside messages: click redirects, the open pixel and
// the unsubscribe page. None of them needs a session: the signed token is the credential.
type Tracking struct {
	Base
	Campaigns *campaigns.Service
}

// pixel is a transparent 1×1 GIF.
var pixel = []byte{0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01,
	0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b}

// badToken maps a tampered or unknown token to a plain 404: never a redirect.
func badToken(err error) error {
	if errors.Is(err, campaigns.ErrBadToken) {
		return store.ErrNotFound
	}
	return err
}

// Click records the click and redirects to the destination stored for the link.
func (h *Tracking) Click(c echo.Context) error {
	dest, err := h.Campaigns.Click(c.Request().Context(), c.Param("token"))
	if err != nil {
		return badToken(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, dest)
}

// Open records an open and answers the pixel.
func (h *Tracking) Open(c echo.Context) error {
	if err := h.Campaigns.Open(c.Request().Context(), c.Param("token")); err != nil {
		return badToken(err)
	}
	c.Response().Header().Set("Cache-Control", "no-store, max-age=0")
	return c.Blob(http.StatusOK, "image/gif", pixel)
}

// UnsubscribePage asks the recipient to confirm (a GET must not unsubscribe: link
// scanners follow every link in a message).
func (h *Tracking) UnsubscribePage(c echo.Context) error {
	email, err := h.Campaigns.UnsubscribeInfo(c.Request().Context(), c.Param("token"))
	if err != nil {
		return badToken(err)
	}
	return render(c, http.StatusOK, templates.UnsubscribePage(h.page(c, "Unsubscribe", ""), templates.UnsubscribeView{Token: c.Param("token"), Email: email}))
}

// Unsubscribe unsubscribes: from the confirmation form, or as the one-click POST of
// RFC 8058 that mail providers send with List-Unsubscribe=One-Click.
func (h *Tracking) Unsubscribe(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	email, err := h.Campaigns.UnsubscribeInfo(ctx, token)
	if err != nil {
		return badToken(err)
	}
	if err := h.Campaigns.Unsubscribe(ctx, token); err != nil {
		return badToken(err)
	}
	if c.FormValue("List-Unsubscribe") == "One-Click" {
		return c.String(http.StatusOK, "unsubscribed")
	}
	return render(c, http.StatusOK, templates.UnsubscribePage(h.page(c, "Unsubscribed", ""), templates.UnsubscribeView{Email: email, Done: true}))
}
