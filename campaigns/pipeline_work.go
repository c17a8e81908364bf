package campaigns

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/persona-app/persona/store"
)

// maxAttempts is how many times a delivery is tried before it is marked failed.
const maxAttempts = 3

// Work runs Options.Workers workers that claim, render, send and record deliveries of
// every sending run, until ctx is done. Each worker claims its own batches; the delivery
// rows are the checkpoint, so a killed process loses at most the messages in flight and
// its expired claims are picked up again by the next Work.
func (s *Service) Work(ctx context.Context) error {
	channels := make([]Channel, s.opts.Workers)
	for i := range channels {
		channels[i] = s.opts.Channel
		if s.opts.NewChannel == nil {
			continue
		}
		ch, err := s.opts.NewChannel()
		if err != nil {
			for _, c := range channels[:i] {
				_ = c.Close()
			}
			return fmt.Errorf("campaigns: open channel for worker %d: %w", i+1, err)
		}
		channels[i] = ch
	}
	var wg sync.WaitGroup
	for _, ch := range channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(ctx, ch)
			if s.opts.NewChannel != nil {
				if err := ch.Close(); err != nil {
					s.log.WarnContext(ctx, "close channel", "err", err)
				}
			}
		}()
	}
	wg.Wait()
	return nil
}

func (s *Service) worker(ctx context.Context, ch Channel) {
	for ctx.Err() == nil {
		kicked := s.woken()
		n, err := s.workBatch(ctx, ch)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "send batch failed", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		if err := s.finishRuns(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "finish runs failed", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-kicked:
		case <-time.After(s.poll):
		}
	}
}

// errStopped tells a batch that the worker's context ended before a message went out.
var errStopped = errors.New("worker stopped")

// workBatch claims one batch and delivers it; it returns how many deliveries it claimed.
func (s *Service) workBatch(ctx context.Context, ch Channel) (int, error) {
	if ctx.Err() != nil {
		return 0, nil
	}
	// Claiming and loading run to the end even if ctx ends meanwhile: an interrupted claim
	// could leave rows claimed that nobody knows about until the claim expires. The loop
	// below notices the end of ctx and hands the batch back.
	dbCtx := context.WithoutCancel(ctx)
	token := rand.Text()
	ids, err := s.claim(dbCtx, token)
	if err != nil && len(ids) > 0 {
		err = errors.Join(err, s.release(dbCtx, token, ids))
	}
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	batch, err := s.loadBatch(dbCtx, token, ids)
	if err != nil {
		return len(ids), errors.Join(err, s.release(dbCtx, token, ids))
	}
	cache := &batchCache{templates: map[int64]Template{}}
	// Past half the claim's life, the rest of the batch is handed back rather than risk
	// another worker reclaiming a delivery this one is about to send.
	giveBack := s.now().Add(s.opts.ClaimTTL / 2)
	stopped := false
	out := &outcomes{s: s}
	for _, d := range batch {
		if ctx.Err() != nil || s.now().After(giveBack) {
			stopped = true
			break
		}
		err := s.deliver(ctx, ch, d, cache, out)
		if errors.Is(err, errStopped) {
			stopped = true
			break
		}
		if err != nil {
			// The claims expire and the deliveries are settled by whoever claims them next.
			s.log.ErrorContext(ctx, "delivery outcomes not recorded", "campaign_id", d.CampaignID,
				"run_id", d.RunID, "delivery_id", d.ID, "err", err)
		}
	}
	// Outcomes are written before the batch's remaining claims are released.
	if err := out.flush(dbCtx, nil); err != nil {
		return len(ids), err
	}
	if stopped {
		if err := s.release(dbCtx, token, ids); err != nil || ctx.Err() != nil {
			return len(ids), err
		}
	}
	return len(ids), s.finishRuns(ctx)
}

