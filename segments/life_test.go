package segments

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"
	"time"
)

func saveSegment(t *testing.T, s *Service, name, rules string) Segment {
	t.Helper()
	r, err := ParseRules([]byte(rules))
	if err != nil {
		t.Fatal(err)
	}
	seg, err := s.CreateSegment(context.Background(), Input{Name: name, Rules: r})
	if err != nil {
		t.Fatal(err)
	}
	return seg
}

func TestSnapshotsRecordOneSizePerSegmentAndDay(t *testing.T) {
	_, s := openFixture(t)
	ctx := context.Background()
	de := saveSegment(t, s, "Germans", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"}]}`)
	now := s.Now()
	if _, err := s.TakeSnapshots(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeSnapshots(ctx); err != nil { // the same day again replaces, never duplicates
		t.Fatal(err)
	}
	s.Now = func() time.Time { return now.Add(24 * time.Hour) }
	if err := s.DB.WithContext(ctx).Exec(`UPDATE customers SET country = 'DE' WHERE id = 3`).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.TakeSnapshots(ctx); err != nil {
		t.Fatal(err)
	}
	hist, err := s.SizeHistory(ctx, de.ID, 30)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Size != 4 || hist[1].Size != 5 || !hist[1].Day.After(hist[0].Day) {
		t.Fatalf("history %+v, want sizes 4 then 5 on two days", hist)
	}
}

func TestExportMembersWritesOneRowPerMember(t *testing.T) {
	_, s := openFixture(t)
	de := saveSegment(t, s, "Germans", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"}]}`)
	var buf bytes.Buffer
	n, err := s.ExportMembers(context.Background(), de.ID, &buf)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || len(recs) != 5 || recs[0][0] != "customer_id" || recs[1][0] != "c1" || recs[1][6] != "5" || recs[1][7] != "500.00" {
		t.Fatalf("export of %d rows: %v", n, recs)
	}
}

func TestOverlapCountsCustomersInBothSegments(t *testing.T) {
	_, s := openFixture(t)
	de := saveSegment(t, s, "Germans", `{"match":"all","conditions":[{"field":"country","op":"eq","value":"DE"}]}`)
	ok := saveSegment(t, s, "Consenting", `{"match":"all","conditions":[{"field":"consent_email","op":"is_true"}]}`)
	o, err := s.Overlap(context.Background(), de.ID, ok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if o != (Overlap{A: 4, B: 5, Both: 2}) {
		t.Fatalf("overlap %+v, want 4, 5 and 2 in both", o)
	}
}
