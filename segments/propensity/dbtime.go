package propensity

import (
	"fmt"
	"time"
)

// dbTime scans a timestamp that may come back as text: SQLite loses the column type of
// MIN(...) and MAX(...) and returns the stored string, PostgreSQL returns a time.
type dbTime struct{ t time.Time }

// textLayouts are the forms SQLite drivers write timestamps in.
var textLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

// Scan implements sql.Scanner; NULL leaves the zero time.
func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.t = time.Time{}
		return nil
	case time.Time:
		d.t = x.UTC()
		return nil
	case []byte:
		return d.parse(string(x))
	case string:
		return d.parse(x)
	}
	return fmt.Errorf("cannot read %T as a time", v)
}

func (d *dbTime) parse(s string) error {
	for _, layout := range textLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			d.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a time", s)
}
