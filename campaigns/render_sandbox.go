package campaigns

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"text/template/parse"
)

// The sandbox walks a parsed template before it is ever executed and allows only text,
// field chains on the data, variables, if/else/with/range over data, and calls to
// renderFuncs and sandboxBuiltins. It follows the type of dot through with and range, so an
// unknown field is reported with its line even inside a branch the sample data never takes.
// None of the data types have methods, so a field chain cannot call code.

// sandbox checks the trees of one template part.
type sandbox struct {
	part string
	tree *parse.Tree
}

// scope maps variable names to their static type; nil means "not known until run time".
type scope map[string]reflect.Type

var renderDataType = reflect.TypeFor[RenderData]()

// checkTree checks one parsed tree with dot and $ set to RenderData.
func checkTree(part string, tree *parse.Tree) error {
	s := sandbox{part: part, tree: tree}
	if tree.Root == nil {
		return nil
	}
	return s.list(tree.Root, renderDataType, scope{"$": renderDataType})
}

func (s sandbox) fail(n parse.Node, format string, args ...any) error {
	return &RenderError{Part: s.part, Line: s.line(n), Msg: fmt.Sprintf(format, args...)}
}

func (s sandbox) line(n parse.Node) int {
	loc, _ := s.tree.ErrorContext(n)
	return lineFromLocation(loc)
}

func (s sandbox) list(l *parse.ListNode, dot reflect.Type, vars scope) error {
	if l == nil {
		return nil
	}
	for _, n := range l.Nodes {
		if err := s.node(n, dot, vars); err != nil {
			return err
		}
	}
	return nil
}

func (s sandbox) node(n parse.Node, dot reflect.Type, vars scope) error {
	switch n := n.(type) {
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
		return nil
	case *parse.ActionNode:
		_, err := s.pipe(n.Pipe, dot, vars)
		return err
	case *parse.IfNode:
		inner := maps.Clone(vars)
		if _, err := s.pipe(n.Pipe, dot, inner); err != nil {
			return err
		}
		return s.branches(&n.BranchNode, dot, dot, inner)
	case *parse.WithNode:
		inner := maps.Clone(vars)
		t, err := s.pipe(n.Pipe, dot, inner)
		if err != nil {
			return err
		}
		return s.branches(&n.BranchNode, t, dot, inner)
	case *parse.RangeNode:
		return s.rangeNode(n, dot, vars)
	case *parse.TemplateNode:
		return s.fail(n, "{{template}} and {{block}} are not allowed: a template cannot include other templates")
	}
	return s.fail(n, "%s is not allowed in templates", n)
}

// branches checks the body of if/with/range with dot set to body, and the else part with
// the outer dot.
func (s sandbox) branches(b *parse.BranchNode, body, outer reflect.Type, vars scope) error {
	if err := s.list(b.List, body, maps.Clone(vars)); err != nil {
		return err
	}
	return s.list(b.ElseList, outer, maps.Clone(vars))
}

// rangeNode allows range only over a list or map read from the data: never over a
// number (Go's range-over-int) or a function result, so every loop is bounded by the data.
func (s sandbox) rangeNode(n *parse.RangeNode, dot reflect.Type, vars scope) error {
	const hint = "{{range}} only works over a list such as .Recommendations or .Customer.Attributes"
	p := n.Pipe
	if len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return s.fail(n, "%s, not over a calculation", hint)
	}
	arg := p.Cmds[0].Args[0]
	switch arg.(type) {
	case *parse.FieldNode, *parse.VariableNode, *parse.DotNode:
	case *parse.NumberNode:
		return s.fail(n, "%s, not over a number", hint)
	default:
		return s.fail(n, "%s, not over %s", hint, arg)
	}
	t, err := s.arg(arg, dot, vars)
	if err != nil {
		return err
	}
	if t == nil || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array && t.Kind() != reflect.Map) {
		return s.fail(n, "%s; %s is %s", hint, arg, kindName(t))
	}
	key := reflect.TypeFor[int]()
	if t.Kind() == reflect.Map {
		key = t.Key()
	}
	inner := maps.Clone(vars)
	switch len(p.Decl) {
	case 1:
		inner[p.Decl[0].Ident[0]] = t.Elem()
	case 2:
		inner[p.Decl[0].Ident[0]] = key
		inner[p.Decl[1].Ident[0]] = t.Elem()
	}
	return s.branches(&n.BranchNode, t.Elem(), dot, inner)
}

// pipe checks a pipeline, records the variables it declares, and returns its result type.
func (s sandbox) pipe(p *parse.PipeNode, dot reflect.Type, vars scope) (reflect.Type, error) {
	var t reflect.Type
	for i, cmd := range p.Cmds {
		var err error
		if t, err = s.command(cmd, dot, vars, i > 0, t); err != nil {
			return nil, err
		}
	}
	if !p.IsAssign {
		for _, v := range p.Decl {
			vars[v.Ident[0]] = t
		}
	}
	return t, nil
}

