package segments

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

func TestZZScratchGenerate(t *testing.T) {
	path := os.Getenv("SEG_SCRATCH_DB")
	if path == "" {
		t.Skip()
	}
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if err := generateShop(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	t.Logf("generated in %s", time.Since(start))
}
