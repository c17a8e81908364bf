package store

import (
	"context"

	"gorm.io/gorm"
)

// Tx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
// On SQLite the transaction holds the write lock from its first statement (_txlock=immediate).
func (db *DB) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.WithContext(ctx).Transaction(fn)
}

// Placeholders returns "?, ?, ?" for n parameters, and "NULL" for none, so that
// "x IN (" + Placeholders(0) + ")" is valid SQL that matches nothing.
func Placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	b := make([]byte, 0, 3*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}
