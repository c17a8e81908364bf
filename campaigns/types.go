// Package campaigns owns message templates and their sandboxed rendering, campaigns and
// their schedules, the send pipeline (runs, deliveries, workers, channels), tracking links,
// opens, unsubscribes, attribution of orders and campaign statistics. It never touches HTTP
// or templ.
package campaigns

import (
	"context"
	"time"
)

// Template is an email template: subject, HTML and text parts, and the settings of its
// recommendation block.
type Template struct {
	ID      int64
	Name    string
	Subject string
	HTML    string
	Text    string
	// RecAlgorithm names the recommender filling .Recommendations (recsys.KnownAlgorithms);
	// empty means recsys.AlgoBest.
	RecAlgorithm string
	// RecCount is how many products the block gets, 1 to 20; 0 means 4.
	RecCount int
	// RecRules is the JSON of the block's recsys.Rules; empty means "{}", the safe defaults.
	RecRules  string
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
	// Algorithm is the model that proposed the item ("item-to-item", "popularity", …).
	Algorithm string
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

// RecRequest is what a template's recommendation block asks for one recipient.
type RecRequest struct {
	// Algorithm is a name from recsys.KnownAlgorithms; recsys.AlgoBest when empty.
	Algorithm string
	// N is how many items.
	N int
	// Rules is the JSON of the business rules (recsys.Rules).
	Rules string
	// Segment is the campaign's audience, for "popular in your segment"; 0 in previews.
	Segment int64
}

// Recommender fills the recommendation block of a message.
type Recommender interface {
	// Recommend returns the items for the customer and the algorithm that actually served
	// them ("blend" or "item-to-item" when "best" was asked for).
	Recommend(ctx context.Context, customerID int64, req RecRequest) ([]RecItem, string, error)
}

// Audience resolves a segment to SQL that selects customer ids, with its parameters.
// The SQL is a complete SELECT returning one column, the customer id.
type Audience interface {
	AudienceSQL(ctx context.Context, segmentID int64) (string, []any, error)
}
