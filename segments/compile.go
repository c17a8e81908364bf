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
// Rules with segment conditions need the stored segments: compile them with
// Service.Compile.
func Compile(r Rules, now time.Time, dialect string) (Compiled, error) {
	where, args, err := compileWhere(r, now, dialect, nil, 0)
	if err != nil {
		return Compiled{}, err
	}
	return Compiled{SQL: "SELECT c.id " + fromCustomers + " WHERE " + where, Args: args}, nil
}

// compileWhere returns the WHERE condition of r over c and f, without the keyword. segs
// are the segments that segment conditions may name; root is the stored segment r belongs
// to (0 for rules being edited), so a condition leading back to it is caught as a cycle.
func compileWhere(r Rules, now time.Time, dialect string, segs map[int64]Segment, root int64) (string, []any, error) {
	c, where, err := compileWith(r, now, dialect, segs, root, nil)
	if err != nil {
		return "", nil, err
	}
	return where, c.args, nil
}

// compileWith is compileWhere with the compiler's mode set by setup (when not nil), and
// the compiler returned for what it learnt on the way.
func compileWith(r Rules, now time.Time, dialect string, segs map[int64]Segment, root int64, setup func(*compiler)) (*compiler, string, error) {
	if dialect != "sqlite" && dialect != "postgres" {
		return nil, "", fmt.Errorf("segments: unknown SQL dialect %q", dialect)
	}
	c := newCompiler(now, dialect, segs)
	if root != 0 {
		c.chain = []int64{root}
		c.rooted = true
	}
	if setup != nil {
		setup(c)
	}
	where := c.root(r)
	if err := c.errs.Err(); err != nil {
		return nil, "", err
	}
	return c, where, nil
}

// compiler walks a rule tree once, both validating it (errs, keyed by path) and writing
// its SQL; args grow in the order their placeholders appear in the text.
type compiler struct {
	now        time.Time
	dialect    string
	args       []any
	errs       store.FieldErrors
	conditions int
	// validateOnly skips looking segment conditions up (Validate has no database).
	validateOnly bool
	// segs are the stored segments segment conditions may name, by id.
	segs map[int64]Segment
	// chain is the segments being expanded, outermost first; rooted says chain[0] is the
	// stored segment the whole tree belongs to rather than one a condition named.
	chain  []int64
	rooted bool
	// refProblem is a cycle, a depth or a missing segment found while expanding a
	// segment condition, reported once at the top-level condition that led to it.
	refProblem string

	// The count shapes of count.go compile the same rules in other modes. bare reads
	// feature columns without their COALESCE, for queries where every customer counted
	// has a features row; id is the customer's id ("c.id", or "f.customer_id" when
	// counting over customer_features alone); win, when set, lets behaviour conditions
	// read the window counts of customer_features (see window.go).
	bare bool
	id   string
	win  *windowFeatures
	// copied reads the customer columns customer_features holds copies of from f (see
	// copiedColumns), for counts over customer_features alone.
	copied bool
	// windowable says a behaviour condition could read a window count, given win.
	windowable bool
	// parts are the top-level conditions, each with its SQL and its span of args; they
	// are conjuncts when allParts is true (match "all", or a single condition).
	parts    []part
	allParts bool
	// sets maps the SQL of a condition written "id IN (set)" to its set: a query of
	// distinct ids of existing customers, which a count can count alone.
	sets map[string]string
}

// part is one top-level condition: its SQL and args[lo:hi].
type part struct {
	sql    string
	lo, hi int
}

func newCompiler(now time.Time, dialect string, segs map[int64]Segment) *compiler {
	return &compiler{now: now.UTC(), dialect: dialect, errs: store.FieldErrors{}, segs: segs, id: "c.id"}
}

// child is a compiler for the rules of a segment a condition names, in c's mode.
func (c *compiler) child() *compiler {
	sub := newCompiler(c.now, c.dialect, c.segs)
	sub.bare, sub.id, sub.win, sub.copied = c.bare, c.id, c.win, c.copied
	return sub
}

// inSet writes "id IN (set)" for a set of distinct ids of existing customers (foreign
// keys keep them existing), and remembers the set.
func (c *compiler) inSet(set string) string {
	sql := c.id + " IN (" + set + ")"
	if c.sets == nil {
		c.sets = map[string]string{}
	}
	c.sets[sql] = set
	return sql
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
	if depth == 1 {
		c.allParts = r.Match == "all" || len(r.Conditions) == 1
	}
	for i, cond := range r.Conditions {
		c.conditions++
		if c.conditions > maxConditions {
			c.errs.Add("conditions", fmt.Sprintf("too many conditions (at most %d)", maxConditions))
			return "1 = 0"
		}
		lo := len(c.args)
		sql := c.condition(cond, fmt.Sprintf("%sconditions[%d]", path, i), depth)
		parts = append(parts, sql)
		if depth == 1 {
			c.parts = append(c.parts, part{sql: sql, lo: lo, hi: len(c.args)})
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, joiner) + ")"
}

func (c *compiler) condition(cond Condition, path string, depth int) string {
	kinds := 0
	if cond.Field != "" || cond.Op != "" || cond.Type != "" {
		kinds++
	}
	if cond.Behaviour != nil {
		kinds++
	}
	if cond.Segment != nil {
		kinds++
	}
	if cond.Group != nil {
		kinds++
	}
	switch {
	case kinds != 1:
		c.errs.Add(path, "a condition needs exactly one of field, behaviour, segment or group")
		return "1 = 0"
	case cond.Group != nil:
		if depth >= MaxDepth {
			c.errs.Add(path+".group", fmt.Sprintf("groups nest at most %d levels deep", MaxDepth))
			return "1 = 0"
		}
		return c.rules(*cond.Group, path+".group.", depth+1)
	case cond.Behaviour != nil:
		return c.behaviour(*cond.Behaviour, path+".behaviour")
	case cond.Segment != nil:
		return c.segment(*cond.Segment, path+".segment")
	default:
		return c.field(cond, path)
	}
}
