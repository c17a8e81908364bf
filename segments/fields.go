package segments

import "strings"

// Field types as the rule editor sees them.
const (
	TypeText   = "text"
	TypeNumber = "number"
	TypeDate   = "date"
	TypeBool   = "bool"
)

// AttrPrefix starts a custom-attribute field name: "attr.plan" reads the attribute "plan".
const AttrPrefix = "attr."

// FieldInfo describes one field a rule may test, for the rule editor. Values, when set,
// are the only values the field takes.
type FieldInfo struct {
	Name   string
	Label  string
	Type   string
	Ops    []string
	Values []string
}

// The operators of each field type, in the order the editor offers them.
var (
	textOps       = []string{"eq", "neq", "contains", "starts_with", "in", "is_empty", "not_empty"}
	numberOps     = []string{"eq", "neq", "gt", "gte", "lt", "lte", "between", "in"}
	dateOps       = []string{"before", "after", "within_days", "between"}
	boolOps       = []string{"is_true", "is_false"}
	recencyOps    = []string{"gt", "gte", "lt", "lte", "between"}
	tierOps       = []string{"eq", "neq", "in", "not_in", "is_empty", "not_empty"}
	clusterOps    = []string{"in", "not_in"}
	propensityOps = []string{"gt", "gte", "lt", "lte", "between"}
)

// opsOfType are the operators of each type a custom attribute can be given.
var opsOfType = map[string][]string{TypeText: textOps, TypeNumber: numberOps, TypeDate: dateOps, TypeBool: boolOps}

// rfmTiers are the RFM tier names rfm_tier takes, as the feature computation writes them.
var rfmTiers = []string{"champions", "loyal customers", "potential loyalists", "new customers", "promising",
	"need attention", "about to sleep", "at risk", "can't lose them", "hibernating", "lost"}

// RFMTiers lists the RFM tier names a rule may name, best first.
func RFMTiers() []string { return append([]string(nil), rfmTiers...) }

// fieldKind says how a field compiles beyond a plain comparison of its column.
type fieldKind int

const (
	kindColumn     fieldKind = iota
	kindRecency              // recency_days: a comparison on f.last_order_at
	kindTier                 // rfm_tier: one of rfmTiers, compared without case
	kindCluster              // cluster: membership in customer_clusters
	kindPropensity           // propensity: a comparison on propensity_scores.score
)

// field is one whitelisted field: the only way a name from a rule reaches SQL is through
// expr, a fixed column expression over customers c and customer_features f.
type field struct {
	name  string
	label string
	typ   string
	expr  string
	ops   []string
	kind  fieldKind
	// integer marks a whole-number column: values must be whole and bind as int64.
	integer bool
	// lo and hi bound a number field's values when hi > lo.
	lo, hi float64
}

