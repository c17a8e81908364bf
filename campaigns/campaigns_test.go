package campaigns

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestCreateCampaignRejectsBadInputNamingTheField(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	seg := f.segment("Everyone")
	tpl := f.template("Welcome", "Hi", "<p>Hi</p>", "")
	ctx := context.Background()
	if _, err := s.CreateCampaign(ctx, Input{Name: "Taken", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleManual}); err != nil {
		t.Fatal(err)
	}
	past, future := t0.Add(-time.Minute), t0.Add(time.Hour)
	valid := Input{Name: "New", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleManual}
	cases := []struct {
		name  string
		edit  func(in *Input)
		field string
		msg   string
	}{
		{"a blank name is required", func(in *Input) { in.Name = "  " }, "name", "is required"},
		{"a name already used is refused", func(in *Input) { in.Name = " Taken " }, "name", "is already used by another campaign"},
		{"a missing segment is named", func(in *Input) { in.SegmentID = 999 }, "segment_id", "segment 999 does not exist"},
		{"no segment at all asks for one", func(in *Input) { in.SegmentID = 0 }, "segment_id", "choose a segment"},
		{"a missing template is named", func(in *Input) { in.TemplateID = 999 }, "template_id", "template 999 does not exist"},
		{"an unknown schedule kind is refused", func(in *Input) { in.ScheduleKind = "weekly" }, "schedule_kind", "must be one of manual, now, at, cron"},
		{"at without a time is refused", func(in *Input) { in.ScheduleKind = ScheduleAt }, "send_at", "is required for a campaign sent at a given time"},
		{"at in the past is refused", func(in *Input) { in.ScheduleKind, in.SendAt = ScheduleAt, &past }, "send_at", "must be in the future"},
		{"a bad cron expression names its field", func(in *Input) { in.ScheduleKind, in.CronExpr = ScheduleCron, "61 * * * *" },
			"cron_expr", "minute field: 61 is out of range 0-59"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := valid
			tc.edit(&in)
			_, err := s.CreateCampaign(ctx, in)
			fe, ok := store.AsFieldErrors(err)
			if !ok {
				t.Fatalf("error = %v, want FieldErrors", err)
			}
			if fe[tc.field] != tc.msg {
				t.Errorf("%s: %q, want %q (all: %v)", tc.field, fe[tc.field], tc.msg, fe)
			}
		})
	}
	if _, err := s.CreateCampaign(ctx, Input{Name: "Later", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleAt, SendAt: &future}); err != nil {
		t.Errorf("a future send_at should be accepted: %v", err)
	}
}

func TestCampaignCreateReadUpdateDelete(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	seg := f.segment("Everyone")
	tpl := f.template("Welcome", "Hi", "<p>Hi</p>", "")
	ctx := context.Background()
	sendAt := t0.Add(2*time.Hour + 500*time.Millisecond)
	c, err := s.CreateCampaign(ctx, Input{Name: " Spring ", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleAt,
		SendAt: &sendAt, CronExpr: "0 9 * * *"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Spring" || c.Status != StatusScheduled || c.CronExpr != "" || c.SendAt == nil ||
		!c.SendAt.Equal(t0.Add(2*time.Hour)) || !c.CreatedAt.Equal(t0) {
		t.Fatalf("created %+v", c)
	}
	f.clock.Advance(time.Minute)
	c, err = s.UpdateCampaign(ctx, c.ID, Input{Name: "Spring", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleCron,
		CronExpr: "0  9 * * 1", SendAt: &sendAt})
	if err != nil {
		t.Fatal(err)
	}
	if c.ScheduleKind != ScheduleCron || c.CronExpr != "0 9 * * 1" || c.SendAt != nil || !c.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("updated %+v", c)
	}
	other, _ := s.CreateCampaign(ctx, Input{Name: "Other", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleManual})
	if other.Status != StatusDraft {
		t.Errorf("manual campaign status %s, want draft", other.Status)
	}
	if _, err := s.UpdateCampaign(ctx, other.ID, Input{Name: "Spring", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleManual}); err == nil {
		t.Error("renaming onto an existing name should fail")
	}
	list, err := s.Campaigns(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "Other" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	f.customer("ann@example.com", "Ann", "A")
	if _, err := s.Launch(ctx, other.ID, "k"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCampaign(ctx, other.ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("deleting a sending campaign = %v, want ErrConflict", err)
	}
	if _, err := s.UpdateCampaign(ctx, other.ID, Input{Name: "Other", SegmentID: seg, TemplateID: tpl, ScheduleKind: ScheduleManual}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("editing a sending campaign = %v, want ErrConflict", err)
	}
	if err := s.DeleteCampaign(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Campaign(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted campaign: %v, want ErrNotFound", err)
	}
	if err := s.DeleteCampaign(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice: %v, want ErrNotFound", err)
	}
	if _, err := s.UpdateCampaign(ctx, 999, Input{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("updating a missing campaign: %v, want ErrNotFound", err)
	}
}

func TestEditingASentCampaignKeepsItsStatusUnlessTheScheduleChanges(t *testing.T) {
	f := newFixture(t)
	s := f.service(nil)
	ctx := context.Background()
	sendAt := t0.Add(time.Hour)
	c := scheduled(t, f, s, Input{Name: "Once", ScheduleKind: ScheduleAt, SendAt: &sendAt})
	f.clock.Set(sendAt)
	if err := s.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if c, _ = s.Campaign(ctx, c.ID); c.Status != StatusDone {
		t.Fatalf("status after firing to nobody = %s, want done", c.Status)
	}
	in := Input{Name: "Once, renamed", SegmentID: c.SegmentID, TemplateID: c.TemplateID, ScheduleKind: ScheduleAt, SendAt: &sendAt}
	if c, err := s.UpdateCampaign(ctx, c.ID, in); err != nil || c.Status != StatusDone {
		t.Fatalf("rename = %+v, %v; want it done still", c, err)
	}
	past := sendAt.Add(-time.Minute)
	in.SendAt = &past
	if _, err := s.UpdateCampaign(ctx, c.ID, in); err == nil {
		t.Error("moving the send time into the past should fail")
	}
	later := sendAt.Add(24 * time.Hour)
	in.SendAt = &later
	if c, err := s.UpdateCampaign(ctx, c.ID, in); err != nil || c.Status != StatusScheduled {
		t.Fatalf("new send time = %+v, %v; want scheduled again", c, err)
	}
}
