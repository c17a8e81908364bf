package campaigns

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// scheduled creates an at or cron campaign over everybody.
func scheduled(t *testing.T, f *fixture, s *Service, in Input) Campaign {
	t.Helper()
	in.SegmentID = f.segment("seg " + in.Name)
	in.TemplateID = f.template("tpl "+in.Name, "Hi", testHTML, testText)
	c, err := s.CreateCampaign(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != StatusScheduled {
		t.Fatalf("new %s campaign is %s, want scheduled", in.ScheduleKind, c.Status)
	}
	return c
}

func fireKeys(t *testing.T, s *Service, campaignID int64) []string {
	t.Helper()
	runs, err := s.Runs(context.Background(), campaignID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range runs {
		keys = append(keys, r.FireKey)
	}
	slices.Sort(keys)
	return keys
}

func cronKey(t time.Time) string { return fmt.Sprintf("cron-%d", t.Unix()) }

func TestTickFiresAnAtCampaignOnceAtItsTime(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch })
	f.customer("ann@example.com", "Ann", "A")
	sendAt := t0.Add(time.Hour)
	c := scheduled(t, f, s, Input{Name: "Launch day", ScheduleKind: ScheduleAt, SendAt: &sendAt})
	ctx := context.Background()

	steps := []struct {
		at   time.Time
		want int
	}{
		{t0, 0},
		{sendAt.Add(-time.Second), 0},
		{sendAt, 1},
		{sendAt.Add(15 * time.Second), 1},
		{sendAt.Add(24 * time.Hour), 1},
	}
	for _, step := range steps {
		f.clock.Set(step.at)
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		drain(t, s, ch)
		if keys := fireKeys(t, s, c.ID); len(keys) != step.want {
			t.Fatalf("at %v: runs %v, want %d", step.at, keys, step.want)
		}
	}
	if keys := fireKeys(t, s, c.ID); keys[0] != fmt.Sprintf("at-%d", sendAt.Unix()) {
		t.Errorf("fire key = %q", keys[0])
	}
	if len(ch.Sent()) != 1 {
		t.Errorf("sent %d messages, want 1", len(ch.Sent()))
	}
	if c, _ = s.Campaign(ctx, c.ID); c.Status != StatusDone {
		t.Errorf("campaign is %s, want done", c.Status)
	}
}

func TestTickFiresACronCampaignOnceAtEachScheduledMinute(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch })
	f.customer("ann@example.com", "Ann", "A")
	c := scheduled(t, f, s, Input{Name: "Ten minutes", ScheduleKind: ScheduleCron, CronExpr: "*/10 * * * *"})
	ctx := context.Background()
	// Tick every 15 seconds for 35 minutes, sending whatever fired.
	for at := t0; !at.After(t0.Add(35 * time.Minute)); at = at.Add(15 * time.Second) {
		f.clock.Set(at)
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		drain(t, s, ch)
	}
	want := []string{cronKey(t0.Add(10 * time.Minute)), cronKey(t0.Add(20 * time.Minute)), cronKey(t0.Add(30 * time.Minute))}
	if got := fireKeys(t, s, c.ID); !slices.Equal(got, want) {
		t.Fatalf("fire keys = %v, want %v", got, want)
	}
	if len(ch.Sent()) != 3 {
		t.Errorf("sent %d messages, want 3", len(ch.Sent()))
	}
	c, _ = s.Campaign(ctx, c.ID)
	if c.LastFiredAt == nil || !c.LastFiredAt.Equal(t0.Add(30*time.Minute)) || c.Status != StatusScheduled {
		t.Errorf("last fired %v, status %s; want 09:30, scheduled", c.LastFiredAt, c.Status)
	}
}

func TestTickFiresOnlyTheLatestOfSeveralMissedMinutes(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	c := scheduled(t, f, s, Input{Name: "Missed", ScheduleKind: ScheduleCron, CronExpr: "*/10 * * * *"})
	ctx := context.Background()
	f.clock.Set(t0.Add(3*time.Hour + 34*time.Minute))
	for i := 0; i < 2; i++ {
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := fireKeys(t, s, c.ID), []string{cronKey(t0.Add(3*time.Hour + 30*time.Minute))}; !slices.Equal(got, want) {
		t.Fatalf("fire keys = %v, want %v", got, want)
	}
}

func TestTickSkipsACronFiringWhileThePreviousRunIsSending(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	f.customer("ann@example.com", "Ann", "A")
	c := scheduled(t, f, s, Input{Name: "Busy", ScheduleKind: ScheduleCron, CronExpr: "*/10 * * * *"})
	ctx := context.Background()
	for _, at := range []time.Time{t0.Add(10 * time.Minute), t0.Add(20 * time.Minute)} {
		f.clock.Set(at)
		if err := s.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := fireKeys(t, s, c.ID), []string{cronKey(t0.Add(10 * time.Minute))}; !slices.Equal(got, want) {
		t.Fatalf("fire keys = %v, want %v", got, want)
	}
	c, _ = s.Campaign(ctx, c.ID)
	if c.LastFiredAt == nil || !c.LastFiredAt.Equal(t0.Add(20*time.Minute)) {
		t.Errorf("last fired %v, want the skipped 09:20", c.LastFiredAt)
	}
}

func TestTickLeavesManualAndDraftCampaignsAlone(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	c := f.campaign(s, "Manual")
	f.clock.Advance(48 * time.Hour)
	if err := s.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if keys := fireKeys(t, s, c.ID); len(keys) != 0 {
		t.Errorf("manual campaign fired: %v", keys)
	}
}
