package customers

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// idRow is an (id, external id) pair as scanned.
type idRow struct {
	ID         int64  `gorm:"column:id"`
	ExternalID string `gorm:"column:external_id"`
}

// maxCachedIDs bounds the ids an import remembers between batches; past it the cache is
// dropped and refilled, so memory stays flat however large the file is.
const maxCachedIDs = 100_000

// ensureCustomers adds to ids (external id -> id, kept across the batches of one import)
// every customer of exts, creating a minimal record (external id only) for each one not
// there yet, and returns how many it created.
func ensureCustomers(ctx context.Context, tx *gorm.DB, exts []string, ids map[string]int64, now time.Time) (int, error) {
	var missing []string
	for _, ext := range exts {
		if _, ok := ids[ext]; !ok {
			missing = append(missing, ext)
		}
	}
	lookup := func(exts []string) error {
		for _, part := range chunks(exts, rowsPerInsert) {
			var rows []idRow
			if err := tx.WithContext(ctx).Raw(`SELECT id, external_id FROM customers WHERE external_id IN ?`, part).
				Scan(&rows).Error; err != nil {
				return fmt.Errorf("look up customers: %w", err)
			}
			for _, r := range rows {
				ids[r.ExternalID] = r.ID
			}
		}
		return nil
	}
	if err := lookup(missing); err != nil {
		return 0, err
	}
	var args []any
	var create []string
	for _, ext := range missing {
		if _, ok := ids[ext]; !ok {
			create = append(create, ext)
			args = append(args, ext, now, now)
		}
	}
	if len(create) == 0 {
		return 0, nil
	}
	created, err := insertRows(tx.WithContext(ctx), `INSERT INTO customers (external_id, created_at, updated_at)`,
		`ON CONFLICT (external_id) DO NOTHING`, 3, args)
	if err != nil {
		return 0, fmt.Errorf("create %d customers: %w", len(create), err)
	}
	return int(created), lookup(create)
}

// productHint is what an order or event row says about a product it names.
type productHint struct {
	name, category string
}

// productRow is a product's id and the names an order or event row may fill in.
type productRow struct {
	ID         int64  `gorm:"column:id"`
	ExternalID string `gorm:"column:external_id"`
	Name       string `gorm:"column:name"`
	Category   string `gorm:"column:category"`
}

// fills tells whether hint would fill an empty name or category of p.
func (p productRow) fills(h productHint) bool {
	return (p.Name == "" && h.name != "") || (p.Category == "" && h.category != "")
}

// ensureProducts adds to known (kept across the batches of one import) every product of
// exts, creating a minimal record named by its hint for each one not there yet and
// filling the empty name or category of an existing one from its hint; it returns how
// many it created.
func ensureProducts(ctx context.Context, tx *gorm.DB, exts []string, hints map[string]productHint, known map[string]productRow, now time.Time) (int, error) {
	var missing []string
	for _, ext := range exts {
		if p, ok := known[ext]; !ok || p.fills(hints[ext]) {
			missing = append(missing, ext)
		}
	}
	lookup := func(exts []string) error {
		for _, part := range chunks(exts, rowsPerInsert) {
			var rows []productRow
			if err := tx.WithContext(ctx).Raw(`SELECT id, external_id, name, category FROM products WHERE external_id IN ?`, part).
				Scan(&rows).Error; err != nil {
				return fmt.Errorf("look up products: %w", err)
			}
			for _, r := range rows {
				known[r.ExternalID] = r
			}
		}
		return nil
	}
	if err := lookup(missing); err != nil {
		return 0, err
	}
	var args []any
	var create []string
	for _, ext := range missing {
		h := hints[ext]
		p, ok := known[ext]
		if !ok {
			create = append(create, ext)
			args = append(args, ext, h.name, h.category, now, now)
			continue
		}
		if !p.fills(h) {
			continue
		}
		if err := tx.WithContext(ctx).Exec(`UPDATE products SET
				name = CASE WHEN name = '' THEN ? ELSE name END,
				category = CASE WHEN category = '' THEN ? ELSE category END,
				updated_at = ? WHERE id = ?`, h.name, h.category, now, p.ID).Error; err != nil {
			return 0, fmt.Errorf("name product %q: %w", ext, err)
		}
		p.Name, p.Category = cmp.Or(p.Name, h.name), cmp.Or(p.Category, h.category)
		known[ext] = p
	}
	if len(create) == 0 {
		return 0, nil
	}
	created, err := insertRows(tx.WithContext(ctx), `INSERT INTO products (external_id, name, category, created_at, updated_at)`,
		`ON CONFLICT (external_id) DO NOTHING`, 5, args)
	if err != nil {
		return 0, fmt.Errorf("create %d products: %w", len(create), err)
	}
	return int(created), lookup(create)
}

// idCache holds the customer and product ids an order or event import has resolved.
type idCache struct {
	customers map[string]int64
	products  map[string]productRow
}

