package campaigns

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// smtpOptions points an SMTPChannel at the loopback test server at addr.
func smtpOptions(addr string) SMTPOptions {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return SMTPOptions{Host: host, Port: p, TLS: SMTPTLSNone, From: "Shop <news@shop.example>"}
}

// smtpChannel connects an SMTPChannel to the loopback test server at addr.
func smtpChannel(t testing.TB, addr string) *SMTPChannel {
	t.Helper()
	ch, err := NewSMTPChannel(smtpOptions(addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Close() })
	return ch
}

// parsedEmail is a received message split into headers and decoded parts.
type parsedEmail struct {
	header     mail.Header
	text, html string
}

func parseEmail(t *testing.T, data []byte) parsedEmail {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse message: %v", err)
	}
	out := parsedEmail{header: m.Header}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("content type %q (%v), want multipart", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			r = quotedprintable.NewReader(p)
		}
		b, _ := io.ReadAll(r)
		switch ct := p.Header.Get("Content-Type"); {
		case strings.HasPrefix(ct, "text/plain"):
			out.text = string(b)
		case strings.HasPrefix(ct, "text/html"):
			out.html = string(b)
		}
	}
	return out
}

func TestCampaignIsSentPersonalisedAndTrackedThroughSMTP(t *testing.T) {
	f := newFixture(t)
	addr, srv := startTestSMTP(t)
	s := f.service(func(o *Options) { o.Channel = smtpChannel(t, addr) })
	people := map[string]string{"ann@example.com": "Ann", "bruno@example.com": "Bruno", "chiara@example.com": "Chiara"}
	for email, first := range people {
		f.customer(email, first, "Tester")
	}
	c := f.campaign(s, "Spring Sale 2025!")
	ctx := context.Background()
	run, err := s.Launch(ctx, c.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	p := workUntil(t, s, c.ID, RunDone)
	if p.Sent != 3 {
		t.Fatalf("progress = %+v, want 3 sent", p)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("server received %d messages, want 3", len(msgs))
	}
	var clickToken, openToken string
	for _, m := range msgs {
		if len(m.To) != 1 || people[m.To[0]] == "" {
			t.Fatalf("recipients %v", m.To)
		}
		first := people[m.To[0]]
		e := parseEmail(t, m.Data)
		if subj := e.header.Get("Subject"); subj != "News for "+first {
			t.Errorf("subject = %q", subj)
		}
		if !strings.Contains(e.text, "Hello "+first) || !strings.Contains(e.html, "Hello "+first) {
			t.Errorf("%s: greeting missing in text %q or html", first, e.text)
		}
		for _, r := range testRecs {
			if !strings.Contains(e.text, "- "+r.Name) || !strings.Contains(e.html, ">"+r.Name+"</a>") {
				t.Errorf("%s: recommendation %q missing", first, r.Name)
			}
		}
		lu := e.header.Get("List-Unsubscribe")
		if !strings.HasPrefix(lu, "<https://shop.example/u/") || e.header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe = %q, List-Unsubscribe-Post = %q", lu, e.header.Get("List-Unsubscribe-Post"))
		}
		if mid := e.header.Get("Message-Id"); !strings.HasSuffix(mid, "."+strconv.FormatInt(run.ID, 10)+"."+
			strconv.FormatInt(c.ID, 10)+"@shop.example>") {
			t.Errorf("Message-ID = %q", mid)
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(e.html))
		if err != nil {
			t.Fatal(err)
		}
		doc.Find("a[href]").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			switch {
			case strings.HasPrefix(href, "mailto:"):
			case a.Text() == "Unsubscribe":
				if "<"+href+">" != lu {
					t.Errorf("unsubscribe link %q differs from List-Unsubscribe %q", href, lu)
				}
			case strings.HasPrefix(href, "https://shop.example/t/c/"):
				if a.Text() == "See the sale" && clickToken == "" {
					clickToken = strings.TrimPrefix(href, "https://shop.example/t/c/")
				}
			default:
				t.Errorf("link %q (%s) was not rewritten", href, a.Text())
			}
		})
		if src, ok := doc.Find(`img[width="1"][height="1"]`).Attr("src"); ok && openToken == "" {
			openToken = strings.TrimPrefix(src, "https://shop.example/t/o/")
		}
	}
	if clickToken == "" || openToken == "" {
		t.Fatalf("no tracked link or open pixel found")
	}

	dest, err := s.Click(ctx, clickToken)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dest)
	q := u.Query()
	if u.Host != "shop.example" || u.Path != "/sale" || q.Get("x") != "1" || q.Get("utm_source") != "persona" ||
		q.Get("utm_medium") != "email" || q.Get("utm_campaign") != "spring-sale-2025" {
		t.Errorf("click destination = %q", dest)
	}
	if n := f.count(`SELECT COUNT(*) FROM clicks WHERE campaign_id = ?`, c.ID); n != 1 {
		t.Errorf("clicks = %d, want 1", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM deliveries WHERE clicked_at IS NOT NULL`); n != 1 {
		t.Errorf("clicked deliveries = %d, want 1", n)
	}
	if err := s.Open(ctx, openToken); err != nil {
		t.Fatal(err)
	}
	tampered := []byte(clickToken)
	tampered[2] ^= 1
	if _, err := s.Click(ctx, string(tampered)); !errors.Is(err, ErrBadToken) {
		t.Errorf("tampered token: %v, want ErrBadToken", err)
	}
	if _, err := s.Click(ctx, openToken); !errors.Is(err, ErrBadToken) {
		t.Errorf("open token used as a click: %v, want ErrBadToken", err)
	}
	if st, _ := s.Stats(ctx, c.ID); st != (Stats{Recipients: 3, Sent: 3, Opened: 1, Clicked: 1}) {
		t.Errorf("stats = %+v", st)
	}
}
