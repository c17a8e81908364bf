package segments

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"testing"
)

func TestSegmentCountsCountsEveryStoredSegment(t *testing.T) {
	db, svc := openFixture(t)
	ctx := context.Background()
	ids := map[string]int64{}
	for name, rules := range map[string]string{
		"Germans":  one(`{"field":"country","op":"eq","value":"DE"}`),
		"Viewers":  one(`{"behaviour":{"event":"view","min_count":1,"days":30}}`),
		"Everyone": `{"match":"any","conditions":[]}`,
		"Gold":     one(`{"field":"attr.plan","op":"eq","value":"gold"}`),
	} {
		seg, err := svc.CreateSegment(ctx, Input{Name: name, Rules: mustRules(t, rules)})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = seg.ID
	}
	// A segment whose stored rules no longer validate is left out, not an error.
	if err := db.Exec(`INSERT INTO segments (name, rules, created_at, updated_at) VALUES ('Stale', ?, ?, ?)`,
		one(`{"field":"loyalty_points","op":"gt","value":1}`), testNow, testNow).Error; err != nil {
		t.Fatal(err)
	}
	got, err := svc.SegmentCounts(ctx)
	if err != nil {
		t.Fatalf("SegmentCounts: %v", err)
	}
	want := map[int64]int64{ids["Germans"]: 4, ids["Viewers"]: 4, ids["Everyone"]: 10, ids["Gold"]: 3}
	if !maps.Equal(got, want) {
		t.Fatalf("SegmentCounts = %v, want %v", got, want)
	}
}

func TestSegmentCountsSplitsManySegmentsIntoBatches(t *testing.T) {
	_, svc := openFixture(t)
	ctx := context.Background()
	want := map[int64]int64{}
	add := func(name string, r Rules, n int64) {
		t.Helper()
		seg, err := svc.CreateSegment(ctx, Input{Name: name, Rules: r})
		if err != nil {
			t.Fatal(err)
		}
		want[seg.ID] = n
	}
	// More segments than one batch holds.
	for i := range countBatch + 20 {
		if i%2 == 0 {
			add(fmt.Sprintf("Germans %d", i), mustRules(t, one(`{"field":"country","op":"eq","value":"DE"}`)), 4)
		} else {
			add(fmt.Sprintf("Push %d", i), mustRules(t, one(`{"field":"consent_push","op":"is_true"}`)), 3)
		}
	}
	// Segments whose parameters together pass SQLite's limit of 32766 per statement.
	many := make([]string, maxInValues)
	for i := range many {
		many[i] = fmt.Sprintf("X%d", i)
	}
	many[0] = "FR"
	values, _ := json.Marshal(many)
	for i := range 4 {
		r := Rules{Match: "any"}
		for range 9 {
			r.Conditions = append(r.Conditions, Condition{Field: "country", Op: "in", Value: values})
		}
		add(fmt.Sprintf("Big %d", i), r, 1)
	}
	got, err := svc.SegmentCounts(ctx)
	if err != nil {
		t.Fatalf("SegmentCounts: %v", err)
	}
	if !maps.Equal(got, want) {
		t.Fatalf("SegmentCounts = %v, want %v", got, want)
	}
}
