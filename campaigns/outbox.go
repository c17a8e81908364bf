package campaigns

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// OutboxChannel is the in-app outbox: it stores messages in the outbox table instead of
// sending them, so a fresh install or the demo works without a mail server.
type OutboxChannel struct {
	DB   *store.DB
	From string
	Now  func() time.Time
}

// OutboxMessage is one stored message.
type OutboxMessage struct {
	ID int64
	// DeliveryID is 0 for a message sent outside a run (a test send).
	DeliveryID int64
	To         string
	From       string
	Subject    string
	HTML       string
	Text       string
	// Headers are the extra header lines ("Name: value"), one a line.
	Headers   string
	MessageID string
	CreatedAt time.Time
}

// Send stores m and reports it as accepted by the outbox.
func (o *OutboxChannel) Send(ctx context.Context, m Outgoing) (SendResult, error) {
	if err := ctx.Err(); err != nil {
		return SendResult{}, err
	}
	var delivery sql.NullInt64
	if m.DeliveryID != 0 {
		delivery = sql.NullInt64{Int64: m.DeliveryID, Valid: true}
	}
	row := outboxRow{DeliveryID: delivery, ToAddr: m.To, FromAddr: o.From, Subject: m.Subject, HTML: m.HTML, Text: m.Text,
		Headers: outboxHeaders(m), MessageID: m.MessageID, CreatedAt: o.now()}
	if err := o.DB.WithContext(ctx).Table("outbox").Create(&row).Error; err != nil {
		return SendResult{}, fmt.Errorf("campaigns: store message for delivery %d in outbox: %w", m.DeliveryID, err)
	}
	return SendResult{MessageID: m.MessageID, Response: fmt.Sprintf("stored in outbox as #%d", row.ID)}, nil
}

// outboxRow is a row of the outbox table as gorm writes it.
type outboxRow struct {
	ID         int64 `gorm:"primaryKey"`
	DeliveryID sql.NullInt64
	ToAddr     string
	FromAddr   string
	Subject    string
	HTML       string
	Text       string
	Headers    string
	MessageID  string
	CreatedAt  time.Time
}

// Close does nothing: the outbox holds no connection.
func (o *OutboxChannel) Close() error { return nil }

// outboxHeaders writes the headers an SMTP send would add, as "Name: value" lines.
func outboxHeaders(m Outgoing) string {
	var b strings.Builder
	if m.MessageID != "" {
		fmt.Fprintf(&b, "Message-ID: <%s>\n", m.MessageID)
	}
	if m.UnsubscribeURL != "" {
		fmt.Fprintf(&b, "List-Unsubscribe: <%s>\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\n", m.UnsubscribeURL)
	}
	return b.String()
}

const outboxColumns = `id, COALESCE(delivery_id, 0) AS delivery_id, to_addr AS "to", from_addr AS "from", subject, html, text, headers, message_id, created_at`

// List returns one page (1-based) of stored messages, newest first, and the total count.
func (o *OutboxChannel) List(ctx context.Context, page, perPage int) ([]OutboxMessage, int, error) {
	if page < 1 {
		page = 1
	}
	if perPage < 1 || perPage > 500 {
		perPage = 50
	}
	g := o.DB.WithContext(ctx)
	var total int64
	if err := g.Raw(`SELECT COUNT(*) FROM outbox`).Scan(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("campaigns: count outbox: %w", err)
	}
	var out []OutboxMessage
	err := g.Raw(`SELECT `+outboxColumns+` FROM outbox ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		perPage, (page-1)*perPage).Scan(&out).Error
	if err != nil {
		return nil, 0, fmt.Errorf("campaigns: list outbox page %d: %w", page, err)
	}
	return out, int(total), nil
}

// Get returns stored message id, or store.ErrNotFound.
func (o *OutboxChannel) Get(ctx context.Context, id int64) (OutboxMessage, error) {
	var out []OutboxMessage
	if err := o.DB.WithContext(ctx).Raw(`SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id).Scan(&out).Error; err != nil {
		return OutboxMessage{}, fmt.Errorf("campaigns: load outbox message %d: %w", id, err)
	}
	if len(out) == 0 {
		return OutboxMessage{}, fmt.Errorf("campaigns: load outbox message %d: %w", id, store.ErrNotFound)
	}
	return out[0], nil
}

// now is the injected clock in UTC, cut to microseconds so SQLite and PostgreSQL agree.
func (o *OutboxChannel) now() time.Time {
	t := time.Now()
	if o.Now != nil {
		t = o.Now()
	}
	return t.UTC().Truncate(time.Microsecond)
}
