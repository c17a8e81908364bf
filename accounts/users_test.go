package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
	"golang.org/x/crypto/bcrypt"
)

func TestAddUserValidation(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	mustAddUser(t, s, "taken@example.com", RoleMarketer)

	const good = "correct horse battery"
	tests := []struct {
		name     string
		email    string
		password string
		role     Role
		want     map[string]string // field → message; nil means the user is created
	}{
		{"a valid marketer is created", "ann@example.com", good, RoleMarketer, nil},
		{"an email is stored trimmed and lowercased", "  Bob@Example.COM ", good, RoleManager, nil},
		{"a ten character password is long enough", "cy@example.com", "0123456789", RoleAdmin, nil},
		{"ten non-ASCII runes are ten characters", "di@example.com", strings.Repeat("ü", 10), RoleAdmin, nil},
		{"an empty email is refused", "", good, RoleMarketer, map[string]string{"email": "is required"}},
		{"an email without an at sign is refused", "ann.example.com", good, RoleMarketer, map[string]string{"email": "is not a valid email address"}},
		{"an email with a display name is refused", "Ann <ann2@example.com>", good, RoleMarketer, map[string]string{"email": "is not a valid email address"}},
		{"two addresses are refused", "a@example.com, b@example.com", good, RoleMarketer, map[string]string{"email": "is not a valid email address"}},
		{"a nine character password is refused", "ed@example.com", "123456789", RoleMarketer, map[string]string{"password": "must be at least 10 characters"}},
		{"a password bcrypt would truncate is refused", "fay@example.com", strings.Repeat("x", 73), RoleMarketer, map[string]string{"password": "must be at most 72 bytes"}},
		{"an unknown role is refused", "gil@example.com", good, Role("owner"), map[string]string{"role": "must be admin, marketer or manager"}},
		{"an empty role is refused", "hal@example.com", good, "", map[string]string{"role": "must be admin, marketer or manager"}},
		{"a taken email in another case is refused", "TAKEN@example.com", good, RoleMarketer, map[string]string{"email": "a user with this email already exists"}},
		{"every bad field is reported at once", "nope", "short", "boss", map[string]string{
			"email": "is not a valid email address", "password": "must be at least 10 characters", "role": "must be admin, marketer or manager"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.AddUser(ctx, tt.email, tt.password, tt.role)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("AddUser: %v", err)
				}
				if want := strings.ToLower(strings.TrimSpace(tt.email)); u.Email != want || u.Role != tt.role || u.ID == 0 {
					t.Fatalf("user = %+v, want email %q role %q and an id", u, want, tt.role)
				}
				if got, err := s.User(ctx, u.ID); err != nil || got != u {
					t.Fatalf("User(%d) = %+v, %v; want %+v", u.ID, got, err, u)
				}
				return
			}
			fe, ok := store.AsFieldErrors(err)
			if !ok {
				t.Fatalf("AddUser error = %v, want field errors %v", err, tt.want)
			}
			if len(fe) != len(tt.want) {
				t.Errorf("field errors = %v, want %v", fe, tt.want)
			}
			for field, msg := range tt.want {
				if fe[field] != msg {
					t.Errorf("field %s: %q, want %q", field, fe[field], msg)
				}
			}
		})
	}
	users, err := s.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, u := range users {
		emails = append(emails, u.Email)
	}
	if got, want := strings.Join(emails, " "), "ann@example.com bob@example.com cy@example.com di@example.com taken@example.com"; got != want {
		t.Fatalf("Users() emails = %s, want %s (sorted, no rejected user)", got, want)
	}
}

func TestPasswordIsStoredAsBcryptHash(t *testing.T) {
	s, c := newTestService(t)
	u := mustAddUser(t, s, "ann@example.com", RoleAdmin)
	var hash string
	if err := s.DB.Raw(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash).Error; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, "correct horse") {
		t.Fatalf("password_hash %q holds the password", hash)
	}
	if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("correct horse battery")); err != nil {
		t.Fatalf("stored hash does not match the password: %v", err)
	}
	if cost, err := bcrypt.Cost([]byte(hash)); err != nil || cost != s.bcryptCost() {
		t.Fatalf("bcrypt cost = %d, %v; want the service's %d", cost, err, s.bcryptCost())
	}
	if !u.CreatedAt.Equal(c.Now()) || !u.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("times = %v, %v; want the injected clock %v", u.CreatedAt, u.UpdatedAt, c.Now())
	}
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	ann := mustAddUser(t, s, "ann@example.com", RoleMarketer)
	tests := []struct {
		name, email, password string
		ok                    bool
	}{
		{"the right password signs in", "ann@example.com", "correct horse battery", true},
		{"the email is matched whatever its case and spaces", " ANN@example.com", "correct horse battery", true},
		{"a wrong password is refused", "ann@example.com", "correct horse batterY", false},
		{"an empty password is refused", "ann@example.com", "", false},
		{"the password plus extra bytes past 72 is refused", "ann@example.com", "correct horse battery" + strings.Repeat("!", 60), false},
		{"an unknown email is refused", "bob@example.com", "correct horse battery", false},
		{"an empty email is refused", "", "correct horse battery", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := s.Authenticate(ctx, tt.email, tt.password)
			if tt.ok {
				if err != nil || u != ann {
					t.Fatalf("Authenticate = %+v, %v; want %+v", u, err, ann)
				}
				return
			}
			if err != ErrBadCredentials || u != (User{}) {
				t.Fatalf("Authenticate = %+v, %v; want ErrBadCredentials and no user", u, err)
			}
		})
	}
}

