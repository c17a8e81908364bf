// Package segments owns rule segments: typed rule trees over profile fields, computed
// features, custom attributes and behaviour, compiled to parameterised SQL over a fixed
// whitelist of fields, and the segments table that stores them. No text from a rule ever
// becomes SQL: names map to fixed column expressions and every value is a bound parameter.
// It never touches HTTP or templ.
package segments

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// Limits that keep a rule tree, and the SQL compiled from it, small.
const (
	// MaxDepth is how deep rules nest: the top level is 1, a group inside it 2, and so on.
	MaxDepth = 4
	// MaxSegmentDepth is how many segment conditions may be followed in a row: rules that
	// include A, which includes B, which includes C, which includes D, are as deep as it goes.
	MaxSegmentDepth = 4
	maxConditions   = 200
	maxInValues     = 1000
	maxTextLen      = 1000
	maxCategoryLen  = 200
	maxCount        = 100000
	maxWindowDays   = 3650
	maxRulesBytes   = 256 << 10
	// maxArgs keeps one rule tree's parameters well under SQLite's 32766 and
	// PostgreSQL's 65535 per statement.
	maxArgs = 10000
)

// Rules is a rule tree: conditions joined by AND ("all") or OR ("any").
// An empty top-level list matches every customer.
type Rules struct {
	Match      string      `json:"match"`
	Conditions []Condition `json:"conditions"`
}

// Condition is one test: a field with an operator and value, a behaviour, membership of
// another segment, or a nested group. Exactly one of Field, Behaviour, Segment and Group
// is set. Type gives a custom attribute ("attr.NAME") its type; attributes are text
// without it.
type Condition struct {
	Field     string          `json:"field,omitempty"`
	Type      string          `json:"type,omitempty"`
	Op        string          `json:"op,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
	Behaviour *Behaviour      `json:"behaviour,omitempty"`
	Segment   *SegmentRef     `json:"segment,omitempty"`
	Group     *Rules          `json:"group,omitempty"`
}

// Behaviour reads "did [not] do Event [on Product] [in Category] at least MinCount and at
// most MaxCount times [for a total value above MinValue] in the last Days days (or from
// From to To)". Every part but Event is optional: Did defaults to true, MinCount to 1 (to 0
// when MaxCount is given, so "at most 2 times" includes customers who never did it), and
// no window means all time. Event "purchase" counts distinct orders from the orders table,
// not purchase events, and its value is the orders' amount.
type Behaviour struct {
	Did      *bool    `json:"did,omitempty"`
	Event    string   `json:"event"`
	Product  string   `json:"product,omitempty"`
	Category string   `json:"category,omitempty"`
	MinCount int      `json:"min_count,omitempty"`
	MaxCount *int     `json:"max_count,omitempty"`
	MinValue *float64 `json:"min_value,omitempty"`
	Days     int      `json:"days,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
}

// SegmentRef is membership of another stored segment: its customers when Include is true
// or missing, everyone else when it is false.
type SegmentRef struct {
	ID      int64 `json:"id"`
	Include *bool `json:"include,omitempty"`
}

// includes tells whether the condition keeps the segment's members (the default).
func (r SegmentRef) includes() bool { return r.Include == nil || *r.Include }

var (
	attrName  = regexp.MustCompile(`^[a-zA-Z0-9_]{1,64}$`)
	eventName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

// ParseRules decodes and validates rule JSON. Problems come back as store.FieldErrors keyed
// by the path of the bad part ("conditions[2].op"; "rules" when the JSON itself is bad);
// the decoded rules are returned even then, so an editor can show them again.
func ParseRules(data []byte) (Rules, error) {
	if len(data) > maxRulesBytes {
		return Rules{}, store.FieldErrors{"rules": fmt.Sprintf("rules are too large (at most %d KiB)", maxRulesBytes>>10)}
	}
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rules{}, store.FieldErrors{"rules": "rules are not valid: " + jsonProblem(err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return Rules{}, store.FieldErrors{"rules": "rules are not valid: unexpected data after the rules"}
	}
	return r, r.Validate()
}

// jsonProblem words a decoding error for a person.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		want := "a text"
		switch typeErr.Type.Kind() {
		case reflect.Int, reflect.Int64, reflect.Float64:
			want = "a number"
		case reflect.Bool:
			want = "true or false"
		case reflect.Slice:
			want = "a list"
		case reflect.Struct, reflect.Pointer:
			want = "an object"
		}
		return fmt.Sprintf("%s must be %s", typeErr.Field, want)
	}
	if errors.Is(err, io.EOF) {
		return "no rules given"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Validate checks the whole tree and reports every problem as store.FieldErrors. It does
// not look segment conditions up: that takes the database (Service.Compile does it).
func (r Rules) Validate() error {
	c := newCompiler(time.Time{}, "sqlite", nil)
	c.validateOnly = true
	c.root(r)
	return c.errs.Err()
}

// quoteShort quotes user text for a message, cut so a long value does not flood the page.
func quoteShort(s string) string {
	const limit = 40
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return fmt.Sprintf("%q", s)
}
