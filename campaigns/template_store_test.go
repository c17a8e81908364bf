package campaigns

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// tplTestClock returns a clock that starts at a fixed time and moves a minute per call.
func tplTestClock() func() time.Time {
	t := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Minute)
		return t
	}
}

func tplTestTemplate(name string) Template {
	return Template{Name: name, Subject: "Hi {{.Customer.FirstName}}", HTML: "<p>Hi {{.Customer.FirstName | default \"there\"}}</p>", Text: "Hi"}
}

func TestTemplatesCreateGetListUpdate(t *testing.T) {
	ctx := context.Background()
	s := &Templates{DB: store.OpenTest(t), Now: tplTestClock()}

	b, err := s.Create(ctx, tplTestTemplate("  Spring  "))
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Create(ctx, tplTestTemplate("Autumn"))
	if err != nil {
		t.Fatal(err)
	}
	if b.ID == 0 || b.Name != "Spring" || !b.CreatedAt.Equal(time.Date(2025, 3, 1, 9, 1, 0, 0, time.UTC)) {
		t.Errorf("created %+v, want an id, the trimmed name and the injected time", b)
	}

	got, err := s.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Spring" || got.HTML != b.HTML || got.Text != "Hi" || !got.CreatedAt.Equal(b.CreatedAt) {
		t.Errorf("Get = %+v, want %+v", got, b)
	}

	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
		t.Errorf("List = %+v, want Autumn then Spring", list)
	}

	edit := tplTestTemplate("Spring sale")
	edit.Subject = "Sale for {{.Customer.FirstName}}"
	up, err := s.Update(ctx, b.ID, edit)
	if err != nil {
		t.Fatal(err)
	}
	if up.Name != "Spring sale" || up.Subject != edit.Subject || !up.CreatedAt.Equal(b.CreatedAt) || !up.UpdatedAt.After(b.UpdatedAt) {
		t.Errorf("Update = %+v", up)
	}
}

func TestTemplatesRefuseBadInput(t *testing.T) {
	ctx := context.Background()
	s := &Templates{DB: store.OpenTest(t), Now: tplTestClock()}
	first, err := s.Create(ctx, tplTestTemplate("Welcome"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Create(ctx, tplTestTemplate("Other"))
	if err != nil {
		t.Fatal(err)
	}
	bad := tplTestTemplate("Broken")
	bad.HTML = "<p>\n{{.Customer.Frist_name}}"

	cases := []struct {
		name  string
		save  func() error
		field string
		want  string
	}{
		{"creating a second template with a taken name names the field", func() error { _, err := s.Create(ctx, tplTestTemplate("Welcome")); return err },
			"name", `a template named "Welcome" already exists`},
		{"renaming to a taken name names the field", func() error { _, err := s.Update(ctx, other.ID, tplTestTemplate("Welcome")); return err },
			"name", `a template named "Welcome" already exists`},
		{"creating an invalid template is refused with the line", func() error { _, err := s.Create(ctx, bad); return err },
			"html", `html, line 2: unknown field "Frist_name"`},
		{"updating to an invalid template is refused with the line", func() error { _, err := s.Update(ctx, first.ID, bad); return err },
			"html", `html, line 2: unknown field "Frist_name"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fe, ok := store.AsFieldErrors(tc.save())
			if !ok || !strings.Contains(fe[tc.field], tc.want) {
				t.Errorf("got %v, want %s: %s", fe, tc.field, tc.want)
			}
		})
	}
	got, err := s.Get(ctx, first.ID)
	if err != nil || got.HTML != first.HTML {
		t.Errorf("a refused update changed the template: %+v, %v", got, err)
	}
}

func TestTemplatesNotFoundAndDelete(t *testing.T) {
	ctx := context.Background()
	db := store.OpenTest(t)
	s := &Templates{DB: db, Now: tplTestClock()}
	used, err := s.Create(ctx, tplTestTemplate("Used"))
	if err != nil {
		t.Fatal(err)
	}
	free, err := s.Create(ctx, tplTestTemplate("Free"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	if err := db.Exec(`INSERT INTO segments (id, name, rules, created_at, updated_at) VALUES (1, 'All', '{}', ?, ?)`, now, now).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO campaigns (name, segment_id, template_id, schedule_kind, created_at, updated_at) VALUES ('C', 1, ?, 'manual', ?, ?)`, used.ID, now, now).Error; err != nil {
		t.Fatal(err)
	}

	t.Run("a template used by a campaign is a conflict and stays", func(t *testing.T) {
		if err := s.Delete(ctx, used.ID); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("Delete = %v, want ErrConflict", err)
		}
		if _, err := s.Get(ctx, used.ID); err != nil {
			t.Errorf("template gone after a refused delete: %v", err)
		}
	})
	t.Run("an unused template is deleted", func(t *testing.T) {
		if err := s.Delete(ctx, free.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, free.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get after delete = %v, want ErrNotFound", err)
		}
	})
	t.Run("missing templates are not found", func(t *testing.T) {
		if _, err := s.Get(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get = %v", err)
		}
		if _, err := s.Update(ctx, 999, tplTestTemplate("X")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Update = %v", err)
		}
		if err := s.Delete(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Delete = %v", err)
		}
	})
}
