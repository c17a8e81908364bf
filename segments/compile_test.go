package segments

import (
	"context"
	"os"
	"strings"
	"testing"
)

// one wraps a single condition in a top-level "all".
func one(cond string) string { return `{"match":"all","conditions":[` + cond + `]}` }

// countCase is a rule set with its count worked out by hand from the fixture.
type countCase struct {
	name  string
	rules string
	want  int64
}

// countCases are rules with their hand-computed counts over the fixture.
var countCases = []countCase{
	// text fields
	{"country equal to DE matches the four Germans", one(`{"field":"country","op":"eq","value":"DE"}`), 4},
	{"country not equal to DE matches the other six", one(`{"field":"country","op":"neq","value":"DE"}`), 6},
	{"country in a list matches any of its values", one(`{"field":"country","op":"in","value":["DE","FR"]}`), 5},
	{"country in a list ignores values nobody has", one(`{"field":"country","op":"in","value":["FR","GB","XX"]}`), 2},
	{"email contains ignores case", one(`{"field":"email","op":"contains","value":"EXAMPLE.com"}`), 3},
	{"email starts with ignores case", one(`{"field":"email","op":"starts_with","value":"Ben"}`), 1},
	{"email is empty matches the customer without one", one(`{"field":"email","op":"is_empty"}`), 1},
	{"email not empty matches everyone else", one(`{"field":"email","op":"not_empty"}`), 9},
	{"a percent sign in contains matches only itself", one(`{"field":"city","op":"contains","value":"%"}`), 1},
	{"an underscore in contains matches only itself", one(`{"field":"email","op":"contains","value":"_"}`), 1},
	{"a backslash in contains matches only itself", one(`{"field":"city","op":"contains","value":"\\"}`), 0},
	{"starts with keeps a percent sign literal", one(`{"field":"city","op":"starts_with","value":"100%"}`), 1},
	{"a quote in a value is plain text", one(`{"field":"last_name","op":"contains","value":"o'b"}`), 1},
	{"gender equal to the empty text matches the blank one", one(`{"field":"gender","op":"eq","value":""}`), 1},
	{"timezone starts with Europe/", one(`{"field":"timezone","op":"starts_with","value":"Europe/"}`), 8},
	{"first name with non-ASCII letters compares exactly", one(`{"field":"first_name","op":"eq","value":"Chloé"}`), 1},
	// custom attributes
	{"attribute equal is case-sensitive", one(`{"field":"attr.plan","op":"eq","value":"gold"}`), 3},
	{"attribute not equal counts a missing attribute as different", one(`{"field":"attr.plan","op":"neq","value":"gold"}`), 7},
	{"attribute contains ignores case", one(`{"field":"attr.plan","op":"contains","value":"GOL"}`), 4},
	{"attribute is empty when missing", one(`{"field":"attr.plan","op":"is_empty"}`), 4},
	{"attribute not empty when present", one(`{"field":"attr.plan","op":"not_empty"}`), 6},
	{"attribute in a list", one(`{"field":"attr.plan","op":"in","value":["silver","bronze"]}`), 2},
	{"attribute starts with", one(`{"field":"attr.vip","op":"starts_with","value":"y"}`), 1},
	{"attribute holding quotes is matched as plain text", one(`{"field":"attr.note","op":"eq","value":"x' OR '1'='1"}`), 1},
	{"attribute value given as a number is compared as text", one(`{"field":"attr.tier","op":"eq","value":1}`), 1},
	{"attribute nobody has is empty for everyone", one(`{"field":"attr.Nope_1","op":"is_empty"}`), 10},
	// numbers (a customer without a features row counts as 0)
	{"monetary at least 100", one(`{"field":"monetary","op":"gte","value":100}`), 5},
	{"monetary above 100", one(`{"field":"monetary","op":"gt","value":100}`), 4},
	{"monetary below 100 includes customers without features", one(`{"field":"monetary","op":"lt","value":100}`), 5},
	{"monetary at most 99.99", one(`{"field":"monetary","op":"lte","value":99.99}`), 5},
	{"monetary equal to 0 includes customers without features", one(`{"field":"monetary","op":"eq","value":0}`), 3},
	{"monetary not equal to 0", one(`{"field":"monetary","op":"neq","value":0}`), 7},
	{"monetary between is inclusive", one(`{"field":"monetary","op":"between","value":[50,120]}`), 4},
	{"monetary given as a numeric text", one(`{"field":"monetary","op":"gte","value":"100"}`), 5},
	{"frequency equal to 1", one(`{"field":"frequency","op":"eq","value":1}`), 2},
	{"frequency at least 3", one(`{"field":"frequency","op":"gte","value":3}`), 4},
	{"frequency between whole numbers", one(`{"field":"frequency","op":"between","value":[1,2]}`), 3},
	{"average order value between", one(`{"field":"avg_order_value","op":"between","value":[50,100]}`), 5},
	{"browse seconds above 500", one(`{"field":"browse_seconds","op":"gt","value":500}`), 3},
	{"event count at most 5", one(`{"field":"event_count","op":"lte","value":5}`), 5},
	// recency: days since the last order; no order never matches
	{"recency at most 30 days includes the order exactly 30 days ago", one(`{"field":"recency_days","op":"lte","value":30}`), 4},
	{"recency under 30 days excludes it", one(`{"field":"recency_days","op":"lt","value":30}`), 3},
	{"recency over 30 days skips customers who never ordered", one(`{"field":"recency_days","op":"gt","value":30}`), 3},
	{"recency at least 30 days", one(`{"field":"recency_days","op":"gte","value":30}`), 4},
	{"recency between 10 and 60 days", one(`{"field":"recency_days","op":"between","value":[10,60]}`), 4},
	{"recency at least 0 days still skips customers who never ordered", one(`{"field":"recency_days","op":"gte","value":0}`), 7},
	// dates
	{"signed up before a day excludes that day", one(`{"field":"signup_at","op":"before","value":"2024-01-10"}`), 2},
	{"signed up after a day excludes that day", one(`{"field":"signup_at","op":"after","value":"2025-06-01"}`), 1},
	{"signed up after the day before", one(`{"field":"signup_at","op":"after","value":"2025-05-31"}`), 2},
	{"signed up within 30 days", one(`{"field":"signup_at","op":"within_days","value":30}`), 3},
	{"born before 1980", one(`{"field":"birth_date","op":"before","value":"1980-01-01"}`), 2},
	{"born after 1989 skips unknown birth dates", one(`{"field":"birth_date","op":"after","value":"1989-12-31"}`), 3},
	{"active within 7 days", one(`{"field":"last_activity_at","op":"within_days","value":7}`), 5},
	{"last order before a day", one(`{"field":"last_order_at","op":"before","value":"2025-05-16"}`), 3},
	{"last order after a day", one(`{"field":"last_order_at","op":"after","value":"2025-06-09"}`), 2},
	// booleans
	{"email consent given", one(`{"field":"consent_email","op":"is_true"}`), 5},
	{"email consent not given", one(`{"field":"consent_email","op":"is_false"}`), 5},
	{"push consent given", one(`{"field":"consent_push","op":"is_true"}`), 3},
	{"push consent not given", one(`{"field":"consent_push","op":"is_false"}`), 7},
	// behaviour
	{"viewed at least once in 30 days", one(`{"behaviour":{"event":"view","min_count":1,"days":30}}`), 4},
	{"viewed shoes at least twice in 30 days", one(`{"behaviour":{"event":"view","category":"Shoes","min_count":2,"days":30}}`), 2},
	{"viewed home products", one(`{"behaviour":{"event":"view","category":"Home","min_count":1,"days":30}}`), 1},
	{"viewed at least three times in 2 days", one(`{"behaviour":{"event":"view","min_count":3,"days":2}}`), 0},
	{"carted in 30 days", one(`{"behaviour":{"event":"cart","min_count":1,"days":30}}`), 2},
	{"searched, an event without a product", one(`{"behaviour":{"event":"search","min_count":1,"days":30}}`), 1},
	{"searched in a category never matches an event without a product", one(`{"behaviour":{"event":"search","category":"Shoes","min_count":1,"days":30}}`), 0},
	{"purchased counts orders, not purchase events", one(`{"behaviour":{"event":"purchase","min_count":1,"days":30}}`), 4},
	{"purchased twice counts distinct orders", one(`{"behaviour":{"event":"purchase","min_count":2,"days":30}}`), 2},
	{"purchased shoes twice counts an order of two shoe lines once", one(`{"behaviour":{"event":"purchase","category":"Shoes","min_count":2,"days":30}}`), 1},
	{"purchased in the last 7 days", one(`{"behaviour":{"event":"purchase","min_count":1,"days":7}}`), 2},
	{"an event nobody did", one(`{"behaviour":{"event":"wishlist","min_count":1,"days":3650}}`), 0},
	// nesting
	{"an empty rule set matches everyone", `{"match":"all","conditions":[]}`, 10},
	{"an empty any rule set matches everyone too", `{"match":"any","conditions":[]}`, 10},
	{"all needs every condition", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"monetary","op":"gte","value":100}]}`, 1},
	{"any needs one condition", `{"match":"any","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"monetary","op":"gte","value":1000}]}`, 5},
	{"an any group inside all", `{"match":"all","conditions":[{"field":"consent_email","op":"is_true"},
		{"group":{"match":"any","conditions":[{"field":"country","op":"in","value":["DE"]},{"field":"recency_days","op":"lte","value":7}]}}]}`, 2},
	{"two all groups inside any", `{"match":"any","conditions":[
		{"group":{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"field":"consent_push","op":"is_true"}]}},
		{"group":{"match":"all","conditions":[{"field":"country","op":"eq","value":"US"},{"field":"frequency","op":"eq","value":1}]}}]}`, 2},
	{"groups four levels deep", `{"match":"all","conditions":[{"group":{"match":"any","conditions":[{"group":{"match":"all","conditions":[
		{"group":{"match":"any","conditions":[{"field":"country","op":"eq","value":"FR"}]}}]}}]}}]}`, 1},
	{"a field and a behaviour together", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},{"behaviour":{"event":"view","min_count":1,"days":30}}]}`, 2},
	{"behaviours joined by any", `{"match":"any","conditions":[{"behaviour":{"event":"purchase","min_count":2,"days":30}},{"behaviour":{"event":"cart","min_count":1,"days":30}}]}`, 4},
}

func TestCountMatchesHandComputedCounts(t *testing.T) {
	assertCounts(t, countCases)
}

// assertCounts checks each case's count through the Service and through its compiled
// SELECT, which must select the same customers.
func assertCounts(t *testing.T, cases []countCase) {
	t.Helper()
	db, svc := openFixture(t)
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRules([]byte(tc.rules))
			if err != nil {
				t.Fatalf("ParseRules: %v", err)
			}
			got, err := svc.Count(ctx, r)
			if err != nil {
				t.Fatalf("Count: %v", err)
			}
			if got != tc.want {
				t.Errorf("Count = %d, want %d", got, tc.want)
			}
			c, err := svc.Compile(ctx, r)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			var n int64
			if err := db.Raw("SELECT COUNT(*) FROM ("+c.SQL+") q", c.Args...).Scan(&n).Error; err != nil {
				t.Fatalf("run compiled SQL: %v\n%s", err, c.SQL)
			}
			if n != tc.want {
				t.Errorf("compiled SQL selects %d, want %d", n, tc.want)
			}
		})
	}
}

func TestSampleRulesFromTestdataMatchOneCustomer(t *testing.T) {
	_, svc := openFixture(t)
	data, err := os.ReadFile("testdata/example_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRules(data)
	if err != nil {
		t.Fatalf("ParseRules: %v", err)
	}
	members, total, err := svc.Members(context.Background(), r, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || len(members) != 1 || members[0].ID != 1 {
		t.Fatalf("members = %+v (total %d), want only customer 1", members, total)
	}
}

func TestCompileWritesOnlyPlaceholdersAndConstantSQL(t *testing.T) {
	r, err := ParseRules([]byte(`{"match":"any","conditions":[
		{"field":"attr.zzplan","op":"contains","value":"gq'ld"},
		{"field":"country","op":"in","value":["QQDE","x' OR '1'='1"]},
		{"behaviour":{"event":"purchase","category":"Shq'x","min_count":2,"days":30}},
		{"field":"attr.zzpts","type":"number","op":"between","value":[86421,97531]},
		{"field":"attr.zzren","type":"date","op":"between","value":["2031-01-01","2032-02-02"]},
		{"field":"attr.zznews","type":"bool","op":"is_true"},
		{"field":"rfm_tier","op":"in","value":["Champions","hibernating"]},
		{"field":"cluster","op":"not_in","value":[77777]},
		{"field":"propensity","op":"gte","value":0.123},
		{"field":"signup_at","op":"between","value":["2033-03-03","2034-04-04"]},
		{"behaviour":{"did":false,"event":"zzevent","product":"Pqq'x","max_count":4321,"min_value":98765,"from":"2035-05-05","to":"2036-06-06"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		c, err := Compile(r, testNow, dialect)
		if err != nil {
			t.Fatalf("%s: %v", dialect, err)
		}
		if !strings.HasPrefix(c.SQL, "SELECT c.id FROM customers c LEFT JOIN customer_features f ON f.customer_id = c.id WHERE ") {
			t.Errorf("%s: SQL does not start with the fixed SELECT: %s", dialect, c.SQL)
		}
		for _, bad := range []string{"gq", "'1'", "Shq", "zzplan", "QQDE", "zzpts", "86421", "zzren", "2031", "zznews", "hampions",
			"hibernating", "77777", "0.123", "2033", "zzevent", "Pqq", "4321", "98765", "2035", "2036"} {
			if strings.Contains(c.SQL, bad) {
				t.Errorf("%s: user text %q reached the SQL: %s", dialect, bad, c.SQL)
			}
		}
		if got, want := strings.Count(c.SQL, "?"), len(c.Args); got != want {
			t.Errorf("%s: %d placeholders for %d args", dialect, got, want)
		}
	}
	if _, err := Compile(r, testNow, "mysql"); err == nil {
		t.Error("Compile accepted an unknown dialect")
	}
}
