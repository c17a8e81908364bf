package customers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// featureWindows are the lengths in days of the windows events and orders are counted
// over; a window reaches back from the time of computation, its start included.
var featureWindows = [3]int{7, 30, 90}

// maxSignupDays caps days_since_signup (about a hundred years), which bounds the
// calendar a rebuild writes whatever odd signup dates the data holds.
const maxSignupDays = 36500

// rebuildChunk is how many customers' feature rows one transaction of a rebuild replaces.
// Each holds the write lock (SQLite) or the rows' locks (PostgreSQL) for well under a
// second, so API writes and sends go on while a rebuild runs.
const rebuildChunk = 2_000

// testHookRebuild, when set by a test, is called at each stage of a rebuild: "computing"
// inside the snapshot, once every new row is computed; "computed" between the two steps.
var testHookRebuild func(stage string)

func rebuildStage(stage string) {
	if testHookRebuild != nil {
		testHookRebuild(stage)
	}
}

// RebuildFeatures recomputes customer_features for every customer, in two steps:
//
//  1. Compute. Inside one read snapshot, the orders pass ranks every customer with orders
//     for the RFM scores and works out the shares of spend (see features_orders.go), then
//     one INSERT ... SELECT computes every row into a temporary table. Only the session's
//     temporary tables are written, so no writer waits on this step, however long it takes.
//  2. Swap. The new rows replace the stored ones rebuildChunk customers per transaction.
//     A customer whose row was refreshed after the rebuild began (an order or event that
//     came through the API meanwhile) keeps that newer row; the copies of customer columns
//     (country, consent) stay as the triggers keep them, true to the customer now.
//
// At 1M customers a nightly rebuild took 70–89 s, during which a writer every 100 ms
// waited at most 0.33 s; in one transaction it took 63–101 s, and writers waiting on it
// failed after the 10 s busy timeout.
//
// Every row the rebuild writes is as of the same instant, computed_at. Readers see each
// customer's old row or new row, never none.
func (s *Service) RebuildFeatures(ctx context.Context) error {
	now := s.now()
	err := s.DB.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		bounds, err := computeEveryFeature(ctx, conn, s.DB.Dialect, now)
		if err != nil {
			return err
		}
		defer func() { _ = dropTemporary(context.WithoutCancel(ctx), conn, "features_new") }()
		rebuildStage("computed")
		if err := writeFeatures(ctx, conn, s.DB.Dialect, now); err != nil {
			return err
		}
		return storeBounds(ctx, conn, bounds)
	})
	if err != nil {
		return fmt.Errorf("customers: rebuild features: %w", err)
	}
	return nil
}

// computeEveryFeature computes every customer's feature row as of now into the temporary
// table features_new, reading one snapshot of the database, and returns the boundaries of
// the RFM scores. conn is one connection: temporary tables live in its session.
func computeEveryFeature(ctx context.Context, conn *gorm.DB, dialect string, now time.Time) (bounds rfmBounds, err error) {
	// A read snapshot that takes no write lock: on PostgreSQL a repeatable read; on SQLite
	// a deferred transaction, which writes only the temporary database.
	begin := `BEGIN ISOLATION LEVEL REPEATABLE READ`
	if dialect != "postgres" {
		begin = `BEGIN DEFERRED`
		// Wait once for the write lock, so that whatever a writer stamped before now is
		// committed before the snapshot is read: the segments' window fast path counts on
		// it (segments/window.go). The lock is given back at once.
		if err := conn.WithContext(ctx).Transaction(func(*gorm.DB) error { return nil }); err != nil {
			return bounds, fmt.Errorf("wait for the writers before the snapshot: %w", err)
		}
	}
	if err := conn.WithContext(ctx).Exec(begin).Error; err != nil {
		return bounds, fmt.Errorf("begin the snapshot: %w", err)
	}
	committed := false
	defer func() {
		if !committed { // also drops the temporary tables made since BEGIN
			_ = conn.WithContext(context.WithoutCancel(ctx)).Exec(`ROLLBACK`).Error
		}
	}()
	if err := createCalendar(ctx, conn, now); err != nil {
		return bounds, err
	}
	if err := createExtras(ctx, conn); err != nil {
		return bounds, err
	}
	if bounds, err = extrasOfEveryone(ctx, conn); err != nil {
		return bounds, err
	}
	if err := conn.WithContext(ctx).Exec(`CREATE TEMPORARY TABLE features_new AS SELECT * FROM customer_features WHERE 1 = 0`).Error; err != nil {
		return bounds, fmt.Errorf("create features_new: %w", err)
	}
	if err := insertFeatures(ctx, conn, "features_new", nil, now); err != nil {
		return bounds, err
	}
	if err := conn.WithContext(ctx).Exec(`CREATE INDEX features_new_customer ON features_new (customer_id)`).Error; err != nil {
		return bounds, fmt.Errorf("index features_new: %w", err)
	}
	if err := dropTemporary(ctx, conn, "feature_days", "feature_extras"); err != nil {
		return bounds, err
	}
	rebuildStage("computing")
	if err := conn.WithContext(ctx).Exec(`COMMIT`).Error; err != nil {
		return bounds, fmt.Errorf("end the snapshot: %w", err)
	}
	committed = true
	return bounds, nil
}

