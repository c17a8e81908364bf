package segments

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// SizePoint is a segment's size on one day.
type SizePoint struct {
	Day  time.Time
	Size int64
}

// TakeSnapshots records today's size of every segment (one row per segment and UTC day;
// taking them again the same day replaces that day's figure). The daily job calls it.
func (s *Service) TakeSnapshots(ctx context.Context) (int, error) {
	counts, err := s.SegmentCounts(ctx)
	if err != nil {
		return 0, err
	}
	day := s.Now().UTC().Truncate(24 * time.Hour)
	err = s.DB.Tx(ctx, func(tx *gorm.DB) error {
		for id, n := range counts {
			if err := tx.Exec(`INSERT INTO segment_snapshots (segment_id, taken_at, size) VALUES (?, ?, ?)
				ON CONFLICT (segment_id, taken_at) DO UPDATE SET size = excluded.size`, id, day, n).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("segments: take snapshots: %w", err)
	}
	return len(counts), nil
}

// SizeHistory returns a segment's recorded sizes, oldest first, over the last days.
func (s *Service) SizeHistory(ctx context.Context, segmentID int64, days int) ([]SizePoint, error) {
	from := s.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -days)
	var rows []struct {
		TakenAt time.Time
		Size    int64
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT taken_at, size FROM segment_snapshots WHERE segment_id = ? AND taken_at >= ?
		ORDER BY taken_at`, segmentID, from).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("segments: size history of %d: %w", segmentID, err)
	}
	out := make([]SizePoint, len(rows))
	for i, r := range rows {
		out[i] = SizePoint{Day: r.TakenAt.UTC(), Size: r.Size}
	}
	return out, nil
}

// memberColumns is the header of a member export.
var memberColumns = []string{"customer_id", "email", "first_name", "last_name", "country", "consent_email", "frequency", "monetary"}

// ExportMembers writes the segment's current members as CSV, streamed, in customer order.
func (s *Service) ExportMembers(ctx context.Context, segmentID int64, w io.Writer) (int, error) {
	audience, args, err := s.AudienceSQL(ctx, segmentID)
	if err != nil {
		return 0, err
	}
	rows, err := s.DB.WithContext(ctx).Raw(`SELECT c.external_id, c.email, c.first_name, c.last_name, c.country, c.consent_email,
		COALESCE(f.frequency, 0), COALESCE(f.monetary, 0)
		FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id
		WHERE c.id IN (`+audience+`) ORDER BY c.id`, args...).Rows()
	if err != nil {
		return 0, fmt.Errorf("segments: export members of %d: %w", segmentID, err)
	}
	defer rows.Close()
	cw := csv.NewWriter(w)
	if err := cw.Write(memberColumns); err != nil {
		return 0, err
	}
	n := 0
	for rows.Next() {
		var ext, email, first, last, country string
		var consent bool
		var freq int64
		var monetary float64
		if err := rows.Scan(&ext, &email, &first, &last, &country, &consent, &freq, &monetary); err != nil {
			return n, fmt.Errorf("segments: export members of %d: %w", segmentID, err)
		}
		rec := []string{ext, email, first, last, country, strconv.FormatBool(consent), strconv.FormatInt(freq, 10), strconv.FormatFloat(monetary, 'f', 2, 64)}
		if err := cw.Write(rec); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("segments: export members of %d: %w", segmentID, err)
	}
	cw.Flush()
	return n, cw.Error()
}

// Overlap is how many customers two segments share.
type Overlap struct {
	A, B, Both int64
}

// Overlap counts the members of two segments and the customers in both.
func (s *Service) Overlap(ctx context.Context, a, b int64) (Overlap, error) {
	sqlA, argsA, err := s.AudienceSQL(ctx, a)
	if err != nil {
		return Overlap{}, err
	}
	sqlB, argsB, err := s.AudienceSQL(ctx, b)
	if err != nil {
		return Overlap{}, err
	}
	var o Overlap
	args := append(append(append(append([]any{}, argsA...), argsB...), argsA...), argsB...)
	err = s.DB.WithContext(ctx).Raw(`SELECT
		COALESCE(SUM(CASE WHEN c.id IN (`+sqlA+`) THEN 1 ELSE 0 END), 0) AS a,
		COALESCE(SUM(CASE WHEN c.id IN (`+sqlB+`) THEN 1 ELSE 0 END), 0) AS b,
		COALESCE(SUM(CASE WHEN c.id IN (`+sqlA+`) AND c.id IN (`+sqlB+`) THEN 1 ELSE 0 END), 0) AS in_both
		FROM customers c`, args...).Row().Scan(&o.A, &o.B, &o.Both)
	if err != nil {
		return Overlap{}, fmt.Errorf("segments: overlap of %d and %d: %w", a, b, store.NotFound(err))
	}
	return o, nil
}
