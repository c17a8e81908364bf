package handlers

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// segmentForm is the rule editor's state as the browser posts it. Each condition row i
// has k{i} (field|behaviour) and, for a field row, f{i}, a{i} (attribute name), o{i}, v{i};
// for a behaviour row be{i}, bc{i}, bn{i}, bd{i}.
type segmentForm struct {
	Name, Description, Match, Mode, JSON string
	Rows                                 []templates.SegmentRow
}

var condPath = regexp.MustCompile(`^conditions\[(\d+)\]`)

func parseSegmentForm(form url.Values) segmentForm {
	f := segmentForm{Name: strings.TrimSpace(form.Get("name")), Description: strings.TrimSpace(form.Get("description")),
		Match: form.Get("match"), Mode: form.Get("mode"), JSON: form.Get("rules_json")}
	if f.Match != "any" {
		f.Match = "all"
	}
	if f.Mode != "json" {
		f.Mode = "builder"
	}
	n, _ := strconv.Atoi(form.Get("n"))
	n = min(max(n, 0), 200)
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		row := templates.SegmentRow{Kind: form.Get("k" + s), Field: form.Get("f" + s), Attr: strings.TrimSpace(form.Get("a" + s)), Op: form.Get("o" + s),
			Value: strings.TrimSpace(form.Get("v" + s)), Event: strings.TrimSpace(form.Get("be" + s)), Category: strings.TrimSpace(form.Get("bc" + s)),
			MinCount: strings.TrimSpace(form.Get("bn" + s)), Days: strings.TrimSpace(form.Get("bd" + s))}
		if row.Kind != "behaviour" {
			row.Kind = "field"
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

// rules turns the form into a rule tree; problems come back keyed by row ("conditions[2]")
// or by "rules_json".
func (f segmentForm) rules() (segments.Rules, error) {
	if f.Mode == "json" {
		r, err := segments.ParseRules([]byte(f.JSON))
		if fe, ok := store.AsFieldErrors(err); ok {
			return r, store.FieldErrors{"rules_json": fe.Error()}
		}
		return r, err
	}
	r := segments.Rules{Match: f.Match, Conditions: []segments.Condition{}}
	types := fieldTypes()
	for _, row := range f.Rows {
		if row.Kind == "behaviour" {
			r.Conditions = append(r.Conditions, segments.Condition{Behaviour: &segments.Behaviour{
				Event: row.Event, Category: row.Category, MinCount: atoiOr(row.MinCount, -1), Days: atoiOr(row.Days, -1)}})
			continue
		}
		name := row.Field
		if name == segments.AttrPrefix {
			name += row.Attr
		}
		r.Conditions = append(r.Conditions, segments.Condition{Field: name, Op: row.Op, Value: valueJSON(types[row.Field], row.Op, row.Value)})
	}
	data, _ := json.Marshal(r)
	return segments.ParseRules(data)
}

// rowErrors maps rule-validation paths back to editor rows.
func rowErrors(err error) (map[int]string, string, bool) {
	fe, ok := store.AsFieldErrors(err)
	if !ok {
		return nil, "", false
	}
	rows := map[int]string{}
	general := ""
	for k, v := range fe {
		if m := condPath.FindStringSubmatch(k); m != nil {
			i, _ := strconv.Atoi(m[1])
			rows[i] = v
			continue
		}
		if general != "" {
			general += "; "
		}
		general += v
	}
	return rows, general, true
}

func fieldTypes() map[string]string {
	m := map[string]string{}
	for _, f := range segments.Fields() {
		m[f.Name] = f.Type
	}
	return m
}

// valueJSON encodes what the marketer typed as the JSON value the operator expects.
// Anything that does not parse is sent as a string so validation names the problem.
func valueJSON(typ, op, v string) json.RawMessage {
	enc := func(x any) json.RawMessage { b, _ := json.Marshal(x); return b }
	switch op {
	case "is_empty", "not_empty", "is_true", "is_false":
		return nil
	case "in":
		var list []string
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				list = append(list, p)
			}
		}
		return enc(list)
	case "between":
		parts := strings.Split(v, ",")
		if len(parts) == 2 {
			a, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
			b, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
			if err1 == nil && err2 == nil {
				return enc([]float64{a, b})
			}
		}
		return enc(v)
	case "within_days":
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return enc(n)
		}
		return enc(v)
	}
	if typ == segments.TypeNumber {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			return enc(n)
		}
	}
	return enc(v)
}

// formFromSegment fills the editor from stored rules; nested groups open the JSON mode.
func formFromSegment(s segments.Segment) segmentForm {
	f := segmentForm{Name: s.Name, Description: s.Description, Match: s.Rules.Match, Mode: "builder"}
	pretty, _ := json.MarshalIndent(s.Rules, "", "  ")
	f.JSON = string(pretty)
	for _, c := range s.Rules.Conditions {
		switch {
		case c.Group != nil:
			f.Mode, f.Rows = "json", nil
			return f
		case c.Behaviour != nil:
			b := c.Behaviour
			f.Rows = append(f.Rows, templates.SegmentRow{Kind: "behaviour", Event: b.Event, Category: b.Category,
				MinCount: strconv.Itoa(b.MinCount), Days: strconv.Itoa(b.Days)})
		default:
			row := templates.SegmentRow{Kind: "field", Field: c.Field, Op: c.Op, Value: valueText(c.Value)}
			if a, ok := strings.CutPrefix(c.Field, segments.AttrPrefix); ok {
				row.Field, row.Attr = segments.AttrPrefix, a
			}
			f.Rows = append(f.Rows, row)
		}
	}
	return f
}

func valueText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []any
	if json.Unmarshal(raw, &list) == nil {
		parts := make([]string, len(list))
		for i, x := range list {
			b, _ := json.Marshal(x)
			parts[i] = strings.Trim(string(b), `"`)
		}
		return strings.Join(parts, ", ")
	}
	return string(raw)
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
