package recsys

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/persona-app/persona/store"
)

// Interaction queries: views weigh 1, carts 3, purchases 5, and so does each order line;
// other event types and events without a product are not interactions. Training filters
// on the weight expression rather than on type IN (...): that keeps SQLite from walking
// the events_type index with one random table lookup per row, which is slower than one
// sequential scan when most events are interactions.
const (
	eventWeightSQL    = `CASE type WHEN 'purchase' THEN 5 WHEN 'cart' THEN 3 WHEN 'view' THEN 1 ELSE 0 END`
	interactionEvents = ` FROM events WHERE product_id IS NOT NULL AND ` + eventWeightSQL + ` > 0`
	eventsSQL         = `SELECT customer_id, product_id, ` + eventWeightSQL + `, occurred_at` + interactionEvents
	ordersSQL         = `SELECT customer_id, product_id, 5, ordered_at FROM orders`
	// purchaseWeight marks a history row as a purchase (orders and purchase events),
	// cartWeight as an add-to-cart.
	purchaseWeight = 5
	cartWeight     = 3
)

// trainingSet is what training learns from.
type trainingSet struct {
	now        time.Time // the training cut: nothing after it is read
	productIDs []int64   // dense index → product id, ascending
	customers  int
	rows       int
	// interactions holds one entry per (customer, product) with the dampened weight, at most
	// maxHistory per customer (their most recent products).
	interactions    []Interaction
	recent, allTime []int32 // distinct customers per product: last 30 days, ever
	// customerIDs maps dense customer indices to ids; histories holds every customer's
	// serving history, so serving starts with a warm cache.
	customerIDs []int64
	histories   map[int64]*history
}

// rawRow is one event or order line, with dense indices and time in Unix microseconds.
type rawRow struct {
	customer, product int32
	weight            float32
	at                int64
	bought            bool // an order line or a purchase event
	carted            bool // a cart event
}

// readTrainingSet streams the interaction rows that happened up to now and aggregates them.
func readTrainingSet(ctx context.Context, db *store.DB, now time.Time) (*trainingSet, error) {
	sb := newSetBuilder(now)
	for _, q := range []string{eventsSQL, ordersSQL} {
		if err := scanRows(ctx, db, q, nil, sb.add); err != nil {
			return nil, fmt.Errorf("recsys: read interactions: %w", err)
		}
	}
	return sb.finish(), nil
}

// trainingSetOf aggregates the rows already read (ReadEvalRows) that happened up to now.
func trainingSetOf(rows []EvalRow, now time.Time) *trainingSet {
	sb := newSetBuilder(now)
	for _, r := range rows {
		sb.add(r.Customer, r.Product, r.Weight, r.At)
	}
	return sb.finish()
}

// setBuilder numbers customers and products densely as their rows come, and keeps the
// rows up to now.
type setBuilder struct {
	now                 time.Time
	customers, products map[int64]int32
	rows                []rawRow
}

func newSetBuilder(now time.Time) *setBuilder {
	return &setBuilder{now: now, customers: map[int64]int32{}, products: map[int64]int32{}}
}

func (sb *setBuilder) add(customerID, productID int64, weight float32, at time.Time) {
	if at.After(sb.now) {
		return
	}
	c, ok := sb.customers[customerID]
	if !ok {
		c = int32(len(sb.customers))
		sb.customers[customerID] = c
	}
	p, ok := sb.products[productID]
	if !ok {
		p = int32(len(sb.products))
		sb.products[productID] = p
	}
	sb.rows = append(sb.rows, rawRow{customer: c, product: p, weight: weight, at: at.UnixMicro(),
		bought: weight == purchaseWeight, carted: weight == cartWeight})
}

