package accounts

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// zeros is a random source that only ever returns zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestAPIKeyFormat(t *testing.T) {
	ctx := context.Background()
	s, c := newTestService(t)
	s.Rand = zeros{}
	k, key, err := s.CreateAPIKey(ctx, "  shop backend ")
	if err != nil {
		t.Fatal(err)
	}
	// Zero bytes are "a" in lowercase base32 and "A" in base64url.
	if want := "pk_aaaaaaaa_" + strings.Repeat("A", 43); key != want {
		t.Fatalf("key = %q, want %q", key, want)
	}
	if k.Prefix != "aaaaaaaa" || k.Name != "shop backend" || !k.CreatedAt.Equal(c.Now()) || k.LastUsedAt != nil || k.IsRevoked() {
		t.Fatalf("api key = %+v", k)
	}

	s.Rand = nil // crypto/rand
	shape := regexp.MustCompile(`^pk_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 20 {
		k, key, err := s.CreateAPIKey(ctx, "random")
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(key) || key[3:11] != k.Prefix || seen[k.Prefix] {
			t.Fatalf("key %q with prefix %q: bad shape or repeated prefix", key, k.Prefix)
		}
		seen[k.Prefix] = true
		if _, err := s.VerifyAPIKey(ctx, key); err != nil {
			t.Fatalf("verify %q: %v", key, err)
		}
	}
}

func TestOnlyTheKeyHashIsStored(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	_, key, err := s.CreateAPIKey(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := s.DB.Raw(`SELECT * FROM api_keys`).Scan(&rows).Error; err != nil || len(rows) != 1 {
		t.Fatalf("rows = %v, %v", rows, err)
	}
	secret := key[12:]
	for col, v := range rows[0] {
		text := strings.ToLower(toText(v))
		if strings.Contains(text, strings.ToLower(secret)) || strings.Contains(text, strings.ToLower(key)) {
			t.Errorf("column %s holds the secret: %q", col, text)
		}
	}
	sum := sha256.Sum256([]byte(key))
	if got := toText(rows[0]["key_hash"]); got != hex.EncodeToString(sum[:]) {
		t.Errorf("key_hash = %q, want the hex SHA-256 of the key", got)
	}
}

// toText shows a scanned column value as text; drivers give []byte, string or typed values.
func toText(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

func TestVerifyAPIKey(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	k, key, err := s.CreateAPIKey(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	other, otherKey, err := s.CreateAPIKey(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'B' {
			b[i] = 'C'
		} else {
			b[i] = 'B'
		}
		return string(b)
	}
	tests := []struct {
		name string
		key  string
		want int64 // id of the key found, 0 for ErrBadAPIKey
	}{
		{"the key as created is accepted", key, k.ID},
		{"another key finds its own row", otherKey, other.ID},
		{"a changed last character is refused", flip(key, len(key)-1), 0},
		{"a changed first secret character is refused", flip(key, 12), 0},
		{"this secret under the other prefix is refused", "pk_" + other.Prefix + key[11:], 0},
		{"an unknown prefix is refused", "pk_zzzzzzzz" + key[11:], 0},
		{"an uppercase prefix is refused", "pk_" + strings.ToUpper(k.Prefix) + key[11:], 0},
		{"a key with a trailing newline is refused", key + "\n", 0},
		{"a truncated key is refused", key[:len(key)-1], 0},
		{"a key without pk_ is refused", "xx" + key[2:], 0},
		{"an empty key is refused", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.VerifyAPIKey(ctx, tt.key)
			if tt.want == 0 {
				if !errors.Is(err, ErrBadAPIKey) {
					t.Fatalf("VerifyAPIKey error = %v, want ErrBadAPIKey", err)
				}
				return
			}
			if err != nil || got.ID != tt.want {
				t.Fatalf("VerifyAPIKey = %+v, %v; want key %d", got, err, tt.want)
			}
		})
	}
}

func TestRevokedKeyIsRefused(t *testing.T) {
	ctx := context.Background()
	s, c := newTestService(t)
	k, key, err := s.CreateAPIKey(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	_, keep, err := s.CreateAPIKey(ctx, "keep")
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	revokedAt := c.Now()
	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := s.VerifyAPIKey(ctx, key); !errors.Is(err, ErrBadAPIKey) {
		t.Fatalf("revoked key: error = %v, want ErrBadAPIKey", err)
	}
	if _, err := s.VerifyAPIKey(ctx, keep); err != nil {
		t.Fatalf("other key after revoking: %v", err)
	}
	if err := s.RevokeAPIKey(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown key: error = %v, want ErrNotFound", err)
	}
	keys, err := s.APIKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("APIKeys = %+v, %v; want both keys", keys, err)
	}
	if keys[0].Name != "keep" || keys[0].IsRevoked() {
		t.Errorf("first listed = %+v, want the newest, unrevoked key", keys[0])
	}
	if keys[1].ID != k.ID || keys[1].RevokedAt == nil || !keys[1].RevokedAt.Equal(revokedAt) {
		t.Errorf("revoked key = %+v, want revoked at %v (the first revocation)", keys[1], revokedAt)
	}
}

func TestLastUsedIsRecordedAtMostOnceAMinute(t *testing.T) {
	ctx := context.Background()
	s, c := newTestService(t)
	k, key, err := s.CreateAPIKey(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	start := c.Now()
	steps := []struct {
		name    string
		advance time.Duration
		want    time.Time
	}{
		{"the first use is recorded", 0, start},
		{"a use 30 seconds later is not", 30 * time.Second, start},
		{"a use 59 seconds after the record is not", 29 * time.Second, start},
		{"a use a minute after the record is", time.Second, start.Add(time.Minute)},
		{"a use right after that is not", time.Millisecond, start.Add(time.Minute)},
		{"a use an hour later is", time.Hour, start.Add(time.Minute + time.Millisecond + time.Hour)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			c.Advance(st.advance)
			got, err := s.VerifyAPIKey(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(st.want) {
				t.Fatalf("returned last_used_at = %v, want %v", got.LastUsedAt, st.want)
			}
			keys, err := s.APIKeys(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if keys[0].ID != k.ID || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(st.want) {
				t.Fatalf("stored last_used_at = %v, want %v", keys[0].LastUsedAt, st.want)
			}
		})
	}
}

func TestPrefixCollisionDrawsAgain(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	s.Rand = zeros{}
	if _, _, err := s.CreateAPIKey(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateAPIKey(ctx, "always the same prefix"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("error = %v, want ErrConflict after repeated collisions", err)
	}
	// One colliding draw (37 zero bytes), then fresh bytes.
	s.Rand = io.MultiReader(bytes.NewReader(make([]byte, 37)), bytes.NewReader(bytes.Repeat([]byte{0xff}, 37)))
	k, key, err := s.CreateAPIKey(ctx, "second")
	if err != nil || k.Prefix != "77777777" {
		t.Fatalf("CreateAPIKey = %+v, %v; want the second draw's prefix 77777777", k, err)
	}
	if _, err := s.VerifyAPIKey(ctx, key); err != nil {
		t.Fatal(err)
	}
}

func TestAPIKeyNameIsValidated(t *testing.T) {
	s, _ := newTestService(t)
	for _, name := range []string{"", "   ", strings.Repeat("n", 101)} {
		if _, _, err := s.CreateAPIKey(context.Background(), name); err == nil {
			t.Errorf("name %q accepted", name)
		} else if fe, ok := store.AsFieldErrors(err); !ok || fe["name"] == "" {
			t.Errorf("name %q: error = %v, want a name field error", name, err)
		}
	}
	if keys, _ := s.APIKeys(context.Background()); len(keys) != 0 {
		t.Fatalf("keys = %+v, want none", keys)
	}
}

// BenchmarkVerifyAPIKey measures the per-request cost of API authentication: one indexed
// read and a hash, with last_used_at written at most once a minute.
func BenchmarkVerifyAPIKey(b *testing.B) {
	ctx := context.Background()
	s := NewService(store.OpenTest(b), nil)
	_, key, err := s.CreateAPIKey(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.VerifyAPIKey(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}
