package campaigns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// Run statuses.
const (
	RunSending   = "sending"
	RunPaused    = "paused"
	RunCancelled = "cancelled"
	RunDone      = "done"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliverySending   = "sending"
	DeliverySent      = "sent"
	DeliveryFailed    = "failed"
	DeliverySkipped   = "skipped"
	DeliveryCancelled = "cancelled"
)

// Run is one firing of a campaign: its audience materialised as deliveries.
type Run struct {
	ID         int64
	CampaignID int64
	FireKey    string
	Status     string // sending|paused|cancelled|done
	Recipients int
	Error      string
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// Launch fires a campaign: it creates the run for fireKey and materialises the audience
// as pending deliveries, all in one transaction. A second Launch with the same key returns
// the existing run and adds nothing. An empty fireKey gets the campaign's default key:
// "at-<unix of send_at>" for "at" campaigns, "manual-<unix nanos>" otherwise. A new run is
// refused with store.ErrConflict while another run of the campaign is sending or paused.
func (s *Service) Launch(ctx context.Context, campaignID int64, fireKey string) (Run, error) {
	c, err := s.Campaign(ctx, campaignID)
	if err != nil {
		return Run{}, err
	}
	if fireKey == "" {
		fireKey = fmt.Sprintf("manual-%d", s.now().UnixNano())
		if c.ScheduleKind == ScheduleAt && c.SendAt != nil {
			fireKey = fmt.Sprintf("at-%d", c.SendAt.Unix())
		}
	}
	if run, err := s.runByKey(ctx, campaignID, fireKey); err == nil {
		return run, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Run{}, err
	}
	if s.opts.Audience == nil {
		return Run{}, fmt.Errorf("campaigns: launch campaign %d: no audience resolver configured", campaignID)
	}
	audienceSQL, args, err := s.opts.Audience.AudienceSQL(ctx, c.SegmentID)
	if err != nil {
		return Run{}, fmt.Errorf("campaigns: launch campaign %d: audience of segment %d: %w", campaignID, c.SegmentID, err)
	}
	var runID int64
	err = s.db.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		runID, err = s.materialise(tx, c, fireKey, audienceSQL, args)
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("campaigns: launch campaign %d (%s): %w", campaignID, fireKey, err)
	}
	s.wake()
	if runID == 0 {
		return s.runByKey(ctx, campaignID, fireKey)
	}
	s.log.InfoContext(ctx, "campaign launched", "campaign_id", campaignID, "run_id", runID, "fire_key", fireKey)
	return s.Run(ctx, runID)
}

