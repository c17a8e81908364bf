package campaigns

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// killingChannel sends through a real channel and, after limit messages, cancels the
// workers' context and refuses to send anything more, as a killed process would.
type killingChannel struct {
	inner  Channel
	cancel context.CancelFunc
	limit  int

	mu   sync.Mutex
	sent int
}

func (k *killingChannel) Send(_ context.Context, m Outgoing) (SendResult, error) {
	k.mu.Lock()
	if k.sent >= k.limit {
		k.mu.Unlock()
		return SendResult{}, errors.New("process killed")
	}
	k.sent++
	if k.sent == k.limit {
		k.cancel()
	}
	k.mu.Unlock()
	// A message already handed to the server completes, whatever happens to the workers.
	return k.inner.Send(context.Background(), m)
}

func (k *killingChannel) Close() error { return nil }

func TestARunKilledMidWayResumesAndSendsEachMessageOnce(t *testing.T) {
	const recipients = 40
	f := newFixture(t)
	addr, srv := startTestSMTP(t)
	f.customers(recipients)
	ctx := context.Background()
	first := f.service(func(o *Options) { o.BatchSize = 5; o.Workers = 4 })
	c := f.campaign(first, "Crash")
	run, err := first.Launch(ctx, c.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	// A delivery a killed process had claimed and not sent: its claim has not expired yet.
	var stuck int64
	f.db.Raw(`SELECT MAX(id) FROM deliveries WHERE run_id = ?`, run.ID).Scan(&stuck)
	f.exec(`UPDATE deliveries SET status = 'sending', claim_token = 'dead-worker', claimed_until = ?, attempts = 1
		WHERE id = ?`, f.clock.Now().Add(5*time.Minute), stuck)

	workCtx, cancel := context.WithCancel(ctx)
	smtp := smtpChannel(t, addr)
	first.opts.Channel = &killingChannel{inner: smtp, cancel: cancel, limit: 12}
	if err := first.Work(workCtx); err != nil {
		t.Fatal(err)
	}
	p, _ := first.Progress(ctx, c.ID)
	if p.Status != RunSending || p.Sent < 12 || p.Sent >= recipients-1 || p.Pending != recipients-p.Sent {
		t.Fatalf("after the kill: %+v; want a sending run with at least 12 sent and the rest pending", p)
	}
	if got := len(srv.Messages()); got != p.Sent {
		t.Fatalf("server has %d messages, the database records %d sent", got, p.Sent)
	}

	if n := f.count(`SELECT COUNT(*) FROM deliveries WHERE id = ? AND status = 'sending' AND claim_token = 'dead-worker'`, stuck); n != 1 {
		t.Fatalf("the unexpired claim of the dead worker was taken over")
	}

	// Restart: a fresh Service; the dead worker's claim expires once ClaimTTL has passed.
	f.clock.Advance(5*time.Minute + time.Second)
	second := f.service(func(o *Options) { o.BatchSize = 5; o.Workers = 4; o.Channel = smtp })
	p = workUntil(t, second, c.ID, RunDone)
	if p.Sent != recipients || p.Pending != 0 || p.Failed != 0 {
		t.Fatalf("after restart: %+v, want all %d sent", p, recipients)
	}
	perRecipient := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			perRecipient[to]++
		}
	}
	if len(perRecipient) != recipients {
		t.Errorf("%d distinct recipients got mail, want %d", len(perRecipient), recipients)
	}
	for to, n := range perRecipient {
		if n != 1 {
			t.Errorf("%s received %d messages, want exactly 1", to, n)
		}
	}
}

// A worker killed while handing a message to the server leaves it in doubt: the server may
// have accepted it. Sending again could deliver it twice, so it is settled as failed with
// InDoubtError and never resent, while the rest of the run goes out normally.
func TestAMessageInDoubtAfterAKillIsNotSentAgain(t *testing.T) {
	const recipients = 6
	f := newFixture(t)
	addr, srv := startTestSMTP(t)
	f.customers(recipients)
	ctx := context.Background()
	svc := f.service(func(o *Options) { o.BatchSize = 2; o.Workers = 1 })
	c := f.campaign(svc, "In doubt")
	run, err := svc.Launch(ctx, c.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	var inDoubt, claimedOnly int64
	f.db.Raw(`SELECT MIN(id) FROM deliveries WHERE run_id = ?`, run.ID).Scan(&inDoubt)
	claimedOnly = inDoubt + 1
	f.exec(`UPDATE deliveries SET status = 'sending', claim_token = 'dead', claimed_until = ?, attempts = 1,
		transmit_started_at = ? WHERE id = ?`, f.clock.Now().Add(-time.Second), f.clock.Now().Add(-time.Minute), inDoubt)
	f.exec(`UPDATE deliveries SET status = 'sending', claim_token = 'dead', claimed_until = ?, attempts = 1
		WHERE id = ?`, f.clock.Now().Add(-time.Second), claimedOnly)

	second := f.service(func(o *Options) { o.BatchSize = 2; o.Workers = 1; o.Channel = smtpChannel(t, addr) })
	p := workUntil(t, second, c.ID, RunDone)
	if p.Sent != recipients-1 || p.Failed != 1 {
		t.Fatalf("progress %+v: want %d sent and the one in doubt failed", p, recipients-1)
	}
	var status, msg string
	f.db.Raw(`SELECT status FROM deliveries WHERE id = ?`, inDoubt).Scan(&status)
	f.db.Raw(`SELECT error FROM deliveries WHERE id = ?`, inDoubt).Scan(&msg)
	if status != DeliveryFailed || msg != InDoubtError {
		t.Fatalf("delivery in doubt: status %q error %q", status, msg)
	}
	if got := len(srv.Messages()); got != recipients-1 {
		t.Fatalf("server got %d messages, want %d (the claimed-only delivery sent, the one in doubt not)", got, recipients-1)
	}
}
