package segments

import (
	"encoding/json"
	"fmt"
	"math"
	"time"
)

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
// midnight, "after 2025-01-01" starts at the next midnight, "between" takes both days
// whole. A missing date never matches. A custom attribute typed date is compared as its
// "YYYY-MM-DD" text (see attrDay).
func (c *compiler) date(f field, attr, op string, raw json.RawMessage, path string) string {
	switch op {
	case "within_days":
		v, ok := decodeNumber(raw)
		if !ok || v != math.Trunc(v) || v < 1 || v > maxDays {
			c.errs.Add(path, fmt.Sprintf("within_days needs a whole number of days from 1 to %d", maxDays))
			return "1 = 0"
		}
		cut := c.now.AddDate(0, 0, -int(v))
		if attr != "" {
			return c.attrDay(attr) + " >= " + c.arg(cut.Format(time.DateOnly))
		}
		return f.expr + " >= " + c.arg(cut)
	case "between":
		lo, hi, ok := decodeDateRange(raw)
		if !ok {
			c.errs.Add(path, `between needs two dates ["YYYY-MM-DD", "YYYY-MM-DD"], the first not after the second`)
			return "1 = 0"
		}
		if attr != "" {
			return c.attrDay(attr) + " BETWEEN " + c.arg(lo.Format(time.DateOnly)) + " AND " + c.arg(hi.Format(time.DateOnly))
		}
		return "(" + f.expr + " >= " + c.arg(lo) + " AND " + f.expr + " < " + c.arg(hi.AddDate(0, 0, 1)) + ")"
	}
	day, ok := decodeDate(raw)
	if !ok {
		c.errs.Add(path, fmt.Sprintf("%s needs a date as YYYY-MM-DD", op))
		return "1 = 0"
	}
	if attr != "" {
		sqlOp := map[string]string{"before": " < ", "after": " > "}[op]
		return c.attrDay(attr) + sqlOp + c.arg(day.Format(time.DateOnly))
	}
	if op == "before" {
		return f.expr + " < " + c.arg(day)
	}
	return f.expr + " >= " + c.arg(day.AddDate(0, 0, 1))
}
