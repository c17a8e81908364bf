package clusters

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

var testNow = time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)

func daysAgo(d int) time.Time { return testNow.Add(-time.Duration(d) * 24 * time.Hour) }

// group is one kind of fixture customer; customers of a group differ a little by index.
type group struct {
	name      string
	ids       []int64
	features  func(i int) map[string]any
	topCats   string
	attribute string
	// signedUp is how many days before testNow the first customer of the group signed up.
	signedUp int
}

// fixtureGroups are three clearly different kinds of customer, ten of each: recent big
// spenders in Electronics, lapsed one-off Garden buyers, and new browsers who never ordered.
var fixtureGroups = []group{
	{name: "champions", features: func(i int) map[string]any {
		return map[string]any{"frequency": 20 + i%3, "monetary": 2000 + 50*i, "avg_order_value": 100 + i,
			"browse_seconds": 600 + i, "views_30d": 40 + i%4, "carts_30d": 8, "purchases_90d": 6, "last_order_at": daysAgo(2 + i%3)}
	}, topCats: "Electronics:0.70,Books:0.20", attribute: `{"points":"900"}`, signedUp: 400},
	{name: "lapsed", features: func(i int) map[string]any {
		return map[string]any{"frequency": 1, "monetary": 30 + i, "avg_order_value": 30 + i,
			"browse_seconds": 10, "views_30d": 0, "carts_30d": 0, "purchases_90d": 0, "last_order_at": daysAgo(300 + i)}
	}, topCats: "Garden:0.90", attribute: `{"points":"20"}`, signedUp: 500},
	{name: "browsers", features: func(i int) map[string]any {
		return map[string]any{"frequency": 0, "monetary": 0, "avg_order_value": 0,
			"browse_seconds": 3000 + 10*i, "views_30d": 80 + i, "carts_30d": 3, "purchases_90d": 0, "last_order_at": nil}
	}, topCats: "", attribute: `{}`, signedUp: 30},
}

// openFixture fills a test database with the fixture groups (customer ids 1..30) and
// returns a Service on testNow.
func openFixture(t *testing.T) (*store.DB, *Service) {
	t.Helper()
	db := store.OpenTest(t)
	id := int64(0)
	for g := range fixtureGroups {
		fixtureGroups[g].ids = nil
		for i := range 10 {
			id++
			fixtureGroups[g].ids = append(fixtureGroups[g].ids, id)
			f := fixtureGroups[g].features(i)
			mustExec(t, db, `INSERT INTO customers (id, external_id, signup_at, attributes, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?)`, id, fmt.Sprintf("c%d", id), daysAgo(fixtureGroups[g].signedUp+i), fixtureGroups[g].attribute, testNow, testNow)
			mustExec(t, db, `INSERT INTO customer_features (customer_id, frequency, monetary, avg_order_value,
				browse_seconds, views_30d, carts_30d, purchases_90d, last_order_at, top_categories, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, f["frequency"], f["monetary"], f["avg_order_value"],
				f["browse_seconds"], f["views_30d"], f["carts_30d"], f["purchases_90d"], f["last_order_at"],
				fixtureGroups[g].topCats, testNow)
		}
	}
	return db, NewService(db, func() time.Time { return testNow })
}

func mustExec(t *testing.T, db *store.DB, sql string, args ...any) {
	t.Helper()
	if err := db.WithContext(context.Background()).Exec(sql, args...).Error; err != nil {
		t.Fatalf("%v\n%s", err, sql)
	}
}

func count(t *testing.T, db *store.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.WithContext(context.Background()).Raw(sql, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// assignments returns each customer's cluster key and model id.
func assignments(t *testing.T, db *store.DB) (keys map[int64]int, models map[int64]bool) {
	t.Helper()
	var rows []struct {
		CustomerID int64
		ModelID    int64
		ClusterKey int
		Distance   float64
	}
	if err := db.WithContext(context.Background()).Raw(`SELECT customer_id, model_id, cluster_key, distance
		FROM customer_clusters`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	keys, models = map[int64]int{}, map[int64]bool{}
	for _, r := range rows {
		keys[r.CustomerID] = r.ClusterKey
		models[r.ModelID] = true
		if r.Distance < 0 || math.IsNaN(r.Distance) {
			t.Errorf("customer %d: distance %v", r.CustomerID, r.Distance)
		}
	}
	return keys, models
}

// groupKeys checks that every group sits in one cluster of its own and returns its key.
func groupKeys(t *testing.T, keys map[int64]int) []int {
	t.Helper()
	var out []int
	for _, g := range fixtureGroups {
		k := keys[g.ids[0]]
		for _, id := range g.ids {
			if keys[id] != k {
				t.Errorf("%s: customer %d in cluster %d, customer %d in %d", g.name, id, keys[id], g.ids[0], k)
			}
		}
		if slices.Contains(out, k) {
			t.Errorf("%s shares cluster %d with another group", g.name, k)
		}
		out = append(out, k)
	}
	return out
}
