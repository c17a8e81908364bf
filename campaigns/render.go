package campaigns

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"text/template/parse"
	"time"
)

const (
	// maxRenderBytes caps the output of each part of a message.
	maxRenderBytes = 512 << 10
	// maxRenderTime caps the time spent rendering all parts of one message together.
	maxRenderTime = 200 * time.Millisecond
	// maxCompiled bounds the cache of compiled templates.
	maxCompiled = 128
)

var (
	// ErrRenderTooLarge means a rendered part went past 512 KiB.
	ErrRenderTooLarge = errors.New("rendered message too large")
	// ErrRenderTimeout means rendering took longer than 200 ms.
	ErrRenderTimeout = errors.New("rendering took too long")
	errRenderStopped = errors.New("rendering stopped")
)

// executor is what html/template and text/template templates have in common.
type executor interface {
	Execute(w io.Writer, data any) error
}

// compiled holds the checked templates of the three parts; text is nil when the
// template has no text part, and the text is then derived from the HTML.
type compiled struct {
	subject, html, text executor
}

// compiledCache keeps compiled templates by content hash, so a run over many recipients
// parses and checks its template once. Executing a compiled template concurrently is safe.
var compiledCache = struct {
	sync.Mutex
	m map[[32]byte]*compiled
}{m: map[[32]byte]*compiled{}}

// Render renders t for one recipient: subject and text with text/template, HTML with
// html/template (so every value is escaped for where it appears). Template problems come
// back as *RenderError; each part is capped at 512 KiB and the whole message at 200 ms.
func Render(t Template, d RenderData) (Message, error) {
	c, err := compileCached(t)
	if err != nil {
		return Message{}, err
	}
	return c.render(d, maxRenderTime)
}

// render runs the parts in one goroutine so that it can be abandoned at the time limit.
// Ranges only go over data, so an abandoned run ends by itself; its next write fails.
func (c *compiled) render(d RenderData, limit time.Duration) (Message, error) {
	type result struct {
		m   Message
		err error
	}
	run := &renderRun{}
	run.part.Store("subject")
	done := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: &RenderError{Part: run.part.Load().(string), Msg: fmt.Sprintf("template panicked: %v", r)}}
			}
		}()
		m, err := c.renderParts(d, run)
		done <- result{m, err}
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.m, r.err
	case <-timer.C:
		run.stopped.Store(true)
		return Message{}, &RenderError{Part: run.part.Load().(string), Err: ErrRenderTimeout,
			Msg: fmt.Sprintf("rendering took longer than %s — is a {{range}} nested too deep?", limit)}
	}
}

// renderRun is shared between a render and the goroutine doing it.
type renderRun struct {
	stopped atomic.Bool
	part    atomic.Value // the part being rendered, for messages
}

func (c *compiled) renderParts(d RenderData, run *renderRun) (Message, error) {
	var m Message
	parts := []struct {
		name string
		tmpl executor
		out  *string
	}{{"subject", c.subject, &m.Subject}, {"html", c.html, &m.HTML}, {"text", c.text, &m.Text}}
	for _, p := range parts {
		if p.tmpl == nil {
			continue
		}
		run.part.Store(p.name)
		w := &cappedWriter{stopped: &run.stopped}
		if err := p.tmpl.Execute(w, d); err != nil {
			if errors.Is(err, ErrRenderTooLarge) {
				return Message{}, &RenderError{Part: p.name, Err: ErrRenderTooLarge,
					Msg: "the rendered email is larger than 512 KiB — is a {{range}} repeating too much?"}
			}
			return Message{}, execError(p.name, err)
		}
		*p.out = w.buf.String()
	}
	if c.text == nil {
		m.Text = htmlToText(m.HTML)
	}
	// A subject is one header line: no line breaks, no runs of spaces.
	m.Subject = strings.Join(strings.Fields(m.Subject), " ")
	return m, nil
}