// materialise creates the run and its deliveries inside tx and returns the run id, or 0
// when a concurrent Launch created the run for fireKey first.
func (s *Service) materialise(tx *gorm.DB, c Campaign, fireKey, audienceSQL string, args []any) (int64, error) {
	now := s.now()
	var active int64
	if err := tx.Raw(`SELECT COUNT(*) FROM runs WHERE campaign_id = ? AND status IN (?, ?) AND fire_key <> ?`,
		c.ID, RunSending, RunPaused, fireKey).Scan(&active).Error; err != nil {
		return 0, fmt.Errorf("check active runs: %w", err)
	}
	if active > 0 {
		return 0, fmt.Errorf("another run is in progress: %w", store.ErrConflict)
	}
	// ON CONFLICT makes a concurrent second Launch with the same key a no-op (no row back).
	var ids []int64
	if err := tx.Raw(`INSERT INTO runs (campaign_id, fire_key, status, created_at, started_at)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (campaign_id, fire_key) DO NOTHING RETURNING id`,
		c.ID, fireKey, RunSending, now, now).Scan(&ids).Error; err != nil {
		return 0, fmt.Errorf("create run: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	runID := ids[0]
	// The whole audience in one statement: a crash leaves either no run or the full list.
	// The WHERE clause also keeps SQLite from reading ON CONFLICT as a join constraint.
	res := tx.Exec(`INSERT INTO deliveries (run_id, campaign_id, customer_id, email, status, created_at)
		SELECT ?, ?, c.id, c.email, 'pending', ? FROM customers c WHERE c.id IN (`+audienceSQL+`)
		ON CONFLICT (run_id, customer_id) DO NOTHING`,
		append([]any{runID, c.ID, now}, args...)...)
	if res.Error != nil {
		return 0, fmt.Errorf("materialise audience: %w", res.Error)
	}
	// An empty audience makes a run that is done at once.
	runStatus, campaignStatus := RunSending, StatusRunning
	var finished *time.Time
	if res.RowsAffected == 0 {
		runStatus, campaignStatus, finished = RunDone, finishedStatus(c.ScheduleKind, 0, 0), &now
	}
	if err := tx.Exec(`UPDATE runs SET status = ?, recipients = ?, finished_at = ? WHERE id = ?`,
		runStatus, res.RowsAffected, finished, runID).Error; err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	if err := tx.Exec(`UPDATE campaigns SET status = ? WHERE id = ?`, campaignStatus, c.ID).Error; err != nil {
		return 0, fmt.Errorf("set campaign status: %w", err)
	}
	return runID, nil
}

// finishedStatus is a campaign's status once a run ends: cron campaigns wait for their next
// firing; others are done, or failed when nothing could be sent and something failed.
func finishedStatus(kind string, sent, failed int64) string {
	switch {
	case kind == ScheduleCron:
		return StatusScheduled
	case sent == 0 && failed > 0:
		return StatusFailed
	}
	return StatusDone
}

const runColumns = `id, campaign_id, fire_key, status, recipients, error, created_at, started_at, finished_at`

// Run returns one run, or store.ErrNotFound.
func (s *Service) Run(ctx context.Context, id int64) (Run, error) {
	return s.loadRun(ctx, fmt.Sprintf("run %d", id), `WHERE id = ?`, id)
}

// Runs lists a campaign's runs, newest first.
func (s *Service) Runs(ctx context.Context, campaignID int64) ([]Run, error) {
	var out []Run
	err := s.db.WithContext(ctx).Raw(`SELECT `+runColumns+` FROM runs WHERE campaign_id = ? ORDER BY id DESC`, campaignID).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: list runs of campaign %d: %w", campaignID, err)
	}
	for i := range out {
		out[i].normalise()
	}
	return out, nil
}

func (s *Service) runByKey(ctx context.Context, campaignID int64, key string) (Run, error) {
	return s.loadRun(ctx, fmt.Sprintf("run %s of campaign %d", key, campaignID),
		`WHERE campaign_id = ? AND fire_key = ?`, campaignID, key)
}

func (s *Service) loadRun(ctx context.Context, what, where string, args ...any) (Run, error) {
	var out []Run
	if err := s.db.WithContext(ctx).Raw(`SELECT `+runColumns+` FROM runs `+where, args...).Scan(&out).Error; err != nil {
		return Run{}, fmt.Errorf("campaigns: load %s: %w", what, err)
	}
	if len(out) == 0 {
		return Run{}, fmt.Errorf("campaigns: load %s: %w", what, store.ErrNotFound)
	}
	out[0].normalise()
	return out[0], nil
}

func (r *Run) normalise() {
	r.CreatedAt = r.CreatedAt.UTC()
	r.StartedAt = store.UTCPtr(r.StartedAt)
	r.FinishedAt = store.UTCPtr(r.FinishedAt)
}

// Pause stops workers from claiming more of a sending run; batches in hand still finish.
func (s *Service) Pause(ctx context.Context, runID int64) error {
	return s.setRunStatus(ctx, runID, "pause", RunPaused, RunSending)
}

// Resume lets workers claim a paused run again.
func (s *Service) Resume(ctx context.Context, runID int64) error {
	if err := s.setRunStatus(ctx, runID, "resume", RunSending, RunPaused); err != nil {
		return err
	}
	s.wake()
	return nil
}

// Cancel ends a sending or paused run: its pending deliveries are marked cancelled and
// the messages in flight are still recorded.
func (s *Service) Cancel(ctx context.Context, runID int64) error {
	if err := s.setRunStatus(ctx, runID, "cancel", RunCancelled, RunSending, RunPaused); err != nil {
		return err
	}
	now := s.now()
	if err := s.db.WithContext(ctx).Exec(`UPDATE deliveries SET status = ?, error = 'run cancelled', claim_token = ''
		WHERE run_id = ? AND status = ?`, DeliveryCancelled, runID, DeliveryPending).Error; err != nil {
		return fmt.Errorf("campaigns: cancel run %d: cancel pending deliveries: %w", runID, err)
	}
	run, err := s.Run(ctx, runID)
	if err != nil {
		return err
	}
	c, err := s.Campaign(ctx, run.CampaignID)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Exec(`UPDATE runs SET finished_at = ? WHERE id = ?`, now, runID).Error
	if err == nil {
		err = s.db.WithContext(ctx).Exec(`UPDATE campaigns SET status = ? WHERE id = ?`,
			finishedStatus(c.ScheduleKind, 0, 0), c.ID).Error
	}
	if err != nil {
		return fmt.Errorf("campaigns: cancel run %d: %w", runID, err)
	}
	return nil
}

// setRunStatus moves a run to status from one of the given states; a run in another state
// gives store.ErrConflict.
func (s *Service) setRunStatus(ctx context.Context, runID int64, verb, status string, from ...string) error {
	res := s.db.WithContext(ctx).Exec(`UPDATE runs SET status = ? WHERE id = ? AND status IN (`+
		store.Placeholders(len(from))+`)`, append([]any{status, runID}, toAny(from)...)...)
	if res.Error != nil {
		return fmt.Errorf("campaigns: %s run %d: %w", verb, runID, res.Error)
	}
	if res.RowsAffected == 0 {
		run, err := s.Run(ctx, runID)
		if err != nil {
			return err
		}
		return fmt.Errorf("campaigns: %s run %d: run is %s: %w", verb, runID, run.Status, store.ErrConflict)
	}
	s.log.InfoContext(ctx, "run "+status, "run_id", runID)
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// wake rouses idle workers of this process after new work appears.
func (s *Service) wake() {
	s.mu.Lock()
	close(s.kick)
	s.kick = make(chan struct{})
	s.mu.Unlock()
}

// woken returns the channel the next wake closes.
func (s *Service) woken() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kick
}
