package store

import (
	"fmt"
	"time"
)

// Time scans a timestamp that may come back as text: SQLite loses the declared type of
// MIN(...) and MAX(...) and returns the stored string, PostgreSQL returns a time. NULL
// leaves it invalid (and the zero time).
type Time struct {
	Time  time.Time
	Valid bool
}

// timeLayouts are the forms SQLite drivers write timestamps in.
var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// Scan implements sql.Scanner.
func (d *Time) Scan(v any) error {
	*d = Time{}
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		*d = Time{x.UTC(), true}
		return nil
	case []byte:
		return d.parse(string(x))
	case string:
		return d.parse(x)
	}
	return fmt.Errorf("cannot read %T as a time", v)
}

func (d *Time) parse(s string) error {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*d = Time{t.UTC(), true}
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a time", s)
}

// Ptr returns the time, or nil when it is invalid.
func (d Time) Ptr() *time.Time {
	if !d.Valid {
		return nil
	}
	t := d.Time
	return &t
}

// UTCPtr returns a copy of *t in UTC, or nil.
func UTCPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