// Feature counters are NOT NULL DEFAULT 0 in customer_features, so a customer without a
// features row (never computed) is compared as 0, the value a computed row would hold.
// days_since_signup is NULL without a signup date, and NULL matches no comparison.
var fields = append([]field{
	{name: "email", label: "Email", typ: TypeText, expr: "c.email", ops: textOps},
	{name: "first_name", label: "First name", typ: TypeText, expr: "c.first_name", ops: textOps},
	{name: "last_name", label: "Last name", typ: TypeText, expr: "c.last_name", ops: textOps},
	{name: "gender", label: "Gender", typ: TypeText, expr: "c.gender", ops: textOps},
	{name: "city", label: "City", typ: TypeText, expr: "c.city", ops: textOps},
	{name: "country", label: "Country", typ: TypeText, expr: "c.country", ops: textOps},
	{name: "timezone", label: "Time zone", typ: TypeText, expr: "c.timezone", ops: textOps},
	{name: "signup_at", label: "Signed up", typ: TypeDate, expr: "c.signup_at", ops: dateOps},
	{name: "birth_date", label: "Birth date", typ: TypeDate, expr: "c.birth_date", ops: dateOps},
	{name: "consent_email", label: "Email consent", typ: TypeBool, expr: "c.consent_email", ops: boolOps},
	{name: "consent_push", label: "Push consent", typ: TypeBool, expr: "c.consent_push", ops: boolOps},
	{name: "frequency", label: "Orders (frequency)", typ: TypeNumber, expr: "COALESCE(f.frequency, 0)", ops: numberOps, integer: true},
	{name: "monetary", label: "Total spent (monetary)", typ: TypeNumber, expr: "COALESCE(f.monetary, 0)", ops: numberOps},
	{name: "avg_order_value", label: "Average order value", typ: TypeNumber, expr: "COALESCE(f.avg_order_value, 0)", ops: numberOps},
	{name: "browse_seconds", label: "Browse time (seconds)", typ: TypeNumber, expr: "COALESCE(f.browse_seconds, 0)", ops: numberOps},
	{name: "event_count", label: "Events", typ: TypeNumber, expr: "COALESCE(f.event_count, 0)", ops: numberOps, integer: true},
	{name: "recency_days", label: "Days since last order", typ: TypeNumber, expr: "f.last_order_at", ops: recencyOps, kind: kindRecency},
	{name: "last_activity_at", label: "Last activity", typ: TypeDate, expr: "f.last_activity_at", ops: dateOps},
	{name: "last_order_at", label: "Last order", typ: TypeDate, expr: "f.last_order_at", ops: dateOps},
	{name: "recency_score", label: "Recency score (1–5)", typ: TypeNumber, expr: "COALESCE(f.recency_score, 0)", ops: numberOps, integer: true, hi: 5},
	{name: "frequency_score", label: "Frequency score (1–5)", typ: TypeNumber, expr: "COALESCE(f.frequency_score, 0)", ops: numberOps, integer: true, hi: 5},
	{name: "monetary_score", label: "Monetary score (1–5)", typ: TypeNumber, expr: "COALESCE(f.monetary_score, 0)", ops: numberOps, integer: true, hi: 5},
	{name: "rfm_tier", label: "RFM tier", typ: TypeText, expr: "COALESCE(f.rfm_tier, '')", ops: tierOps, kind: kindTier},
	{name: "days_since_signup", label: "Days since signup", typ: TypeNumber, expr: "f.days_since_signup", ops: numberOps, integer: true},
	{name: "cluster", label: "Cluster", typ: TypeNumber, expr: "cc.cluster_key", ops: clusterOps, kind: kindCluster, integer: true, hi: 1e6},
	{name: "propensity", label: "Purchase propensity (0–1)", typ: TypeNumber, expr: "ps.score", ops: propensityOps, kind: kindPropensity, hi: 1},
}, windowFields()...)

// windowFields are the counts of common events over the last 7, 30 and 90 days.
func windowFields() []field {
	var out []field
	for _, ev := range []struct{ name, label string }{{"views", "Views"}, {"carts", "Add-to-carts"}, {"purchases", "Purchases"}, {"searches", "Searches"}} {
		for _, days := range []string{"7", "30", "90"} {
			col := ev.name + "_" + days + "d"
			out = append(out, field{name: col, label: ev.label + " in the last " + days + " days", typ: TypeNumber,
				expr: "COALESCE(f." + col + ", 0)", ops: numberOps, integer: true})
		}
	}
	return out
}

// Fields lists the fields a rule may test. Its last entry, named AttrPrefix, stands for
// every custom attribute: the editor appends the attribute's name to it (and may give the
// condition a type). recency_days has no eq/neq: it is a continuous age, so "between" says
// what eq would.
func Fields() []FieldInfo {
	out := make([]FieldInfo, 0, len(fields)+1)
	for _, f := range fields {
		info := FieldInfo{Name: f.name, Label: f.label, Type: f.typ, Ops: append([]string(nil), f.ops...)}
		if f.kind == kindTier {
			info.Values = RFMTiers()
		}
		out = append(out, info)
	}
	out = append(out, FieldInfo{Name: AttrPrefix, Label: "Custom attribute", Type: TypeText, Ops: append([]string(nil), textOps...)})
	return out
}

// lookupField returns the whitelisted field called name and, for a custom attribute, the
// attribute's name. ok is false for anything not on the list.
func lookupField(name string) (f field, attr string, ok bool) {
	if a, found := strings.CutPrefix(name, AttrPrefix); found {
		if !attrName.MatchString(a) {
			return field{}, "", false
		}
		return field{name: name, label: "Custom attribute " + a, typ: TypeText, ops: textOps}, a, true
	}
	for _, f := range fields {
		if f.name == name {
			return f, "", true
		}
	}
	return field{}, "", false
}
