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
	{1, "anna@example.com", "Anna", "Schmidt", "f", "Berlin", "DE", "Europe/Berlin", "2024-01-10 09:00", "1990-05-01", true, false, `{"plan":"gold","tier":"1","points":"150","renewal":"2025-07-01","newsletter":"yes"}`},
	{2, "ben@example.com", "Ben", "Müller", "m", "Munich", "DE", "Europe/Berlin", "2025-06-01 09:00", "1985-02-11", true, true, `{"plan":"silver","points":100,"renewal":"2025-06-01T10:00:00Z","newsletter":true}`},
	{3, "chloe@example.fr", "Chloé", "Martin", "f", "Paris", "FR", "Europe/Paris", "2023-03-03 09:00", "", false, false, `{"points":"99.5","renewal":"2024-12-31","newsletter":"No"}`},
	{4, "dan@example.co.uk", "Dan", "Smith", "m", "London", "GB", "Europe/London", "2025-05-20 09:00", "2000-12-31", true, false, `{"plan":"gold","points":"lots","renewal":"next year","newsletter":"0"}`},
	{5, "", "Eve", "", "", "", "DE", "", "", "", false, false, `{"plan":"Gold","points":"-20","renewal":"2025-06-10","newsletter":"TRUE"}`},
	{6, "frank_o@shop.ie", "Frank", "O'Brien", "m", "Cork", "IE", "Europe/Dublin", "2022-07-01 09:00", "1970-01-01", false, true, `{"plan":"bronze","note":"x' OR '1'='1","points":"1e3","newsletter":"maybe"}`},
	{7, "grace@example.com", "Grace", "Hopper", "f", "100% Town", "US", "America/New_York", "2024-12-24 09:00", "1906-12-09", true, true, `{"points":true,"newsletter":false}`},
	{8, "hans@example.de", "Hans", "Meier", "m", "Hamburg", "DE", "Europe/Berlin", "2025-06-14 09:00", "", false, false, `{"points":"","newsletter":1}`},
	{9, "ida@example.se", "Ida", "Berg", "f", "Malmö", "SE", "Europe/Stockholm", "2025-01-15 09:00", "1995-07-07", true, false, `{"vip":"yes","points":"100.0","renewal":20250101}`},
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

// fixtureScores are the RFM scores, tier and windowed counts of the features rows, in the
// same order; days -1 is a NULL days_since_signup.
var fixtureScores = []struct {
	r, f, m                          int
	tier                             string
	days                             int
	views7, views30, carts30, buys90 int
}{
	{5, 5, 5, "champions", 522, 3, 3, 0, 2},
	{5, 1, 1, "new customers", 14, 1, 1, 0, 1},
	{2, 3, 3, "need attention", 835, 0, 1, 1, 1},
	{3, 2, 2, "potential loyalists", 26, 0, 0, 0, 1},
	{0, 0, 0, "", -1, 0, 0, 0, 0},
	{1, 5, 5, "can't lose them", 1080, 0, 0, 0, 0},
	{3, 1, 2, "about to sleep", 173, 0, 0, 1, 0},
	{0, 0, 0, "", 151, 3, 3, 0, 0},
	{5, 4, 4, "champions", 406, 0, 0, 0, 2},
}

// fixtureClusters assigns six customers to clusters of model 1 by key; 5, 7, 8 and 9
// have none. fixturePropensity scores six customers; 5, 7, 8 and 10 have no score.
var (
	fixtureClusters   = map[int64]int{1: 0, 2: 1, 3: 1, 4: 2, 6: 0, 10: 3}
	fixturePropensity = map[int64]float64{1: 0.9, 2: 0.3, 3: 0.29, 4: 0.05, 6: 0.5, 9: 0}
)

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
	amount   float64
}{
	{"O1", 1, 1, "2025-06-10 12:00", 120},
	{"O1", 1, 3, "2025-06-10 12:00", 30},
	{"O2", 1, 2, "2025-06-01 10:00", 80},
	{"O3", 1, 3, "2025-03-01 10:00", 20},
	{"O4", 2, 1, "2025-06-05 12:00", 50},
	{"O5", 3, 3, "2025-04-16 12:00", 40},
	{"O6", 4, 2, "2025-05-16 12:00", 100}, // exactly at the 30-day cut-off: counts
	{"O8", 10, 1, "2025-06-14 12:00", 60},
	{"O8", 10, 2, "2025-06-14 12:00", 90},
	{"O9", 10, 4, "2025-06-12 10:00", 15},
	{"O10", 6, 1, "2024-06-15 12:00", 2000},
}

