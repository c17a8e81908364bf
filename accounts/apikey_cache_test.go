package accounts

import (
	"context"
	"errors"
	"testing"
)

func TestARevokedKeyStopsAtOnceHereAndWithinTheCacheTimeElsewhere(t *testing.T) {
	ctx := context.Background()
	here, c := newTestService(t)
	elsewhere := NewService(here.DB, c.Now) // another process on the same database
	k, key, err := here.CreateAPIKey(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Service{here, elsewhere} {
		if _, err := s.VerifyAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
	}
	if err := here.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := here.VerifyAPIKey(ctx, key); !errors.Is(err, ErrBadAPIKey) {
		t.Fatalf("the revoking process still accepts the key: %v", err)
	}
	if _, err := elsewhere.VerifyAPIKey(ctx, key); err != nil {
		t.Fatalf("within the cache time the other process trusts its verification: %v", err)
	}
	c.Advance(keyCacheTTL)
	if _, err := elsewhere.VerifyAPIKey(ctx, key); !errors.Is(err, ErrBadAPIKey) {
		t.Fatalf("after %s the other process still accepts the revoked key: %v", keyCacheTTL, err)
	}
	// A wrong key sharing the prefix is never answered from the cache.
	if _, err := here.VerifyAPIKey(ctx, key[:len(key)-1]+"x"); !errors.Is(err, ErrBadAPIKey) {
		t.Fatalf("a forged key: %v", err)
	}
}
