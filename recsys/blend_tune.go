package recsys

import (
	"fmt"
	"slices"

	"github.com/persona-app/persona/store"
)

// defaultBlendGrid is the weights TuneBlend tries for each component, relative to the
// best single component's 1.
var defaultBlendGrid = []float64{0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1}

// maxTuneRounds bounds coordinate ascent; it usually settles in two or three rounds.
const maxTuneRounds = 10

// blendPruneTolerance is the share of the tuned blend's validation NDCG@k that TuneBlend
// gives up to drop a component: every component the blend asks costs serving time on
// every request, so one must add at least this much to stay. On the demo shop pruning at
// 2 % left ALS and user-to-user, which scored NDCG@10 0.1496 on the test holdout against
// 0.1491 for all five components, in about half the serving time.
const blendPruneTolerance = 0.02

// ValidationSplit is the split for tuning inside an evaluation: it drops each customer's
// test holdout exactly as SplitHoldout(rows, opts) would hold it out, then splits what
// remains the same way, so the latest opts.Holdout of each customer's training
// interactions become validation. Nothing built or scored on it sees the test holdout.
// rows is not modified.
func ValidationSplit(rows []EvalRow, opts EvalOptions) (*Split, error) {
	if !(opts.Holdout > 0 && opts.Holdout < 1) {
		return nil, store.FieldErrors{"holdout": "must be between 0 and 1 (exclusive)"}
	}
	sorted := slices.Clone(rows)
	slices.SortFunc(sorted, compareEvalRows)
	inner := make([]EvalRow, 0, len(sorted))
	forEachCustomer(sorted, func(rs []EvalRow) {
		inner = append(inner, rs[:len(rs)-heldOut(len(rs), opts.Holdout)]...)
	})
	return SplitHoldout(inner, opts)
}

// TuneBlend chooses blend weights for the models build makes from val, maximising NDCG@k
// on val's customers. val is a validation split (ValidationSplit inside an evaluation,
// SplitHoldout of all rows before production training), so the weights never see a test
// holdout. The search is deterministic coordinate ascent: start from the best single
// component, then, component by component, try each grid weight (default
// defaultBlendGrid) and keep it only if NDCG@k strictly improves, until a round changes
// nothing. Then components are dropped, the least useful first, while the blend keeps
// within blendPruneTolerance of the NDCG@k it reached. Each component's candidate lists
// are computed once. It returns the weights,
// normalised to sum to 1, and the validation metrics of each component and then of the
// tuned blend.
func TuneBlend(val *Split, build func(*Split) ([]Model, error), k int, grid ...float64) ([]float64, []Metrics, error) {
	if k <= 0 {
		return nil, nil, store.FieldErrors{"k": "must be positive"}
	}
	if len(grid) == 0 {
		grid = defaultBlendGrid
	}
	models, err := build(val)
	if err != nil {
		return nil, nil, fmt.Errorf("recsys: tune blend: build components: %w", err)
	}
	if len(models) == 0 {
		return nil, nil, fmt.Errorf("recsys: tune blend: no components")
	}
	t := newBlendTuner(val, models, k)
	var weights []float64
	best := -1.0
	for i := range models {
		w := make([]float64, len(models))
		w[i] = 1
		if s := t.ndcg(w); s > best {
			best, weights = s, w
		}
	}
	for range maxTuneRounds {
		changed := false
		for i := range models {
			for _, g := range grid {
				if g < 0 || g == weights[i] {
					continue
				}
				w := slices.Clone(weights)
				w[i] = g
				if s := t.ndcg(w); s > best+1e-12 {
					best, weights, changed = s, w, true
				}
			}
		}
		if !changed {
			break
		}
	}
	weights = t.prune(weights, best*(1-blendPruneTolerance))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	for i := range weights {
		weights[i] /= sum
	}
	metrics := EvaluateAll(val, append(slices.Clone(models), NewBlend(models, weights)), k)
	return weights, metrics, nil
}

// prune sets weights to 0, one component at a time, choosing each time the one whose loss
// leaves the highest NDCG@k, while that stays at least floor and another component is
// left. It returns the pruned weights.
func (t *blendTuner) prune(weights []float64, floor float64) []float64 {
	for {
		var next []float64
		left, nextScore := 0, -1.0
		for i, w := range weights {
			if w == 0 {
				continue
			}
			left++
			trial := slices.Clone(weights)
			trial[i] = 0
			if s := t.ndcg(trial); s > nextScore {
				next, nextScore = trial, s
			}
		}
		if left <= 1 || nextScore < floor {
			return weights
		}
		weights = next
	}
}

// blendTuner holds each validation customer's candidate lists from each component.
type blendTuner struct {
	blend *Blend
	split *Split
	k     int
	lists [][][]Candidate // [customer][component]
}

// newBlendTuner asks every component for every customer's list once, with the same
// exclusions as Evaluate.
func newBlendTuner(s *Split, models []Model, k int) *blendTuner {
	t := &blendTuner{blend: NewBlend(models, nil), split: s, k: k, lists: make([][][]Candidate, len(s.Customers))}
	n := int32(len(s.Products))
	known := make([]bool, n)
	skip := func(p int32) bool { return p < 0 || p >= n || known[p] }
	for ci, c := range s.Customers {
		for _, p := range c.Known {
			known[p] = true
		}
		t.lists[ci] = make([][]Candidate, len(models))
		for i, m := range models {
			t.lists[ci][i] = unexplained(m, c.History, blendDepth(k), skip)
		}
		for _, p := range c.Known {
			known[p] = false
		}
	}
	return t
}

// ndcg is the blend's mean NDCG@k over the validation customers with weights w.
func (t *blendTuner) ndcg(w []float64) float64 {
	if len(t.lists) == 0 {
		return 0
	}
	var sum float64
	ranked := make([]int32, 0, t.k)
	for ci, c := range t.split.Customers {
		ranked = ranked[:0]
		for _, cand := range t.blend.merge(t.lists[ci], w, t.k) {
			ranked = append(ranked, cand.Product)
		}
		sum += scoreRanking(ranked, c.Relevant, len(c.Relevant)+c.Unseen, t.k).ndcg
	}
	return sum / float64(len(t.lists))
}
