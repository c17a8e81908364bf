// Package accounts owns who may use Persona: users with roles and bcrypt passwords, API keys
// for machines, and the application secrets (session and token keys) kept in the database.
// It never handles HTTP, sessions or cookies: web and handlers call it.
package accounts

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/persona-app/persona/store"
	"golang.org/x/crypto/bcrypt"
)

// ErrBadCredentials is returned by Authenticate for an unknown email or a wrong password.
var ErrBadCredentials = errors.New("accounts: wrong email or password")

// ErrBadAPIKey is returned by VerifyAPIKey for a malformed, unknown, tampered or revoked key.
var ErrBadAPIKey = errors.New("accounts: invalid api key")

// ErrLastAdmin is returned when a change would leave Persona without an admin.
var ErrLastAdmin = errors.New("accounts: the last admin cannot be deleted or demoted")

// DefaultBcryptCost is the bcrypt cost of stored password hashes.
const DefaultBcryptCost = 12

// Service holds users, API keys and application secrets.
type Service struct {
	DB *store.DB
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of key and secret bytes; nil means crypto/rand.Reader.
	// It must be safe for concurrent use when the Service is.
	Rand io.Reader

	// cost is the bcrypt cost; 0 means DefaultBcryptCost. Tests lower it.
	cost int

	dummyOnce sync.Once
	dummyHash []byte

	// keys caches verified API keys by their hash (see apikey_cache.go).
	keys     sync.Map
	dummyErr error
}

// NewService returns a Service over db using the clock now (nil for time.Now) and crypto/rand.
func NewService(db *store.DB, now func() time.Time) *Service {
	return &Service{DB: db, Now: now, Rand: rand.Reader}
}

// now returns the current time in UTC, truncated to microseconds so that it survives a
// round trip through PostgreSQL unchanged.
func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().UTC().Truncate(time.Microsecond)
}

// random returns n bytes from s.Rand.
func (s *Service) random(n int) ([]byte, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("accounts: read random bytes: %w", err)
	}
	return b, nil
}

func (s *Service) bcryptCost() int {
	if s.cost == 0 {
		return DefaultBcryptCost
	}
	return s.cost
}

// hashPassword hashes an already validated password.
func (s *Service) hashPassword(password string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost())
	if err != nil {
		return "", fmt.Errorf("accounts: hash password: %w", err)
	}
	return string(h), nil
}

// dummy returns a hash of a random password at the service's cost, made on first use.
// Authenticate compares against it for unknown emails, so that an unknown email costs
// the same bcrypt work as a wrong password and timing does not reveal which emails exist.
func (s *Service) dummy() ([]byte, error) {
	s.dummyOnce.Do(func() {
		var pw []byte
		pw, s.dummyErr = s.random(16)
		if s.dummyErr != nil {
			return
		}
		s.dummyHash, s.dummyErr = bcrypt.GenerateFromPassword(pw, s.bcryptCost())
	})
	return s.dummyHash, s.dummyErr
}
