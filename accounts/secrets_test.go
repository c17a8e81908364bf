package accounts

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"sync"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestSecretIsStableAcrossCallsAndServices(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	first, err := s.Secret(ctx, "session", 32)
	if err != nil || len(first) != 32 || bytes.Equal(first, make([]byte, 32)) {
		t.Fatalf("Secret = %x, %v; want 32 random bytes", first, err)
	}
	again, err := s.Secret(ctx, "session", 32)
	if err != nil || !bytes.Equal(again, first) {
		t.Fatalf("second call = %x, %v; want %x", again, err, first)
	}
	// A new Service, as after a restart, with a random source that would give other bytes.
	other := NewService(s.DB, nil)
	other.Rand = zeros{}
	fromOther, err := other.Secret(ctx, "session", 32)
	if err != nil || !bytes.Equal(fromOther, first) {
		t.Fatalf("other service = %x, %v; want %x", fromOther, err, first)
	}
	token, err := other.Secret(ctx, "token", 32)
	if err != nil || bytes.Equal(token, first) {
		t.Fatalf("another name = %x, %v; want its own secret", token, err)
	}
	var stored string
	if err := s.DB.Raw(`SELECT value FROM settings WHERE key = ?`, "secret:session").Scan(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if stored != hex.EncodeToString(first) {
		t.Fatalf("settings holds %q, want the hex of %x", stored, first)
	}
}

func TestSecretComesFromTheInjectedRandomSource(t *testing.T) {
	s, _ := newTestService(t)
	want := bytes.Repeat([]byte{0xab}, 16)
	s.Rand = bytes.NewReader(want)
	got, err := s.Secret(context.Background(), "signing", 16)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Secret = %x, %v; want %x", got, err, want)
	}
}

func TestConcurrentSecretCallsAgree(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	const callers = 16
	got := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := NewService(s.DB, nil) // each caller is its own process, in effect
			<-start
			got[i], errs[i] = svc.Secret(ctx, "session", 32)
		}()
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Fatalf("caller %d got %x, caller 0 got %x", i, got[i], got[0])
		}
	}
	var n int
	if err := s.DB.Raw(`SELECT COUNT(*) FROM settings WHERE key = ?`, "secret:session").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("settings rows = %d, %v; want 1", n, err)
	}
}

func TestSecretRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	if _, err := s.Secret(ctx, "session", 32); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret(ctx, "session", 64); !errors.Is(err, store.ErrConflict) {
		t.Errorf("asking for another size: error = %v, want ErrConflict", err)
	}
	tests := []struct {
		name string
		key  string
		size int
	}{
		{"an empty name is refused", "", 32},
		{"a zero size is refused", "x", 0},
		{"a negative size is refused", "x", -1},
		{"a huge size is refused", "x", 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := s.Secret(ctx, tt.key, tt.size); err == nil {
				t.Fatalf("Secret(%q, %d) = %x, want an error", tt.key, tt.size, b)
			}
		})
	}
}
