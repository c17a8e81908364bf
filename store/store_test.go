package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

func TestMigrationsApplyOnceAndInOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.SchemaVersion(context.Background())
	if err != nil || v != len(migrations) {
		t.Fatalf("schema version = %d, %v; want %d", v, err, len(migrations))
	}
	db.Close()
	// Opening again must not re-run anything (a re-run would fail on CREATE TABLE).
	db, err = Open(context.Background(), path)
	if err != nil {
		t.Fatalf("second open: %v", err)
	}
	defer db.Close()
	var mode string
	db.Raw("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var fk int
	db.Raw("PRAGMA foreign_keys").Scan(&fk)
	if fk != 1 {
		t.Errorf("foreign_keys = %d, want 1", fk)
	}
}

func TestConcurrentWritersDoNotFailWithLocked(t *testing.T) {
	db := OpenTest(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				err := db.Tx(ctx, func(tx *gorm.DB) error {
					var n int
					// read first, then write: the pattern that deadlocks with deferred transactions
					if err := tx.Raw("SELECT COUNT(*) FROM settings").Scan(&n).Error; err != nil {
						return err
					}
					return tx.Exec("INSERT INTO settings (key, value) VALUES (?, ?)", fmt.Sprintf("k%d-%d", w, i), time.Now().String()).Error
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent write failed: %v", err)
	}
	var n int
	db.Raw("SELECT COUNT(*) FROM settings").Scan(&n)
	if n != 160 {
		t.Fatalf("rows = %d, want 160", n)
	}
}

func TestFieldErrorsAndNotFound(t *testing.T) {
	fe := FieldErrors{}
	if fe.Err() != nil {
		t.Fatal("empty FieldErrors must be nil error")
	}
	fe.Add("email", "is required")
	fe.Add("email", "second message ignored")
	fe.Add("age", "must be a number")
	if got := fe.Error(); got != "age: must be a number; email: is required" {
		t.Fatalf("Error() = %q", got)
	}
	if _, ok := AsFieldErrors(fmt.Errorf("wrap: %w", fe)); !ok {
		t.Fatal("AsFieldErrors should see through wrapping")
	}
	if !errors.Is(NotFound(gorm.ErrRecordNotFound), ErrNotFound) {
		t.Fatal("NotFound should map gorm.ErrRecordNotFound")
	}
}
