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
	MaxDepth       = 4
	maxConditions  = 200
	maxInValues    = 1000
	maxTextLen     = 1000
	maxCategoryLen = 200
	maxRulesBytes  = 256 << 10
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

// Condition is one test: a field with an operator and value, a behaviour, or a nested group.
// Exactly one of Field, Behaviour and Group is set.
type Condition struct {
	Field     string          `json:"field,omitempty"`
	Op        string          `json:"op,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
	Behaviour *Behaviour      `json:"behaviour,omitempty"`
	Group     *Rules          `json:"group,omitempty"`
}

// Behaviour reads "did Event [in Category] at least MinCount times in the last Days days".
// Event "purchase" counts distinct orders from the orders table, not purchase events.
type Behaviour struct {
	Event    string `json:"event"`
	Category string `json:"category,omitempty"`
	MinCount int    `json:"min_count"`
	Days     int    `json:"days"`
}

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

// Validate checks the whole tree and reports every problem as store.FieldErrors.
func (r Rules) Validate() error {
	c := newCompiler(time.Time{}, "sqlite")
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
