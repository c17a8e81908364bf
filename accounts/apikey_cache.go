package accounts

import (
	"time"
)

// keyCacheTTL is how long a verified API key is trusted without reading the database again,
// so a busy client costs no query per request. A key revoked in this process stops working
// at once; one revoked by another process (the CLI) within keyCacheTTL.
const keyCacheTTL = 10 * time.Second

// verifiedKey is a cached verification.
type verifiedKey struct {
	key   APIKey
	until time.Time
}

// cachedKey returns the key whose SHA-256 hex is hash when it was verified less than
// keyCacheTTL ago.
func (s *Service) cachedKey(hash string, now time.Time) (APIKey, bool) {
	v, ok := s.keys.Load(hash)
	if !ok {
		return APIKey{}, false
	}
	vk := v.(verifiedKey)
	if !now.Before(vk.until) {
		s.keys.Delete(hash)
		return APIKey{}, false
	}
	return vk.key, true
}

// cacheKey remembers a verification, until keyCacheTTL has passed or the key's next use
// is due to be recorded, whichever comes first.
func (s *Service) cacheKey(hash string, k APIKey, now time.Time) {
	until := now.Add(keyCacheTTL)
	if k.LastUsedAt != nil && k.LastUsedAt.Add(lastUsedPeriod).Before(until) {
		until = k.LastUsedAt.Add(lastUsedPeriod)
	}
	s.keys.Store(hash, verifiedKey{key: k, until: until})
}
