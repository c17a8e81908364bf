package recsys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestBusinessRules(t *testing.T) {
	s, _ := trainedShop(t)
	cases := []struct {
		name     string
		customer int64
		rules    Rules
		want     []int64
	}{
		{"by default nothing bought and nothing out of stock", 1, Rules{}, []int64{101, 103, 104, 105}},
		{"only the categories asked for, fills included", 1, Rules{Categories: []string{"Tea"}}, []int64{103, 104}},
		{"excluded categories never appear", 1, Rules{ExcludeCategories: []string{"mugs"}}, []int64{103, 104, 105}},
		{"at most one per category", 1, Rules{MaxPerCategory: 1}, []int64{101, 103, 105}},
		{"a minimum price", 1, Rules{MinPrice: 20}, []int64{103, 104}},
		{"a maximum price", 1, Rules{MaxPrice: 10}, []int64{101, 105}},
		{"a price range", 1, Rules{MinPrice: 5, MaxPrice: 30}, []int64{101, 103}},
		{"what was bought may come back when allowed", 1, Rules{IncludeBought: true, Categories: []string{"mugs"}}, []int64{101, 102}},
		{"out of stock may come when allowed", 5, Rules{IncludeOutOfStock: true, Categories: []string{"cutlery"}}, []int64{105, 106}},
		// Customer 3 viewed 102 and 104 and put 103 in a cart: without the rule those come
		// back (TestRecommend); with it, only what is new to them, topped up with popular.
		{"only products new to the customer", 3, Rules{ExcludeSeen: true}, []int64{101, 105}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			items, err := s.Recommend(context.Background(), c.customer, Options{N: 5, Rules: c.rules, Algorithm: AlgoItemItem})
			if err != nil {
				t.Fatal(err)
			}
			if got := itemIDs(items); !slices.Equal(got, c.want) {
				t.Fatalf("Recommend(%d, %+v) = %v, want %v", c.customer, c.rules, got, c.want)
			}
		})
	}
}

func TestBadRulesAndAlgorithmsAreNamed(t *testing.T) {
	s, _ := trainedShop(t)
	cases := []struct {
		name  string
		opts  Options
		field string
	}{
		{"a negative cap", Options{N: 3, Rules: Rules{MaxPerCategory: -1}}, "max_per_category"},
		{"a range upside down", Options{N: 3, Rules: Rules{MinPrice: 10, MaxPrice: 5}}, "max_price"},
		{"a category both in and out", Options{N: 3, Rules: Rules{Categories: []string{"tea"}, ExcludeCategories: []string{"Tea"}}}, "exclude_categories"},
		{"an algorithm nobody trained", Options{N: 3, Algorithm: "telepathy"}, "algorithm"},
		{"new products only, bought ones included", Options{N: 3, Rules: Rules{ExcludeSeen: true, IncludeBought: true}}, "exclude_seen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Recommend(context.Background(), 1, c.opts)
			var fe store.FieldErrors
			if !errors.As(err, &fe) || fe[c.field] == "" {
				t.Fatalf("err = %v, want a message for %q", err, c.field)
			}
		})
	}
}

func TestNewBehaviourCountsOnceForgotten(t *testing.T) {
	s, db := trainedShop(t)
	ctx := context.Background()
	before, err := s.Recommend(ctx, 4, Options{N: 3, Algorithm: AlgoItemItem})
	if err != nil {
		t.Fatal(err)
	}
	// Customer 4 buys the Red Mug: the API writes the row, then the app forgets them.
	insertRows(t, db, "orders", "order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at",
		[][]any{{"O-9", 4, 101, 1, 9.5, 9.5, trainTime.Add(time.Hour), trainTime.Add(time.Hour)}})
	cached, err := s.Recommend(ctx, 4, Options{N: 3, Algorithm: AlgoItemItem})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(itemIDs(cached), itemIDs(before)) {
		t.Fatalf("served %v before forgetting, want the cached %v", itemIDs(cached), itemIDs(before))
	}
	s.Forget(4)
	after, err := s.Recommend(ctx, 4, Options{N: 3, Algorithm: AlgoItemItem})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(itemIDs(after), 101) {
		t.Fatalf("after the purchase the Red Mug is still proposed: %v", itemIDs(after))
	}
	if !slices.Contains(reasons(after), "Because you bought Red Mug") {
		t.Fatalf("reasons %q: the new purchase should explain something", reasons(after))
	}
	// Forgetting everyone (a CSV import) works the same way.
	s.Forget()
	if again, err := s.Recommend(ctx, 4, Options{N: 3, Algorithm: AlgoItemItem}); err != nil || !slices.Equal(itemIDs(again), itemIDs(after)) {
		t.Fatalf("after forgetting everyone: %v, %v; want %v", itemIDs(again), err, itemIDs(after))
	}
}

