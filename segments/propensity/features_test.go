package propensity

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// cutT is the cut of the feature fixture.
var cutT = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)

// featureFixture holds four customers as of cutT:
//  1. signed up 2024-01-01; orders 10 days (two lines, Books and Toys) and 40 days before
//     the cut; views 2, 20 and 60 days before (60, 120 and 30 seconds), a cart 5 days
//     before, a search 100 days before;
//  2. no sign-up date, one search 3 days before the cut;
//  3. signs up 5 days after the cut;
//  4. signed up 2023-05-01, never did anything.
func featureFixture(t *testing.T) *store.DB {
	db := store.OpenTest(t)
	f := &fixture{}
	signup1, signup3, signup4 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), cutT.Add(days(5)), time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)
	f.customer(1, &signup1)
	f.customer(2, nil)
	f.customer(3, &signup3)
	f.customer(4, &signup4)
	f.product(1, "Books")
	f.product(2, "Toys")
	f.order("A", 1, 1, 10, cutT.Add(-days(10)))
	f.order("A", 1, 2, 20, cutT.Add(-days(10)))
	f.order("B", 1, 1, 30, cutT.Add(-days(40)))
	f.event(1, "view", cutT.Add(-days(2)), 60)
	f.event(1, "view", cutT.Add(-days(20)), 120)
	f.event(1, "view", cutT.Add(-days(60)), 30)
	f.event(1, "cart", cutT.Add(-days(5)), -1)
	f.event(1, "search", cutT.Add(-days(100)), -1)
	f.event(2, "search", cutT.Add(-days(3)), -1)
	f.insert(t, db)
	return db
}

