package campaigns

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// Templates reads and writes the templates table; every save is validated first.
type Templates struct {
	DB  *store.DB
	Now func() time.Time
}

const templateColumns = `id, name, subject, html, text, rec_algorithm, rec_count, rec_rules, created_at, updated_at`

// List returns every template, by name.
func (s *Templates) List(ctx context.Context) ([]Template, error) {
	var out []Template
	err := s.DB.WithContext(ctx).Raw(`SELECT ` + templateColumns + ` FROM templates ORDER BY name, id`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: list templates: %w", err)
	}
	return out, nil
}

// Get returns template id, or store.ErrNotFound.
func (s *Templates) Get(ctx context.Context, id int64) (Template, error) {
	return getTemplate(s.DB.WithContext(ctx), id)
}

func getTemplate(db *gorm.DB, id int64) (Template, error) {
	var out []Template
	err := db.Raw(`SELECT `+templateColumns+` FROM templates WHERE id = ?`, id).Scan(&out).Error
	if err != nil {
		return Template{}, fmt.Errorf("campaigns: load template %d: %w", id, err)
	}
	if len(out) == 0 {
		return Template{}, fmt.Errorf("campaigns: load template %d: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// Create validates and stores t; a name already taken is a FieldErrors on "name". Empty
// recommendation settings get their defaults; the rules are stored as compact JSON.
func (s *Templates) Create(ctx context.Context, t Template) (Template, error) {
	t = normalizeTemplate(t)
	if err := ValidateTemplate(t); err != nil {
		return Template{}, err
	}
	now := s.now()
	t.ID, t.CreatedAt, t.UpdatedAt = 0, now, now
	err := s.DB.WithContext(ctx).Table("templates").Create(&t).Error
	if store.IsUniqueViolation(err) {
		return Template{}, nameTaken(t.Name)
	}
	if err != nil {
		return Template{}, fmt.Errorf("campaigns: create template %q: %w", t.Name, err)
	}
	return t, nil
}

// Update validates t and stores it over template id, like Create.
func (s *Templates) Update(ctx context.Context, id int64, t Template) (Template, error) {
	t = normalizeTemplate(t)
	if err := ValidateTemplate(t); err != nil {
		return Template{}, err
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE templates SET name = ?, subject = ?, html = ?, text = ?,
		rec_algorithm = ?, rec_count = ?, rec_rules = ?, updated_at = ? WHERE id = ?`,
		t.Name, t.Subject, t.HTML, t.Text, t.RecAlgorithm, t.RecCount, t.RecRules, s.now(), id)
	if store.IsUniqueViolation(res.Error) {
		return Template{}, nameTaken(t.Name)
	}
	if res.Error != nil {
		return Template{}, fmt.Errorf("campaigns: update template %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return Template{}, fmt.Errorf("campaigns: update template %d: %w", id, store.ErrNotFound)
	}
	return s.Get(ctx, id)
}

// Delete removes template id; a template still used by a campaign is store.ErrConflict.
func (s *Templates) Delete(ctx context.Context, id int64) error {
	return s.DB.Tx(ctx, func(tx *gorm.DB) error {
		var used int64
		if err := tx.Raw(`SELECT COUNT(*) FROM campaigns WHERE template_id = ?`, id).Scan(&used).Error; err != nil {
			return fmt.Errorf("campaigns: delete template %d: count campaigns: %w", id, err)
		}
		if used > 0 {
			return fmt.Errorf("campaigns: delete template %d: used by %d campaign(s): %w", id, used, store.ErrConflict)
		}
		res := tx.Exec(`DELETE FROM templates WHERE id = ?`, id)
		if res.Error != nil {
			if isForeignKeyViolation(res.Error) {
				return fmt.Errorf("campaigns: delete template %d: %w", id, store.ErrConflict)
			}
			return fmt.Errorf("campaigns: delete template %d: %w", id, res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("campaigns: delete template %d: %w", id, store.ErrNotFound)
		}
		return nil
	})
}

// now is the injected clock in UTC, cut to microseconds so SQLite and PostgreSQL agree.
func (s *Templates) now() time.Time {
	t := time.Now()
	if s.Now != nil {
		t = s.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// normalizeTemplate is t as it is stored: the name trimmed, the block's defaults filled
// and its rules in their canonical JSON.
func normalizeTemplate(t Template) Template {
	t = withRecDefaults(t)
	t.Name = strings.TrimSpace(t.Name)
	t.RecRules = canonicalRecRules(t.RecRules)
	return t
}

func nameTaken(name string) error {
	return store.FieldErrors{"name": fmt.Sprintf("a template named %q already exists", name)}
}

// isForeignKeyViolation tells whether err is a foreign-key failure on either database.
func isForeignKeyViolation(err error) bool {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "FOREIGN KEY constraint failed") || strings.Contains(s, "violates foreign key constraint")
}
