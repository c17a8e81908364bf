package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// User returns the user with this id, or store.ErrNotFound.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	var row userRow
	if err := s.DB.WithContext(ctx).First(&row, id).Error; err != nil {
		return User{}, fmt.Errorf("accounts: load user %d: %w", id, store.NotFound(err))
	}
	return row.user(), nil
}

// Users returns every user, ordered by email.
func (s *Service) Users(ctx context.Context) ([]User, error) {
	var rows []userRow
	if err := s.DB.WithContext(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	users := make([]User, len(rows))
	for i, r := range rows {
		users[i] = r.user()
	}
	return users, nil
}

// SetRole changes a user's role. An unknown role gives store.FieldErrors; demoting the
// last admin gives ErrLastAdmin.
func (s *Service) SetRole(ctx context.Context, id int64, role Role) error {
	if !role.IsValid() {
		return store.FieldErrors{"role": roleMessage}
	}
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		var row userRow
		if err := tx.First(&row, id).Error; err != nil {
			return store.NotFound(err)
		}
		if err := s.checkNotLastAdmin(tx, row, role); err != nil {
			return err
		}
		return tx.Exec(`UPDATE users SET role = ?, updated_at = ? WHERE id = ?`, string(role), s.now(), id).Error
	})
	if errors.Is(err, ErrLastAdmin) {
		return err
	}
	if err != nil {
		return fmt.Errorf("accounts: set role of user %d: %w", id, err)
	}
	return nil
}

// DeleteUser deletes a user; deleting the last admin gives ErrLastAdmin.
func (s *Service) DeleteUser(ctx context.Context, id int64) error {
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		var row userRow
		if err := tx.First(&row, id).Error; err != nil {
			return store.NotFound(err)
		}
		// Deleting is checked like demoting to a role without admin rights.
		if err := s.checkNotLastAdmin(tx, row, ""); err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM users WHERE id = ?`, id).Error
	})
	if errors.Is(err, ErrLastAdmin) {
		return err
	}
	if err != nil {
		return fmt.Errorf("accounts: delete user %d: %w", id, err)
	}
	return nil
}

// checkNotLastAdmin returns ErrLastAdmin when u is an admin, would lose that role, and no
// other admin exists. On PostgreSQL it locks the admin rows first: two transactions
// demoting two different admins then queue, and the second sees only one admin left,
// instead of both seeing two and leaving none. SQLite transactions hold the write lock
// from their first statement, which serialises them already.
func (s *Service) checkNotLastAdmin(tx *gorm.DB, u userRow, newRole Role) error {
	if Role(u.Role) != RoleAdmin || newRole == RoleAdmin {
		return nil
	}
	q := `SELECT id FROM users WHERE role = ? ORDER BY id`
	if s.DB.IsPostgres() {
		q += ` FOR UPDATE`
	}
	var ids []int64
	if err := tx.Raw(q, string(RoleAdmin)).Scan(&ids).Error; err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	for _, id := range ids {
		if id != u.ID {
			return nil
		}
	}
	return ErrLastAdmin
}
