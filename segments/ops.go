package segments

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
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
	if ok && c.bare {
		f.expr = bareColumn(f.expr)
	}
	if ok && c.copied {
		f.expr = copiedColumn(f.expr)
	}
	if !ok {
		if a, isAttr := strings.CutPrefix(cond.Field, AttrPrefix); isAttr {
			c.errs.Add(path+".field", fmt.Sprintf("custom attribute name must be 1 to 64 letters, digits or _ (got %s)", quoteShort(a)))
		} else {
			c.errs.Add(path+".field", fmt.Sprintf("unknown field %s", quoteShort(cond.Field)))
		}
		return "1 = 0"
	}
	if cond.Type != "" && !c.giveType(&f, attr, cond.Type, path+".type") {
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
	case f.kind == kindRecency:
		return c.recency(f, cond.Op, cond.Value, valuePath)
	case f.kind == kindTier:
		return c.tier(f, cond.Op, cond.Value, valuePath)
	case f.kind == kindCluster:
		return c.cluster(cond.Op, cond.Value, valuePath)
	case f.kind == kindPropensity:
		// A customer without a score has no row, so matches no comparison.
		return c.inSet("SELECT ps.customer_id FROM propensity_scores ps WHERE " +
			c.number(f, "", cond.Op, cond.Value, valuePath))
	case f.typ == TypeText:
		return c.text(f, attr, cond.Op, cond.Value, valuePath)
	case f.typ == TypeNumber:
		return c.number(f, attr, cond.Op, cond.Value, valuePath)
	case f.typ == TypeDate:
		return c.date(f, attr, cond.Op, cond.Value, valuePath)
	default: // TypeBool
		if attr != "" {
			return c.attrBool(attr, cond.Op == "is_true")
		}
		return f.expr + " = " + c.arg(cond.Op == "is_true")
	}
}

