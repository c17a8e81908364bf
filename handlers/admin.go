package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/templates"
)

// Admin manages users and API keys.
type Admin struct {
	Base
	Accounts *accounts.Service
}

func (h *Admin) usersPage(c echo.Context, status int, form templates.UserForm) error {
	users, err := h.Accounts.Users(c.Request().Context())
	if err != nil {
		return err
	}
	vm := templates.UsersView{Form: form}
	me := CurrentUser(c)
	for _, u := range users {
		vm.Users = append(vm.Users, templates.UserRow{ID: u.ID, Email: u.Email, Role: string(u.Role), CreatedAt: u.CreatedAt, IsMe: me != nil && me.ID == u.ID})
	}
	for _, r := range accounts.Roles() {
		vm.Roles = append(vm.Roles, string(r))
	}
	return render(c, status, templates.UsersPage(h.page(c, "Users", "users"), vm))
}

// Users lists the users with a form to add one.
func (h *Admin) Users(c echo.Context) error {
	return h.usersPage(c, http.StatusOK, templates.UserForm{Role: string(accounts.RoleMarketer)})
}

// CreateUser adds a user.
func (h *Admin) CreateUser(c echo.Context) error {
	f := templates.UserForm{Email: c.FormValue("email"), Role: c.FormValue("role")}
	role, err := accounts.ParseRole(f.Role)
	if err == nil {
		_, err = h.Accounts.AddUser(c.Request().Context(), f.Email, c.FormValue("password"), role)
	}
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			f.Errors = fe
			return h.usersPage(c, http.StatusUnprocessableEntity, f)
		}
		f.Errors = templates.FieldErrors{"role": err.Error()}
		return h.usersPage(c, http.StatusUnprocessableEntity, f)
	}
	return h.redirect(c, "/admin/users", "User "+f.Email+" added.")
}

// UpdateUserRole changes a user's role.
func (h *Admin) UpdateUserRole(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	role, err := accounts.ParseRole(c.FormValue("role"))
	if err != nil {
		return h.usersPage(c, http.StatusUnprocessableEntity, templates.UserForm{Errors: templates.FieldErrors{"role": err.Error()}})
	}
	if err := h.Accounts.SetRole(c.Request().Context(), id, role); err != nil {
		if isNotFound(err) {
			return err
		}
		return h.usersPage(c, http.StatusUnprocessableEntity, templates.UserForm{Errors: templates.FieldErrors{"role": userMessage(err)}})
	}
	return h.redirect(c, "/admin/users", "Role changed.")
}

// DeleteUser removes a user.
func (h *Admin) DeleteUser(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Accounts.DeleteUser(c.Request().Context(), id); err != nil {
		if isNotFound(err) {
			return err
		}
		return h.usersPage(c, http.StatusUnprocessableEntity, templates.UserForm{Errors: templates.FieldErrors{"role": userMessage(err)}})
	}
	return h.redirect(c, "/admin/users", "User deleted.")
}

func (h *Admin) keysPage(c echo.Context, status int, vm templates.APIKeysView) error {
	keys, err := h.Accounts.APIKeys(c.Request().Context())
	if err != nil {
		return err
	}
	for _, k := range keys {
		vm.Keys = append(vm.Keys, templates.APIKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt})
	}
	return render(c, status, templates.APIKeysPage(h.page(c, "API keys", "apikeys"), vm))
}

// APIKeys lists the API keys.
func (h *Admin) APIKeys(c echo.Context) error {
	return h.keysPage(c, http.StatusOK, templates.APIKeysView{})
}

// CreateAPIKey makes a key and shows its secret once.
func (h *Admin) CreateAPIKey(c echo.Context) error {
	name := c.FormValue("name")
	_, secret, err := h.Accounts.CreateAPIKey(c.Request().Context(), name)
	if err != nil {
		if fe, ok := fieldErrors(err); ok {
			return h.keysPage(c, http.StatusUnprocessableEntity, templates.APIKeysView{Name: name, Errors: fe})
		}
		return err
	}
	return h.keysPage(c, http.StatusOK, templates.APIKeysView{NewSecret: secret})
}

// RevokeAPIKey revokes a key.
func (h *Admin) RevokeAPIKey(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.Accounts.RevokeAPIKey(c.Request().Context(), id); err != nil {
		return err
	}
	return h.redirect(c, "/admin/apikeys", "API key revoked.")
}

// userMessage returns an error's text for a person.
func userMessage(err error) string {
	if errors.Is(err, accounts.ErrLastAdmin) {
		return "Persona needs at least one admin: make someone else admin first."
	}
	if fe, ok := fieldErrors(err); ok {
		for _, v := range fe {
			return v
		}
	}
	return err.Error()
}
