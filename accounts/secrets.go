package accounts

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/persona-app/persona/store"
)

const (
	secretKeyPrefix = "secret:"
	maxSecretSize   = 1024
)

// Secret returns the application secret called name (the session key, the tracking-token
// key), size bytes long. The first call anywhere generates it; every later call, from any
// process sharing the database, returns the same bytes. It is kept hex-encoded in settings
// under "secret:"+name.
func (s *Service) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	if name == "" || size <= 0 || size > maxSecretSize {
		return nil, fmt.Errorf("accounts: secret %q of %d bytes: name must be set and size between 1 and %d", name, size, maxSecretSize)
	}
	key := secretKeyPrefix + name
	value, found, err := s.loadSetting(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("accounts: load secret %q: %w", name, err)
	}
	if !found {
		b, err := s.random(size)
		if err != nil {
			return nil, err
		}
		// Two processes may both get here: only the first insert lands, and both then read
		// back the winner, so everyone uses the same secret.
		err = s.DB.WithContext(ctx).Exec(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
			key, hex.EncodeToString(b)).Error
		if err != nil {
			return nil, fmt.Errorf("accounts: store secret %q: %w", name, err)
		}
		value, found, err = s.loadSetting(ctx, key)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		if err != nil {
			return nil, fmt.Errorf("accounts: load secret %q after storing it: %w", name, err)
		}
	}
	b, err := hex.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("accounts: decode secret %q: %w", name, err)
	}
	if len(b) != size {
		return nil, fmt.Errorf("accounts: secret %q holds %d bytes, not %d: %w", name, len(b), size, store.ErrConflict)
	}
	return b, nil
}

// loadSetting reads one row of settings.
func (s *Service) loadSetting(ctx context.Context, key string) (string, bool, error) {
	var values []string
	if err := s.DB.WithContext(ctx).Raw(`SELECT value FROM settings WHERE key = ?`, key).Scan(&values).Error; err != nil {
		return "", false, err
	}
	if len(values) == 0 {
		return "", false, nil
	}
	return values[0], true, nil
}
