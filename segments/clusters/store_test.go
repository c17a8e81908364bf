package clusters

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestRunStoresTheModelItsClustersAndEveryCustomersCluster(t *testing.T) {
	db, s := openFixture(t)
	ctx := context.Background()
	rep, err := s.Run(ctx, RunOptions{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if rep.K != 3 || rep.Customers != 30 || !reflect.DeepEqual(rep.Sizes, []int{10, 10, 10}) {
		t.Errorf("k %d, customers %d, sizes %v; want 3, 30, 10 each", rep.K, rep.Customers, rep.Sizes)
	}
	if rep.Agreement != nil || rep.PreviousModelID != 0 {
		t.Errorf("first run: agreement %v, previous model %d; want none", rep.Agreement, rep.PreviousModelID)
	}
	if rep.Silhouette < 0.5 || rep.Inertia <= 0 || !reflect.DeepEqual(rep.Features, DefaultFeatures) {
		t.Errorf("silhouette %v, inertia %v, features %v", rep.Silhouette, rep.Inertia, rep.Features)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM cluster_models`); n != 1 {
		t.Errorf("%d models stored, want 1", n)
	}
	if n := count(t, db, `SELECT COUNT(*) FROM clusters WHERE model_id = ?`, rep.ModelID); n != 3 {
		t.Errorf("%d clusters stored for the model, want 3", n)
	}
	keys, models := assignments(t, db)
	if len(keys) != 30 || !reflect.DeepEqual(models, map[int64]bool{rep.ModelID: true}) {
		t.Errorf("%d customers assigned, models %v; want 30 on model %d", len(keys), models, rep.ModelID)
	}
	gk := groupKeys(t, keys)
	if sorted := slices.Sorted(slices.Values(gk)); !reflect.DeepEqual(sorted, []int{1, 2, 3}) {
		t.Errorf("keys %v, want 1, 2 and 3", gk)
	}
	byKey := map[int]ClusterReport{}
	for _, c := range rep.Clusters {
		byKey[c.Key] = c
	}
	champions, lapsed, browsers := byKey[gk[0]], byKey[gk[1]], byKey[gk[2]]
	if champions.Label != "big spenders" || !strings.Contains(champions.Portrait, "recent") ||
		!strings.HasSuffix(champions.Portrait, "mostly Electronics") {
		t.Errorf("champions: label %q, portrait %q", champions.Label, champions.Portrait)
	}
	if !strings.Contains(lapsed.Portrait, "lapsed") || !strings.HasSuffix(lapsed.Portrait, "mostly Garden") {
		t.Errorf("lapsed: portrait %q", lapsed.Portrait)
	}
	if browsers.Label != "window shoppers" || strings.Contains(browsers.Portrait, "mostly") {
		t.Errorf("browsers: label %q, portrait %q", browsers.Label, browsers.Portrait)
	}
	// Centroids are in original units: the champions spend 2000 + 50·(0..9) = 2225 on average.
	if m := champions.Centroid[2]; !near(m, 2225, 1e-6) {
		t.Errorf("champions' monetary centroid = %v, want 2225", m)
	}
	if len(rep.PCA) != 30 || rep.Explained[0] <= 0.5 {
		t.Errorf("%d PCA points, explained %v", len(rep.PCA), rep.Explained)
	}

	latest, ok, err := s.Latest(ctx)
	if err != nil || !ok || latest.ModelID != rep.ModelID || latest.K != 3 || latest.Clusters[0].Portrait != rep.Clusters[0].Portrait {
		t.Errorf("Latest = model %d k %d (%v, %v), want the run's model %d", latest.ModelID, latest.K, ok, err, rep.ModelID)
	}
	list, err := s.Clusters(ctx)
	if err != nil || len(list) != 3 || list[0].Key != 1 || list[0].Size != 10 || list[0].Label == "" {
		t.Errorf("Clusters = %+v, %v", list, err)
	}
}

func TestRetrainWithAnotherSeedKeepsEveryCustomersClusterKey(t *testing.T) {
	db, s := openFixture(t)
	ctx := context.Background()
	first, err := s.Run(ctx, RunOptions{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := assignments(t, db)
	seed := seedWithOtherOrder(t, s, 1)
	second, err := s.Run(ctx, RunOptions{K: 3, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	after, models := assignments(t, db)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("keys changed across the retrain:\nbefore %v\nafter  %v", before, after)
	}
	if !reflect.DeepEqual(models, map[int64]bool{second.ModelID: true}) {
		t.Errorf("assignments point at models %v, want only %d", models, second.ModelID)
	}
	if second.Agreement == nil || *second.Agreement != 1 || second.PreviousModelID != first.ModelID {
		t.Errorf("agreement %v with model %d, want 1 with %d", second.Agreement, second.PreviousModelID, first.ModelID)
	}
	for i, c := range second.Clusters {
		if c.Key != first.Clusters[i].Key || c.Label != first.Clusters[i].Label {
			t.Errorf("cluster %d is now %q, was %q", c.Key, c.Label, first.Clusters[i].Label)
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM cluster_models`); n != 2 {
		t.Errorf("%d models kept, want 2", n)
	}

	// A fourth cluster splits a group: three keys carry on and the new one is 4.
	if _, err := s.Run(ctx, RunOptions{K: 4, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	four, _ := assignments(t, db)
	seen := map[int]bool{}
	for _, k := range four {
		seen[k] = true
	}
	if !reflect.DeepEqual(seen, map[int]bool{1: true, 2: true, 3: true, 4: true}) {
		t.Errorf("keys with four clusters: %v, want 1..4", seen)
	}

	// Other features: nothing is matched, so the keys are new (from 5 on).
	third, err := s.Run(ctx, RunOptions{K: 3, Seed: 1, Features: []string{"frequency", "browse_seconds"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range third.Clusters {
		if c.Key < 5 {
			t.Errorf("cluster over other features reuses key %d", c.Key)
		}
	}
	if third.Agreement == nil {
		t.Error("no agreement reported against the previous model")
	}

	if err := s.Retrain(ctx); err != nil {
		t.Fatal(err)
	}
	again, _, _ := s.Latest(ctx)
	if !reflect.DeepEqual(again.Features, third.Features) || again.K != 3 || *again.Agreement != 1 {
		t.Errorf("Retrain ran k %d over %v (agreement %v), want the last options", again.K, again.Features, again.Agreement)
	}
}

// seedWithOtherOrder finds a seed whose raw labels differ from those of seed for the
// fixture, so a test of key matching really has something to match.
func seedWithOtherOrder(t *testing.T, s *Service, seed uint64) uint64 {
	t.Helper()
	ds, err := s.loadFeatures(context.Background(), DefaultFeatures)
	if err != nil {
		t.Fatal(err)
	}
	z, _, _ := Standardise(ds.x)
	base, _ := KMeans(z, Options{K: 3, Seed: seed})
	for other := seed + 1; other < seed+100; other++ {
		res, _ := KMeans(z, Options{K: 3, Seed: other})
		if !reflect.DeepEqual(res.Labels, base.Labels) {
			return other
		}
	}
	t.Fatal("no seed orders the clusters differently")
	return 0
}

func TestRunChoosesKBySilhouette(t *testing.T) {
	_, s := openFixture(t)
	rep, err := s.Run(context.Background(), RunOptions{KMin: 2, KMax: 5, Seed: 3, Restarts: 3})
	if err != nil {
		t.Fatal(err)
	}
	if rep.K != 3 || len(rep.Curve) != 4 || rep.Curve[1].K != 3 || rep.Curve[1].Silhouette != rep.Silhouette {
		t.Errorf("k %d, curve %+v, silhouette %v; want k 3 at the curve's best", rep.K, rep.Curve, rep.Silhouette)
	}
	if rep.Options.K != 0 || rep.Options.KMax != 5 {
		t.Errorf("stored options %+v do not say auto", rep.Options)
	}
}

func TestTrainChoosesKOnASampleOfLargeDataThenTrainsOnEveryRow(t *testing.T) {
	x, truth := gaussians(6, 100, 0.5, []float64{0, 0}, []float64{5, 0}, []float64{0, 5})
	var rep Report
	res, err := train(x, RunOptions{KMin: 2, KMax: 5, Restarts: 3, Seed: 1}, &rep, 60)
	if err != nil {
		t.Fatal(err)
	}
	if rep.K != 3 || rep.CurveRows != 60 || len(rep.Curve) != 4 {
		t.Errorf("k %d on %d rows, curve %+v; want k 3 chosen on 60 rows", rep.K, rep.CurveRows, rep.Curve)
	}
	if len(res.Labels) != 300 || Agreement(res.Labels, truth) != 1 {
		t.Errorf("%d labels, agreement with the blobs %v; want all 300 rows clustered exactly", len(res.Labels), Agreement(res.Labels, truth))
	}
	if want := Silhouette(x, res.Labels, 3, SilhouetteSample, 1); rep.Silhouette != want {
		t.Errorf("silhouette %v, want %v over every row", rep.Silhouette, want)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	_, s := openFixture(t)
	mustExec(t, s.DB, `UPDATE customers SET attributes = '{"points":"lots"}' WHERE id = 4`)
	tests := []struct {
		name  string
		opt   RunOptions
		field string
		says  string
	}{
		{"an unknown feature", RunOptions{K: 3, Features: []string{"frequency", "shoe_size"}}, "features", `unknown feature "shoe_size"`},
		{"SQL in a feature name", RunOptions{K: 3, Features: []string{"frequency); DROP TABLE customers; --"}}, "features", "unknown feature"},
		{"a repeated feature", RunOptions{K: 3, Features: []string{"monetary", "monetary"}}, "features", "twice"},
		{"a non-numeric attribute", RunOptions{K: 3, Features: []string{"attr.points"}}, "features", `attribute "points" is not numeric`},
		{"an attribute nobody has", RunOptions{K: 3, Features: []string{"attr.height"}}, "features", `"attr.height"`},
		{"a negative k", RunOptions{K: -1}, "k", "between"},
		{"an upside-down range", RunOptions{KMin: 6, KMax: 3}, "k", "range"},
		{"more clusters than customers", RunOptions{K: 31}, "k", "too few"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Run(context.Background(), tc.opt)
			fe, ok := store.AsFieldErrors(err)
			if !ok || !strings.Contains(fe[tc.field], tc.says) {
				t.Errorf("error %v, want a field error on %s saying %q", err, tc.field, tc.says)
			}
		})
	}
	if n := count(t, s.DB, `SELECT COUNT(*) FROM cluster_models`); n != 0 {
		t.Errorf("a rejected run stored %d models", n)
	}
	if _, err := s.Run(context.Background(), RunOptions{K: 2, Features: []string{"attr.points", "frequency"}}); err == nil {
		t.Error("a clustering over a non-numeric attribute ran")
	}
}

func TestLoadFeaturesComputesRecencyAndImputesMissingAttributes(t *testing.T) {
	db, s := openFixture(t)
	// Customer 31 has no features row, no order and no signup; 32 has neither order nor
	// features but signed up 40 days ago.
	mustExec(t, db, `INSERT INTO customers (id, external_id, attributes, created_at, updated_at) VALUES (31, 'c31', '{"points":"5"}', ?, ?)`, testNow, testNow)
	mustExec(t, db, `INSERT INTO customers (id, external_id, signup_at, created_at, updated_at) VALUES (32, 'c32', ?, ?, ?)`, daysAgo(40), testNow, testNow)
	mustExec(t, db, `UPDATE customers SET attributes = '{"points": 17.5}' WHERE id = 1`)
	ds, err := s.loadFeatures(context.Background(), []string{"recency_days", "attr.points", "frequency"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.x.Rows != 32 || ds.ids[0] != 1 || ds.ids[31] != 32 {
		t.Fatalf("%d rows, ids %v", ds.x.Rows, ds.ids)
	}
	row := func(id int) []float64 { return ds.x.Row(id - 1) }
	// Points: 17.5 (number), 900×9, 20×10, missing×10 (browsers), 5, missing: the mean of
	// the 21 known values fills the gaps.
	mean := (17.5 + 900*9 + 20*10 + 5) / 21
	tests := []struct {
		name string
		id   int
		want []float64
	}{
		{"a recent customer with a numeric JSON attribute", 1, []float64{2, 17.5, 20}},
		{"a lapsed customer", 11, []float64{300, 20, 1}},
		{"a browser without orders counts days since signup", 21, []float64{30, mean, 0}},
		{"no order and no signup counts 365 days", 31, []float64{NoOrderRecencyDays, 5, 0}},
		{"no features row reads as zeros", 32, []float64{40, mean, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, v := range tc.want {
				if !near(row(tc.id)[i], v, 1e-9) {
					t.Errorf("customer %d: %v, want %v", tc.id, row(tc.id), tc.want)
					break
				}
			}
		})
	}
	if ds.cats[ds.topCat[0]] != "Electronics" || !near(ds.topSpend[0], 0.7*2000, 1e-9) || ds.topCat[20] != -1 {
		t.Errorf("top categories: %v %v %v", ds.cats, ds.topCat[:1], ds.topSpend[:1])
	}
}

func TestClusterOfNamesTheCustomersCluster(t *testing.T) {
	_, s := openFixture(t)
	ctx := context.Background()
	const id = 1
	if _, ok, err := s.ClusterOf(ctx, id); err != nil || ok {
		t.Fatalf("before any run: ok=%v err=%v", ok, err)
	}
	rep, err := s.Run(ctx, RunOptions{K: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	c, ok, err := s.ClusterOf(ctx, id)
	if err != nil || !ok {
		t.Fatalf("after a run: ok=%v err=%v", ok, err)
	}
	var key int
	s.DB.Raw(`SELECT cluster_key FROM customer_clusters WHERE customer_id = ?`, id).Scan(&key)
	if c.Key != key || c.Label == "" || c.Size != rep.Sizes[key-1] {
		t.Fatalf("ClusterOf = %+v; stored key %d, sizes %v", c, key, rep.Sizes)
	}
}
