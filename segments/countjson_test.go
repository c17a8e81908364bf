package segments

import (
	"context"
	"os"
	"testing"

	"github.com/persona-app/persona/store"
)

// TestCountJSONCountsARuleFile is what "persona segments count --rules FILE" runs.
func TestCountJSONCountsARuleFile(t *testing.T) {
	_, svc := openFixture(t)
	data, err := os.ReadFile("testdata/count_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.CountJSON(context.Background(), data)
	if err != nil {
		t.Fatalf("CountJSON: %v", err)
	}
	// Champions 1 and 10, and 9: no order in 30 days and 100.0 points.
	if got.Count != 3 || got.SQLMillis <= 0 {
		t.Fatalf("CountJSON = %+v, want 3 customers and a query time", got)
	}
}

func TestCountJSONReportsProblemsByPath(t *testing.T) {
	_, svc := openFixture(t)
	cases := []struct {
		name, rules, path, msg string
	}{
		{"a bad operator", one(`{"field":"country","op":"like","value":"DE"}`), "conditions[0].op",
			`unknown operator "like" for text field country (use eq, neq, contains, starts_with, in, is_empty, not_empty)`},
		{"text that is not JSON", `{"match":`, "rules", "rules are not valid: unexpected EOF"},
		{"a segment that does not exist", one(`{"segment":{"id":42}}`), "conditions[0].segment.id", "segment 42 does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.CountJSON(context.Background(), []byte(tc.rules))
			fe, ok := store.AsFieldErrors(err)
			if !ok || fe[tc.path] != tc.msg {
				t.Fatalf("CountJSON error = %v, want %s: %s", err, tc.path, tc.msg)
			}
		})
	}
}
