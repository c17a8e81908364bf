package segments

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestInjectionThroughNamesIsRefusedBeforeAnySQL(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	cases := []struct {
		name    string
		rules   string
		errPath string
	}{
		{"a field name carrying a statement", one(`{"field":"country; DROP TABLE customers","op":"eq","value":"DE"}`), "conditions[0].field"},
		{"an attribute name closing the JSON path", one(`{"field":"attr.x') OR 1=1 --","op":"eq","value":"x"}`), "conditions[0].field"},
		{"an attribute name with a quote", one(`{"field":"attr.plan' OR '1'='1","op":"not_empty"}`), "conditions[0].field"},
		{"a qualified column name", one(`{"field":"c.id","op":"eq","value":"1"}`), "conditions[0].field"},
		{"a column that exists but is not whitelisted", one(`{"field":"external_id","op":"eq","value":"c1"}`), "conditions[0].field"},
		{"an operator carrying SQL", one(`{"field":"country","op":"eq' OR 1=1 --","value":"DE"}`), "conditions[0].op"},
		{"an operator that is a raw comparison", one(`{"field":"monetary","op":"= 0 OR 1=1; --","value":1}`), "conditions[0].op"},
		{"an event name carrying SQL", one(`{"behaviour":{"event":"view' OR 1=1 --","min_count":1,"days":30}}`), "conditions[0].behaviour.event"},
		{"a match carrying SQL", `{"match":"all) OR (1=1","conditions":[{"field":"country","op":"eq","value":"DE"}]}`, "match"},
		{"a type carrying SQL", one(`{"field":"attr.points","type":"number) OR 1=1 --","op":"gte","value":1}`), "conditions[0].type"},
		{"an attribute name closing the JSON path of a number", one(`{"field":"attr.p\") OR 1=1 --","type":"number","op":"gte","value":1}`), "conditions[0].field"},
		{"an RFM tier carrying SQL", one(`{"field":"rfm_tier","op":"eq","value":"champions' OR '1'='1"}`), "conditions[0].value"},
		{"an RFM tier list carrying SQL", one(`{"field":"rfm_tier","op":"in","value":["lost') OR 1=1 --"]}`), "conditions[0].value"},
		{"a cluster key carrying SQL", one(`{"field":"cluster","op":"in","value":["1) OR 1=1 --"]}`), "conditions[0].value"},
		{"a propensity carrying SQL", one(`{"field":"propensity","op":"gte","value":"0.3 OR 1=1"}`), "conditions[0].value"},
		{"a number attribute value carrying SQL", one(`{"field":"attr.points","type":"number","op":"gte","value":"1 OR 1=1"}`), "conditions[0].value"},
		{"a date attribute value carrying SQL", one(`{"field":"attr.renewal","type":"date","op":"before","value":"2025-01-01' OR '1'='1"}`), "conditions[0].value"},
		{"a date range carrying SQL", one(`{"field":"signup_at","op":"between","value":["2025-01-01","x') OR 1=1 --"]}`), "conditions[0].value"},
		{"a behaviour date carrying SQL", one(`{"behaviour":{"event":"view","from":"2025-01-01' OR 1=1 --"}}`), "conditions[0].behaviour.from"},
		{"a segment id carrying SQL", one(`{"segment":{"id":"1 OR 1=1"}}`), "rules"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRules([]byte(tc.rules))
			fe, ok := store.AsFieldErrors(err)
			if !ok || fe[tc.errPath] == "" {
				t.Fatalf("ParseRules error = %v, want a message at %s", err, tc.errPath)
			}
			// The service compiles (and so validates) on its own: rules that skipped
			// ParseRules are refused too, before any query runs.
			if _, err := svc.Count(ctx, r); err == nil {
				t.Fatal("Count ran rules that do not validate")
			}
			if _, err := Compile(r, testNow, db.Dialect); err == nil {
				t.Fatal("Compile accepted rules that do not validate")
			}
		})
	}
	assertCustomersIntact(t, db)
}

