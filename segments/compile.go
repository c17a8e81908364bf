package segments

import (
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// fromCustomers is the FROM clause every compiled rule is written against: c is the
// customer, f its computed features (absent until features are first computed).
const fromCustomers = "FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id"

// Compiled is a rule tree as SQL: a complete SELECT of customer ids, and its parameters.
type Compiled struct {
	SQL  string
	Args []any
}

// Compile turns validated rules into "SELECT c.id FROM customers c LEFT JOIN
// customer_features f ... WHERE ...". now anchors every relative date ("in the last 30
// days"); dialect is "sqlite" or "postgres". Invalid rules return store.FieldErrors.
func Compile(r Rules, now time.Time, dialect string) (Compiled, error) {
	where, args, err := compileWhere(r, now, dialect)
	if err != nil {
		return Compiled{}, err
	}
	return Compiled{SQL: "SELECT c.id " + fromCustomers + " WHERE " + where, Args: args}, nil
}

// compileWhere returns the WHERE condition of r over c and f, without the keyword.
func compileWhere(r Rules, now time.Time, dialect string) (string, []any, error) {
	if dialect != "sqlite" && dialect != "postgres" {
		return "", nil, fmt.Errorf("segments: unknown SQL dialect %q", dialect)
	}
	c := newCompiler(now, dialect)
	where := c.root(r)
	if err := c.errs.Err(); err != nil {
		return "", nil, err
	}
	return where, c.args, nil
}

// compiler walks a rule tree once, both validating it (errs, keyed by path) and writing
// its SQL; args grow in the order their placeholders appear in the text.
type compiler struct {
	now        time.Time
	dialect    string
	args       []any
	errs       store.FieldErrors
	conditions int
}

func newCompiler(now time.Time, dialect string) *compiler {
	return &compiler{now: now.UTC(), dialect: dialect, errs: store.FieldErrors{}}
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "?"
}

// root compiles the whole tree.
func (c *compiler) root(r Rules) string {
	where := c.rules(r, "", 1)
	if len(c.args) > maxArgs {
		c.errs.Add("conditions", fmt.Sprintf("these rules hold too many values (at most %d in all)", maxArgs))
	}
	return where
}

// rules compiles one level of the tree. path is "" at the top, else "conditions[1].group.".
func (c *compiler) rules(r Rules, path string, depth int) string {
	joiner := " AND "
	switch r.Match {
	case "all":
	case "any":
		joiner = " OR "
	default:
		c.errs.Add(path+"match", `match must be "all" or "any"`)
	}
	if len(r.Conditions) == 0 {
		if depth > 1 {
			c.errs.Add(path+"conditions", "a group needs at least one condition")
		}
		// An empty top level matches everyone, whichever the match.
		return "1 = 1"
	}
	parts := make([]string, 0, len(r.Conditions))
	for i, cond := range r.Conditions {
		c.conditions++
		if c.conditions > maxConditions {
			c.errs.Add("conditions", fmt.Sprintf("too many conditions (at most %d)", maxConditions))
			return "1 = 0"
		}
		parts = append(parts, c.condition(cond, fmt.Sprintf("%sconditions[%d]", path, i), depth))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, joiner) + ")"
}

func (c *compiler) condition(cond Condition, path string, depth int) string {
	kinds := 0
	if cond.Field != "" || cond.Op != "" {
		kinds++
	}
	if cond.Behaviour != nil {
		kinds++
	}
	if cond.Group != nil {
		kinds++
	}
	switch {
	case kinds != 1:
		c.errs.Add(path, "a condition needs exactly one of field, behaviour or group")
		return "1 = 0"
	case cond.Group != nil:
		if depth >= MaxDepth {
			c.errs.Add(path+".group", fmt.Sprintf("groups nest at most %d levels deep", MaxDepth))
			return "1 = 0"
		}
		return c.rules(*cond.Group, path+".group.", depth+1)
	case cond.Behaviour != nil:
		return c.behaviour(*cond.Behaviour, path+".behaviour")
	default:
		return c.field(cond, path)
	}
}

// behaviour compiles "did EVENT [in CATEGORY] at least N times in the last D days" to a
// set of customer ids, computed once per query rather than once per customer.
// "purchase" counts distinct orders (an order of three lines is one purchase) from the
// orders table, which every import path fills; purchase events are not counted, so an
// order reported both as an order and as a tracking event is not counted twice.
func (c *compiler) behaviour(b Behaviour, path string) string {
	ok := true
	if !eventName.MatchString(b.Event) {
		c.errs.Add(path+".event", "event must be a lowercase name of letters, digits or _ (up to 32, starting with a letter), such as view or purchase")
		ok = false
	}
	if len([]rune(b.Category)) > maxCategoryLen {
		c.errs.Add(path+".category", fmt.Sprintf("category is too long (at most %d characters)", maxCategoryLen))
		ok = false
	}
	if b.MinCount < 1 || b.MinCount > 100000 {
		c.errs.Add(path+".min_count", "min_count must be between 1 and 100000")
		ok = false
	}
	if b.Days < 1 || b.Days > 3650 {
		c.errs.Add(path+".days", "days must be between 1 and 3650")
		ok = false
	}
	if !ok {
		return "1 = 0"
	}
	since := c.now.Add(-time.Duration(b.Days) * 24 * time.Hour)
	var sb strings.Builder
	if b.Event == "purchase" {
		sb.WriteString("c.id IN (SELECT o.customer_id FROM orders o")
		if b.Category != "" {
			sb.WriteString(" JOIN products p ON p.id = o.product_id")
		}
		sb.WriteString(" WHERE o.ordered_at >= " + c.arg(since))
		if b.Category != "" {
			sb.WriteString(" AND p.category = " + c.arg(b.Category))
		}
		sb.WriteString(" GROUP BY o.customer_id HAVING COUNT(DISTINCT o.order_id) >= " + c.arg(int64(b.MinCount)) + ")")
		return sb.String()
	}
	sb.WriteString("c.id IN (SELECT e.customer_id FROM events e")
	if b.Category != "" {
		sb.WriteString(" JOIN products p ON p.id = e.product_id")
	}
	sb.WriteString(" WHERE e.type = " + c.arg(b.Event) + " AND e.occurred_at >= " + c.arg(since))
	if b.Category != "" {
		sb.WriteString(" AND p.category = " + c.arg(b.Category))
	}
	sb.WriteString(" GROUP BY e.customer_id HAVING COUNT(*) >= " + c.arg(int64(b.MinCount)) + ")")
	return sb.String()
}
