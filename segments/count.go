package segments

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// Counting. Compiled rules are written over customers c LEFT JOIN customer_features f,
// which makes the database walk every customer and look up every features row. A count
// runs over the narrowest FROM that gives the same number:
//
//   - a single condition "id IN (set)" (did an event, cluster, propensity) counts its
//     set alone: sets hold distinct ids of existing customers;
//   - rules that read no feature column count customers alone;
//   - rules that cannot hold without a features row count customer_features alone when
//     they read no customer column but the id; when each of their top-level conditions
//     reads customers or features, not both, they count the customers whose conditions
//     hold among the ids of the features rows whose conditions hold (a semi-join);
//     otherwise customers JOIN customer_features. When the only customer columns they
//     read are the ones customer_features holds copies of (copiedColumns), they count
//     customer_features alone, reading the copies: the copied columns trail the feature
//     indexes, so "country = DE and monetary >= 100" reads one index. All read feature
//     columns bare (no COALESCE), so their indexes apply;
//   - any other rules count over the LEFT JOIN.
//
// "Cannot hold without a features row" is asked of the database, not guessed: the
// top-level conditions that read no customer column are run on a single row whose
// features are all NULL, as a customer without a row sees them, and must not be true.

// The aliases compiled SQL reads customer and feature columns through. Subqueries use
// other aliases (e, o, p, g, cc, ps), and no text of a rule reaches the SQL.
var (
	customerColumn = regexp.MustCompile(`\bc\.([a-z_]+)`)
	featureColumn  = regexp.MustCompile(`\bf\.[a-z_]`)
)

// count shapes, as countQuery names them (for tests).
const (
	shapeSet       = "set"
	shapeCustomers = "customers"
	shapeFeatures  = "features"
	shapeCopied    = "features (copied columns)"
	shapeSemi      = "semi-join"
	shapeInner     = "inner join"
	shapeLeft      = "left join"
)

// countQuery is the SELECT COUNT(*) of the customers r matches, its parameters and its
// shape. Behaviour conditions read the window counts of customer_features when they can
// (see window.go).
func (s *Service) countQuery(ctx context.Context, r Rules) (query string, args []any, shape string, err error) {
	segs, err := s.referenced(ctx, r, map[int64]Segment{})
	if err != nil {
		return "", nil, "", err
	}
	now, dialect := s.Now(), s.DB.Dialect
	compile := func(setup func(*compiler)) (*compiler, string, error) {
		return compileWith(r, now, dialect, segs, 0, setup)
	}
	c, where, err := compile(nil)
	if err != nil {
		return "", nil, "", err
	}
	if c.windowable {
		win, err := s.windowState(ctx, now)
		if err != nil {
			return "", nil, "", err
		}
		if win != nil {
			if c, where, err = compile(func(c *compiler) { c.win = win }); err != nil {
				return "", nil, "", err
			}
		}
	}
	if set, ok := c.sets[where]; ok {
		return "SELECT COUNT(*) FROM (" + set + ") q", c.args, shapeSet, nil
	}
	if !featureColumn.MatchString(where) {
		return "SELECT COUNT(*) FROM customers c WHERE " + where, c.args, shapeCustomers, nil
	}
	needed, err := s.needsFeatures(ctx, c, where)
	if err != nil || !needed {
		return "SELECT COUNT(*) " + fromCustomers + " WHERE " + where, c.args, shapeLeft, err
	}
	alone, copied := !readsCustomer(where), readsOnlyCopied(where)
	win := c.win
	b, bareWhere, err := compile(func(c *compiler) {
		c.bare, c.win = true, win
		if alone || copied {
			c.id, c.copied = "f.customer_id", copied
		}
	})
	if err != nil {
		return "", nil, "", err
	}
	if (alone || copied) && !customerColumn.MatchString(bareWhere) {
		shape := shapeFeatures
		if !alone {
			shape = shapeCopied
		}
		return "SELECT COUNT(*) FROM customer_features f WHERE " + bareWhere, b.args, shape, nil
	}
	if alone || copied {
		// Defensive: something still reads c, so keep the customers.
		b, bareWhere, err = compile(func(c *compiler) { c.bare, c.win = true, win })
		if err != nil {
			return "", nil, "", err
		}
	}
	if query, args, ok := semiJoin(b); ok {
		return query, args, shapeSemi, nil
	}
	return "SELECT COUNT(*) FROM customers c JOIN customer_features f ON f.customer_id = c.id WHERE " + bareWhere,
		b.args, shapeInner, nil
}

