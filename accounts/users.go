package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/persona-app/persona/store"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"
)

// Password length rules: bcrypt ignores everything past 72 bytes, so longer passwords are
// refused rather than silently truncated.
const (
	MinPasswordLength = 10
	maxPasswordBytes  = 72
	maxEmailLength    = 254
)

const duplicateEmail = "a user with this email already exists"

// User is a person who signs in to Persona.
type User struct {
	ID        int64
	Email     string
	Role      Role
	CreatedAt time.Time
	UpdatedAt time.Time
}

// userRow is a row of users, password hash included; it never leaves the package.
type userRow struct {
	ID           int64 `gorm:"primaryKey"`
	Email        string
	PasswordHash string
	Role         string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

func (r userRow) user() User {
	return User{ID: r.ID, Email: r.Email, Role: Role(r.Role), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// normalizeEmail trims and lowercases an email address, as it is stored.
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// checkEmail validates a normalized email address into fe.
func checkEmail(fe store.FieldErrors, email string) {
	if email == "" {
		fe.Add("email", "is required")
		return
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email || len(email) > maxEmailLength {
		fe.Add("email", "is not a valid email address")
	}
}

// checkPassword validates a password into fe.
func checkPassword(fe store.FieldErrors, password string) {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLength:
		fe.Add("password", fmt.Sprintf("must be at least %d characters", MinPasswordLength))
	case len(password) > maxPasswordBytes:
		fe.Add("password", fmt.Sprintf("must be at most %d bytes", maxPasswordBytes))
	}
}

// newUserRow validates a new user's fields and hashes the password.
func (s *Service) newUserRow(email, password string, role Role) (userRow, error) {
	email = normalizeEmail(email)
	fe := store.FieldErrors{}
	checkEmail(fe, email)
	checkPassword(fe, password)
	if !role.IsValid() {
		fe.Add("role", roleMessage)
	}
	if err := fe.Err(); err != nil {
		return userRow{}, err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return userRow{}, err
	}
	now := s.now()
	return userRow{Email: email, PasswordHash: hash, Role: string(role), CreatedAt: now, UpdatedAt: now}, nil
}

// AddUser creates a user. Bad input, including an email already in use, gives
// store.FieldErrors naming email, password or role.
func (s *Service) AddUser(ctx context.Context, email, password string, role Role) (User, error) {
	row, err := s.newUserRow(email, password, role)
	if err != nil {
		return User{}, err
	}
	if err := s.DB.WithContext(ctx).Create(&row).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return User{}, store.FieldErrors{"email": duplicateEmail}
		}
		return User{}, fmt.Errorf("accounts: add user %s: %w", row.Email, err)
	}
	return row.user(), nil
}

// EnsureUser creates the user, or when the email is already taken sets that user's
// password and role; created tells which. The demo uses it to print a working login.
func (s *Service) EnsureUser(ctx context.Context, email, password string, role Role) (User, bool, error) {
	row, err := s.newUserRow(email, password, role)
	if err != nil {
		return User{}, false, err
	}
	var created bool
	ensure := func(tx *gorm.DB) error {
		var old userRow
		err := tx.Where("email = ?", row.Email).First(&old).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			created = true
			return tx.Create(&row).Error
		}
		if err != nil {
			return err
		}
		created = false
		if err := s.checkNotLastAdmin(tx, old, role); err != nil {
			return err
		}
		row.ID, row.CreatedAt = old.ID, old.CreatedAt
		return tx.Exec(`UPDATE users SET password_hash = ?, role = ?, updated_at = ? WHERE id = ?`,
			row.PasswordHash, row.Role, row.UpdatedAt, row.ID).Error
	}
	err = s.DB.Tx(ctx, ensure)
	if store.IsUniqueViolation(err) {
		// Another process created the same email between our read and insert (PostgreSQL
		// only; SQLite transactions hold the write lock): the second attempt updates it.
		err = s.DB.Tx(ctx, ensure)
	}
	if errors.Is(err, ErrLastAdmin) {
		return User{}, false, err
	}
	if err != nil {
		return User{}, false, fmt.Errorf("accounts: ensure user %s: %w", row.Email, err)
	}
	return row.user(), created, nil
}

// SetPassword replaces a user's password; a bad password gives store.FieldErrors.
func (s *Service) SetPassword(ctx context.Context, userID int64, password string) error {
	fe := store.FieldErrors{}
	checkPassword(fe, password)
	if err := fe.Err(); err != nil {
		return err
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return err
	}
	res := s.DB.WithContext(ctx).Exec(`UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`, hash, s.now(), userID)
	if res.Error != nil {
		return fmt.Errorf("accounts: set password of user %d: %w", userID, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("accounts: set password of user %d: %w", userID, store.ErrNotFound)
	}
	return nil
}

// Authenticate returns the user with this email and password, or ErrBadCredentials.
// An unknown email takes the same bcrypt work as a wrong password.
func (s *Service) Authenticate(ctx context.Context, email, password string) (User, error) {
	var row userRow
	err := s.DB.WithContext(ctx).Where("email = ?", normalizeEmail(email)).First(&row).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, fmt.Errorf("accounts: authenticate: %w", err)
	}
	hash := []byte(row.PasswordHash)
	if err != nil {
		if hash, err = s.dummy(); err != nil {
			return User{}, err
		}
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	// bcrypt reads only 72 bytes; no stored password is longer, so a longer one is wrong.
	if row.ID == 0 || !match || len(password) > maxPasswordBytes {
		return User{}, ErrBadCredentials
	}
	return row.user(), nil
}
