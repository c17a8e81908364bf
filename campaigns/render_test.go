package campaigns

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/persona-app/persona/store"
)

func TestRenderEscapesHTMLButNotTextOrSubject(t *testing.T) {
	d := SampleRenderData()
	d.Customer.FirstName = `<script>alert(1)</script>`
	d.Recommendations[0].URL = "javascript:alert(1)"
	tpl := Template{
		Subject: "Hi {{.Customer.FirstName}}",
		HTML:    `<p title="{{.Customer.FirstName}}">Hi {{.Customer.FirstName}}</p>{{range .Recommendations}}<a href="{{.URL}}">{{.Name}}</a>{{end}}`,
		Text:    "Hi {{.Customer.FirstName}}",
	}
	m, err := Render(tpl, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") {
		t.Errorf("HTML contains the raw script tag: %s", m.HTML)
	}
	if !strings.Contains(m.HTML, "Hi &lt;script&gt;alert(1)&lt;/script&gt;</p>") {
		t.Errorf("HTML text not escaped: %s", m.HTML)
	}
	if !strings.Contains(m.HTML, `title="&lt;script&gt;alert(1)&lt;/script&gt;"`) {
		t.Errorf("HTML attribute not escaped: %s", m.HTML)
	}
	if !strings.Contains(m.HTML, `<a href="#ZgotmplZ">Linen Shirt</a>`) {
		t.Errorf("javascript: URL not neutralised: %s", m.HTML)
	}
	if m.Text != "Hi <script>alert(1)</script>" {
		t.Errorf("Text = %q, want the name as written", m.Text)
	}
	if m.Subject != "Hi <script>alert(1)</script>" {
		t.Errorf("Subject = %q, want the name as written", m.Subject)
	}
}

func TestRenderFallbacks(t *testing.T) {
	tpl := Template{Subject: "{{.Customer.FirstName | default \"Hello\"}}", HTML: `Hi {{.Customer.FirstName | default "there"}}, {{title (.Customer.City | default "your city")}}`}
	cases := []struct {
		name, first, city, wantHTML, wantSubject string
	}{
		{"a known first name is used", "Emma", "berlin", "Hi Emma, Berlin", "Emma"},
		{"an empty first name falls back", "", "", "Hi there, Your City", "Hello"},
		{"a blank first name falls back", "   ", "paris", "Hi there, Paris", "Hello"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := SampleRenderData()
			d.Customer.FirstName, d.Customer.City = tc.first, tc.city
			m, err := Render(tpl, d)
			if err != nil {
				t.Fatal(err)
			}
			if m.HTML != tc.wantHTML || m.Subject != tc.wantSubject {
				t.Errorf("got %q / %q, want %q / %q", m.HTML, m.Subject, tc.wantHTML, tc.wantSubject)
			}
		})
	}
}

func TestRenderConditionals(t *testing.T) {
	tpl := Template{Subject: "s", HTML: `{{if eq .Customer.Attributes.plan "gold"}}Gold perks{{else if .Customer.Attributes.plan}}{{title .Customer.Attributes.plan}} plan{{else}}Join us{{end}}|{{with .Recommendations}}{{len .}} picks{{else}}no picks{{end}}`}
	cases := []struct {
		name string
		plan string
		recs bool
		want string
	}{
		{"a gold customer with picks sees the gold branch", "gold", true, "Gold perks|3 picks"},
		{"a silver customer sees the plan branch", "silver", true, "Silver plan|3 picks"},
		{"a customer without a plan or picks sees both else branches", "", false, "Join us|no picks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := SampleRenderData()
			d.Customer.Attributes = map[string]string{}
			if tc.plan != "" {
				d.Customer.Attributes["plan"] = tc.plan
			}
			if !tc.recs {
				d.Recommendations = nil
			}
			m, err := Render(tpl, d)
			if err != nil {
				t.Fatal(err)
			}
			if m.HTML != tc.want {
				t.Errorf("HTML = %q, want %q", m.HTML, tc.want)
			}
		})
	}
}

