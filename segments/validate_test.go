package segments

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/persona-app/persona/store"
)

// TestParseRulesReportsProblemsByPath reads testdata/invalid_rules.json: each case is rule
// JSON (or raw text) and the exact field errors it must produce.
func TestParseRulesReportsProblemsByPath(t *testing.T) {
	data, err := os.ReadFile("testdata/invalid_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name      string            `json:"name"`
		Rules     json.RawMessage   `json:"rules"`
		RulesText *string           `json:"rules_text"`
		Errors    map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("read cases: %v", err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases read", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			input := []byte(tc.Rules)
			if tc.RulesText != nil {
				input = []byte(*tc.RulesText)
			}
			_, err := ParseRules(input)
			fe, ok := store.AsFieldErrors(err)
			if !ok {
				t.Fatalf("ParseRules error = %v, want field errors", err)
			}
			if !maps.Equal(map[string]string(fe), tc.Errors) {
				t.Errorf("field errors:\n got  %q\n want %q", fe, tc.Errors)
			}
		})
	}
}

func TestParseRulesReturnsTheRulesEvenWhenInvalid(t *testing.T) {
	r, err := ParseRules([]byte(`{"match":"all","conditions":[{"field":"country","op":"like","value":"DE"}]}`))
	if err == nil {
		t.Fatal("want an error")
	}
	if len(r.Conditions) != 1 || r.Conditions[0].Field != "country" || string(r.Conditions[0].Value) != `"DE"` {
		t.Fatalf("rules = %+v, want the submitted condition back", r)
	}
}

func TestValidateAcceptsRulesBuiltInGo(t *testing.T) {
	r := Rules{Match: "any", Conditions: []Condition{
		{Field: "country", Op: "eq", Value: json.RawMessage(`"DE"`)},
		{Behaviour: &Behaviour{Event: "view", Category: "Shoes", MinCount: 2, Days: 30}},
		{Group: &Rules{Match: "all", Conditions: []Condition{{Field: "consent_push", Op: "is_true"}}}},
	}}
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
}

func TestValidateLimitsTheNumberOfConditions(t *testing.T) {
	r := Rules{Match: "any"}
	for range maxConditions + 1 {
		r.Conditions = append(r.Conditions, Condition{Field: "consent_push", Op: "is_true"})
	}
	fe, _ := store.AsFieldErrors(r.Validate())
	if fe["conditions"] != "too many conditions (at most 200)" {
		t.Fatalf("errors = %v", fe)
	}
}

func TestFieldsListsEveryWhitelistedFieldForTheEditor(t *testing.T) {
	got := map[string]FieldInfo{}
	for _, f := range Fields() {
		got[f.Name] = f
	}
	want := map[string]string{
		"email": TypeText, "first_name": TypeText, "last_name": TypeText, "gender": TypeText, "city": TypeText,
		"country": TypeText, "timezone": TypeText, "signup_at": TypeDate, "birth_date": TypeDate,
		"consent_email": TypeBool, "consent_push": TypeBool, "frequency": TypeNumber, "monetary": TypeNumber,
		"avg_order_value": TypeNumber, "browse_seconds": TypeNumber, "event_count": TypeNumber,
		"recency_days": TypeNumber, "last_activity_at": TypeDate, "last_order_at": TypeDate, AttrPrefix: TypeText,
		"recency_score": TypeNumber, "frequency_score": TypeNumber, "monetary_score": TypeNumber, "rfm_tier": TypeText,
		"days_since_signup": TypeNumber, "cluster": TypeNumber, "propensity": TypeNumber,
	}
	for _, ev := range []string{"views", "carts", "purchases", "searches"} {
		for _, days := range []string{"7", "30", "90"} {
			want[ev+"_"+days+"d"] = TypeNumber
		}
	}
	if len(got) != len(want) {
		t.Errorf("Fields() has %d entries, want %d", len(got), len(want))
	}
	for name, typ := range want {
		f, ok := got[name]
		if !ok || f.Type != typ || f.Label == "" || len(f.Ops) == 0 {
			t.Errorf("field %s = %+v, want type %s with a label and operators", name, f, typ)
		}
	}
	if !slices.Contains(got["country"].Ops, "starts_with") || slices.Contains(got["recency_days"].Ops, "eq") {
		t.Errorf("unexpected operators: country %v, recency_days %v", got["country"].Ops, got["recency_days"].Ops)
	}
	if !slices.Equal(got["rfm_tier"].Values, RFMTiers()) || len(RFMTiers()) != 11 || got["country"].Values != nil {
		t.Errorf("rfm_tier values = %v, want the 11 tiers and no values elsewhere", got["rfm_tier"].Values)
	}
	// The editor gets copies: changing them must not change the whitelist.
	Fields()[0].Ops[0] = "drop"
	if Fields()[0].Ops[0] == "drop" {
		t.Error("Fields() shares its operator slices")
	}
}

func TestValidateLimitsTheNumberOfValues(t *testing.T) {
	values, _ := json.Marshal(slices.Repeat([]string{"DE"}, maxInValues))
	r := Rules{Match: "any"}
	for range maxArgs/maxInValues + 1 {
		r.Conditions = append(r.Conditions, Condition{Field: "country", Op: "in", Value: values})
	}
	fe, _ := store.AsFieldErrors(r.Validate())
	if fe["conditions"] != "these rules hold too many values (at most 10000 in all)" {
		t.Fatalf("errors = %v", fe)
	}
}
