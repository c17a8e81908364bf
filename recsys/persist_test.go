package recsys

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestLoadServesWhatTrainPersisted(t *testing.T) {
	trained, db := trainedShop(t)
	ctx := context.Background()
	loaded := NewService(db, fixedClock(trainTime.Add(time.Hour)))
	if ok, err := loaded.Load(ctx); !ok || err != nil {
		t.Fatalf("Load = %v, %v; want true, nil", ok, err)
	}
	want, _ := trained.Status()
	got, ok := loaded.Status()
	if !ok || !got.TrainedAt.Equal(want.TrainedAt) || got.Interactions != want.Interactions ||
		got.Customers != want.Customers || got.Items != want.Items || got.Algorithm != want.Algorithm {
		t.Fatalf("loaded status = %+v, want %+v", got, want)
	}
	for _, c := range []int64{1, 2, 3, 4, 5, 6, 999} {
		a, errA := trained.Recommend(ctx, c, Options{N: 10})
		b, errB := loaded.Recommend(ctx, c, Options{N: 10})
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("customer %d: trained service gives %v (%v), loaded one %v (%v)", c, a, errA, b, errB)
		}
	}
	for _, p := range []int64{101, 102, 103, 104, 105} {
		a, _ := trained.Similar(ctx, p, 10)
		b, _ := loaded.Similar(ctx, p, 10)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("product %d: trained service gives %v, loaded one %v", p, a, b)
		}
	}
}

func TestLoadRefreshesProductDetails(t *testing.T) {
	_, db := trainedShop(t)
	ctx := context.Background()
	if err := db.Exec("UPDATE products SET name = 'Crimson Mug', price = 12 WHERE id = 101").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("DELETE FROM products WHERE id = 103").Error; err != nil {
		t.Fatal(err)
	}
	s := NewService(db, fixedClock(trainTime))
	if ok, err := s.Load(ctx); !ok || err != nil {
		t.Fatalf("Load = %v, %v", ok, err)
	}
	items, err := s.Similar(ctx, 102, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := itemIDs(items); !slices.Equal(got, []int64{101, 104, 105}) {
		t.Fatalf("Similar(102) = %v, want [101 104 105]: the deleted 103 must be gone", got)
	}
	if items[0].Name != "Crimson Mug" || items[0].Price != 12 {
		t.Errorf("product 101 = %q at %v, want the new name and price", items[0].Name, items[0].Price)
	}
}

func TestTrainKeepsTheLatestThreeModelsPerAlgorithm(t *testing.T) {
	db := openShop(t)
	ctx := context.Background()
	var runs []time.Time
	for i := range 5 {
		at := trainTime.Add(time.Duration(i) * time.Hour)
		runs = append(runs, at)
		if _, err := NewService(db, fixedClock(at)).Train(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, algo := range []string{AlgoItemItem, AlgoPopularity} {
		var kept []time.Time
		if err := db.Raw("SELECT trained_at FROM recsys_models WHERE algorithm = ? ORDER BY trained_at", algo).
			Scan(&kept).Error; err != nil {
			t.Fatal(err)
		}
		if len(kept) != 3 || !kept[0].Equal(runs[2]) || !kept[2].Equal(runs[4]) {
			t.Errorf("%s models kept: %v, want the last three of %v", algo, kept, runs)
		}
	}
	s := NewService(db, nil)
	if ok, err := s.Load(ctx); !ok || err != nil {
		t.Fatalf("Load = %v, %v", ok, err)
	}
	if st, _ := s.Status(); !st.TrainedAt.Equal(runs[4]) {
		t.Errorf("loaded the run of %v, want the newest %v", st.TrainedAt, runs[4])
	}
}

func TestLatestCompleteSkipsRunsMissingAnAlgorithm(t *testing.T) {
	t1, t2, t3 := trainTime, trainTime.Add(time.Hour), trainTime.Add(2*time.Hour)
	rows := []modelRow{ // newest first, as loadLatest reads them
		{ID: 9, Algorithm: AlgoItemItem, TrainedAt: t3},
		{ID: 8, Algorithm: AlgoPopularity, TrainedAt: t2},
		{ID: 7, Algorithm: AlgoItemItem, TrainedAt: t2},
		{ID: 5, Algorithm: AlgoPopularity, TrainedAt: t1},
		{ID: 4, Algorithm: AlgoItemItem, TrainedAt: t1},
	}
	if got := latestComplete(rows, []string{AlgoItemItem, AlgoPopularity}); !slices.Equal(got, []int64{7, 8}) {
		t.Errorf("latestComplete = %v, want [7 8] (the run at t3 lacks popularity)", got)
	}
	if got := latestComplete(rows[:1], []string{AlgoItemItem, AlgoPopularity}); got != nil {
		t.Errorf("latestComplete of an incomplete run = %v, want nil", got)
	}
}

func TestRecommendKeepsServingWhileTraining(t *testing.T) {
	db := store.OpenTest(t)
	seedShop(t, db, 600, 300, 10, 7)
	var hour atomic.Int64
	clock := func() time.Time { return trainTime.Add(time.Duration(hour.Add(1)) * time.Hour) }
	s := NewService(db, clock)
	ctx := context.Background()
	if _, err := s.Train(ctx, nil); err != nil {
		t.Fatal(err)
	}
	first, _ := s.Status()

	done := make(chan struct{})
	var wg sync.WaitGroup
	var served atomic.Int64
	errs := make(chan error, 8)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := int64(w); ; c++ {
				select {
				case <-done:
					return
				default:
				}
				items, err := s.Recommend(ctx, 1+c%600, Options{N: 10})
				if err == nil && len(items) != 10 {
					err = errors.New("short recommendation list")
				}
				if err != nil {
					errs <- err
					return
				}
				served.Add(1)
			}
		}()
	}
	for range 2 {
		if _, err := s.Train(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Recommend during training: %v", err)
	}
	last, _ := s.Status()
	if !last.TrainedAt.After(first.TrainedAt) || served.Load() == 0 {
		t.Fatalf("after retraining: trained at %v (first %v), %d requests served", last.TrainedAt, first.TrainedAt, served.Load())
	}
}
