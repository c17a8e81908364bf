package campaigns

import (
	"bytes"
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// htmlToText derives the plain-text part from rendered HTML for templates without one:
// block elements become line breaks, links keep their address in brackets, images their
// alt text, and <head>, <style> and <script> are dropped. Two links in a row to the same
// address (a product image, then its name) are written once.
func htmlToText(src string) string {
	z := html.NewTokenizer(strings.NewReader(src))
	w := &textWriter{}
	for {
		switch z.Next() {
		case html.ErrorToken:
			return tidyText(w.buf.String())
		case html.TextToken:
			if w.skip == 0 {
				w.buf.WriteString(whitespaceRe.ReplaceAllString(string(z.Text()), " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			w.tag(z.Token())
		}
	}
}

// textWriter collects the plain text of an HTML document.
type textWriter struct {
	buf   bytes.Buffer
	skip  int        // depth inside head/style/script/title
	links []textLink // open <a> elements, innermost last
	last  textLink   // the last link written, with end set
}

type textLink struct {
	href       string
	start, end int // offsets in buf of the link's text, and of the end of its " (href)"
}

// tag writes what a tag means in plain text.
func (w *textWriter) tag(tok html.Token) {
	start := tok.Type != html.EndTagToken
	switch tok.Data {
	case "head", "style", "script", "title":
		if tok.Type == html.StartTagToken {
			w.skip++
		} else if tok.Type == html.EndTagToken && w.skip > 0 {
			w.skip--
		}
		return
	}
	if w.skip > 0 {
		return
	}
	switch tok.Data {
	case "br", "div", "tr":
		w.buf.WriteString("\n")
	case "p", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote":
		w.buf.WriteString("\n")
		if !start {
			w.buf.WriteString("\n") // a paragraph ends with a blank line
		}
	case "li":
		if start {
			w.buf.WriteString("\n- ")
		}
	case "td", "th":
		if !start {
			w.buf.WriteString(" ")
		}
	case "hr":
		w.buf.WriteString("\n----------\n")
	case "img":
		if alt := textAttr(tok, "alt"); alt != "" {
			w.buf.WriteString(alt + " ")
		}
	case "a":
		if tok.Type == html.StartTagToken {
			w.links = append(w.links, textLink{href: textAttr(tok, "href"), start: w.buf.Len()})
		} else if tok.Type == html.EndTagToken && len(w.links) > 0 {
			w.endLink()
		}
	}
}

// endLink writes " (href)" after an http(s) link's text. When the previous link went to
// the same address with only spaces between, that earlier link is replaced by this one.
func (w *textWriter) endLink() {
	l := w.links[len(w.links)-1]
	w.links = w.links[:len(w.links)-1]
	if !isHTTPURL(l.href) {
		return
	}
	if l.href == w.last.href && strings.TrimSpace(string(w.buf.Bytes()[w.last.end:l.start])) == "" {
		text := string(w.buf.Bytes()[l.start:])
		w.buf.Truncate(w.last.start)
		l.start = w.buf.Len()
		w.buf.WriteString(text)
	}
	w.buf.WriteString(" (" + l.href + ") ")
	l.end = w.buf.Len()
	w.last = l
}

func textAttr(tok html.Token, name string) string {
	for _, a := range tok.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

var (
	whitespaceRe = regexp.MustCompile(`\s+`)
	spacesRe     = regexp.MustCompile(`[ \t]+`)
	blankRunRe   = regexp.MustCompile(`\n{3,}`)
)

// tidyText trims every line, collapses spaces and keeps at most one blank line in a row.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(spacesRe.ReplaceAllString(l, " "))
	}
	out := blankRunRe.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")
	return strings.TrimSpace(out) + "\n"
}
