package recsys

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/persona-app/persona/store"
)

// Evaluation reads the same rows as training (views 1, carts 3, purchases 5, order lines 5),
// plus each event's numeric value, which --min-value compares against.
const evalEventsSQL = `SELECT customer_id, product_id, ` + eventWeightSQL + `, occurred_at, value` + interactionEvents

// EvalRow is one event or order line as offline evaluation sees it.
type EvalRow struct {
	Customer, Product int64
	// Weight is the raw interaction weight: view 1, cart 3, purchase and order line 5.
	Weight float32
	At     time.Time
	// Value is the event's numeric value (a rating, for example) when HasValue is true.
	Value    float64
	HasValue bool
}

// EvalOptions is the evaluation protocol's knobs.
type EvalOptions struct {
	// Holdout is the share of each customer's interactions, the latest in time, held out
	// (at least one, at most all but one); it must lie in (0, 1).
	Holdout float64
	// MinValue, when set, makes a held-out event relevant only if its value is at least
	// *MinValue; it applies to events whose value is not null, so events without a value
	// and order lines stay relevant.
	MinValue *float64
}

// EvalCustomer is one evaluated customer of a split, over the split's dense products.
type EvalCustomer struct {
	ID int64
	// History is the customer's training interactions as the model sees them at serving
	// time: summed per product, dampened, their maxHistory most recent, ascending product,
	// Customer -1.
	History []Interaction
	// Known lists every product of the customer's training interactions, ascending: these
	// are never candidates.
	Known []int32
	// Relevant lists the held-out products seen in training, ascending; Unseen counts the
	// held-out relevant products nobody had in training (no model can propose them, but
	// they count in recall's denominator).
	Relevant []int32
	Unseen   int
}

// Split is the training and test data of one offline evaluation.
type Split struct {
	// Products maps dense indices to product ids, ascending: every product seen in training.
	Products []int64
	// Train holds one interaction per (training customer, product), weighted and dampened
	// like the production trainer; Recent and AllTime count distinct customers per product
	// (Recent: within 30 days of the latest training row).
	Train           []Interaction
	Recent, AllTime []int32
	// TrainCustomers counts the customers with training data (evaluated or not).
	TrainCustomers int
	// Baskets are the training baskets association rules learn from: a customer's purchase
	// rows (order lines and purchase events) sharing one moment, as dense products
	// ascending (see splitBaskets).
	Baskets [][]int32
	// Customers are the evaluated customers: at least two interactions and at least one
	// relevant held-out product.
	Customers []EvalCustomer
}

// ReadEvalRows streams every interaction row: one query over events, one over orders.
func ReadEvalRows(ctx context.Context, db *store.DB) ([]EvalRow, error) {
	return readEvalRows(ctx, db, nil)
}

// progressEvery is how many rows readEvalRows reads between two reports of its progress
// (a variable for tests).
var progressEvery = 1 << 16

// readEvalRows is ReadEvalRows telling progress, when not nil, what share of the rows it
// has read: reading takes a quarter of a training at 10M interactions, and a progress bar
// that stands still that long looks stuck. The share is of the highest event and order
// ids, which a few index reads give and which bound the rows there are.
func readEvalRows(ctx context.Context, db *store.DB, progress func(done float64)) ([]EvalRow, error) {
	var estimate int64
	if progress != nil {
		err := db.WithContext(ctx).Raw(`SELECT (SELECT COALESCE(MAX(id), 0) FROM events) + (SELECT COALESCE(MAX(id), 0) FROM orders)`).Row().Scan(&estimate)
		if err != nil {
			return nil, fmt.Errorf("recsys: count interaction rows: %w", err)
		}
	}
	var out []EvalRow
	for _, q := range []struct {
		sql       string
		withValue bool
	}{{evalEventsSQL, true}, {ordersSQL, false}} {
		rows, err := db.WithContext(ctx).Raw(q.sql).Rows()
		if err != nil {
			return nil, fmt.Errorf("recsys: read evaluation rows: %w", err)
		}
		for rows.Next() {
			var r EvalRow
			var weight int64
			var value sql.NullFloat64
			dst := []any{&r.Customer, &r.Product, &weight, &r.At}
			if q.withValue {
				dst = append(dst, &value)
			}
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("recsys: read evaluation row: %w", err)
			}
			r.Weight, r.At = float32(weight), r.At.UTC()
			r.Value, r.HasValue = value.Float64, value.Valid
			out = append(out, r)
			if progress != nil && len(out)%progressEvery == 0 && estimate > 0 {
				progress(min(1, float64(len(out))/float64(estimate)))
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("recsys: read evaluation rows: %w", err)
		}
	}
	return out, nil
}

