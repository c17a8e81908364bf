package campaigns

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// RenderError is a problem with one part of a template ("subject", "html" or "text"), worded
// for the marketer who wrote it.
type RenderError struct {
	Part string
	// Line is the 1-based line in the part, or 0 when the problem has no single line.
	Line int
	Msg  string
	// Err is the cause, when there is one: ErrRenderTooLarge, ErrRenderTimeout or Go's error.
	Err error
}

// Error reads "html, line 3: unknown field ...".
func (e *RenderError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s, line %d: %s", e.Part, e.Line, e.Msg)
	}
	return e.Part + ": " + e.Msg
}

// Unwrap returns the cause.
func (e *RenderError) Unwrap() error { return e.Err }

// lineFromLocation reads the line out of "name:line:col" or "name:line".
func lineFromLocation(loc string) int {
	parts := strings.Split(loc, ":")
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}

var (
	// parseErrRe matches "template: html:7: unexpected EOF".
	parseErrRe = regexp.MustCompile(`^template: [^:]+:(\d+): (.*)$`)
	// execErrRe matches `template: html:2:11: executing "html" at <.X>: message`.
	execErrRe  = regexp.MustCompile(`^template: [^:]+:(\d+):\d+: executing "[^"]*" at <(.*?)>: (.*)$`)
	noFuncRe   = regexp.MustCompile(`^function "([^"]+)" not defined$`)
	noFieldRe  = regexp.MustCompile(`^can't evaluate field (\S+) in type (\S+)$`)
	wrongArgRe = regexp.MustCompile(`^wrong number of args for (\S+): want (\d+) got (\d+)$`)
)

