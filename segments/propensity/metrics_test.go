package propensity

import (
	"math"
	"testing"
)

func TestAUC(t *testing.T) {
	tests := []struct {
		name           string
		scores, labels []float64
		want           float64
	}{
		{"a perfect ranking scores 1", []float64{0.1, 0.2, 0.8, 0.9}, []float64{0, 0, 1, 1}, 1},
		{"a reversed ranking scores 0", []float64{0.9, 0.8, 0.2, 0.1}, []float64{0, 0, 1, 1}, 0},
		{"all scores tied scores one half", []float64{0.5, 0.5, 0.5, 0.5}, []float64{1, 0, 1, 0}, 0.5},
		// Positives 0.35, 0.8, 0.4 against negatives 0.1, 0.4, 0.2: 0.35 beats two, 0.8 beats
		// three, 0.4 beats two and ties one (a half): 7.5 of 9 pairs.
		{"a tie between a buyer and a non-buyer counts one half", []float64{0.1, 0.4, 0.35, 0.8, 0.4, 0.2},
			[]float64{0, 0, 1, 1, 1, 0}, 7.5 / 9},
		{"input order does not matter", []float64{0.4, 0.2, 0.8, 0.1, 0.35, 0.4},
			[]float64{1, 0, 1, 0, 1, 0}, 7.5 / 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auc(tt.scores, tt.labels); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("auc = %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("a single class has no AUC", func(t *testing.T) {
		if got := auc([]float64{0.1, 0.2}, []float64{1, 1}); !math.IsNaN(got) {
			t.Errorf("auc = %v, want NaN", got)
		}
	})
}

func TestLogLoss(t *testing.T) {
	tests := []struct {
		name      string
		p, labels []float64
		want      float64
	}{
		{"is the mean negative log-likelihood", []float64{0.8, 0.3}, []float64{1, 0}, -(math.Log(0.8) + math.Log(0.7)) / 2},
		{"is 0.2899 for this hand example", []float64{0.8, 0.3}, []float64{1, 0}, 0.289909247},
		{"stays finite for a confident mistake (clipped at 1e-15)", []float64{1}, []float64{0}, 34.539576}, // −ln(1 − float64(1 − 1e-15))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logLoss(tt.p, tt.labels); math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("log-loss = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCalibrationBins(t *testing.T) {
	p := []float64{0.05, 0.15, 0.12, 0.95, 1.0, 0.5, 0.1}
	y := []float64{0, 1, 0, 1, 1, 0, 1}
	bins := calibration(p, y)
	if len(bins) != 10 {
		t.Fatalf("%d bins, want 10", len(bins))
	}
	want := map[int]Bin{
		0: {Count: 1, MeanPredicted: 0.05, ObservedRate: 0},
		1: {Count: 3, MeanPredicted: (0.15 + 0.12 + 0.1) / 3, ObservedRate: 2.0 / 3}, // 0.1 opens bin 1
		5: {Count: 1, MeanPredicted: 0.5, ObservedRate: 0},
		9: {Count: 2, MeanPredicted: 0.975, ObservedRate: 1}, // 1.0 closes the last bin
	}
	for b, got := range bins {
		if math.Abs(got.Lower-float64(b)/10) > 1e-12 || math.Abs(got.Upper-float64(b+1)/10) > 1e-12 {
			t.Errorf("bin %d spans [%v, %v)", b, got.Lower, got.Upper)
		}
		w := want[b]
		if got.Count != w.Count || math.Abs(got.MeanPredicted-w.MeanPredicted) > 1e-12 || math.Abs(got.ObservedRate-w.ObservedRate) > 1e-12 {
			t.Errorf("bin %d = %+v, want count %d, mean %v, observed %v", b, got, w.Count, w.MeanPredicted, w.ObservedRate)
		}
	}
}

func TestTopDecileLift(t *testing.T) {
	tests := []struct {
		name string
		n    int
		pos  []int // indexes of buyers; scores fall with the index
		want float64
	}{
		// 20 customers, 5 buyers (base 0.25); the top 2 both bought: 1 / 0.25.
		{"the top tenth all bought", 20, []int{0, 1, 7, 12, 19}, 4},
		// 25 customers: the top tenth rounds up to 3, of whom 1 bought; base 5/25.
		{"the top tenth rounds up", 25, []int{2, 5, 9, 14, 20}, (1.0 / 3) / 0.2},
		{"no buyer in the top tenth gives 0", 10, []int{5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scores, labels := make([]float64, tt.n), make([]float64, tt.n)
			for i := range scores {
				scores[i] = float64(tt.n - i)
			}
			for _, i := range tt.pos {
				labels[i] = 1
			}
			if got := topDecileLift(scores, labels); math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("lift = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBestSingleFeatureIsOrientedAndNamed(t *testing.T) {
	labels := []float64{0, 0, 1, 1}
	tests := []struct {
		name       string
		names      []string
		cols       [][]float64
		want       string
		wantAUC    float64
		wantHigher bool
	}{
		{"a feature that ranks buyers last is turned round", []string{"constant", "reversed", "mixed"},
			[][]float64{{1, 1, 1, 1}, {4, 3, 2, 1}, {1, 3, 2, 4}}, "reversed", 1, false},
		{"a feature that ranks buyers first keeps its direction", []string{"mixed", "ranked"},
			[][]float64{{1, 3, 2, 4}, {1, 2, 3, 3}}, "ranked", 1, true},
		{"the first of two equally good features wins", []string{"first", "second"},
			[][]float64{{-1, 0, 9, 2}, {1, 2, 3, 4}}, "first", 1, true},
		{"a half-good feature is reported with its AUC", []string{"constant", "mixed"},
			[][]float64{{1, 1, 1, 1}, {1, 3, 2, 4}}, "mixed", 0.75, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := bestSingleFeature(tt.names, tt.cols, labels)
			if got.Name != tt.want || math.Abs(got.AUC-tt.wantAUC) > 1e-12 || got.Higher != tt.wantHigher {
				t.Errorf("best = %+v, want %s with AUC %v, higher %v", got, tt.want, tt.wantAUC, tt.wantHigher)
			}
		})
	}
}
