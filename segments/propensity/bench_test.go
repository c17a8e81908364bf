package propensity

import (
	"context"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// BenchmarkTrain times a whole training run (three feature passes, the fit, metrics,
// scoring and storing every score) on a 20 000-customer shop of about a million events:
//
//	go test -run '^$' -bench Train -benchtime 3x ./segments/propensity/
func BenchmarkTrain(b *testing.B) {
	db := store.OpenTest(b)
	shopFixture(b, db, 20000, 3)
	var events int64
	db.Raw(`SELECT COUNT(*) FROM events`).Scan(&events)
	s := &Service{DB: db, Now: func() time.Time { return testNow }}
	for b.Loop() {
		rep, err := s.Train(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(rep.AUC, "AUC")
	}
	b.ReportMetric(float64(events), "events")
}
