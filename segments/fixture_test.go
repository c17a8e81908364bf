package segments

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// testNow is the clock of every test: "30 days ago" is 2025-05-16 12:00 UTC.
var testNow = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// day is midnight UTC of a date; empty means NULL.
func day(s string) any {
	if s == "" {
		return nil
	}
	return at(s + " 00:00")
}

func ts(s string) any {
	if s == "" {
		return nil
	}
	return at(s)
}

// fixtureCustomers are ten hand-made customers; the expected counts in the tests are
// worked out by hand from these rows. id 8 has no customer_features row at all.
var fixtureCustomers = []struct {
	id                                            int64
	email, first, last, gender, city, country, tz string
	signup, birth                                 string
	consentEmail, consentPush                     bool
	attributes                                    string
}{
	{1, "anna@example.com", "Anna", "Schmidt", "f", "Berlin", "DE", "Europe/Berlin", "2024-01-10 09:00", "1990-05-01", true, false, `{"plan":"gold","tier":"1"}`},
	{2, "ben@example.com", "Ben", "Müller", "m", "Munich", "DE", "Europe/Berlin", "2025-06-01 09:00", "1985-02-11", true, true, `{"plan":"silver"}`},
	{3, "chloe@example.fr", "Chloé", "Martin", "f", "Paris", "FR", "Europe/Paris", "2023-03-03 09:00", "", false, false, `{}`},
	{4, "dan@example.co.uk", "Dan", "Smith", "m", "London", "GB", "Europe/London", "2025-05-20 09:00", "2000-12-31", true, false, `{"plan":"gold"}`},
	{5, "", "Eve", "", "", "", "DE", "", "", "", false, false, `{"plan":"Gold"}`},
	{6, "frank_o@shop.ie", "Frank", "O'Brien", "m", "Cork", "IE", "Europe/Dublin", "2022-07-01 09:00", "1970-01-01", false, true, `{"plan":"bronze","note":"x' OR '1'='1"}`},
	{7, "grace@example.com", "Grace", "Hopper", "f", "100% Town", "US", "America/New_York", "2024-12-24 09:00", "1906-12-09", true, true, `{}`},
	{8, "hans@example.de", "Hans", "Meier", "m", "Hamburg", "DE", "Europe/Berlin", "2025-06-14 09:00", "", false, false, `{}`},
	{9, "ida@example.se", "Ida", "Berg", "f", "Malmö", "SE", "Europe/Stockholm", "2025-01-15 09:00", "1995-07-07", true, false, `{"vip":"yes"}`},
	{10, "jon@example.no", "Jon", "Dahl", "m", "Oslo", "NO", "Europe/Oslo", "2024-05-05 09:00", "1988-08-08", false, false, `{"plan":"gold","vip":"no"}`},
}

var fixtureFeatures = []struct {
	customer                int64
	frequency               int
	monetary, aov, browse   float64
	events                  int
	lastOrder, lastActivity string
}{
	{1, 5, 500, 100, 3600, 40, "2025-06-10 12:00", "2025-06-14 10:00"},
	{2, 1, 50, 50, 600, 10, "2025-06-05 12:00", "2025-06-10 10:00"},
	{3, 3, 120, 40, 100, 5, "2025-04-16 12:00", "2025-06-01 10:00"},
	{4, 2, 100, 50, 0, 2, "2025-05-16 12:00", "2025-05-16 12:00"}, // last order exactly 30 days ago
	{5, 0, 0, 0, 0, 0, "", ""},
	{6, 10, 2000, 200, 0, 8, "2024-06-15 12:00", "2024-06-15 12:00"},
	{7, 1, 99.99, 99.99, 30, 1, "2025-05-15 12:00", "2025-06-11 10:00"}, // 31 days ago
	{9, 0, 0, 0, 1200, 20, "", "2025-06-14 10:00"},
	{10, 4, 300, 75, 60, 6, "2025-06-14 12:00", "2025-06-14 12:00"},
}

var fixtureProducts = []struct {
	id             int64
	name, category string
}{
	{1, "Runner", "Shoes"}, {2, "Boot", "Shoes"}, {3, "Tee", "Shirts"}, {4, "Mug", "Home"},
}

