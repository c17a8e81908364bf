package recsys

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// keepModels is how many trained models of each algorithm recsys_models keeps.
const keepModels = 3

// blobVersion is the layout of blob; a row of another version is not loaded.
const blobVersion = 1

// blob is one row's data: a model with the product mapping and stats of its training run,
// so every row stands on its own.
type blob struct {
	Version      int
	TrainedAt    time.Time
	Interactions int
	Customers    int
	Duration     time.Duration
	ProductIDs   []int64
	Model        []byte
}

// save writes every model of snap in one transaction, all with the same trained_at (which
// is how load finds the models of one run), and drops all but the newest keepModels rows
// per algorithm.
func (s *Service) save(ctx context.Context, snap *snapshot) error {
	st := snap.stats
	return s.db.Tx(ctx, func(tx *gorm.DB) error {
		for _, m := range snap.models() {
			data, err := m.MarshalBinary()
			if err != nil {
				return fmt.Errorf("recsys: %w", err)
			}
			var buf bytes.Buffer
			err = gob.NewEncoder(&buf).Encode(blob{Version: blobVersion, TrainedAt: st.TrainedAt,
				Interactions: st.Interactions, Customers: st.Customers, Duration: st.Duration,
				ProductIDs: snap.catalog.ids, Model: data})
			if err != nil {
				return fmt.Errorf("recsys: encode %s model: %w", m.Name(), err)
			}
			if err := tx.Exec(`INSERT INTO recsys_models (algorithm, trained_at, interactions, items, duration_ms, data)
				VALUES (?, ?, ?, ?, ?, ?)`, m.Name(), st.TrainedAt, st.Interactions, st.Items,
				st.Duration.Milliseconds(), buf.Bytes()).Error; err != nil {
				return fmt.Errorf("recsys: save %s model: %w", m.Name(), err)
			}
			if err := tx.Exec(`DELETE FROM recsys_models WHERE algorithm = ? AND id NOT IN (
				SELECT id FROM recsys_models WHERE algorithm = ? ORDER BY trained_at DESC, id DESC LIMIT ?)`,
				m.Name(), m.Name(), keepModels).Error; err != nil {
				return fmt.Errorf("recsys: prune %s models: %w", m.Name(), err)
			}
		}
		return nil
	})
}

// modelRow is a recsys_models row without its data.
type modelRow struct {
	ID        int64
	Algorithm string
	TrainedAt time.Time
}

// loadLatest reads the newest training run that has every algorithm the service serves, or
// returns nil when there is none.
func (s *Service) loadLatest(ctx context.Context) (*snapshot, error) {
	var metas []modelRow
	if err := s.db.WithContext(ctx).Raw(`SELECT id, algorithm, trained_at FROM recsys_models
		ORDER BY trained_at DESC, id DESC`).Scan(&metas).Error; err != nil {
		return nil, fmt.Errorf("recsys: list models: %w", err)
	}
	ids := latestComplete(metas, []string{AlgoItemItem, AlgoPopularity})
	if ids == nil {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.WithContext(ctx).Raw(`SELECT algorithm, data FROM recsys_models WHERE id IN (`+
		store.Placeholders(len(ids))+`)`, args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("recsys: load models: %w", err)
	}
	defer rows.Close()
	snap := &snapshot{histories: &histories{}}
	var first *blob
	for rows.Next() {
		var algorithm string
		var data []byte
		if err := rows.Scan(&algorithm, &data); err != nil {
			return nil, fmt.Errorf("recsys: read model: %w", err)
		}
		b, m, err := decodeBlob(algorithm, data)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = b
		} else if !slices.Equal(first.ProductIDs, b.ProductIDs) {
			return nil, fmt.Errorf("recsys: load models: %s model has another product mapping", algorithm)
		}
		snap.set(m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recsys: read models: %w", err)
	}
	if first == nil || snap.itemItem == nil || snap.popularity == nil {
		return nil, fmt.Errorf("recsys: load models: rows %v vanished while loading", ids)
	}
	if err := snap.resolveBlend(); err != nil {
		return nil, err
	}
	if snap.catalog, err = loadCatalog(ctx, s.db, first.ProductIDs); err != nil {
		return nil, err
	}
	snap.stats = TrainStats{Algorithm: AlgoItemItem, Interactions: first.Interactions, Customers: first.Customers,
		Items: len(first.ProductIDs), Duration: first.Duration, TrainedAt: first.TrainedAt}
	return snap, nil
}

// latestComplete returns the row ids, one per algorithm, of the newest trained_at (rows
// sorted newest first) that has a row for each wanted algorithm, or nil.
func latestComplete(rows []modelRow, want []string) []int64 {
	for i := 0; i < len(rows); {
		j := i
		found := map[string]int64{}
		for ; j < len(rows) && rows[j].TrainedAt.Equal(rows[i].TrainedAt); j++ {
			if _, ok := found[rows[j].Algorithm]; !ok {
				found[rows[j].Algorithm] = rows[j].ID
			}
		}
		complete := true
		for _, a := range want {
			_, ok := found[a]
			complete = complete && ok
		}
		if complete {
			ids := make([]int64, 0, len(found))
			for _, id := range found {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			return ids
		}
		i = j
	}
	return nil
}

// decodeBlob reads one row's data into its header and model.
func decodeBlob(algorithm string, data []byte) (*blob, Model, error) {
	decode, ok := decoders[algorithm]
	if !ok {
		return nil, nil, fmt.Errorf("recsys: load models: unknown algorithm %q", algorithm)
	}
	var b blob
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&b); err != nil {
		return nil, nil, fmt.Errorf("recsys: decode %s model: %w", algorithm, err)
	}
	if b.Version != blobVersion {
		return nil, nil, fmt.Errorf("recsys: %s model has format version %d, want %d", algorithm, b.Version, blobVersion)
	}
	if !slices.IsSorted(b.ProductIDs) {
		return nil, nil, fmt.Errorf("recsys: %s model has unsorted product ids", algorithm)
	}
	m, err := decode(b.Model, len(b.ProductIDs))
	if err != nil {
		return nil, nil, fmt.Errorf("recsys: %w", err)
	}
	return &b, m, nil
}
