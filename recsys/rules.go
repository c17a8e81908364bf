package recsys

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/persona-app/persona/store"
)

// RuleOptions are the thresholds of association-rule mining.
type RuleOptions struct {
	// MinSupport is the share of baskets an itemset must appear in to be frequent, in (0, 1].
	MinSupport float64
	// MinConfidence is the least confidence a rule must have, in [0, 1].
	MinConfidence float64
	// MaxLen is the largest itemset mined (antecedent plus consequent), 2 to maxRuleLen;
	// zero means defaultRuleLen.
	MaxLen int
}

// Rule is an association rule "customers whose basket holds Antecedent also buy
// Consequent", over dense product indices.
type Rule struct {
	// Antecedent lists one to MaxLen-1 products, ascending.
	Antecedent []int32
	Consequent int32
	// Count is the number of baskets holding the antecedent and the consequent;
	// AntecedentCount and ConsequentCount those holding each side.
	Count, AntecedentCount, ConsequentCount int
	// Support is Count over the number of baskets; Confidence is Count/AntecedentCount;
	// Lift is Confidence over the consequent's support (above 1: the antecedent makes the
	// consequent more likely than it is in general).
	Support, Confidence, Lift float64
}

const (
	// defaultRuleLen is MaxLen when none is given: rules with one or two products on the left.
	defaultRuleLen = 3
	// maxRuleLen bounds MaxLen, and so the size of an itemset key.
	maxRuleLen = 5
)

// DefaultRuleOptions are the thresholds training uses: an itemset in 0.02 % of the baskets
// (two of the demo's 6,740) and any confidence, as the lift > 1 filter of RuleModel already
// drops the rules that say nothing. On a validation split of the demo data these scored
// best among minimum counts 1, 2 and 3, confidences 0 to 0.1 and lengths 2 to 4.
func DefaultRuleOptions() RuleOptions {
	return RuleOptions{MinSupport: 0.0002, MinConfidence: 0, MaxLen: defaultRuleLen}
}

// Validate checks the thresholds, naming the bad fields.
func (o RuleOptions) Validate() error {
	errs := store.FieldErrors{}
	if !(o.MinSupport > 0 && o.MinSupport <= 1) {
		errs.Add("min_support", "must be greater than 0 and at most 1")
	}
	if !(o.MinConfidence >= 0 && o.MinConfidence <= 1) {
		errs.Add("min_confidence", "must be between 0 and 1")
	}
	if o.MaxLen != 0 && (o.MaxLen < 2 || o.MaxLen > maxRuleLen) {
		errs.Add("max_len", fmt.Sprintf("must be between 2 and %d", maxRuleLen))
	}
	return errs.Err()
}

// MinCount returns the basket count at which an itemset is frequent among nBaskets:
// ceil(MinSupport × nBaskets), at least 1.
func (o RuleOptions) MinCount(nBaskets int) int {
	// The small epsilon keeps 0.07 × 100 at 7 rather than ceil(7.000000000000001) = 8.
	return max(int(math.Ceil(o.MinSupport*float64(nBaskets)-1e-9)), 1)
}

// MineRules finds the association rules of baskets (each a set of dense product indices
// below nProducts; duplicates within a basket are ignored, out-of-range indices dropped)
// with FP-growth.
//
// Convention: an itemset is frequent when its basket count ≥ ceil(min_support × number of
// baskets). A rule A → c is reported when A ∪ {c} is frequent, has at most MaxLen products,
// and count(A ∪ {c}) / count(A) ≥ min_confidence; its consequent is a single product.
// Rules are ordered by lift, highest first, then confidence, then count, then antecedent
// and consequent, lexicographically ascending.
//
// The memory is the FP-tree (four int32 per node, at most one node per basket product)
// plus one map entry per frequent itemset of two or more products: a low min_support over
// a large catalogue can make that set, and the rules, very large.
func MineRules(baskets [][]int32, nProducts int, opts RuleOptions) ([]Rule, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if opts.MaxLen == 0 {
		opts.MaxLen = defaultRuleLen
	}
	nBaskets := len(baskets)
	if nBaskets == 0 || nProducts <= 0 {
		return nil, nil
	}
	minCount := opts.MinCount(nBaskets)
	ranks := rankItems(baskets, nProducts, minCount)
	if len(ranks.product) == 0 {
		return nil, nil
	}
	m := newMiner(ranks, minCount, opts.MaxLen)
	m.mine(buildTree(m.globalTransactions(baskets), m.scratch), nil)
	return m.rules(nBaskets, opts.MinConfidence), nil
}

// itemRanks numbers the frequent products by rank: most baskets first, then lower index.
type itemRanks struct {
	product []int32 // rank → product index
	count   []int32 // rank → basket count
	rank    []int32 // product index → rank, -1 when not frequent
}

