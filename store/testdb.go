package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// OpenTest opens a fresh, migrated database for a test: a SQLite file in t.TempDir(), or,
// when PERSONA_TEST_POSTGRES_URL is set, that PostgreSQL database emptied first.
// It is closed when the test ends.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "persona-test.db")
	if pg := os.Getenv("PERSONA_TEST_POSTGRES_URL"); pg != "" {
		dsn = pg
	}
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}