func TestDefaultRecommendationBlock(t *testing.T) {
	tpl := Template{Name: "recs", Subject: "For you", HTML: "<p>Hi</p>\n" + DefaultRecommendationBlockHTML}
	if err := ValidateTemplate(tpl); err != nil {
		t.Fatalf("the default block does not validate: %v", err)
	}
	m, err := Render(tpl, SampleRenderData())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`<a href="https://shop.example.com/p/linen-shirt"><img src="https://shop.example.com/img/p-101.jpg" width="120" alt="Linen Shirt"`,
		">Leather Weekender Bag</a>", "€49.90", "€1,249.00", "€19.50",
		`<small style="color:#777777;">Often bought with Linen Shirt</small>`,
	} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("block lacks %q:\n%s", want, m.HTML)
		}
	}
	if n := strings.Count(m.HTML, "<tr>"); n != 4 {
		t.Errorf("block has %d rows, want a heading and 3 products", n)
	}
	d := SampleRenderData()
	d.Recommendations = nil
	m, err = Render(tpl, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(m.HTML) != "<p>Hi</p>" {
		t.Errorf("without recommendations the block should vanish, got %q", m.HTML)
	}
}

func TestRenderCaps(t *testing.T) {
	t.Run("output past 512 KiB stops with ErrRenderTooLarge", func(t *testing.T) {
		d := SampleRenderData()
		d.Recommendations = make([]RecItem, 600)
		for i := range d.Recommendations {
			d.Recommendations[i].Name = strings.Repeat("x", 1000)
		}
		_, err := Render(Template{Subject: "s", HTML: `{{range .Recommendations}}{{.Name}}{{end}}`}, d)
		var re *RenderError
		if !errors.Is(err, ErrRenderTooLarge) || !errors.As(err, &re) || re.Part != "html" {
			t.Fatalf("err = %v, want ErrRenderTooLarge on html", err)
		}
		if !strings.Contains(re.Msg, "larger than 512 KiB") {
			t.Errorf("message = %q", re.Msg)
		}
	})
	t.Run("rendering past 200 ms stops with ErrRenderTimeout", func(t *testing.T) {
		d := SampleRenderData()
		d.Recommendations = make([]RecItem, 400)
		// 400³ loop steps take seconds; the outer write fails as soon as time is up.
		tpl := Template{Subject: "s", HTML: `{{range .Recommendations}}.{{range $.Recommendations}}{{range $.Recommendations}}{{end}}{{end}}{{end}}`}
		start := time.Now()
		_, err := Render(tpl, d)
		took := time.Since(start)
		if !errors.Is(err, ErrRenderTimeout) {
			t.Fatalf("err = %v, want ErrRenderTimeout", err)
		}
		if took < maxRenderTime || took > maxRenderTime+time.Second {
			t.Errorf("Render returned after %s, want just over %s", took, maxRenderTime)
		}
	})
	t.Run("a template within the limits renders", func(t *testing.T) {
		d := SampleRenderData()
		d.Recommendations = make([]RecItem, 400)
		if _, err := Render(Template{Subject: "s", HTML: `{{range .Recommendations}}{{.Name}}.{{end}}`}, d); err != nil {
			t.Fatal(err)
		}
	})
}