// claim marks up to BatchSize deliveries of the oldest sending run as ours for ClaimTTL:
// first claims whose holder died (status sending, claim expired), then pending rows whose
// retry time has come. Each UPDATE repeats the status test outside the subquery, so on
// PostgreSQL a row another worker claimed in between is re-checked and left alone.
func (s *Service) claim(ctx context.Context, token string) ([]int64, error) {
	g := s.db.WithContext(ctx)
	var runs []int64
	if err := g.Raw(`SELECT id FROM runs WHERE status = ? ORDER BY id`, RunSending).Scan(&runs).Error; err != nil {
		return nil, fmt.Errorf("campaigns: list sending runs: %w", err)
	}
	now := s.now()
	until := now.Add(s.opts.ClaimTTL)
	// On PostgreSQL, rows another worker is claiming right now are skipped instead of waited for.
	skipLocked := ""
	if s.db.IsPostgres() {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	var claimed []int64
	for _, runID := range runs {
		if err := s.reclaimInDoubt(ctx, runID, now); err != nil {
			return nil, err
		}
		for _, cond := range []string{
			`status = 'sending' AND claimed_until < ?`,
			`status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)`,
		} {
			want := s.opts.BatchSize - len(claimed)
			if want <= 0 {
				break
			}
			var ids []int64
			// The picked ids are materialised first: PostgreSQL would otherwise re-run a
			// LIMIT ... FOR UPDATE subquery for every row and, skipping the rows this very
			// statement has just updated, claim far more than the limit.
			err := g.Raw(`WITH picked AS MATERIALIZED (SELECT id FROM deliveries WHERE run_id = ? AND `+cond+`
				ORDER BY id LIMIT ?`+skipLocked+`)
				UPDATE deliveries SET status = 'sending', claim_token = ?, claimed_until = ?, attempts = attempts + 1
				WHERE id IN (SELECT id FROM picked) AND `+cond+` RETURNING id`,
				runID, now, want, token, until, now).Scan(&ids).Error
			if err != nil {
				return claimed, fmt.Errorf("campaigns: claim deliveries of run %d: %w", runID, err)
			}
			claimed = append(claimed, ids...)
		}
		if len(claimed) > 0 {
			return claimed, nil
		}
	}
	return nil, nil
}

// InDoubtError is the error recorded on a delivery whose worker died while handing it to
// the mail server.
const InDoubtError = "interrupted while the message was handed to the mail server; not sent again, so nobody gets it twice"

// reclaimInDoubt settles deliveries whose worker died mid-send: the server may or may not
// have accepted the message, and sending again could deliver it twice, so they are marked
// failed with InDoubtError. At most one delivery per worker of a killed process is in this
// state; claimed deliveries it had not started are picked up and sent normally.
func (s *Service) reclaimInDoubt(ctx context.Context, runID int64, now time.Time) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE deliveries SET status = 'failed', error = ?
		WHERE run_id = ? AND status = 'sending' AND claimed_until < ? AND transmit_started_at IS NOT NULL`, InDoubtError, runID, now).Error
	if err != nil {
		return fmt.Errorf("campaigns: settle interrupted deliveries: %w", err)
	}
	return nil
}

// release gives back the claimed deliveries a stopping worker did not get to, so a
// restart sends them at once instead of waiting for the claim to expire.
func (s *Service) release(ctx context.Context, token string, ids []int64) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE deliveries SET status = 'pending', claimed_until = NULL,
		attempts = attempts - 1 WHERE id IN (`+store.Placeholders(len(ids))+`) AND claim_token = ? AND status = 'sending'`,
		append(int64sToAny(ids), token)...).Error
	if err != nil {
		return fmt.Errorf("campaigns: release claimed deliveries: %w", err)
	}
	return nil
}

// finishRuns marks done every sending run with nothing left to send, and its campaign.
func (s *Service) finishRuns(ctx context.Context) error {
	g := s.db.WithContext(ctx)
	var runs []struct {
		ID           int64
		CampaignID   int64
		ScheduleKind string
	}
	err := g.Raw(`SELECT r.id, r.campaign_id, c.schedule_kind FROM runs r JOIN campaigns c ON c.id = r.campaign_id
		WHERE r.status = ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.run_id = r.id AND d.status IN (?, ?))`,
		RunSending, DeliveryPending, DeliverySending).Scan(&runs).Error
	if err != nil {
		return fmt.Errorf("campaigns: find finished runs: %w", err)
	}
	for _, r := range runs {
		res := g.Exec(`UPDATE runs SET status = ?, finished_at = ? WHERE id = ? AND status = ?`, RunDone, s.now(), r.ID, RunSending)
		if res.Error != nil {
			return fmt.Errorf("campaigns: finish run %d: %w", r.ID, res.Error)
		}
		if res.RowsAffected == 0 {
			continue // another worker finished it
		}
		var n struct{ Sent, Failed int64 }
		if err := g.Raw(`SELECT COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS sent,
			COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS failed FROM deliveries WHERE run_id = ?`,
			DeliverySent, DeliveryFailed, r.ID).Scan(&n).Error; err != nil {
			return fmt.Errorf("campaigns: count outcomes of run %d: %w", r.ID, err)
		}
		if err := g.Exec(`UPDATE campaigns SET status = ? WHERE id = ?`,
			finishedStatus(r.ScheduleKind, n.Sent, n.Failed), r.CampaignID).Error; err != nil {
			return fmt.Errorf("campaigns: finish campaign %d: %w", r.CampaignID, err)
		}
		s.log.InfoContext(ctx, "run done", "campaign_id", r.CampaignID, "run_id", r.ID, "sent", n.Sent, "failed", n.Failed)
	}
	return nil
}

// backoff is the wait before retry number attempts+1: 30s·2^attempts.
func backoff(attempts int) time.Duration {
	return 30 * time.Second << attempts
}

func int64sToAny(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}
