package recsys

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/persona-app/persona/store"
)

// basketsSQL lists order lines by order, walking the (order_id, product_id) unique index,
// so one order's lines arrive together and each product once.
const basketsSQL = `SELECT order_id, product_id FROM orders WHERE ordered_at <= ? ORDER BY order_id, product_id`

// ReadBaskets returns the baskets association rules are mined from: one per order
// (orders.order_id) placed up to until, each the ids of its products, ascending. It reads
// the order lines in one streamed query.
func ReadBaskets(ctx context.Context, db *store.DB, until time.Time) (ids [][]int64, err error) {
	rows, err := db.WithContext(ctx).Raw(basketsSQL, until.UTC()).Rows()
	if err != nil {
		return nil, fmt.Errorf("recsys: read baskets: %w", err)
	}
	defer rows.Close()
	var (
		orderID, last string
		productID     int64
		current       []int64
	)
	for rows.Next() {
		if err := rows.Scan(&orderID, &productID); err != nil {
			return nil, fmt.Errorf("recsys: read basket line: %w", err)
		}
		if len(current) > 0 && orderID != last {
			ids = append(ids, current)
			current = nil
		}
		current, last = append(current, productID), orderID
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recsys: read baskets: %w", err)
	}
	if len(current) > 0 {
		ids = append(ids, current)
	}
	return ids, nil
}

// denseBaskets maps baskets of product ids to dense indices over productIDs (ascending),
// dropping products outside it and baskets left empty.
func denseBaskets(ids [][]int64, productIDs []int64) [][]int32 {
	out := make([][]int32, 0, len(ids))
	for _, basket := range ids {
		var dense []int32
		for _, id := range basket {
			if i, ok := slices.BinarySearch(productIDs, id); ok {
				dense = append(dense, int32(i))
			}
		}
		if len(dense) > 0 {
			out = append(out, dense)
		}
	}
	return out
}

// splitBaskets appends to dst the offline baskets of one customer's training rows (sorted
// by time, then product id) given as dense rows: a basket is the set of purchase rows
// (weight purchaseWeight: order lines and purchase events) sharing the same moment. In the
// synthetic data an order's lines and its purchase events share that moment, so a basket
// is an order; a purchase event and the order line of the same product count once.
func splitBaskets(dst [][]int32, rows []rawRow) [][]int32 {
	for start := 0; start < len(rows); {
		end := start + 1
		for end < len(rows) && rows[end].at == rows[start].at {
			end++
		}
		var basket []int32
		for _, r := range rows[start:end] {
			if r.weight == purchaseWeight {
				basket = append(basket, r.product)
			}
		}
		if len(basket) > 0 {
			slices.Sort(basket)
			dst = append(dst, slices.Compact(basket))
		}
		start = end
	}
	return dst
}