// writeFeatures writes the rows of features_new into customer_features: while that is
// empty on SQLite (the first rebuild of a shop), in one transaction that builds the
// indexes once the rows are in, which at 1M customers is several times faster than
// keeping fourteen indexes in order row by row, and keeps no reader from anything;
// otherwise a chunk at a time (swapInFeatures).
func writeFeatures(ctx context.Context, conn *gorm.DB, dialect string, now time.Time) error {
	var some []int64
	if err := conn.WithContext(ctx).Raw(`SELECT customer_id FROM customer_features LIMIT 1`).Scan(&some).Error; err != nil {
		return fmt.Errorf("look for stored features: %w", err)
	}
	if len(some) > 0 || dialect == "postgres" {
		return swapInFeatures(ctx, conn, now)
	}
	return conn.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		indexes, err := dropFeatureIndexes(ctx, tx, dialect)
		if err != nil {
			return err
		}
		// A row an API write stored since the look above is newer: it stays.
		err = tx.Exec(`INSERT INTO customer_features (` + featureColumns + `) SELECT ` + featureColumns + `
			FROM features_new WHERE customer_id IS NOT NULL ON CONFLICT (customer_id) DO NOTHING`).Error
		if err != nil {
			return fmt.Errorf("write the features: %w", err)
		}
		for _, def := range indexes {
			if err := tx.Exec(def).Error; err != nil {
				return fmt.Errorf("recreate index: %w", err)
			}
		}
		return nil
	})
}

// dropFeatureIndexes drops the secondary indexes of customer_features and returns the
// statements that create them again.
func dropFeatureIndexes(ctx context.Context, tx *gorm.DB, dialect string) ([]string, error) {
	defs, err := featureIndexes(ctx, tx, dialect)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(defs))
	for i, d := range defs {
		if err := tx.WithContext(ctx).Exec(`DROP INDEX ` + quoteIdent(d.Name)).Error; err != nil {
			return nil, fmt.Errorf("drop index %s: %w", d.Name, err)
		}
		out[i] = d.Def
	}
	return out, nil
}

// indexDef is one index by name, with the statement that creates it.
type indexDef struct{ Name, Def string }

// featureIndexes lists the secondary indexes of customer_features, by name.
func featureIndexes(ctx context.Context, db *gorm.DB, dialect string) ([]indexDef, error) {
	var defs []indexDef
	q := `SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = 'customer_features' AND sql IS NOT NULL ORDER BY name`
	if dialect == "postgres" {
		q = `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename = 'customer_features' AND indexname NOT LIKE '%pkey' ORDER BY indexname`
	}
	if err := db.WithContext(ctx).Raw(q).Scan(&defs).Error; err != nil {
		return nil, fmt.Errorf("list feature indexes: %w", err)
	}
	return defs, nil
}

// quoteIdent quotes an identifier for SQL, doubling any double quote in it.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// swapInFeatures writes the rows of features_new over the stored ones, a chunk of
// customers per transaction. Stored rows computed after now are newer than the rebuild's
// and stay. A row whose indexed values are unchanged, as most are from one night to the
// next, is updated without touching the indexes that hold them (SQLite leaves alone every
// index none of whose columns an UPDATE sets): at 1M customers, rewriting each row and its
// fourteen index entries took 146 s.
func swapInFeatures(ctx context.Context, conn *gorm.DB, now time.Time) error {
	var ids []int64
	if err := conn.WithContext(ctx).Raw(`SELECT customer_id FROM features_new ORDER BY customer_id`).Scan(&ids).Error; err != nil {
		return fmt.Errorf("list the new rows: %w", err)
	}
	for start := 0; start < len(ids); start += rebuildChunk {
		first, last := ids[start], ids[min(start+rebuildChunk, len(ids))-1]
		err := conn.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, q := range swapStatements {
				if err := tx.Exec(q, first, last, now, now.Add(refreshedWhileRebuilding)).Error; err != nil {
					return err
				}
			}
			return tx.Exec(`INSERT INTO customer_features (`+featureColumns+`) SELECT `+featureColumns+`
				FROM features_new WHERE customer_id BETWEEN ? AND ? ON CONFLICT (customer_id) DO NOTHING`, first, last).Error
		})
		if err != nil {
			return fmt.Errorf("write the features of customers %d to %d: %w", first, last, err)
		}
	}
	return nil
}

