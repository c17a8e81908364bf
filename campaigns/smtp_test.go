package campaigns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestSMTPOptionsValidate(t *testing.T) {
	good := SMTPOptions{Host: "smtp.example.com", Port: 587, TLS: "starttls", User: "u", Password: "p", From: "Shop <news@shop.example>"}
	cases := []struct {
		name  string
		edit  func(*SMTPOptions)
		field string
	}{
		{"a missing host names PERSONA_SMTP_HOST", func(o *SMTPOptions) { o.Host = "" }, "PERSONA_SMTP_HOST"},
		{"a host with a port names PERSONA_SMTP_HOST", func(o *SMTPOptions) { o.Host = "smtp.example.com:25" }, "PERSONA_SMTP_HOST"},
		{"a port out of range names PERSONA_SMTP_PORT", func(o *SMTPOptions) { o.Port = 70000 }, "PERSONA_SMTP_PORT"},
		{"an unknown TLS mode names PERSONA_SMTP_TLS", func(o *SMTPOptions) { o.TLS = "ssl3" }, "PERSONA_SMTP_TLS"},
		{"a password in clear text to a remote host names PERSONA_SMTP_TLS", func(o *SMTPOptions) { o.TLS = "none" }, "PERSONA_SMTP_TLS"},
		{"a missing sender names PERSONA_MAIL_FROM", func(o *SMTPOptions) { o.From = "" }, "PERSONA_MAIL_FROM"},
		{"a sender that is not an address names PERSONA_MAIL_FROM", func(o *SMTPOptions) { o.From = "news at shop" }, "PERSONA_MAIL_FROM"},
		{"a password without a user names PERSONA_SMTP_USER", func(o *SMTPOptions) { o.User = "" }, "PERSONA_SMTP_USER"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.edit(&o)
			fe, ok := store.AsFieldErrors(o.Validate())
			if !ok || fe[tc.field] == "" {
				t.Errorf("Validate = %v, want a message for %s", fe, tc.field)
			}
			if _, err := NewSMTPChannel(o); err == nil {
				t.Error("NewSMTPChannel accepted the options")
			}
		})
	}
	for _, o := range []SMTPOptions{
		good,
		{Host: "127.0.0.1", Port: 2525, TLS: "none", User: "u", Password: "p", From: "news@shop.example"},
		{Host: "mail.example.com", TLS: "tls", From: "news@shop.example"},
	} {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", o, err)
		}
	}
	if p := (SMTPOptions{TLS: "tls"}).port(); p != 465 {
		t.Errorf("default port for tls = %d, want 465", p)
	}
}

// smtpTestChannel returns a channel to a fresh test server, authenticating as the test user.
func smtpTestChannel(t *testing.T) (*SMTPChannel, *testSMTP) {
	t.Helper()
	addr, srv := startTestSMTP(t)
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	ch, err := NewSMTPChannel(SMTPOptions{Host: host, Port: p, TLS: "none", User: testSMTPUser, Password: testSMTPPassword,
		From: "Shop <news@shop.example>", HeloName: "persona.test", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Close() })
	return ch, srv
}

func smtpTestOutgoing(i int) Outgoing {
	return Outgoing{DeliveryID: int64(i), To: fmt.Sprintf("customer%d@example.com", i),
		MessageID: fmt.Sprintf("d%d.r1@shop.example", i), UnsubscribeURL: fmt.Sprintf("https://shop.example/u/tok%d", i),
		Message: Message{Subject: fmt.Sprintf("Frühling %d", i), HTML: fmt.Sprintf("<p>Hallo <b>Jürgen</b> %d</p>", i), Text: fmt.Sprintf("Hallo Jürgen %d", i)}}
}

func TestSMTPChannelSendsOverOneConnection(t *testing.T) {
	ctx := context.Background()
	ch, srv := smtpTestChannel(t)
	var _ Channel = ch
	for i := 1; i <= 3; i++ {
		res, err := ch.Send(ctx, smtpTestOutgoing(i))
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if res.MessageID != fmt.Sprintf("d%d.r1@shop.example", i) {
			t.Errorf("MessageID = %q", res.MessageID)
		}
		if want := fmt.Sprintf("250 2.0.0 OK: queued as Q%d", i); res.Response != want {
			t.Errorf("Response = %q, want %q", res.Response, want)
		}
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("3 messages used %d connections, want 1", n)
	}
	if users := srv.authUsers(); len(users) != 1 || users[0] != testSMTPUser {
		t.Errorf("authenticated as %v, want persona once", users)
	}
	msgs := srv.Messages()
	if len(msgs) != 3 {
		t.Fatalf("server got %d messages, want 3", len(msgs))
	}
	m := msgs[1]
	if m.From != "news@shop.example" || len(m.To) != 1 || m.To[0] != "customer2@example.com" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ := new(mime.WordDecoder).DecodeHeader(parsed.Header.Get("Subject"))
	for h, want := range map[string]string{
		"Message-Id":            "<d2.r1@shop.example>",
		"List-Unsubscribe":      "<https://shop.example/u/tok2>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"To":                    "<customer2@example.com>",
		"From":                  `"Shop" <news@shop.example>`,
	} {
		if got := parsed.Header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if subject != "Frühling 2" {
		t.Errorf("Subject = %q", subject)
	}
	parts := smtpTestParts(t, parsed)
	if parts["text/plain"] != "Hallo Jürgen 2" || parts["text/html"] != "<p>Hallo <b>Jürgen</b> 2</p>" {
		t.Errorf("parts = %q", parts)
	}
}

// smtpTestParts decodes a multipart/alternative message into its parts by content type.
func smtpTestParts(t *testing.T, m *mail.Message) map[string]string {
	t.Helper()
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative", m.Header.Get("Content-Type"), err)
	}
	out := map[string]string{}
	r := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		var body io.Reader = p
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
			body = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		out[ct] = strings.TrimRight(string(b), "\r\n")
	}
}