func compileCached(t Template) (*compiled, error) {
	h := sha256.New()
	for _, s := range []string{t.Subject, t.HTML, t.Text} {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	var key [32]byte
	h.Sum(key[:0])
	compiledCache.Lock()
	c, ok := compiledCache.m[key]
	compiledCache.Unlock()
	if ok {
		return c, nil
	}
	c, err := compile(t)
	if err != nil {
		return nil, err
	}
	compiledCache.Lock()
	if len(compiledCache.m) >= maxCompiled {
		clear(compiledCache.m)
	}
	compiledCache.m[key] = c
	compiledCache.Unlock()
	return c, nil
}

// compile parses and sandbox-checks the three parts, returning every part's first problem
// as store.FieldErrors-ready *RenderErrors joined with errors.Join.
func compile(t Template) (*compiled, error) {
	var errs []error
	c := &compiled{}
	var err error
	if c.subject, err = compileText("subject", t.Subject); err != nil {
		errs = append(errs, err)
	}
	if c.html, err = compileHTML(t.HTML); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(t.Text) != "" {
		if c.text, err = compileText("text", t.Text); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func compileText(part, src string) (executor, error) {
	tmpl, err := template.New(part).Option("missingkey=zero").Funcs(renderFuncs).Parse(src)
	if err != nil {
		return nil, parseError(part, src, err)
	}
	trees := make([]*parse.Tree, 0, 1)
	for _, d := range tmpl.Templates() {
		trees = append(trees, d.Tree)
	}
	if err := checkTrees(part, tmpl.Tree, trees); err != nil {
		return nil, err
	}
	return tmpl, nil
}

func compileHTML(src string) (executor, error) {
	tmpl, err := htmltemplate.New("html").Option("missingkey=zero").Funcs(renderFuncs).Parse(src)
	if err != nil {
		return nil, parseError("html", src, err)
	}
	trees := make([]*parse.Tree, 0, 1)
	for _, d := range tmpl.Templates() {
		trees = append(trees, d.Tree)
	}
	if err := checkTrees("html", tmpl.Tree, trees); err != nil {
		return nil, err
	}
	return tmpl, nil
}

// checkTrees checks the main tree, then rejects any {{define}}d template.
func checkTrees(part string, main *parse.Tree, all []*parse.Tree) error {
	if main != nil {
		if err := checkTree(part, main); err != nil {
			return err
		}
	}
	for _, t := range all {
		if t == nil || t == main {
			continue
		}
		line := 0
		if t.Root != nil {
			loc, _ := t.ErrorContext(t.Root)
			line = lineFromLocation(loc)
		}
		return &RenderError{Part: part, Line: line, Msg: "{{define}} and {{block}} are not allowed: a template cannot define other templates"}
	}
	return nil
}

// cappedWriter collects one part's output up to maxRenderBytes, and fails every write
// once its render is stopped.
type cappedWriter struct {
	buf     bytes.Buffer
	stopped *atomic.Bool
}

func (w *cappedWriter) Write(p []byte) (int, error) {
	if w.stopped.Load() {
		return 0, errRenderStopped
	}
	if w.buf.Len()+len(p) > maxRenderBytes {
		return 0, ErrRenderTooLarge
	}
	return w.buf.Write(p)
}

// SampleRenderData is a realistic recipient with recommendations, used for trial renders
// during validation and for previews when there is no customer to preview for.
func SampleRenderData() RenderData {
	return RenderData{
		Customer: Recipient{
			CustomerID: 1, ExternalID: "C-1001", Email: "emma.schmidt@example.com",
			FirstName: "Emma", LastName: "Schmidt", Gender: "female", City: "Berlin", Country: "DE",
			Attributes: map[string]string{"plan": "gold", "loyalty_points": "1250", "favourite_store": "Berlin Mitte"},
		},
		Recommendations: []RecItem{
			{ProductID: 101, ExternalID: "P-101", Name: "Linen Shirt", Category: "Shirts", Price: 49.9, Currency: "EUR",
				ImageURL: "https://shop.example.com/img/p-101.jpg", URL: "https://shop.example.com/p/linen-shirt", Reason: "Because you viewed Cotton Chinos", Algorithm: "item-to-item"},
			{ProductID: 205, ExternalID: "P-205", Name: "Leather Weekender Bag", Category: "Bags", Price: 1249, Currency: "EUR",
				ImageURL: "https://shop.example.com/img/p-205.jpg", URL: "https://shop.example.com/p/leather-weekender", Reason: "Popular in Berlin", Algorithm: "popularity"},
			{ProductID: 318, ExternalID: "P-318", Name: "Merino Socks (3 pairs)", Category: "Accessories", Price: 19.5, Currency: "EUR",
				ImageURL: "https://shop.example.com/img/p-318.jpg", URL: "https://shop.example.com/p/merino-socks", Reason: "Often bought with Linen Shirt", Algorithm: "association-rules"},
		},
		UnsubscribeURL: "https://shop.example.com/unsubscribe/sample",
		Campaign:       "Spring collection",
	}
}
