package web

import (
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

const sessionName = "persona_session"

// sessionStore keeps the signed-in user id and flash messages in a signed, encrypted
// cookie (gorilla/sessions), so a restart keeps everyone signed in and no session table is
// needed. Logout clears the cookie; a changed role takes effect on the next request because
// the user is loaded from the database every time.
type sessionStore struct {
	store *sessions.CookieStore
}

func newSessionStore(hashKey, blockKey []byte, secure bool) *sessionStore {
	st := sessions.NewCookieStore(hashKey, blockKey)
	st.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   7 * 24 * 3600,
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	return &sessionStore{store: st}
}

func (s *sessionStore) get(c echo.Context) *sessions.Session {
	// A cookie that fails to decode (old key, tampering) yields a fresh, empty session.
	sess, _ := s.store.Get(c.Request(), sessionName)
	return sess
}

// UserID returns the signed-in user's id from the session cookie.
func (s *sessionStore) UserID(c echo.Context) (int64, bool) {
	id, ok := s.get(c).Values["uid"].(int64)
	return id, ok && id > 0
}

func (s *sessionStore) Login(c echo.Context, userID int64) error {
	sess := s.get(c)
	sess.Values = map[any]any{"uid": userID}
	return sess.Save(c.Request(), c.Response())
}

func (s *sessionStore) Logout(c echo.Context) error {
	sess := s.get(c)
	sess.Values = map[any]any{}
	sess.Options.MaxAge = -1
	return sess.Save(c.Request(), c.Response())
}

func (s *sessionStore) AddFlash(c echo.Context, msg string) {
	sess := s.get(c)
	sess.AddFlash(msg)
	_ = sess.Save(c.Request(), c.Response())
}

func (s *sessionStore) TakeFlash(c echo.Context) string {
	sess := s.get(c)
	flashes := sess.Flashes()
	if len(flashes) == 0 {
		return ""
	}
	_ = sess.Save(c.Request(), c.Response())
	msg, _ := flashes[len(flashes)-1].(string)
	return msg
}
