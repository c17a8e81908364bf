package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/persona-app/persona/handlers"
	"github.com/persona-app/persona/recsys"
)

// trainer runs model trainings started from the UI in the background, one at a time per
// model, and keeps their state in memory for the progress display. A restart forgets
// them; the trained models are in the database.
type trainer struct {
	log  *slog.Logger
	jobs map[string]trainingJob

	mu    sync.Mutex
	state map[string]*handlers.TrainingState
	wg    sync.WaitGroup
}

// trainingJob trains one model, telling progress where it has got to when it can.
type trainingJob func(ctx context.Context, progress recsys.Progress) error

func newTrainer(log *slog.Logger, jobs map[string]trainingJob) *trainer {
	return &trainer{log: log, jobs: jobs, state: map[string]*handlers.TrainingState{}}
}

// Start begins training model unless it is already running.
func (t *trainer) Start(model string) error {
	run, ok := t.jobs[model]
	if !ok {
		return fmt.Errorf("no model called %q", model)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.state[model]; st != nil && st.Running {
		return nil
	}
	st := &handlers.TrainingState{Model: model, Running: true, StartedAt: time.Now().UTC()}
	t.state[model] = st
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		err := run(ctx, func(stage string, done float64) {
			t.mu.Lock()
			defer t.mu.Unlock()
			st.Stage, st.Done = stage, done
		})
		t.mu.Lock()
		defer t.mu.Unlock()
		st.Running, st.FinishedAt = false, time.Now().UTC()
		if err != nil {
			st.Err = err.Error()
			t.log.Error("training failed", "model", model, "err", err)
		}
	}()
	return nil
}

// State returns a copy of the model's latest training state.
func (t *trainer) State(model string) handlers.TrainingState {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.state[model]; st != nil {
		return *st
	}
	return handlers.TrainingState{Model: model}
}

// Wait blocks until every running training has finished.
func (t *trainer) Wait() { t.wg.Wait() }
