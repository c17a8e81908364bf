package segments

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func mustRules(t *testing.T, s string) Rules {
	t.Helper()
	r, err := ParseRules([]byte(s))
	if err != nil {
		t.Fatalf("ParseRules(%s): %v", s, err)
	}
	return r
}

func rulesJSON(t *testing.T, r Rules) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSegmentCreateReadUpdateDelete(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	germans := mustRules(t, one(`{"field":"country","op":"eq","value":"DE"}`))

	created, err := svc.CreateSegment(ctx, Input{Name: "  Germans ", Description: "All of them", Rules: germans})
	if err != nil {
		t.Fatalf("CreateSegment: %v", err)
	}
	if created.ID == 0 || created.Name != "Germans" || !created.CreatedAt.Equal(testNow) || !created.UpdatedAt.Equal(testNow) {
		t.Fatalf("created = %+v", created)
	}
	got, err := svc.Segment(ctx, created.ID)
	if err != nil {
		t.Fatalf("Segment: %v", err)
	}
	if got.Name != "Germans" || got.Description != "All of them" || !got.CreatedAt.Equal(testNow) ||
		rulesJSON(t, got.Rules) != rulesJSON(t, germans) {
		t.Fatalf("read back %+v, want what was created", got)
	}

	other, err := svc.CreateSegment(ctx, Input{Name: "Everyone", Rules: Rules{Match: "all"}})
	if err != nil {
		t.Fatalf("create second: %v", err)
	}
	if list, err := svc.Segments(ctx); err != nil || len(list) != 2 || list[0].Name != "Everyone" || list[1].Name != "Germans" {
		t.Fatalf("Segments = %+v, %v; want Everyone then Germans", list, err)
	}

	later := NewService(db, func() time.Time { return testNow.Add(time.Hour) })
	spenders := mustRules(t, one(`{"field":"monetary","op":"gte","value":100}`))
	updated, err := later.UpdateSegment(ctx, created.ID, Input{Name: "Big spenders", Rules: spenders})
	if err != nil {
		t.Fatalf("UpdateSegment: %v", err)
	}
	if updated.Name != "Big spenders" || updated.Description != "" || !updated.CreatedAt.Equal(testNow) ||
		!updated.UpdatedAt.Equal(testNow.Add(time.Hour)) || rulesJSON(t, updated.Rules) != rulesJSON(t, spenders) {
		t.Fatalf("updated = %+v", updated)
	}
	if n, err := svc.Count(ctx, updated.Rules); err != nil || n != 5 {
		t.Fatalf("count of the stored rules = %d, %v; want 5", n, err)
	}

	if _, err := svc.UpdateSegment(ctx, other.ID, Input{Name: "Big spenders", Rules: spenders}); !isFieldError(err, "name", "a segment with this name already exists") {
		t.Fatalf("renaming onto a taken name: %v", err)
	}
	if _, err := svc.UpdateSegment(ctx, 999, Input{Name: "Ghost", Rules: spenders}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("updating a missing segment: %v, want ErrNotFound", err)
	}

	if err := svc.DeleteSegment(ctx, other.ID); err != nil {
		t.Fatalf("DeleteSegment: %v", err)
	}
	if _, err := svc.Segment(ctx, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Segment after delete: %v, want ErrNotFound", err)
	}
	if err := svc.DeleteSegment(ctx, other.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
}

func TestCreateSegmentRefusesBadInput(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	valid := mustRules(t, one(`{"field":"country","op":"eq","value":"DE"}`))
	if _, err := svc.CreateSegment(ctx, Input{Name: "Germans", Rules: valid}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		in    Input
		field string
		msg   string
	}{
		{"a name already taken", Input{Name: "Germans", Rules: valid}, "name", "a segment with this name already exists"},
		{"a blank name", Input{Name: "   ", Rules: valid}, "name", "name is required"},
		{"a name over 100 characters", Input{Name: strings.Repeat("é", 101), Rules: valid}, "name", "name is too long (at most 100 characters)"},
		{"a description over 1000 characters", Input{Name: "Long", Description: strings.Repeat("x", 1001), Rules: valid}, "description", "description is too long (at most 1000 characters)"},
		{"rules that do not validate", Input{Name: "Bad", Rules: Rules{Match: "all", Conditions: []Condition{{Field: "country", Op: "like"}}}},
			"conditions[0].op", `unknown operator "like" for text field country (use eq, neq, contains, starts_with, in, is_empty, not_empty)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.CreateSegment(ctx, tc.in); !isFieldError(err, tc.field, tc.msg) {
				t.Fatalf("CreateSegment error = %v, want %s: %s", err, tc.field, tc.msg)
			}
		})
	}
	if list, _ := svc.Segments(ctx); len(list) != 1 {
		t.Fatalf("%d segments stored, want only the first", len(list))
	}
}

func TestDeleteSegmentUsedByACampaignIsAConflict(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	seg, err := svc.CreateSegment(ctx, Input{Name: "Targets", Rules: Rules{Match: "all"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO templates (id, name, subject, html, created_at, updated_at)
		VALUES (1, 'T', 'S', '<p>x</p>', ?, ?)`, testNow, testNow).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(`INSERT INTO campaigns (name, segment_id, template_id, schedule_kind, created_at, updated_at)
		VALUES ('C', ?, 1, 'manual', ?, ?)`, seg.ID, testNow, testNow).Error; err != nil {
		t.Fatal(err)
	}
	err = svc.DeleteSegment(ctx, seg.ID)
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "audience of 1 campaign") {
		t.Fatalf("DeleteSegment = %v, want ErrConflict naming the campaign", err)
	}
	if _, err := svc.Segment(ctx, seg.ID); err != nil {
		t.Fatalf("segment gone after a refused delete: %v", err)
	}
}

func TestMembersPagesInIDOrder(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	germans := mustRules(t, one(`{"field":"country","op":"eq","value":"DE"}`))
	cases := []struct {
		name          string
		page, perPage int
		ids           []int64
	}{
		{"the first page holds the first three", 1, 3, []int64{1, 2, 5}},
		{"the second page holds the rest", 2, 3, []int64{8}},
		{"a page past the end is empty", 3, 3, []int64{}},
		{"a page below one reads as the first", 0, 3, []int64{1, 2, 5}},
		{"a zero page size takes the default", 1, 0, []int64{1, 2, 5, 8}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			members, total, err := svc.Members(ctx, germans, tc.page, tc.perPage)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, m := range members {
				ids = append(ids, m.ID)
			}
			if total != 4 || !slices.Equal(ids, tc.ids) {
				t.Fatalf("ids %v (total %d), want %v (total 4)", ids, total, tc.ids)
			}
		})
	}
	members, _, err := svc.Members(ctx, germans, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := Member{ID: 1, ExternalID: "c1", Email: "anna@example.com", FirstName: "Anna", LastName: "Schmidt", Country: "DE", Frequency: 5, Monetary: 500}
	if members[0] != want {
		t.Errorf("first member = %+v, want %+v", members[0], want)
	}
	if hans := members[3]; hans.ID != 8 || hans.Frequency != 0 || hans.Monetary != 0 {
		t.Errorf("member without features = %+v, want zero frequency and monetary", hans)
	}
	if _, _, err := svc.Members(ctx, Rules{Match: "sometimes"}, 1, 10); !isFieldError(err, "match", `match must be "all" or "any"`) {
		t.Errorf("Members with bad rules: %v", err)
	}
}

func TestAudienceSQLFeedsAnInsertSelect(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	seg, err := svc.CreateSegment(ctx, Input{Name: "German viewers", Rules: mustRules(t,
		`{"match":"any","conditions":[{"field":"country","op":"eq","value":"DE"},{"behaviour":{"event":"view","category":"Shoes","min_count":2,"days":30}}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := svc.AudienceSQL(ctx, seg.ID)
	if err != nil {
		t.Fatalf("AudienceSQL: %v", err)
	}
	if err := db.Exec(`CREATE TABLE audience_test (run_id BIGINT NOT NULL, customer_id BIGINT NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	// The caller's own parameters come first, as in the campaign pipeline's insert.
	insert := `INSERT INTO audience_test (run_id, customer_id) SELECT ?, q.id FROM (` + sql + `) q`
	if err := db.Exec(insert, append([]any{int64(7)}, args...)...).Error; err != nil {
		t.Fatalf("insert from audience: %v", err)
	}
	var got []int64
	if err := db.Raw(`SELECT customer_id FROM audience_test WHERE run_id = 7 ORDER BY customer_id`).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if want := []int64{1, 2, 5, 8, 9}; !slices.Equal(got, want) {
		t.Fatalf("audience = %v, want %v", got, want)
	}
	if _, _, err := svc.AudienceSQL(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AudienceSQL of a missing segment: %v, want ErrNotFound", err)
	}
}

func isFieldError(err error, field, msg string) bool {
	fe, ok := store.AsFieldErrors(err)
	return ok && fe[field] == msg
}
