package accounts

import (
	"testing"

	"github.com/persona-app/persona/store"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Role
		valid bool
	}{
		{"admin is a role", "admin", RoleAdmin, true},
		{"marketer is a role", "marketer", RoleMarketer, true},
		{"manager is a role", "manager", RoleManager, true},
		{"case and surrounding space are ignored", "  Manager ", RoleManager, true},
		{"an empty name is refused", "", "", false},
		{"an unknown name is refused", "owner", "", false},
		{"a plural is refused", "admins", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if !tt.valid {
				fe, ok := store.AsFieldErrors(err)
				if !ok || fe["role"] == "" {
					t.Fatalf("ParseRole(%q) error = %v, want field error on role", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRole(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestRolePermissions(t *testing.T) {
	tests := []struct {
		role              Role
		canWrite, isAdmin bool
	}{
		{RoleAdmin, true, true},
		{RoleMarketer, true, false},
		{RoleManager, false, false},
		{Role("owner"), false, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.role)+" permissions", func(t *testing.T) {
			if got := tt.role.CanWrite(); got != tt.canWrite {
				t.Errorf("CanWrite() = %t, want %t", got, tt.canWrite)
			}
			if got := tt.role.IsAdmin(); got != tt.isAdmin {
				t.Errorf("IsAdmin() = %t, want %t", got, tt.isAdmin)
			}
		})
	}
	if len(Roles()) != 3 {
		t.Fatalf("Roles() = %v, want the three roles", Roles())
	}
	for _, r := range Roles() {
		if !r.IsValid() {
			t.Errorf("Roles() lists invalid role %q", r)
		}
	}
}