// semiJoin writes the count of rules whose top-level conditions all hold each read
// customers or features but not both, as "customers whose conditions hold and whose id
// is among the features rows whose conditions hold". SQLite then walks the (smaller)
// list of feature ids and checks each customer by its id in an index, rather than
// joining every customer to its features row. ok is false for other rules.
func semiJoin(b *compiler) (query string, args []any, ok bool) {
	if !b.allParts {
		return "", nil, false
	}
	var outer, inner []string
	var innerArgs []any
	for _, p := range b.parts {
		switch {
		case !featureColumn.MatchString(p.sql):
			outer = append(outer, p.sql)
			args = append(args, b.args[p.lo:p.hi]...)
		case !customerColumn.MatchString(p.sql):
			inner = append(inner, p.sql)
			innerArgs = append(innerArgs, b.args[p.lo:p.hi]...)
		default:
			return "", nil, false
		}
	}
	if len(outer) == 0 || len(inner) == 0 {
		return "", nil, false
	}
	return "SELECT COUNT(*) FROM customers c WHERE " + strings.Join(outer, " AND ") +
			" AND c.id IN (SELECT f.customer_id FROM customer_features f WHERE " + strings.Join(inner, " AND ") + ")",
		append(args, innerArgs...), true
}

// readsCustomer tells whether compiled SQL reads a customer column other than the id.
func readsCustomer(sql string) bool {
	for _, m := range customerColumn.FindAllStringSubmatch(sql, -1) {
		if m[1] != "id" {
			return true
		}
	}
	return false
}

// copiedColumns are the customer columns customer_features holds copies of, which the
// database keeps equal to the customer's (migration 13).
var copiedColumns = map[string]bool{"country": true, "consent_email": true, "consent_push": true}

// readsOnlyCopied tells whether compiled SQL reads customer columns, and none but the id
// and the copied ones.
func readsOnlyCopied(sql string) bool {
	copied := false
	for _, m := range customerColumn.FindAllStringSubmatch(sql, -1) {
		switch {
		case copiedColumns[m[1]]:
			copied = true
		case m[1] != "id":
			return false
		}
	}
	return copied
}

// copiedColumn is a field expression reading a copied customer column as its copy in
// customer_features; other expressions are returned as they are.
func copiedColumn(expr string) string {
	if col, ok := strings.CutPrefix(expr, "c."); ok && copiedColumns[col] {
		return "f." + col
	}
	return expr
}

// needsFeatures tells whether a customer without a features row fails the compiled
// condition where: whether the top-level conditions that read no customer column (all
// of where, when it reads none) are not true on a row of NULL features.
func (s *Service) needsFeatures(ctx context.Context, c *compiler, where string) (bool, error) {
	var conds []string
	var args []any
	switch {
	case !customerColumn.MatchString(where):
		conds, args = []string{where}, c.args
	case c.allParts:
		for _, p := range c.parts {
			if !customerColumn.MatchString(p.sql) {
				conds = append(conds, p.sql)
				args = append(args, c.args[p.lo:p.hi]...)
			}
		}
	}
	if len(conds) == 0 {
		return false, nil
	}
	var n int64
	// ON ... AND 1 = 0 matches nothing; the test on the key lets SQLite find that nothing
	// by an index seek instead of trying every features row against 1 = 0.
	err := s.DB.WithContext(ctx).Raw("SELECT COUNT(*) FROM (SELECT 1 AS one) z LEFT JOIN customer_features f "+
		"ON f.customer_id IS NULL AND 1 = 0 WHERE "+strings.Join(conds, " AND "), args...).Scan(&n).Error
	if err != nil {
		return false, fmt.Errorf("segments: test rules on a customer without features: %w", err)
	}
	return n == 0, nil
}

// count runs countQuery.
func (s *Service) count(ctx context.Context, r Rules) (int64, error) {
	query, args, _, err := s.countQuery(ctx, r)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.DB.WithContext(ctx).Raw(query, args...).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("segments: count customers: %w", err)
	}
	return n, nil
}
