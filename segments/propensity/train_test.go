package propensity

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestSplitIsStableAndEightyTwenty(t *testing.T) {
	const n = 100000
	train := 0
	for id := int64(1); id <= n; id++ {
		a := inTrain(id)
		if a != inTrain(id) {
			t.Fatalf("customer %d changed sides between two calls", id)
		}
		if a {
			train++
		}
	}
	if share := float64(train) / n; math.Abs(share-0.8) > 0.005 {
		t.Errorf("train share = %.4f, want 0.80 ± 0.005", share)
	}
	// The split is part of the protocol: changing the hash moves customers between sides
	// and makes old exports incomparable, so these are pinned.
	want := map[int64]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: false, 7: false, 8: true, 9: true, 10: true}
	for id, side := range want {
		if inTrain(id) != side {
			t.Errorf("customer %d in train = %v, want %v", id, !side, side)
		}
	}
}

func TestPreparedSetsAreDisjointByCustomer(t *testing.T) {
	db := store.OpenTest(t)
	shopFixture(t, db, 400, 11)
	p, err := prepare(context.Background(), db.DB, testNow, 30)
	if err != nil {
		t.Fatal(err)
	}
	if !p.testCut.Equal(testNow.AddDate(0, 0, -30)) || !p.trainCut.Equal(testNow.AddDate(0, 0, -60)) {
		t.Errorf("cuts = %s and %s, want now−60d and now−30d", p.trainCut, p.testCut)
	}
	seen := map[int64]string{}
	for _, id := range p.train.ids {
		if !inTrain(id) {
			t.Errorf("customer %d is a training example but hashes to test", id)
		}
		seen[id] = "train"
	}
	for _, id := range p.test.ids {
		if seen[id] != "" {
			t.Errorf("customer %d is in both sets", id)
		}
		if inTrain(id) {
			t.Errorf("customer %d is a test example but hashes to train", id)
		}
		seen[id] = "test"
	}
	if len(seen) != 400 {
		t.Errorf("%d customers in the two sets, want all 400 (all signed up before both cuts)", len(seen))
	}
	// Each training customer appears once per stacked cut, and every training label window
	// (cut, cut+30d] ends by the test cut.
	perCut := map[time.Time]int{}
	for _, c := range p.train.cuts {
		perCut[c]++
	}
	trainCustomers := len(seen) - len(p.test.ids)
	if len(p.trainCuts) != stackedCuts || len(perCut) != stackedCuts {
		t.Fatalf("training cuts %v, rows per cut %v; want %d cuts", p.trainCuts, perCut, stackedCuts)
	}
	for k, c := range p.trainCuts {
		if want := p.trainCut.AddDate(0, 0, -k*stackDays); !c.Equal(want) {
			t.Errorf("training cut %d = %s, want %s", k, c, want)
		}
		if c.AddDate(0, 0, 30).After(p.testCut) {
			t.Errorf("training cut %s: its labels reach past the test cut %s", c, p.testCut)
		}
		if perCut[c] != trainCustomers {
			t.Errorf("training cut %s has %d rows, want one per training customer (%d)", c, perCut[c], trainCustomers)
		}
	}
	for _, c := range p.test.cuts {
		if !c.Equal(p.testCut) {
			t.Fatalf("a test row is taken at %s, want the test cut %s", c, p.testCut)
		}
	}
	// Standardised with the training mean and population deviation: the training columns
	// have mean 0 and deviation 1 (or are constant at 0).
	for j := range numFeatures {
		col := p.train.column(j)
		m, sd := mean(col), 0.0
		for _, v := range col {
			sd += (v - m) * (v - m) / float64(len(col))
		}
		if math.Abs(m) > 1e-9 || (math.Abs(math.Sqrt(sd)-1) > 1e-9 && sd != 0) {
			t.Errorf("%s: training mean %g, deviation %g; want 0 and 1", featureNames[j], m, math.Sqrt(sd))
		}
	}
}

func TestLabelsCountOrdersAfterTheCutUpToTheHorizon(t *testing.T) {
	db := store.OpenTest(t)
	from, to := cutT, cutT.Add(days(30))
	f := &fixture{}
	f.product(1, "Books")
	at := map[int64]time.Time{
		1: from,                  // at the cut: before the window
		2: from.Add(time.Second), // just inside
		3: to,                    // the last moment inside
		4: to.Add(time.Second),   // just after
		5: from.Add(-days(1)),    // before
		6: from.Add(days(15)),    // in the middle
	}
	for id := int64(1); id <= 6; id++ {
		f.customer(id, nil)
		f.order(fmt.Sprintf("o%d", id), id, 1, 10, at[id])
	}
	f.insert(t, db)
	got, err := buyersBetween(context.Background(), db.DB, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]bool{2: true, 3: true, 6: true}
	if len(got) != len(want) || !got[2] || !got[3] || !got[6] {
		t.Errorf("buyers in (cut, cut+30d] = %v, want %v", got, want)
	}
}
