package recsys

import (
	"context"
	"slices"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestReadEvalRowsReadsInteractionsWithTheirValues(t *testing.T) {
	db := store.OpenTest(t)
	insertRows(t, db, "customers", "id, external_id, created_at, updated_at", [][]any{{1, "c1", at(0), at(0)}})
	insertRows(t, db, "products", "id, external_id, name, price, in_stock, created_at, updated_at",
		[][]any{{1, "p1", "P1", 1.0, true, at(0), at(0)}, {2, "p2", "P2", 1.0, true, at(0), at(0)}})
	insertRows(t, db, "events", "customer_id, type, product_id, occurred_at, value, dedup_key, created_at", [][]any{
		{1, "view", 1, at(1), nil, "e1", at(1)},
		{1, "cart", 2, at(2), 4.5, "e2", at(2)},
		{1, "search", 2, at(3), nil, "e3", at(3)}, // not an interaction
		{1, "view", nil, at(4), nil, "e4", at(4)}, // no product
	})
	insertRows(t, db, "orders", "order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at",
		[][]any{{"o1", 1, 2, 1, 9.99, 9.99, at(5), at(5)}})
	rows, err := ReadEvalRows(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(rows, compareEvalRows)
	want := []EvalRow{
		{Customer: 1, Product: 1, Weight: 1, At: at(1)},
		{Customer: 1, Product: 2, Weight: 3, At: at(2), Value: 4.5, HasValue: true},
		{Customer: 1, Product: 2, Weight: 5, At: at(5)},
	}
	if !slices.EqualFunc(rows, want, func(a, b EvalRow) bool { return compareEvalRows(a, b) == 0 && a.HasValue == b.HasValue }) {
		t.Errorf("ReadEvalRows = %+v, want %+v", rows, want)
	}
}