// An unknown email must cost a bcrypt comparison, like a wrong password; without the
// dummy hash it would answer a hundred times faster.
func TestAuthenticateUnknownEmailTakesAsLongAsWrongPassword(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	s.cost = 7 // a few milliseconds: still far above the cost of the query
	mustAddUser(t, s, "ann@example.com", RoleMarketer)
	fastest := func(email string) time.Duration {
		best := time.Hour
		for range 3 {
			start := time.Now()
			if _, err := s.Authenticate(ctx, email, "wrong password!"); err != ErrBadCredentials {
				t.Fatalf("Authenticate(%s) error = %v", email, err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	s.Authenticate(ctx, "warm@example.com", "x") // builds the dummy hash
	known, unknown := fastest("ann@example.com"), fastest("nobody@example.com")
	if unknown < known/3 {
		t.Fatalf("unknown email took %v, wrong password %v: timing reveals which emails exist", unknown, known)
	}
}

func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	s, c := newTestService(t)
	u := mustAddUser(t, s, "ann@example.com", RoleMarketer)
	c.Advance(time.Hour)
	if err := s.SetPassword(ctx, u.ID, "a brand new secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, "ann@example.com", "correct horse battery"); err != ErrBadCredentials {
		t.Fatalf("old password: error = %v, want ErrBadCredentials", err)
	}
	got, err := s.Authenticate(ctx, "ann@example.com", "a brand new secret")
	if err != nil {
		t.Fatalf("new password: %v", err)
	}
	if !got.UpdatedAt.Equal(c.Now()) || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("times = %v, %v; want created %v, updated %v", got.CreatedAt, got.UpdatedAt, u.CreatedAt, c.Now())
	}
	if fe, ok := store.AsFieldErrors(s.SetPassword(ctx, u.ID, "short")); !ok || fe["password"] == "" {
		t.Fatalf("short password: error = %v, want a password field error", fe)
	}
	if err := s.SetPassword(ctx, 999, "long enough password"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown user: error = %v, want ErrNotFound", err)
	}
}

func TestEnsureUserCreatesThenResets(t *testing.T) {
	ctx := context.Background()
	s, c := newTestService(t)
	first, created, err := s.EnsureUser(ctx, "Demo@Example.com", "first password", RoleMarketer)
	if err != nil || !created || first.Email != "demo@example.com" || first.Role != RoleMarketer {
		t.Fatalf("first EnsureUser = %+v, %t, %v; want a created marketer", first, created, err)
	}
	c.Advance(time.Minute)
	second, created, err := s.EnsureUser(ctx, "demo@example.com", "second password", RoleAdmin)
	if err != nil || created {
		t.Fatalf("second EnsureUser = %+v, %t, %v; want an existing user", second, created, err)
	}
	if second.ID != first.ID || second.Role != RoleAdmin || !second.CreatedAt.Equal(first.CreatedAt) || !second.UpdatedAt.Equal(c.Now()) {
		t.Fatalf("second EnsureUser = %+v; want user %d made admin, created %v, updated %v", second, first.ID, first.CreatedAt, c.Now())
	}
	if _, err := s.Authenticate(ctx, "demo@example.com", "first password"); err != ErrBadCredentials {
		t.Fatalf("old password: error = %v, want ErrBadCredentials", err)
	}
	if got, err := s.Authenticate(ctx, "demo@example.com", "second password"); err != nil || got != second {
		t.Fatalf("new password: %+v, %v; want %+v", got, err, second)
	}
	if _, _, err := s.EnsureUser(ctx, "demo@example.com", "third password", RoleManager); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("demoting the only admin: error = %v, want ErrLastAdmin", err)
	}
	if fe, ok := store.AsFieldErrors(func() error { _, _, err := s.EnsureUser(ctx, "x", "y", "z"); return err }()); !ok || len(fe) != 3 {
		t.Fatalf("bad input: field errors = %v, want email, password and role", fe)
	}
	if users, _ := s.Users(ctx); len(users) != 1 {
		t.Fatalf("users = %+v, want one", users)
	}
}