// parseError turns Go's parse error into words; src is the part's source, used to find
// the block an unexpected end of file left open.
func parseError(part, src string, err error) *RenderError {
	m := parseErrRe.FindStringSubmatch(err.Error())
	if m == nil {
		return &RenderError{Part: part, Msg: err.Error(), Err: err}
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	switch {
	case msg == "unexpected EOF":
		if kw, at := unclosedBlock(src); kw != "" {
			line, msg = at, fmt.Sprintf("{{%s}} is never closed with {{end}}", kw)
		} else {
			msg = "the template ends in the middle of an {{action}}"
		}
	case msg == "unexpected {{end}}":
		msg = "{{end}} has no matching {{if}}, {{range}} or {{with}}"
	case msg == "expected end; found {{else}}":
		msg = "this {{else}} comes after another plain {{else}}; use {{else if …}} for more branches"
	case strings.HasPrefix(msg, "unexpected {{else}}"):
		msg = "{{else}} must sit between {{if}}, {{range}} or {{with}} and its {{end}}"
	case msg == "unclosed action" || strings.HasPrefix(msg, "unclosed action"):
		msg = "{{ is never closed with }}"
	case strings.HasPrefix(msg, "missing value for "):
		kw := strings.TrimPrefix(msg, "missing value for ")
		msg = fmt.Sprintf("{{%s}} needs a value to test, like {{%s .Customer.FirstName}}", kw, kw)
	case noFuncRe.MatchString(msg):
		name := noFuncRe.FindStringSubmatch(msg)[1]
		msg = fmt.Sprintf("unknown function %q — available: %s", name, availableFuncs)
	case strings.HasPrefix(msg, "undefined variable "):
		msg = "unknown variable " + strings.TrimPrefix(msg, "undefined variable ")
	}
	return &RenderError{Part: part, Line: line, Msg: msg, Err: err}
}

// execError turns an error from executing a template into words.
func execError(part string, err error) *RenderError {
	var he *htmltemplate.Error
	if errors.As(err, &he) {
		return &RenderError{Part: part, Line: he.Line, Msg: escapeErrorText(he), Err: err}
	}
	m := execErrRe.FindStringSubmatch(err.Error())
	if m == nil {
		return &RenderError{Part: part, Msg: err.Error(), Err: err}
	}
	line, _ := strconv.Atoi(m[1])
	at, msg := m[2], m[3]
	switch {
	case noFieldRe.MatchString(msg):
		f := noFieldRe.FindStringSubmatch(msg)
		msg = fmt.Sprintf("unknown field %q — available: %s", f[1], strings.Join(availableFieldsOf(f[2], f[1]), ", "))
	case wrongArgRe.MatchString(msg):
		f := wrongArgRe.FindStringSubmatch(msg)
		msg = fmt.Sprintf("%s needs %s value(s), got %s — write it like %s", f[1], f[2], f[3], renderFuncUsage[f[1]])
	case strings.HasPrefix(msg, "error calling "):
		msg = strings.TrimPrefix(msg, "error calling ")
	default:
		msg = fmt.Sprintf("%s at {{%s}}", msg, at)
	}
	return &RenderError{Part: part, Line: line, Msg: msg, Err: err}
}

// escapeErrorText words html/template's contextual-escaping errors.
func escapeErrorText(e *htmltemplate.Error) string {
	switch e.ErrorCode {
	case htmltemplate.ErrEndContext:
		return "the HTML ends inside an unfinished tag, attribute or comment (look for a missing quote or >)"
	case htmltemplate.ErrAmbigContext:
		return "a {{field}} sits in an ambiguous place inside a URL; put it in a whole attribute value"
	case htmltemplate.ErrBadHTML:
		return "broken HTML near a {{field}}: " + e.Description
	case htmltemplate.ErrBranchEnd:
		return "the branches of an {{if}} or {{range}} leave the HTML in different states (an unclosed tag or quote in one branch)"
	case htmltemplate.ErrPartialCharset, htmltemplate.ErrPartialEscape:
		return "a {{field}} sits inside a character entity or escape sequence"
	case htmltemplate.ErrRangeLoopReentry:
		return "a {{range}} leaves the HTML in a different state than it started (an unclosed tag or quote in the loop)"
	}
	return e.Description
}

// unclosedBlock finds the innermost {{if}}, {{range}}, {{with}}, {{define}} or {{block}} left
// without its {{end}}, and the line it starts on.
func unclosedBlock(src string) (keyword string, line int) {
	type open struct {
		kw   string
		line int
	}
	var stack []open
	for _, loc := range actionRe.FindAllStringSubmatchIndex(src, -1) {
		kw := src[loc[2]:loc[3]]
		switch kw {
		case "if", "range", "with", "define", "block":
			stack = append(stack, open{kw, 1 + strings.Count(src[:loc[0]], "\n")})
		case "end":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	if len(stack) == 0 {
		return "", 0
	}
	top := stack[len(stack)-1]
	return top.kw, top.line
}

// actionRe finds the first word of every action, skipping comments.
var actionRe = regexp.MustCompile(`\{\{-?\s*([a-z]+)\b`)

// availableFields lists the field paths readable from root, those next to the missing one
// (below parents) first, then by likeness to the name that was written.
func availableFields(root reflect.Type, parents []string, missing string) []string {
	paths := fieldPaths(root, "")
	prefix := strings.Join(parents, ".")
	if prefix != "" {
		prefix += "."
	}
	want := normaliseName(missing)
	sort.SliceStable(paths, func(i, j int) bool {
		si, sj := strings.HasPrefix(paths[i], prefix), strings.HasPrefix(paths[j], prefix)
		if si != sj {
			return si
		}
		return editDistance(want, normaliseName(lastSegment(paths[i]))) < editDistance(want, normaliseName(lastSegment(paths[j])))
	})
	return paths
}

// availableFieldsOf serves execError, which only knows the type's name ("campaigns.RecItem").
func availableFieldsOf(typeName, missing string) []string {
	for _, t := range []reflect.Type{renderDataType, reflect.TypeFor[Recipient](), reflect.TypeFor[RecItem]()} {
		if t.String() == typeName {
			return availableFields(t, nil, missing)
		}
	}
	return []string{"(none)"}
}

// fieldPaths lists the readable leaves of t: Customer.FirstName, Customer.Attributes.<name>,
// Recommendations, …
func fieldPaths(t reflect.Type, prefix string) []string {
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		p := prefix + f.Name
		switch f.Type.Kind() {
		case reflect.Struct:
			out = append(out, fieldPaths(f.Type, p+".")...)
		case reflect.Map:
			out = append(out, p+".<name>")
		default:
			out = append(out, p)
		}
	}
	return out
}

func lastSegment(p string) string {
	p = strings.TrimSuffix(p, ".<name>")
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func normaliseName(s string) string {
	return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

func isNumberKind(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

// kindName names a type the way a marketer thinks of it.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a calculated value"
	}
	switch {
	case t.Kind() == reflect.String:
		return "text"
	case isNumberKind(t):
		return "a number"
	case t.Kind() == reflect.Bool:
		return "a yes/no value"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "a list"
	case t.Kind() == reflect.Map:
		return "a set of named values"
	case t.Kind() == reflect.Struct:
		return "a group of fields"
	}
	return "a value"
}

func displayPath(p string) string {
	if p == "" {
		return "."
	}
	return p
}
