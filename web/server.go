// Package web is Persona's Echo server: the route table, middleware (request ID, logging,
// recovery, security headers, sessions, CSRF, roles, API keys, login rate limit), the
// central error handler and the embedded static files. It holds no SQL and no domain rules.
package web

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/persona-app/persona/handlers"
	"github.com/persona-app/persona/static"
)

// Options configure the server.
type Options struct {
	// BaseURL is the public URL (PERSONA_BASE_URL); an https URL makes cookies Secure.
	BaseURL string
	// SessionKey is 64 bytes: 32 to sign and 32 to encrypt the session cookie.
	SessionKey []byte
	// LoginRate is how many sign-in attempts one client address may make per minute.
	LoginRate int
	Logger    *slog.Logger
}

// Server is the configured HTTP server.
type Server struct {
	echo     *echo.Echo
	opts     Options
	deps     handlers.Deps
	sessions *sessionStore
	logger   *slog.Logger
}

// New builds the server with every route.
func New(opts Options, deps handlers.Deps) (*Server, error) {
	if len(opts.SessionKey) != 64 {
		return nil, errors.New("web: session key must be 64 bytes")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.LoginRate <= 0 {
		opts.LoginRate = 10
	}
	secure := strings.HasPrefix(opts.BaseURL, "https://")
	s := &Server{
		echo:     echo.New(),
		opts:     opts,
		deps:     deps,
		sessions: newSessionStore(opts.SessionKey[:32], opts.SessionKey[32:], secure),
		logger:   opts.Logger,
	}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(requestID)
	e.Use(accessLog(opts.Logger))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
		opts.Logger.Error("panic", "err", err, "request_id", c.Get(handlers.KeyRequestID), "stack", string(stack))
		return err
	}}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		HSTSMaxAge:            hstsAge(secure),
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; frame-src 'self'",
		ReferrerPolicy:        "same-origin",
	}))
	e.Use(middleware.BodyLimit("64M"))
	s.routes()
	return s, nil
}

func hstsAge(secure bool) int {
	if secure {
		return 31536000
	}
	return 0
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Echo returns the underlying Echo instance (tests walk its routes).
func (s *Server) Echo() *echo.Echo { return s.echo }

// Start serves on addr until ctx is done, then shuts down within 10 seconds.
func (s *Server) Start(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s.echo, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}

func (s *Server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     "persona_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   strings.HasPrefix(s.opts.BaseURL, "https://"),
		CookieSameSite: http.SameSiteStrictMode,
		ContextKey:     handlers.KeyCSRF,
	})
}

func (s *Server) loginLimiter() echo.MiddlewareFunc {
	store := middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Limit(float64(s.opts.LoginRate) / 60), Burst: s.opts.LoginRate, ExpiresIn: 10 * time.Minute,
	})
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: store,
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return echo.NewHTTPError(http.StatusTooManyRequests, "Too many sign-in attempts. Wait a minute and try again.")
		},
	})
}

func staticHandler() echo.HandlerFunc {
	sub, _ := fs.Sub(static.FS(), ".")
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(c.Response(), c.Request())
		return nil
	}
}
