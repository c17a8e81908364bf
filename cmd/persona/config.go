package main

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/store"
)

// Config is every setting Persona reads, from the environment first and then from the
// subcommand's flags. It is validated once, before anything starts.
type Config struct {
	DatabaseURL string // DATABASE_URL, --db
	Addr        string // PERSONA_ADDR, --addr
	BaseURL     string // PERSONA_BASE_URL
	LogLevel    string // PERSONA_LOG_LEVEL

	SMTP campaigns.SMTPOptions // PERSONA_SMTP_*, PERSONA_MAIL_FROM

	Workers           int           // PERSONA_SEND_WORKERS
	ClaimTTL          time.Duration // PERSONA_CLAIM_TTL
	AttributionWindow time.Duration // PERSONA_ATTRIBUTION_DAYS
	AdminEmail        string        // PERSONA_ADMIN_EMAIL
	AdminPassword     string        // PERSONA_ADMIN_PASSWORD
	LoginRate         int           // PERSONA_LOGIN_RATE
}

// envVars documents every variable; the README table is written from the same list.
var envVars = []struct{ Name, Default, Meaning string }{
	{"DATABASE_URL", "persona.db", "SQLite file path, or a postgres:// URL. `--db FILE` overrides it for any subcommand."},
	{"PERSONA_ADDR", "127.0.0.1:8080", "Address `serve` and `demo` listen on (`--addr`)."},
	{"PERSONA_BASE_URL", "http://ADDR", "Public URL of this Persona, used in tracked links, the open pixel and unsubscribe links. Use https in production."},
	{"PERSONA_SMTP_HOST", "(empty: in-app outbox)", "SMTP server. When empty, email goes to the in-app outbox."},
	{"PERSONA_SMTP_PORT", "587", "SMTP port."},
	{"PERSONA_SMTP_TLS", "starttls", "`none`, `starttls` or `tls`."},
	{"PERSONA_SMTP_USER", "", "SMTP user (PLAIN/LOGIN auth when set)."},
	{"PERSONA_SMTP_PASSWORD", "", "SMTP password."},
	{"PERSONA_MAIL_FROM", "Persona <persona@localhost>", "From address of campaign email."},
	{"PERSONA_SEND_WORKERS", "4", "Concurrent send workers."},
	{"PERSONA_CLAIM_TTL", "10m", "How long a send worker holds a batch; a killed process's unsent batch is picked up after this."},
	{"PERSONA_ATTRIBUTION_DAYS", "7", "Days after a click in which an order counts as a conversion."},
	{"PERSONA_LOGIN_RATE", "10", "Sign-in attempts per minute per client address."},
	{"PERSONA_LOG_LEVEL", "info", "`debug`, `info`, `warn` or `error`."},
	{"PERSONA_ADMIN_EMAIL", "admin@example.com", "`demo` only: the admin it creates."},
	{"PERSONA_ADMIN_PASSWORD", "persona-demo", "`demo` only: that admin's password."},
}

func loadConfig(getenv func(string) string) (Config, error) {
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	fe := store.FieldErrors{}
	intVar := func(name string, def int) int {
		v := env(name, strconv.Itoa(def))
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			fe.Add(name, fmt.Sprintf("%q is not a positive whole number", v))
			return def
		}
		return n
	}
	c := Config{
		DatabaseURL:   env("DATABASE_URL", "persona.db"),
		Addr:          env("PERSONA_ADDR", "127.0.0.1:8080"),
		BaseURL:       env("PERSONA_BASE_URL", ""),
		LogLevel:      env("PERSONA_LOG_LEVEL", "info"),
		AdminEmail:    env("PERSONA_ADMIN_EMAIL", "admin@example.com"),
		AdminPassword: env("PERSONA_ADMIN_PASSWORD", "persona-demo"),
		SMTP: campaigns.SMTPOptions{
			Host:     env("PERSONA_SMTP_HOST", ""),
			TLS:      env("PERSONA_SMTP_TLS", "starttls"),
			User:     env("PERSONA_SMTP_USER", ""),
			Password: getenv("PERSONA_SMTP_PASSWORD"),
			From:     env("PERSONA_MAIL_FROM", "Persona <persona@localhost>"),
		},
	}
	c.SMTP.Port = intVar("PERSONA_SMTP_PORT", 587)
	c.Workers = intVar("PERSONA_SEND_WORKERS", 4)
	ttl := env("PERSONA_CLAIM_TTL", "10m")
	if d, err := time.ParseDuration(ttl); err != nil || d < time.Second {
		fe.Add("PERSONA_CLAIM_TTL", fmt.Sprintf("%q is not a duration of at least 1s (like 10m or 30s)", ttl))
	} else {
		c.ClaimTTL = d
	}
	c.AttributionWindow = time.Duration(intVar("PERSONA_ATTRIBUTION_DAYS", 7)) * 24 * time.Hour
	c.LoginRate = intVar("PERSONA_LOGIN_RATE", 10)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		fe.Add("PERSONA_LOG_LEVEL", fmt.Sprintf("%q is not one of debug, info, warn, error", c.LogLevel))
	}
	return c, fe.Err()
}

// finish fills defaults that depend on flags and checks combinations.
func (c *Config) finish() error {
	fe := store.FieldErrors{}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fe.Add("PERSONA_BASE_URL", fmt.Sprintf("%q is not an http(s) URL", c.BaseURL))
	}
	if c.SMTP.Host != "" {
		if err := c.SMTP.Validate(); err != nil {
			if sub, ok := store.AsFieldErrors(err); ok {
				for k, v := range sub {
					fe.Add(k, v)
				}
			} else {
				fe.Add("PERSONA_SMTP_HOST", err.Error())
			}
		}
	}
	return fe.Err()
}