// finish aggregates the rows into the training set.
func (sb *setBuilder) finish() *trainingSet {
	now, customers, products, rows := sb.now, sb.customers, sb.products, sb.rows
	set := &trainingSet{now: now, customers: len(customers), rows: len(rows)}
	set.productIDs = make([]int64, 0, len(products))
	for id := range products {
		set.productIDs = append(set.productIDs, id)
	}
	slices.Sort(set.productIDs)
	// Renumber products in id order, so that "ties by lower index" means "by lower id".
	perm := make([]int32, len(products))
	for i, id := range set.productIDs {
		perm[products[id]] = int32(i)
	}
	for i := range rows {
		rows[i].product = perm[rows[i].product]
	}
	cutoff := now.Add(-popularWindow).UnixMicro()
	set.customerIDs = make([]int64, len(customers))
	for id, c := range customers {
		set.customerIDs[c] = id
	}
	set.histories = make(map[int64]*history, len(customers))
	set.interactions, set.recent, set.allTime = aggregateEach(rows, len(customers), len(products), cutoff,
		func(c int32, all []rawRow, kept []Interaction) {
			h := &history{items: slices.Clone(kept)}
			for i := range h.items {
				h.items[i].Customer = -1
			}
			slices.SortFunc(h.items, func(a, b Interaction) int { return int(a.Product - b.Product) })
			for _, r := range all {
				if r.bought {
					h.bought = append(h.bought, r.product)
				}
				if r.carted {
					h.carted = append(h.carted, r.product)
				}
			}
			slices.Sort(h.bought)
			slices.Sort(h.carted)
			set.histories[set.customerIDs[c]] = h
		})
	return set
}

// scanRows runs a query returning (customer id, product id, weight, time) and calls fn per row.
func scanRows(ctx context.Context, db *store.DB, query string, args []any, fn func(int64, int64, float32, time.Time)) error {
	rows, err := db.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		customerID, productID, weight int64
		at                            time.Time
	)
	for rows.Next() {
		if err := rows.Scan(&customerID, &productID, &weight, &at); err != nil {
			return err
		}
		fn(customerID, productID, float32(weight), at.UTC())
	}
	return rows.Err()
}

// aggregate sums the weights per (customer, product), dampens them with log1p, keeps each
// customer's maxHistory most recent products, and counts distinct customers per product
// (recent: last interaction at or after cutoff).
func aggregate(rows []rawRow, nCustomers, nProducts int, cutoff int64) ([]Interaction, []int32, []int32) {
	return aggregateEach(rows, nCustomers, nProducts, cutoff, nil)
}

// aggregateEach is aggregate calling each, when not nil, per customer with all their
// per-product rows and the interactions kept for them.
func aggregateEach(rows []rawRow, nCustomers, nProducts int, cutoff int64, each func(c int32, all []rawRow, kept []Interaction)) ([]Interaction, []int32, []int32) {
	// Group rows by customer with a counting sort: O(rows), no map.
	start := make([]int32, nCustomers+1)
	for _, r := range rows {
		start[r.customer+1]++
	}
	for c := range nCustomers {
		start[c+1] += start[c]
	}
	grouped := make([]rawRow, len(rows))
	next := slices.Clone(start[:nCustomers])
	for _, r := range rows {
		grouped[next[r.customer]] = r
		next[r.customer]++
	}

	recent, allTime := make([]int32, nProducts), make([]int32, nProducts)
	out := make([]Interaction, 0, len(rows))
	var pairs []rawRow
	for c := range nCustomers {
		pairs = sumPerProduct(grouped[start[c]:start[c+1]], pairs[:0])
		for _, p := range pairs {
			allTime[p.product]++
			if p.at >= cutoff {
				recent[p.product]++
			}
		}
		all := pairs
		pairs = mostRecent(pairs, maxHistory)
		from := len(out)
		for _, p := range pairs {
			out = append(out, Interaction{Customer: int32(c), Product: p.product, Weight: float32(math.Log1p(float64(p.weight)))})
		}
		if each != nil {
			each(int32(c), all, out[from:])
		}
	}
	return out, recent, allTime
}

// sumPerProduct merges one customer's rows into one per product (summed weight, latest
// time), appended to dst in product order.
func sumPerProduct(rows []rawRow, dst []rawRow) []rawRow {
	slices.SortFunc(rows, func(a, b rawRow) int { return int(a.product - b.product) })
	for _, r := range rows {
		if n := len(dst); n > 0 && dst[n-1].product == r.product {
			dst[n-1].weight += r.weight
			dst[n-1].at = max(dst[n-1].at, r.at)
			dst[n-1].bought = dst[n-1].bought || r.bought
			dst[n-1].carted = dst[n-1].carted || r.carted
			continue
		}
		dst = append(dst, r)
	}
	return dst
}

// mostRecent keeps the limit most recently touched products (ties: lower index), in place.
func mostRecent(pairs []rawRow, limit int) []rawRow {
	if len(pairs) <= limit {
		return pairs
	}
	slices.SortFunc(pairs, func(a, b rawRow) int {
		if a.at != b.at {
			if a.at > b.at {
				return -1
			}
			return 1
		}
		return int(a.product - b.product)
	})
	return pairs[:limit]
}
