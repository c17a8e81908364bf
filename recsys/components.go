package recsys

import (
	"context"
	"fmt"

	"github.com/persona-app/persona/store"
)

// trainData is what the history-based models learn from: production training data or the
// training part of an evaluation split, over the same dense products.
type trainData struct {
	nCustomers, nProducts int
	train                 []Interaction
	recent, allTime       []int32
	baskets               [][]int32
	texts                 []ProductText
}

// splitData is the training part of an evaluation split, with the products' texts read
// from db.
func splitData(ctx context.Context, db *store.DB, s *Split) (trainData, error) {
	texts, err := LoadProductTexts(ctx, db, s.Products)
	if err != nil {
		return trainData{}, err
	}
	return trainData{nCustomers: s.TrainCustomers, nProducts: len(s.Products), train: s.Train,
		recent: s.Recent, allTime: s.AllTime, baskets: s.Baskets, texts: texts}, nil
}

// component builds one model of the blend.
type component struct {
	name  string
	build func(d trainData, progress func(done float64)) (Model, error)
}

// components are the models the blend combines, in the order they are built and listed.
var components = []component{
	{AlgoItemItem, func(d trainData, _ func(float64)) (Model, error) {
		return BuildItemItem(d.nProducts, d.train, neighboursPerItem), nil
	}},
	{AlgoUserUser, func(d trainData, _ func(float64)) (Model, error) {
		return BuildUserUser(d.nProducts, d.train, userNeighbours), nil
	}},
	{AlgoContent, func(d trainData, _ func(float64)) (Model, error) {
		return BuildContent(d.texts, contentNeighbours), nil
	}},
	{AlgoRules, func(d trainData, _ func(float64)) (Model, error) {
		rules, err := MineRules(d.baskets, d.nProducts, DefaultRuleOptions())
		if err != nil {
			return nil, err
		}
		return NewRuleModel(rules), nil
	}},
	{AlgoALS, func(d trainData, progress func(float64)) (Model, error) {
		opts := ALSOptions{Seed: 1}
		opts.Progress = func(iter int) { progress(float64(iter) / float64(defaultALSIterations)) }
		return TrainALS(d.nCustomers, d.nProducts, d.train, opts)
	}},
	{AlgoPopularity, func(d trainData, _ func(float64)) (Model, error) {
		return NewPopularity(d.recent, d.allTime), nil
	}},
}

// buildComponents builds every component on d; progress hears each one's name and the
// share of them done.
func buildComponents(ctx context.Context, d trainData, progress Progress) ([]Model, error) {
	out := make([]Model, 0, len(components))
	for i, c := range components {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		base := float64(i) / float64(len(components))
		progress(c.name, base)
		m, err := c.build(d, func(done float64) {
			progress(c.name, base+done/float64(len(components)))
		})
		if err != nil {
			return nil, fmt.Errorf("recsys: build %s: %w", c.name, err)
		}
		out = append(out, m)
	}
	return out, nil
}

// maxTuneCustomers bounds the validation customers blend tuning scores (an evenly spaced
// sample): the weights move little beyond a few thousand, the cost grows with each one.
const maxTuneCustomers = 2000

// tuneBlend chooses the blend's weights on val (a split whose test customers are
// validation customers) and returns the blend of models with them; progress follows the
// building of the components on val's training part.
func tuneBlend(ctx context.Context, db *store.DB, val *Split, models []Model, k int, progress Progress) (*Blend, error) {
	if n := len(val.Customers); n > maxTuneCustomers {
		sample := make([]EvalCustomer, 0, maxTuneCustomers)
		for i := range maxTuneCustomers {
			sample = append(sample, val.Customers[i*n/maxTuneCustomers])
		}
		trimmed := *val
		trimmed.Customers = sample
		val = &trimmed
	}
	weights, _, err := TuneBlend(val, func(v *Split) ([]Model, error) {
		d, err := splitData(ctx, db, v)
		if err != nil {
			return nil, err
		}
		return buildComponents(ctx, d, progress)
	}, k)
	if err != nil {
		return nil, err
	}
	return NewBlend(models, weights), nil
}

// blendRef is a persisted blend before its components are resolved by name.
type blendRef struct {
	names   []string
	weights []float64
}

func (b *blendRef) Name() string                                               { return AlgoBlend }
func (b *blendRef) Recommend([]Interaction, int, func(int32) bool) []Candidate { return nil }
func (b *blendRef) MarshalBinary() ([]byte, error) {
	return nil, fmt.Errorf("recsys: an unresolved blend is not saved")
}

func decodeBlend(data []byte, _ int) (Model, error) {
	names, weights, err := decodeBlendWeights(data)
	if err != nil {
		return nil, err
	}
	return &blendRef{names: names, weights: weights}, nil
}

// resolveBlend replaces a loaded blendRef with the blend of the snapshot's models.
func (s *snapshot) resolveBlend() error {
	ref, ok := s.byName[AlgoBlend].(*blendRef)
	if !ok {
		return nil
	}
	models := make([]Model, len(ref.names))
	for i, name := range ref.names {
		if models[i] = s.byName[name]; models[i] == nil {
			return fmt.Errorf("recsys: load models: the blend needs %s, which is missing", name)
		}
	}
	s.byName[AlgoBlend] = NewBlend(models, ref.weights)
	return nil
}