// compareEvalRows orders rows by customer, then time; equal times fall back to product id,
// weight and value, so the split is the same whatever order the database returned.
func compareEvalRows(a, b EvalRow) int {
	return cmp.Or(cmp.Compare(a.Customer, b.Customer), a.At.Compare(b.At),
		cmp.Compare(a.Product, b.Product), cmp.Compare(a.Weight, b.Weight), cmp.Compare(a.Value, b.Value))
}

// heldOut returns how many of n time-ordered interactions are held out: floor(n·holdout),
// at least one and at most n-1; none when n < 2.
func heldOut(n int, holdout float64) int {
	if n < 2 {
		return 0
	}
	return min(max(int(math.Floor(float64(n)*holdout)), 1), n-1)
}

// SplitHoldout splits rows per customer by time: each customer's latest interactions are
// held out (see EvalOptions.Holdout), the rest is training data. Customers with fewer than
// two interactions train but are not evaluated. rows is sorted in place.
func SplitHoldout(rows []EvalRow, opts EvalOptions) (*Split, error) {
	if !(opts.Holdout > 0 && opts.Holdout < 1) {
		return nil, store.FieldErrors{"holdout": "must be between 0 and 1 (exclusive)"}
	}
	slices.SortFunc(rows, compareEvalRows)
	// Pass 1: the training products, and the latest training time.
	var productIDs []int64
	var latest time.Time
	forEachCustomer(rows, func(rs []EvalRow) {
		for _, r := range rs[:len(rs)-heldOut(len(rs), opts.Holdout)] {
			productIDs = append(productIDs, r.Product)
			if r.At.After(latest) {
				latest = r.At
			}
		}
	})
	slices.Sort(productIDs)
	productIDs = slices.Compact(productIDs)
	index := func(id int64) int32 {
		if i, ok := slices.BinarySearch(productIDs, id); ok {
			return int32(i)
		}
		return -1
	}

	// Pass 2: training rows with dense indices; known and relevant products per customer.
	s := &Split{Products: productIDs}
	var raw []rawRow
	var evaluated []int32 // dense customer index of each s.Customers entry
	forEachCustomer(rows, func(rs []EvalRow) {
		c := int32(s.TrainCustomers)
		s.TrainCustomers++
		cut := len(rs) - heldOut(len(rs), opts.Holdout)
		ec := EvalCustomer{ID: rs[0].Customer}
		first := len(raw)
		for _, r := range rs[:cut] {
			p := index(r.Product)
			raw = append(raw, rawRow{customer: c, product: p, weight: r.Weight, at: r.At.UnixMicro()})
			ec.Known = append(ec.Known, p)
		}
		s.Baskets = splitBaskets(s.Baskets, raw[first:])
		if cut == len(rs) {
			return
		}
		var unseen []int64
		for _, r := range rs[cut:] {
			if opts.MinValue != nil && r.HasValue && r.Value < *opts.MinValue {
				continue
			}
			if p := index(r.Product); p >= 0 {
				ec.Relevant = append(ec.Relevant, p)
			} else {
				unseen = append(unseen, r.Product)
			}
		}
		slices.Sort(unseen)
		ec.Unseen = len(slices.Compact(unseen))
		if len(ec.Relevant)+ec.Unseen == 0 {
			return
		}
		slices.Sort(ec.Known)
		ec.Known = slices.Compact(ec.Known)
		slices.Sort(ec.Relevant)
		ec.Relevant = slices.Compact(ec.Relevant)
		s.Customers = append(s.Customers, ec)
		evaluated = append(evaluated, c)
	})

	cutoff := latest.Add(-popularWindow).UnixMicro()
	s.Train, s.Recent, s.AllTime = aggregate(raw, s.TrainCustomers, len(productIDs), cutoff)
	// Histories: aggregate emits each customer's interactions together, in customer order.
	start := make([]int, s.TrainCustomers+1)
	for _, x := range s.Train {
		start[x.Customer+1]++
	}
	for c := range s.TrainCustomers {
		start[c+1] += start[c]
	}
	for i, c := range evaluated {
		h := slices.Clone(s.Train[start[c]:start[c+1]])
		for j := range h {
			h[j].Customer = -1
		}
		slices.SortFunc(h, func(a, b Interaction) int { return cmp.Compare(a.Product, b.Product) })
		s.Customers[i].History = h
	}
	return s, nil
}

// forEachCustomer calls fn with each customer's run of rows (rows sorted by customer).
func forEachCustomer(rows []EvalRow, fn func([]EvalRow)) {
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].Customer == rows[start].Customer {
			end++
		}
		fn(rows[start:end])
		start = end
	}
}
