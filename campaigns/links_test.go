package campaigns

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestRewriteLinks(t *testing.T) {
	track := func(href string) (string, error) {
		if strings.Contains(href, "/unsubscribe/") {
			return href, nil
		}
		return "https://t.example/c/" + strings.ToUpper(href[strings.LastIndexByte(href, '/')+1:]), nil
	}
	cases := []struct {
		name, in, want string
	}{
		{"an http link is rewritten and nothing else moves",
			`<p class=x >Hi <A HREF="https://shop.example/a" style="color:red" >A</A> &amp; more</p>`,
			`<p class=x >Hi <A HREF="https://t.example/c/A" style="color:red" >A</A> &amp; more</p>`},
		{"single-quoted and unquoted values keep their form",
			`<a href='http://s.example/b'>b</a><a href=https://s.example/c>c</a>`,
			`<a href='https://t.example/c/B'>b</a><a href="https://t.example/c/C">c</a>`},
		{"mailto, tel, anchors and relative links are left alone",
			`<a href="mailto:x@example.com">m</a><a href="#top">t</a><a href="tel:+49">p</a><a href="/local">l</a><a name="n">n</a>`,
			`<a href="mailto:x@example.com">m</a><a href="#top">t</a><a href="tel:+49">p</a><a href="/local">l</a><a name="n">n</a>`},
		{"the unsubscribe link is kept when rewrite returns it unchanged",
			`<a href="https://shop.example/unsubscribe/tok">Unsubscribe</a>`,
			`<a href="https://shop.example/unsubscribe/tok">Unsubscribe</a>`},
		{"an escaped href is unescaped for rewrite and the result escaped back",
			`<a data-x="1" href="https://shop.example/p?a=1&amp;b=q">q</a>`,
			`<a data-x="1" href="https://t.example/c/P?A=1&amp;B=Q">q</a>`},
		{"hrefs of other tags, comments and scripts are not touched",
			`<link href="https://cdn.example/s.css"><!-- <a href="https://x.example/y"> --><script>var s='<a href="https://x.example/z">';</script><area href="https://x.example/w">`,
			`<link href="https://cdn.example/s.css"><!-- <a href="https://x.example/y"> --><script>var s='<a href="https://x.example/z">';</script><area href="https://x.example/w">`},
		{"an attribute without a value before href is skipped over",
			"<a download\n\thref = \"https://shop.example/d\">d</a>",
			"<a download\n\thref = \"https://t.example/c/D\">d</a>"},
		{"a broken tail is kept as it was",
			`<a href="https://shop.example/e">e</a><a href="https://shop.exa`,
			`<a href="https://t.example/c/E">e</a><a href="https://shop.exa`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RewriteLinks(tc.in, track)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	t.Run("a rendered email is byte-identical when nothing is rewritten", func(t *testing.T) {
		m, err := Render(Template{Subject: "s", HTML: "<!DOCTYPE html>\n<html><body>\n" + DefaultRecommendationBlockHTML + "\n</body></html>"}, SampleRenderData())
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		got, err := RewriteLinks(m.HTML, func(h string) (string, error) { seen++; return h, nil })
		if err != nil || got != m.HTML {
			t.Fatalf("output differs (err %v)", err)
		}
		if seen != 6 {
			t.Errorf("rewrite saw %d links, want 6", seen)
		}
	})
	t.Run("an error from rewrite is returned", func(t *testing.T) {
		boom := errors.New("boom")
		if _, err := RewriteLinks(`<a href="https://x.example">x</a>`, func(string) (string, error) { return "", boom }); !errors.Is(err, boom) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestAddUTM(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"tags are added to a bare URL", "https://shop.example/p", "https://shop.example/p?utm_source=persona&utm_medium=email&utm_campaign=Spring+sale"},
		{"an existing query keeps its order", "https://shop.example/p?z=1&a=2", "https://shop.example/p?z=1&a=2&utm_source=persona&utm_medium=email&utm_campaign=Spring+sale"},
		{"tags already present are kept", "https://shop.example/p?utm_source=ig&utm_campaign=x", "https://shop.example/p?utm_source=ig&utm_campaign=x&utm_medium=email"},
		{"the fragment stays last", "https://shop.example/p#size", "https://shop.example/p?utm_source=persona&utm_medium=email&utm_campaign=Spring+sale#size"},
		{"a URL ending in ? gets no extra separator", "https://shop.example/p?", "https://shop.example/p?utm_source=persona&utm_medium=email&utm_campaign=Spring+sale"},
		{"mailto links are left alone", "mailto:a@example.com", "mailto:a@example.com"},
		{"relative links are left alone", "/p", "/p"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := AddUTM(tc.in, "persona", "email", "Spring sale"); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	t.Run("empty values add nothing", func(t *testing.T) {
		if got := AddUTM("https://shop.example/p", "", "", ""); got != "https://shop.example/p" {
			t.Errorf("got %s", got)
		}
	})
}

func TestLinksGetOrCreate(t *testing.T) {
	ctx := context.Background()
	db := store.OpenTest(t)
	links := &Links{DB: db}
	a, err := links.ID(ctx, "https://shop.example/a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := links.ID(ctx, "https://shop.example/b")
	if err != nil {
		t.Fatal(err)
	}
	again, err := links.ID(ctx, "https://shop.example/a")
	if err != nil {
		t.Fatal(err)
	}
	if a == 0 || a == b || again != a {
		t.Errorf("ids a=%d b=%d again=%d, want a stable id per URL", a, b, again)
	}
	// A second Links (another process) with an empty cache finds the same rows.
	other := &Links{DB: db}
	if id, err := other.ID(ctx, "https://shop.example/b"); err != nil || id != b {
		t.Errorf("fresh cache ID = %d, %v; want %d", id, err, b)
	}
	if u, err := other.URL(ctx, a); err != nil || u != "https://shop.example/a" {
		t.Errorf("URL(%d) = %q, %v", a, u, err)
	}
	var rows int64
	if err := db.Raw(`SELECT COUNT(*) FROM links`).Scan(&rows).Error; err != nil || rows != 2 {
		t.Errorf("links rows = %d, %v; want 2", rows, err)
	}
	if _, err := other.URL(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("URL of a missing id = %v, want ErrNotFound", err)
	}
}

func TestRewriteTextLinksRewritesEachURLAndKeepsPunctuation(t *testing.T) {
	text := "See https://shop.example/sale. Or (https://shop.example/p/1?x=2), mail us at help@shop.example!\nhttp://a.example/x"
	got, err := RewriteTextLinks(text, func(u string) (string, error) { return "[" + u + "]", nil })
	if err != nil {
		t.Fatal(err)
	}
	want := "See [https://shop.example/sale]. Or ([https://shop.example/p/1?x=2]), mail us at help@shop.example!\n[http://a.example/x]"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if _, err := RewriteTextLinks("https://a.example", func(string) (string, error) { return "", errors.New("boom") }); err == nil {
		t.Fatal("an error from rewrite must be returned")
	}
}
