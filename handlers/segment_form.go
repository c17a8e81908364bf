package handlers

import (
	"encoding/json"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// The rule editor posts a tree of nodes. A node's id is its path: "n" is the top group,
// "n_2" its third condition, "n_2_0" the first condition of that nested group. Each node
// posts ID.kind (group, field, behaviour or segment) and the inputs of its kind: ID.match
// for groups; ID.field, ID.attr, ID.type, ID.op, ID.value for fields; ID.did, ID.event,
// ID.product, ID.category, ID.min, ID.max, ID.minvalue, ID.days, ID.from, ID.to for
// behaviour; ID.segment and ID.include for segment membership.

// segmentForm is the editor's state as the browser posts it.
type segmentForm struct {
	Name, Description, Mode, JSON string
	Root                          *templates.RuleNode
}

const rootID = "n"

var nodeIDPattern = regexp.MustCompile(`^n(_[0-9]{1,3}){0,5}$`)

func parseSegmentForm(form url.Values) segmentForm {
	f := segmentForm{Name: strings.TrimSpace(form.Get("name")), Description: strings.TrimSpace(form.Get("description")),
		Mode: form.Get("mode"), JSON: form.Get("rules_json")}
	if f.Mode != "json" {
		f.Mode = "builder"
	}
	nodes := map[string]*templates.RuleNode{}
	var ids []string
	for key := range form {
		id, ok := strings.CutSuffix(key, ".kind")
		if ok && nodeIDPattern.MatchString(id) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return lessPath(ids[i], ids[j]) })
	get := func(id, name string) string { return strings.TrimSpace(form.Get(id + "." + name)) }
	for _, id := range ids {
		n := &templates.RuleNode{ID: id, Kind: get(id, "kind"), Match: get(id, "match"), Field: get(id, "field"), Attr: get(id, "attr"),
			Type: get(id, "type"), Op: get(id, "op"), Value: get(id, "value"), Did: get(id, "did"), Event: get(id, "event"),
			Product: get(id, "product"), Category: get(id, "category"), Min: get(id, "min"), Max: get(id, "max"),
			MinValue: get(id, "minvalue"), Days: get(id, "days"), From: get(id, "from"), To: get(id, "to"),
			Segment: get(id, "segment"), Include: get(id, "include")}
		nodes[id] = n
		if id == rootID {
			n.Kind = "group"
			continue
		}
		if parent := nodes[id[:strings.LastIndex(id, "_")]]; parent != nil && parent.Kind == "group" {
			parent.Children = append(parent.Children, n)
		}
	}
	f.Root = nodes[rootID]
	if f.Root == nil {
		f.Root = &templates.RuleNode{ID: rootID, Kind: "group", Match: "all"}
	}
	renumber(f.Root)
	return f
}

