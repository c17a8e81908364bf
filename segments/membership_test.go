package segments

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/persona-app/persona/store"
)

// createSegment stores a segment and returns its id.
func createSegment(t *testing.T, svc *Service, name, rules string) int64 {
	t.Helper()
	seg, err := svc.CreateSegment(context.Background(), Input{Name: name, Rules: mustRules(t, rules)})
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return seg.ID
}

func ref(id int64, include bool) string {
	return fmt.Sprintf(`{"segment":{"id":%d,"include":%v}}`, id, include)
}

func TestCountSegmentMembership(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	germans := createSegment(t, svc, "Germans", one(`{"field":"country","op":"eq","value":"DE"}`))          // 1 2 5 8
	viewers := createSegment(t, svc, "Viewers", one(`{"behaviour":{"event":"view","days":30}}`))            // 1 2 3 9
	recent := createSegment(t, svc, "Recent buyers", one(`{"field":"recency_days","op":"lte","value":30}`)) // 1 2 4 10
	both := createSegment(t, svc, "German viewers", `{"match":"all","conditions":[`+ref(germans, true)+`,`+ref(viewers, true)+`]}`)
	cases := []struct {
		name  string
		rules string
		want  int64
	}{
		{"include a segment", one(ref(germans, true)), 4},
		{"include is the default", one(fmt.Sprintf(`{"segment":{"id":%d}}`, germans)), 4},
		{"exclude a segment", one(ref(germans, false)), 6},
		{"include two segments", `{"match":"all","conditions":[` + ref(germans, true) + `,` + ref(viewers, true) + `]}`, 2},
		{"include one of two segments", `{"match":"any","conditions":[` + ref(germans, true) + `,` + ref(recent, true) + `]}`, 6},
		{"exclude keeps customers whose condition is unknown", one(ref(recent, false)), 6},
		{"include a segment made of segments", one(ref(both, true)), 2},
		{"exclude a segment made of segments", one(ref(both, false)), 8},
		{"a segment beside a field in a group", `{"match":"all","conditions":[{"field":"consent_email","op":"is_true"},
			{"group":{"match":"any","conditions":[` + ref(viewers, false) + `,{"field":"country","op":"eq","value":"SE"}]}}]}`, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n, err := svc.Count(ctx, mustRules(t, tc.rules))
			if err != nil {
				t.Fatalf("Count: %v", err)
			}
			if n != tc.want {
				t.Errorf("Count = %d, want %d", n, tc.want)
			}
		})
	}
	counts, err := svc.SegmentCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int64]int64{germans: 4, viewers: 4, recent: 4, both: 2}; !maps.Equal(counts, want) {
		t.Errorf("SegmentCounts = %v, want %v", counts, want)
	}
	query, args, err := svc.AudienceSQL(ctx, both)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := svc.DB.Raw(query+" ORDER BY c.id", args...).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != "[1 2]" {
		t.Errorf("audience of German viewers = %v, want [1 2]", ids)
	}
}