func TestValidateTemplateMessages(t *testing.T) {
	ok := Template{Name: "Welcome", Subject: "Hi {{.Customer.FirstName}}", HTML: "<p>Hi</p>", Text: "Hi"}
	cases := []struct {
		name  string
		edit  func(*Template)
		field string
		want  string
	}{
		{"an unknown field names the line and the fields that exist", func(t *Template) { t.HTML = "<p>\nHello\n{{.Customer.Frist_name}}</p>" },
			"html", `html, line 3: unknown field "Frist_name" — available: Customer.FirstName, Customer.LastName, `},
		{"an unknown field at the top suggests the customer field", func(t *Template) { t.HTML = "{{.FirstName}}" },
			"html", `html, line 1: unknown field "FirstName" — available: Customer.FirstName, `},
		{"an unknown field inside a range lists the product fields", func(t *Template) { t.HTML = "{{range .Recommendations}}\n{{.Title}}{{end}}" },
			"html", `html, line 2: unknown field "Title" — available: `},
		{"an unknown field in a branch the sample never takes is still found", func(t *Template) {
			t.HTML = "{{if .Customer.Attributes.never}}\n\n{{.Customer.Nope}}{{end}}"
		}, "html", `html, line 3: unknown field "Nope"`},
		{"an if without end names the line it opens on", func(t *Template) { t.HTML = "a\nb\nc\nd\ne\nf\n{{if .Customer.FirstName}}\nHi\n\n" },
			"html", "html, line 7: {{if}} is never closed with {{end}}"},
		{"a range without end inside a closed if names the range", func(t *Template) {
			t.HTML = "{{if .Customer.City}}x{{end}}\n{{range .Recommendations}}\n{{.Name}}"
		}, "html", "html, line 2: {{range}} is never closed with {{end}}"},
		{"an end without a block is reported", func(t *Template) { t.HTML = "a\n{{end}}" },
			"html", "html, line 2: {{end}} has no matching {{if}}, {{range}} or {{with}}"},
		{"an unknown function is reported", func(t *Template) { t.HTML = "a\n\n{{shout .Customer.FirstName}}" },
			"html", `html, line 3: unknown function "shout" — available: default, upper`},
		{"an unclosed action is reported", func(t *Template) { t.HTML = "a\n{{.Customer.FirstName" },
			"html", "html, line 2: {{ is never closed with }}"},
		{"an unfinished attribute is reported", func(t *Template) { t.HTML = `<a href="{{.Customer.Email}}` },
			"html", "html: the HTML ends inside an unfinished tag, attribute or comment"},
		{"an error in the subject is filed under subject", func(t *Template) { t.Subject = "Hi {{.Customer.FirstNam}}" },
			"subject", `subject, line 1: unknown field "FirstNam" — available: Customer.FirstName`},
		{"an error in the text part is filed under text", func(t *Template) { t.Text = "Hi\n{{if}}{{end}}" },
			"text", "text, line 2: {{if}} needs a value to test"},
		{"a second plain else is reported", func(t *Template) { t.HTML = "{{if .Customer.City}}a\n{{else}}b\n{{else}}c{{end}}" },
			"html", "html, line 3: this {{else}} comes after another plain {{else}}"},
		{"a missing name is reported", func(t *Template) { t.Name = " " }, "name", "give the template a name"},
		{"a missing subject is reported", func(t *Template) { t.Subject = "" }, "subject", "write a subject line"},
		{"a missing HTML part is reported", func(t *Template) { t.HTML = "\n" }, "html", "write the HTML part of the email"},
		{"an oversized HTML part is reported", func(t *Template) { t.HTML = strings.Repeat("x", 300<<10) }, "html", "longer than 256 KiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tpl := ok
			tc.edit(&tpl)
			err := ValidateTemplate(tpl)
			fe, isFE := store.AsFieldErrors(err)
			if !isFE {
				t.Fatalf("ValidateTemplate = %v, want FieldErrors", err)
			}
			if !strings.HasPrefix(fe[tc.field], tc.want) && !strings.Contains(fe[tc.field], tc.want) {
				t.Errorf("%s = %q\nwant %q", tc.field, fe[tc.field], tc.want)
			}
		})
	}
	t.Run("a good template validates", func(t *testing.T) {
		if err := ValidateTemplate(ok); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the unknown field message starts with the field the marketer meant", func(t *testing.T) {
		tpl := ok
		tpl.HTML = "<p>\nHello\n{{.Customer.Frist_name}}</p>"
		fe, _ := store.AsFieldErrors(ValidateTemplate(tpl))
		if !strings.HasPrefix(fe["html"], `html, line 3: unknown field "Frist_name" — available: Customer.FirstName, Customer.LastName, `) {
			t.Errorf("html = %q", fe["html"])
		}
		for _, f := range []string{"Customer.Email", "Customer.Attributes.<name>", "Recommendations", "UnsubscribeURL", "Campaign"} {
			if !strings.Contains(fe["html"], f) {
				t.Errorf("the list lacks %s: %q", f, fe["html"])
			}
		}
	})
}

