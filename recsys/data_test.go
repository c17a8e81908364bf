package recsys

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestAggregateSumsDampensAndKeepsTheMostRecentProducts(t *testing.T) {
	const cutoff = 100
	rows := []rawRow{
		// customer 0: product 0 twice (summed), product 1 before the cutoff
		{customer: 0, product: 0, weight: 1, at: 2000},
		{customer: 0, product: 0, weight: 5, at: 1500},
		{customer: 0, product: 1, weight: 3, at: 10},
	}
	// customer 1: maxHistory+5 products, product p touched at time p: the five oldest go
	for p := range int32(maxHistory + 5) {
		rows = append(rows, rawRow{customer: 1, product: p, weight: 1, at: int64(p)})
	}
	xs, recent, allTime := aggregate(rows, 2, maxHistory+5, cutoff)

	var c0 []Interaction
	var c1 []int32
	for _, x := range xs {
		if x.Customer == 0 {
			c0 = append(c0, x)
		} else {
			c1 = append(c1, x.Product)
		}
	}
	want0 := []Interaction{{0, 0, float32(math.Log1p(6))}, {0, 1, float32(math.Log1p(3))}}
	if !slices.Equal(c0, want0) {
		t.Errorf("customer 0 interactions = %v, want %v", c0, want0)
	}
	slices.Sort(c1)
	if len(c1) != maxHistory || c1[0] != 5 || c1[len(c1)-1] != maxHistory+4 {
		t.Errorf("customer 1 keeps %d products from %d to %d, want %d from 5", len(c1), c1[0], c1[len(c1)-1], maxHistory)
	}
	// Popularity counts every product a customer touched, capped or not, once per customer.
	if allTime[0] != 2 || allTime[1] != 2 || allTime[2] != 1 || allTime[maxHistory+4] != 1 {
		t.Errorf("all-time counts start %v, want [2 2 1 ...]", allTime[:3])
	}
	// Recent: customer 0's product 0 (last at 2000), and customer 1's products from 100 on.
	if recent[0] != 1 || recent[1] != 0 || recent[99] != 0 || recent[100] != 1 {
		t.Errorf("recent counts of 0, 1, 99, 100 = %d, %d, %d, %d; want 1, 0, 0, 1", recent[0], recent[1], recent[99], recent[100])
	}
}

func TestTheTrainingSetOfReadRowsIsTheOneReadStreamed(t *testing.T) {
	db := store.OpenTest(t)
	seedShop(t, db, 300, 80, 12, 5)
	ctx := context.Background()
	// A cut inside the data, so that rows after it are left out by both.
	cut := trainTime.AddDate(0, 0, -10)
	streamed, err := readTrainingSet(ctx, db, cut)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := ReadEvalRows(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	fromRows := trainingSetOf(rows, cut)
	if streamed.rows == 0 || streamed.rows == len(rows) {
		t.Fatalf("%d of %d rows up to the cut: the cut should leave some out", streamed.rows, len(rows))
	}
	if !reflect.DeepEqual(fromRows, streamed) {
		t.Fatalf("the training set built from read rows differs from the streamed one:\n%d rows, %d customers, %d products\nwant %d rows, %d customers, %d products",
			fromRows.rows, fromRows.customers, len(fromRows.productIDs), streamed.rows, streamed.customers, len(streamed.productIDs))
	}
}
