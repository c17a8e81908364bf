package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers/synth"
	"github.com/persona-app/persona/segments"
	"github.com/persona-app/persona/store"
)

// recordingSMTP is a loopback SMTP server that keeps who received each accepted message.
// It takes a few milliseconds a message, like a real server, so a run lasts long enough
// to be killed in the middle.
type recordingSMTP struct {
	mu  sync.Mutex
	got []string
}

func (r *recordingSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &recordingSession{srv: r}, nil
}

func (r *recordingSMTP) recipients() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

type recordingSession struct {
	srv *recordingSMTP
	to  []string
}

func (s *recordingSession) Reset()                               { s.to = nil }
func (s *recordingSession) Logout() error                        { return nil }
func (s *recordingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *recordingSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *recordingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	time.Sleep(4 * time.Millisecond)
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, s.to...)
	s.srv.mu.Unlock()
	return nil
}

// TestAKilledServerResumesWithoutSendingAnyoneTwice builds the persona binary, starts it,
// launches a campaign through the API, kills the process with SIGKILL in the middle of the
// send, starts it again and checks that nobody received the message twice and that every
// recipient either received it or is reported as in doubt (at most one per worker).
func TestAKilledServerResumesWithoutSendingAnyoneTwice(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "persona")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(dir, "persona.db")
	data := filepath.Join(dir, "data")
	opts := synth.DemoOptions(11, shopEnd())
	opts.Customers, opts.Products = 400, 30
	if _, err := synth.Generate(data, opts); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) string {
		out, err := exec.Command(bin, append(args, "--db", db)...).CombinedOutput()
		if err != nil {
			t.Fatalf("persona %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	for _, k := range []string{"products", "customers", "orders", "events"} {
		cli("import", "--kind", k, filepath.Join(data, k+".csv"))
	}
	cli("recsys", "train")
	keyOut := strings.TrimSpace(cli("apikeys", "create", "--name", "test"))
	key := keyOut[strings.LastIndex(keyOut, "\n")+1:]

	// Campaign to everyone with consent, made through the domain packages.
	ctx := context.Background()
	sdb, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	rules, _ := segments.ParseRules([]byte(`{"match":"all","conditions":[{"field":"consent_email","op":"is_true"}]}`))
	seg, err := segments.NewService(sdb, nil).CreateSegment(ctx, segments.Input{Name: "Everyone", Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := (&campaigns.Templates{DB: sdb, Now: time.Now}).Create(ctx, campaigns.Template{Name: "T", Subject: "Hi {{.Customer.FirstName}}",
		HTML: `<p>Hi</p>{{range .Recommendations}}<a href="{{.URL}}">{{.Name}}</a>{{end}}`})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := campaigns.NewService(sdb, campaigns.Options{Now: time.Now}).CreateCampaign(ctx, campaigns.Input{Name: "Killed", SegmentID: seg.ID, TemplateID: tpl.ID, ScheduleKind: campaigns.ScheduleManual})
	if err != nil {
		t.Fatal(err)
	}
	var consenting int
	sdb.Raw(`SELECT COUNT(*) FROM customers WHERE consent_email = ? AND email <> ''`, true).Scan(&consenting)

	rec := &recordingSMTP{}
	smtpSrv := smtp.NewServer(rec)
	smtpSrv.Domain = "localhost"
	smtpSrv.ErrorLog = log.New(io.Discard, "", 0) // the kill resets a connection on purpose
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = smtpSrv.Serve(ln) }()
	defer smtpSrv.Close()
	smtpHost, smtpPort, _ := net.SplitHostPort(ln.Addr().String())

	httpLn, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := httpLn.Addr().String()
	httpLn.Close()
	serve := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--db", db, "--addr", addr)
		cmd.Env = append(os.Environ(), "PERSONA_SMTP_HOST="+smtpHost, "PERSONA_SMTP_PORT="+smtpPort, "PERSONA_SMTP_TLS=none",
			"PERSONA_CLAIM_TTL=2s", "PERSONA_SEND_WORKERS=4", "PERSONA_LOG_LEVEL=error", "PERSONA_BASE_URL=http://"+addr)
		var logs bytes.Buffer
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		for i := 0; i < 100; i++ {
			if r, err := http.Get("http://" + addr + "/healthz"); err == nil {
				r.Body.Close()
				return cmd
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("persona serve did not start:\n%s", logs.String())
		return nil
	}

	first := serve()
	req, _ := http.NewRequest("POST", fmt.Sprintf("http://%s/api/v1/campaigns/%d/send", addr, camp.ID), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("launch: %v %v", err, resp)
	}
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for len(rec.recipients()) < consenting/3 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages arrived before the kill", len(rec.recipients()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL: no shutdown code runs
		t.Fatal(err)
	}
	_ = first.Wait()
	atKill := len(rec.recipients())
	if atKill >= consenting {
		t.Fatalf("the run finished (%d messages) before it could be killed", atKill)
	}

	second := serve()
	var status string
	deadline = time.Now().Add(60 * time.Second)
	for status != campaigns.RunDone {
		if time.Now().After(deadline) {
			t.Fatalf("run did not finish after the restart (status %q, %d messages)", status, len(rec.recipients()))
		}
		time.Sleep(200 * time.Millisecond)
		sdb.Raw(`SELECT status FROM runs WHERE campaign_id = ?`, camp.ID).Scan(&status)
	}
	_ = second.Process.Signal(os.Interrupt)

	got := map[string]int{}
	for _, to := range rec.recipients() {
		got[to]++
	}
	for to, n := range got {
		if n > 1 {
			t.Errorf("%s received %d messages", to, n)
		}
	}
	var inDoubt []string
	sdb.Raw(`SELECT email FROM deliveries WHERE error = ?`, campaigns.InDoubtError).Scan(&inDoubt)
	if len(inDoubt) > 4 {
		t.Errorf("%d deliveries in doubt, more than one per worker", len(inDoubt))
	}
	missing := 0
	var sentTo []string
	sdb.Raw(`SELECT email FROM deliveries WHERE status = 'sent'`).Scan(&sentTo)
	for _, e := range sentTo {
		if got[e] != 1 {
			missing++
		}
	}
	if missing > 0 || len(sentTo)+len(inDoubt) != consenting {
		t.Errorf("%d recorded as sent but not received; %d sent + %d in doubt, want %d recipients", missing, len(sentTo), len(inDoubt), consenting)
	}
	t.Logf("killed after %d of %d messages; %d in doubt after the restart", atKill, consenting, len(inDoubt))
}
