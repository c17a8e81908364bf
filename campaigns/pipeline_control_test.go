package campaigns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestPauseStopsClaimingBetweenBatchesAndResumeFinishes(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch; o.BatchSize = 3 })
	f.customers(10)
	c := f.campaign(s, "Pausable")
	ctx := context.Background()
	run, err := s.Launch(ctx, c.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	ch.onSend = func(Outgoing) {
		if len(ch.Sent()) == 2 {
			if err := s.Pause(ctx, run.ID); err != nil {
				t.Errorf("pause: %v", err)
			}
		}
	}
	drain(t, s, ch)
	p, _ := s.Progress(ctx, c.ID)
	if p.Status != RunPaused || p.Sent != 3 || p.Pending != 7 {
		t.Fatalf("after pause mid-batch: %+v, want paused with the batch of 3 sent and 7 pending", p)
	}
	if err := s.Pause(ctx, run.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("pausing a paused run = %v, want ErrConflict", err)
	}
	ch.onSend = nil
	if err := s.Resume(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	p = workUntil(t, s, c.ID, RunDone)
	if p.Sent != 10 || p.Pending != 0 || len(ch.Sent()) != 10 {
		t.Fatalf("after resume: %+v, %d messages; want 10 sent once each", p, len(ch.Sent()))
	}
}

func TestCancelStopsARunAndMarksTheRestCancelled(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch; o.BatchSize = 4 })
	f.customers(10)
	c := f.campaign(s, "Cancellable")
	ctx := context.Background()
	run, _ := s.Launch(ctx, c.ID, "k")
	ch.onSend = func(Outgoing) {
		if len(ch.Sent()) == 1 {
			if err := s.Cancel(ctx, run.ID); err != nil {
				t.Errorf("cancel: %v", err)
			}
		}
	}
	drain(t, s, ch)
	run, _ = s.Run(ctx, run.ID)
	c, _ = s.Campaign(ctx, c.ID)
	if run.Status != RunCancelled || run.FinishedAt == nil || c.Status != StatusDone {
		t.Fatalf("run %s finished %v, campaign %s; want cancelled, set, done", run.Status, run.FinishedAt, c.Status)
	}
	if n := len(ch.Sent()); n != 4 {
		t.Errorf("sent %d, want the 4 of the batch in hand", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM deliveries WHERE status = 'cancelled'`); n != 6 {
		t.Errorf("cancelled deliveries = %d, want 6", n)
	}
	if err := s.Resume(ctx, run.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("resuming a cancelled run = %v, want ErrConflict", err)
	}
}

func TestTransientFailuresRetryWithBackoffThenFail(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{fail: func(m Outgoing, attempt int) error {
		switch {
		case m.To == "down@example.com":
			return errTransient
		case m.To == "flaky@example.com" && attempt == 1:
			return errTransient
		}
		return nil
	}}
	s := f.service(func(o *Options) { o.Channel = ch })
	f.customer("down@example.com", "Down", "A")
	f.customer("flaky@example.com", "Flaky", "B")
	f.customer("fine@example.com", "Fine", "C")
	c := f.campaign(s, "Retry")
	ctx := context.Background()
	run, _ := s.Launch(ctx, c.ID, "k")

	steps := []struct {
		advance time.Duration
		want    map[string]string
	}{
		{0, map[string]string{"down@example.com": "pending " + errTransient.Error(), "flaky@example.com": "pending " + errTransient.Error(), "fine@example.com": "sent"}},
		{59 * time.Second, map[string]string{"down@example.com": "pending " + errTransient.Error(), "flaky@example.com": "pending " + errTransient.Error()}},
		{2 * time.Second, map[string]string{"down@example.com": "pending " + errTransient.Error(), "flaky@example.com": "sent"}},
		{119 * time.Second, map[string]string{"down@example.com": "pending " + errTransient.Error()}},
		{2 * time.Second, map[string]string{"down@example.com": "failed " + errTransient.Error()}},
	}
	for i, step := range steps {
		f.clock.Advance(step.advance)
		drain(t, s, ch)
		got := f.deliveryStatuses(run.ID)
		for email, w := range step.want {
			if got[email] != w {
				t.Errorf("step %d: %s is %q, want %q", i, email, got[email], w)
			}
		}
	}
	if n := f.count(`SELECT attempts FROM deliveries WHERE email = 'down@example.com'`); n != maxAttempts {
		t.Errorf("attempts = %d, want %d", n, maxAttempts)
	}
	run, _ = s.Run(ctx, run.ID)
	c, _ = s.Campaign(ctx, c.ID)
	if run.Status != RunDone || c.Status != StatusDone {
		t.Errorf("run %s, campaign %s; want done, done", run.Status, c.Status)
	}
}

func TestARunThatSendsNothingMarksTheCampaignFailed(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{fail: func(Outgoing, int) error { return errTransient }}
	s := f.service(func(o *Options) { o.Channel = ch })
	f.customer("a@example.com", "A", "A")
	c := f.campaign(s, "Doomed")
	ctx := context.Background()
	if _, err := s.Launch(ctx, c.ID, "k"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < maxAttempts; i++ {
		drain(t, s, ch)
		f.clock.Advance(time.Hour)
	}
	c, _ = s.Campaign(ctx, c.ID)
	if c.Status != StatusFailed {
		t.Errorf("campaign status = %s, want failed", c.Status)
	}
}

func TestASlowBatchHandsBackWhatItCannotSendBeforeItsClaimRunsOut(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch; o.BatchSize = 3 })
	// Every message takes a little over half the claim's life.
	ch.onSend = func(Outgoing) { f.clock.Advance(s.opts.ClaimTTL/2 + time.Second) }
	f.customers(3)
	c := f.campaign(s, "Slow")
	ctx := context.Background()
	if _, err := s.Launch(ctx, c.ID, "k"); err != nil {
		t.Fatal(err)
	}
	n, err := s.workBatch(ctx, ch)
	if err != nil || n != 3 {
		t.Fatalf("workBatch = %d, %v", n, err)
	}
	if p, _ := s.Progress(ctx, c.ID); p.Sent != 1 || p.Pending != 2 {
		t.Fatalf("after one slow message: %+v, want 1 sent and 2 handed back", p)
	}
	if n := f.count(`SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND attempts = 0`); n != 2 {
		t.Errorf("handed-back deliveries with no attempt counted = %d, want 2", n)
	}
	drain(t, s, ch)
	if p, _ := s.Progress(ctx, c.ID); p.Sent != 3 || p.Status != RunDone || len(ch.Sent()) != 3 {
		t.Errorf("after draining: %+v, %d messages; want 3 sent once each", p, len(ch.Sent()))
	}
}
