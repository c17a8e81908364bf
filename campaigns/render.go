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
	// maxRenderTime caps the time spent rendering all parts of one message.
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

func (c *compiled) render(d RenderData, limit time.Duration) (Message, error) {
	deadline := time.Now().Add(limit)
	subject, err := execute("subject", c.subject, d, deadline)
	if err != nil {
		return Message{}, err
	}
	html, err := execute("html", c.html, d, deadline)
	if err != nil {
		return Message{}, err
	}
	var text string
	if c.text != nil {
		if text, err = execute("text", c.text, d, deadline); err != nil {
			return Message{}, err
		}
	} else {
		text = htmlToText(html)
	}
	// A subject is one header line: no line breaks, no runs of spaces.
	return Message{Subject: strings.Join(strings.Fields(subject), " "), HTML: html, Text: text}, nil
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

// cappedWriter collects output up to a limit, and fails every write once stopped.
type cappedWriter struct {
	buf     bytes.Buffer
	stopped atomic.Bool
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

// execute runs one part in a goroutine so it can be abandoned at the deadline. Ranges only
// go over data, so an abandoned execution ends by itself; its next write fails at once.
func execute(part string, tmpl executor, d RenderData, deadline time.Time) (string, error) {
	w := &cappedWriter{}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- fmt.Errorf("template panicked: %v", r)
			}
		}()
		done <- tmpl.Execute(w, d)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return w.buf.String(), nil
		case errors.Is(err, ErrRenderTooLarge):
			return "", &RenderError{Part: part, Msg: "the rendered email is larger than 512 KiB — is a {{range}} repeating too much?", Err: ErrRenderTooLarge}
		}
		return "", execError(part, err)
	case <-timer.C:
		w.stopped.Store(true)
		return "", &RenderError{Part: part, Msg: fmt.Sprintf("rendering took longer than %s — is a {{range}} nested too deep?", maxRenderTime), Err: ErrRenderTimeout}
	}
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
				ImageURL: "https://shop.example.com/img/p-101.jpg", URL: "https://shop.example.com/p/linen-shirt", Reason: "Because you viewed Cotton Chinos"},
			{ProductID: 205, ExternalID: "P-205", Name: "Leather Weekender Bag", Category: "Bags", Price: 1249, Currency: "EUR",
				ImageURL: "https://shop.example.com/img/p-205.jpg", URL: "https://shop.example.com/p/leather-weekender", Reason: "Popular in Berlin"},
			{ProductID: 318, ExternalID: "P-318", Name: "Merino Socks (3 pairs)", Category: "Accessories", Price: 19.5, Currency: "EUR",
				ImageURL: "https://shop.example.com/img/p-318.jpg", URL: "https://shop.example.com/p/merino-socks", Reason: "Often bought with Linen Shirt"},
		},
		UnsubscribeURL: "https://shop.example.com/unsubscribe/sample",
		Campaign:       "Spring collection",
	}
}
