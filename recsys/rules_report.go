package recsys

import (
	"context"
	"slices"
	"time"
)

// RuleProduct is one side of a mined rule, as people read it.
type RuleProduct struct {
	ID         int64  `json:"id"`
	ExternalID string `json:"product_id"`
	Name       string `json:"name"`
}

// NamedRule is an association rule over products as people read them.
type NamedRule struct {
	Antecedent      []RuleProduct `json:"antecedent"`
	Consequent      RuleProduct   `json:"consequent"`
	Count           int           `json:"count"`
	AntecedentCount int           `json:"antecedent_count"`
	ConsequentCount int           `json:"consequent_count"`
	Support         float64       `json:"support"`
	Confidence      float64       `json:"confidence"`
	Lift            float64       `json:"lift"`
}

// RulesReport is one mining run over every order placed so far.
type RulesReport struct {
	Baskets       int           `json:"baskets"`
	Products      int           `json:"products"`
	MinSupport    float64       `json:"min_support"`
	MinConfidence float64       `json:"min_confidence"`
	MinCount      int           `json:"min_count"`
	Rules         []NamedRule   `json:"rules"`
	Duration      time.Duration `json:"duration_ns"`
}

// MineRules mines association rules from the orders placed up to now (one basket per
// order), with FP-growth; see MineRules for the thresholds' convention. Rules are ordered
// by lift, then confidence, then count.
func (s *Service) MineRules(ctx context.Context, opts RuleOptions) (RulesReport, error) {
	if err := opts.Validate(); err != nil {
		return RulesReport{}, err
	}
	started := time.Now()
	raw, err := ReadBaskets(ctx, s.db, s.now())
	if err != nil {
		return RulesReport{}, err
	}
	var ids []int64
	for _, b := range raw {
		ids = append(ids, b...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	cat, err := loadCatalog(ctx, s.db, ids)
	if err != nil {
		return RulesReport{}, err
	}
	baskets := make([][]int32, len(raw))
	for i, b := range raw {
		baskets[i] = make([]int32, len(b))
		for j, id := range b {
			baskets[i][j] = cat.index(id)
		}
	}
	rules, err := MineRules(baskets, len(ids), opts)
	if err != nil {
		return RulesReport{}, err
	}
	rep := RulesReport{Baskets: len(baskets), Products: len(ids), MinSupport: opts.MinSupport,
		MinConfidence: opts.MinConfidence, MinCount: opts.MinCount(len(baskets)), Rules: make([]NamedRule, len(rules))}
	named := func(p int32) RuleProduct {
		return RuleProduct{ID: cat.ids[p], ExternalID: cat.products[p].ExternalID, Name: cat.name(p)}
	}
	for i, r := range rules {
		nr := NamedRule{Consequent: named(r.Consequent), Count: r.Count, AntecedentCount: r.AntecedentCount,
			ConsequentCount: r.ConsequentCount, Support: r.Support, Confidence: r.Confidence, Lift: r.Lift}
		for _, p := range r.Antecedent {
			nr.Antecedent = append(nr.Antecedent, named(p))
		}
		rep.Rules[i] = nr
	}
	rep.Duration = time.Since(started)
	return rep, nil
}
