package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/persona-app/persona/store"
)

// SMTP TLS modes.
const (
	SMTPTLSNone     = "none"
	SMTPTLSStartTLS = "starttls"
	SMTPTLSImplicit = "tls"
)

// SMTPOptions say how to reach the mail server. Port 0 means the usual port of the TLS
// mode (25, 587 or 465); TLS "" means starttls; Timeout 0 means 30 seconds.
type SMTPOptions struct {
	Host     string
	Port     int
	TLS      string // none|starttls|tls
	User     string
	Password string
	From     string
	HeloName string
	Timeout  time.Duration
}

// Validate checks the options once at start-up, naming the environment variable at fault.
func (o SMTPOptions) Validate() error {
	fe := store.FieldErrors{}
	host := strings.TrimSpace(o.Host)
	if host == "" {
		fe.Add("PERSONA_SMTP_HOST", "set the SMTP server's host name")
	} else if strings.ContainsAny(host, " /:") && net.ParseIP(host) == nil {
		fe.Add("PERSONA_SMTP_HOST", "give a host name only, like smtp.example.com (the port goes in PERSONA_SMTP_PORT)")
	}
	if o.Port < 0 || o.Port > 65535 {
		fe.Add("PERSONA_SMTP_PORT", "use a port between 1 and 65535 (usually 25, 465 or 587)")
	}
	switch o.tlsMode() {
	case SMTPTLSNone, SMTPTLSStartTLS, SMTPTLSImplicit:
	default:
		fe.Add("PERSONA_SMTP_TLS", `use "none", "starttls" or "tls"`)
	}
	if o.tlsMode() == SMTPTLSNone && o.User != "" && !isLoopbackHost(host) {
		fe.Add("PERSONA_SMTP_TLS", `the password would cross the network in clear text: use "starttls" or "tls"`)
	}
	if o.Password != "" && o.User == "" {
		fe.Add("PERSONA_SMTP_USER", "a password is set but no user name")
	}
	if strings.TrimSpace(o.From) == "" {
		fe.Add("PERSONA_MAIL_FROM", `set the sender, like "Shop <news@shop.example>"`)
	} else if _, err := mail.ParseAddress(o.From); err != nil {
		fe.Add("PERSONA_MAIL_FROM", fmt.Sprintf("%q is not an email address, use the form \"Shop <news@shop.example>\"", o.From))
	}
	if o.Timeout < 0 {
		fe.Add("PERSONA_SMTP_TIMEOUT", "the timeout cannot be negative")
	}
	return fe.Err()
}

func (o SMTPOptions) tlsMode() string {
	if o.TLS == "" {
		return SMTPTLSStartTLS
	}
	return strings.ToLower(o.TLS)
}

func (o SMTPOptions) port() int {
	switch {
	case o.Port != 0:
		return o.Port
	case o.tlsMode() == SMTPTLSImplicit:
		return 465
	case o.tlsMode() == SMTPTLSStartTLS:
		return 587
	}
	return 25
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SMTPChannel sends email through one SMTP server over a single kept-open connection:
// it dials on the first message, sends every later one on the same connection, and dials
// again (once per message) when the server has dropped it. Calls are serialised by a
// mutex, so it is safe for concurrent use; give each worker its own SMTPChannel to send
// over several connections in parallel.
type SMTPChannel struct {
	opts   SMTPOptions
	client *gomail.Client

	mu        sync.Mutex
	connected bool
}

// NewSMTPChannel validates o and prepares a channel; it does not connect yet.
func NewSMTPChannel(o SMTPOptions) (*SMTPChannel, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	// The port is always explicit: go-mail's *PortPolicy options would move a port 25 to 587.
	opts := []gomail.Option{gomail.WithPort(o.port()), gomail.WithTimeout(o.Timeout)}
	switch o.tlsMode() {
	case SMTPTLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case SMTPTLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SMTPTLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if o.HeloName != "" {
		opts = append(opts, gomail.WithHELO(o.HeloName))
	}
	if o.User != "" {
		// PLAIN or LOGIN, whichever the server offers; go-mail refuses both on an
		// unencrypted connection unless the server is on loopback.
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(o.User), gomail.WithPassword(o.Password))
	}
	client, err := gomail.NewClient(strings.TrimSpace(o.Host), opts...)
	if err != nil {
		return nil, fmt.Errorf("campaigns: set up SMTP client for %s: %w", o.Host, err)
	}
	return &SMTPChannel{opts: o, client: client}, nil
}

// Send delivers m and returns the server's reply to the end of DATA, like
// "250 2.0.0 OK: queued as 5F2A".
func (c *SMTPChannel) Send(ctx context.Context, m Outgoing) (SendResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return SendResult{}, err
	}
	msg, err := c.message(m)
	if err != nil {
		return SendResult{}, fmt.Errorf("campaigns: build email for delivery %d: %w", m.DeliveryID, err)
	}
	err = c.send(ctx, msg)
	if isDroppedConnection(err) {
		// The server closed the connection we kept (idle timeout, message limit): dial once more.
		c.drop()
		if msg, err = c.message(m); err == nil {
			err = c.send(ctx, msg)
		}
	}
	if err != nil {
		if !isRejection(err) {
			c.drop()
		}
		return SendResult{}, fmt.Errorf("campaigns: send delivery %d to %s via %s: %w", m.DeliveryID, m.To, c.opts.Host, err)
	}
	// go-mail keeps the server's reply to the end of DATA without its code; a 250 it was.
	resp := "250 " + msg.ServerResponse()
	if msg.ServerResponse() == "" {
		resp = "250 accepted"
	}
	return SendResult{MessageID: strings.Trim(msg.GetMessageID(), "<>"), Response: resp}, nil
}

func (c *SMTPChannel) send(ctx context.Context, msg *gomail.Msg) error {
	if !c.connected {
		if err := c.client.DialWithContext(ctx); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		c.connected = true
	}
	return c.client.Send(msg)
}

// drop forgets the current connection, closing it if it still answers.
func (c *SMTPChannel) drop() {
	if c.connected {
		_ = c.client.Close()
	}
	c.connected = false
}

// Close ends the kept connection with QUIT.
func (c *SMTPChannel) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.connected {
		return nil
	}
	c.connected = false
	if err := c.client.Close(); err != nil {
		return fmt.Errorf("campaigns: close SMTP connection to %s: %w", c.opts.Host, err)
	}
	return nil
}

// message builds the MIME message: text and HTML as multipart/alternative (HTML alone
// when there is no text), Message-ID, and one-click List-Unsubscribe headers.
func (c *SMTPChannel) message(m Outgoing) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(c.opts.From); err != nil {
		return nil, fmt.Errorf("sender %q: %w", c.opts.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	if m.UnsubscribeURL != "" {
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribe, "<"+m.UnsubscribeURL+">")
		msg.SetGenHeaderPreformatted(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	if m.Text != "" {
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	} else {
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

// isDroppedConnection tells whether the kept connection was found dead before sending.
func isDroppedConnection(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && se.Reason == gomail.ErrConnCheck
}

// isRejection tells whether the server refused the sender or recipient; go-mail has reset
// the transaction and the connection stays usable.
func isRejection(err error) bool {
	var se *gomail.SendError
	return errors.As(err, &se) && (se.Reason == gomail.ErrSMTPMailFrom || se.Reason == gomail.ErrSMTPRcptTo)
}
