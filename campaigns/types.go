// Package campaigns owns message templates and their sandboxed rendering, campaigns and
// their schedules, the send pipeline (runs, deliveries, workers, channels), tracking links,
// opens, unsubscribes, attribution of orders and campaign statistics. It never touches HTTP
// or templ.
package campaigns

import (
	"context"
	"time"
)

// Template is an email template: subject, HTML and text parts.
type Template struct {
	ID        int64
	Name      string
	Subject   string
	HTML      string
	Text      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Recipient is what a template may read about the customer it is rendered for.
type Recipient struct {
	CustomerID int64
	ExternalID string
	Email      string
	FirstName  string
	LastName   string
	Gender     string
	City       string
	Country    string
	// Attributes are the customer's custom attributes (extra columns of customers.csv).
	Attributes map[string]string
}

// RecItem is one recommended product as a template sees it.
type RecItem struct {
	ProductID  int64
	ExternalID string
	Name       string
	Category   string
	Price      float64
	Currency   string
	ImageURL   string
	URL        string
	Reason     string
}

// RenderData is everything a template sees: nothing else is reachable from inside it.
type RenderData struct {
	Customer        Recipient
	Recommendations []RecItem
	UnsubscribeURL  string
	Campaign        string
}

// Message is a rendered message ready for a channel.
type Message struct {
	Subject string
	HTML    string
	Text    string
}

// Outgoing is a message addressed to one recipient, with the headers the pipeline sets.
type Outgoing struct {
	DeliveryID int64
	To         string
	Message
	// MessageID is the Message-ID header value without angle brackets, stable per delivery.
	MessageID string
	// UnsubscribeURL is the HTTPS one-click unsubscribe URL for List-Unsubscribe.
	UnsubscribeURL string
}

// SendResult is what a channel learnt from sending one message.
type SendResult struct {
	MessageID string
	// Response is the server's answer (the SMTP reply), stored on the delivery.
	Response string
}

// Channel delivers messages: SMTP, the in-app outbox, or a test fake.
type Channel interface {
	// Send delivers one message. A returned error marks the delivery failed.
	Send(ctx context.Context, m Outgoing) (SendResult, error)
	// Close releases connections held across messages.
	Close() error
}

// Recommender fills the recommendation block of a message.
type Recommender interface {
	Recommend(ctx context.Context, customerID int64, n int) ([]RecItem, error)
}

// Audience resolves a segment to SQL that selects customer ids, with its parameters.
// The SQL is a complete SELECT returning one column, the customer id.
type Audience interface {
	AudienceSQL(ctx context.Context, segmentID int64) (string, []any, error)
}
