package segments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/store"
)

// windowShop is a database whose features were rebuilt at testNow, with events of every
// window type crowded around the starts of the 7, 30 and 90-day windows (as seen from
// testNow and from two hours either side of it), a few in the future, and one customer
// added after the rebuild (no features row, no events).
func windowShop(t *testing.T) *store.DB {
	t.Helper()
	db := store.OpenTest(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.WithContext(ctx).Exec(sql, args...).Error; err != nil {
			t.Fatalf("window shop: %v\n%s", err, sql)
		}
	}
	created := at("2025-01-01 00:00")
	countries := []string{"DE", "FR", "DE", "GB"}
	for id := 1; id <= 16; id++ {
		exec(`INSERT INTO customers (id, external_id, country, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
			id, fmt.Sprintf("c%d", id), countries[id%len(countries)], created, created)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	key := 0
	for id := 1; id <= 15; id++ { // customer 16 has no events
		for _, typ := range []string{"view", "cart", "search", "purchase"} {
			for _, days := range []int{7, 30, 90} {
				start := testNow.Add(-time.Duration(days) * 24 * time.Hour)
				for range rng.IntN(4) {
					// Whole half hours from 3 h before the start to 3 h after it: on the
					// starts seen from testNow and from testNow ± 2 h, and between them.
					at := start.Add(time.Duration(rng.IntN(13)-6) * 30 * time.Minute)
					key++
					exec(`INSERT INTO events (customer_id, type, occurred_at, dedup_key, created_at) VALUES (?, ?, ?, ?, ?)`,
						id, typ, at, fmt.Sprintf("k%d", key), created)
				}
			}
			if rng.IntN(5) == 0 {
				key++
				exec(`INSERT INTO events (customer_id, type, occurred_at, dedup_key, created_at) VALUES (?, ?, ?, ?, ?)`,
					id, typ, testNow.Add(time.Hour), fmt.Sprintf("k%d", key), created)
			}
		}
	}
	if err := customers.NewService(db, func() time.Time { return testNow }).RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO customers (id, external_id, country, created_at, updated_at) VALUES (17, 'c17', 'DE', ?, ?)`,
		testNow.Add(time.Minute), testNow.Add(time.Minute))
	return db
}

// windowRules are behaviour rules the window fast path can answer, alone and mixed.
func windowRules() map[string]string {
	out := map[string]string{}
	for _, ev := range []string{"view", "cart", "search"} {
		for _, days := range []int{7, 30, 90} {
			for name, b := range map[string]string{
				"at least once": ``, "at least twice": `,"min_count":2`, "at most once": `,"max_count":1`,
				"once or twice": `,"min_count":1,"max_count":2`, "not": `,"did":false`, "not twice": `,"did":false,"min_count":2`,
			} {
				cond := fmt.Sprintf(`{"behaviour":{"event":%q,"days":%d%s}}`, ev, days, b)
				out[fmt.Sprintf("%s %s in %d days", ev, name, days)] = one(cond)
				out[fmt.Sprintf("Germans who %s %s in %d days", ev, name, days)] =
					`{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},` + cond + `]}`
				out[fmt.Sprintf("frequent or %s %s in %d days", ev, name, days)] =
					`{"match":"any","conditions":[{"field":"event_count","op":"gte","value":30},` + cond + `]}`
			}
		}
	}
	return out
}

func TestWindowCountsEqualCountsOfEvents(t *testing.T) {
	db := windowShop(t)
	ctx := context.Background()
	for _, clock := range []struct {
		name string
		now  time.Time
	}{
		{"at the rebuild", testNow},
		{"two hours after the rebuild", testNow.Add(2 * time.Hour)},
		{"two hours before the rebuild", testNow.Add(-2 * time.Hour)},
	} {
		svc := NewService(db, func() time.Time { return clock.now })
		matched := 0
		for name, rules := range windowRules() {
			r := mustRules(t, rules)
			query, _, _, err := svc.countQuery(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			// PostgreSQL never takes the fast path; the counts must agree all the same.
			fast := windowColumnRE.MatchString(query) && !strings.Contains(query, "GROUP BY")
			if fast != (db.Dialect == "sqlite") {
				t.Errorf("%s, %s: window fast path taken is %v on %s: %s", clock.name, name, fast, db.Dialect, query)
			}
			if corrects := strings.Contains(query, "events g"); fast && corrects == clock.now.Equal(testNow) {
				t.Errorf("%s, %s: correction from events is %v", clock.name, name, corrects)
			}
			got, err := svc.Count(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			if want := slowCount(t, svc, r); got != want {
				t.Errorf("%s, %s: Count = %d, counted from events %d", clock.name, name, got, want)
			}
			if got > 0 && got < 17 {
				matched++
			}
		}
		// The fixture must tell the windows apart, or equal counts prove nothing.
		if matched < len(windowRules())/2 {
			t.Errorf("%s: only %d rules matched some but not all customers", clock.name, matched)
		}
	}
}

func TestWindowFastPathIsNotTakenWhenFeaturesMayBeStale(t *testing.T) {
	rules := mustRules(t, one(`{"behaviour":{"event":"view","min_count":2,"days":30}}`))
	tests := []struct {
		name    string
		now     time.Time
		prepare func(t *testing.T, db *store.DB)
	}{
		{"the features are more than a day and a half old", testNow.Add(37 * time.Hour), nil},
		{"an event was stored after the rebuild", testNow.Add(time.Hour), func(t *testing.T, db *store.DB) {
			mustExec(t, db, `INSERT INTO events (customer_id, type, occurred_at, dedup_key, created_at) VALUES (1, 'view', ?, 'late', ?)`,
				testNow.Add(-time.Hour), testNow.Add(time.Minute))
		}},
		{"one customer's features were refreshed later", testNow.Add(time.Hour), func(t *testing.T, db *store.DB) {
			mustExec(t, db, `UPDATE customer_features SET computed_at = ? WHERE customer_id = 3`, testNow.Add(time.Minute))
		}},
		{"a features row was never computed", testNow.Add(time.Hour), func(t *testing.T, db *store.DB) {
			mustExec(t, db, `UPDATE customer_features SET computed_at = NULL WHERE customer_id = 3`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := windowShop(t)
			if tt.prepare != nil {
				tt.prepare(t, db)
			}
			svc := NewService(db, func() time.Time { return tt.now })
			query, _, _, err := svc.countQuery(context.Background(), rules)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(query, "views_30d") || !strings.Contains(query, "GROUP BY") {
				t.Errorf("window fast path taken: %s", query)
			}
			got, err := svc.Count(context.Background(), rules)
			if err != nil {
				t.Fatal(err)
			}
			if want := slowCount(t, svc, rules); got != want {
				t.Errorf("Count = %d, counted from events %d", got, want)
			}
		})
	}
}

var windowColumnRE = regexp.MustCompile(`f\.(views|carts|searches)_(7|30|90)d`)

func mustExec(t *testing.T, db *store.DB, sql string, args ...any) {
	t.Helper()
	if err := db.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}
