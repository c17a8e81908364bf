package recsys

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// Products of testdata/shop.sql by dense index: 101 → 0 ... 104 → 3.
func dense(id int64) int32 { return int32(id - 101) }

func TestTrainLearnsCosineFromEventsAndOrders(t *testing.T) {
	s, _ := trainedShop(t)
	ctx := context.Background()
	for _, p := range []int64{101, 102, 103, 104} {
		items, err := s.Similar(ctx, p, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Algorithm != AlgoItemItem {
				continue
			}
			want := sim(dense(p), dense(it.ProductID))
			if math.Abs(it.Score-want) > 1e-6 {
				t.Errorf("sim(%d, %d) = %.9f, want %.9f", p, it.ProductID, it.Score, want)
			}
		}
	}
	st, ok := s.Status()
	want := TrainStats{Algorithm: AlgoItemItem, Interactions: 15, Customers: 5, Items: 6, TrainedAt: trainTime}
	st.Duration = 0
	if !ok || st != want {
		t.Fatalf("Status() = %+v, %v; want %+v (the click, the search and the later view ignored)", st, ok, want)
	}
}

func TestSimilar(t *testing.T) {
	s, _ := trainedShop(t)
	cases := []struct {
		name    string
		product int64
		n       int
		want    []int64
		reasons []string
	}{
		{"neighbours come first, best first", 101, 2, []int64{102, 103}, []string{"Similar to Red Mug", "Similar to Red Mug"}},
		{"popular products fill the rest, without the product itself", 101, 4, []int64{102, 103, 104, 105},
			[]string{"Similar to Red Mug", "Similar to Red Mug", "Popular right now", "Popular right now"}},
		{"an out-of-stock neighbour is skipped", 105, 2, []int64{102, 103}, []string{"Popular right now", "Popular right now"}},
		{"a product nobody touched gets popular products", 107, 3, []int64{102, 103, 101}, nil},
		{"an unknown product gets popular products", 9999, 1, []int64{102}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := s.Similar(context.Background(), c.product, c.n)
			if err != nil {
				t.Fatal(err)
			}
			if got := itemIDs(items); !slices.Equal(got, c.want) {
				t.Fatalf("Similar(%d) = %v, want %v", c.product, got, c.want)
			}
			if c.reasons != nil && !slices.Equal(reasons(items), c.reasons) {
				t.Fatalf("reasons = %q, want %q", reasons(items), c.reasons)
			}
		})
	}
}

func TestRecommend(t *testing.T) {
	s, _ := trainedShop(t)
	const (
		boughtBlue   = "Because you bought Blue Mug"
		boughtKet    = "Because you bought Kettle"
		viewedRed    = "Because you viewed Red Mug"
		viewedBlue   = "Because you viewed Blue Mug"
		viewedTea    = "Because you viewed Teapot"
		cartedTea    = "Because you added Teapot to your cart"
		popular      = "Popular right now"
		itemItem     = AlgoItemItem
		popularity   = AlgoPopularity
		noScore      = -1.0
		scoreEpsilon = 1e-5
	)
	cases := []struct {
		name     string
		customer int64
		n        int
		want     []int64
		reasons  []string
		algos    []string
		scores   []float64
	}{
		{"a buyer gets neighbours of what they bought, never the bought product", 1, 5,
			[]int64{101, 103, 104, 105}, []string{boughtBlue, boughtBlue, boughtBlue, popular},
			[]string{itemItem, itemItem, itemItem, popularity}, []float64{1.685643569, 1.462447978, 0.158636904, noScore}},
		{"a purchase event counts as bought", 2, 3,
			[]int64{101, 103, 104}, []string{boughtBlue, boughtBlue, cartedTea}, nil, []float64{2.144593859, 1.328213623, 0.898820213}},
		{"a cart is named in reasons and viewed products stay candidates", 3, 4,
			[]int64{101, 102, 104, 103}, []string{viewedBlue, cartedTea, cartedTea, viewedBlue}, nil,
			[]float64{1.184920733, 1.048304818, 0.920695342, 0.795141719}},
		{"an order line counts as bought", 4, 3,
			[]int64{103, 102, 101}, []string{boughtKet, viewedTea, viewedTea}, nil, []float64{1.038978628, 0.597334998, 0.229475145}},
		{"the limit cuts the best", 4, 1, []int64{103}, []string{boughtKet}, nil, nil},
		{"a customer without history gets popular products in stock", 999, 10,
			[]int64{102, 103, 101, 104, 105}, slices.Repeat([]string{popular}, 5), slices.Repeat([]string{popularity}, 5), nil},
		{"behaviour after training counts at once", 6, 4,
			[]int64{102, 103, 101, 104}, []string{viewedRed, viewedRed, popular, popular}, nil,
			[]float64{math.Log(2) * 0.940775588, math.Log(2) * 0.331062654, noScore, noScore}},
		{"an out-of-stock neighbour is never proposed", 5, 3,
			[]int64{105, 102, 103}, []string{"Because you viewed Fork", popular, popular}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := s.Recommend(context.Background(), c.customer, Options{N: c.n, Algorithm: AlgoItemItem})
			if err != nil {
				t.Fatal(err)
			}
			if got := itemIDs(items); !slices.Equal(got, c.want) {
				t.Fatalf("Recommend(%d) = %v, want %v", c.customer, got, c.want)
			}
			if !slices.Equal(reasons(items), c.reasons) {
				t.Errorf("reasons = %q, want %q", reasons(items), c.reasons)
			}
			for i, algo := range c.algos {
				if items[i].Algorithm != algo {
					t.Errorf("item %d algorithm = %q, want %q", items[i].ProductID, items[i].Algorithm, algo)
				}
			}
			for i, score := range c.scores {
				if score != noScore && math.Abs(items[i].Score-score) > scoreEpsilon {
					t.Errorf("item %d score = %.9f, want %.9f", items[i].ProductID, items[i].Score, score)
				}
			}
		})
	}
}

