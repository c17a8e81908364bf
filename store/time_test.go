package store

import (
	"testing"
	"time"
)

func TestTimeScansEveryFormTheDriversReturn(t *testing.T) {
	want := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, v := range []any{want, want.In(time.FixedZone("x", 3600)), "2026-03-04 05:06:07+00:00", []byte("2026-03-04T05:06:07Z"), "2026-03-04 05:06:07"} {
		var d Time
		if err := d.Scan(v); err != nil || !d.Valid || !d.Time.Equal(want) || d.Ptr() == nil {
			t.Errorf("Scan(%v) = %+v, %v", v, d, err)
		}
	}
	var d Time
	if err := d.Scan(nil); err != nil || d.Valid || d.Ptr() != nil {
		t.Errorf("Scan(nil) = %+v, %v; want invalid", d, err)
	}
	if err := d.Scan("yesterday"); err == nil {
		t.Error("a non-time must be an error")
	}
}

func TestPlaceholdersOfNothingMatchNothing(t *testing.T) {
	db := OpenTest(t)
	if got := Placeholders(3); got != "?, ?, ?" {
		t.Fatalf("Placeholders(3) = %q", got)
	}
	if err := db.Exec(`INSERT INTO settings (key, value) VALUES ('a', '1')`).Error; err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Raw(`SELECT COUNT(*) FROM settings WHERE key IN (` + Placeholders(0) + `)`).Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("IN (Placeholders(0)) = %d, %v; want valid SQL matching nothing", n, err)
	}
	if UTCPtr(nil) != nil {
		t.Fatal("UTCPtr(nil) must be nil")
	}
}