// fixtureOrders are order lines: O1 and O8 have two lines each.
var fixtureOrders = []struct {
	orderID  string
	customer int64
	product  int64
	at       string
}{
	{"O1", 1, 1, "2025-06-10 12:00"},
	{"O1", 1, 3, "2025-06-10 12:00"},
	{"O2", 1, 2, "2025-06-01 10:00"},
	{"O3", 1, 3, "2025-03-01 10:00"},
	{"O4", 2, 1, "2025-06-05 12:00"},
	{"O5", 3, 3, "2025-04-16 12:00"},
	{"O6", 4, 2, "2025-05-16 12:00"}, // exactly at the 30-day cut-off: counts
	{"O8", 10, 1, "2025-06-14 12:00"},
	{"O8", 10, 2, "2025-06-14 12:00"},
	{"O9", 10, 4, "2025-06-12 10:00"},
	{"O10", 6, 1, "2024-06-15 12:00"},
}

var fixtureEvents = []struct {
	customer int64
	typ      string
	product  int64 // 0: none
	at       string
}{
	{1, "view", 1, "2025-06-14 10:00"},
	{1, "view", 2, "2025-06-13 10:00"},
	{1, "view", 3, "2025-06-12 10:00"},
	{1, "view", 1, "2025-04-01 10:00"},
	{2, "view", 1, "2025-06-10 10:00"},
	{3, "view", 3, "2025-06-01 10:00"},
	{3, "cart", 3, "2025-06-01 10:05"},
	{5, "view", 1, "2025-05-01 10:00"},
	{5, "purchase", 1, "2025-06-14 10:00"}, // a purchase event with no order: not a purchase
	{7, "cart", 2, "2025-06-11 10:00"},
	{9, "view", 1, "2025-06-14 10:00"},
	{9, "view", 2, "2025-06-14 10:10"},
	{9, "view", 4, "2025-06-13 10:00"},
	{9, "search", 0, "2025-06-13 10:20"},
}

// openFixture opens a test database holding the fixture rows, and a Service on testNow.
func openFixture(t testing.TB) (*store.DB, *Service) {
	t.Helper()
	db := store.OpenTest(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.WithContext(context.Background()).Exec(sql, args...).Error; err != nil {
			t.Fatalf("fixture: %v\n%s", err, sql)
		}
	}
	created := at("2025-01-01 00:00")
	for _, c := range fixtureCustomers {
		exec(`INSERT INTO customers (id, external_id, email, first_name, last_name, gender, city, country, timezone,
			signup_at, birth_date, consent_email, consent_push, attributes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.id, fmt.Sprintf("c%d", c.id), c.email, c.first, c.last, c.gender, c.city, c.country, c.tz,
			ts(c.signup), day(c.birth), c.consentEmail, c.consentPush, c.attributes, created, created)
	}
	for _, f := range fixtureFeatures {
		exec(`INSERT INTO customer_features (customer_id, frequency, monetary, avg_order_value, browse_seconds,
			event_count, last_order_at, last_activity_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.customer, f.frequency, f.monetary, f.aov, f.browse, f.events, ts(f.lastOrder), ts(f.lastActivity), created)
	}
	for _, p := range fixtureProducts {
		exec(`INSERT INTO products (id, external_id, name, category, price, created_at, updated_at) VALUES (?, ?, ?, ?, 10, ?, ?)`,
			p.id, fmt.Sprintf("p%d", p.id), p.name, p.category, created, created)
	}
	for _, o := range fixtureOrders {
		exec(`INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at)
			VALUES (?, ?, ?, 1, 10, 10, ?, ?)`, o.orderID, o.customer, o.product, at(o.at), created)
	}
	for i, e := range fixtureEvents {
		var product any
		if e.product != 0 {
			product = e.product
		}
		exec(`INSERT INTO events (customer_id, type, product_id, occurred_at, dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			e.customer, e.typ, product, at(e.at), fmt.Sprintf("k%d", i), created)
	}
	return db, NewService(db, func() time.Time { return testNow })
}
