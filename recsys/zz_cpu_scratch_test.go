package recsys

import (
	"context"
	"github.com/persona-app/persona/store"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZScratchCPU(t *testing.T) {
	xs := syntheticInteractions(100_000, 5_000, 10, 42)
	BuildItemItem(5000, xs, 50)
	for range 3 {
		c0, w0 := cpuTime(), time.Now()
		BuildItemItem(5000, xs, 50)
		t.Logf("cpu %v wall %v (interactions %d)", cpuTime()-c0, time.Since(w0), len(xs))
	}
}

func TestZZScratchPlan(t *testing.T) {
	db := store.OpenTest(t)
	seedShop(t, db, 5000, 1000, 20, 42)
	for _, q := range []string{eventsSQL, ordersSQL, historyEventsSQL, historyOrdersSQL} {
		var rows []map[string]any
		db.Raw("EXPLAIN QUERY PLAN "+q, 1, 300).Scan(&rows)
		t.Log(rows)
	}
	for _, q := range []string{eventsSQL, "SELECT customer_id, product_id, CASE type WHEN 'purchase' THEN 5 WHEN 'cart' THEN 3 WHEN 'view' THEN 1 ELSE 0 END, occurred_at FROM events WHERE product_id IS NOT NULL", ordersSQL} {
		for range 2 {
			c0, w0 := cpuTime(), time.Now()
			n := 0
			scanRows(context.Background(), db, q, nil, func(int64, int64, float32, time.Time) { n++ })
			t.Logf("%d rows cpu %v wall %v", n, cpuTime()-c0, time.Since(w0))
		}
	}
}
