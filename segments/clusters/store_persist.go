package clusters

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// rowsPerInsert is how many customer_clusters rows one INSERT carries.
const rowsPerInsert = 500

// persist stores the model, its clusters and every customer's cluster (replacing the
// previous assignments) in one transaction, drops models older than the last keptModels,
// and returns the new model's id. distance is the Euclidean distance to the centroid in
// the standardised space.
func (s *Service) persist(ctx context.Context, rep *Report, m model, ids []int64, res Result) (int64, error) {
	var data bytes.Buffer
	if err := gob.NewEncoder(&data).Encode(m); err != nil {
		return 0, fmt.Errorf("clusters: encode model: %w", err)
	}
	report, err := json.Marshal(rep)
	if err != nil {
		return 0, fmt.Errorf("clusters: encode report: %w", err)
	}
	var id int64
	err = s.DB.Tx(ctx, func(tx *gorm.DB) error {
		err := tx.Raw(`INSERT INTO cluster_models (trained_at, k, features, inertia, silhouette, agreement, report, data)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, rep.TrainedAt, rep.K, strings.Join(rep.Features, ","),
			rep.Inertia, rep.Silhouette, rep.Agreement, string(report), data.Bytes()).Scan(&id).Error
		if err != nil {
			return fmt.Errorf("insert model: %w", err)
		}
		args := make([]any, 0, 6*len(rep.Clusters))
		for _, c := range rep.Clusters {
			centroid, _ := json.Marshal(c.Centroid) // finite floats: cannot fail
			args = append(args, id, c.Key, c.Label, c.Size, c.Portrait, string(centroid))
		}
		if err := tx.Exec(`INSERT INTO clusters (model_id, cluster_key, label, size, portrait, centroid) VALUES `+
			valueRows(len(rep.Clusters), 6), args...).Error; err != nil {
			return fmt.Errorf("insert clusters: %w", err)
		}
		if err := tx.Exec(`DELETE FROM customer_clusters`).Error; err != nil {
			return fmt.Errorf("clear customer clusters: %w", err)
		}
		if err := insertAssignments(tx, id, m.Keys, ids, res); err != nil {
			return err
		}
		// Older models go, with their clusters (ON DELETE CASCADE); the newest keptModels
		// stay for the history of agreements.
		if err := tx.Exec(`DELETE FROM cluster_models WHERE id NOT IN
			(SELECT id FROM cluster_models ORDER BY id DESC LIMIT ?)`, keptModels).Error; err != nil {
			return fmt.Errorf("prune models: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("clusters: store model: %w", err)
	}
	return id, nil
}

// insertAssignments writes one customer_clusters row per customer, rowsPerInsert a statement.
func insertAssignments(tx *gorm.DB, modelID int64, keys []int, ids []int64, res Result) error {
	full := `INSERT INTO customer_clusters (customer_id, model_id, cluster_key, distance) VALUES ` + valueRows(rowsPerInsert, 4)
	args := make([]any, 0, 4*rowsPerInsert)
	for lo := 0; lo < len(ids); lo += rowsPerInsert {
		hi := min(lo+rowsPerInsert, len(ids))
		args = args[:0]
		for i := lo; i < hi; i++ {
			args = append(args, ids[i], modelID, keys[res.Labels[i]], math.Sqrt(res.SqDist[i]))
		}
		q := full
		if hi-lo < rowsPerInsert {
			q = `INSERT INTO customer_clusters (customer_id, model_id, cluster_key, distance) VALUES ` + valueRows(hi-lo, 4)
		}
		if err := tx.Exec(q, args...).Error; err != nil {
			return fmt.Errorf("insert customer clusters %d..%d: %w", lo, hi-1, err)
		}
	}
	return nil
}

// valueRows returns "(?, ?), (?, ?)" for rows rows of cols values.
func valueRows(rows, cols int) string {
	row := "(" + store.Placeholders(cols) + ")"
	var b strings.Builder
	b.Grow(rows * (len(row) + 2))
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// Latest returns the report of the current model; false when none was trained yet.
func (s *Service) Latest(ctx context.Context) (Report, bool, error) {
	var row struct {
		ID     int64
		Report string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT id, report FROM cluster_models ORDER BY id DESC LIMIT 1`).Take(&row).Error
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return Report{}, false, nil
	}
	if err != nil {
		return Report{}, false, fmt.Errorf("clusters: load latest model: %w", err)
	}
	var rep Report
	if err := json.Unmarshal([]byte(row.Report), &rep); err != nil {
		return Report{}, false, fmt.Errorf("clusters: decode report of model %d: %w", row.ID, err)
	}
	rep.ModelID = row.ID
	return rep, true, nil
}

// Clusters lists the clusters of the current model in key order; none before a first run.
func (s *Service) Clusters(ctx context.Context) ([]Cluster, error) {
	var rows []struct {
		ClusterKey int
		Label      string
		Size       int
		Portrait   string
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT cluster_key, label, size, portrait FROM clusters
		WHERE model_id = (SELECT MAX(id) FROM cluster_models) ORDER BY cluster_key`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("clusters: list clusters: %w", err)
	}
	out := make([]Cluster, len(rows))
	for i, r := range rows {
		out[i] = Cluster{Key: r.ClusterKey, Label: r.Label, Size: r.Size, Portrait: r.Portrait}
	}
	return out, nil
}

// Retrain runs again with the options of the current model (the default options before
// a first run), for the scheduled job.
func (s *Service) Retrain(ctx context.Context) error {
	rep, ok, err := s.Latest(ctx)
	if err != nil {
		return err
	}
	opt := RunOptions{}
	if ok {
		opt = rep.Options
	}
	_, err = s.Run(ctx, opt)
	return err
}
