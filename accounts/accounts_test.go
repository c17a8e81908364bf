package accounts

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
	"golang.org/x/crypto/bcrypt"
)

// clock is a settable clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newTestService returns a Service over a fresh test database, with a fixed clock and the
// cheapest bcrypt cost so tests stay fast.
func newTestService(t *testing.T) (*Service, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	s := NewService(store.OpenTest(t), c.Now)
	s.cost = bcrypt.MinCost
	return s, c
}

func mustAddUser(t *testing.T, s *Service, email string, role Role) User {
	t.Helper()
	u, err := s.AddUser(context.Background(), email, "correct horse battery", role)
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
	return u
}

// Hashing at cost 12 takes a quarter of a second (seconds under -race), so this checks
// the setting; TestPasswordIsStoredAsBcryptHash checks that hashing honours it.
func TestNewServiceUsesBcryptCost12AndTheRealClock(t *testing.T) {
	s := NewService(store.OpenTest(t), nil)
	if got := s.bcryptCost(); got != 12 {
		t.Fatalf("bcrypt cost = %d, want 12", got)
	}
	if s.Rand == nil {
		t.Fatal("Rand is nil, want crypto/rand.Reader")
	}
	if now := s.now(); now.Location() != time.UTC || time.Since(now).Abs() > time.Minute {
		t.Fatalf("now() = %v, want the current time in UTC", now)
	}
}
