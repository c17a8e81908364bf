package propensity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// The evaluation protocol. With horizon N days and now the injected clock:
//
//   - the test cut is T2 = now − N, the latest cut whose labels (T2, T2+N] are fully observed;
//   - the training cut is T1 = T2 − N, so the training labels (T1, T2] end where the test
//     window starts and no label period overlaps; the training set also stacks the same
//     customers at the earlier cuts T1 − 14 days and T1 − 28 days (each with its own
//     features and labels, all ending by T2), which shows the model three moments of each
//     customer's life instead of one;
//   - customers are split by a hash of their id, 80 % train and 20 % test, the same split on
//     every run; training examples are the train customers known at T1 (features from rows
//     before T1, label = any order in (T1, T1+N]), test examples the test customers known at
//     T2 (features before T2, label = any order in (T2, T2+N]). An order at the very instant
//     of a cut counts for neither side of it.
//
// The model is judged on people it never saw, at a later time than it was fitted on, which
// is how it is used: fitted on the past, scoring customers as of now.

// trainPercent is the share of customers, by a hash of their id, that train the model.
const trainPercent = 80

// stackedCuts training cuts, stackDays apart, end at T1. Cuts before the shop's first
// activity add no examples.
const (
	stackedCuts = 3
	stackDays   = 14
)

// ErrNotEnoughData means a cut has no buyers or no non-buyers, so nothing can be learnt or
// measured: the shop needs about two horizons of orders.
var ErrNotEnoughData = errors.New("not enough history")

// inTrain tells whether a customer trains the model (else it tests it). It depends on the
// id alone, so the split is stable across runs and never puts a customer on both sides.
func inTrain(id int64) bool {
	return splitmix(uint64(id))%100 < trainPercent
}

// splitmix is the SplitMix64 finaliser, which scatters neighbouring ids evenly.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// scaler standardises transformed features with the training mean and population
// standard deviation; a constant feature keeps a deviation of 1 and becomes 0.
type scaler struct {
	Mean, Std [numFeatures]float64
}

func fitScaler(rows [][numFeatures]float64) scaler {
	var s scaler
	n := float64(len(rows))
	for _, r := range rows {
		for j, v := range r {
			s.Mean[j] += v / n
		}
	}
	for _, r := range rows {
		for j, v := range r {
			d := v - s.Mean[j]
			s.Std[j] += d * d / n
		}
	}
	for j := range s.Std {
		s.Std[j] = math.Sqrt(s.Std[j])
		if s.Std[j] < 1e-12 {
			s.Std[j] = 1
		}
	}
	return s
}

func (s scaler) apply(t [numFeatures]float64) [numFeatures]float64 {
	var z [numFeatures]float64
	for j, v := range t {
		z[j] = (v - s.Mean[j]) / s.Std[j]
	}
	return z
}

// dataset is the examples of one side of the split: the customer and cut of each,
// standardised features and labels.
type dataset struct {
	ids  []int64
	cuts []time.Time
	z    [][numFeatures]float64
	y    []float64
}

// design returns the n×(1+features) matrix with a leading column of ones for the intercept.
func (d *dataset) design() *mat.Dense {
	x := mat.NewDense(len(d.z), numFeatures+1, nil)
	for i, z := range d.z {
		x.Set(i, 0, 1)
		for j, v := range z {
			x.Set(i, j+1, v)
		}
	}
	return x
}

// column returns feature j of every example.
func (d *dataset) column(j int) []float64 {
	col := make([]float64, len(d.z))
	for i, z := range d.z {
		col[i] = z[j]
	}
	return col
}

func (d *dataset) positives() int { return countPositives(d.y) }

func countPositives(y []float64) int {
	n := 0
	for _, v := range y {
		if v == 1 {
			n++
		}
	}
	return n
}

// prepared is what a model is fitted and judged on. trainCut is T1, the latest training cut.
type prepared struct {
	trainCut, testCut time.Time
	trainCuts         []time.Time
	scale             scaler
	train, test       dataset
}