func TestAPurchaseOlderThanTheHistoryWindowStillCountsAsBought(t *testing.T) {
	s, db := trainedShop(t)
	ctx := context.Background()
	// Customer 2 bought the Blue Mug (102) before training; then views the Kettle (104)
	// more times than a history read from the database holds.
	var views [][]any
	for i := range maxHistory + 5 {
		at := trainTime.Add(time.Duration(i+1) * time.Minute)
		views = append(views, []any{2, "view", 104, at, fmt.Sprintf("busy-%d", i), at})
	}
	insertRows(t, db, "events", "customer_id, type, product_id, occurred_at, dedup_key, created_at", views)
	s.Forget(2)
	h, err := readHistory(ctx, db, s.current.Load().catalog, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !h.hasBought(dense(102)) {
		t.Fatalf("bought %v: the Blue Mug, bought before the latest %d events, is missing", h.bought, maxHistory)
	}
	for _, algo := range []string{AlgoItemItem, AlgoPopularity} {
		items, err := s.Recommend(ctx, 2, Options{N: 5, Algorithm: algo})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(itemIDs(items), 102) {
			t.Fatalf("%s proposes the Blue Mug again to the customer who bought it: %v", algo, itemIDs(items))
		}
	}
}

func TestPopularityWithinASegment(t *testing.T) {
	db := openShop(t)
	s := NewService(db, fixedClock(trainTime))
	s.Segments = func(context.Context) ([]SegmentMembers, error) {
		return []SegmentMembers{{ID: 7, Name: "Tea lovers", Customers: []int64{3, 4, 999}}}, nil
	}
	ctx := context.Background()
	if _, err := s.Train(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Members 3 and 4 touched 103 and 104 both, 102 only 3: then the overall favourite.
	want := []int64{103, 104, 102, 101}
	wantReasons := []string{"Popular in Tea lovers", "Popular in Tea lovers", "Popular in Tea lovers", "Popular right now"}
	for _, svc := range []*Service{s, loadedService(t, db)} {
		items, err := svc.Recommend(ctx, 999, Options{N: 4, Algorithm: AlgoPopularity, Segment: 7})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(itemIDs(items), want) || !slices.Equal(reasons(items), wantReasons) {
			t.Fatalf("got %v %q, want %v %q", itemIDs(items), reasons(items), want, wantReasons)
		}
	}
	// Without a segment, popularity is overall.
	items, err := s.Recommend(ctx, 999, Options{N: 1, Algorithm: AlgoPopularity})
	if err != nil || itemIDs(items)[0] != 102 {
		t.Fatalf("overall popularity = %v, %v; want 102 first", itemIDs(items), err)
	}
}

// loadedService returns a fresh service serving the models persisted in db.
func loadedService(t *testing.T, db *store.DB) *Service {
	t.Helper()
	s := NewService(db, fixedClock(trainTime.Add(time.Hour)))
	if ok, err := s.Load(context.Background()); err != nil || !ok {
		t.Fatalf("load: %v, %v", ok, err)
	}
	return s
}

func TestExplanations(t *testing.T) {
	s, _ := trainedShop(t)
	snap := s.current.Load()
	// Blue Mug bought (and put in a cart before), Teapot left in a cart, the rest viewed.
	h := &history{bought: []int32{dense(102)}, carted: []int32{dense(102), dense(103)}}
	cases := []struct {
		algorithm string
		c         Candidate
		want      string
	}{
		{AlgoItemItem, Candidate{Because: dense(102)}, "Because you bought Blue Mug"},
		{AlgoItemItem, Candidate{Product: dense(103), Because: dense(101)}, "Because you viewed Red Mug"},
		{"association-rules", Candidate{Because: dense(102), Confidence: 0.62, Lift: 3.14}, "Customers who bought Blue Mug also bought this (confidence 62 %, lift 3.1)"},
		{"content", Candidate{Product: dense(103), Because: dense(101)}, "Similar to Red Mug you viewed"},
		{"user-to-user", Candidate{Because: -1}, "Customers with tastes like yours chose this"},
		{"user-to-user", Candidate{Because: dense(103)}, "Customers who also chose Teapot liked this"},
		{"als", Candidate{Because: dense(104)}, "Matches your taste for Kettle"},
		// A product that is its own reason: the customer's own interaction with it.
		{"als", Candidate{Product: dense(104), Because: dense(104)}, "You viewed this"},
		{"content", Candidate{Product: dense(102), Because: dense(102)}, "You bought this before"},
		{"blend", Candidate{Product: dense(101), Because: dense(101), Source: "item-to-item"}, "You viewed this"},
		{"blend", Candidate{Because: dense(102), Source: "content"}, "Similar to Blue Mug you bought"},
		{AlgoItemItem, Candidate{Product: dense(104), Because: dense(103)}, "Because you added Teapot to your cart"},
		{"content", Candidate{Product: dense(101), Because: dense(103)}, "Similar to Teapot you added to your cart"},
		{"als", Candidate{Product: dense(103), Because: dense(103)}, "You added this to your cart"},
		{AlgoPopularity, Candidate{Because: -1}, "Popular right now"},
		{AlgoItemItem, Candidate{Because: -1}, "Recommended for you"},
	}
	for _, c := range cases {
		if got := snap.explain(c.algorithm, c.c, h); got != c.want {
			t.Errorf("explain(%s, %+v) = %q, want %q", c.algorithm, c.c, got, c.want)
		}
	}
}

func TestAServedListIsReusedOnlyForTheSameRequest(t *testing.T) {
	s, _ := trainedShop(t)
	ctx := context.Background()
	first, err := s.Recommend(ctx, 1, Options{N: 3, Algorithm: AlgoItemItem})
	if err != nil {
		t.Fatal(err)
	}
	first[0].Name = "changed by the caller"
	again, err := s.Recommend(ctx, 1, Options{N: 3, Algorithm: AlgoItemItem})
	if err != nil || again[0].Name != "Red Mug" {
		t.Fatalf("the cached list was changed through a returned copy: %+v, %v", again, err)
	}
	for _, o := range []Options{
		{N: 4, Algorithm: AlgoItemItem},
		{N: 3, Algorithm: AlgoPopularity},
		{N: 3, Algorithm: AlgoItemItem, Rules: Rules{Categories: []string{"tea"}}},
	} {
		items, err := s.Recommend(ctx, 1, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != o.N && o.Rules.Categories == nil {
			t.Fatalf("%+v answered with %d items: a list cached for another request", o, len(items))
		}
		for _, it := range items {
			if o.Rules.Categories != nil && it.Category != "tea" {
				t.Fatalf("%+v answered with %+v: a list cached for another request", o, it)
			}
			if o.Algorithm == AlgoPopularity && it.Algorithm != AlgoPopularity {
				t.Fatalf("%+v answered with %+v: a list cached for another request", o, it)
			}
		}
	}
}

func TestAnEncodedListIsKeptUntilTheCustomerChanges(t *testing.T) {
	s, db := trainedShop(t)
	ctx := context.Background()
	calls := 0
	encode := func(items []Item) ([]byte, error) {
		calls++
		return []byte(fmt.Sprint(itemIDs(items))), nil
	}
	o := Options{N: 3, Algorithm: AlgoItemItem}
	first, err := s.RecommendEncoded(ctx, 4, o, "ids", encode)
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.RecommendEncoded(ctx, 4, o, "ids", encode)
	if err != nil || string(again) != string(first) || calls != 1 {
		t.Fatalf("asked again: %s, %v after %d encodings; want %s from one encoding", again, err, calls, first)
	}
	// Another format is encoded afresh, from the same list.
	other, err := s.RecommendEncoded(ctx, 4, o, "ids again", encode)
	if err != nil || string(other) != string(first) || calls != 2 {
		t.Fatalf("another format: %s, %v after %d encodings", other, err, calls)
	}
	// Customer 4 buys the Red Mug and is forgotten: the next answer is encoded from the new list.
	insertRows(t, db, "orders", "order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at",
		[][]any{{"O-9", 4, 101, 1, 9.5, 9.5, trainTime.Add(time.Hour), trainTime.Add(time.Hour)}})
	s.Forget(4)
	after, err := s.RecommendEncoded(ctx, 4, o, "ids", encode)
	if err != nil || calls != 3 {
		t.Fatalf("after the purchase: %s, %v after %d encodings; want a third encoding", after, err, calls)
	}
	if !strings.Contains(string(first), "101") || strings.Contains(string(after), "101") {
		t.Fatalf("before %s, after %s: the Red Mug (101) should leave the list once bought", first, after)
	}
	if _, err := s.RecommendEncoded(ctx, 4, o, "broken", func([]Item) ([]byte, error) { return nil, errors.New("no") }); err == nil {
		t.Fatal("an encoding error was not returned")
	}
}

func TestWarmReadsEveryHistoryAfterARestart(t *testing.T) {
	trained, db := trainedShop(t)
	ctx := context.Background()
	s := NewService(db, fixedClock(trainTime)) // a new process
	if ok, err := s.Load(ctx); !ok || err != nil {
		t.Fatalf("load: %v, %v", ok, err)
	}
	snap := s.current.Load()
	if n := countCached(snap); n != 0 {
		t.Fatalf("%d histories cached before warming", n)
	}
	added, err := s.Warm(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := countCached(trained.current.Load())
	if added != want || countCached(snap) != want || want == 0 {
		t.Fatalf("warming added %d histories (%d cached), want the %d training cached", added, countCached(snap), want)
	}
	// Each warmed history is the one a request would read from the database, down to
	// what was bought and what was put in a cart (customers 2 and 3 carted product 103).
	carted := 0
	snap.histories.m.Range(func(k, v any) bool {
		read, err := readHistory(ctx, db, snap.catalog, k.(int64))
		if err != nil {
			t.Fatal(err)
		}
		got := v.(*history)
		if !slices.Equal(got.items, read.items) || !slices.Equal(got.bought, read.bought) || !slices.Equal(got.carted, read.carted) {
			t.Fatalf("customer %d: warmed %+v, read %+v", k, got, read)
		}
		if got.hasCarted(dense(103)) {
			carted++
		}
		return true
	})
	if carted != 2 {
		t.Fatalf("%d histories have product 103 in a cart, want 2", carted)
	}
	// A second warm-up adds nothing, and keeps what is cached.
	if again, err := s.Warm(ctx); again != 0 || err != nil {
		t.Fatalf("warming again added %d, %v", again, err)
	}
}

// countCached counts the histories a snapshot caches.
func countCached(snap *snapshot) int {
	n := 0
	snap.histories.m.Range(func(any, any) bool { n++; return true })
	return n
}

func TestProductDetailsChangedDuringTrainingReachTheNewModels(t *testing.T) {
	s, db := trainedShop(t)
	ctx := context.Background()
	o := Options{N: 3, Algorithm: AlgoItemItem}
	before, err := s.Recommend(ctx, 1, o)
	if err != nil || len(before) == 0 {
		t.Fatalf("before: %v, %v", before, err)
	}
	gone := before[0].ProductID
	outOfStock := func() {
		if err := db.Exec(`UPDATE products SET in_stock = ? WHERE id = ?`, false, gone).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.RefreshCatalog(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// The product goes out of stock while a training run is saving models it read the
	// catalogue for earlier.
	once := false
	if _, err := s.Train(ctx, func(stage string, _ float64) {
		if stage == "saving" && !once {
			once = true
			outOfStock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if !once {
		t.Fatal("training never reached its saving stage")
	}
	after, err := s.Recommend(ctx, 1, o)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(itemIDs(after), gone) {
		t.Fatalf("product %d went out of stock during training and is still recommended: %v", gone, itemIDs(after))
	}
}

func TestTheListCacheIsBoundedByWhatItHolds(t *testing.T) {
	s, _ := trainedShop(t)
	ctx := context.Background()
	o := Options{N: 3, Algorithm: AlgoItemItem}
	items, err := s.Recommend(ctx, 1, o)
	if err != nil || len(items) == 0 {
		t.Fatalf("recommend: %v, %v", items, err)
	}
	h := s.current.Load().histories
	if got, want := h.listBytes.Load(), int64(len(items))*itemBytes; got != want {
		t.Fatalf("one cached list of %d items counts %d bytes, want %d", len(items), got, want)
	}
	body, err := s.RecommendEncoded(ctx, 1, o, "ids", func(items []Item) ([]byte, error) {
		return []byte(fmt.Sprint(itemIDs(items))), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.listBytes.Load(), int64(len(items))*itemBytes+int64(len(body)); got != want {
		t.Fatalf("with its encoding the cache counts %d bytes, want %d", got, want)
	}
	// Past the bound the cache starts again empty.
	h.countListBytes(maxCachedListBytes)
	if _, ok := h.cachedList(1, listKey(AlgoItemItem, o)); ok || h.listBytes.Load() != 0 {
		t.Fatalf("past the bound the cache still holds the list (%d bytes counted)", h.listBytes.Load())
	}
}
