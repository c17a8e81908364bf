package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/persona-app/persona/accounts"
)

func TestAnonymousVisitorsAreSentToLogin(t *testing.T) {
	app := newTestApp(t)
	resp, _ := app.client().get("/customers")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Fatalf("got %d to %q, want 303 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginWithWrongPasswordShowsAnErrorAndRightPasswordSignsIn(t *testing.T) {
	app := newTestApp(t)
	app.addUser("ada@example.com", accounts.RoleMarketer)
	c := app.client()
	tok := c.csrf("/login")
	resp, doc := c.post("/login", url.Values{"_csrf": {tok}, "email": {"ada@example.com"}, "password": {"wrong password!"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || doc.Find(`[data-testid="login-error"]`).Length() != 1 {
		t.Fatalf("wrong password: status %d, error shown %d", resp.StatusCode, doc.Find(`[data-testid="login-error"]`).Length())
	}
	c.login("ada@example.com")
	resp, doc = c.get("/")
	if resp.StatusCode != http.StatusOK || doc.Find(`[data-testid="whoami"]`).Text() != "ada@example.com" {
		t.Fatalf("after login: status %d, whoami %q", resp.StatusCode, doc.Find(`[data-testid="whoami"]`).Text())
	}
	tok = c.csrf("/")
	resp, _ = c.post("/logout", url.Values{"_csrf": {tok}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout status %d", resp.StatusCode)
	}
	if resp, _ := c.get("/"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("after logout / answered %d, want a redirect to login", resp.StatusCode)
	}
}

func TestFormsWithoutCSRFTokenAreRefused(t *testing.T) {
	app := newTestApp(t)
	app.addUser("ada@example.com", accounts.RoleAdmin)
	c := app.client()
	c.login("ada@example.com")
	resp, _ := c.post("/segments", url.Values{"name": {"x"}, "op": {"save"}})
	if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without CSRF token: status %d, want 400 or 403", resp.StatusCode)
	}
	resp, _ = c.post("/segments", url.Values{"_csrf": {"forged-token"}, "name": {"x"}, "op": {"save"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with a forged CSRF token: status %d, want 403", resp.StatusCode)
	}
}

func TestLoginIsRateLimitedPerClient(t *testing.T) {
	app := newTestApp(t) // 5 attempts a minute
	c := app.client()
	tok := c.csrf("/login")
	codes := []int{}
	for i := 0; i < 7; i++ {
		resp, _ := c.post("/login", url.Values{"_csrf": {tok}, "email": {"nobody@example.com"}, "password": {"guess number " + string(rune('a'+i))}})
		codes = append(codes, resp.StatusCode)
	}
	if codes[0] != http.StatusUnprocessableEntity || codes[6] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want 422 first and 429 once the limit is reached", codes)
	}
}

func TestSecurityHeadersAreSet(t *testing.T) {
	app := newTestApp(t)
	resp, _ := app.client().get("/login")
	for h, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "same-origin",
		"Content-Security-Policy": "default-src 'self'",
	} {
		if got := resp.Header.Get(h); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want it to contain %q", h, got, want)
		}
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "persona_csrf" && (!ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode) {
			t.Errorf("CSRF cookie must be HttpOnly and SameSite=Strict: %+v", ck)
		}
	}
}

// Every state-changing browser route must refuse the read-only manager role. The list of
// routes comes from the router itself, so a new route cannot slip past this test.
func TestManagersCannotChangeAnything(t *testing.T) {
	app := newTestApp(t)
	app.addUser("boss@example.com", accounts.RoleManager)
	c := app.client()
	c.login("boss@example.com")
	tok := c.csrf("/")
	public := map[string]bool{"/login": true, "/logout": true, "/u/:token": true}
	checked := 0
	for _, r := range app.web.Echo().Routes() {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || public[r.Path] || strings.HasPrefix(r.Path, "/api/") || strings.HasPrefix(r.Path, "/static") {
			continue
		}
		path := strings.NewReplacer(":id", "1", ":upload", "0123456789abcdef", ":action", "pause", ":token", "x", ":model", "recsys").Replace(r.Path)
		resp, _ := c.post(path, url.Values{"_csrf": {tok}, "name": {"should not be saved"}, "op": {"save"}})
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s as manager: status %d, want 403", r.Method, r.Path, resp.StatusCode)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d state-changing routes checked; the route walk is broken", checked)
	}
	// Write pages reached by GET (forms) are refused too, and reading works.
	for _, p := range []string{"/segments/new", "/templates/new", "/campaigns/new", "/imports/new", "/admin/users"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as manager: %d, want 403", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/", "/customers", "/segments", "/templates", "/campaigns", "/outbox", "/models"} {
		if resp, _ := c.get(p); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s as manager: %d, want 200", p, resp.StatusCode)
		}
	}
	var n int64
	app.db.Raw("SELECT COUNT(*) FROM segments").Scan(&n)
	if n != 0 {
		t.Fatalf("a manager's POST created %d segments", n)
	}
}

func TestTheLastAdminCannotBeDemotedAndIsToldWhy(t *testing.T) {
	app := newTestApp(t)
	app.addUser("root@example.com", accounts.RoleAdmin)
	c := app.client()
	c.login("root@example.com")
	_, doc := c.get("/admin/users")
	tok, _ := doc.Find(`input[name="_csrf"]`).First().Attr("value")
	var id int64
	app.db.Raw(`SELECT id FROM users WHERE email = 'root@example.com'`).Scan(&id)
	resp, doc := c.post("/admin/users/"+strconv.FormatInt(id, 10)+"/role", url.Values{"_csrf": {tok}, "role": {"manager"}})
	msg := doc.Find(`[data-testid="error-role"]`).Text()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(msg, "at least one admin") || strings.Contains(msg, "accounts:") {
		t.Fatalf("demoting the last admin: %d %q", resp.StatusCode, msg)
	}
}