func TestRecommendCarriesProductDetails(t *testing.T) {
	s, _ := trainedShop(t)
	items, err := s.Recommend(context.Background(), 1, Options{N: 1, Algorithm: AlgoItemItem})
	if err != nil {
		t.Fatal(err)
	}
	want := Item{ProductID: 101, ExternalID: "P-101", Name: "Red Mug", Category: "mugs", Price: 9.5, Currency: "EUR",
		ImageURL: "https://shop.example/101.jpg", URL: "https://shop.example/p/101", Reason: "Because you bought Blue Mug",
		Algorithm: AlgoItemItem}
	got := items[0]
	got.Score = 0
	if got != want {
		t.Fatalf("item = %+v\nwant %+v", got, want)
	}
}

func TestUntrainedServiceSaysSo(t *testing.T) {
	s := NewService(openShop(t), fixedClock(trainTime))
	ctx := context.Background()
	if _, err := s.Recommend(ctx, 1, Options{N: 5}); !errors.Is(err, ErrNotTrained) {
		t.Errorf("Recommend before training: err = %v, want ErrNotTrained", err)
	}
	if _, err := s.Similar(ctx, 101, 5); !errors.Is(err, ErrNotTrained) {
		t.Errorf("Similar before training: err = %v, want ErrNotTrained", err)
	}
	if _, ok := s.Status(); ok {
		t.Error("Status before training must say untrained")
	}
	if ok, err := s.Load(ctx); ok || err != nil {
		t.Errorf("Load with nothing persisted = %v, %v; want false, nil", ok, err)
	}
}

func TestTrainingAnEmptyShopServesNothing(t *testing.T) {
	db := store.OpenTest(t)
	ctx := context.Background()
	s := NewService(db, fixedClock(trainTime))
	if st, err := s.Train(ctx, nil); err != nil || st.Interactions != 0 || st.Items != 0 {
		t.Fatalf("Train = %+v, %v; want no interactions and no error", st, err)
	}
	if items, err := s.Recommend(ctx, 1, Options{N: 5}); err != nil || len(items) != 0 {
		t.Errorf("Recommend = %v, %v; want nothing and no error", items, err)
	}
	loaded := NewService(db, nil)
	if ok, err := loaded.Load(ctx); !ok || err != nil {
		t.Errorf("Load of the empty model = %v, %v; want true, nil", ok, err)
	}
}

func TestCountOutOfRangeIsAFieldError(t *testing.T) {
	s, _ := trainedShop(t)
	for _, n := range []int{0, -1, 101} {
		_, err := s.Recommend(context.Background(), 1, Options{N: n})
		if fe, ok := store.AsFieldErrors(err); !ok || fe["n"] == "" {
			t.Errorf("Recommend with n = %d: err = %v, want a field error on n", n, err)
		}
		_, err = s.Similar(context.Background(), 101, n)
		if fe, ok := store.AsFieldErrors(err); !ok || fe["n"] == "" {
			t.Errorf("Similar with n = %d: err = %v, want a field error on n", n, err)
		}
	}
}

func reasons(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Reason)
	}
	return out
}

func TestTrainingProgressMovesForwardThroughEveryStage(t *testing.T) {
	db := store.OpenTest(t)
	seedShop(t, db, 600, 120, 10, 3)
	defer func(n int) { progressEvery = n }(progressEvery)
	progressEvery = 200
	type report struct {
		stage string
		done  float64
	}
	var got []report
	s := NewService(db, func() time.Time { return trainTime })
	if _, err := s.Train(context.Background(), func(stage string, done float64) { got = append(got, report{stage, done}) }); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0].done != 0 || got[len(got)-1] != (report{"done", 1}) {
		t.Fatalf("progress began at %v and ended at %v, want 0 and done at 1", got[0], got[len(got)-1])
	}
	within := map[string]int{}
	for i, r := range got {
		if i > 0 && r.done < got[i-1].done {
			t.Fatalf("progress went back from %v to %v", got[i-1], r)
		}
		switch {
		case r.stage == "reading interactions" && r.done > 0 && r.done <= 0.25,
			r.stage == "tuning the blend" && r.done > 0.55 && r.done < 0.95:
			within[r.stage]++
		}
	}
	if within["reading interactions"] < 2 || within["tuning the blend"] < 2 {
		t.Fatalf("the bar stood still: %d reports while reading, %d while tuning the blend", within["reading interactions"], within["tuning the blend"])
	}
}
