package store

import (
	"errors"
	"sort"
	"strings"

	"gorm.io/gorm"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a write lost a race or broke a uniqueness rule.
var ErrConflict = errors.New("conflict")

// ErrForbidden is returned when the acting user may not do what was asked.
var ErrForbidden = errors.New("forbidden")

// FieldErrors maps a field name (form field, JSON key or CSV column) to what is wrong with it.
type FieldErrors map[string]string

// Error lists the fields in a stable order.
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+fe[k])
	}
	return strings.Join(parts, "; ")
}

// Add records a problem with field, keeping the first one.
func (fe FieldErrors) Add(field, msg string) {
	if _, ok := fe[field]; !ok {
		fe[field] = msg
	}
}

// Err returns fe as an error, or nil when it is empty.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// AsFieldErrors reports whether err carries field errors, and returns them.
func AsFieldErrors(err error) (FieldErrors, bool) {
	var fe FieldErrors
	if errors.As(err, &fe) {
		return fe, true
	}
	return nil, false
}

// NotFound turns gorm's record-not-found into ErrNotFound and leaves other errors alone.
func NotFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// IsUniqueViolation tells whether err is a unique-constraint failure on either database.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "duplicate key value")
}
