package campaigns

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// Token kinds: each is inside the MAC, so a click token never passes as an unsubscribe one.
const (
	TokenClick       = "c"
	TokenOpen        = "o"
	TokenUnsubscribe = "u"
)

// ErrBadToken means a tracking token was forged, damaged or meant for another purpose.
var ErrBadToken = errors.New("bad tracking token")

// tokenMACSize is the truncated HMAC-SHA256 length: 128 bits is plenty against forgery.
const tokenMACSize = 16

// tokenEncoding is strict so that a token has exactly one spelling: changing the unused
// bits of its last character is tampering too.
var tokenEncoding = base64.RawURLEncoding.Strict()

// Signer makes and checks the compact signed tokens in open, click and unsubscribe URLs.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key, which should be at least 32 random bytes.
func NewSigner(key []byte) Signer {
	return Signer{key: append([]byte(nil), key...)}
}

// Sign returns a URL-safe token carrying ids: the ids as varints, then the first 16 bytes
// of HMAC-SHA256 over kind and the ids, in unpadded base64url.
func (s Signer) Sign(kind string, ids ...int64) string {
	payload := make([]byte, 0, len(ids)*binary.MaxVarintLen64+tokenMACSize)
	for _, id := range ids {
		payload = binary.AppendVarint(payload, id)
	}
	return tokenEncoding.EncodeToString(append(payload, s.mac(kind, payload)...))
}

// Verify checks token for kind and returns its ids; any change to the token, or a token
// of another kind, gives ErrBadToken.
func (s Signer) Verify(kind, token string) ([]int64, error) {
	raw, err := tokenEncoding.DecodeString(token)
	if err != nil || len(raw) < tokenMACSize {
		return nil, ErrBadToken
	}
	payload, mac := raw[:len(raw)-tokenMACSize], raw[len(raw)-tokenMACSize:]
	if !hmac.Equal(mac, s.mac(kind, payload)) {
		return nil, ErrBadToken
	}
	var ids []int64
	for len(payload) > 0 {
		id, n := binary.Varint(payload)
		if n <= 0 {
			return nil, ErrBadToken
		}
		ids = append(ids, id)
		payload = payload[n:]
	}
	return ids, nil
}

func (s Signer) mac(kind string, payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	// The kind's length goes first so ("c", payload) and ("c\x01", …) never collide.
	h.Write([]byte{byte(len(kind))})
	h.Write([]byte(kind))
	h.Write(payload)
	return h.Sum(nil)[:tokenMACSize]
}