// giveType applies a condition's type to a custom attribute. A field of the whitelist
// already has its type: naming that same type is allowed, any other is refused.
func (c *compiler) giveType(f *field, attr, typ, path string) bool {
	ops, known := opsOfType[typ]
	switch {
	case !known:
		c.errs.Add(path, fmt.Sprintf("unknown type %s (use text, number, date or bool)", quoteShort(typ)))
		return false
	case attr == "" && typ != f.typ:
		c.errs.Add(path, fmt.Sprintf("type applies to custom attributes only (field %s is %s)", f.name, f.typ))
		return false
	case attr != "":
		f.typ, f.ops = typ, ops
	}
	return true
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

// number compiles a numeric comparison on a field, or on a custom attribute typed number.
func (c *compiler) number(f field, attr, op string, raw json.RawMessage, path string) string {
	switch op {
	case "between":
		lo, hi, ok := decodeRange(raw)
		if !ok || !f.fits(lo) || !f.fits(hi) {
			c.errs.Add(path, fmt.Sprintf("between needs two %s [low, high] with low ≤ high", numberWords(f, true)))
			return "1 = 0"
		}
		return c.numberExpr(f, attr) + " BETWEEN " + c.arg(f.param(lo)) + " AND " + c.arg(f.param(hi))
	case "in":
		values, ok := decodeNumbers(raw)
		if !ok || slices.ContainsFunc(values, func(v float64) bool { return !f.fits(v) }) {
			c.errs.Add(path, fmt.Sprintf("in needs a list of 1 to %d %s", maxInValues, numberWords(f, true)))
			return "1 = 0"
		}
		expr := c.numberExpr(f, attr)
		marks := make([]string, len(values))
		for i, v := range values {
			marks[i] = c.arg(f.param(v))
		}
		return expr + " IN (" + strings.Join(marks, ", ") + ")"
	}
	v, ok := decodeNumber(raw)
	if !ok || !f.fits(v) {
		c.errs.Add(path, fmt.Sprintf("%s on %s needs %s", op, f.name, numberWords(f, false)))
		return "1 = 0"
	}
	sqlOp := map[string]string{"eq": " = ", "neq": " <> ", "gt": " > ", "gte": " >= ", "lt": " < ", "lte": " <= "}[op]
	return c.numberExpr(f, attr) + sqlOp + c.arg(f.param(v))
}

// fits tells whether v is a value of f: whole for an integer field, within its bounds.
func (f field) fits(v float64) bool {
	if f.integer && v != math.Trunc(v) {
		return false
	}
	return f.hi <= f.lo || (v >= f.lo && v <= f.hi)
}

// numberWords names what a number field takes, for messages: "a whole number from 0 to
// 5", or "whole numbers from 0 to 5" when plural.
func numberWords(f field, plural bool) string {
	s := "a number"
	switch {
	case f.integer && plural:
		s = "whole numbers"
	case f.integer:
		s = "a whole number"
	case plural:
		s = "numbers"
	}
	if f.hi > f.lo {
		s += fmt.Sprintf(" from %g to %g", f.lo, f.hi)
	}
	return s
}

// param binds an integer column's value as an integer: PostgreSQL types the parameter
// from the column, and a float there fails.
func (f field) param(v float64) any {
	if f.integer {
		return int64(v)
	}
	return v
}

// tier compiles a test of the RFM tier. Values must be tier names, in any case; they are
// bound as written in rfmTiers, which is how the feature computation stores them. eq and
// in test the bare column, so a customer without features (NULL) fails them and SQLite can
// read the rfm_tier index; neq, not_in and is_empty read a missing tier as "".
func (c *compiler) tier(f field, op string, raw json.RawMessage, path string) string {
	switch op {
	case "is_empty":
		return f.expr + " = ''"
	case "not_empty":
		return f.expr + " <> ''"
	}
	list := op == "in" || op == "not_in"
	var values []string
	ok := false
	if list {
		values, ok = decodeStrings(raw)
		ok = ok && len(values) > 0 && len(values) <= maxInValues
	} else {
		var s string
		s, ok = decodeString(raw)
		values = []string{s}
	}
	if !ok {
		want := "one"
		if list {
			want = "a list"
		}
		c.errs.Add(path, fmt.Sprintf("%s needs %s of the RFM tiers %s", op, want, strings.Join(rfmTiers, ", ")))
		return "1 = 0"
	}
	marks := make([]string, len(values))
	for i, v := range values {
		name := strings.ToLower(strings.TrimSpace(v))
		if !slices.Contains(rfmTiers, name) {
			c.errs.Add(path, fmt.Sprintf("unknown RFM tier %s (use %s)", quoteShort(v), strings.Join(rfmTiers, ", ")))
			return "1 = 0"
		}
		marks[i] = c.arg(name)
	}
	switch op {
	case "eq":
		return "f.rfm_tier = " + marks[0]
	case "neq":
		return f.expr + " <> " + marks[0]
	case "in":
		return "f.rfm_tier IN (" + strings.Join(marks, ", ") + ")"
	default: // not_in
		return f.expr + " NOT IN (" + strings.Join(marks, ", ") + ")"
	}
}

// cluster compiles membership of K-means clusters, named by their stable keys. not_in
// keeps customers in none of them, including customers not assigned to any cluster.
func (c *compiler) cluster(op string, raw json.RawMessage, path string) string {
	keys, ok := decodeNumbers(raw)
	if !ok || slices.ContainsFunc(keys, func(k float64) bool { return k != math.Trunc(k) || k < 0 || k > 1e6 }) {
		c.errs.Add(path, fmt.Sprintf("%s needs a list of 1 to %d cluster keys (whole numbers from 0)", op, maxInValues))
		return "1 = 0"
	}
	marks := make([]string, len(keys))
	for i, k := range keys {
		marks[i] = c.arg(int64(k))
	}
	set := "SELECT cc.customer_id FROM customer_clusters cc WHERE cc.cluster_key IN (" + strings.Join(marks, ", ") + ")"
	if op == "not_in" {
		return c.id + " NOT IN (" + set + ")"
	}
	return c.inSet(set)
}
