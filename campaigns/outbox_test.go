package campaigns

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// outboxTestDelivery inserts the rows a delivery needs and returns its id.
func outboxTestDelivery(t *testing.T, db *store.DB) int64 {
	t.Helper()
	now := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, q := range []string{
		`INSERT INTO customers (id, external_id, email, created_at, updated_at) VALUES (1, 'C1', 'emma@example.com', ?, ?)`,
		`INSERT INTO segments (id, name, rules, created_at, updated_at) VALUES (1, 'All', '{}', ?, ?)`,
		`INSERT INTO templates (id, name, subject, html, created_at, updated_at) VALUES (1, 'T', 's', 'h', ?, ?)`,
		`INSERT INTO campaigns (id, name, segment_id, template_id, schedule_kind, created_at, updated_at) VALUES (1, 'C', 1, 1, 'manual', ?, ?)`,
		`INSERT INTO runs (id, campaign_id, fire_key, status, created_at, started_at) VALUES (1, 1, 'k', 'sending', ?, ?)`,
		`INSERT INTO deliveries (id, run_id, campaign_id, customer_id, created_at, sent_at) VALUES (5, 1, 1, 1, ?, ?)`,
	} {
		if err := db.Exec(q, now, now).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return 5
}

func TestOutboxChannelRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := store.OpenTest(t)
	delivery := outboxTestDelivery(t, db)
	clock := tplTestClock()
	o := &OutboxChannel{DB: db, From: "Shop <news@shop.example>", Now: clock}
	var _ Channel = o

	sent := Outgoing{DeliveryID: delivery, To: "emma@example.com", MessageID: "d5.r1@shop.example",
		UnsubscribeURL: "https://shop.example/u/tok",
		Message:        Message{Subject: "Hi Emma", HTML: "<p>Hi <b>Emma</b></p>", Text: "Hi Emma"}}
	res, err := o.Send(ctx, sent)
	if err != nil {
		t.Fatal(err)
	}
	if res.MessageID != "d5.r1@shop.example" || !strings.HasPrefix(res.Response, "stored in outbox as #") {
		t.Errorf("SendResult = %+v", res)
	}
	if _, err := o.Send(ctx, Outgoing{To: "test@example.com", MessageID: "test@shop.example", Message: Message{Subject: "Test send", HTML: "<p>t</p>"}}); err != nil {
		t.Fatalf("a send without a delivery (a test send) failed: %v", err)
	}

	list, total, err := o.List(ctx, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(list) != 2 || list[0].Subject != "Test send" || list[1].Subject != "Hi Emma" {
		t.Fatalf("List = %d %+v, want 2 messages, newest first", total, list)
	}
	got, err := o.Get(ctx, list[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := OutboxMessage{ID: list[1].ID, DeliveryID: delivery, To: "emma@example.com", From: "Shop <news@shop.example>",
		Subject: "Hi Emma", HTML: "<p>Hi <b>Emma</b></p>", Text: "Hi Emma",
		Headers:   "Message-ID: <d5.r1@shop.example>\nList-Unsubscribe: <https://shop.example/u/tok>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n",
		MessageID: "d5.r1@shop.example", CreatedAt: time.Date(2025, 3, 1, 9, 1, 0, 0, time.UTC)}
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	got.CreatedAt = want.CreatedAt
	if got != want {
		t.Errorf("Get =\n%+v\nwant\n%+v", got, want)
	}
	if list[0].DeliveryID != 0 {
		t.Errorf("test send has delivery %d, want 0", list[0].DeliveryID)
	}

	t.Run("pages split the list", func(t *testing.T) {
		page2, total, err := o.List(ctx, 2, 1)
		if err != nil || total != 2 || len(page2) != 1 || page2[0].Subject != "Hi Emma" {
			t.Errorf("page 2 = %+v (total %d, %v)", page2, total, err)
		}
	})
	t.Run("a missing message is not found", func(t *testing.T) {
		if _, err := o.Get(ctx, 999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get = %v", err)
		}
	})
	t.Run("a cancelled context stores nothing", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := o.Send(cctx, sent); !errors.Is(err, context.Canceled) {
			t.Errorf("Send = %v", err)
		}
		if _, total, _ := o.List(ctx, 1, 10); total != 2 {
			t.Errorf("total = %d after a cancelled send, want 2", total)
		}
	})
}