// prepare builds the training and test sets of the protocol above. The scaler is fitted on
// the training rows only.
func prepare(ctx context.Context, db *gorm.DB, now time.Time, horizon int) (*prepared, error) {
	p := &prepared{testCut: now.AddDate(0, 0, -horizon)}
	p.trainCut = p.testCut.AddDate(0, 0, -horizon)
	var train, test examples
	for k := range stackedCuts {
		cut := p.trainCut.AddDate(0, 0, -k*stackDays)
		if err := train.addCut(ctx, db, cut, horizon, inTrain); err != nil {
			return nil, err
		}
		p.trainCuts = append(p.trainCuts, cut)
	}
	if err := test.addCut(ctx, db, p.testCut, horizon, func(id int64) bool { return !inTrain(id) }); err != nil {
		return nil, err
	}
	for _, side := range []struct {
		name string
		cut  time.Time
		y    []float64
	}{{"training", p.trainCut, train.y}, {"test", p.testCut, test.y}} {
		pos := countPositives(side.y)
		if pos == 0 || pos == len(side.y) {
			return nil, fmt.Errorf("propensity: %w: the %s cut %s has %d customers of whom %d bought in the next %d days; it needs buyers and non-buyers (about %d days of orders)",
				ErrNotEnoughData, side.name, side.cut.Format(time.DateOnly), len(side.y), pos, horizon, 2*horizon)
		}
	}
	p.scale = fitScaler(train.t)
	p.train, p.test = train.scaled(p.scale), test.scaled(p.scale)
	return p, nil
}

// examples are rows of transformed, not yet scaled features with their customer, cut and label.
type examples struct {
	ids  []int64
	cuts []time.Time
	t    [][numFeatures]float64
	y    []float64
}

// addCut adds the customers keep accepts that were known at cut, their transformed
// features as of cut and their labels: 1 if they ordered in (cut, cut+horizon].
func (e *examples) addCut(ctx context.Context, db *gorm.DB, cut time.Time, horizon int, keep func(int64) bool) error {
	snap, err := featuresAt(ctx, db, cut, keep)
	if err != nil {
		return err
	}
	buyers, err := buyersBetween(ctx, db, cut, cut.AddDate(0, 0, horizon))
	if err != nil {
		return err
	}
	for i := range snap.rows {
		c := &snap.rows[i]
		if !c.known(snap.cut) {
			continue
		}
		label := 0.0
		if buyers[c.id] {
			label = 1
		}
		e.ids = append(e.ids, c.id)
		e.cuts = append(e.cuts, snap.cut)
		e.t = append(e.t, transform(&c.raw))
		e.y = append(e.y, label)
	}
	return nil
}

// scaled returns the examples standardised by sc.
func (e *examples) scaled(sc scaler) dataset {
	d := dataset{ids: e.ids, cuts: e.cuts, y: e.y, z: make([][numFeatures]float64, len(e.t))}
	for i, t := range e.t {
		d.z[i] = sc.apply(t)
	}
	return d
}

// historyDays is how many days of orders there are before the training cut: with less
// than the longest window (90 days), the training features are cut short and drift from
// those at the test cut and at scoring time, which costs accuracy.
func historyDays(ctx context.Context, db *gorm.DB, trainCut time.Time) (float64, error) {
	var first store.Time
	if err := db.WithContext(ctx).Raw(`SELECT MIN(ordered_at) FROM orders`).Row().Scan(&first); err != nil {
		return 0, fmt.Errorf("propensity: find the first order: %w", err)
	}
	if first.Time.IsZero() {
		return 0, nil
	}
	return daysBetween(first.Time, trainCut), nil
}

// buyersBetween returns the customers with an order in (from, to].
func buyersBetween(ctx context.Context, db *gorm.DB, from, to time.Time) (map[int64]bool, error) {
	var ids []int64
	if err := db.WithContext(ctx).Raw(`SELECT DISTINCT customer_id FROM orders WHERE ordered_at > ? AND ordered_at <= ?`,
		from, to).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("propensity: list buyers in (%s, %s]: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}