// indexedFeatureColumns are the columns of customer_features that its secondary indexes
// hold, but for computed_at, which changes in every row a rebuild writes.
var indexedFeatureColumns = []string{"frequency", "monetary", "last_order_at", "rfm_tier",
	"views_7d", "views_30d", "views_90d", "carts_7d", "carts_30d", "carts_90d",
	"searches_7d", "searches_30d", "searches_90d", "country", "consent_email", "consent_push"}

// refreshedWhileRebuilding bounds how far past a rebuild's start a stored row's
// computed_at may be for the rebuild to keep it as refreshed meanwhile; a row from further
// ahead came from a clock that was wrong, and is replaced.
const refreshedWhileRebuilding = 24 * time.Hour

// copiedCustomerColumns are the customer columns customer_features holds copies of.
var copiedCustomerColumns = []string{"country", "consent_email", "consent_push"}

// swapStatements update the stored rows of customers first to last from features_new
// (parameters: first, last, the rebuild's now, now + refreshedWhileRebuilding): first the
// rows whose indexed values changed, every column; then the others, every column the
// indexes do not hold.
var swapStatements = func() []string {
	var all, narrow, indexedDiffer, narrowDiffer []string
	for _, col := range strings.Split(featureColumns, ",") {
		col = strings.TrimSpace(col)
		// The copies of customer columns are left as they are: the database's triggers
		// keep them true, also of a customer who changed after the snapshot was read.
		if col == "customer_id" || slices.Contains(copiedCustomerColumns, col) {
			continue
		}
		set := col + " = n." + col
		differs := "f." + col + " IS DISTINCT FROM n." + col
		all = append(all, set)
		if slices.Contains(indexedFeatureColumns, col) {
			indexedDiffer = append(indexedDiffer, differs)
		} else {
			narrow = append(narrow, set)
			narrowDiffer = append(narrowDiffer, differs)
		}
	}
	update := func(set, differ []string) string {
		return `UPDATE customer_features AS f SET ` + strings.Join(set, ", ") + ` FROM features_new AS n
			WHERE n.customer_id = f.customer_id AND f.customer_id BETWEEN ? AND ?
			AND (f.computed_at <= ? OR f.computed_at > ?) AND (` + strings.Join(differ, " OR ") + `)`
	}
	// A row the first statement wrote equals its new row, so the second leaves it alone.
	return []string{update(all, indexedDiffer), update(narrow, narrowDiffer)}
}()

// RefreshFeatures recomputes customer_features for the given customers only. Their RFM
// scores are read off the boundaries of the last full scoring (see scoreAgainst), so the
// other customers' scores stay as they are until the next rebuild. While there are no
// boundaries to use (no rebuild yet, or fewer than smallPopulation customers with
// orders), every stored customer with orders is scored again instead.
func (s *Service) RefreshFeatures(ctx context.Context, customerIDs []int64) error {
	if len(customerIDs) == 0 {
		return nil
	}
	// Each customer once: a customer named twice would get two rows of feature_extras.
	ids := slices.Compact(slices.Sorted(slices.Values(customerIDs)))
	now := s.now()
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		bounds, ok, err := loadBounds(ctx, tx)
		if err != nil {
			return err
		}
		if err := createExtras(ctx, tx); err != nil {
			return err
		}
		for _, part := range chunks(ids, rowsPerInsert) {
			if err := tx.WithContext(ctx).Exec(`DELETE FROM customer_features WHERE customer_id IN ?`, part).Error; err != nil {
				return err
			}
			if err := extrasOf(ctx, tx, part, bounds, ok, now); err != nil {
				return err
			}
			if err := insertFeatures(ctx, tx, "customer_features", part, now); err != nil {
				return err
			}
		}
		if err := dropTemporary(ctx, tx, "feature_extras"); err != nil {
			return err
		}
		if !ok {
			return rescoreStored(ctx, tx, now)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("customers: refresh features of %d customers: %w", len(customerIDs), err)
	}
	return nil
}

// dropTemporary drops the named temporary tables.
func dropTemporary(ctx context.Context, tx *gorm.DB, tables ...string) error {
	for _, t := range tables {
		if err := tx.WithContext(ctx).Exec(`DROP TABLE ` + t).Error; err != nil {
			return fmt.Errorf("drop %s: %w", t, err)
		}
	}
	return nil
}

