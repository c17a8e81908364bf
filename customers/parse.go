package customers

import (
	"time"

	"github.com/persona-app/persona/store"
)

// getter returns a row's trimmed value for a canonical column and whether the row has
// that column at all. A CSV row has every column of its header (possibly empty); an API
// item has the fields it gave a non-empty value.
type getter func(col string) (string, bool)

// rowParser reads typed values through a getter and collects what is wrong, per column.
type rowParser struct {
	get  getter
	errs store.FieldErrors
}

func (p *rowParser) fail(col, msg string) {
	if p.errs == nil {
		p.errs = store.FieldErrors{}
	}
	p.errs.Add(col, msg)
}

// text returns an optional text value and whether the column was given.
func (p *rowParser) text(col string, max int) (string, bool) {
	v, ok := p.get(col)
	if len(v) > max {
		p.fail(col, msgTooLong(max))
	}
	return v, ok
}

// id returns a required identifier.
func (p *rowParser) id(col string) string {
	v, _ := p.get(col)
	if v == "" {
		p.fail(col, msgRequired)
	} else if len(v) > maxIDLength {
		p.fail(col, msgTooLong(maxIDLength))
	}
	return v
}

// time returns an optional timestamp (nil when empty) and whether the column was given.
func (p *rowParser) time(col string) (*time.Time, bool) {
	v, ok := p.get(col)
	if v == "" {
		return nil, ok
	}
	t, good := parseTime(v)
	if !good {
		p.fail(col, msgNotDate(v))
		return nil, ok
	}
	return &t, ok
}

// requiredTime returns a timestamp that must be there.
func (p *rowParser) requiredTime(col string) time.Time {
	if v, _ := p.get(col); v == "" {
		p.fail(col, msgRequired)
		return time.Time{}
	}
	t, _ := p.time(col)
	if t == nil {
		return time.Time{}
	}
	return *t
}

// number returns an optional number (nil when empty) and whether the column was given.
func (p *rowParser) number(col string) (*float64, bool) {
	v, ok := p.get(col)
	if v == "" {
		return nil, ok
	}
	f, good := parseNumber(v)
	if !good {
		p.fail(col, msgNotNumber(v))
		return nil, ok
	}
	return &f, ok
}

// requiredNumber returns a number that must be there.
func (p *rowParser) requiredNumber(col string) float64 {
	if v, _ := p.get(col); v == "" {
		p.fail(col, msgRequired)
		return 0
	}
	f, _ := p.number(col)
	if f == nil {
		return 0
	}
	return *f
}

// boolean returns an optional flag, empty meaning empty, and whether the column was given.
func (p *rowParser) boolean(col string, empty bool) (bool, bool) {
	v, ok := p.get(col)
	if v == "" {
		return empty, ok
	}
	b, good := parseBool(v)
	if !good {
		p.fail(col, msgNotBool(v))
	}
	return b, ok
}
