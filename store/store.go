// Package store opens the database (SQLite by default, PostgreSQL when the URL says so),
// runs the ordered migrations and holds the error kinds and query helpers every domain
// package shares. It holds no domain logic.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DB is the database handle the domain packages share.
type DB struct {
	*gorm.DB
	// Dialect is "sqlite" or "postgres".
	Dialect string
}

// Open opens the database named by dsn: a postgres:// URL, or a SQLite file path
// (optionally prefixed with sqlite: or file:). Migrations run before it returns.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("store: no database given (use --db FILE or DATABASE_URL)")
	}
	cfg := &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: func() time.Time { return time.Now().UTC() }}
	var (
		gdb     *gorm.DB
		err     error
		dialect string
	)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		dialect = "postgres"
		gdb, err = gorm.Open(postgres.Open(dsn), cfg)
	} else {
		dialect = "sqlite"
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if i := strings.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("store: create %s: %w", dir, err)
			}
		}
		gdb, err = gorm.Open(sqlite.Open(sqliteDSN(path)), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s database: %w", dialect, err)
	}
	db := &DB{DB: gdb, Dialect: dialect}
	if dialect == "sqlite" {
		sqlDB, err := gdb.DB()
		if err != nil {
			return nil, err
		}
		// One writer at a time is all SQLite allows; the pool still lets readers run beside it.
		sqlDB.SetMaxOpenConns(8)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// sqliteDSN sets WAL, a busy timeout, foreign keys, and _txlock=immediate, so every
// transaction takes the write lock when it begins; two writers then queue on the busy
// timeout instead of failing with "database is locked" when a read lock is upgraded.
func sqliteDSN(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// A 32 MiB page cache per connection keeps the unique indexes of large imports in memory.
	q.Set("_cache_size", "-32768")
	return "file:" + path + "?" + q.Encode()
}

// Close closes the underlying connection pool.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// IsPostgres tells whether the database is PostgreSQL.
func (db *DB) IsPostgres() bool { return db.Dialect == "postgres" }
