package segments

// Custom attributes live in customers.attributes, a JSON object of (mostly text) values.
// Each expression below reads one attribute by a key bound as a parameter, never spliced
// into the SQL; the key's shape is checked by attrName before it gets here. An expression
// that names the key several times binds it several times, in the order the placeholders
// appear. A value that does not fit the attribute's type reads as NULL, and NULL matches
// no comparison: a customer whose "points" is "lots" is neither above nor below 100.

// textExpr is the column of a text field, or the extraction of a custom attribute (a
// missing attribute reads as ""). The attribute's key is a parameter on both databases.
func (c *compiler) textExpr(f field, attr string) string {
	if attr == "" {
		return f.expr
	}
	if c.dialect == "postgres" {
		return "COALESCE(c.attributes::jsonb ->> CAST(" + c.arg(attr) + " AS TEXT), '')"
	}
	return "COALESCE(CAST(json_extract(c.attributes, " + c.arg(jsonPath(attr)) + ") AS TEXT), '')"
}

// jsonPath is SQLite's JSON path of a top-level key.
func jsonPath(attr string) string { return `$."` + attr + `"` }

// numberExpr is the column of a number field, or a custom attribute read as a number.
// A number is what ^-?[0-9]+(\.[0-9]+)?$ matches ("12", "-3.5"), whether the JSON holds
// it as a number or as text; anything else is NULL. PostgreSQL checks the pattern before
// the cast, so a bad value never raises. SQLite has no regular expressions, so there the
// pattern is spelled with GLOBs: only digits, dots and minus signs, starting with a digit
// or a minus and a digit, ending with a digit, no minus after the first character, at
// most one dot. SQLite reads a JSON true as 1, so JSON booleans are ruled out by type.
// No ? appears in this SQL, not even in a string literal: gorm takes every ? for a
// placeholder, so the pattern says {0,1}.
func (c *compiler) numberExpr(f field, attr string) string {
	if attr == "" {
		return f.expr
	}
	if c.dialect == "postgres" {
		v := func() string { return "(c.attributes::jsonb ->> CAST(" + c.arg(attr) + " AS TEXT))" }
		return "(CASE WHEN " + v() + ` ~ '^-{0,1}[0-9]+(\.[0-9]+){0,1}$' THEN CAST(` + v() + " AS DOUBLE PRECISION) END)"
	}
	path := jsonPath(attr)
	v := func() string { return "CAST(json_extract(c.attributes, " + c.arg(path) + ") AS TEXT)" }
	return "(CASE WHEN json_type(c.attributes, " + c.arg(path) + ") IN ('integer', 'real', 'text')" +
		" AND (" + v() + " GLOB '[0-9]*' OR " + v() + " GLOB '-[0-9]*')" +
		" AND " + v() + " GLOB '*[0-9]'" +
		" AND " + v() + " NOT GLOB '*[^0-9.-]*'" +
		" AND substr(" + v() + ", 2) NOT GLOB '*-*'" +
		" AND " + v() + " NOT GLOB '*.*.*'" +
		" THEN CAST(" + v() + " AS REAL) END)"
}

// attrDay is a custom attribute read as a day: the "YYYY-MM-DD" its text starts with
// ("2025-03-01" or "2025-03-01T10:00:00Z"), else NULL. Days in that form sort as text in
// date order, so comparisons take "YYYY-MM-DD" parameters.
func (c *compiler) attrDay(attr string) string {
	if c.dialect == "postgres" {
		v := func() string { return "(c.attributes::jsonb ->> CAST(" + c.arg(attr) + " AS TEXT))" }
		return "(CASE WHEN " + v() + " ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}' THEN substr(" + v() + ", 1, 10) END)"
	}
	path := jsonPath(attr)
	v := func() string { return "substr(CAST(json_extract(c.attributes, " + c.arg(path) + ") AS TEXT), 1, 10)" }
	return "(CASE WHEN " + v() + " GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' THEN " + v() + " END)"
}

// attrBool tests a custom attribute typed bool. True is JSON true or the text true, yes
// or 1 (any case); false is JSON false or false, no or 0. Anything else, a missing
// attribute included, is neither, and matches neither is_true nor is_false.
func (c *compiler) attrBool(attr string, want bool) string {
	var v string
	if c.dialect == "postgres" {
		v = "LOWER(c.attributes::jsonb ->> CAST(" + c.arg(attr) + " AS TEXT))"
	} else {
		// json_extract gives JSON true and false as 1 and 0.
		v = "LOWER(CAST(json_extract(c.attributes, " + c.arg(jsonPath(attr)) + ") AS TEXT))"
	}
	words := []string{"false", "no", "0"}
	if want {
		words = []string{"true", "yes", "1"}
	}
	return v + " IN (" + c.arg(words[0]) + ", " + c.arg(words[1]) + ", " + c.arg(words[2]) + ")"
}
