package customers

import (
	"encoding/json"
	"testing"
	"time"
)

func TestParseTimeAcceptsEveryDocumentedForm(t *testing.T) {
	cases := []struct {
		name, in string
		want     time.Time
	}{
		{"RFC 3339 in UTC", "2024-03-05T14:07:09Z", date(2024, 3, 5, 14, 7, 9)},
		{"RFC 3339 with an offset is converted to UTC", "2024-03-05T14:07:09+02:00", date(2024, 3, 5, 12, 7, 9)},
		{"RFC 3339 with fractions is truncated to seconds", "2024-03-05T14:07:09.987654Z", date(2024, 3, 5, 14, 7, 9)},
		{"a bare date is midnight UTC", "2024-03-05", date(2024, 3, 5, 0, 0, 0)},
		{"date and minutes", "2024-03-05 14:07", date(2024, 3, 5, 14, 7, 0)},
		{"date and seconds", "2024-03-05 14:07:09", date(2024, 3, 5, 14, 7, 9)},
		{"US month/day/year with a one-digit hour", "12/1/2010 8:26", date(2010, 12, 1, 8, 26, 0)},
		{"US month/day/year with two-digit hour", "3/15/2024 17:45", date(2024, 3, 15, 17, 45, 0)},
		{"Unix epoch seconds", "1700000000", time.Unix(1700000000, 0).UTC()},
		{"surrounding spaces are ignored", "  2024-03-05  ", date(2024, 3, 5, 0, 0, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := parseTime(c.in)
			if !ok || !got.Equal(c.want) || got.Location() != time.UTC {
				t.Fatalf("parseTime(%q) = %v, %v; want %v UTC", c.in, got, ok, c.want)
			}
		})
	}
}

func TestParseTimeRejectsWhatIsNotADate(t *testing.T) {
	for _, in := range []string{"", "32/13/2024", "2024-13-01", "yesterday", "1700000000000", "12.5", "2024/03/05"} {
		if got, ok := parseTime(in); ok {
			t.Errorf("parseTime(%q) = %v, want rejection", in, got)
		}
	}
}

func TestParseBoolAcceptsTheConsentSpellings(t *testing.T) {
	cases := map[string]bool{"true": true, "TRUE": true, "1": true, "yes": true, "Yes": true,
		"false": false, "0": false, "no": false, "": false}
	for in, want := range cases {
		if got, ok := parseBool(in); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"maybe", "y", "2"} {
		if _, ok := parseBool(in); ok {
			t.Errorf("parseBool(%q) accepted", in)
		}
	}
}

func TestScalarTakesStringsNumbersBooleansAndNull(t *testing.T) {
	var v struct {
		A, B, C, D, E Scalar
	}
	if err := json.Unmarshal([]byte(`{"A":"2024-01-02","B":1700000000,"C":true,"D":null,"E":2.5}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "2024-01-02" || v.B != "1700000000" || v.C != "true" || v.D != "" || v.E != "2.5" {
		t.Fatalf("scalars = %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"A":{"x":1}}`), &v); err == nil {
		t.Fatal("an object was accepted as a scalar")
	}
}

func TestNormalizeCustomerIDDropsSpreadsheetDecimals(t *testing.T) {
	for in, want := range map[string]string{"17850.0": "17850", " 17850 ": "17850", "A-1.0": "A-1.0", "1.5": "1.5"} {
		if got := normalizeCustomerID(in); got != want {
			t.Errorf("normalizeCustomerID(%q) = %q, want %q", in, got, want)
		}
	}
}
