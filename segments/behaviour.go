package segments

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// window is the time span a behaviour condition looks at; a zero bound is open.
type window struct {
	from, until time.Time // from inclusive, until exclusive
}

// checkBehaviour validates b and returns its window; ok is false when anything is wrong.
func (c *compiler) checkBehaviour(b Behaviour, path string) (w window, ok bool) {
	ok = true
	bad := func(key, msg string) {
		c.errs.Add(path+"."+key, msg)
		ok = false
	}
	if !eventName.MatchString(b.Event) {
		bad("event", "event must be a lowercase name of letters, digits or _ (up to 32, starting with a letter), such as view or purchase")
	}
	if len([]rune(b.Product)) > maxCategoryLen {
		bad("product", fmt.Sprintf("product is too long (at most %d characters)", maxCategoryLen))
	}
	if len([]rune(b.Category)) > maxCategoryLen {
		bad("category", fmt.Sprintf("category is too long (at most %d characters)", maxCategoryLen))
	}
	if b.MinCount < 0 || b.MinCount > maxCount {
		bad("min_count", fmt.Sprintf("min_count must be between 0 and %d", maxCount))
	}
	if b.MaxCount != nil && (*b.MaxCount < max(b.MinCount, 0) || *b.MaxCount > maxCount) {
		bad("max_count", fmt.Sprintf("max_count must be between min_count and %d", maxCount))
	}
	if v := b.MinValue; v != nil && (math.IsNaN(*v) || *v < 0 || *v > maxNumber) {
		bad("min_value", fmt.Sprintf("min_value must be a number from 0 to %.0f", maxNumber))
	}
	if b.Days < 0 || b.Days > maxWindowDays {
		bad("days", fmt.Sprintf("days must be between 1 and %d", maxWindowDays))
	} else if b.Days > 0 && (b.From != "" || b.To != "") {
		bad("days", "give either days or from/to, not both")
	}
	if b.Days > 0 {
		w.from = c.now.Add(-time.Duration(b.Days) * 24 * time.Hour)
	}
	if b.From != "" {
		day, dayOK := parseDay(b.From)
		if !dayOK {
			bad("from", "from needs a date as YYYY-MM-DD")
		}
		w.from = day
	}
	if b.To != "" {
		day, dayOK := parseDay(b.To)
		if !dayOK {
			bad("to", "to needs a date as YYYY-MM-DD")
		}
		w.until = day.AddDate(0, 0, 1)
	}
	if ok && !w.from.IsZero() && !w.until.IsZero() && !w.from.Before(w.until) {
		bad("to", "to must not be before from")
	}
	return w, ok
}

// behaviour compiles a behaviour condition to a test of c.id against one set of customer
// ids, computed once per query rather than once per customer.
//
// A customer's matching rows give a count n and a total value v (n = 0, v = 0 without
// any). The condition holds when min ≤ n ≤ max and v > min_value. When that needs at least
// one row (min ≥ 1, or a min_value), it is "c.id IN (customers whose rows pass)"; when
// only an upper bound is given, customers without rows pass too, so it is "c.id NOT IN
// (customers with more than max rows)". "did not" turns IN into NOT IN and back.
func (c *compiler) behaviour(b Behaviour, path string) string {
	w, ok := c.checkBehaviour(b, path)
	if !ok {
		return "1 = 0"
	}
	if col := windowColumn(b); col != "" {
		c.windowable = true
		if c.win != nil {
			return c.windowCount(b, col, w.from)
		}
	}
	minCount := b.MinCount
	if minCount == 0 && b.MaxCount == nil {
		minCount = 1
	}
	in := minCount >= 1 || b.MinValue != nil
	var sb strings.Builder
	count, value := c.activityFrom(&sb, b, w)
	var having []string
	if in {
		// Rows only exist for customers who did it once, so "at least 1" needs no test.
		if minCount > 1 {
			having = append(having, count+" >= "+c.arg(int64(minCount)))
		}
		if b.MaxCount != nil {
			having = append(having, count+" <= "+c.arg(int64(*b.MaxCount)))
		}
		if b.MinValue != nil {
			having = append(having, "COALESCE("+value+", 0) > "+c.arg(*b.MinValue))
		}
	} else {
		having = append(having, count+" > "+c.arg(int64(*b.MaxCount)))
	}
	if len(having) > 0 {
		sb.WriteString(" HAVING " + strings.Join(having, " AND "))
	}
	if b.Did != nil && !*b.Did {
		in = !in
	}
	if in {
		return c.inSet(sb.String())
	}
	return c.id + " NOT IN (" + sb.String() + ")"
}

// activityFrom writes "SELECT customer_id FROM ... WHERE ... GROUP BY customer_id" for
// the rows b counts, and returns the SQL of their count and total value.
//
// "purchase" counts distinct orders (an order of three lines is one purchase) from the
// orders table, which every import path fills; purchase events are not counted, so an
// order reported both as an order and as a tracking event is not counted twice. Its value
// is the amount of the order lines that pass (only the shoes of an order, for category
// Shoes).
func (c *compiler) activityFrom(sb *strings.Builder, b Behaviour, w window) (count, value string) {
	alias, at := "e", "e.occurred_at"
	count, value = "COUNT(*)", "SUM(e.value)"
	sb.WriteString("SELECT e.customer_id FROM events e")
	if b.Event == "purchase" {
		alias, at = "o", "o.ordered_at"
		count, value = "COUNT(DISTINCT o.order_id)", "SUM(o.amount)"
		sb.Reset()
		sb.WriteString("SELECT o.customer_id FROM orders o")
	}
	if b.Product != "" || b.Category != "" {
		sb.WriteString(" JOIN products p ON p.id = " + alias + ".product_id")
	}
	var where []string
	if alias == "e" {
		where = append(where, "e.type = "+c.arg(b.Event))
	}
	if !w.from.IsZero() {
		where = append(where, at+" >= "+c.arg(w.from))
	}
	if !w.until.IsZero() {
		where = append(where, at+" < "+c.arg(w.until))
	}
	if b.Product != "" {
		where = append(where, "p.external_id = "+c.arg(b.Product))
	}
	if b.Category != "" {
		where = append(where, "p.category = "+c.arg(b.Category))
	}
	if len(where) > 0 {
		sb.WriteString(" WHERE " + strings.Join(where, " AND "))
	}
	sb.WriteString(" GROUP BY " + alias + ".customer_id")
	return count, value
}
