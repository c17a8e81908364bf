package campaigns

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkSendSMTP sends a campaign to 5000 recipients through SMTPChannel to the loopback
// server: render, tracked links, send and record for every message.
//
//	go test ./campaigns/ -run '^$' -bench BenchmarkSendSMTP -benchtime 1x
func BenchmarkSendSMTP(b *testing.B) {
	const recipients = 5000
	for _, bc := range []struct {
		name      string
		perWorker bool
	}{
		{"one shared connection", false},
		{"one connection per worker", true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFixture(b)
			addr, srv := startTestSMTP(b)
			f.customers(recipients)
			s := f.service(func(o *Options) {
				o.Workers, o.BatchSize = 4, 100
				o.Channel = smtpChannel(b, addr)
				if bc.perWorker {
					o.NewChannel = func() (Channel, error) { return NewSMTPChannel(smtpOptions(addr)) }
				}
			})
			c := f.campaign(s, "Bench")
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- s.Work(ctx) }()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				run, err := s.Launch(ctx, c.ID, fmt.Sprintf("bench-%d", i))
				if err != nil {
					b.Fatal(err)
				}
				for {
					r, err := s.Run(ctx, run.ID)
					if err != nil {
						b.Fatal(err)
					}
					if r.Status == RunDone {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			cancel()
			<-done
			if got := len(srv.Messages()); got != recipients*b.N {
				b.Fatalf("server received %d messages, want %d", got, recipients*b.N)
			}
			b.ReportMetric(float64(recipients*b.N)/elapsed.Seconds(), "messages/s")
		})
	}
}