func TestRenderDerivesTextFromHTMLWhenTheTemplateHasNone(t *testing.T) {
	tpl := Template{Subject: "  Spring\n  is  here ", HTML: `<html><head><title>x</title><style>p{color:red}</style></head><body>
<h1>Hello {{.Customer.FirstName}}</h1><p>New in:<br><a href="https://shop.example.com/new">see the collection</a></p>
<ul><li>Linen</li><li>Wool &amp; silk</li></ul><img src="x.png" alt="Logo"><script>var a=1;</script></body></html>`}
	m, err := Render(tpl, SampleRenderData())
	if err != nil {
		t.Fatal(err)
	}
	want := "Hello Emma\n\nNew in:\nsee the collection (https://shop.example.com/new)\n\n- Linen\n- Wool & silk\n\nLogo\n"
	if m.Text != want {
		t.Errorf("Text =\n%q\nwant\n%q", m.Text, want)
	}
	if m.Subject != "Spring is here" {
		t.Errorf("Subject = %q, want one line", m.Subject)
	}
}

func TestRenderReusesTheCompiledTemplateSafelyAcrossGoroutines(t *testing.T) {
	tpl := Template{Subject: "Hi {{.Customer.FirstName}}", HTML: "<b>{{.Customer.FirstName}}</b>" + DefaultRecommendationBlockHTML}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			d := SampleRenderData()
			d.Customer.FirstName = fmt.Sprintf("n%d", i)
			m, err := Render(tpl, d)
			if err == nil && !strings.HasPrefix(m.HTML, "<b>"+d.Customer.FirstName+"</b>") {
				err = fmt.Errorf("goroutine %d got %q", i, m.HTML[:20])
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestExecErrorTranslatesGoTemplateErrors(t *testing.T) {
	// The sandbox catches these before execution; execError is the safety net for what
	// only shows at run time, so feed it Go's own errors.
	run := func(src string, data any) error {
		tmpl := template.Must(template.New("html").Funcs(renderFuncs).Parse(src))
		return tmpl.Execute(new(strings.Builder), data)
	}
	cases := []struct {
		name, src string
		data      any
		want      string
	}{
		{"an unknown field lists the fields of its type", "a\n{{.Customer.Frist_name}}", SampleRenderData(),
			`html, line 2: unknown field "Frist_name" — available: FirstName, LastName, `},
		{"a wrong number of values shows how to call the function", "{{money 1.0}}", nil,
			"html, line 1: money needs 2 value(s), got 1 — write it like {{money .Price .Currency}}"},
		{"a failing function keeps its own words", `{{money "cheap" "EUR"}}`, nil,
			`html, line 1: money: the price must be a number, got "cheap"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := run(tc.src, tc.data)
			if err == nil {
				t.Fatal("the template did not fail")
			}
			if got := execError("html", err).Error(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// BenchmarkRender renders the golden spring email (HTML with the recommendation block,
// text part) for one recipient, with the compiled template cached as in a run.
func BenchmarkRender(b *testing.B) {
	tpl := Template{Subject: "{{.Customer.FirstName}}, spring is here", Text: "Hi {{.Customer.FirstName}}\n{{range .Recommendations}}- {{.Name}} {{money .Price .Currency}}\n{{end}}",
		HTML: "<h1>Hello {{.Customer.FirstName | default \"there\"}}</h1>\n" + DefaultRecommendationBlockHTML}
	d := SampleRenderData()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Render(tpl, d); err != nil {
			b.Fatal(err)
		}
	}
}
