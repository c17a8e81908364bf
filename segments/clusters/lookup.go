package clusters

import (
	"context"
	"fmt"
)

// ClusterOf returns the cluster a customer belongs to in the current model, and false when
// the customer has not been clustered.
func (s *Service) ClusterOf(ctx context.Context, customerID int64) (Cluster, bool, error) {
	var rows []struct {
		ClusterKey int
		Label      string
		Size       int
		Portrait   string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT k.cluster_key, k.label, k.size, k.portrait FROM customer_clusters cc
		JOIN clusters k ON k.model_id = cc.model_id AND k.cluster_key = cc.cluster_key WHERE cc.customer_id = ?`, customerID).Scan(&rows).Error
	if err != nil {
		return Cluster{}, false, fmt.Errorf("clusters: cluster of customer %d: %w", customerID, err)
	}
	if len(rows) == 0 {
		return Cluster{}, false, nil
	}
	r := rows[0]
	return Cluster{Key: r.ClusterKey, Label: r.Label, Size: r.Size, Portrait: r.Portrait}, true, nil
}
