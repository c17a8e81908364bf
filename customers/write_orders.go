package customers

import (
	"context"
	"fmt"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// orderSink imports order lines, unique by (order_id, product): a new line is inserted, a
// known one with other values updated, the same one left unchanged.
type orderSink struct {
	now  func() time.Time
	recs []orderRec
	// cut is how many buffered rows the next flush writes; 0 means all of them.
	cut     int
	ids     idCache
	touched touchSet
}

func (k *orderSink) add(line int, get getter, _ map[string]string) store.FieldErrors {
	r, fe := parseOrder(get)
	if fe != nil {
		return fe
	}
	r.line = line
	k.recs = append(k.recs, r)
	return nil
}

// ready lets a batch grow past its size until the order id changes, so the lines of one
// order (contiguous in every shop export) land in the same batch and a repeated line is
// recognised; a batch still stops at twice its size.
func (k *orderSink) ready() bool {
	n := len(k.recs)
	switch {
	case n >= 2*batchSize:
		k.cut = n
	case n > batchSize && k.recs[n-1].orderID != k.recs[n-2].orderID:
		k.cut = n - 1
	default:
		return false
	}
	return true
}

func (k *orderSink) pending() int              { return len(k.recs) }
func (k *orderSink) touchedCustomers() []int64 { return k.touched.list() }
func (k *orderSink) lastLine() int {
	if len(k.recs) == 0 {
		return 0
	}
	return k.recs[len(k.recs)-1].line
}

// orderKey identifies an order line.
type orderKey struct {
	orderID   string
	productID int64
}

// storedOrder is an order line as scanned, with the values an import compares.
type storedOrder struct {
	OrderID    string    `gorm:"column:order_id"`
	ProductID  int64     `gorm:"column:product_id"`
	CustomerID int64     `gorm:"column:customer_id"`
	Quantity   float64   `gorm:"column:quantity"`
	UnitPrice  float64   `gorm:"column:unit_price"`
	OrderedAt  time.Time `gorm:"column:ordered_at"`
}

func (o storedOrder) same(p storedOrder) bool {
	return o.CustomerID == p.CustomerID && o.Quantity == p.Quantity && o.UnitPrice == p.UnitPrice &&
		o.OrderedAt.Equal(p.OrderedAt)
}

func (k *orderSink) flush(ctx context.Context, tx *gorm.DB, sum *ImportSummary) error {
	cut := k.cut
	if cut == 0 {
		cut = len(k.recs)
	}
	batch := k.recs[:cut]
	defer func() {
		k.recs = append(k.recs[:0], k.recs[cut:]...)
		k.cut = 0
	}()
	now := k.now()
	hints := map[string]productHint{}
	for i := range batch {
		addHint(hints, batch[i].product, batch[i].productName, batch[i].category)
	}
	if err := k.ids.resolve(ctx, tx, uniqueStrings(batch, func(r *orderRec) string { return r.customer }),
		uniqueStrings(batch, func(r *orderRec) string { return r.product }), hints, now, sum); err != nil {
		return err
	}
	custIDs, prods := k.ids.customers, k.ids.products

	stored := map[orderKey]storedOrder{}
	for _, part := range chunks(uniqueStrings(batch, func(r *orderRec) string { return r.orderID }), rowsPerInsert) {
		var rows []storedOrder
		if err := tx.WithContext(ctx).Raw(`SELECT order_id, product_id, customer_id, quantity, unit_price, ordered_at
			FROM orders WHERE order_id IN ?`, part).Scan(&rows).Error; err != nil {
			return fmt.Errorf("look up orders: %w", err)
		}
		for _, o := range rows {
			stored[orderKey{o.OrderID, o.ProductID}] = o
		}
	}
	type seenLine struct {
		line  int
		order storedOrder
	}
	seen := make(map[orderKey]seenLine, len(batch))
	args := make([]any, 0, len(batch)*8)
	for i := range batch {
		r := &batch[i]
		o := storedOrder{OrderID: r.orderID, ProductID: prods[r.product].ID, CustomerID: custIDs[r.customer],
			Quantity: r.quantity, UnitPrice: r.unitPrice, OrderedAt: r.orderedAt}
		key := orderKey{o.OrderID, o.ProductID}
		if prev, ok := seen[key]; ok {
			if prev.order.same(o) {
				sum.Unchanged++
			} else {
				sum.reject(r.line, fmt.Sprintf("%s: order %q already has a line for product %q on line %d",
					colOrderID, r.orderID, r.product, prev.line))
			}
			continue
		}
		seen[key] = seenLine{r.line, o}
		old, exists := stored[key]
		switch {
		case exists && old.same(o):
			sum.Unchanged++
			continue
		case exists:
			sum.Updated++
		default:
			sum.Imported++
		}
		k.touched.add(o.CustomerID)
		if exists && old.CustomerID != o.CustomerID {
			k.touched.add(old.CustomerID)
		}
		args = append(args, o.OrderID, o.CustomerID, o.ProductID, o.Quantity, o.UnitPrice,
			o.Quantity*o.UnitPrice, o.OrderedAt, now)
	}
	if len(args) == 0 {
		return nil
	}
	_, err := insertRows(tx.WithContext(ctx), `INSERT INTO orders (order_id, customer_id, product_id, quantity,
		unit_price, amount, ordered_at, created_at)`, `ON CONFLICT (order_id, product_id) DO UPDATE SET
		customer_id = excluded.customer_id, quantity = excluded.quantity, unit_price = excluded.unit_price,
		amount = excluded.amount, ordered_at = excluded.ordered_at`, 8, args)
	if err != nil {
		return fmt.Errorf("write %d order lines: %w", len(args)/8, err)
	}
	return nil
}