// lessPath orders node ids by their numeric path, so n_10 comes after n_9.
func lessPath(a, b string) bool {
	pa, pb := strings.Split(a, "_"), strings.Split(b, "_")
	for i := 1; i < len(pa) && i < len(pb); i++ {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}

// renumber gives the tree contiguous ids again after rows were added or removed.
func renumber(n *templates.RuleNode) {
	for i, c := range n.Children {
		c.ID = n.ID + "_" + strconv.Itoa(i)
		renumber(c)
	}
}

// find returns the node with the given id.
func find(n *templates.RuleNode, id string) *templates.RuleNode {
	if n.ID == id {
		return n
	}
	for _, c := range n.Children {
		if found := find(c, id); found != nil {
			return found
		}
	}
	return nil
}

// apply performs an editor action ("add_field:n_1", "remove:n_0_2", ...) on the tree.
func (f *segmentForm) apply(op string) {
	verb, id, _ := strings.Cut(op, ":")
	target := find(f.Root, id)
	if target == nil {
		return
	}
	switch verb {
	case "add_field", "add_behaviour", "add_group", "add_segment":
		if target.Kind != "group" {
			return
		}
		target.Children = append(target.Children, newNode(strings.TrimPrefix(verb, "add_")))
	case "remove":
		if id == rootID {
			return
		}
		parent := find(f.Root, id[:strings.LastIndex(id, "_")])
		for i, c := range parent.Children {
			if c.ID == id {
				parent.Children = append(parent.Children[:i], parent.Children[i+1:]...)
				break
			}
		}
	}
	renumber(f.Root)
}

func newNode(kind string) *templates.RuleNode {
	switch kind {
	case "behaviour":
		return &templates.RuleNode{Kind: kind, Did: "true", Event: "purchase", Min: "1", Days: "30"}
	case "group":
		return &templates.RuleNode{Kind: kind, Match: "any", Children: []*templates.RuleNode{{Kind: "field", Field: "country", Op: "eq"}}}
	case "segment":
		return &templates.RuleNode{Kind: kind, Include: "true"}
	}
	return &templates.RuleNode{Kind: "field", Field: "country", Op: "eq"}
}

// rules turns the form into a rule tree; problems come back keyed by node id or by
// "rules_json".
func (f segmentForm) rules() (segments.Rules, error) {
	if f.Mode == "json" {
		r, err := segments.ParseRules([]byte(f.JSON))
		if fe, ok := store.AsFieldErrors(err); ok {
			return r, store.FieldErrors{"rules_json": fe.Error()}
		}
		return r, err
	}
	data, _ := json.Marshal(toRules(f.Root, fieldTypes()))
	r, err := segments.ParseRules(data)
	if fe, ok := store.AsFieldErrors(err); ok {
		byNode := store.FieldErrors{}
		for path, msg := range fe {
			byNode.Add(nodeForPath(path), msg)
		}
		return r, byNode
	}
	return r, err
}

func toRules(g *templates.RuleNode, types map[string]string) segments.Rules {
	r := segments.Rules{Match: g.Match, Conditions: []segments.Condition{}}
	if r.Match != "any" {
		r.Match = "all"
	}
	for _, n := range g.Children {
		r.Conditions = append(r.Conditions, toCondition(n, types))
	}
	return r
}

func toCondition(n *templates.RuleNode, types map[string]string) segments.Condition {
	switch n.Kind {
	case "group":
		g := toRules(n, types)
		return segments.Condition{Group: &g}
	case "behaviour":
		b := &segments.Behaviour{Event: n.Event, Product: n.Product, Category: n.Category, MinCount: atoiOr(n.Min, 0), From: n.From, To: n.To}
		if n.Did == "false" {
			no := false
			b.Did = &no
		}
		if n.Max != "" {
			m := atoiOr(n.Max, -1)
			b.MaxCount = &m
		}
		if n.MinValue != "" {
			v, err := strconv.ParseFloat(n.MinValue, 64)
			if err != nil {
				v = -1
			}
			b.MinValue = &v
		}
		if n.From == "" && n.To == "" {
			b.Days = atoiOr(n.Days, 0)
		}
		return segments.Condition{Behaviour: b}
	case "segment":
		id, _ := strconv.ParseInt(n.Segment, 10, 64)
		inc := n.Include != "false"
		return segments.Condition{Segment: &segments.SegmentRef{ID: id, Include: &inc}}
	}
	name, typ := n.Field, types[n.Field]
	c := segments.Condition{Field: name, Op: n.Op}
	if name == segments.AttrPrefix {
		c.Field = name + n.Attr
		if n.Type != "" && n.Type != "text" {
			c.Type, typ = n.Type, n.Type
		}
	}
	c.Value = valueJSON(typ, n.Op, n.Value)
	return c
}

var pathPart = regexp.MustCompile(`conditions\[(\d+)\]`)

// nodeForPath maps a rule path ("conditions[2].group.conditions[0].op") to the editor
// node it is about ("n_2_0").
func nodeForPath(path string) string {
	id := rootID
	for _, m := range pathPart.FindAllStringSubmatch(path, -1) {
		id += "_" + m[1]
	}
	return id
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
	list := func() []string { return splitList(v) }
	switch op {
	case "is_empty", "not_empty", "is_true", "is_false":
		return nil
	case "in", "not_in":
		if typ == segments.TypeNumber {
			var nums []float64
			for _, p := range list() {
				n, err := strconv.ParseFloat(p, 64)
				if err != nil {
					return enc(list())
				}
				nums = append(nums, n)
			}
			return enc(nums)
		}
		return enc(list())
	case "between":
		parts := list()
		if len(parts) == 2 && typ != segments.TypeDate {
			a, err1 := strconv.ParseFloat(parts[0], 64)
			b, err2 := strconv.ParseFloat(parts[1], 64)
			if err1 == nil && err2 == nil {
				return enc([]float64{a, b})
			}
		}
		if len(parts) == 2 {
			return enc(parts)
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

// formFromSegment fills the editor from stored rules.
func formFromSegment(s segments.Segment) segmentForm {
	f := segmentForm{Name: s.Name, Description: s.Description, Mode: "builder"}
	pretty, _ := json.MarshalIndent(s.Rules, "", "  ")
	f.JSON = string(pretty)
	f.Root = fromRules(s.Rules)
	f.Root.ID = rootID
	renumber(f.Root)
	return f
}

func fromRules(r segments.Rules) *templates.RuleNode {
	g := &templates.RuleNode{Kind: "group", Match: r.Match}
	for _, c := range r.Conditions {
		g.Children = append(g.Children, fromCondition(c))
	}
	return g
}

func fromCondition(c segments.Condition) *templates.RuleNode {
	switch {
	case c.Group != nil:
		return fromRules(*c.Group)
	case c.Behaviour != nil:
		b := c.Behaviour
		n := &templates.RuleNode{Kind: "behaviour", Did: "true", Event: b.Event, Product: b.Product, Category: b.Category,
			From: b.From, To: b.To}
		if b.Did != nil && !*b.Did {
			n.Did = "false"
		}
		if b.MinCount > 0 {
			n.Min = strconv.Itoa(b.MinCount)
		}
		if b.MaxCount != nil {
			n.Max = strconv.Itoa(*b.MaxCount)
		}
		if b.MinValue != nil {
			n.MinValue = strconv.FormatFloat(*b.MinValue, 'f', -1, 64)
		}
		if b.Days > 0 {
			n.Days = strconv.Itoa(b.Days)
		}
		return n
	case c.Segment != nil:
		n := &templates.RuleNode{Kind: "segment", Segment: strconv.FormatInt(c.Segment.ID, 10), Include: "true"}
		if c.Segment.Include != nil && !*c.Segment.Include {
			n.Include = "false"
		}
		return n
	}
	n := &templates.RuleNode{Kind: "field", Field: c.Field, Op: c.Op, Value: valueText(c.Value), Type: c.Type}
	if a, ok := strings.CutPrefix(c.Field, segments.AttrPrefix); ok {
		n.Field, n.Attr = segments.AttrPrefix, a
	}
	return n
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
