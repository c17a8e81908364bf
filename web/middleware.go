package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/accounts"
	"github.com/persona-app/persona/handlers"
	"github.com/persona-app/persona/store"
)

// requestID gives every request an ID, echoed in X-Request-ID and shown on error pages.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if id == "" || len(id) > 64 {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(handlers.KeyRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// accessLog logs one line per request with slog.
func accessLog(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			req := c.Request()
			if strings.HasPrefix(req.URL.Path, "/static/") || !logger.Enabled(req.Context(), slog.LevelInfo) {
				return nil
			}
			id, _ := c.Get(handlers.KeyRequestID).(string)
			attrs := []slog.Attr{slog.String("method", req.Method), slog.String("path", req.URL.Path),
				slog.Int("status", c.Response().Status), slog.Int64("duration_ms", time.Since(start).Milliseconds()),
				slog.String("request_id", id)}
			if u := handlers.CurrentUser(c); u != nil {
				attrs = append(attrs, slog.Int64("user_id", u.ID))
			}
			logger.LogAttrs(req.Context(), slog.LevelInfo, "request", attrs...)
			return nil
		}
	}
}

// loadUser sets the signed-in user from the session cookie, when there is one.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if id, ok := s.sessions.UserID(c); ok {
			u, err := s.deps.Accounts.User(c.Request().Context(), id)
			if err == nil {
				c.Set(handlers.KeyUser, &u)
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return next(c)
	}
}

// requireLogin sends anonymous browsers to the login page.
func requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if handlers.CurrentUser(c) == nil {
			if c.Request().Method == http.MethodGet && c.Request().Header.Get("HX-Request") == "" {
				return c.Redirect(http.StatusSeeOther, "/login?next="+c.Request().URL.RequestURI())
			}
			return echo.NewHTTPError(http.StatusUnauthorized, "please sign in again")
		}
		return next(c)
	}
}

// requireWriter refuses read-only users (managers) on every state-changing route.
func requireWriter(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := handlers.CurrentUser(c); u == nil || !u.Role.CanWrite() {
			return store.ErrForbidden
		}
		return next(c)
	}
}

// requireAdmin lets only admins through.
func requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := handlers.CurrentUser(c); u == nil || !u.Role.IsAdmin() {
			return store.ErrForbidden
		}
		return next(c)
	}
}

// apiKeyAuth authenticates /api/v1 with "Authorization: Bearer KEY".
func (s *Server) apiKeyAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || key == "" {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="persona"`)
			return c.JSON(http.StatusUnauthorized, map[string]string{"error": "missing API key: send Authorization: Bearer KEY"})
		}
		if _, err := s.deps.Accounts.VerifyAPIKey(c.Request().Context(), strings.TrimSpace(key)); err != nil {
			if errors.Is(err, accounts.ErrBadAPIKey) {
				return c.JSON(http.StatusUnauthorized, map[string]string{"error": "invalid or revoked API key"})
			}
			return err
		}
		return next(c)
	}
}