func TestFeaturesAsOfACut(t *testing.T) {
	db := featureFixture(t)
	snap, err := featuresAt(context.Background(), db.DB, cutT, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want [5][numFeatures]float64
	want[1] = [numFeatures]float64{fRecency: 10, fHasOrdered: 1, fFrequency: 2, fMonetary: 60, fAvgOrder: 30,
		fSignupDays: 121, fViews7: 1, fViews30: 2, fViews90: 3, fCarts7: 1, fCarts30: 1, fCarts90: 1,
		fBrowse30: 180, fLastEventDays: 2, fCategories: 2,
		// Three views without a session id in the last 90 days, known for 90 of them (first
		// seen 100 days before): a visit every 30 days, two days since the last one.
		fVisitRate: 3.0 / 90, fMissedVisits: 3.0 / 90 * 2}
	want[2] = [numFeatures]float64{fRecency: 365, fSignupDays: 3, fSearches7: 1, fSearches30: 1, fSearches90: 1, fLastEventDays: 3}
	want[3] = [numFeatures]float64{fRecency: 365, fLastEventDays: 365}
	want[4] = [numFeatures]float64{fRecency: 365, fSignupDays: 366, fLastEventDays: 365}
	wantKnown := [5]bool{1: true, 2: true, 3: false, 4: true}
	if len(snap.rows) != 4 {
		t.Fatalf("%d customers, want 4", len(snap.rows))
	}
	for _, c := range snap.rows {
		for j := range numFeatures {
			if math.Abs(c.raw[j]-want[c.id][j]) > 1e-9 {
				t.Errorf("customer %d: %s = %v, want %v", c.id, featureNames[j], c.raw[j], want[c.id][j])
			}
		}
		if got := c.known(cutT); got != wantKnown[c.id] {
			t.Errorf("customer %d known at the cut = %v, want %v", c.id, got, wantKnown[c.id])
		}
	}
}

// Rows at or after the cut must change nothing: an order exactly at the cut, orders and
// events of every kind after it, a customer's first activity after it.
func TestFeaturesIgnoreRowsAtOrAfterTheCut(t *testing.T) {
	db := featureFixture(t)
	ctx := context.Background()
	before, err := featuresAt(ctx, db.DB, cutT, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{}
	f.product(3, "Garden")
	for _, at := range []time.Time{cutT, cutT.Add(time.Second), cutT.Add(days(3))} {
		for _, id := range []int64{1, 2, 3, 4} {
			f.order(at.Format(time.RFC3339)+string(rune('a'+id)), id, 3, 99, at)
			f.event(id, "view", at, 500)
			f.event(id, "cart", at, -1)
			f.event(id, "search", at, -1)
			f.event(id, "purchase", at, 99)
		}
	}
	f.insert(t, db)
	after, err := featuresAt(ctx, db.DB, cutT, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range after.rows {
		b := before.rows[i]
		if c.raw != b.raw || c.known(cutT) != b.known(cutT) {
			t.Errorf("customer %d changed with rows at or after the cut:\n before %v (known %v)\n after  %v (known %v)",
				c.id, b.raw, b.known(cutT), c.raw, c.known(cutT))
		}
	}
	// The same rows do count once the cut moves past them.
	later, err := featuresAt(ctx, db.DB, cutT.Add(days(4)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := later.rows[0].raw[fFrequency]; got != 2+3 {
		t.Errorf("customer 1 frequency four days later = %v, want 5", got)
	}
}

func TestFeaturesOnlyForKeptCustomers(t *testing.T) {
	db := featureFixture(t)
	snap, err := featuresAt(context.Background(), db.DB, cutT, func(id int64) bool { return id%2 == 0 })
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.rows) != 2 || snap.rows[0].id != 2 || snap.rows[1].id != 4 {
		t.Fatalf("rows = %+v, want customers 2 and 4", snap.rows)
	}
	if snap.rows[0].raw[fSearches7] != 1 {
		t.Errorf("customer 2 searches_7d = %v, want 1", snap.rows[0].raw[fSearches7])
	}
}

func TestTransform(t *testing.T) {
	raw := [numFeatures]float64{fHasOrdered: 1, fFrequency: 3, fMonetary: -20, fRecency: 365, fVisitRate: 0.5, fMissedVisits: 7.5}
	got := transform(&raw)
	tests := []struct {
		name    string
		feature int
		want    float64
	}{
		{"counts are logged", fFrequency, math.Log(4)},
		{"negative amounts count as nothing", fMonetary, 0},
		{"spans of days are logged", fRecency, math.Log(366)},
		{"a zero count stays zero", fViews7, 0},
		{"the flag is kept as it is", fHasOrdered, 1},
		{"the visit rate is logged", fVisitRate, math.Log1p(0.5)},
		{"missed visits stay linear", fMissedVisits, 7.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got[tt.feature] != tt.want {
				t.Errorf("%s = %v, want %v", featureNames[tt.feature], got[tt.feature], tt.want)
			}
		})
	}
}

// Visits are sessions; events without a session id count one visit per view. The rate is
// over the days the customer was known within the last 90, and missed visits are that rate
// times the days since the last activity.
func TestVisitsCountSessionsOrViewsWithoutOne(t *testing.T) {
	db := store.OpenTest(t)
	f := &fixture{}
	old := cutT.AddDate(-1, 0, 0)
	f.customer(1, &old)
	f.customer(2, &old)
	f.customer(3, &old)
	// Customer 1, a newcomer first seen 10 days before the cut: two sessions of three events,
	// and a view and a search without a session, 4 days before the cut at the latest.
	for i, s := range []string{"s1", "s2"} {
		at := cutT.Add(-days(float64(10 - 2*i)))
		f.sessionEvent(1, "view", at, s)
		f.sessionEvent(1, "cart", at.Add(time.Minute), s)
		f.sessionEvent(1, "search", at.Add(2*time.Minute), s)
	}
	f.event(1, "view", cutT.Add(-days(5)), 30)
	f.event(1, "search", cutT.Add(-days(4)), -1)
	// Customer 2: a session 200 days before the cut (outside the rate window, but it makes
	// the customer known for the whole window) and one 45 days before.
	f.sessionEvent(2, "view", cutT.Add(-days(200)), "a")
	f.sessionEvent(2, "view", cutT.Add(-days(45)).Add(-time.Minute), "b")
	f.sessionEvent(2, "view", cutT.Add(-days(45)), "b")
	f.insert(t, db)
	snap, err := featuresAt(context.Background(), db.DB, cutT, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64][2]float64{
		1: {3.0 / 10, 3.0 / 10 * 4},
		2: {1.0 / 90, 1.0 / 90 * 45},
		3: {0, 0},
	}
	for _, c := range snap.rows {
		w := want[c.id]
		if math.Abs(c.raw[fVisitRate]-w[0]) > 1e-9 || math.Abs(c.raw[fMissedVisits]-w[1]) > 1e-9 {
			t.Errorf("customer %d: visits_per_day %v, missed_visits %v; want %v and %v",
				c.id, c.raw[fVisitRate], c.raw[fMissedVisits], w[0], w[1])
		}
	}
}