func TestInjectionThroughValuesMatchesNothing(t *testing.T) {
	db, svc := openFixture(t)
	cases := []struct{ name, rules string }{
		{"a quote-closing value in eq", one(`{"field":"country","op":"eq","value":"x' OR '1'='1"}`)},
		{"a statement in eq", one(`{"field":"first_name","op":"eq","value":"'; DROP TABLE customers; --"}`)},
		{"a quote-closing value in contains", one(`{"field":"email","op":"contains","value":"%' OR 1=1 --"}`)},
		{"a quote-closing value in starts_with", one(`{"field":"city","op":"starts_with","value":"x' OR '1'='1"}`)},
		{"a parenthesis-closing value in in", one(`{"field":"country","op":"in","value":["DE') OR 1=1 --"]}`)},
		{"a quote-closing attribute value", one(`{"field":"attr.plan","op":"eq","value":"gold') OR 1=1 --"}`)},
		{"a quote-closing category", one(`{"behaviour":{"event":"view","category":"Shoes' OR '1'='1","min_count":1,"days":30}}`)},
		{"a quote-closing purchase category", one(`{"behaviour":{"event":"purchase","category":"x') OR 1=1 --","min_count":1,"days":30}}`)},
		{"a quote-closing product", one(`{"behaviour":{"event":"view","product":"p1' OR '1'='1"}}`)},
		{"a parenthesis-closing purchased product", one(`{"behaviour":{"event":"purchase","product":"p1') OR 1=1 --","max_count":5,"min_value":0}}`)},
		{"a quote-closing value of a number attribute name", one(`{"field":"attr.points","type":"number","op":"in","value":[123456]}`)},
		{"a quote-closing text of a typed text attribute", one(`{"field":"attr.plan","type":"text","op":"in","value":["gold') OR 1=1 --"]}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRules([]byte(tc.rules))
			if err != nil {
				t.Fatalf("ParseRules: %v", err)
			}
			n, err := svc.Count(context.Background(), r)
			if err != nil {
				t.Fatalf("Count: %v", err)
			}
			if n != 0 {
				t.Errorf("Count = %d, want 0", n)
			}
		})
	}
	assertCustomersIntact(t, db)
}

func TestInjectionThroughRulesBuiltInGoIsRefused(t *testing.T) {
	r := Rules{Match: "all", Conditions: []Condition{{Field: "country) OR 1=1 --", Op: "eq", Value: json.RawMessage(`"DE"`)}}}
	_, err := Compile(r, testNow, "sqlite")
	if fe, ok := store.AsFieldErrors(err); !ok || fe["conditions[0].field"] == "" {
		t.Fatalf("Compile error = %v, want a field error", err)
	}
}

func assertCustomersIntact(t *testing.T, db *store.DB) {
	t.Helper()
	var n int64
	if err := db.Raw("SELECT COUNT(*) FROM customers").Scan(&n).Error; err != nil || n != int64(len(fixtureCustomers)) {
		t.Fatalf("customers table: %d rows, %v; want %d rows", n, err, len(fixtureCustomers))
	}
}

func TestSegmentNamesNeverReachSQL(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	id := createSegment(t, svc, "zzname' OR 1=1 --", one(`{"field":"country","op":"eq","value":"DE"}`))
	for _, include := range []bool{true, false} {
		c, err := svc.Compile(ctx, mustRules(t, one(ref(id, include))))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(c.SQL, "zzname") || strings.Contains(c.SQL, "DE") {
			t.Errorf("segment text reached the SQL: %s", c.SQL)
		}
		var n int64
		if err := db.Raw("SELECT COUNT(*) FROM ("+c.SQL+") q", c.Args...).Scan(&n).Error; err != nil || n != map[bool]int64{true: 4, false: 6}[include] {
			t.Errorf("include %v: %d customers, %v", include, n, err)
		}
	}
	assertCustomersIntact(t, db)
}
