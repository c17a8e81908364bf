package propensity

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

const shopSize = 1000

func newTestService(t *testing.T) *Service {
	t.Helper()
	return &Service{DB: store.OpenTest(t), Now: func() time.Time { return testNow }}
}

func TestTrainOnAShopWhereRecentFrequentBuyersBuyAgain(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	shopFixture(t, s.DB, shopSize, 1)
	var export bytes.Buffer
	rep, err := s.Train(ctx, Options{Export: &export})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("AUC %.3f (best single %s %.3f), log-loss %.3f, lift %.2f, base rate %.3f, train %d/%d, test %d/%d, %d iterations",
		rep.AUC, rep.BestSingleFeature.Name, rep.BestSingleFeature.AUC, rep.LogLoss, rep.TopDecileLift, rep.BaseRate,
		rep.TrainPositives, rep.TrainN, rep.TestPositives, rep.TestN, rep.Iterations)
	if rep.AUC <= 0.7 {
		t.Errorf("AUC = %.3f, want > 0.7", rep.AUC)
	}
	if rep.TopDecileLift <= 1.5 {
		t.Errorf("top-decile lift = %.2f, want > 1.5", rep.TopDecileLift)
	}
	if rep.HorizonDays != 30 || rep.Lambda != 1 || !rep.Converged {
		t.Errorf("horizon %d, lambda %v, converged %v; want the defaults 30 and 1, converged", rep.HorizonDays, rep.Lambda, rep.Converged)
	}
	// Every fixture customer signed up before the oldest stacked cut, so each training
	// customer gives one example per cut.
	if rep.TrainN%stackedCuts != 0 || rep.TrainN/stackedCuts+rep.TestN != shopSize || rep.TestN < shopSize/10 || rep.TestN > shopSize*3/10 {
		t.Errorf("train %d (over %d cuts) + test %d, want all %d customers split about 80/20", rep.TrainN, stackedCuts, rep.TestN, shopSize)
	}
	if len(rep.TrainCuts) != stackedCuts || !rep.TrainCuts[0].Equal(rep.TrainCut) || !rep.TrainCuts[2].Equal(rep.TrainCut.AddDate(0, 0, -28)) {
		t.Errorf("training cuts %v, want the training cut and 14 and 28 days before it", rep.TrainCuts)
	}
	// The fixture's orders start up to 200 days before now, the training cut is 60 days before.
	if rep.HistoryDays < 130 || rep.HistoryDays > 140 {
		t.Errorf("history before the training cut = %.1f days, want about 140", rep.HistoryDays)
	}
	if math.Abs(rep.BaseRate-float64(rep.TestPositives)/float64(rep.TestN)) > 1e-12 {
		t.Errorf("base rate %v is not test positives / test customers", rep.BaseRate)
	}
	n := 0
	for _, b := range rep.Calibration {
		n += b.Count
	}
	if len(rep.Calibration) != 10 || n != rep.TestN {
		t.Errorf("%d calibration bins holding %d customers, want 10 holding %d", len(rep.Calibration), n, rep.TestN)
	}
	if len(rep.Coefficients) != numFeatures || rep.Scored != shopSize {
		t.Errorf("%d coefficients and %d scored, want %d and %d", len(rep.Coefficients), rep.Scored, numFeatures, shopSize)
	}
	checkScores(t, s, rep.ModelID, shopSize)
	checkExport(t, export.String(), rep)

	latest, ok, err := s.Latest(ctx)
	if err != nil || !ok {
		t.Fatalf("latest: %v, %v", ok, err)
	}
	if latest.ModelID != rep.ModelID || latest.AUC != rep.AUC || !latest.TrainedAt.Equal(rep.TrainedAt) || len(latest.Coefficients) != numFeatures {
		t.Errorf("latest = model %d AUC %v at %s, want model %d AUC %v at %s", latest.ModelID, latest.AUC, latest.TrainedAt,
			rep.ModelID, rep.AUC, rep.TrainedAt)
	}
}

// checkScores wants one score per customer from the model, a likelier buyer scoring
// higher, and the drivers the profile page shows.
func checkScores(t *testing.T, s *Service, modelID int64, customers int) {
	t.Helper()
	ctx := context.Background()
	var count, fromModel int64
	s.DB.Raw(`SELECT COUNT(*) FROM propensity_scores`).Scan(&count)
	s.DB.Raw(`SELECT COUNT(*) FROM propensity_scores WHERE model_id = ? AND score > 0 AND score < 1`, modelID).Scan(&fromModel)
	if count != int64(customers) || fromModel != count {
		t.Fatalf("%d scores, %d from model %d in (0, 1); want %d", count, fromModel, modelID, customers)
	}
	// The customer who ordered most in the last 30 days against one who never ordered.
	var heavy, never int64
	s.DB.Raw(`SELECT customer_id FROM orders WHERE ordered_at >= ? GROUP BY customer_id ORDER BY COUNT(*) DESC, customer_id LIMIT 1`,
		testNow.AddDate(0, 0, -30)).Scan(&heavy)
	s.DB.Raw(`SELECT MIN(id) FROM customers WHERE id NOT IN (SELECT customer_id FROM orders)`).Scan(&never)
	hs, ok, err := s.Score(ctx, heavy)
	if err != nil || !ok {
		t.Fatalf("score of customer %d: %v, %v", heavy, ok, err)
	}
	ns, ok, err := s.Score(ctx, never)
	if err != nil || !ok {
		t.Fatalf("score of customer %d: %v, %v", never, ok, err)
	}
	if hs.Score <= ns.Score || hs.Score < 0.5 {
		t.Errorf("recent frequent buyer %d scores %.3f, never-buyer %d scores %.3f; want the first higher and above 0.5", heavy, hs.Score, never, ns.Score)
	}
	if hs.HorizonDays != 30 || hs.ModelID != modelID || !hs.ScoredAt.Equal(testNow) || len(hs.Drivers) != topDrivers {
		t.Errorf("score = %+v, want horizon 30, model %d, scored at %s, %d drivers", hs, modelID, testNow, topDrivers)
	}
	for i, d := range hs.Drivers {
		if d.Label == "" || d.Contribution == 0 || (i > 0 && math.Abs(d.Contribution) > math.Abs(hs.Drivers[i-1].Contribution)) {
			t.Errorf("drivers = %+v, want labelled and by falling |contribution|", hs.Drivers)
		}
	}
	if _, ok, err := s.Score(ctx, 999999); ok || err != nil {
		t.Errorf("score of an unknown customer: %v, %v; want false and no error", ok, err)
	}
}

