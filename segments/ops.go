package segments

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Value limits: a number beyond maxNumber is a typo, not a threshold; ages and windows in
// days stop at a century.
const (
	maxNumber = 1e12
	maxDays   = 36500
)

// field compiles a field condition: the field name picks a fixed column expression, the
// operator picks a fixed SQL shape, and the value only ever becomes a parameter.
func (c *compiler) field(cond Condition, path string) string {
	if cond.Field == "" {
		c.errs.Add(path+".field", "choose a field")
		return "1 = 0"
	}
	f, attr, ok := lookupField(cond.Field)
	if !ok {
		if a, isAttr := strings.CutPrefix(cond.Field, AttrPrefix); isAttr {
			c.errs.Add(path+".field", fmt.Sprintf("custom attribute name must be 1 to 64 letters, digits or _ (got %s)", quoteShort(a)))
		} else {
			c.errs.Add(path+".field", fmt.Sprintf("unknown field %s", quoteShort(cond.Field)))
		}
		return "1 = 0"
	}
	if !slices.Contains(f.ops, cond.Op) {
		use := strings.Join(f.ops, ", ")
		if cond.Op == "" {
			c.errs.Add(path+".op", fmt.Sprintf("choose an operator for %s field %s (use %s)", f.typ, f.name, use))
		} else {
			c.errs.Add(path+".op", fmt.Sprintf("unknown operator %s for %s field %s (use %s)", quoteShort(cond.Op), f.typ, f.name, use))
		}
		return "1 = 0"
	}
	valuePath := path + ".value"
	switch {
	case f.recency:
		return c.recency(f, cond.Op, cond.Value, valuePath)
	case f.typ == TypeText:
		return c.text(f, attr, cond.Op, cond.Value, valuePath)
	case f.typ == TypeNumber:
		return c.number(f, cond.Op, cond.Value, valuePath)
	case f.typ == TypeDate:
		return c.date(f, cond.Op, cond.Value, valuePath)
	default: // TypeBool
		return f.expr + " = " + c.arg(cond.Op == "is_true")
	}
}

// textExpr is the column of a text field, or the extraction of a custom attribute (a
// missing attribute reads as ""). The attribute's key is a parameter on both databases.
func (c *compiler) textExpr(f field, attr string) string {
	if attr == "" {
		return f.expr
	}
	if c.dialect == "postgres" {
		return "COALESCE(c.attributes::jsonb ->> CAST(" + c.arg(attr) + " AS TEXT), '')"
	}
	return "COALESCE(CAST(json_extract(c.attributes, " + c.arg(`$."`+attr+`"`) + ") AS TEXT), '')"
}

func (c *compiler) text(f field, attr, op string, raw json.RawMessage, path string) string {
	switch op {
	case "is_empty":
		return c.textExpr(f, attr) + " = ''"
	case "not_empty":
		return c.textExpr(f, attr) + " <> ''"
	case "in":
		values, ok := decodeStrings(raw)
		if !ok || len(values) == 0 || len(values) > maxInValues {
			c.errs.Add(path, fmt.Sprintf("in needs a list of 1 to %d texts, each up to %d characters", maxInValues, maxTextLen))
			return "1 = 0"
		}
		expr := c.textExpr(f, attr)
		marks := make([]string, len(values))
		for i, v := range values {
			marks[i] = c.arg(v)
		}
		return expr + " IN (" + strings.Join(marks, ", ") + ")"
	}
	s, ok := decodeString(raw)
	if !ok {
		c.errs.Add(path, fmt.Sprintf("%s needs a text of up to %d characters", op, maxTextLen))
		return "1 = 0"
	}
	if s == "" && (op == "contains" || op == "starts_with") {
		c.errs.Add(path, op+" needs a text that is not empty")
		return "1 = 0"
	}
	expr := c.textExpr(f, attr)
	switch op {
	case "eq":
		return expr + " = " + c.arg(s)
	case "neq":
		return expr + " <> " + c.arg(s)
	case "contains":
		s = "%" + escapeLike(s) + "%"
	default: // starts_with
		s = escapeLike(s) + "%"
	}
	// Both sides go through the database's own LOWER, so they fold the same way.
	return "LOWER(" + expr + ") LIKE LOWER(" + c.arg(s) + `) ESCAPE '\'`
}