// insertFeatures inserts into the table into (customer_features, or a rebuild's
// features_new) the feature rows of the given customers (all when ids is nil), whose old
// rows there are already deleted, from their orders and events, the calendar (for a
// rebuild) and feature_extras.
func insertFeatures(ctx context.Context, tx *gorm.DB, into string, ids []int64, now time.Time) error {
	var starts [3]time.Time
	for i, d := range featureWindows {
		starts[i] = windowStart(now, d)
	}
	types, err := eventTypes(ctx, tx, ids, starts[2])
	if err != nil {
		return err
	}
	days, filter := signupDaysSQL, ""
	var idArgs []any
	if ids != nil {
		days, filter = "x.days_since_signup", " AND customer_id IN ?"
		idArgs = []any{ids}
	}
	windows, windowArgs := joinEventWindows(types, starts, filter, idArgs)
	q := `INSERT INTO ` + into + ` (` + featureColumns + `) ` + strings.Replace(selectFeatures, "{days}", days, 1) +
		strings.Replace(joinOrderTotals, "{ids}", filter, 1) +
		strings.Replace(joinEventTotals, "{ids}", filter, 1) + windows
	// The arguments in the order their placeholders appear.
	args := []any{now, now, starts[0], starts[1], starts[2]}
	args = append(args, idArgs...) // order totals
	args = append(args, idArgs...) // event totals
	args = append(args, windowArgs...)
	if ids != nil {
		q += " WHERE c.id IN ?"
		args = append(args, ids)
	}
	if err := tx.WithContext(ctx).Exec(q, args...).Error; err != nil {
		return fmt.Errorf("compute features: %w", err)
	}
	return nil
}

// eventTypes lists the event types of the given customers (of everyone when ids is nil).
// For everyone it skips from one type to the next along the index on events (type, ...),
// a few index lookups rather than a scan of every event; for a few customers it reads
// their events since the start of the longest window.
func eventTypes(ctx context.Context, tx *gorm.DB, ids []int64, since time.Time) ([]string, error) {
	var types []string
	var err error
	if ids == nil {
		err = tx.WithContext(ctx).Raw(`WITH RECURSIVE t (type) AS (
				SELECT MIN(type) FROM events
				UNION ALL
				SELECT (SELECT MIN(e.type) FROM events e WHERE e.type > t.type) FROM t WHERE t.type IS NOT NULL)
			SELECT type FROM t WHERE type IS NOT NULL`).Scan(&types).Error
	} else {
		err = tx.WithContext(ctx).Raw(`SELECT DISTINCT type FROM events WHERE customer_id IN ? AND occurred_at >= ?`,
			ids, since).Scan(&types).Error
	}
	if err != nil {
		return nil, fmt.Errorf("list event types: %w", err)
	}
	return types, nil
}

// windowStart is the first instant of the window of the given days before now.
func windowStart(now time.Time, days int) time.Time {
	return now.Add(-time.Duration(days) * 24 * time.Hour)
}

// signupDays is whole days from signup to now, 0 for a signup after now, at most
// maxSignupDays; nil without a signup date. It is what the calendar lookup of a rebuild
// gives, for the few customers of a refresh.
func signupDays(signup *time.Time, now time.Time) *int {
	if signup == nil {
		return nil
	}
	d := min(wholeDays(now.Sub(*signup)), maxSignupDays)
	return &d
}

// createCalendar writes the temporary table feature_days: for each whole number of days
// d from 0 to the age of the oldest signup (at most maxSignupDays), the instant now - d
// days. Both databases lack a common way to subtract timestamps, but both can find the
// first calendar row not before a signup through the index on since.
func createCalendar(ctx context.Context, tx *gorm.DB, now time.Time) error {
	var oldest store.Time
	if err := tx.WithContext(ctx).Raw(`SELECT MIN(signup_at) FROM customers`).Row().Scan(&oldest); err != nil {
		return fmt.Errorf("find the oldest signup: %w", err)
	}
	n := 0
	if oldest.Valid {
		n = min(wholeDays(now.Sub(oldest.Time)), maxSignupDays)
	}
	err := tx.WithContext(ctx).Exec(`CREATE TEMPORARY TABLE feature_days (days INTEGER PRIMARY KEY,
		since TIMESTAMP WITH TIME ZONE NOT NULL)`).Error
	if err == nil {
		err = tx.WithContext(ctx).Exec(`CREATE INDEX feature_days_since ON feature_days (since)`).Error
	}
	if err != nil {
		return fmt.Errorf("create calendar: %w", err)
	}
	args := make([]any, 0, 2*(n+1))
	for d := 0; d <= n; d++ {
		args = append(args, d, windowStart(now, d))
	}
	if _, err := insertRows(tx.WithContext(ctx), `INSERT INTO feature_days (days, since)`, ``, 2, args); err != nil {
		return fmt.Errorf("fill calendar: %w", err)
	}
	return nil
}