// checkExport wants the header, one row per example with its split and cut, and the labels.
func checkExport(t *testing.T, text string, rep Report) {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "customer_id,split,cut," + strings.Join(FeatureNames(), ",") + ",label"
	if got := strings.Join(records[0], ","); got != wantHeader {
		t.Fatalf("header = %s\nwant     %s", got, wantHeader)
	}
	rows := map[string]int{}
	positives := map[string]int{}
	cuts := map[string]map[string]bool{"train": {}, "test": {}}
	for _, r := range records[1:] {
		rows[r[1]]++
		cuts[r[1]][r[2]] = true
		if r[len(r)-1] == "1" {
			positives[r[1]]++
		}
	}
	if rows["train"] != rep.TrainN || rows["test"] != rep.TestN || positives["train"] != rep.TrainPositives || positives["test"] != rep.TestPositives {
		t.Errorf("export has %v rows with %v positives; want train %d (%d) and test %d (%d)",
			rows, positives, rep.TrainN, rep.TrainPositives, rep.TestN, rep.TestPositives)
	}
	if len(cuts["train"]) != len(rep.TrainCuts) || len(cuts["test"]) != 1 || !cuts["test"][rep.TestCut.Format(time.RFC3339)] {
		t.Errorf("export cuts %v, want the %d training cuts and the test cut %s", cuts, len(rep.TrainCuts), rep.TestCut.Format(time.RFC3339))
	}
}

func TestRetrainingReplacesScoresAndKeepsFewModels(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	shopFixture(t, s.DB, 300, 2)
	for i := range keepModels + 1 {
		s.Now = func() time.Time { return testNow.Add(time.Duration(i) * time.Minute) }
		if _, err := s.Train(ctx, Options{HorizonDays: 20, Lambda: 2}); err != nil {
			t.Fatal(err)
		}
	}
	// The scheduled job keeps the horizon and lambda the marketer chose.
	s.Now = func() time.Time { return testNow.Add(time.Hour) }
	if err := s.Retrain(ctx); err != nil {
		t.Fatal(err)
	}
	last, _, err := s.Latest(ctx)
	if err != nil || !last.TrainedAt.Equal(testNow.Add(time.Hour)) {
		t.Fatalf("latest model trained at %s (%v), want the retrained one", last.TrainedAt, err)
	}
	var models, scores, stale int64
	s.DB.Raw(`SELECT COUNT(*) FROM propensity_models`).Scan(&models)
	s.DB.Raw(`SELECT COUNT(*) FROM propensity_scores`).Scan(&scores)
	s.DB.Raw(`SELECT COUNT(*) FROM propensity_scores WHERE model_id <> ?`, last.ModelID).Scan(&stale)
	if models != keepModels || scores != 300 || stale != 0 {
		t.Errorf("%d models, %d scores, %d from older models; want %d, 300, 0", models, scores, stale, keepModels)
	}
	if last.HorizonDays != 20 || last.Lambda != 2 {
		t.Errorf("retrained with horizon %d and lambda %v, want 20 and 2", last.HorizonDays, last.Lambda)
	}
}

func TestTrainRefusesBadOptionsAndThinData(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for _, tt := range []struct {
		name  string
		opts  Options
		field string
	}{
		{"a negative horizon names horizon_days", Options{HorizonDays: -1}, "horizon_days"},
		{"a horizon over a year names horizon_days", Options{HorizonDays: 400}, "horizon_days"},
		{"a negative lambda names lambda", Options{Lambda: -1}, "lambda"},
		{"an infinite lambda names lambda", Options{Lambda: math.Inf(1)}, "lambda"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Train(ctx, tt.opts)
			fe, ok := store.AsFieldErrors(err)
			if !ok || fe[tt.field] == "" {
				t.Errorf("err = %v, want a field error on %s", err, tt.field)
			}
		})
	}
	t.Run("a shop without orders has not enough history", func(t *testing.T) {
		f := &fixture{}
		signup := testNow.AddDate(-1, 0, 0)
		for id := int64(1); id <= 20; id++ {
			f.customer(id, &signup)
		}
		f.insert(t, s.DB)
		if _, err := s.Train(ctx, Options{}); !errors.Is(err, ErrNotEnoughData) {
			t.Errorf("err = %v, want ErrNotEnoughData", err)
		}
		if _, ok, err := s.Latest(ctx); ok || err != nil {
			t.Errorf("latest after a failed training: %v, %v; want none", ok, err)
		}
	})
}
