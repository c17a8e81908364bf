package customers

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// testNow is the injected clock of every test service.
var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func newTestService(t testing.TB) *Service {
	t.Helper()
	db := store.OpenTest(t)
	if db.IsPostgres() {
		// store.OpenTest hands every test the same PostgreSQL database as it is: start empty.
		if err := db.Exec(`TRUNCATE customers, products, orders, events, customer_features RESTART IDENTITY CASCADE`).Error; err != nil {
			t.Fatalf("empty test database: %v", err)
		}
	}
	return NewService(db, func() time.Time { return testNow })
}

func importFixture(t *testing.T, s *Service, k Kind, name string, mapping map[string]string) ImportSummary {
	t.Helper()
	sum, err := s.ImportFile(context.Background(), filepath.Join("testdata", name), ImportOptions{Kind: k, Mapping: mapping})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return sum
}

func importText(t *testing.T, s *Service, k Kind, text string) ImportSummary {
	t.Helper()
	sum, err := s.Import(context.Background(), strings.NewReader(text), ImportOptions{Kind: k})
	if err != nil {
		t.Fatalf("import %s: %v", k, err)
	}
	return sum
}

func stats(t *testing.T, s *Service) Counts {
	t.Helper()
	c, err := s.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func customerByExt(t *testing.T, s *Service, ext string) Customer {
	t.Helper()
	c, err := s.CustomerByExternalID(context.Background(), ext)
	if err != nil {
		t.Fatalf("customer %q: %v", ext, err)
	}
	return c
}

func productByExt(t *testing.T, s *Service, ext string) Product {
	t.Helper()
	var id int64
	if err := s.DB.Raw(`SELECT id FROM products WHERE external_id = ?`, ext).Scan(&id).Error; err != nil || id == 0 {
		t.Fatalf("product %q: id %d, %v", ext, id, err)
	}
	p, err := s.Product(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantCounts compares the counters of a summary.
func wantCounts(t *testing.T, got ImportSummary, rows, imported, updated, unchanged, rejected int) {
	t.Helper()
	if got.Rows != rows || got.Imported != imported || got.Updated != updated || got.Unchanged != unchanged || got.Rejected != rejected {
		t.Fatalf("summary rows/imported/updated/unchanged/rejected = %d/%d/%d/%d/%d, want %d/%d/%d/%d/%d (errors %v)",
			got.Rows, got.Imported, got.Updated, got.Unchanged, got.Rejected, rows, imported, updated, unchanged, rejected, got.Errors)
	}
}

func date(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}
