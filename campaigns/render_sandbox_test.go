package campaigns

import (
	"errors"
	"strings"
	"testing"
)

func TestSandboxRejectsForbiddenConstructs(t *testing.T) {
	cases := []struct {
		name, html, want string
	}{
		{"including another template is rejected", `{{template "x" .}}`, "{{template}} and {{block}} are not allowed"},
		{"defining a template is rejected", `{{define "x"}}hi{{end}}`, "{{define}} and {{block}} are not allowed"},
		{"a block is rejected", `{{block "x" .}}hi{{end}}`, "{{template}} and {{block}} are not allowed"},
		{"a range over a number literal is rejected", `{{range 1000000}}x{{end}}`, "{{range}} only works over a list such as .Recommendations or .Customer.Attributes, not over a number"},
		{"a range over a declared number is rejected", `{{range $i := 5}}x{{end}}`, "not over a number"},
		{"a range over a function result is rejected", `{{range len .Recommendations}}x{{end}}`, "not over a calculation"},
		{"a range over a numeric field is rejected", `{{range .Customer.CustomerID}}x{{end}}`, ".Customer.CustomerID is a number"},
		{"a range over a variable holding a number is rejected", `{{$n := len .Recommendations}}{{range $n}}x{{end}}`, "$n is a number"},
		{"call is rejected", `{{call .Customer.FirstName}}`, "{{call}} is not allowed in templates"},
		{"printf is rejected", `{{printf "%s" .Customer.FirstName}}`, "{{printf}} is not allowed in templates"},
		{"print is rejected", `{{print .Customer.FirstName}}`, "{{print}} is not allowed in templates"},
		{"println is rejected", `{{println .Customer.FirstName}}`, "{{println}} is not allowed in templates"},
		{"js is rejected", `{{js .Customer.FirstName}}`, "{{js}} is not allowed in templates"},
		{"html is rejected", `{{html .Customer.FirstName}}`, "{{html}} is not allowed in templates"},
		{"urlquery is rejected", `{{urlquery .Customer.FirstName}}`, "{{urlquery}} is not allowed in templates"},
		{"slice is rejected", `{{slice .Customer.FirstName 1}}`, "{{slice}} is not allowed in templates"},
		{"a forbidden function inside a pipeline is rejected", `{{.Customer.FirstName | printf "%q"}}`, "{{printf}} is not allowed"},
		{"a forbidden function inside an if is rejected", `{{if call .X}}x{{end}}`, "{{call}} is not allowed"},
		{"an unknown function is rejected", `{{exec "rm -rf /"}}`, `unknown function "exec" — available: default, upper`},
		{"index on a list is rejected", `{{index .Recommendations 0}}`, "index only works on maps"},
		{"a field given values is rejected", `{{.Customer.FirstName "x"}}`, ".Customer.FirstName is not a function"},
		{"a field after a pipe is rejected", `{{.Customer.FirstName | .Customer.LastName}}`, "after | there must be a function"},
		{"a field of a list is rejected", `{{.Recommendations.Name}}`, "Recommendations is a list and has no field"},
		{"a field of text is rejected", `{{.Customer.FirstName.Length}}`, `.Customer.FirstName is text and has no field "Length"`},
		{"money with one value is rejected", `{{range .Recommendations}}{{money .Price}}{{end}}`, "money needs 2 value(s), got 1 — write it like {{money .Price .Currency}}"},
		{"truncate with text for its length is rejected", `{{truncate .Customer.FirstName 3}}`, "truncate expects a number as value 1, not text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "<p>Hello</p>\n" + tc.html
			_, err := Render(Template{Subject: "Hi", HTML: src}, SampleRenderData())
			var re *RenderError
			if !errors.As(err, &re) {
				t.Fatalf("Render error = %v, want a *RenderError", err)
			}
			if re.Part != "html" || re.Line != 2 {
				t.Errorf("error at %s line %d, want html line 2 (%v)", re.Part, re.Line, re)
			}
			if !strings.Contains(re.Msg, tc.want) {
				t.Errorf("message = %q\nwant it to contain %q", re.Msg, tc.want)
			}
			verr := ValidateTemplate(Template{Name: "t", Subject: "Hi", HTML: src})
			if verr == nil || !strings.Contains(verr.Error(), tc.want) {
				t.Errorf("ValidateTemplate = %v, want the same message", verr)
			}
		})
	}
}

