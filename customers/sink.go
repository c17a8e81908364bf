package customers

import (
	"context"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// sink buffers the parsed rows of one kind and writes them a batch at a time.
type sink interface {
	// add parses one row and buffers it; it returns what is wrong with a rejected row.
	add(line int, get getter, attrs map[string]string) store.FieldErrors
	// ready tells whether a batch is full and should be flushed now.
	ready() bool
	pending() int
	lastLine() int
	// flush writes the buffered batch inside tx and counts the outcome in sum.
	flush(ctx context.Context, tx *gorm.DB, sum *ImportSummary) error
	// touchedCustomers lists the customers whose orders or events were written, when the
	// sink was made to track them (API writes, which refresh those customers' features).
	touchedCustomers() []int64
}

func (s *Service) newSink(k Kind, track bool) sink {
	switch k {
	case KindCustomers:
		return &profileSink[Customer, customerRec]{profileKind: customerProfiles, now: s.now}
	case KindProducts:
		return &profileSink[Product, productRec]{profileKind: productProfiles, now: s.now}
	case KindOrders:
		return &orderSink{now: s.now, touched: touchSet{track: track}}
	default:
		return &eventSink{now: s.now, touched: touchSet{track: track}}
	}
}

// rowsPerInsert bounds one multi-row INSERT, well under both databases' parameter limits.
const rowsPerInsert = 500

// insertRows runs "head VALUES (..), (..) tail" over args, ncols values a row, a few
// hundred rows per statement, and returns the rows affected.
func insertRows(tx *gorm.DB, head, tail string, ncols int, args []any) (int64, error) {
	row := "(" + store.Placeholders(ncols) + ")"
	n := len(args) / ncols
	var total int64
	for start := 0; start < n; start += rowsPerInsert {
		end := min(n, start+rowsPerInsert)
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" VALUES ")
		for i := start; i < end; i++ {
			if i > start {
				b.WriteString(", ")
			}
			b.WriteString(row)
		}
		b.WriteString(" ")
		b.WriteString(tail)
		res := tx.Exec(b.String(), args[start*ncols:end*ncols]...)
		if res.Error != nil {
			return total, res.Error
		}
		total += res.RowsAffected
	}
	return total, nil
}

// timeArg turns an optional time into a query parameter (NULL when nil).
func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// uniqueStrings returns the distinct values of key over items, in first-seen order.
func uniqueStrings[T any](items []T, key func(*T) string) []string {
	seen := make(map[string]bool, len(items))
	var out []string
	for i := range items {
		if k := key(&items[i]); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