// resolve makes sure every customer and product the batch names exists and is cached,
// counting the minimal records it creates in sum.
func (c *idCache) resolve(ctx context.Context, tx *gorm.DB, customers, products []string, hints map[string]productHint, now time.Time, sum *ImportSummary) error {
	if c.customers == nil || len(c.customers) > maxCachedIDs {
		c.customers = map[string]int64{}
	}
	if c.products == nil || len(c.products) > maxCachedIDs {
		c.products = map[string]productRow{}
	}
	created, err := ensureCustomers(ctx, tx, customers, c.customers, now)
	if err != nil {
		return err
	}
	sum.CreatedCustomers += created
	created, err = ensureProducts(ctx, tx, products, hints, c.products, now)
	sum.CreatedProducts += created
	return err
}

// addHint keeps the first non-empty name and category a batch gives a product.
func addHint(hints map[string]productHint, ext, name, category string) {
	if ext == "" {
		return
	}
	h := hints[ext]
	if h.name == "" {
		h.name = name
	}
	if h.category == "" {
		h.category = category
	}
	hints[ext] = h
}

// touchSet collects the customers a write touched, when its caller asked for them.
type touchSet struct {
	track bool
	ids   map[int64]bool
}

func (t *touchSet) add(id int64) {
	if !t.track {
		return
	}
	if t.ids == nil {
		t.ids = map[int64]bool{}
	}
	t.ids[id] = true
}

func (t *touchSet) list() []int64 {
	out := make([]int64, 0, len(t.ids))
	for id := range t.ids {
		out = append(out, id)
	}
	return out
}

// eventSink imports behaviour events; a repeated event (same dedup key) is unchanged.
type eventSink struct {
	now     func() time.Time
	recs    []eventRec
	ids     idCache
	touched touchSet
}

func (k *eventSink) add(line int, get getter, _ map[string]string) store.FieldErrors {
	r, fe := parseEvent(get)
	if fe != nil {
		return fe
	}
	r.line = line
	k.recs = append(k.recs, r)
	return nil
}

func (k *eventSink) ready() bool               { return len(k.recs) >= batchSize }
func (k *eventSink) pending() int              { return len(k.recs) }
func (k *eventSink) touchedCustomers() []int64 { return k.touched.list() }
func (k *eventSink) lastLine() int {
	if len(k.recs) == 0 {
		return 0
	}
	return k.recs[len(k.recs)-1].line
}

func (k *eventSink) flush(ctx context.Context, tx *gorm.DB, sum *ImportSummary) error {
	defer func() { k.recs = k.recs[:0] }()
	now := k.now()
	hints := map[string]productHint{}
	for i := range k.recs {
		addHint(hints, k.recs[i].product, k.recs[i].productName, k.recs[i].category)
	}
	if err := k.ids.resolve(ctx, tx, uniqueStrings(k.recs, func(r *eventRec) string { return r.customer }),
		uniqueStrings(k.recs, func(r *eventRec) string { return r.product }), hints, now, sum); err != nil {
		return err
	}
	custIDs, prods := k.ids.customers, k.ids.products
	args := make([]any, 0, len(k.recs)*9)
	for i := range k.recs {
		r := &k.recs[i]
		var product, value any
		if r.product != "" {
			product = prods[r.product].ID
		}
		if r.value != nil {
			value = *r.value
		}
		args = append(args, custIDs[r.customer], r.typ, product, r.occurredAt, value, r.sessionID, r.dedupKey(), now)
		k.touched.add(custIDs[r.customer])
	}
	inserted, err := insertRows(tx.WithContext(ctx), `INSERT INTO events (customer_id, type, product_id,
		occurred_at, value, session_id, dedup_key, created_at)`, `ON CONFLICT (dedup_key) DO NOTHING`, 8, args)
	if err != nil {
		return fmt.Errorf("write %d events: %w", len(k.recs), err)
	}
	sum.Imported += int(inserted)
	sum.Unchanged += len(k.recs) - int(inserted)
	return nil
}

// dedupKey identifies an event by everything it says, so the same event sent twice (a
// re-imported file, a retried API call) is stored once: the hex SHA-256 of its customer,
// type, product, time, value and session, prefixed with the time as YYYYMMDDHHMMSS.
// Events arrive roughly in time order, so the prefix makes new keys land at the end of
// the unique index instead of all over it; with a bare hash every batch rewrote most of
// the index pages, which made event imports about four times slower.
func (r *eventRec) dedupKey() string {
	value := ""
	if r.value != nil {
		value = strconv.FormatFloat(*r.value, 'g', -1, 64)
	}
	h := sha256.New()
	for _, part := range []string{r.customer, r.typ, r.product, strconv.FormatInt(r.occurredAt.Unix(), 10), value, r.sessionID} {
		h.Write([]byte(part))
		h.Write([]byte{0x1f})
	}
	return r.occurredAt.UTC().Format("20060102150405") + "-" + hex.EncodeToString(h.Sum(nil))
}
