package campaigns

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The -update flag rewrites golden files. It is defined only when no other test file of
// the package has defined it already, and read through flag.Lookup.
var _ = defineFlagOnce("update", "rewrite golden files in testdata")

func defineFlagOnce(name, usage string) bool {
	if flag.Lookup(name) == nil {
		flag.Bool(name, false, usage)
	}
	return true
}

// updateGolden tells whether the test run was asked to rewrite golden files.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func TestRenderGolden(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "render", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// spring.html marks where a marketer would paste the recommendation block.
	html := strings.Replace(read("spring.html"), "{{RECS}}", DefaultRecommendationBlockHTML, 1)
	gold := SampleRenderData()
	plain := SampleRenderData()
	plain.Customer.FirstName = ""
	plain.Customer.Attributes = nil
	plain.Recommendations = plain.Recommendations[:1]
	cases := []struct {
		name   string
		tpl    Template
		data   RenderData
		golden string
	}{
		{"a gold customer gets the full email", Template{Name: "spring", Subject: "{{.Customer.FirstName}}, spring is here", HTML: html, Text: read("spring.txt")}, gold, "spring_gold.golden"},
		{"a customer without name or plan gets the fallbacks", Template{Name: "spring", Subject: "{{.Customer.FirstName | default \"Hello\"}}, spring is here", HTML: html, Text: read("spring.txt")}, plain, "spring_plain.golden"},
		{"a template without a text part gets one derived from the HTML", Template{Name: "spring", Subject: "Spring is here", HTML: html}, gold, "spring_derived_text.golden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidateTemplate(tc.tpl); err != nil {
				t.Fatalf("ValidateTemplate: %v", err)
			}
			m, err := Render(tc.tpl, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			got := "Subject: " + m.Subject + "\n--- html ---\n" + m.HTML + "\n--- text ---\n" + m.Text
			path := filepath.Join("testdata", "render", tc.golden)
			if updateGolden() {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestRenderGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("rendered email differs from %s (run with -update and review the diff):\n%s", path, firstDifference(string(want), got))
			}
		})
	}
}

// firstDifference shows the first line where want and got part.
func firstDifference(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n want: %s\n  got: %s", i+1, w, g)
		}
	}
	return "(no line differs)"
}
