package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/customers/synth"
)

// The figures the README and the issue ask for. Run them with
//   go test ./cmd/persona -run '^$' -bench . -benchtime 1x -timeout 30m

// countingSMTP is a loopback SMTP server that reads and counts every message.
type countingSMTP struct{ messages atomic.Int64 }

func (c *countingSMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &countingSession{c}, nil }

type countingSession struct{ srv *countingSMTP }

func (s *countingSession) Reset()                               {}
func (s *countingSession) Logout() error                        { return nil }
func (s *countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *countingSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.srv.messages.Add(1)
	return nil
}

func startCountingSMTP(b *testing.B) (string, *countingSMTP) {
	b.Helper()
	be := &countingSMTP{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String(), be
}

// demoDB builds the demo shop once per benchmark run (about 75 s), or names the one in
// PERSONA_BENCH_DEMO_DB, a demo database built before (`persona demo --no-serve`).
var demoOnce struct {
	sync.Once
	dir string
	err error
}

func demoDB(b *testing.B) string {
	if path := os.Getenv("PERSONA_BENCH_DEMO_DB"); path != "" {
		return path
	}
	demoOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			demoOnce.err = err
			return
		}
		demoOnce.dir = dir
		a, err := benchApp(filepath.Join(dir, "demo.db"), nil)
		if err != nil {
			demoOnce.err = err
			return
		}
		defer a.Close()
		demoOnce.err = a.buildDemo(context.Background(), 1, io.Discard)
	})
	if demoOnce.err != nil {
		b.Fatal(demoOnce.err)
	}
	return filepath.Join(demoOnce.dir, "demo.db")
}

func benchApp(db string, extra map[string]string) (*app, error) {
	env := map[string]string{"DATABASE_URL": db, "PERSONA_LOG_LEVEL": "error", "PERSONA_BASE_URL": "http://persona.test"}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := loadConfig(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	return newApp(context.Background(), cfg, io.Discard)
}

// BenchmarkSendDemoLargestCampaign sends the demo's largest campaign ("Newsletter: picked
// for you", everyone with consent) to a loopback SMTP server through the real pipeline:
// recommendations, rendering, link tracking, one SMTP connection per worker.
func BenchmarkSendDemoLargestCampaign(b *testing.B) {
	db := demoDB(b)
	addr, srv := startCountingSMTP(b)
	host, port, _ := net.SplitHostPort(addr)
	a, err := benchApp(db, map[string]string{"PERSONA_SMTP_HOST": host, "PERSONA_SMTP_PORT": port, "PERSONA_SMTP_TLS": "none"})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	list, err := a.campaigns.Campaigns(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var id int64
	for _, c := range list {
		if c.Name == "Newsletter: picked for you" {
			id = c.ID
		}
	}
	b.ResetTimer()
	var sent int64
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		before := srv.messages.Load()
		if _, err := a.campaigns.Launch(ctx, id, "bench-"+strconv.Itoa(i)+"-"+strconv.FormatInt(time.Now().UnixNano(), 10)); err != nil {
			b.Fatal(err)
		}
		if err := drain(ctx, a.campaigns, id); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		sent += srv.messages.Load() - before
	}
	if sent == 0 {
		b.Fatal("nothing reached the SMTP server")
	}
	b.ReportMetric(float64(sent)/elapsed.Seconds(), "messages/s")
	b.ReportMetric(float64(sent)/float64(b.N), "messages/run")
}

// BenchmarkTrainDemo trains item-to-item and popularity on the demo shop (from the database).
func BenchmarkTrainDemo(b *testing.B) {
	a, err := benchApp(demoDB(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := a.recsys.Train(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/train")
}

// BenchmarkImportMillionRows imports 1,000,000 customers and then 1,000,000 events (of
// those customers, over 300 products) from CSV files written by the generator.
func BenchmarkImportMillionRows(b *testing.B) {
	dir := b.TempDir()
	opts := synth.Options{Seed: 3, Customers: 1_000_000, Products: 300, Days: 90, End: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Events: 1_000_000}
	counts, err := synth.Generate(filepath.Join(dir, "data"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a, err := benchApp(filepath.Join(dir, "import"+strconv.Itoa(i)+".db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, k := range []customers.Kind{customers.KindCustomers, customers.KindEvents} {
			start := time.Now()
			sum, err := a.customers.ImportFile(context.Background(), filepath.Join(dir, "data", string(k)+".csv"), customers.ImportOptions{Kind: k})
			if err != nil {
				b.Fatal(err)
			}
			if sum.Rejected != 0 {
				b.Fatalf("%s: %d rejected: %v", k, sum.Rejected, sum.Errors[:1])
			}
			b.ReportMetric(float64(sum.Rows)/time.Since(start).Seconds(), string(k)+"-rows/s")
		}
		a.Close()
	}
	b.ReportMetric(float64(counts.Events), "events")
}

func mkdirTemp() (string, error) { return os.MkdirTemp("", "persona-bench-") }
