// Package handlers holds one file per area of the UI and the JSON API: each handler reads
// its input, calls one domain method and answers with a component, a redirect or JSON.
// Handlers hold no SQL and no business rules.
package handlers

import (
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// Context keys set by the web middleware.
const (
	// KeyUser holds the signed-in *accounts.User.
	KeyUser = "persona.user"
	// KeyCSRF holds the CSRF token for forms (set by echo's CSRF middleware).
	KeyCSRF = "csrf"
	// KeyRequestID holds the request ID.
	KeyRequestID = "persona.request_id"
)

// Sessions is the cookie session the web package keeps for signed-in users.
type Sessions interface {
	Login(c echo.Context, userID int64) error
	Logout(c echo.Context) error
	AddFlash(c echo.Context, msg string)
	TakeFlash(c echo.Context) string
}

// Base is what every handler type shares.
type Base struct {
	Sessions Sessions
	Logger   *slog.Logger
	Now      func() time.Time
}

// CurrentUser returns the signed-in user, or nil.
func CurrentUser(c echo.Context) *accounts.User {
	u, _ := c.Get(KeyUser).(*accounts.User)
	return u
}

// page builds the layout view model for the current request.
func (b Base) page(c echo.Context, title, active string) templates.Page {
	p := templates.Page{Title: title, Active: active}
	if tok, ok := c.Get(KeyCSRF).(string); ok {
		p.CSRF = tok
	}
	if u := CurrentUser(c); u != nil {
		p.User = &templates.User{Email: u.Email, Role: string(u.Role), CanWrite: u.Role.CanWrite(), IsAdmin: u.Role.IsAdmin()}
	}
	if b.Sessions != nil && c.Request().Method == http.MethodGet && !isHTMX(c) {
		p.Flash = b.Sessions.TakeFlash(c)
	}
	return p
}

// render writes a component with the given status.
func render(c echo.Context, status int, comp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return comp.Render(c.Request().Context(), c.Response().Writer)
}

// redirect answers a successful POST with 303 and a flash message; htmx requests get
// HX-Redirect so the whole page moves.
func (b Base) redirect(c echo.Context, to, flash string) error {
	if flash != "" && b.Sessions != nil {
		b.Sessions.AddFlash(c, flash)
	}
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusOK)
	}
	return c.Redirect(http.StatusSeeOther, to)
}

func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// fieldErrors converts domain field errors to the view's map, or reports false.
func fieldErrors(err error) (templates.FieldErrors, bool) {
	fe, ok := store.AsFieldErrors(err)
	if !ok {
		return nil, false
	}
	out := templates.FieldErrors{}
	for k, v := range fe {
		out[k] = v
	}
	return out, true
}

// pathID parses the :id path parameter; a bad id is a not-found.
func pathID(c echo.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

// queryInt reads a positive integer query parameter with a default.
func queryInt(c echo.Context, name string, def int) int {
	v, err := strconv.Atoi(c.QueryParam(name))
	if err != nil || v <= 0 {
		return def
	}
	return v
}

// listURL builds a list URL with the given query values (empty ones dropped), ready for
// "page=N" to be appended.
func listURL(path string, q url.Values) string {
	clean := url.Values{}
	for k, vs := range q {
		if k == "page" {
			continue
		}
		for _, v := range vs {
			if strings.TrimSpace(v) != "" {
				clean.Add(k, v)
			}
		}
	}
	if len(clean) == 0 {
		return path + "?"
	}
	return path + "?" + clean.Encode() + "&"
}

// isNotFound tells whether err means the record does not exist.
func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// htmlUnescape decodes the entities html/template writes inside attribute values.
func htmlUnescape(s string) string { return html.UnescapeString(s) }