// rankItems counts in how many baskets each product appears and ranks the frequent ones.
func rankItems(baskets [][]int32, nProducts, minCount int) itemRanks {
	counts := make([]int32, nProducts)
	last := make([]int32, nProducts) // basket number + 1 that last counted the product
	for b, basket := range baskets {
		for _, p := range basket {
			if p >= 0 && int(p) < nProducts && last[p] != int32(b+1) {
				last[p] = int32(b + 1)
				counts[p]++
			}
		}
	}
	r := itemRanks{rank: last} // reuse: every entry is overwritten below
	for p, n := range counts {
		r.rank[p] = -1
		if int(n) >= minCount {
			r.product = append(r.product, int32(p))
		}
	}
	slices.SortFunc(r.product, func(a, b int32) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	r.count = make([]int32, len(r.product))
	for i, p := range r.product {
		r.rank[p], r.count[i] = int32(i), counts[p]
	}
	return r
}

// itemKey is a frequent itemset of ranks, ascending, padded with -1.
type itemKey [maxRuleLen]int32

func keyOf(ranks []int32) itemKey {
	k := itemKey{-1, -1, -1, -1, -1}
	copy(k[:], ranks)
	slices.Sort(k[:len(ranks)])
	return k
}

// miner holds one mining run's state.
type miner struct {
	ranks    itemRanks
	minCount int32
	maxLen   int
	sets     map[itemKey]int32 // frequent itemsets of 2 or more products → count
	scratch  *treeScratch
	path     []int32
}

func newMiner(r itemRanks, minCount, maxLen int) *miner {
	return &miner{ranks: r, minCount: int32(minCount), maxLen: maxLen, sets: map[itemKey]int32{},
		scratch: newTreeScratch(len(r.product), int32(minCount))}
}

// globalTransactions turns baskets into transactions of frequent ranks, ascending, each
// product once, all with count 1.
func (m *miner) globalTransactions(baskets [][]int32) transactions {
	var t transactions
	t.off = append(make([]int32, 0, len(baskets)+1), 0)
	for _, basket := range baskets {
		start := len(t.items)
		for _, p := range basket {
			if p >= 0 && int(p) < len(m.ranks.rank) && m.ranks.rank[p] >= 0 {
				t.items = append(t.items, m.ranks.rank[p])
			}
		}
		row := t.items[start:]
		slices.Sort(row)
		t.items = t.items[:start+len(slices.Compact(row))]
		if len(t.items) > start {
			t.off = append(t.off, int32(len(t.items)))
			t.count = append(t.count, 1)
		}
	}
	return t
}

// mine records every frequent itemset made of suffix plus items of tree (whose items are
// all frequent given suffix), growing the suffix while it is shorter than maxLen-1.
func (m *miner) mine(tree *fpTree, suffix []int32) {
	for local := len(tree.items) - 1; local >= 0; local-- {
		var support int32
		for n := tree.head[local]; n != 0; n = tree.link[n] {
			support += tree.count[n]
		}
		set := append(slices.Clone(suffix), tree.items[local])
		if len(set) >= 2 {
			m.sets[keyOf(set)] = support
		}
		if len(set) >= m.maxLen {
			continue
		}
		if len(set)+1 == m.maxLen {
			m.countLastLevel(tree, local, set)
			continue
		}
		if cond := buildTree(m.patternBase(tree, local), m.scratch); len(cond.items) > 0 {
			m.mine(cond, set)
		}
	}
}

// patternBase returns the prefix paths of item local's nodes, each as ranks ascending,
// weighted by the node's count.
func (m *miner) patternBase(tree *fpTree, local int) transactions {
	var t transactions
	t.off = []int32{0}
	for n := tree.head[local]; n != 0; n = tree.link[n] {
		start := len(t.items)
		for p := tree.parent[n]; p != 0; p = tree.parent[p] {
			t.items = append(t.items, tree.items[tree.item[p]])
		}
		if len(t.items) == start {
			continue
		}
		slices.Reverse(t.items[start:])
		t.off = append(t.off, int32(len(t.items)))
		t.count = append(t.count, tree.count[n])
	}
	return t
}

// countLastLevel records the frequent itemsets set ∪ {j} for items j above item local's
// nodes: the last level needs counts, not a conditional tree.
func (m *miner) countLastLevel(tree *fpTree, local int, set []int32) {
	acc, touched := m.scratch.count, m.scratch.touched[:0]
	for n := tree.head[local]; n != 0; n = tree.link[n] {
		for p := tree.parent[n]; p != 0; p = tree.parent[p] {
			r := tree.items[tree.item[p]]
			if acc[r] == 0 {
				touched = append(touched, r)
			}
			acc[r] += tree.count[n]
		}
	}
	for _, r := range touched {
		if acc[r] >= m.minCount {
			m.sets[keyOf(append(set, r))] = acc[r]
		}
		acc[r] = 0
	}
	m.scratch.touched = touched[:0]
}

// rules derives, from the frequent itemsets, every rule with enough confidence, sorted.
func (m *miner) rules(nBaskets int, minConfidence float64) []Rule {
	count := func(k itemKey, n int) int32 {
		if n == 1 {
			return m.ranks.count[k[0]]
		}
		return m.sets[k]
	}
	var out []Rule
	n := float64(nBaskets)
	for k, both := range m.sets {
		size := slices.Index(k[:], -1)
		if size < 0 {
			size = maxRuleLen
		}
		for i := range size {
			ant := itemKey{-1, -1, -1, -1, -1}
			copy(ant[:], k[:i])
			copy(ant[i:], k[i+1:size])
			antCount, consCount := count(ant, size-1), m.ranks.count[k[i]]
			conf := float64(both) / float64(antCount)
			if conf < minConfidence {
				continue
			}
			r := Rule{Consequent: m.ranks.product[k[i]], Count: int(both),
				AntecedentCount: int(antCount), ConsequentCount: int(consCount),
				Support: float64(both) / n, Confidence: conf,
				Lift: float64(both) * n / (float64(antCount) * float64(consCount))}
			for _, rank := range ant[:size-1] {
				r.Antecedent = append(r.Antecedent, m.ranks.product[rank])
			}
			slices.Sort(r.Antecedent)
			out = append(out, r)
		}
	}
	slices.SortFunc(out, compareRules)
	return out
}

// compareRules is the order of MineRules: lift, confidence and count descending, then
// antecedent and consequent ascending.
func compareRules(a, b Rule) int {
	return cmp.Or(cmp.Compare(b.Lift, a.Lift), cmp.Compare(b.Confidence, a.Confidence),
		cmp.Compare(b.Count, a.Count), slices.Compare(a.Antecedent, b.Antecedent),
		cmp.Compare(a.Consequent, b.Consequent))
}
