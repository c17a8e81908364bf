package campaigns

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestLaunchTwiceWithTheSameKeySendsOnce(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch })
	for _, e := range []string{"ann@example.com", "bob@example.com", "cem@example.com"} {
		f.customer(e, "X", "Y")
	}
	c := f.campaign(s, "Spring Sale")
	ctx := context.Background()

	first, err := s.Launch(ctx, c.ID, "k1")
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Launch(ctx, c.ID, "k1")
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || first.Recipients != 3 || first.Status != RunSending {
		t.Fatalf("runs = %+v and %+v, want the same sending run of 3", first, second)
	}
	if n := f.count(`SELECT COUNT(*) FROM runs`); n != 1 {
		t.Fatalf("runs = %d, want 1", n)
	}
	if n := f.count(`SELECT COUNT(*) FROM deliveries`); n != 3 {
		t.Fatalf("deliveries = %d, want 3", n)
	}
	drain(t, s, ch)
	if _, err := s.Launch(ctx, c.ID, "k1"); err != nil {
		t.Fatal(err)
	}
	drain(t, s, ch)
	if got := len(ch.Sent()); got != 3 {
		t.Fatalf("messages sent = %d, want 3", got)
	}
	run, _ := s.Run(ctx, first.ID)
	c, _ = s.Campaign(ctx, c.ID)
	if run.Status != RunDone || run.FinishedAt == nil || c.Status != StatusDone {
		t.Fatalf("run %s (finished %v), campaign %s; want done, done", run.Status, run.FinishedAt, c.Status)
	}
}

func TestLaunchGivesEachKindItsFireKeyAndRefusesASecondActiveRun(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	f.customer("ann@example.com", "Ann", "A")
	ctx := context.Background()
	c := f.campaign(s, "Manual")
	run, err := s.Launch(ctx, c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "manual-" + strconv.FormatInt(t0.UnixNano(), 10); run.FireKey != want {
		t.Errorf("fire key = %q, want %q", run.FireKey, want)
	}
	f.clock.Advance(time.Second)
	if _, err := s.Launch(ctx, c.ID, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second launch while sending = %v, want ErrConflict", err)
	}
	sendAt := t0.Add(time.Hour)
	at, err := s.CreateCampaign(ctx, Input{Name: "At", SegmentID: c.SegmentID, TemplateID: c.TemplateID,
		ScheduleKind: ScheduleAt, SendAt: &sendAt})
	if err != nil {
		t.Fatal(err)
	}
	run, err = s.Launch(ctx, at.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := "at-" + strconv.FormatInt(sendAt.Unix(), 10); run.FireKey != want {
		t.Errorf("fire key = %q, want %q", run.FireKey, want)
	}
	if _, err := s.Launch(ctx, 999, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("launch of a missing campaign = %v, want ErrNotFound", err)
	}
}

func TestConsentAndUnsubscribeAreCheckedAtSendTime(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) { o.Channel = ch })
	f.customer("ok@example.com", "Ok", "A")
	noConsent := f.customer("noconsent@example.com", "No", "B")
	f.exec(`UPDATE customers SET consent_email = ? WHERE id = ?`, false, noConsent)
	early := f.customer("early@example.com", "Early", "C")
	f.exec(`UPDATE customers SET unsubscribed_at = ? WHERE id = ?`, t0, early)
	f.customer("", "Nomail", "D")
	late := f.customer("late@example.com", "Late", "E")
	c := f.campaign(s, "Consent")
	ctx := context.Background()
	run, err := s.Launch(ctx, c.ID, "k")
	if err != nil {
		t.Fatal(err)
	}
	if run.Recipients != 5 {
		t.Fatalf("materialised %d recipients, want all 5 (checks happen at send time)", run.Recipients)
	}
	// Unsubscribed after the audience was materialised, before the send.
	f.exec(`UPDATE customers SET unsubscribed_at = ? WHERE id = ?`, t0, late)
	drain(t, s, ch)

	want := map[string]string{
		"ok@example.com":        "sent",
		"noconsent@example.com": "skipped no email consent",
		"early@example.com":     "skipped unsubscribed",
		"":                      "skipped no email address",
		"late@example.com":      "skipped unsubscribed",
	}
	got := f.deliveryStatuses(run.ID)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%q: %q, want %q", email, got[email], w)
		}
	}
	if sent := ch.Sent(); len(sent) != 1 || sent[0].To != "ok@example.com" {
		t.Fatalf("sent %+v, want only ok@example.com", sent)
	}
	p, _ := s.Progress(ctx, c.ID)
	if p != (Progress{RunID: run.ID, Status: RunDone, Recipients: 5, Sent: 1, Skipped: 4}) {
		t.Errorf("progress = %+v", p)
	}
}

func TestRecommenderErrorSendsWithoutRecommendations(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{}
	s := f.service(func(o *Options) {
		o.Channel = ch
		o.Recommender = fakeRecommender{err: errors.New("model not trained")}
	})
	f.customer("a@example.com", "Ann", "A")
	c := f.campaign(s, "No recs")
	run, _ := s.Launch(context.Background(), c.ID, "k")
	drain(t, s, ch)
	got := f.deliveryStatuses(run.ID)["a@example.com"]
	if got != "sent sent without recommendations: model not trained" {
		t.Errorf("delivery = %q", got)
	}
	if sent := ch.Sent(); len(sent) != 1 || strings.Contains(sent[0].HTML, `class="rec"`) {
		t.Errorf("message should be sent without a recommendation block")
	}
}

func TestDeliveriesPagesThroughACampaign(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	f.customers(7)
	c := f.campaign(s, "Paged")
	ctx := context.Background()
	if _, err := s.Launch(ctx, c.ID, "k"); err != nil {
		t.Fatal(err)
	}
	rows, total, err := s.Deliveries(ctx, c.ID, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	if total != 7 || len(rows) != 2 || rows[0].Name() != "User5 Test" || rows[0].Status != DeliveryPending {
		t.Fatalf("page 2 = %+v (total %d)", rows, total)
	}
}
