package campaigns

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"

	xhtml "golang.org/x/net/html"

	"github.com/persona-app/persona/store"
)

// RewriteLinks calls rewrite for the href of every <a> whose href is an http(s) URL and puts
// the result in its place. It edits only those attribute values, by byte offset: every
// other byte of the HTML stays exactly as it was. mailto:, #anchors and relative links are
// not offered to rewrite; returning href unchanged (say, for the unsubscribe URL) keeps it.
func RewriteLinks(src string, rewrite func(href string) (string, error)) (string, error) {
	z := xhtml.NewTokenizer(strings.NewReader(src))
	var out strings.Builder
	out.Grow(len(src) + len(src)/8)
	pos, copied := 0, 0 // pos: offset of the current token; copied: bytes of src already in out
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			break
		}
		start := pos
		pos += len(z.Raw())
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr || string(name) != "a" {
			continue
		}
		tag := src[start:pos] // the original bytes: TagName may lower-case the tokenizer's copy
		vs, ve, href, ok := hrefSpan(tag)
		if !ok || !isHTTPURL(href) {
			continue
		}
		next, err := rewrite(href)
		if err != nil {
			return "", fmt.Errorf("campaigns: rewrite link %q: %w", href, err)
		}
		if next == href {
			continue
		}
		out.WriteString(src[copied : start+vs])
		quoted := tag[vs-1] == '"' || tag[vs-1] == '\''
		if !quoted {
			out.WriteByte('"')
		}
		out.WriteString(html.EscapeString(next))
		if !quoted {
			out.WriteByte('"')
		}
		copied = start + ve
	}
	if copied == 0 {
		return src, nil
	}
	out.WriteString(src[copied:])
	return out.String(), nil
}

// hrefSpan finds the href attribute in a raw start tag and returns the byte span of its
// value (without quotes) and the value unescaped.
func hrefSpan(raw string) (start, end int, value string, ok bool) {
	i := 1 // after '<'
	for i < len(raw) && !isHTMLSpace(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++ // the tag name
	}
	for i < len(raw) {
		for i < len(raw) && (isHTMLSpace(raw[i]) || raw[i] == '/') {
			i++
		}
		if i >= len(raw) || raw[i] == '>' {
			return 0, 0, "", false
		}
		ns := i
		for i < len(raw) && !isHTMLSpace(raw[i]) && raw[i] != '=' && raw[i] != '>' && raw[i] != '/' {
			i++
		}
		name := raw[ns:i]
		for i < len(raw) && isHTMLSpace(raw[i]) {
			i++
		}
		if i >= len(raw) || raw[i] != '=' {
			continue // an attribute without a value
		}
		i++
		for i < len(raw) && isHTMLSpace(raw[i]) {
			i++
		}
		var vs, ve int
		if i < len(raw) && (raw[i] == '"' || raw[i] == '\'') {
			q := raw[i]
			vs = i + 1
			ve = vs + strings.IndexByte(raw[vs:], q)
			if ve < vs {
				return 0, 0, "", false
			}
			i = ve + 1
		} else {
			vs = i
			for i < len(raw) && !isHTMLSpace(raw[i]) && raw[i] != '>' {
				i++
			}
			ve = i
		}
		if strings.EqualFold(name, "href") {
			return vs, ve, html.UnescapeString(raw[vs:ve]), true
		}
	}
	return 0, 0, "", false
}

func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isHTTPURL(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// AddUTM adds utm_source, utm_medium and utm_campaign to an http(s) URL, each only when
// the URL does not carry it already and the value is not empty. The rest of the URL,
// including the order of its query and its #fragment, is kept as written.
func AddUTM(rawURL, source, medium, campaign string) string {
	if !isHTTPURL(rawURL) {
		return rawURL
	}
	base, frag, hasFrag := strings.Cut(rawURL, "#")
	u, err := url.Parse(base)
	if err != nil {
		return rawURL
	}
	have := u.Query()
	var b strings.Builder
	b.WriteString(base)
	sep := "&"
	switch {
	case !strings.Contains(base, "?"):
		sep = "?"
	case strings.HasSuffix(base, "?") || strings.HasSuffix(base, "&"):
		sep = ""
	}
	for _, p := range [][2]string{{"utm_source", source}, {"utm_medium", medium}, {"utm_campaign", campaign}} {
		if p[1] == "" || have.Has(p[0]) {
			continue
		}
		b.WriteString(sep + p[0] + "=" + url.QueryEscape(p[1]))
		sep = "&"
	}
	if hasFrag {
		b.WriteString("#" + frag)
	}
	return b.String()
}

// maxCachedLinks bounds the in-memory link cache; it is emptied when full.
const maxCachedLinks = 10000

// Links maps tracked URLs to small ids (the links table) and back, caching both ways.
// The zero value with DB set is ready; use it through a pointer.
type Links struct {
	DB *store.DB

	mu    sync.Mutex
	byURL map[string]int64
	byID  map[int64]string
}

// ID returns the id of url, creating its row the first time it is seen.
func (s *Links) ID(ctx context.Context, rawURL string) (int64, error) {
	if id, ok := s.cached(rawURL); ok {
		return id, nil
	}
	g := s.DB.WithContext(ctx)
	if err := g.Exec(`INSERT INTO links (url) VALUES (?) ON CONFLICT (url) DO NOTHING`, rawURL).Error; err != nil {
		return 0, fmt.Errorf("campaigns: store link %q: %w", rawURL, err)
	}
	var ids []int64
	if err := g.Raw(`SELECT id FROM links WHERE url = ?`, rawURL).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("campaigns: load link %q: %w", rawURL, err)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("campaigns: load link %q: %w", rawURL, store.ErrNotFound)
	}
	s.remember(ids[0], rawURL)
	return ids[0], nil
}

// URL returns the address of link id, or store.ErrNotFound.
func (s *Links) URL(ctx context.Context, id int64) (string, error) {
	s.mu.Lock()
	u, ok := s.byID[id]
	s.mu.Unlock()
	if ok {
		return u, nil
	}
	var urls []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT url FROM links WHERE id = ?`, id).Scan(&urls).Error; err != nil {
		return "", fmt.Errorf("campaigns: load link %d: %w", id, err)
	}
	if len(urls) == 0 {
		return "", fmt.Errorf("campaigns: load link %d: %w", id, store.ErrNotFound)
	}
	s.remember(id, urls[0])
	return urls[0], nil
}

func (s *Links) cached(rawURL string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byURL[rawURL]
	return id, ok
}

func (s *Links) remember(id int64, rawURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byURL == nil || len(s.byURL) >= maxCachedLinks {
		s.byURL, s.byID = map[string]int64{}, map[int64]string{}
	}
	s.byURL[rawURL] = id
	s.byID[id] = rawURL
}

// textURL finds http(s) URLs in a plain-text part; trailing sentence punctuation is not
// part of the URL.
var textURL = regexp.MustCompile(`https?://[^\s<>"'()\[\]]+`)

// RewriteTextLinks rewrites every http(s) URL of a plain-text part, so the text part of a
// message is tracked like its HTML part.
func RewriteTextLinks(text string, rewrite func(href string) (string, error)) (string, error) {
	var firstErr error
	out := textURL.ReplaceAllStringFunc(text, func(u string) string {
		trail := ""
		for len(u) > 0 && strings.ContainsRune(".,;:!?", rune(u[len(u)-1])) {
			trail = u[len(u)-1:] + trail
			u = u[:len(u)-1]
		}
		r, err := rewrite(u)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return r + trail
	})
	if firstErr != nil {
		return "", firstErr
	}
	return out, nil
}