func TestSandboxAllowsDataFieldsConditionalsAndTheReviewedFunctions(t *testing.T) {
	cases := []struct {
		name, html, want string
	}{
		{"a customer field renders", `{{.Customer.FirstName}}`, "Emma"},
		{"a custom attribute renders by name", `{{.Customer.Attributes.plan}}`, "gold"},
		{"index reads an attribute whose name is not a word", `{{index .Customer.Attributes "loyalty_points"}}`, "1250"},
		{"a missing attribute renders empty", `[{{.Customer.Attributes.missing}}]`, "[]"},
		{"if with eq picks the matching branch", `{{if eq .Customer.Attributes.plan "gold"}}VIP{{else}}member{{end}}`, "VIP"},
		{"else if picks the second branch", `{{if eq .Customer.City "Paris"}}P{{else if eq .Customer.City "Berlin"}}B{{end}}`, "B"},
		{"with moves dot into the customer", `{{with .Customer}}{{.City}}, {{.Country}}{{end}}`, "Berlin, DE"},
		{"range over recommendations with index and element variables", `{{range $i, $r := .Recommendations}}{{$i}}:{{$r.Name}};{{end}}`, "0:Linen Shirt;1:Leather Weekender Bag;2:Merino Socks (3 pairs);"},
		{"dollar reaches the top inside a range", `{{range .Recommendations}}{{$.Customer.FirstName}}{{end}}`, "EmmaEmmaEmma"},
		{"range over attributes goes in key order", `{{range $k, $v := .Customer.Attributes}}{{$k}}={{$v}} {{end}}`, "favourite_store=Berlin Mitte loyalty_points=1250 plan=gold "},
		{"break stops a range", `{{range .Recommendations}}{{if gt .Price 100.0}}{{break}}{{end}}{{.Name}};{{end}}`, "Linen Shirt;"},
		{"len counts recommendations", `{{len .Recommendations}}`, "3"},
		{"upper, lower and title change case", `{{upper .Customer.City}} {{lower .Customer.Country}} {{title "eMMA sCHMIDT-meyer"}}`, "BERLIN de Emma Schmidt-Meyer"},
		{"pipelines chain functions", `{{.Customer.LastName | upper | truncate 3}}`, "SC…"},
		{"money formats a literal price", `{{money 1234.5 "EUR"}} {{money 3 "usd"}} {{money 12 "CHF"}}`, "€1,234.50 $3.00 12.00 CHF"},
		{"money reads a price stored as text", `{{money .Customer.Attributes.loyalty_points "GBP"}}`, "£1,250.00"},
		{"a variable can be declared and reused", `{{$name := .Customer.FirstName | default "there"}}{{$name}}/{{$name}}`, "Emma/Emma"},
		{"comments are dropped", `{{/* note for the team */}}ok`, "ok"},
		{"and and or combine conditions", `{{if and .Customer.FirstName (or .Customer.City .Customer.Country)}}yes{{end}}`, "yes"},
		{"not negates", `{{if not .Customer.Attributes.vip}}not vip{{end}}`, "not vip"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl := Template{Name: "t", Subject: "Hi", HTML: tc.html, Text: "x"}
			if err := ValidateTemplate(tpl); err != nil {
				t.Fatalf("ValidateTemplate: %v", err)
			}
			m, err := Render(tpl, SampleRenderData())
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if m.HTML != tc.want {
				t.Errorf("HTML = %q, want %q", m.HTML, tc.want)
			}
		})
	}
}

func TestRenderFunctions(t *testing.T) {
	t.Run("money groups thousands and keeps two decimals", func(t *testing.T) {
		for _, c := range []struct {
			price    any
			currency string
			want     string
		}{
			{0.0, "EUR", "€0.00"}, {999.999, "EUR", "€1,000.00"}, {1234567.891, "USD", "$1,234,567.89"},
			{-5.5, "GBP", "-£5.50"}, {19.9, "", "19.90"}, {int64(7), "sek", "7.00 SEK"}, {"12.5", "EUR", "€12.50"},
		} {
			got, err := fnMoney(c.price, c.currency)
			if err != nil || got != c.want {
				t.Errorf("money(%v, %q) = %q, %v; want %q", c.price, c.currency, got, err, c.want)
			}
		}
		if _, err := fnMoney("cheap", "EUR"); err == nil {
			t.Error("money of a word did not fail")
		}
	})
	t.Run("truncate cuts by characters and marks the cut", func(t *testing.T) {
		for _, c := range []struct {
			n       int
			in, out string
		}{{5, "Größe", "Größe"}, {4, "Größe", "Grö…"}, {6, "Merino Socks", "Merin…"}, {7, "Merino Socks", "Merino…"}, {0, "x", ""}} {
			if got := fnTruncate(c.n, c.in); got != c.out {
				t.Errorf("truncate(%d, %q) = %q, want %q", c.n, c.in, got, c.out)
			}
		}
	})
	t.Run("default treats zero, blank and missing values as empty", func(t *testing.T) {
		for _, c := range []struct {
			v    any
			want string
		}{{"", "x"}, {"  ", "x"}, {nil, "x"}, {0.0, "x"}, {"Emma", "Emma"}, {12.5, "12.5"}} {
			if got := fnDefault("x", c.v); got != c.want {
				t.Errorf("default(x, %#v) = %q, want %q", c.v, got, c.want)
			}
		}
	})
}
