package clusters

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"

	"github.com/persona-app/persona/store"
)

// MostlyShare is the share of a cluster's spend its top category must reach for the
// portrait to say "mostly CATEGORY".
const MostlyShare = 0.4

// model is what cluster_models.data holds (gob): enough to compare the next retrain's
// centroids with these in the same feature space and to hand out fresh keys.
type model struct {
	Features  []string
	Mean, Std []float64
	// Centroids are standardised, indexed by label; Keys[label] is the label's stable key.
	Centroids [][]float64
	Keys      []int
	// NextKey is the first key never used by any model so far.
	NextKey int
}

// previous is the latest stored model.
type previous struct {
	id int64
	model
}

// newModel gives each new centroid a key: the key of the previous model's cluster it
// matches (Match, after moving the old centroids into the new standardised space), or a
// key never used before. Models over different features are not matched.
func newModel(features []string, mean, std []float64, centroids [][]float64, prev *previous) model {
	m := model{Features: features, Mean: mean, Std: std, Centroids: centroids, Keys: make([]int, len(centroids)), NextKey: 1}
	for i := range m.Keys {
		m.Keys[i] = -1
	}
	if prev != nil {
		m.NextKey = max(prev.NextKey, 1)
		if slices.Equal(prev.Features, features) {
			old := make([][]float64, len(prev.Centroids))
			for j, c := range prev.Centroids {
				old[j] = make([]float64, len(c))
				for t, z := range c {
					old[j][t] = (z*prev.Std[t] + prev.Mean[t] - mean[t]) / std[t]
				}
			}
			for i, j := range Match(old, centroids) {
				if j >= 0 {
					m.Keys[i] = prev.Keys[j]
				}
			}
		}
	}
	for i, k := range m.Keys {
		if k < 0 {
			m.Keys[i] = m.NextKey
			m.NextKey++
		}
	}
	return m
}

// previousModel loads the latest model, or nil when none was trained yet.
func (s *Service) previousModel(ctx context.Context) (*previous, error) {
	var row struct {
		ID   int64
		Data []byte
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT id, data FROM cluster_models ORDER BY id DESC LIMIT 1`).Take(&row).Error
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("clusters: load previous model: %w", err)
	}
	p := &previous{id: row.ID}
	if err := gob.NewDecoder(bytes.NewReader(row.Data)).Decode(&p.model); err != nil {
		return nil, fmt.Errorf("clusters: decode model %d: %w", row.ID, err)
	}
	return p, nil
}

// compareWithPrevious sets the report's agreement (adjusted Rand index) between the
// previous model's cluster keys and the new ones, over the customers in both.
func (s *Service) compareWithPrevious(ctx context.Context, rep *Report, prev *previous, ids []int64, labels, keys []int) error {
	if prev == nil {
		return nil
	}
	rep.PreviousModelID = prev.id
	rows, err := s.DB.WithContext(ctx).Raw(`SELECT customer_id, cluster_key FROM customer_clusters
		WHERE model_id = ? ORDER BY customer_id`, prev.id).Rows()
	if err != nil {
		return fmt.Errorf("clusters: read previous assignments: %w", err)
	}
	defer rows.Close()
	var before, after []int
	i := 0
	for rows.Next() {
		var id int64
		var key int
		if err := rows.Scan(&id, &key); err != nil {
			return fmt.Errorf("clusters: read previous assignments: %w", err)
		}
		for i < len(ids) && ids[i] < id {
			i++
		}
		if i < len(ids) && ids[i] == id {
			before = append(before, key)
			after = append(after, keys[labels[i]])
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("clusters: read previous assignments: %w", err)
	}
	if len(before) > 0 {
		a := Agreement(before, after)
		rep.Agreement = &a
	}
	return nil
}

// describeClusters builds each cluster's report, in key order: size, centroid in
// original units, portrait, label (made unique with the key when two clash) and top
// category: the category holding the most spend when the customers' own top categories
// are added up (share × monetary), named when it holds at least MostlyShare of the
// cluster's spend and at least half the cluster has a top category.
func describeClusters(ds *dataset, res Result, mean, std []float64, names []string, keys []int) []ClusterReport {
	k := len(res.Centroids)
	catSpend := make([][]float64, k)
	spend := make([]float64, k)
	buyers := make([]int, k)
	for l := range catSpend {
		catSpend[l] = make([]float64, len(ds.cats))
	}
	for i, l := range res.Labels {
		spend[l] += ds.monetary[i]
		if c := ds.topCat[i]; c >= 0 {
			catSpend[l][c] += ds.topSpend[i]
			buyers[l]++
		}
	}
	out := make([]ClusterReport, k)
	seen := map[string]int{}
	for l, c := range res.Centroids {
		top := ""
		if len(ds.cats) > 0 {
			best := 0
			for ci, v := range catSpend[l] {
				if v > catSpend[l][best] {
					best = ci
				}
			}
			// Named only for clusters where most customers bought something at all.
			if 2*buyers[l] >= res.Sizes[l] && spend[l] > 0 && catSpend[l][best] >= MostlyShare*spend[l] {
				top = ds.cats[best]
			}
		}
		words, numbers := Portrait(c, mean, std, names, top)
		centroid := make([]float64, len(numbers))
		for t, n := range numbers {
			centroid[t] = n.Value
		}
		out[l] = ClusterReport{Key: keys[l], Label: Label(numbers), Size: res.Sizes[l], Portrait: words,
			TopCategory: top, Centroid: centroid, Numbers: numbers}
	}
	slices.SortFunc(out, func(a, b ClusterReport) int { return cmp.Compare(a.Key, b.Key) })
	for i := range out {
		seen[out[i].Label]++
		if seen[out[i].Label] > 1 {
			out[i].Label = fmt.Sprintf("%s (%d)", out[i].Label, out[i].Key)
		}
	}
	return out
}
