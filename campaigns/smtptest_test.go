package campaigns

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Credentials the test SMTP server accepts when a client authenticates.
const (
	testSMTPUser     = "persona"
	testSMTPPassword = "s3cret"
)

// testSMTP is a real SMTP server (emersion/go-smtp) on loopback that keeps what it
// receives. Shared by every test of the package that needs a mail server.
type testSMTP struct {
	mu       sync.Mutex
	messages []struct {
		From string
		To   []string
		Data []byte
	}
	conns  map[*smtp.Conn]bool
	users  []string
	queued int
}

// startTestSMTP starts a server on 127.0.0.1 that accepts any message (AUTH PLAIN
// allowed without TLS, user "persona", password "s3cret") and stops it when t ends.
func startTestSMTP(t testing.TB) (addr string, srv *testSMTP) {
	t.Helper()
	srv = &testSMTP{conns: map[*smtp.Conn]bool{}}
	s := smtp.NewServer(srv)
	s.Domain = "mx.test"
	s.AllowInsecureAuth = true
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	logger := &testSMTPLog{t: t}
	s.ErrorLog = logger
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for test SMTP server: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := s.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("test SMTP server: %v", err)
		}
	}()
	t.Cleanup(func() {
		logger.stopped.Store(true)
		_ = s.Close()
		_ = ln.Close() // Close misses the listener when Serve has not started yet
		<-done
	})
	return ln.Addr().String(), srv
}

// Messages returns a copy of the messages received so far, in order.
func (s *testSMTP) Messages() []struct {
	From string
	To   []string
	Data []byte
} {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]struct {
		From string
		To   []string
		Data []byte
	}, len(s.messages))
	copy(out, s.messages)
	return out
}

// Connections returns how many SMTP connections clients have opened so far.
func (s *testSMTP) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// authUsers returns the user names clients authenticated as, one per AUTH.
func (s *testSMTP) authUsers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.users...)
}

// dropConnections closes every open connection from the server side, as a server does
// after its idle timeout.
func (s *testSMTP) dropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.Conn().Close()
	}
}

// NewSession is called once per connection, on its first EHLO.
func (s *testSMTP) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns[c] = true
	return &testSMTPSession{srv: s}, nil
}

type testSMTPSession struct {
	srv  *testSMTP
	from string
	to   []string
}

func (s *testSMTPSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *testSMTPSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if user != testSMTPUser || pass != testSMTPPassword {
			return smtp.ErrAuthFailed
		}
		s.srv.mu.Lock()
		s.srv.users = append(s.srv.users, user)
		s.srv.mu.Unlock()
		return nil
	}
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
}

func (s *testSMTPSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *testSMTPSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

// Data stores the message and answers with a queue id, as real servers do.
func (s *testSMTPSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.messages = append(s.srv.messages, struct {
		From string
		To   []string
		Data []byte
	}{s.from, s.to, data})
	s.srv.queued++
	id := s.srv.queued
	s.srv.mu.Unlock()
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: fmt.Sprintf("OK: queued as Q%d", id)}
}

func (s *testSMTPSession) Reset() {
	s.from, s.to = "", nil
}

func (s *testSMTPSession) Logout() error { return nil }

// testSMTPLog sends the server's own error log to the test log until the test ends.
type testSMTPLog struct {
	t       testing.TB
	stopped atomic.Bool
}

func (l *testSMTPLog) Printf(format string, v ...any) {
	if !l.stopped.Load() {
		l.t.Logf("smtp server: "+format, v...)
	}
}

func (l *testSMTPLog) Println(v ...any) {
	if !l.stopped.Load() {
		l.t.Log(append([]any{"smtp server:"}, v...)...)
	}
}