func TestSMTPChannelReconnectsWhenTheServerDropsTheConnection(t *testing.T) {
	ctx := context.Background()
	ch, srv := smtpTestChannel(t)
	if _, err := ch.Send(ctx, smtpTestOutgoing(1)); err != nil {
		t.Fatal(err)
	}
	srv.dropConnections()
	if _, err := ch.Send(ctx, smtpTestOutgoing(2)); err != nil {
		t.Fatalf("send after the server dropped the connection: %v", err)
	}
	if _, err := ch.Send(ctx, smtpTestOutgoing(3)); err != nil {
		t.Fatal(err)
	}
	if n, m := srv.Connections(), len(srv.Messages()); n != 2 || m != 3 {
		t.Errorf("connections %d, messages %d; want 2 and 3", n, m)
	}
	if err := ch.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
	if _, err := ch.Send(ctx, smtpTestOutgoing(4)); err != nil {
		t.Fatalf("send after Close: %v", err)
	}
	if n := srv.Connections(); n != 3 {
		t.Errorf("a send after Close should dial again: %d connections", n)
	}
}

func TestSMTPChannelIsSafeForConcurrentCallers(t *testing.T) {
	ctx := context.Background()
	ch, srv := smtpTestChannel(t)
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 1; i <= 10; i++ {
		wg.Go(func() {
			if _, err := ch.Send(ctx, smtpTestOutgoing(i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, m := srv.Connections(), len(srv.Messages()); n != 1 || m != 10 {
		t.Errorf("connections %d, messages %d; want 1 and 10", n, m)
	}
}

func TestSMTPChannelFailures(t *testing.T) {
	ctx := context.Background()
	t.Run("a wrong password fails the send", func(t *testing.T) {
		addr, srv := startTestSMTP(t)
		host, port, _ := net.SplitHostPort(addr)
		p, _ := strconv.Atoi(port)
		ch, err := NewSMTPChannel(SMTPOptions{Host: host, Port: p, TLS: "none", User: testSMTPUser, Password: "wrong", From: "news@shop.example", Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer ch.Close()
		if _, err := ch.Send(ctx, smtpTestOutgoing(1)); err == nil {
			t.Error("send with a wrong password succeeded")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server got %d messages", n)
		}
	})
	t.Run("a bad recipient address fails before connecting", func(t *testing.T) {
		ch, srv := smtpTestChannel(t)
		m := smtpTestOutgoing(1)
		m.To = "not an address"
		if _, err := ch.Send(ctx, m); err == nil {
			t.Error("send to a bad address succeeded")
		}
		if n := srv.Connections(); n != 0 {
			t.Errorf("connections = %d, want 0", n)
		}
	})
	t.Run("a server that is not there fails the send", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		_ = ln.Close()
		p, _ := strconv.Atoi(port)
		ch, err := NewSMTPChannel(SMTPOptions{Host: "127.0.0.1", Port: p, TLS: "none", From: "news@shop.example", Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Send(ctx, smtpTestOutgoing(1)); err == nil || !strings.Contains(err.Error(), "connect") {
			t.Errorf("Send = %v, want a connect error", err)
		}
	})
	t.Run("a cancelled context sends nothing", func(t *testing.T) {
		ch, srv := smtpTestChannel(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := ch.Send(cctx, smtpTestOutgoing(1)); !errors.Is(err, context.Canceled) {
			t.Errorf("Send = %v", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server got %d messages", n)
		}
	})
}

func TestSMTPChannelSendsHTMLAloneWhenThereIsNoText(t *testing.T) {
	ch, srv := smtpTestChannel(t)
	m := smtpTestOutgoing(1)
	m.Text, m.MessageID, m.UnsubscribeURL = "", "", ""
	res, err := ch.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.MessageID == "" || strings.ContainsAny(res.MessageID, "<>") {
		t.Errorf("generated MessageID = %q, want one without brackets", res.MessageID)
	}
	parsed, err := mail.ReadMessage(bytes.NewReader(srv.Messages()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if ct := parsed.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", ct)
	}
	if parsed.Header.Get("Message-Id") != "<"+res.MessageID+">" || parsed.Header.Get("List-Unsubscribe") != "" {
		t.Errorf("headers = %v", parsed.Header)
	}
}