// fixtureEvents have a value only where it is given (0 is NULL).
var fixtureEvents = []struct {
	customer int64
	typ      string
	product  int64 // 0: none
	at       string
	value    float64
}{
	{1, "view", 1, "2025-06-14 10:00", 0},
	{1, "view", 2, "2025-06-13 10:00", 0},
	{1, "view", 3, "2025-06-12 10:00", 0},
	{1, "view", 1, "2025-04-01 10:00", 0},
	{2, "view", 1, "2025-06-10 10:00", 0},
	{3, "view", 3, "2025-06-01 10:00", 0},
	{3, "cart", 3, "2025-06-01 10:05", 25},
	{5, "view", 1, "2025-05-01 10:00", 0},
	{5, "purchase", 1, "2025-06-14 10:00", 0}, // a purchase event with no order: not a purchase
	{7, "cart", 2, "2025-06-11 10:00", 80},
	{9, "view", 1, "2025-06-14 10:00", 0},
	{9, "view", 2, "2025-06-14 10:10", 0},
	{9, "view", 4, "2025-06-13 10:00", 0},
	{9, "search", 0, "2025-06-13 10:20", 0},
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
	for i, f := range fixtureFeatures {
		sc := fixtureScores[i]
		var days any
		if sc.days >= 0 {
			days = sc.days
		}
		exec(`INSERT INTO customer_features (customer_id, frequency, monetary, avg_order_value, browse_seconds,
			event_count, last_order_at, last_activity_at, updated_at, recency_score, frequency_score, monetary_score,
			rfm_tier, days_since_signup, views_7d, views_30d, carts_30d, purchases_90d)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.customer, f.frequency, f.monetary, f.aov, f.browse, f.events, ts(f.lastOrder), ts(f.lastActivity), created,
			sc.r, sc.f, sc.m, sc.tier, days, sc.views7, sc.views30, sc.carts30, sc.buys90)
	}
	for _, p := range fixtureProducts {
		exec(`INSERT INTO products (id, external_id, name, category, price, created_at, updated_at) VALUES (?, ?, ?, ?, 10, ?, ?)`,
			p.id, fmt.Sprintf("p%d", p.id), p.name, p.category, created, created)
	}
	for _, o := range fixtureOrders {
		exec(`INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at)
			VALUES (?, ?, ?, 1, ?, ?, ?, ?)`, o.orderID, o.customer, o.product, o.amount, o.amount, at(o.at), created)
	}
	for i, e := range fixtureEvents {
		var product any
		if e.product != 0 {
			product = e.product
		}
		var value any
		if e.value != 0 {
			value = e.value
		}
		exec(`INSERT INTO events (customer_id, type, product_id, occurred_at, value, dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			e.customer, e.typ, product, at(e.at), value, fmt.Sprintf("k%d", i), created)
	}
	exec(`INSERT INTO cluster_models (id, trained_at, k, features, inertia, silhouette, data) VALUES (1, ?, 4, 'recency,frequency', 1, 0.5, ?)`, created, []byte{0})
	for key := range 4 {
		exec(`INSERT INTO clusters (model_id, cluster_key, label, size) VALUES (1, ?, ?, 0)`, key, fmt.Sprintf("Cluster %d", key))
	}
	for customer, key := range fixtureClusters {
		exec(`INSERT INTO customer_clusters (customer_id, model_id, cluster_key, distance) VALUES (?, 1, ?, 0.5)`, customer, key)
	}
	exec(`INSERT INTO propensity_models (id, trained_at, horizon_days, data) VALUES (1, ?, 30, ?)`, created, []byte{0})
	for customer, score := range fixturePropensity {
		exec(`INSERT INTO propensity_scores (customer_id, model_id, score, scored_at) VALUES (?, 1, ?, ?)`, customer, score, created)
	}
	return db, NewService(db, func() time.Time { return testNow })
}
