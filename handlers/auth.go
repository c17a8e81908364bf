package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/templates"
)

// Auth signs users in and out.
type Auth struct {
	Base
	Accounts *accounts.Service
}

// LoginForm shows the sign-in form.
func (h *Auth) LoginForm(c echo.Context) error {
	if CurrentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return render(c, http.StatusOK, templates.LoginPage(h.page(c, "Sign in", ""), templates.LoginForm{Next: safeNext(c.QueryParam("next"))}))
}

// Login checks the credentials and starts a session.
func (h *Auth) Login(c echo.Context) error {
	f := templates.LoginForm{Email: strings.TrimSpace(c.FormValue("email")), Next: safeNext(c.FormValue("next"))}
	u, err := h.Accounts.Authenticate(c.Request().Context(), f.Email, c.FormValue("password"))
	if errors.Is(err, accounts.ErrBadCredentials) {
		f.Error = "Wrong email or password."
		return render(c, http.StatusUnprocessableEntity, templates.LoginPage(h.page(c, "Sign in", ""), f))
	}
	if err != nil {
		return err
	}
	if err := h.Sessions.Login(c, u.ID); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, f.Next)
}

// Logout ends the session.
func (h *Auth) Logout(c echo.Context) error {
	if err := h.Sessions.Logout(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps post-login redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}
