package campaigns

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestSignerRoundTrip(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	cases := []struct {
		name string
		kind string
		ids  []int64
	}{
		{"a click carries delivery and link", TokenClick, []int64{42, 7}},
		{"an open carries the delivery", TokenOpen, []int64{1}},
		{"an unsubscribe carries large ids", TokenUnsubscribe, []int64{1 << 40, 9_000_000_000_000}},
		{"zero and negative ids survive", TokenClick, []int64{0, -3}},
		{"a token may carry no ids", TokenOpen, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok := s.Sign(tc.kind, tc.ids...)
			if strings.ContainsAny(tok, "+/=?&#%") {
				t.Errorf("token %q is not URL-safe", tok)
			}
			got, err := s.Verify(tc.kind, tok)
			if err != nil || !slices.Equal(got, tc.ids) {
				t.Errorf("Verify = %v, %v; want %v", got, err, tc.ids)
			}
		})
	}
	if n := len(s.Sign(TokenClick, 123456, 789)); n > 32 {
		t.Errorf("a click token is %d characters, want it compact (≤ 32)", n)
	}
}

func TestSignerRejectsTampering(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	tok := s.Sign(TokenClick, 42, 7)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	t.Run("changing any character to any other is rejected", func(t *testing.T) {
		for i := range len(tok) {
			for _, c := range alphabet + "!." {
				if byte(c) == tok[i] {
					continue
				}
				bad := tok[:i] + string(c) + tok[i+1:]
				if _, err := s.Verify(TokenClick, bad); !errors.Is(err, ErrBadToken) {
					t.Fatalf("token with position %d changed to %q verified: %v", i, c, err)
				}
			}
		}
	})
	t.Run("flipping any bit of the decoded token is rejected", func(t *testing.T) {
		raw, err := tokenEncoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			for bit := range 8 {
				bad := slices.Clone(raw)
				bad[i] ^= 1 << bit
				if _, err := s.Verify(TokenClick, tokenEncoding.EncodeToString(bad)); !errors.Is(err, ErrBadToken) {
					t.Fatalf("byte %d bit %d flipped verified: %v", i, bit, err)
				}
			}
		}
	})
	cases := []struct {
		name, kind, token string
		signer            Signer
	}{
		{"a token of another kind is rejected", TokenUnsubscribe, tok, s},
		{"a token signed with another key is rejected", TokenClick, tok, NewSigner([]byte("another key, just as long as that"))},
		{"a shortened token is rejected", TokenClick, tok[:len(tok)-1], s},
		{"a lengthened token is rejected", TokenClick, tok + "A", s},
		{"an empty token is rejected", TokenClick, "", s},
		{"padding is rejected", TokenClick, tok + "==", s},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.signer.Verify(tc.kind, tc.token); !errors.Is(err, ErrBadToken) {
				t.Errorf("Verify = %v, want ErrBadToken", err)
			}
		})
	}
}