// command checks one command; piped tells whether the previous command's result (of type
// prev) is passed to it as its last argument.
func (s sandbox) command(cmd *parse.CommandNode, dot reflect.Type, vars scope, piped bool, prev reflect.Type) (reflect.Type, error) {
	if id, ok := cmd.Args[0].(*parse.IdentifierNode); ok {
		return s.call(id, cmd.Args[1:], dot, vars, piped, prev)
	}
	if piped {
		return nil, s.fail(cmd, "after | there must be a function such as default or upper, not %s", cmd.Args[0])
	}
	if len(cmd.Args) > 1 {
		return nil, s.fail(cmd, "%s is not a function and cannot take values: %s", cmd.Args[0], cmd)
	}
	return s.arg(cmd.Args[0], dot, vars)
}

// arg checks one operand and returns its type.
func (s sandbox) arg(n parse.Node, dot reflect.Type, vars scope) (reflect.Type, error) {
	switch n := n.(type) {
	case *parse.DotNode:
		return dot, nil
	case *parse.FieldNode:
		return s.fields(n, dot, "", n.Ident)
	case *parse.VariableNode:
		return s.fields(n, vars[n.Ident[0]], n.Ident[0], n.Ident[1:])
	case *parse.ChainNode:
		t, err := s.arg(n.Node, dot, vars)
		if err != nil {
			return nil, err
		}
		return s.fields(n, t, "("+n.Node.String()+")", n.Field)
	case *parse.PipeNode:
		return s.pipe(n, dot, maps.Clone(vars))
	case *parse.IdentifierNode:
		return s.call(n, nil, dot, vars, false, nil)
	case *parse.StringNode:
		return reflect.TypeFor[string](), nil
	case *parse.BoolNode:
		return reflect.TypeFor[bool](), nil
	case *parse.NumberNode, *parse.NilNode:
		return nil, nil
	}
	return nil, s.fail(n, "%s is not allowed in templates", n)
}

// fields follows a chain of field names from a value of type root, written as base.
func (s sandbox) fields(n parse.Node, root reflect.Type, base string, idents []string) (reflect.Type, error) {
	t, path := root, base
	for i, id := range idents {
		if t == nil {
			return nil, nil
		}
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Struct:
			f, ok := t.FieldByName(id)
			if !ok || !f.IsExported() {
				return nil, s.fail(n, "unknown field %q — available: %s", id,
					strings.Join(availableFields(root, idents[:i], id), ", "))
			}
			t = f.Type
		case reflect.Map:
			if t.Key().Kind() != reflect.String {
				return nil, s.fail(n, "%s cannot be read by name", displayPath(path))
			}
			t = t.Elem()
		case reflect.Interface:
			return nil, nil
		case reflect.Slice, reflect.Array:
			return nil, s.fail(n, "%s is a list and has no field %q — go through it with {{range %s}}", displayPath(path), id, displayPath(path))
		default:
			return nil, s.fail(n, "%s is %s and has no field %q", displayPath(path), kindName(t), id)
		}
		path += "." + id
	}
	return t, nil
}

// call checks a call of the function id with the operands args (plus the piped value).
func (s sandbox) call(id *parse.IdentifierNode, args []parse.Node, dot reflect.Type, vars scope, piped bool, prev reflect.Type) (reflect.Type, error) {
	name := id.Ident
	fn, custom := renderFuncs[name]
	result, builtin := sandboxBuiltins[name]
	if !custom && !builtin {
		return nil, s.fail(id, "{{%s}} is not allowed in templates — available functions: %s", name, availableFuncs)
	}
	types := make([]reflect.Type, 0, len(args)+1)
	for _, a := range args {
		t, err := s.arg(a, dot, vars)
		if err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	if piped {
		types = append(types, prev)
	}
	if builtin {
		return s.builtin(id, name, types, result)
	}
	ft := reflect.TypeOf(fn)
	if len(types) != ft.NumIn() {
		return nil, s.fail(id, "%s needs %d value(s), got %d — write it like %s", name, ft.NumIn(), len(types), renderFuncUsage[name])
	}
	for i, t := range types {
		want := ft.In(i)
		if t == nil || want.Kind() == reflect.Interface || t.AssignableTo(want) || (isNumberKind(t) && isNumberKind(want)) {
			continue
		}
		return nil, s.fail(id, "%s expects %s as value %d, not %s — write it like %s", name, kindName(want), i+1, kindName(t), renderFuncUsage[name])
	}
	return ft.Out(0), nil
}

func (s sandbox) builtin(id *parse.IdentifierNode, name string, types []reflect.Type, result reflect.Type) (reflect.Type, error) {
	switch name {
	case "len":
		if len(types) != 1 {
			return nil, s.fail(id, "len needs exactly one value, like {{len .Recommendations}}")
		}
	case "index":
		if len(types) < 2 {
			return nil, s.fail(id, `index needs a map and a name, like {{index .Customer.Attributes "plan"}}`)
		}
		if t := types[0]; t != nil {
			if t.Kind() != reflect.Map {
				return nil, s.fail(id, `index only works on maps such as .Customer.Attributes; use {{range}} for lists`)
			}
			if len(types) == 2 {
				return t.Elem(), nil
			}
		}
	}
	return result, nil
}
