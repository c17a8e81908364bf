package customers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// loadFeatureFixture imports the hand-computed shop of testdata/features_*.csv:
// A has three orders and four events, B one old order, C nothing, D one event.
func loadFeatureFixture(t *testing.T, s *Service) {
	t.Helper()
	importFixture(t, s, KindProducts, "features_products.csv", nil)
	importFixture(t, s, KindCustomers, "features_customers.csv", nil)
	importFixture(t, s, KindOrders, "features_orders.csv", nil)
	importFixture(t, s, KindEvents, "features_events.csv", nil)
}

// rebuiltFixture is a service over the hand-computed shop, its features rebuilt once.
func rebuiltFixture(t *testing.T) *Service {
	t.Helper()
	s := newTestService(t)
	loadFeatureFixture(t, s)
	if err := s.RebuildFeatures(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func timePtr(t time.Time) *time.Time { return &t }
func intPtr(n int) *int              { return &n }

func TestRebuildFeaturesMatchesHandComputedFigures(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	if err := s.RebuildFeatures(context.Background()); err != nil {
		t.Fatal(err)
	}
	var rows int
	s.DB.Raw(`SELECT COUNT(*) FROM customer_features`).Scan(&rows)
	if rows != 4 {
		t.Fatalf("customer_features has %d rows, want one per customer (4)", rows)
	}
	var text string
	s.DB.Raw(`SELECT top_categories FROM customer_features f JOIN customers c ON c.id = f.customer_id WHERE c.external_id = 'A'`).Scan(&text)
	if text != "Electronics:0.50,Books:0.15,Garden:0.15" {
		t.Fatalf("stored top categories of A = %q", text)
	}
	cases := []struct {
		name string
		ext  string
		want Features
	}{
		{"a customer with orders and events", "A", Features{RecencyDays: intPtr(7), Frequency: 3, Monetary: 200,
			AvgOrderValue: 200.0 / 3, BrowseSeconds: 75.5, EventCount: 4,
			TopCategories: []CategoryShare{{"Electronics", 0.5}, {"Books", 0.15}, {"Garden", 0.15}},
			FirstOrderAt:  timePtr(date(2024, 5, 1, 10, 0, 0)), LastOrderAt: timePtr(date(2024, 5, 25, 12, 0, 0)),
			LastActivityAt: timePtr(date(2024, 5, 28, 10, 0, 0)), LastEventAt: timePtr(date(2024, 5, 28, 10, 0, 0))}},
		{"a customer with one old order and no events", "B", Features{RecencyDays: intPtr(61), Frequency: 1, Monetary: 50,
			AvgOrderValue: 50, TopCategories: []CategoryShare{{"Electronics", 1}},
			FirstOrderAt: timePtr(date(2024, 4, 1, 12, 0, 0)), LastOrderAt: timePtr(date(2024, 4, 1, 12, 0, 0)),
			LastActivityAt: timePtr(date(2024, 4, 1, 12, 0, 0))}},
		{"a customer with nothing gets zeros", "C", Features{}},
		{"a customer with only a view event", "D", Features{BrowseSeconds: 20, EventCount: 1,
			LastActivityAt: timePtr(date(2024, 5, 30, 0, 0, 0)), LastEventAt: timePtr(date(2024, 5, 30, 0, 0, 0))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Features(context.Background(), customerByExt(t, s, c.ext).ID)
			if err != nil {
				t.Fatal(err)
			}
			if d := diffFeatures(got, c.want); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// diffFeatures describes how got differs from want, or returns "".
func diffFeatures(got, want Features) string {
	show := func(f Features) string {
		p := func(t *time.Time) string {
			if t == nil {
				return "nil"
			}
			return t.UTC().Format(time.RFC3339)
		}
		r := "nil"
		if f.RecencyDays != nil {
			r = fmt.Sprint(*f.RecencyDays)
		}
		return fmt.Sprintf("recency=%s freq=%d monetary=%.4f aov=%.4f browse=%.4f events=%d top=%v first=%s last=%s activity=%s event=%s",
			r, f.Frequency, f.Monetary, f.AvgOrderValue, f.BrowseSeconds, f.EventCount, f.TopCategories,
			p(f.FirstOrderAt), p(f.LastOrderAt), p(f.LastActivityAt), p(f.LastEventAt))
	}
	if g, w := show(got), show(want); g != w || math.Abs(got.AvgOrderValue-want.AvgOrderValue) > 1e-9 {
		return fmt.Sprintf("features:\n got %s\nwant %s", g, w)
	}
	return ""
}

func TestRefreshFeaturesRecomputesOnlyTheGivenCustomers(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	loadFeatureFixture(t, s)
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	b, c := customerByExt(t, s, "B"), customerByExt(t, s, "C")
	importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at\n"+
		"o5,C,p3,2,30,2024-05-31 12:00:00\no6,B,p1,1,10,2024-05-31 12:00:00\n")
	if err := s.RefreshFeatures(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	fc, err := s.Features(ctx, c.ID)
	if err != nil || fc.Frequency != 1 || fc.Monetary != 60 || fmt.Sprint(fc.TopCategories) != "[{Garden 1}]" || *fc.RecencyDays != 1 {
		t.Fatalf("C after refresh = %+v, %v", fc, err)
	}
	fb, err := s.Features(ctx, b.ID)
	if err != nil || fb.Frequency != 1 || fb.Monetary != 50 {
		t.Fatalf("B = %+v, %v: it was not refreshed, so it must still show its old figures", fb, err)
	}
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	if fb, _ = s.Features(ctx, b.ID); fb.Frequency != 2 || fb.Monetary != 60 {
		t.Fatalf("B after rebuild = %+v", fb)
	}
}

func TestFeaturesAreComputedOnFirstReadAndMissingCustomersAreNotFound(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	f, err := s.Features(context.Background(), customerByExt(t, s, "B").ID)
	if err != nil || f.Frequency != 1 {
		t.Fatalf("features = %+v, %v", f, err)
	}
	if _, err := s.Features(context.Background(), 9999); err == nil {
		t.Fatal("features of a missing customer did not fail")
	}
}

func TestARebuildKeepsEveryFeatureIndex(t *testing.T) {
	s := newTestService(t)
	loadFeatureFixture(t, s)
	ctx := context.Background()
	before, err := featureIndexes(ctx, s.DB.DB, s.DB.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 10 {
		t.Fatalf("%d feature indexes before the rebuild, want the migrations' 14", len(before))
	}
	// The first rebuild fills the empty table (SQLite builds the indexes after the rows),
	// the second swaps rows in chunks.
	if err := s.DB.Exec(`DELETE FROM customer_features`).Error; err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.RebuildFeatures(ctx); err != nil {
			t.Fatal(err)
		}
		var rows int
		s.DB.Raw(`SELECT COUNT(*) FROM customer_features`).Scan(&rows)
		if rows != 4 {
			t.Fatalf("%d feature rows after a rebuild, want one per customer (4)", rows)
		}
	}
	after, err := featureIndexes(ctx, s.DB.DB, s.DB.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Fatalf("indexes after two rebuilds:\n%v\nwant as before:\n%v", after, before)
	}
}

func TestAFailedRebuildLeavesRowsAndConnectionsAsTheyWere(t *testing.T) {
	s := rebuiltFixture(t)
	ctx := context.Background()
	// One connection, so that the next rebuild gets the one the failed rebuild used.
	sqlDB, _ := s.DB.DB.DB()
	sqlDB.SetMaxOpenConns(1)
	t.Cleanup(func() { sqlDB.SetMaxOpenConns(8) })
	for _, stage := range []string{"computing", "computed"} {
		stop := errors.New("stopped at " + stage)
		testHookRebuild = func(at string) {
			if at == stage {
				panic(stop)
			}
		}
		func() {
			defer func() {
				if r := recover(); r != stop {
					t.Fatalf("the rebuild did not stop at %s: %v", stage, r)
				}
			}()
			_ = s.RebuildFeatures(ctx)
		}()
	}
	testHookRebuild = nil
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.RebuildFeatures(cancelled); err == nil {
		t.Fatal("a rebuild with a cancelled context succeeded")
	}
	var rows int
	s.DB.Raw(`SELECT COUNT(*) FROM customer_features`).Scan(&rows)
	if rows != 4 {
		t.Fatalf("%d feature rows after failed rebuilds, want the 4 of the last one", rows)
	}
	// Nothing of the failed ones is left in the session: no open transaction, no
	// temporary table, so the next rebuild runs.
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatalf("a rebuild after failed ones: %v", err)
	}
}

func TestARebuildLetsOtherWritersThroughAndKeepsNewerRows(t *testing.T) {
	s := rebuiltFixture(t)
	ctx := context.Background()
	b := customerByExt(t, s, "B")
	var stages []string
	testHookRebuild = func(stage string) {
		stages = append(stages, stage)
		switch stage {
		case "computing":
			// While every row is computed, another connection takes the write lock at
			// once: the rebuild holds none.
			if !s.DB.IsPostgres() {
				assertWriteLockFree(t, s)
			}
		case "computed":
			// C gives consent after the snapshot was read: the copy in C's row follows.
			if err := s.DB.Exec(`UPDATE customers SET consent_email = ? WHERE external_id = 'C'`, true).Error; err != nil {
				t.Fatal(err)
			}
			// B orders again and their row is refreshed, later than the rebuild began.
			s.Now = func() time.Time { return testNow.Add(time.Minute) }
			if _, err := s.AddOrders(ctx, []OrderInput{{OrderID: "late-1", CustomerID: "B", ProductID: "p1", Quantity: "1", UnitPrice: "10", OrderedAt: Scalar(testNow.Add(-time.Hour).Format(time.RFC3339))}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Cleanup(func() { testHookRebuild = nil })
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stages, []string{"computing", "computed"}) {
		t.Fatalf("rebuild stages %v", stages)
	}
	f, err := s.Features(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Frequency != 2 || !f.ComputedAt.Equal(testNow.Add(time.Minute)) {
		t.Fatalf("B after the rebuild: frequency %d computed %s; want the refreshed row (2 orders, %s)", f.Frequency, f.ComputedAt, testNow.Add(time.Minute))
	}
	var rows int
	s.DB.Raw(`SELECT COUNT(*) FROM customer_features WHERE computed_at = ?`, testNow).Scan(&rows)
	if rows != 3 {
		t.Fatalf("%d rows from the rebuild, want the other 3 customers'", rows)
	}
	var consent bool
	s.DB.Raw(`SELECT f.consent_email FROM customer_features f JOIN customers c ON c.id = f.customer_id WHERE c.external_id = 'C'`).Scan(&consent)
	if !consent {
		t.Fatal("the rebuild wrote C's consent as the snapshot had it, not as it is")
	}
}

func TestARebuildReadsWhatWritersBeforeItCommitted(t *testing.T) {
	s := newTestService(t)
	if s.DB.IsPostgres() {
		t.Skip("the barrier is SQLite's: PostgreSQL's window counts are always read from events")
	}
	loadFeatureFixture(t, s)
	ctx := context.Background()
	// A writer has the lock and stamps an order of C's before the rebuild begins.
	other := otherConnection(t, s, 5000)
	tx, err := other.Begin()
	if err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(`INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at)
		SELECT 'inflight', c.id, p.id, 1, 25, 25, ?, ? FROM customers c, products p WHERE c.external_id = 'C' AND p.external_id = 'p1'`,
		testNow.Add(-time.Hour), testNow.Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.RebuildFeatures(ctx) }()
	select {
	case err := <-done:
		t.Fatalf("the rebuild ended (%v) while a writer held the lock", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f, err := s.Features(ctx, customerByExt(t, s, "C").ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Frequency != 1 || f.Monetary != 25 {
		t.Fatalf("C after the rebuild: %d orders, %v spent; want the order committed before it read (1, 25)", f.Frequency, f.Monetary)
	}
}

// assertWriteLockFree takes SQLite's write lock from a connection of its own, without
// waiting: it fails if another connection holds the lock.
func assertWriteLockFree(t *testing.T, s *Service) {
	t.Helper()
	tx, err := otherConnection(t, s, 0).Begin()
	if err != nil {
		t.Fatalf("another connection could not take the write lock: %v", err)
	}
	if _, err := tx.Exec(`UPDATE customers SET city = city WHERE 1 = 0`); err != nil {
		t.Fatalf("another connection could not write: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
}

func TestARebuildPutsBackEveryValueThatDrifted(t *testing.T) {
	s := rebuiltFixture(t)
	ctx := context.Background()
	a := customerByExt(t, s, "A")
	want, err := s.Features(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Values the indexes hold and values they do not, changed behind the rebuild's back
	// at the same instant, and a row dated far ahead: the next rebuild, at that instant
	// too, writes them back.
	future := testNow.Add(30 * 24 * time.Hour) // from a clock that ran ahead
	for _, set := range []string{"frequency = 99", "recency_score = 0", "days_since_signup = 1, views_7d = 42",
		"frequency = 7, computed_at = '" + future.Format("2006-01-02 15:04:05-07:00") + "'"} {
		if err := s.DB.Exec(`UPDATE customer_features SET `+set+` WHERE customer_id = ?`, a.ID).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.RebuildFeatures(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.Features(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after %s and a rebuild:\n%+v\nwant\n%+v", set, got, want)
		}
	}
}

func TestTheIndexedColumnsOfARebuildAreEveryIndexedFeature(t *testing.T) {
	s := newTestService(t)
	defs, err := featureIndexes(context.Background(), s.DB.DB, s.DB.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		cols := d.Def[strings.LastIndex(d.Def, "(")+1 : strings.LastIndex(d.Def, ")")]
		for _, col := range strings.Split(cols, ",") {
			col = strings.TrimSpace(col)
			if col != "customer_id" && col != "computed_at" && !slices.Contains(indexedFeatureColumns, col) {
				t.Errorf("index %s holds %s, which indexedFeatureColumns leaves out: a rebuild would rewrite that index for every customer", d.Name, col)
			}
		}
	}
}

// otherConnection opens the SQLite file of s anew, apart from its pool, with the given
// busy timeout in milliseconds; its transactions take the write lock when they begin.
func otherConnection(t *testing.T, s *Service, busyMillis int) *sql.DB {
	t.Helper()
	var file string
	if err := s.DB.Raw(`SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file).Error; err != nil || file == "" {
		t.Fatalf("database file %q: %v", file, err)
	}
	other, err := sql.Open("sqlite3", fmt.Sprintf("file:%s?_busy_timeout=%d&_txlock=immediate", file, busyMillis))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}
