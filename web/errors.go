package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/handlers"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// errorHandler is the one place that turns an error into an answer and logs it. Internal
// error text never reaches the client: a 500 shows only the request ID.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. The error has been logged."
	var he *echo.HTTPError
	var fe store.FieldErrors
	switch {
	case errors.Is(err, store.ErrNotFound):
		status, msg = http.StatusNotFound, "That page or record does not exist."
	case errors.Is(err, store.ErrForbidden):
		status, msg = http.StatusForbidden, "Your role does not allow this action."
	case errors.Is(err, store.ErrConflict):
		status, msg = http.StatusConflict, "This record changed or is still in use. Reload the page and try again."
		if m := conflictMessage(err); m != "" {
			msg = m
		}
	case errors.As(err, &fe):
		status, msg = http.StatusUnprocessableEntity, fe.Error()
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok {
			msg = m
		} else {
			msg = http.StatusText(status)
		}
		if status == http.StatusBadRequest && strings.Contains(msg, "csrf") {
			msg = "Your form expired. Reload the page and try again."
		}
		if status == http.StatusForbidden && strings.Contains(strings.ToLower(msg), "csrf") {
			msg = "Your form expired or came from another site. Reload the page and try again."
		}
	}
	reqID, _ := c.Get(handlers.KeyRequestID).(string)
	if status >= 500 {
		s.logger.Error("request failed", "err", err, "method", c.Request().Method, "path", c.Request().URL.Path, "request_id", reqID)
	}
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		body := map[string]any{"error": msg}
		if status == http.StatusInternalServerError {
			body["request_id"] = reqID
		}
		if fe != nil {
			body["fields"] = fe
		}
		_ = c.JSON(status, body)
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	p := templates.Page{Title: http.StatusText(status)}
	if u := handlers.CurrentUser(c); u != nil {
		p.User = &templates.User{Email: u.Email, Role: string(u.Role), CanWrite: u.Role.CanWrite(), IsAdmin: u.Role.IsAdmin()}
		p.CSRF, _ = c.Get(handlers.KeyCSRF).(string)
	}
	if status != http.StatusInternalServerError {
		reqID = ""
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	_ = templates.ErrorPage(p, status, msg, reqID).Render(c.Request().Context(), c.Response().Writer)
}

// conflictMessage returns the text of a conflict error written for people, if it is one.
func conflictMessage(err error) string {
	var ue interface{ UserMessage() string }
	if errors.As(err, &ue) {
		return ue.UserMessage()
	}
	return ""
}
