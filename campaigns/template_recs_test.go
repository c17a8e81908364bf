package campaigns

import (
	"context"
	"strings"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestValidateTemplateChecksTheRecommendationBlock(t *testing.T) {
	cases := []struct {
		name      string
		algorithm string
		count     int
		rules     string
		field     string // "" when valid
		contains  string
	}{
		{"empty settings mean best, four items and the safe rules", "", 0, "", "", ""},
		{"every known algorithm is accepted", "association-rules", 20, `{}`, "", ""},
		{"an unknown algorithm is named", "magic", 4, `{}`, "rec_algorithm", `unknown algorithm "magic"`},
		{"a negative count is refused", "best", -1, `{}`, "rec_count", "between 1 and 20"},
		{"more than twenty items are refused", "best", 21, `{}`, "rec_count", "between 1 and 20"},
		{"rules that are not JSON are refused", "best", 4, `{"max_per_category":`, "rec_rules", "not valid rules JSON"},
		{"a misspelt rule is refused rather than dropped", "best", 4, `{"max_per_categry":1}`, "rec_rules", "max_per_categry"},
		{"a negative cap per category names its rule", "best", 4, `{"max_per_category":-1}`, "rec_rules.max_per_category", "0 (no limit) or more"},
		{"a price range upside down names the maximum", "best", 4, `{"min_price":50,"max_price":10}`, "rec_rules.max_price", "below the minimum"},
		{"a category both wanted and excluded names the exclusion", "best", 4, `{"categories":["Bags"],"exclude_categories":["bags"]}`, "rec_rules.exclude_categories", `"Bags" is both`},
		{"sensible rules pass", "item-to-item", 6, `{"categories":["Bags","Shirts"],"max_per_category":1,"min_price":10,"max_price":80}`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl := tplTestTemplate("Block")
			tpl.RecAlgorithm, tpl.RecCount, tpl.RecRules = tc.algorithm, tc.count, tc.rules
			err := ValidateTemplate(tpl)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("ValidateTemplate = %v, want nil", err)
				}
				return
			}
			fe, ok := store.AsFieldErrors(err)
			if !ok {
				t.Fatalf("ValidateTemplate = %v, want field errors", err)
			}
			if len(fe) != 1 || !strings.Contains(fe[tc.field], tc.contains) {
				t.Fatalf("field errors = %v, want only %s containing %q", fe, tc.field, tc.contains)
			}
		})
	}
}

func TestValidateTemplateReportsBlockAndPartErrorsTogether(t *testing.T) {
	tpl := Template{Name: "", Subject: "Hi", HTML: "<p>x</p>", RecCount: 99}
	fe, ok := store.AsFieldErrors(ValidateTemplate(tpl))
	if !ok || fe["name"] == "" || fe["rec_count"] == "" {
		t.Fatalf("field errors = %v, want name and rec_count", fe)
	}
}

func TestTemplatesStoreTheRecommendationBlock(t *testing.T) {
	ctx := context.Background()
	s := &Templates{DB: store.OpenTest(t), Now: tplTestClock()}

	plain, err := s.Create(ctx, tplTestTemplate("Plain"))
	if err != nil {
		t.Fatal(err)
	}
	if plain.RecAlgorithm != "best" || plain.RecCount != 4 || plain.RecRules != "{}" {
		t.Errorf("a template saved without block settings = %q, %d, %q; want best, 4, {}", plain.RecAlgorithm, plain.RecCount, plain.RecRules)
	}

	in := tplTestTemplate("Picks")
	in.RecAlgorithm, in.RecCount = "item-to-item", 6
	in.RecRules = `{ "max_per_category": 1, "categories": ["Bags", "Shirts"], "include_bought": false }`
	created, err := s.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"categories":["Bags","Shirts"],"max_per_category":1}`
	got, err := s.Get(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.RecAlgorithm != "item-to-item" || got.RecCount != 6 || got.RecRules != want {
		t.Errorf("Get = %q, %d, %q; want item-to-item, 6, %s (compact, defaults left out)", got.RecAlgorithm, got.RecCount, got.RecRules, want)
	}

	edit := got
	edit.RecAlgorithm, edit.RecCount, edit.RecRules = "popularity", 2, `{"include_out_of_stock":true,"min_price":5}`
	if _, err := s.Update(ctx, got.ID, edit); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var updated Template
	for _, x := range list {
		if x.ID == got.ID {
			updated = x
		}
	}
	if updated.RecAlgorithm != "popularity" || updated.RecCount != 2 || updated.RecRules != `{"include_out_of_stock":true,"min_price":5}` {
		t.Errorf("List after Update = %q, %d, %q", updated.RecAlgorithm, updated.RecCount, updated.RecRules)
	}

	bad := edit
	bad.RecRules = `{"min_price":50,"max_price":10}`
	if _, err := s.Update(ctx, got.ID, bad); err == nil {
		t.Fatal("Update with an upside-down price range succeeded")
	}
	again, _ := s.Get(ctx, got.ID)
	if again.RecRules != updated.RecRules {
		t.Errorf("a refused update changed the rules to %q", again.RecRules)
	}
}

func TestTemplatesWrittenByOlderCodeReadWithTheDefaults(t *testing.T) {
	f := newFixture(t)
	id := f.template("Old", "Hi", "<p>Hi</p>", "")
	got, err := (&Templates{DB: f.db}).Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.RecAlgorithm != "best" || got.RecCount != 4 || got.RecRules != "{}" {
		t.Fatalf("a row inserted without the block columns = %q, %d, %q", got.RecAlgorithm, got.RecCount, got.RecRules)
	}
}