// escapeLike makes %, _ and \ in s match themselves in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (c *compiler) number(f field, op string, raw json.RawMessage, path string) string {
	if op == "between" {
		lo, hi, ok := decodeRange(raw)
		if !ok || (f.integer && (lo != math.Trunc(lo) || hi != math.Trunc(hi))) {
			c.errs.Add(path, fmt.Sprintf("between needs two %s [low, high] with low ≤ high", numberWord(f)))
			return "1 = 0"
		}
		return f.expr + " BETWEEN " + c.arg(f.param(lo)) + " AND " + c.arg(f.param(hi))
	}
	v, ok := decodeNumber(raw)
	if !ok || (f.integer && v != math.Trunc(v)) {
		want := "a number"
		if f.integer {
			want = "a whole number"
		}
		c.errs.Add(path, fmt.Sprintf("%s on %s needs %s", op, f.name, want))
		return "1 = 0"
	}
	sqlOp := map[string]string{"eq": " = ", "neq": " <> ", "gt": " > ", "gte": " >= ", "lt": " < ", "lte": " <= "}[op]
	return f.expr + sqlOp + c.arg(f.param(v))
}

// numberWord names what a number field takes, for messages.
func numberWord(f field) string {
	if f.integer {
		return "whole numbers"
	}
	return "numbers"
}

// param binds an integer column's value as an integer: PostgreSQL types the parameter
// from the column, and a float there fails.
func (f field) param(v float64) any {
	if f.integer {
		return int64(v)
	}
	return v
}

// recency compiles a comparison on the days since the last order into one on
// f.last_order_at against a cut-off taken from now: recency_days <= 30 reads
// last_order_at >= now-30d. A customer who never ordered has no last_order_at, and
// NULL fails every comparison, so they match no recency condition.
func (c *compiler) recency(f field, op string, raw json.RawMessage, path string) string {
	cut := func(days float64) time.Time {
		return c.now.Add(-time.Duration(days * float64(24*time.Hour)))
	}
	if op == "between" {
		lo, hi, ok := decodeRange(raw)
		if !ok || lo < 0 || hi > maxDays {
			c.errs.Add(path, fmt.Sprintf("between needs two numbers of days [low, high] with 0 ≤ low ≤ high ≤ %d", maxDays))
			return "1 = 0"
		}
		return "(" + f.expr + " >= " + c.arg(cut(hi)) + " AND " + f.expr + " <= " + c.arg(cut(lo)) + ")"
	}
	v, ok := decodeNumber(raw)
	if !ok || v < 0 || v > maxDays {
		c.errs.Add(path, fmt.Sprintf("%s on %s needs a number of days from 0 to %d", op, f.name, maxDays))
		return "1 = 0"
	}
	// Fewer days since the order means a later order date, so each comparison flips.
	sqlOp := map[string]string{"gt": " < ", "gte": " <= ", "lt": " > ", "lte": " >= "}[op]
	return f.expr + sqlOp + c.arg(cut(v))
}

// date compiles date tests. Dates are whole UTC days: "before 2025-01-01" ends at its
// midnight, "after 2025-01-01" starts at the next midnight. A missing date never matches.
func (c *compiler) date(f field, op string, raw json.RawMessage, path string) string {
	if op == "within_days" {
		v, ok := decodeNumber(raw)
		if !ok || v != math.Trunc(v) || v < 1 || v > maxDays {
			c.errs.Add(path, fmt.Sprintf("within_days needs a whole number of days from 1 to %d", maxDays))
			return "1 = 0"
		}
		return f.expr + " >= " + c.arg(c.now.AddDate(0, 0, -int(v)))
	}
	day, ok := decodeDate(raw)
	if !ok {
		c.errs.Add(path, fmt.Sprintf("%s needs a date as YYYY-MM-DD", op))
		return "1 = 0"
	}
	if op == "before" {
		return f.expr + " < " + c.arg(day)
	}
	return f.expr + " >= " + c.arg(day.AddDate(0, 0, 1))
}
