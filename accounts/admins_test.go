package accounts

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/persona-app/persona/store"
)

func TestLastAdminProtection(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		act     func(s *Service, ann, bob, cy User) error
		wantErr error
	}{
		{"the only admin cannot be demoted", func(s *Service, ann, _, _ User) error {
			return s.SetRole(ctx, ann.ID, RoleMarketer)
		}, ErrLastAdmin},
		{"the only admin cannot be deleted", func(s *Service, ann, _, _ User) error {
			return s.DeleteUser(ctx, ann.ID)
		}, ErrLastAdmin},
		{"the only admin may be set to admin again", func(s *Service, ann, _, _ User) error {
			return s.SetRole(ctx, ann.ID, RoleAdmin)
		}, nil},
		{"a marketer may be deleted", func(s *Service, _, bob, _ User) error {
			return s.DeleteUser(ctx, bob.ID)
		}, nil},
		{"a manager may be promoted", func(s *Service, _, _, cy User) error {
			return s.SetRole(ctx, cy.ID, RoleAdmin)
		}, nil},
		{"an admin may be demoted once another admin exists", func(s *Service, ann, bob, _ User) error {
			if err := s.SetRole(ctx, bob.ID, RoleAdmin); err != nil {
				return err
			}
			return s.SetRole(ctx, ann.ID, RoleManager)
		}, nil},
		{"an admin may be deleted once another admin exists", func(s *Service, ann, bob, _ User) error {
			if err := s.SetRole(ctx, bob.ID, RoleAdmin); err != nil {
				return err
			}
			return s.DeleteUser(ctx, ann.ID)
		}, nil},
		{"the remaining admin is protected after the other one is demoted", func(s *Service, ann, bob, _ User) error {
			if err := s.SetRole(ctx, bob.ID, RoleAdmin); err != nil {
				return err
			}
			if err := s.SetRole(ctx, ann.ID, RoleManager); err != nil {
				return err
			}
			return s.DeleteUser(ctx, bob.ID)
		}, ErrLastAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestService(t)
			ann := mustAddUser(t, s, "ann@example.com", RoleAdmin)
			bob := mustAddUser(t, s, "bob@example.com", RoleMarketer)
			cy := mustAddUser(t, s, "cy@example.com", RoleManager)
			if err := tt.act(s, ann, bob, cy); !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if n := countAdmins(t, s); n < 1 {
				t.Fatalf("%d admins left", n)
			}
		})
	}
}

func countAdmins(t *testing.T, s *Service) int {
	t.Helper()
	users, err := s.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range users {
		if u.Role.IsAdmin() {
			n++
		}
	}
	return n
}

func TestRefusedChangesLeaveTheUserAsItWas(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	ann := mustAddUser(t, s, "ann@example.com", RoleAdmin)
	if err := s.SetRole(ctx, ann.ID, RoleManager); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("SetRole error = %v, want ErrLastAdmin", err)
	}
	if err := s.DeleteUser(ctx, ann.ID); !errors.Is(err, ErrLastAdmin) {
		t.Fatalf("DeleteUser error = %v, want ErrLastAdmin", err)
	}
	if got, err := s.User(ctx, ann.ID); err != nil || got != ann {
		t.Fatalf("User = %+v, %v; want unchanged %+v", got, err, ann)
	}
}

func TestTwoAdminsDemotingEachOtherAtOnceLeaveOneAdmin(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	a := mustAddUser(t, s, "a@example.com", RoleAdmin)
	b := mustAddUser(t, s, "b@example.com", RoleAdmin)
	// The race window is small, so try many times; each round starts with two admins.
	for round := range 30 {
		for _, id := range []int64{a.ID, b.ID} {
			if err := s.SetRole(ctx, id, RoleAdmin); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i, id := range []int64{a.ID, b.ID} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = s.SetRole(ctx, id, RoleMarketer)
			}()
		}
		close(start)
		wg.Wait()
		var refused int
		for _, err := range errs {
			switch {
			case errors.Is(err, ErrLastAdmin):
				refused++
			case err != nil:
				t.Fatalf("round %d: SetRole: %v", round, err)
			}
		}
		if n := countAdmins(t, s); refused != 1 || n != 1 {
			t.Fatalf("round %d: errors = %v, admins = %d; want exactly one refusal and one admin", round, errs, n)
		}
	}
}

func TestUserChangesOnUnknownOrBadInput(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t)
	bob := mustAddUser(t, s, "bob@example.com", RoleMarketer)
	if _, err := s.User(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("User(999) error = %v, want ErrNotFound", err)
	}
	if err := s.SetRole(ctx, 999, RoleManager); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetRole(999) error = %v, want ErrNotFound", err)
	}
	if err := s.DeleteUser(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteUser(999) error = %v, want ErrNotFound", err)
	}
	if fe, ok := store.AsFieldErrors(s.SetRole(ctx, bob.ID, "owner")); !ok || fe["role"] == "" {
		t.Errorf("SetRole(owner) error = %v, want a role field error", fe)
	}
	if err := s.SetRole(ctx, bob.ID, RoleManager); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.User(ctx, bob.ID); got.Role != RoleManager {
		t.Errorf("role after SetRole = %q, want manager", got.Role)
	}
	if err := s.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.User(ctx, bob.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted user: error = %v, want ErrNotFound", err)
	}
}