func TestSavingASegmentThatWouldMakeACycleIsRefused(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	a := createSegment(t, svc, "A", one(`{"field":"country","op":"eq","value":"DE"}`))
	b := createSegment(t, svc, "B", one(ref(a, true)))
	c := createSegment(t, svc, "C", one(ref(b, false)))
	cases := []struct {
		name    string
		id      int64
		segName string
		rules   string
		path    string
		msg     string
	}{
		{"a segment including itself", a, "A", one(ref(a, true)), "conditions[0].segment", `segment "A" would include itself: "A" → "A"`},
		{"a segment including one that includes it", a, "A", one(ref(b, true)), "conditions[0].segment", `segment "A" would include itself: "A" → "B" → "A"`},
		{"a cycle through an exclusion, under its new name", a, "A2", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"},
			{"group":{"match":"any","conditions":[` + ref(c, true) + `]}}]}`, "conditions[1].group.conditions[0].segment", `segment "A2" would include itself: "A2" → "C" → "B" → "A2"`},
		{"a segment that does not exist", a, "A", one(ref(999, true)), "conditions[0].segment.id", "segment 999 does not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.UpdateSegment(ctx, tc.id, Input{Name: tc.segName, Rules: mustRules(t, tc.rules)})
			if !isFieldError(err, tc.path, tc.msg) {
				t.Fatalf("UpdateSegment error = %v, want %s: %s", err, tc.path, tc.msg)
			}
		})
	}
	if _, err := svc.CreateSegment(ctx, Input{Name: "D", Rules: mustRules(t, one(ref(999, true)))}); !isFieldError(err, "conditions[0].segment.id", "segment 999 does not exist") {
		t.Fatalf("creating with a missing segment: %v", err)
	}
	// Nothing changed: A still counts the Germans.
	if n, err := svc.Count(ctx, mustRules(t, one(ref(c, false)))); err != nil || n != 4 {
		t.Fatalf("count excluding C = %d, %v; want the 4 Germans", n, err)
	}
}

func TestCountRefusesCyclesAndDeepNestingFoundInStoredSegments(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	a := createSegment(t, svc, "A", one(`{"field":"country","op":"eq","value":"DE"}`))
	b := createSegment(t, svc, "B", one(ref(a, true)))
	// Two saves at once can close a cycle that neither saw: write it past the checks.
	if err := db.Exec("UPDATE segments SET rules = ? WHERE id = ?", one(ref(b, true)), a).Error; err != nil {
		t.Fatal(err)
	}
	_, err := svc.Count(ctx, mustRules(t, one(ref(a, true))))
	if !isFieldError(err, "conditions[0].segment", `segment "A" would include itself: "A" → "B" → "A"`) {
		t.Fatalf("Count through a cycle: %v", err)
	}
	if _, _, err := svc.AudienceSQL(ctx, b); !isFieldError(err, "conditions[0].segment", `segment "B" would include itself: "B" → "A" → "B"`) {
		t.Fatalf("AudienceSQL through a cycle: %v", err)
	}

	chain := createSegment(t, svc, "L0", one(`{"field":"country","op":"eq","value":"DE"}`))
	for i := 1; i <= 4; i++ {
		chain = createSegment(t, svc, fmt.Sprintf("L%d", i), one(ref(chain, true)))
	}
	// L3 → L2 → L1 → L0 is four segments deep: allowed.
	var l3 int64
	if err := db.Raw("SELECT id FROM segments WHERE name = 'L3'").Scan(&l3).Error; err != nil {
		t.Fatal(err)
	}
	if n, err := svc.Count(ctx, mustRules(t, one(ref(l3, true)))); err != nil || n != 4 {
		t.Fatalf("four deep: %d, %v; want 4", n, err)
	}
	// L4 → … → L0 from rules being edited is five.
	_, err = svc.Count(ctx, mustRules(t, one(ref(chain, true))))
	if !isFieldError(err, "conditions[0].segment", `segments nest at most 4 deep: "L4" → "L3" → "L2" → "L1" → "L0"`) {
		t.Fatalf("five deep: %v", err)
	}
	if _, err := svc.CreateSegment(ctx, Input{Name: "L5", Rules: mustRules(t, one(ref(chain, true)))}); err == nil {
		t.Fatal("saved a segment nesting five deep")
	}
	// Stored L4 itself follows four conditions, so it counts; A and B drop out.
	counts, err := svc.SegmentCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := counts[a]; ok || counts[chain] != 4 || len(counts) != 5 {
		t.Fatalf("SegmentCounts = %v, want L0..L4 only", counts)
	}
}

func TestSegmentWithStaleRulesIsNamedWhenIncluded(t *testing.T) {
	db, svc := openFixture(t)
	stale := createSegment(t, svc, "Stale", one(`{"field":"country","op":"eq","value":"DE"}`))
	if err := db.Exec("UPDATE segments SET rules = ? WHERE id = ?", one(`{"field":"loyalty","op":"gt","value":1}`), stale).Error; err != nil {
		t.Fatal(err)
	}
	_, err := svc.Count(context.Background(), mustRules(t, one(ref(stale, true))))
	fe, _ := store.AsFieldErrors(err)
	if msg := fe["conditions[0].segment"]; !strings.HasPrefix(msg, `segment "Stale" has rules that no longer validate (conditions[0].field: unknown field "loyalty")`) {
		t.Fatalf("error = %v", err)
	}
}

func TestDeleteSegmentThatAnotherIncludesIsAConflict(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	a := createSegment(t, svc, "A", one(`{"field":"country","op":"eq","value":"DE"}`))
	b := createSegment(t, svc, "Not A", one(ref(a, false)))
	err := svc.DeleteSegment(ctx, a)
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), `used by segment "Not A"`) {
		t.Fatalf("DeleteSegment = %v, want ErrConflict naming Not A", err)
	}
	if err := svc.DeleteSegment(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := svc.DeleteSegment(ctx, a); err != nil {
		t.Fatalf("delete once unused: %v", err)
	}
}

func TestCompileWithoutTheServiceRefusesSegmentConditions(t *testing.T) {
	r := mustRules(t, one(ref(1, true)))
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	_, err := Compile(r, testNow, "sqlite")
	if !isFieldError(err, "conditions[0].segment", "segment conditions need the stored segments: compile these rules with Service.Compile") {
		t.Fatalf("Compile = %v", err)
	}
}
