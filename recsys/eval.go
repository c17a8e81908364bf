package recsys

import (
	"math"
	"slices"
)

// Metrics is one algorithm's offline evaluation at k, averaged over the evaluated customers.
type Metrics struct {
	Algorithm string  `json:"algorithm"`
	K         int     `json:"k"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	NDCG      float64 `json:"ndcg"`
	HitRate   float64 `json:"hit_rate"`
	MAP       float64 `json:"map"`
	// Coverage is the share of training products recommended to at least one customer.
	Coverage  float64 `json:"coverage"`
	Customers int     `json:"customers"`
}

// rankScores are one customer's metrics at k.
type rankScores struct {
	precision, recall, ndcg, hit, ap float64
}

// scoreRanking scores a ranked list (best first; only the first k count) against the
// relevant products, sorted ascending; nRelevant is the size of the relevant set, which
// may exceed len(relevant) when some relevant products cannot be ranked. Precision divides
// by k even when fewer than k products were ranked; NDCG uses binary gain with the ideal
// DCG over min(nRelevant, k) hits; average precision sums precision@i at each hit i and
// divides by min(k, nRelevant).
func scoreRanking(ranked, relevant []int32, nRelevant, k int) rankScores {
	if k <= 0 || nRelevant <= 0 {
		return rankScores{}
	}
	var hits int
	var dcg, sumPrec float64
	for i, p := range ranked[:min(k, len(ranked))] {
		if _, ok := slices.BinarySearch(relevant, p); ok {
			hits++
			dcg += 1 / math.Log2(float64(i+2))
			sumPrec += float64(hits) / float64(i+1)
		}
	}
	var idcg float64
	for i := range min(nRelevant, k) {
		idcg += 1 / math.Log2(float64(i+2))
	}
	r := rankScores{
		precision: float64(hits) / float64(k),
		recall:    float64(hits) / float64(nRelevant),
		ndcg:      dcg / idcg,
		ap:        sumPrec / float64(min(k, nRelevant)),
	}
	if hits > 0 {
		r.hit = 1
	}
	return r
}

// Evaluate asks m for the top k of every evaluated customer of s, given their training
// history, with their training products excluded from the candidates, and averages the
// metrics against their held-out products. m must have been trained on s alone.
func Evaluate(s *Split, m Model, k int) Metrics {
	out := Metrics{Algorithm: m.Name(), K: k, Customers: len(s.Customers)}
	if k <= 0 || len(s.Customers) == 0 {
		return out
	}
	n := int32(len(s.Products))
	known := make([]bool, n)
	recommended := make([]bool, n)
	skip := func(p int32) bool { return p < 0 || p >= n || known[p] }
	ranked := make([]int32, 0, k)
	var sum rankScores
	for _, c := range s.Customers {
		for _, p := range c.Known {
			known[p] = true
		}
		ranked = ranked[:0]
		for _, cand := range unexplained(m, c.History, k, skip) {
			if len(ranked) < k && !skip(cand.Product) {
				ranked = append(ranked, cand.Product)
				recommended[cand.Product] = true
			}
		}
		for _, p := range c.Known {
			known[p] = false
		}
		r := scoreRanking(ranked, c.Relevant, len(c.Relevant)+c.Unseen, k)
		sum.precision += r.precision
		sum.recall += r.recall
		sum.ndcg += r.ndcg
		sum.hit += r.hit
		sum.ap += r.ap
	}
	nc := float64(len(s.Customers))
	out.Precision, out.Recall, out.NDCG = sum.precision/nc, sum.recall/nc, sum.ndcg/nc
	out.HitRate, out.MAP = sum.hit/nc, sum.ap/nc
	var covered int
	for _, r := range recommended {
		if r {
			covered++
		}
	}
	if n > 0 {
		out.Coverage = float64(covered) / float64(n)
	}
	return out
}

// BaselineModels trains, on the split's training data alone, the models every evaluation
// shows: random (seeded), popularity and item-to-item (production weighting and K).
func BaselineModels(s *Split, seed uint64) []Model {
	return []Model{
		NewRandom(len(s.Products), seed),
		NewPopularity(s.Recent, s.AllTime),
		BuildItemItem(len(s.Products), s.Train, neighboursPerItem),
	}
}

// EvaluateAll evaluates each model on s at k, in order.
func EvaluateAll(s *Split, models []Model, k int) []Metrics {
	out := make([]Metrics, len(models))
	for i, m := range models {
		out[i] = Evaluate(s, m, k)
	}
	return out
}
