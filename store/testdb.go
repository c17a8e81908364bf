package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// OpenTest opens a fresh, migrated database for a test: a SQLite file in t.TempDir(), or,
// when PERSONA_TEST_POSTGRES_URL is set, a new schema of that PostgreSQL database, dropped
// when the test ends. Either way every call starts empty. It is closed when the test ends.
func OpenTest(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "persona-test.db")
	if pg := os.Getenv("PERSONA_TEST_POSTGRES_URL"); pg != "" {
		dsn = pgTestSchema(t, pg)
	}
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// pgTestSchema creates a schema of its own for one test and returns a URL whose
// search_path points at it.
func pgTestSchema(t testing.TB, base string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	admin, err := Open(context.Background(), base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.Exec("DROP SCHEMA " + schema + " CASCADE").Error
		_ = admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}
