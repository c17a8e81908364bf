package segments

import "testing"

// featureCases cover typed custom attributes, the migration-8 features, RFM tiers,
// clusters and propensity, counted by hand from the fixture.
var featureCases = []countCase{
	// attributes typed number: 1 "150", 2 100 (a JSON number), 3 "99.5", 5 "-20", 9 "100.0";
	// 4 "lots", 6 "1e3", 7 true, 8 "" and 10 (missing) are not numbers and never match
	{"a number attribute at least 100 reads texts and JSON numbers", one(`{"field":"attr.points","type":"number","op":"gte","value":100}`), 3},
	{"a number attribute below 100 skips values that are not numbers", one(`{"field":"attr.points","type":"number","op":"lt","value":100}`), 2},
	{"a number attribute equal to 100 matches 100 and 100.0", one(`{"field":"attr.points","type":"number","op":"eq","value":100}`), 2},
	{"a number attribute not equal to 100 still skips non-numbers", one(`{"field":"attr.points","type":"number","op":"neq","value":100}`), 3},
	{"a number attribute between is inclusive", one(`{"field":"attr.points","type":"number","op":"between","value":[0,100]}`), 3},
	{"a number attribute in a list", one(`{"field":"attr.points","type":"number","op":"in","value":[150,-20]}`), 2},
	{"a number attribute given as numeric text", one(`{"field":"attr.points","type":"number","op":"gt","value":"-21"}`), 5},
	{"a number attribute nobody has matches nobody", one(`{"field":"attr.nope","type":"number","op":"gte","value":-1000}`), 0},
	// attributes typed date: 1 2025-07-01, 2 2025-06-01T10:00Z, 3 2024-12-31, 5 2025-06-10;
	// 4 "next year" and 9 20250101 (a number) are not dates
	{"a date attribute before a day", one(`{"field":"attr.renewal","type":"date","op":"before","value":"2025-06-01"}`), 1},
	{"a date attribute after a day reads a timestamp by its day", one(`{"field":"attr.renewal","type":"date","op":"after","value":"2025-05-31"}`), 3},
	{"a date attribute after a day excludes that day", one(`{"field":"attr.renewal","type":"date","op":"after","value":"2025-06-01"}`), 2},
	{"a date attribute between two days takes both whole", one(`{"field":"attr.renewal","type":"date","op":"between","value":["2025-06-01","2025-06-10"]}`), 2},
	{"a date attribute within 30 days", one(`{"field":"attr.renewal","type":"date","op":"within_days","value":30}`), 3},
	// attributes typed bool: true 1 "yes", 2 true, 5 "TRUE", 8 1; false 3 "No", 4 "0", 7 false
	{"a bool attribute is true", one(`{"field":"attr.newsletter","type":"bool","op":"is_true"}`), 4},
	{"a bool attribute is false, and missing or unclear values are neither", one(`{"field":"attr.newsletter","type":"bool","op":"is_false"}`), 3},
	{"an attribute typed text works as untyped", one(`{"field":"attr.plan","type":"text","op":"eq","value":"gold"}`), 3},
	{"a whitelisted field may name its own type", one(`{"field":"monetary","type":"number","op":"gte","value":100}`), 5},
	// dates between whole days
	{"signed up between two days includes both", one(`{"field":"signup_at","op":"between","value":["2025-05-20","2025-06-01"]}`), 2},
	{"last order between one day", one(`{"field":"last_order_at","op":"between","value":["2025-05-16","2025-05-16"]}`), 1},
	// numbers in a list
	{"frequency in a list", one(`{"field":"frequency","op":"in","value":[1,4]}`), 3},
	{"monetary in a list given as texts", one(`{"field":"monetary","op":"in","value":["50","99.99"]}`), 2},
	// RFM scores (no features row counts as 0) and the other migration-8 features
	{"recency score at least 3", one(`{"field":"recency_score","op":"gte","value":3}`), 5},
	{"recency score 0 includes customers without features", one(`{"field":"recency_score","op":"eq","value":0}`), 3},
	{"frequency score between 3 and 5", one(`{"field":"frequency_score","op":"between","value":[3,5]}`), 4},
	{"monetary score in 4 or 5", one(`{"field":"monetary_score","op":"in","value":[4,5]}`), 3},
	{"days since signup below 30 skips unknown signups", one(`{"field":"days_since_signup","op":"lt","value":30}`), 2},
	{"days since signup at least 0 is everyone with a known signup", one(`{"field":"days_since_signup","op":"gte","value":0}`), 8},
	{"views in 7 days at least 3", one(`{"field":"views_7d","op":"gte","value":3}`), 2},
	{"views in 30 days equal to 0 includes customers without features", one(`{"field":"views_30d","op":"eq","value":0}`), 6},
	{"carts in 30 days above 0", one(`{"field":"carts_30d","op":"gt","value":0}`), 2},
	{"purchases in 90 days in 1 or 2", one(`{"field":"purchases_90d","op":"in","value":[1,2]}`), 5},
	{"searches in 7 days all 0", one(`{"field":"searches_7d","op":"eq","value":0}`), 10},
	// RFM tier, named in any case in the rule
	{"tier equal to champions", one(`{"field":"rfm_tier","op":"eq","value":"champions"}`), 2},
	{"tier in a list ignores case in the rule", one(`{"field":"rfm_tier","op":"in","value":["Champions","need attention"]}`), 3},
	{"tier with an apostrophe", one(`{"field":"rfm_tier","op":"in","value":["can't lose them"]}`), 1},
	{"tier not equal counts customers without a tier", one(`{"field":"rfm_tier","op":"neq","value":"CHAMPIONS"}`), 8},
	{"tier not in a list", one(`{"field":"rfm_tier","op":"not_in","value":["champions","new customers"]}`), 7},
	{"tier is empty without a tier or features", one(`{"field":"rfm_tier","op":"is_empty"}`), 3},
	{"tier not empty", one(`{"field":"rfm_tier","op":"not_empty"}`), 7},
	{"a tier nobody is in", one(`{"field":"rfm_tier","op":"eq","value":"lost"}`), 0},
	// clusters: 1 and 6 in 0, 2 and 3 in 1, 4 in 2, 10 in 3
	{"cluster in one key", one(`{"field":"cluster","op":"in","value":[1]}`), 2},
	{"cluster in two keys", one(`{"field":"cluster","op":"in","value":[0,3]}`), 3},
	{"cluster not in a key includes customers in no cluster", one(`{"field":"cluster","op":"not_in","value":[0]}`), 8},
	{"cluster key given as text", one(`{"field":"cluster","op":"in","value":["2"]}`), 1},
	{"a cluster nobody is in", one(`{"field":"cluster","op":"in","value":[7]}`), 0},
	// propensity: 1 0.9, 2 0.3, 3 0.29, 4 0.05, 6 0.5, 9 0; others have no score
	{"propensity at least 0.3", one(`{"field":"propensity","op":"gte","value":0.3}`), 3},
	{"propensity below 0.3 skips customers without a score", one(`{"field":"propensity","op":"lt","value":0.3}`), 3},
	{"propensity between is inclusive", one(`{"field":"propensity","op":"between","value":[0.25,0.5]}`), 3},
	{"propensity above 0.95", one(`{"field":"propensity","op":"gt","value":0.95}`), 0},
	{"propensity at most 1 is everyone with a score", one(`{"field":"propensity","op":"lte","value":1}`), 6},
	// together
	{"champions likely to buy in cluster 0", `{"match":"all","conditions":[{"field":"rfm_tier","op":"eq","value":"champions"},
		{"field":"propensity","op":"gte","value":0.5},{"field":"cluster","op":"in","value":[0]}]}`, 1},
	{"big points or high propensity", `{"match":"any","conditions":[{"field":"attr.points","type":"number","op":"gt","value":120},
		{"field":"propensity","op":"gte","value":0.5}]}`, 2},
}

func TestCountTypedAttributesAndFeatures(t *testing.T) {
	assertCounts(t, featureCases)
}
