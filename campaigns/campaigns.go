package campaigns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/persona-app/persona/store"
)

// Campaign statuses.
const (
	StatusDraft     = "draft"
	StatusScheduled = "scheduled"
	StatusRunning   = "running"
	StatusDone      = "done"
	StatusFailed    = "failed"
)

// Schedule kinds.
const (
	ScheduleManual = "manual"
	ScheduleNow    = "now"
	ScheduleAt     = "at"
	ScheduleCron   = "cron"
)

// Campaign is an audience (a segment) plus a template plus a schedule.
type Campaign struct {
	ID           int64
	Name         string
	SegmentID    int64
	TemplateID   int64
	ScheduleKind string // manual|now|at|cron
	SendAt       *time.Time
	CronExpr     string
	LastFiredAt  *time.Time
	Status       string // draft|scheduled|running|done|failed
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Input is what a marketer edits on the campaign form.
type Input struct {
	Name         string
	SegmentID    int64
	TemplateID   int64
	ScheduleKind string
	SendAt       *time.Time
	CronExpr     string
}

// Options configure a Service; zero values get the defaults noted beside each field.
type Options struct {
	Now     func() time.Time // default time.Now
	Signer  Signer
	BaseURL string  // PERSONA_BASE_URL, e.g. https://shop.example
	Channel Channel // default: the in-app outbox
	// NewChannel, when set, gives each worker a channel of its own (say, one SMTP
	// connection each) instead of sharing Channel; each is closed when its worker stops.
	NewChannel  func() (Channel, error)
	Recommender Recommender
	Audience    Audience
	Workers     int           // default 4
	BatchSize   int           // default 50
	ClaimTTL    time.Duration // default 10 minutes; a batch must be sent well within it
	// AttributionWindow is how long after a click an order still counts; default 7 days.
	AttributionWindow time.Duration
	Logger            *slog.Logger // default slog.Default()
}

// Service owns campaigns, their runs and deliveries, tracking and statistics.
type Service struct {
	db      *store.DB
	opts    Options
	log     *slog.Logger
	baseURL string
	host    string
	// poll is how long an idle worker waits before looking for work again.
	poll time.Duration

	templates *Templates
	links     *Links

	mu   sync.Mutex
	kick chan struct{} // closed and replaced to wake idle workers
}

// NewService builds a Service over db, filling the defaults of opts.
func NewService(db *store.DB, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 50
	}
	if opts.ClaimTTL <= 0 {
		opts.ClaimTTL = 10 * time.Minute
	}
	if opts.AttributionWindow <= 0 {
		opts.AttributionWindow = 7 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	host := "persona.local"
	if u, err := url.Parse(base); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	s := &Service{db: db, opts: opts, log: opts.Logger, baseURL: base, host: host,
		poll: time.Second, kick: make(chan struct{})}
	s.templates = &Templates{DB: db, Now: opts.Now}
	s.links = &Links{DB: db}
	if s.opts.Channel == nil {
		s.opts.Channel = &OutboxChannel{DB: db, From: "Persona <noreply@" + host + ">", Now: s.now}
	}
	return s
}

// now is the injected clock in UTC, cut to microseconds so SQLite and PostgreSQL agree.
func (s *Service) now() time.Time {
	return s.opts.Now().UTC().Truncate(time.Microsecond)
}

const campaignColumns = `id, name, segment_id, template_id, schedule_kind, send_at, cron_expr,
	last_fired_at, status, created_at, updated_at`

// Campaigns lists every campaign, newest first.
func (s *Service) Campaigns(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	err := s.db.WithContext(ctx).Raw(`SELECT ` + campaignColumns + ` FROM campaigns ORDER BY id DESC`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: list campaigns: %w", err)
	}
	for i := range out {
		out[i].normalise()
	}
	return out, nil
}

// Campaign returns one campaign, or store.ErrNotFound.
func (s *Service) Campaign(ctx context.Context, id int64) (Campaign, error) {
	var out []Campaign
	err := s.db.WithContext(ctx).Raw(`SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, id).Scan(&out).Error
	if err != nil {
		return Campaign{}, fmt.Errorf("campaigns: load campaign %d: %w", id, err)
	}
	if len(out) == 0 {
		return Campaign{}, fmt.Errorf("campaigns: load campaign %d: %w", id, store.ErrNotFound)
	}
	out[0].normalise()
	return out[0], nil
}

// CreateCampaign validates in and stores a new campaign: "scheduled" for at/cron, else "draft".
func (s *Service) CreateCampaign(ctx context.Context, in Input) (Campaign, error) {
	in = cleanInput(in)
	if err := s.validate(ctx, 0, in, nil); err != nil {
		return Campaign{}, err
	}
	now := s.now()
	var id int64
	err := s.db.WithContext(ctx).Raw(`INSERT INTO campaigns (name, segment_id, template_id, schedule_kind, send_at,
		cron_expr, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Name, in.SegmentID, in.TemplateID, in.ScheduleKind, in.SendAt, in.CronExpr,
		initialStatus(in.ScheduleKind), now, now).Scan(&id).Error
	if store.IsUniqueViolation(err) {
		return Campaign{}, store.FieldErrors{"name": "is already used by another campaign"}
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("campaigns: create campaign %q: %w", in.Name, err)
	}
	return s.Campaign(ctx, id)
}

// UpdateCampaign validates in and replaces the campaign's settings. A changed schedule
// re-arms the campaign ("scheduled" for at/cron, else "draft"); other edits keep its status,
// so a sent campaign can be renamed without a new send time. A campaign with a run in
// progress cannot be edited (store.ErrConflict).
func (s *Service) UpdateCampaign(ctx context.Context, id int64, in Input) (Campaign, error) {
	in = cleanInput(in)
	old, err := s.Campaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if err := s.validate(ctx, id, in, &old); err != nil {
		return Campaign{}, err
	}
	if err := s.refuseActive(ctx, id, "update"); err != nil {
		return Campaign{}, err
	}
	status := old.Status
	if scheduleChanged(old, in) {
		status = initialStatus(in.ScheduleKind)
	}
	err = s.db.WithContext(ctx).Exec(`UPDATE campaigns SET name = ?, segment_id = ?, template_id = ?,
		schedule_kind = ?, send_at = ?, cron_expr = ?, status = ?, updated_at = ? WHERE id = ?`,
		in.Name, in.SegmentID, in.TemplateID, in.ScheduleKind, in.SendAt, in.CronExpr, status, s.now(), id).Error
	if store.IsUniqueViolation(err) {
		return Campaign{}, store.FieldErrors{"name": "is already used by another campaign"}
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("campaigns: update campaign %d: %w", id, err)
	}
	return s.Campaign(ctx, id)
}

// DeleteCampaign removes a campaign with its runs, deliveries and tracking rows. A campaign
// with a run in progress cannot be deleted (store.ErrConflict).
func (s *Service) DeleteCampaign(ctx context.Context, id int64) error {
	if err := s.refuseActive(ctx, id, "delete"); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Exec(`DELETE FROM campaigns WHERE id = ?`, id)
	if res.Error != nil {
		return fmt.Errorf("campaigns: delete campaign %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("campaigns: delete campaign %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// refuseActive returns store.ErrConflict when the campaign has a sending or paused run.
func (s *Service) refuseActive(ctx context.Context, id int64, what string) error {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM runs WHERE campaign_id = ? AND status IN (?, ?)`,
		id, RunSending, RunPaused).Scan(&n).Error
	if err != nil {
		return fmt.Errorf("campaigns: %s campaign %d: check runs: %w", what, id, err)
	}
	if n > 0 {
		return fmt.Errorf("campaigns: %s campaign %d: a run is in progress: %w", what, id, store.ErrConflict)
	}
	return nil
}

// validate checks in against the rules and the database; old is the campaign being edited
// (nil for a new one), whose unchanged send time may already have passed.
func (s *Service) validate(ctx context.Context, id int64, in Input, old *Campaign) error {
	fe := store.FieldErrors{}
	g := s.db.WithContext(ctx)
	switch {
	case in.Name == "":
		fe.Add("name", "is required")
	case len(in.Name) > 200:
		fe.Add("name", "must be at most 200 characters")
	default:
		var n int64
		if err := g.Raw(`SELECT COUNT(*) FROM campaigns WHERE name = ? AND id <> ?`, in.Name, id).Scan(&n).Error; err != nil {
			return fmt.Errorf("campaigns: check campaign name: %w", err)
		}
		if n > 0 {
			fe.Add("name", "is already used by another campaign")
		}
	}
	for _, ref := range []struct {
		field, table, label string
		id                  int64
	}{
		{"segment_id", "segments", "segment", in.SegmentID},
		{"template_id", "templates", "template", in.TemplateID},
	} {
		if ref.id <= 0 {
			fe.Add(ref.field, "choose a "+ref.label)
			continue
		}
		var n int64
		if err := g.Raw(`SELECT COUNT(*) FROM `+ref.table+` WHERE id = ?`, ref.id).Scan(&n).Error; err != nil {
			return fmt.Errorf("campaigns: check %s %d: %w", ref.label, ref.id, err)
		}
		if n == 0 {
			fe.Add(ref.field, fmt.Sprintf("%s %d does not exist", ref.label, ref.id))
		}
	}
	switch in.ScheduleKind {
	case ScheduleManual, ScheduleNow:
	case ScheduleAt:
		if in.SendAt == nil {
			fe.Add("send_at", "is required for a campaign sent at a given time")
		} else if !in.SendAt.After(s.now()) && (old == nil || scheduleChanged(*old, in)) {
			fe.Add("send_at", "must be in the future")
		}
	case ScheduleCron:
		if _, err := ParseCron(in.CronExpr); err != nil {
			var ce *CronError
			if errors.As(err, &ce) {
				fe.Add("cron_expr", ce.Msg)
			} else {
				fe.Add("cron_expr", err.Error())
			}
		}
	default:
		fe.Add("schedule_kind", "must be one of manual, now, at, cron")
	}
	return fe.Err()
}

// cleanInput trims text and drops the schedule fields the kind does not use.
func cleanInput(in Input) Input {
	in.Name = strings.TrimSpace(in.Name)
	in.ScheduleKind = strings.TrimSpace(in.ScheduleKind)
	in.CronExpr = strings.Join(strings.Fields(in.CronExpr), " ")
	if in.ScheduleKind != ScheduleAt {
		in.SendAt = nil
	} else if in.SendAt != nil {
		t := in.SendAt.UTC().Truncate(time.Second)
		in.SendAt = &t
	}
	if in.ScheduleKind != ScheduleCron {
		in.CronExpr = ""
	}
	return in
}

// scheduleChanged tells whether in schedules the campaign differently from c.
func scheduleChanged(c Campaign, in Input) bool {
	sameTime := (c.SendAt == nil) == (in.SendAt == nil) && (c.SendAt == nil || c.SendAt.Equal(*in.SendAt))
	return c.ScheduleKind != in.ScheduleKind || c.CronExpr != in.CronExpr || !sameTime
}

func initialStatus(kind string) string {
	if kind == ScheduleAt || kind == ScheduleCron {
		return StatusScheduled
	}
	return StatusDraft
}

// normalise puts loaded times in UTC.
func (c *Campaign) normalise() {
	c.CreatedAt = c.CreatedAt.UTC()
	c.UpdatedAt = c.UpdatedAt.UTC()
	c.SendAt = store.UTCPtr(c.SendAt)
	c.LastFiredAt = store.UTCPtr(c.LastFiredAt)
}
