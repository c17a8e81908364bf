package accounts

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// An API key reads "pk_" + prefix + "_" + secret: the prefix is 8 lowercase base32
// characters (5 random bytes) that find the row, the secret is 32 random bytes in
// unpadded base64url (43 characters, which may contain '_' and '-'). Only the prefix and
// the SHA-256 of the whole key are stored.
const (
	keyStart       = "pk_"
	prefixBytes    = 5
	prefixLength   = 8
	secretBytes    = 32
	secretLength   = 43
	keyLength      = len(keyStart) + prefixLength + 1 + secretLength
	maxKeyName     = 100
	lastUsedPeriod = time.Minute
	prefixAttempts = 3
)

var prefixEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// APIKey is a key a machine uses to call the JSON API. The secret part is never stored.
type APIKey struct {
	ID         int64
	Name       string
	Prefix     string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// IsRevoked tells whether the key has been revoked.
func (k APIKey) IsRevoked() bool { return k.RevokedAt != nil }

// apiKeyRow is a row of api_keys.
type apiKeyRow struct {
	ID         int64 `gorm:"primaryKey"`
	Name       string
	Prefix     string
	KeyHash    string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func (r apiKeyRow) key() APIKey {
	return APIKey{ID: r.ID, Name: r.Name, Prefix: r.Prefix, CreatedAt: r.CreatedAt.UTC(),
		LastUsedAt: store.UTCPtr(r.LastUsedAt), RevokedAt: store.UTCPtr(r.RevokedAt)}
}

// hashKey returns the hex SHA-256 of a whole key, as stored in key_hash.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey makes a new key named name and returns it with the full key, which is
// shown once and cannot be recovered. A blank or too long name gives store.FieldErrors.
func (s *Service) CreateAPIKey(ctx context.Context, name string) (APIKey, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return APIKey{}, "", store.FieldErrors{"name": "is required"}
	case utf8.RuneCountInString(name) > maxKeyName:
		return APIKey{}, "", store.FieldErrors{"name": fmt.Sprintf("must be at most %d characters", maxKeyName)}
	}
	// The prefix is unique; 40 random bits rarely collide, and a collision just draws again.
	for range prefixAttempts {
		b, err := s.random(prefixBytes + secretBytes)
		if err != nil {
			return APIKey{}, "", err
		}
		prefix := strings.ToLower(prefixEncoding.EncodeToString(b[:prefixBytes]))
		key := keyStart + prefix + "_" + base64.RawURLEncoding.EncodeToString(b[prefixBytes:])
		row := apiKeyRow{Name: name, Prefix: prefix, KeyHash: hashKey(key), CreatedAt: s.now()}
		err = s.DB.WithContext(ctx).Create(&row).Error
		if store.IsUniqueViolation(err) {
			continue
		}
		if err != nil {
			return APIKey{}, "", fmt.Errorf("accounts: create api key %q: %w", name, err)
		}
		return row.key(), key, nil
	}
	return APIKey{}, "", fmt.Errorf("accounts: create api key %q: %d prefixes taken in a row: %w", name, prefixAttempts, store.ErrConflict)
}

// parseKeyPrefix returns the prefix of a well-formed key.
func parseKeyPrefix(key string) (string, bool) {
	if len(key) != keyLength || !strings.HasPrefix(key, keyStart) || key[len(keyStart)+prefixLength] != '_' {
		return "", false
	}
	prefix := key[len(keyStart) : len(keyStart)+prefixLength]
	for _, c := range prefix {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return "", false
		}
	}
	secret, err := base64.RawURLEncoding.Strict().DecodeString(key[len(keyStart)+prefixLength+1:])
	if err != nil || len(secret) != secretBytes {
		return "", false
	}
	return prefix, true
}

// VerifyAPIKey returns the key a caller presented, or ErrBadAPIKey when it is malformed,
// unknown, does not match, or is revoked. It records the use at most once a minute, so a
// busy client does not write on every request.
func (s *Service) VerifyAPIKey(ctx context.Context, key string) (APIKey, error) {
	prefix, ok := parseKeyPrefix(key)
	if !ok {
		return APIKey{}, ErrBadAPIKey
	}
	hash := hashKey(key)
	if k, ok := s.cachedKey(hash, s.now()); ok {
		return k, nil
	}
	var row apiKeyRow
	err := s.DB.WithContext(ctx).Where("prefix = ?", prefix).First(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return APIKey{}, ErrBadAPIKey
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("accounts: load api key %s: %w", prefix, err)
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(row.KeyHash)) != 1 {
		return APIKey{}, ErrBadAPIKey
	}
	if row.RevokedAt != nil {
		return APIKey{}, fmt.Errorf("accounts: api key %s is revoked: %w", prefix, ErrBadAPIKey)
	}
	now := s.now()
	cutoff := now.Add(-lastUsedPeriod)
	if row.LastUsedAt == nil || !row.LastUsedAt.After(cutoff) {
		// The condition repeats the check in SQL so that concurrent requests write once.
		res := s.DB.WithContext(ctx).Exec(`UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)`,
			now, row.ID, cutoff)
		if res.Error != nil {
			return APIKey{}, fmt.Errorf("accounts: record use of api key %s: %w", prefix, res.Error)
		}
		if res.RowsAffected == 1 {
			row.LastUsedAt = &now
		}
	}
	k := row.key()
	s.cacheKey(hash, k, now)
	return k, nil
}

// APIKeys returns every key, revoked ones included, newest first.
func (s *Service) APIKeys(ctx context.Context) ([]APIKey, error) {
	var rows []apiKeyRow
	if err := s.DB.WithContext(ctx).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("accounts: list api keys: %w", err)
	}
	keys := make([]APIKey, len(rows))
	for i, r := range rows {
		keys[i] = r.key()
	}
	return keys, nil
}

// RevokeAPIKey revokes a key for good; revoking it again changes nothing. An unknown id
// gives store.ErrNotFound.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	g := s.DB.WithContext(ctx)
	res := g.Exec(`UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, s.now(), id)
	s.keys.Clear() // this process stops trusting the key at once
	if res.Error != nil {
		return fmt.Errorf("accounts: revoke api key %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := g.Model(&apiKeyRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("accounts: revoke api key %d: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("accounts: revoke api key %d: %w", id, store.ErrNotFound)
		}
	}
	return nil
}
