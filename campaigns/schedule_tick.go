package campaigns

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/persona-app/persona/store"
)

// Tick fires the campaigns whose time has come; the process cron calls it every ~15 s.
// An "at" campaign fires once, with fire key "at-<unix of send_at>", when send_at has
// passed. A cron campaign fires at the latest scheduled minute after its last firing (or
// its creation or last edit) that has passed, with fire key "cron-<unix of that minute>";
// missed minutes before that one are not sent. Fire keys make a repeated Tick harmless.
func (s *Service) Tick(ctx context.Context) error {
	now := s.now()
	var due []Campaign
	err := s.db.WithContext(ctx).Raw(`SELECT `+campaignColumns+` FROM campaigns
		WHERE (schedule_kind = ? AND status = ? AND send_at <= ?) OR (schedule_kind = ? AND status <> ?)
		ORDER BY id`, ScheduleAt, StatusScheduled, now, ScheduleCron, StatusDraft).Scan(&due).Error
	if err != nil {
		return fmt.Errorf("campaigns: tick: list due campaigns: %w", err)
	}
	var errs []error
	for _, c := range due {
		c.normalise()
		var err error
		if c.ScheduleKind == ScheduleAt {
			err = s.fireAt(ctx, c)
		} else {
			err = s.fireCron(ctx, c, now)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// fireAt launches an "at" campaign; a launch that fails marks the campaign failed, so it
// is reported once instead of being retried on every tick.
func (s *Service) fireAt(ctx context.Context, c Campaign) error {
	key := fmt.Sprintf("at-%d", c.SendAt.Unix())
	_, err := s.Launch(ctx, c.ID, key)
	if err == nil || errors.Is(err, store.ErrConflict) {
		return nil
	}
	if uerr := s.db.WithContext(ctx).Exec(`UPDATE campaigns SET status = ? WHERE id = ?`, StatusFailed, c.ID).Error; uerr != nil {
		return errors.Join(err, fmt.Errorf("campaigns: mark campaign %d failed: %w", c.ID, uerr))
	}
	return err
}

// fireCron launches a cron campaign for its latest due minute. last_fired_at moves to that
// minute whatever happens, so a failing or still-running campaign skips the firing instead
// of retrying it on every tick.
func (s *Service) fireCron(ctx context.Context, c Campaign, now time.Time) error {
	sched, err := ParseCron(c.CronExpr)
	if err != nil {
		return fmt.Errorf("campaigns: tick campaign %d: %w", c.ID, err)
	}
	// Firings due before the schedule was last edited belong to the old schedule.
	after := c.CreatedAt
	if c.UpdatedAt.After(after) {
		after = c.UpdatedAt
	}
	if c.LastFiredAt != nil && c.LastFiredAt.After(after) {
		after = *c.LastFiredAt
	}
	at, ok := latestDue(sched, after, now)
	if !ok {
		return nil
	}
	// Launch first: if recording last_fired_at then fails, the next tick finds the run by its key.
	_, err = s.Launch(ctx, c.ID, fmt.Sprintf("cron-%d", at.Unix()))
	if errors.Is(err, store.ErrConflict) {
		s.log.InfoContext(ctx, "cron firing skipped: previous run still in progress", "campaign_id", c.ID, "at", at)
		err = nil
	}
	if uerr := s.db.WithContext(ctx).Exec(`UPDATE campaigns SET last_fired_at = ? WHERE id = ?`, at, c.ID).Error; uerr != nil {
		err = errors.Join(err, fmt.Errorf("campaigns: tick campaign %d: set last_fired_at: %w", c.ID, uerr))
	}
	return err
}
