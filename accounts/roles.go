package accounts

import (
	"strings"

	"github.com/persona-app/persona/store"
)

// Role is what a user may do.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin    Role = "admin"
	RoleMarketer Role = "marketer"
	RoleManager  Role = "manager"
)

const roleMessage = "must be admin, marketer or manager"

// Roles lists every role, for forms and help text.
func Roles() []Role { return []Role{RoleAdmin, RoleMarketer, RoleManager} }

// ParseRole reads a role name, ignoring case and surrounding space; an unknown name gives
// store.FieldErrors for the field "role".
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.IsValid() {
		return "", store.FieldErrors{"role": roleMessage}
	}
	return r, nil
}

// IsValid tells whether r is one of the known roles.
func (r Role) IsValid() bool {
	return r == RoleAdmin || r == RoleMarketer || r == RoleManager
}

// CanWrite tells whether r may change data (admins and marketers; managers only read).
func (r Role) CanWrite() bool { return r == RoleAdmin || r == RoleMarketer }

// IsAdmin tells whether r may manage users, API keys and settings.
func (r Role) IsAdmin() bool { return r == RoleAdmin }

// String returns the role name.
func (r Role) String() string { return string(r) }
