package customers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/persona-app/persona/store"
)

// JobState is where an import started from the UI has got to.
type JobState struct {
	ID       string
	Kind     Kind
	FileName string
	// Rows is the number of data rows read so far; TotalRows is an estimate from the file
	// size until the import finishes.
	Rows, TotalRows int64
	Done            bool
	Err             string
	Summary         ImportSummary
	StartedAt       time.Time
	FinishedAt      time.Time
}

// Percent is the progress from 0 to 100.
func (j JobState) Percent() int {
	if j.Done {
		return 100
	}
	if j.TotalRows <= 0 {
		return 0
	}
	p := int(100 * j.Rows / j.TotalRows)
	return min(max(p, 0), 99)
}

// Jobs runs imports uploaded through the UI in the background and keeps their progress in
// memory, so the browser can poll it and show a progress bar. A restart forgets finished
// jobs; the data they imported is in the database.
type Jobs struct {
	svc *Service
	log *slog.Logger

	mu   sync.Mutex
	jobs map[string]*JobState
	wg   sync.WaitGroup
}

// NewJobs returns a job runner over svc.
func NewJobs(svc *Service, log *slog.Logger) *Jobs {
	return &Jobs{svc: svc, log: log, jobs: map[string]*JobState{}}
}

// Start imports the file at path in the background and removes the file when done.
// estimateRows sizes the progress bar (0 when unknown).
func (j *Jobs) Start(ctx context.Context, path, fileName string, opt ImportOptions, estimateRows int64) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	st := &JobState{ID: id, Kind: opt.Kind, FileName: fileName, TotalRows: estimateRows, StartedAt: time.Now().UTC()}
	j.mu.Lock()
	j.jobs[id] = st
	j.mu.Unlock()
	opt.Progress = func(rows int64) {
		j.mu.Lock()
		st.Rows = rows
		if st.TotalRows < rows {
			st.TotalRows = rows + rows/10
		}
		j.mu.Unlock()
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer os.Remove(path)
		sum, err := j.svc.ImportFile(context.WithoutCancel(ctx), path, opt)
		j.mu.Lock()
		defer j.mu.Unlock()
		st.Done, st.Summary, st.FinishedAt = true, sum, time.Now().UTC()
		st.Rows = int64(sum.Rows)
		if err != nil {
			st.Err = err.Error()
			j.log.Error("import failed", "job", id, "kind", opt.Kind, "err", err)
		}
	}()
	return id
}

// Get returns a copy of a job's state.
func (j *Jobs) Get(id string) (JobState, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	st, ok := j.jobs[id]
	if !ok {
		return JobState{}, fmt.Errorf("customers: import job %q: %w", id, store.ErrNotFound)
	}
	return *st, nil
}

// Wait blocks until every running import has finished (used at shutdown and in tests).
func (j *Jobs) Wait() { j.wg.Wait() }
