package recsys

import (
	"context"
	"slices"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestReadBasketsGroupsOrderLinesByOrderUpToTheGivenTime(t *testing.T) {
	db := store.OpenTest(t)
	insertRows(t, db, "customers", "id, external_id, created_at, updated_at",
		[][]any{{1, "c1", at(0), at(0)}, {2, "c2", at(0), at(0)}})
	var products [][]any
	for p := 1; p <= 5; p++ {
		products = append(products, []any{p, "p" + string(rune('0'+p)), "P", 1.0, true, at(0), at(0)})
	}
	insertRows(t, db, "products", "id, external_id, name, price, in_stock, created_at, updated_at", products)
	line := func(order string, customer, product, hour int) []any {
		return []any{order, customer, product, 1, 9.99, 9.99, at(hour), at(hour)}
	}
	insertRows(t, db, "orders", "order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at", [][]any{
		line("o2", 2, 4, 3), line("o1", 1, 3, 1), line("o1", 1, 1, 1), line("o3", 1, 2, 5),
		line("o2", 2, 1, 3), line("o1", 1, 2, 1), line("o9", 2, 5, 9), // o9 comes after until
	})
	got, err := ReadBaskets(context.Background(), db, at(5))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]int64{{1, 2, 3}, {1, 4}, {2}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("ReadBaskets = %v, want %v", got, want)
	}
	if got, err := ReadBaskets(context.Background(), db, at(0)); err != nil || len(got) != 0 {
		t.Errorf("ReadBaskets before any order = %v, %v; want none", got, err)
	}
}

func TestDenseBasketsDropsProductsOutsideTheModel(t *testing.T) {
	got := denseBaskets([][]int64{{10, 30, 99}, {99}, {20}}, []int64{10, 20, 30})
	want := [][]int32{{0, 2}, {1}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("denseBaskets = %v, want %v", got, want)
	}
}

func TestSplitBasketsAreTrainingPurchasesSharingCustomerAndMoment(t *testing.T) {
	// Products 1..6 are dense 0..5 (all seen in training).
	rows := []EvalRow{
		// Customer 1, order at hour 1: order lines 1 and 2, a purchase event for 1 again,
		// and a view at the same moment, which is not a purchase.
		{Customer: 1, Product: 1, Weight: 5, At: at(1)},
		{Customer: 1, Product: 2, Weight: 5, At: at(1)},
		{Customer: 1, Product: 1, Weight: 5, At: at(1)},
		{Customer: 1, Product: 3, Weight: 1, At: at(1)},
		{Customer: 1, Product: 4, Weight: 3, At: at(2)}, // a cart alone: no basket
		{Customer: 1, Product: 3, Weight: 5, At: at(3)},
		{Customer: 1, Product: 5, Weight: 5, At: at(4)}, // held out with the next (10 rows: 2 held out)
		{Customer: 1, Product: 6, Weight: 5, At: at(4)},
		{Customer: 1, Product: 1, Weight: 1, At: at(0)},
		{Customer: 1, Product: 2, Weight: 1, At: at(0)},
		// Customer 2 bought 4 and 5 at the same moment as customer 1's order: another basket.
		{Customer: 2, Product: 4, Weight: 5, At: at(1)},
		{Customer: 2, Product: 5, Weight: 5, At: at(1)},
		{Customer: 2, Product: 6, Weight: 1, At: at(2)},
		{Customer: 2, Product: 6, Weight: 1, At: at(9)}, // held out
	}
	s, err := SplitHoldout(rows, EvalOptions{Holdout: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.Products, []int64{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("products = %v", s.Products)
	}
	want := [][]int32{{0, 1}, {2}, {3, 4}}
	if !slices.EqualFunc(s.Baskets, want, slices.Equal) {
		t.Errorf("Baskets = %v, want %v", s.Baskets, want)
	}
}
