package propensity

import (
	"math"
	"slices"
	"sort"
)

// Bin is one calibration bin: the customers whose predicted probability lies in
// [Lower, Upper) (the last bin includes 1), their mean prediction and how many of them bought.
type Bin struct {
	Lower         float64 `json:"lower"`
	Upper         float64 `json:"upper"`
	Count         int     `json:"count"`
	MeanPredicted float64 `json:"mean_predicted"`
	ObservedRate  float64 `json:"observed_rate"`
}

// FeatureAUC is one feature's AUC when used alone as the score, oriented so that it is at
// least 0.5; Higher says whether higher values mean more buyers.
type FeatureAUC struct {
	Name   string  `json:"name"`
	AUC    float64 `json:"auc"`
	Higher bool    `json:"higher"`
}

// calibrationBins is the number of equal-width bins of the calibration chart.
const calibrationBins = 10

// clipLo keeps log-loss finite when a prediction is exactly 0 or 1.
const clipLo = 1e-15

// auc is the area under the ROC curve by the rank-sum (Mann-Whitney) formula, with tied
// scores given the average of their ranks, so a tie counts one half. It is NaN when
// labels hold a single class.
func auc(scores, labels []float64) float64 {
	n := len(scores)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] < scores[order[b]] })
	var rankSum, pos float64
	for i := 0; i < n; {
		j := i
		for j < n && scores[order[j]] == scores[order[i]] {
			j++
		}
		avg := float64(i+j+1) / 2 // ranks i+1 .. j, averaged
		for k := i; k < j; k++ {
			if labels[order[k]] == 1 {
				rankSum += avg
				pos++
			}
		}
		i = j
	}
	neg := float64(n) - pos
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// logLoss is the mean negative log-likelihood of labels under probabilities p.
func logLoss(p, labels []float64) float64 {
	var s float64
	for i, y := range labels {
		q := min(max(p[i], clipLo), 1-clipLo)
		s -= y*math.Log(q) + (1-y)*math.Log(1-q)
	}
	return s / float64(len(labels))
}

// calibration splits [0, 1] into equal-width bins and reports, per bin, the mean predicted
// probability and the observed rate of buyers. Empty bins are kept (Count 0) so the chart
// always has the same x axis.
func calibration(p, labels []float64) []Bin {
	bins := make([]Bin, calibrationBins)
	for b := range bins {
		bins[b].Lower = float64(b) / calibrationBins
		bins[b].Upper = float64(b+1) / calibrationBins
	}
	for i, q := range p {
		b := min(int(q*calibrationBins), calibrationBins-1)
		bins[b].Count++
		bins[b].MeanPredicted += q
		bins[b].ObservedRate += labels[i]
	}
	for b := range bins {
		if c := float64(bins[b].Count); c > 0 {
			bins[b].MeanPredicted /= c
			bins[b].ObservedRate /= c
		}
	}
	return bins
}

// topDecileLift is the rate of buyers among the tenth of customers with the highest scores
// (rounded up), divided by the rate among all. Scores tied across the cut are taken in
// input order.
func topDecileLift(scores, labels []float64) float64 {
	base := mean(labels)
	if base == 0 {
		return 0
	}
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return 0
	})
	k := (len(scores) + 9) / 10
	var hits float64
	for _, i := range order[:k] {
		hits += labels[i]
	}
	return hits / float64(k) / base
}

// bestSingleFeature returns the feature whose values alone rank the labels best; cols[j]
// holds feature j for every example.
func bestSingleFeature(names []string, cols [][]float64, labels []float64) FeatureAUC {
	best := FeatureAUC{AUC: -1}
	for j, col := range cols {
		a := auc(col, labels)
		f := FeatureAUC{Name: names[j], AUC: a, Higher: true}
		if a < 0.5 {
			f.AUC, f.Higher = 1-a, false
		}
		if f.AUC > best.AUC {
			best = f
		}
	}
	return best
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
