// Package templates holds Persona's templ components: the layout, pages, tables, forms,
// charts and empty states, with the view-model structs they take. Components never query
// the database and never see echo.Context.
package templates

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Page is what the layout needs on every page.
type Page struct {
	Title  string
	Active string // nav key
	User   *User
	CSRF   string
	Flash  string
	// Error is a page-level message (a failed action), shown above the content.
	Error string
}

// User is the signed-in user as the layout shows it.
type User struct {
	Email    string
	Role     string
	CanWrite bool
	IsAdmin  bool
}

// NavItem is one entry of the side navigation.
type NavItem struct {
	Key, Label, Href string
	AdminOnly        bool
}

// Nav lists the side navigation in order.
var Nav = []NavItem{
	{Key: "dashboard", Label: "Dashboard", Href: "/"},
	{Key: "customers", Label: "Customers", Href: "/customers"},
	{Key: "imports", Label: "Import", Href: "/imports/new"},
	{Key: "segments", Label: "Segments", Href: "/segments"},
	{Key: "templates", Label: "Templates", Href: "/templates"},
	{Key: "campaigns", Label: "Campaigns", Href: "/campaigns"},
	{Key: "models", Label: "Models", Href: "/models"},
	{Key: "outbox", Label: "Outbox", Href: "/outbox"},
	{Key: "users", Label: "Users", Href: "/admin/users", AdminOnly: true},
	{Key: "apikeys", Label: "API keys", Href: "/admin/apikeys", AdminOnly: true},
}

// FieldErrors maps form field names to messages.
type FieldErrors map[string]string

// Pager describes one page of a long list.
type Pager struct {
	Page, PerPage, Total int
	// BaseURL is the list URL with every query parameter but page, ending in ? or &.
	BaseURL string
}

// Pages is the number of pages.
func (p Pager) Pages() int {
	if p.PerPage <= 0 {
		return 1
	}
	n := (p.Total + p.PerPage - 1) / p.PerPage
	if n < 1 {
		n = 1
	}
	return n
}

// URL returns the link to page n.
func (p Pager) URL(n int) string { return p.BaseURL + "page=" + strconv.Itoa(n) }

func itoa(n int) string     { return strconv.Itoa(n) }
func i64(n int64) string    { return strconv.FormatInt(n, 10) }
func fmtInt(n int64) string { return groupThousands(strconv.FormatInt(n, 10)) }

func groupThousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func money(v float64) string {
	whole := int64(v)
	cents := int64((v-float64(whole))*100 + 0.5)
	if cents >= 100 {
		whole++
		cents -= 100
	}
	return "€" + groupThousands(strconv.FormatInt(whole, 10)) + fmt.Sprintf(".%02d", cents)
}

func pct(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func fmtTimePtr(t *time.Time) string {
	if t == nil {
		return "–"
	}
	return fmtTime(*t)
}

func fmtDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02")
}

func fmtFloat(v float64, prec int) string { return strconv.FormatFloat(v, 'f', prec, 64) }
