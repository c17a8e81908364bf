package customers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/persona-app/persona/store"
)

// CategoryShare is a category and its share of a customer's spend (0..1).
type CategoryShare struct {
	Category string
	Share    float64
}

// WindowCounts are counts over the last 7, 30 and 90 days before the features were
// computed; an event exactly at a window's start is inside it.
type WindowCounts struct {
	Last7  int `json:"7"`
	Last30 int `json:"30"`
	Last90 int `json:"90"`
}

// Features are the computed figures of one customer.
type Features struct {
	// RecencyDays is whole days since the last order, nil without orders.
	RecencyDays *int
	// Frequency is the number of distinct orders.
	Frequency int
	// Monetary is the sum of order line amounts; AvgOrderValue is Monetary / Frequency.
	Monetary, AvgOrderValue float64
	// BrowseSeconds sums the values of view events that have one.
	BrowseSeconds float64
	EventCount    int
	// TopCategories are up to three categories by share of spend, largest first.
	TopCategories                             []CategoryShare
	FirstOrderAt, LastOrderAt, LastActivityAt *time.Time
	LastEventAt                               *time.Time

	// RecencyScore, FrequencyScore and MonetaryScore are 1–5 quintile scores among the
	// customers with at least one order (5 = most recent, most orders, most spend); all
	// three are 0 for a customer without orders.
	RecencyScore, FrequencyScore, MonetaryScore int
	// RFMTier is the tier the scores fall in, one of RFMTiers ("champions", "at risk", …);
	// "" for a customer without orders.
	RFMTier string
	// DaysSinceSignup is whole days from signup to ComputedAt; nil without a signup date.
	DaysSinceSignup *int
	// Views, Carts and Searches count those events; Purchases counts distinct orders from
	// the orders table (not purchase events), as segment rules do.
	Views, Carts, Purchases, Searches WindowCounts
	// EventCounts counts the events of every type the customer had in the last 90 days;
	// a type that is missing had none.
	EventCounts map[string]WindowCounts
	// CategoryShares are the shares of spend of every category, largest first.
	CategoryShares []CategoryShare
	// ComputedAt is the time the windows, scores and signup age were computed for.
	ComputedAt *time.Time
}

// featureRecord is a customer_features row as scanned.
type featureRecord struct {
	FirstOrderAt    *time.Time `gorm:"column:first_order_at"`
	LastOrderAt     *time.Time `gorm:"column:last_order_at"`
	Frequency       int        `gorm:"column:frequency"`
	Monetary        float64    `gorm:"column:monetary"`
	AvgOrderValue   float64    `gorm:"column:avg_order_value"`
	BrowseSeconds   float64    `gorm:"column:browse_seconds"`
	EventCount      int        `gorm:"column:event_count"`
	LastEventAt     *time.Time `gorm:"column:last_event_at"`
	LastActivityAt  *time.Time `gorm:"column:last_activity_at"`
	TopCategories   string     `gorm:"column:top_categories"`
	RecencyScore    int        `gorm:"column:recency_score"`
	FrequencyScore  int        `gorm:"column:frequency_score"`
	MonetaryScore   int        `gorm:"column:monetary_score"`
	RFMTier         string     `gorm:"column:rfm_tier"`
	DaysSinceSignup *int       `gorm:"column:days_since_signup"`
	Views7          int        `gorm:"column:views_7d"`
	Views30         int        `gorm:"column:views_30d"`
	Views90         int        `gorm:"column:views_90d"`
	Carts7          int        `gorm:"column:carts_7d"`
	Carts30         int        `gorm:"column:carts_30d"`
	Carts90         int        `gorm:"column:carts_90d"`
	Purchases7      int        `gorm:"column:purchases_7d"`
	Purchases30     int        `gorm:"column:purchases_30d"`
	Purchases90     int        `gorm:"column:purchases_90d"`
	Searches7       int        `gorm:"column:searches_7d"`
	Searches30      int        `gorm:"column:searches_30d"`
	Searches90      int        `gorm:"column:searches_90d"`
	EventCounts     string     `gorm:"column:event_counts"`
	CategoryShares  string     `gorm:"column:category_shares"`
	ComputedAt      *time.Time `gorm:"column:computed_at"`
}

// Features returns the stored features of a customer, computing them first if they never were.
func (s *Service) Features(ctx context.Context, customerID int64) (Features, error) {
	r, err := s.featureRecord(ctx, customerID)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := s.Customer(ctx, customerID); err != nil {
			return Features{}, err
		}
		if err := s.RefreshFeatures(ctx, []int64{customerID}); err != nil {
			return Features{}, err
		}
		r, err = s.featureRecord(ctx, customerID)
	}
	if err != nil {
		return Features{}, fmt.Errorf("customers: load features of customer %d: %w", customerID, err)
	}
	return r.features(s.Now()), nil
}

// features turns the row into Features, with RecencyDays counted up to now.
func (r featureRecord) features(now time.Time) Features {
	f := Features{Frequency: r.Frequency, Monetary: r.Monetary, AvgOrderValue: r.AvgOrderValue,
		BrowseSeconds: r.BrowseSeconds, EventCount: r.EventCount, TopCategories: parseTopCategories(r.TopCategories),
		FirstOrderAt: store.UTCPtr(r.FirstOrderAt), LastOrderAt: store.UTCPtr(r.LastOrderAt),
		LastActivityAt: store.UTCPtr(r.LastActivityAt), LastEventAt: store.UTCPtr(r.LastEventAt),
		RecencyScore: r.RecencyScore, FrequencyScore: r.FrequencyScore, MonetaryScore: r.MonetaryScore,
		RFMTier: r.RFMTier, DaysSinceSignup: r.DaysSinceSignup,
		Views:          WindowCounts{r.Views7, r.Views30, r.Views90},
		Carts:          WindowCounts{r.Carts7, r.Carts30, r.Carts90},
		Purchases:      WindowCounts{r.Purchases7, r.Purchases30, r.Purchases90},
		Searches:       WindowCounts{r.Searches7, r.Searches30, r.Searches90},
		EventCounts:    parseEventCounts(r.EventCounts),
		CategoryShares: parseTopCategories(r.CategoryShares),
		ComputedAt:     store.UTCPtr(r.ComputedAt)}
	if f.LastOrderAt != nil {
		days := wholeDays(now.Sub(*f.LastOrderAt))
		f.RecencyDays = &days
	}
	return f
}

// wholeDays is d in whole days, rounded down, and never below 0.
func wholeDays(d time.Duration) int {
	return max(0, int(d/(24*time.Hour)))
}

func (s *Service) featureRecord(ctx context.Context, customerID int64) (featureRecord, error) {
	var r featureRecord
	err := s.DB.WithContext(ctx).Raw(`SELECT first_order_at, last_order_at, frequency, monetary, avg_order_value,
		browse_seconds, event_count, last_event_at, last_activity_at, top_categories,
		recency_score, frequency_score, monetary_score, rfm_tier, days_since_signup,
		views_7d, views_30d, views_90d, carts_7d, carts_30d, carts_90d,
		purchases_7d, purchases_30d, purchases_90d, searches_7d, searches_30d, searches_90d,
		event_counts, category_shares, computed_at
		FROM customer_features WHERE customer_id = ?`, customerID).Take(&r).Error
	return r, store.NotFound(err)
}
