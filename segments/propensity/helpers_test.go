package propensity

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// testNow is the injected clock of the service tests.
var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// days returns d days (fractional allowed) as a duration.
func days(d float64) time.Duration { return time.Duration(d * 24 * float64(time.Hour)) }

// fixture collects customers, products, orders and events and inserts them with plain SQL.
type fixture struct {
	customers, products, orders, events, sessions [][]any
}

// eventKeys numbers the events of every fixture, so dedup keys never collide.
var eventKeys atomic.Int64

func (f *fixture) customer(id int64, signup *time.Time) {
	var s any
	if signup != nil {
		s = signup.UTC()
	}
	f.customers = append(f.customers, []any{id, fmt.Sprintf("c%d", id), s, testNow, testNow})
}

func (f *fixture) product(id int64, category string) {
	f.products = append(f.products, []any{id, fmt.Sprintf("p%d", id), category, testNow, testNow})
}

func (f *fixture) order(orderID string, customer, product int64, amount float64, at time.Time) {
	f.orders = append(f.orders, []any{orderID, customer, product, 1.0, amount, amount, at.UTC(), testNow})
}

// event adds an event; value < 0 stores NULL.
func (f *fixture) event(customer int64, typ string, at time.Time, value float64) {
	var v any
	if value >= 0 {
		v = value
	}
	f.events = append(f.events, []any{customer, typ, at.UTC(), v, fmt.Sprintf("e%d", eventKeys.Add(1)), testNow})
}

// sessionEvent adds an event without a value in session s.
func (f *fixture) sessionEvent(customer int64, typ string, at time.Time, s string) {
	f.sessions = append(f.sessions, []any{customer, typ, at.UTC(), s, fmt.Sprintf("e%d", eventKeys.Add(1)), testNow})
}

// insert writes everything collected so far and forgets it.
func (f *fixture) insert(t testing.TB, db *store.DB) {
	t.Helper()
	insertRows(t, db, `INSERT INTO customers (id, external_id, signup_at, created_at, updated_at)`, f.customers)
	insertRows(t, db, `INSERT INTO products (id, external_id, category, created_at, updated_at)`, f.products)
	insertRows(t, db, `INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at)`, f.orders)
	insertRows(t, db, `INSERT INTO events (customer_id, type, occurred_at, value, dedup_key, created_at)`, f.events)
	insertRows(t, db, `INSERT INTO events (customer_id, type, occurred_at, session_id, dedup_key, created_at)`, f.sessions)
	f.customers, f.products, f.orders, f.events, f.sessions = nil, nil, nil, nil, nil
}

func insertRows(t testing.TB, db *store.DB, head string, rows [][]any) {
	t.Helper()
	for start := 0; start < len(rows); start += 500 {
		part := rows[start:min(len(rows), start+500)]
		row := "(" + store.Placeholders(len(part[0])) + ")"
		var args []any
		for _, r := range part {
			args = append(args, r...)
		}
		q := head + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", head, err)
		}
	}
}

// shopFixture builds n customers whose buying follows a hidden daily order rate: none, low,
// medium or high, and 30 % of customers stop buying and browsing at some day in the 200
// days before testNow. Views and carts follow the rate, so recent, frequent buyers (and
// active browsers) are the ones who buy again.
func shopFixture(t testing.TB, db *store.DB, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	f := &fixture{}
	cats := []string{"Books", "Toys", "Garden"}
	for i, c := range cats {
		f.product(int64(i+1), c)
	}
	rates := []float64{0, 0.01, 0.04, 0.12}
	order := 0
	for id := int64(1); id <= int64(n); id++ {
		signup := testNow.Add(-days(float64(200 + rng.IntN(500))))
		f.customer(id, &signup)
		rate := rates[rng.IntN(len(rates))]
		stop := testNow
		if rng.Float64() < 0.3 {
			stop = testNow.Add(-days(float64(rng.IntN(200))))
		}
		for d := 200; d >= 1; d-- {
			day := testNow.Add(-days(float64(d)))
			if !day.Before(stop) {
				break
			}
			if rng.Float64() < rate {
				order++
				f.order(fmt.Sprintf("o%d", order), id, int64(1+rng.IntN(len(cats))), 10+rng.Float64()*90, day.Add(days(rng.Float64())))
			}
			if rng.Float64() < min(1, 0.03+3*rate) {
				f.event(id, "view", day.Add(days(rng.Float64())), float64(30+rng.IntN(300)))
			}
			if rng.Float64() < 1.5*rate {
				f.event(id, "cart", day.Add(days(rng.Float64())), -1)
			}
			if rng.Float64() < 0.02 {
				f.event(id, "search", day.Add(days(rng.Float64())), -1)
			}
		}
	}
	f.insert(t, db)
}
