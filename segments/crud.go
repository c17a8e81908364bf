package segments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// Segment is a stored, named rule tree.
type Segment struct {
	ID          int64
	Name        string
	Description string
	Rules       Rules
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Input is what a marketer submits to create or change a segment.
type Input struct {
	Name        string
	Description string
	Rules       Rules
}

const (
	maxNameLen        = 100
	maxDescriptionLen = 1000
)

// segmentRow is a row of the segments table; rules is the rule tree as JSON.
type segmentRow struct {
	ID          int64
	Name        string
	Description string
	Rules       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (row segmentRow) segment() (Segment, error) {
	seg := Segment{ID: row.ID, Name: row.Name, Description: row.Description,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC()}
	if err := json.Unmarshal([]byte(row.Rules), &seg.Rules); err != nil {
		return Segment{}, fmt.Errorf("segments: decode rules of segment %d: %w", row.ID, err)
	}
	return seg, nil
}

const selectSegment = "SELECT id, name, description, rules, created_at, updated_at FROM segments"

// Segments returns every stored segment, by name.
func (s *Service) Segments(ctx context.Context) ([]Segment, error) {
	var rows []segmentRow
	if err := s.DB.WithContext(ctx).Raw(selectSegment + " ORDER BY name, id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("segments: list segments: %w", err)
	}
	out := make([]Segment, 0, len(rows))
	for _, row := range rows {
		seg, err := row.segment()
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, nil
}

// Segment returns the segment with id, or store.ErrNotFound.
func (s *Service) Segment(ctx context.Context, id int64) (Segment, error) {
	var rows []segmentRow
	if err := s.DB.WithContext(ctx).Raw(selectSegment+" WHERE id = ?", id).Scan(&rows).Error; err != nil {
		return Segment{}, fmt.Errorf("segments: load segment %d: %w", id, err)
	}
	if len(rows) == 0 {
		return Segment{}, fmt.Errorf("segments: load segment %d: %w", id, store.ErrNotFound)
	}
	return rows[0].segment()
}

// CreateSegment validates and stores a new segment. Bad input, including a name already
// taken, returns store.FieldErrors ("name", "description", or a rule path).
func (s *Service) CreateSegment(ctx context.Context, in Input) (Segment, error) {
	in, rules, err := checkInput(in)
	if err != nil {
		return Segment{}, err
	}
	if err := s.checkReferences(ctx, 0, in); err != nil {
		return Segment{}, err
	}
	// PostgreSQL keeps microseconds: truncate so the returned times equal the stored ones.
	now := s.Now().UTC().Truncate(time.Microsecond)
	var id int64
	err = s.DB.WithContext(ctx).Raw(
		"INSERT INTO segments (name, description, rules, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		in.Name, in.Description, rules, now, now).Scan(&id).Error
	if store.IsUniqueViolation(err) {
		return Segment{}, store.FieldErrors{"name": "a segment with this name already exists"}
	}
	if err != nil {
		return Segment{}, fmt.Errorf("segments: create segment %q: %w", in.Name, err)
	}
	return Segment{ID: id, Name: in.Name, Description: in.Description, Rules: in.Rules, CreatedAt: now, UpdatedAt: now}, nil
}

// UpdateSegment validates and replaces the name, description and rules of segment id.
func (s *Service) UpdateSegment(ctx context.Context, id int64, in Input) (Segment, error) {
	in, rules, err := checkInput(in)
	if err != nil {
		return Segment{}, err
	}
	if err := s.checkReferences(ctx, id, in); err != nil {
		return Segment{}, err
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	res := s.DB.WithContext(ctx).Exec(
		"UPDATE segments SET name = ?, description = ?, rules = ?, updated_at = ? WHERE id = ?",
		in.Name, in.Description, rules, now, id)
	if store.IsUniqueViolation(res.Error) {
		return Segment{}, store.FieldErrors{"name": "a segment with this name already exists"}
	}
	if res.Error != nil {
		return Segment{}, fmt.Errorf("segments: update segment %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Segment{}, fmt.Errorf("segments: update segment %d: %w", id, store.ErrNotFound)
	}
	return s.Segment(ctx, id)
}

// DeleteSegment removes segment id. A segment that a campaign targets, or that another
// segment's rules name, is not removed: that returns store.ErrConflict saying who uses it.
func (s *Service) DeleteSegment(ctx context.Context, id int64) error {
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		var used int64
		if err := tx.Raw("SELECT COUNT(*) FROM campaigns WHERE segment_id = ?", id).Scan(&used).Error; err != nil {
			return err
		}
		if used > 0 {
			return fmt.Errorf("the segment is the audience of %d campaign(s); give them another segment first: %w", used, store.ErrConflict)
		}
		var rows []segmentRow
		if err := tx.Raw(selectSegment).Scan(&rows).Error; err != nil {
			return err
		}
		all := make([]Segment, 0, len(rows))
		for _, row := range rows {
			if seg, err := row.segment(); err == nil {
				all = append(all, seg)
			}
		}
		if names := referrers(all, id); len(names) > 0 {
			return fmt.Errorf("the segment is used by segment %s; remove those conditions first: %w", strings.Join(names, ", "), store.ErrConflict)
		}
		res := tx.Exec("DELETE FROM segments WHERE id = ?", id)
		if isForeignKeyViolation(res.Error) {
			return fmt.Errorf("the segment is the audience of a campaign: %w", store.ErrConflict)
		}
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("segments: delete segment %d: %w", id, err)
	}
	return nil
}

// checkInput trims and validates in and returns it with its rules as JSON.
func checkInput(in Input) (Input, string, error) {
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	fe := store.FieldErrors{}
	switch {
	case in.Name == "":
		fe.Add("name", "name is required")
	case utf8.RuneCountInString(in.Name) > maxNameLen:
		fe.Add("name", fmt.Sprintf("name is too long (at most %d characters)", maxNameLen))
	}
	if utf8.RuneCountInString(in.Description) > maxDescriptionLen {
		fe.Add("description", fmt.Sprintf("description is too long (at most %d characters)", maxDescriptionLen))
	}
	if err := in.Rules.Validate(); err != nil {
		ruleErrs, _ := store.AsFieldErrors(err)
		for k, v := range ruleErrs {
			fe.Add(k, v)
		}
	}
	if err := fe.Err(); err != nil {
		return in, "", err
	}
	if in.Rules.Conditions == nil {
		in.Rules.Conditions = []Condition{}
	}
	rules, err := json.Marshal(in.Rules)
	if err != nil {
		return in, "", fmt.Errorf("segments: encode rules: %w", err)
	}
	return in, string(rules), nil
}

// isForeignKeyViolation tells whether err is a foreign-key failure on either database.
func isForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "violates foreign key constraint")
}
