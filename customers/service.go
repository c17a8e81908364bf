// Package customers owns the shop data Persona learns from: customers, products, orders
// (one row per order line) and behaviour events; their import from CSV files and the JSON
// API with validation; and the features computed per customer (recency, frequency,
// monetary value, browse time, category affinities). It never touches HTTP or templ.
package customers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/persona-app/persona/store"
)

// Service reads and writes the customers domain.
type Service struct {
	DB  *store.DB
	Now func() time.Time
	// AfterImport hooks run, in order, after a CSV import finished without error.
	AfterImport []func(ctx context.Context, kind Kind) error
	// AfterWrite hooks run after a JSON API write, with the customers it touched;
	// features of those customers are already refreshed when they run.
	AfterWrite []func(ctx context.Context, kind Kind, customerIDs []int64) error

	// ids caches external id → customer id for CustomerIDByExternalID; customers are
	// never renumbered, so an entry never goes stale.
	ids sync.Map
}

// NewService returns a Service over db; now defaults to time.Now.
func NewService(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{DB: db, Now: now}
}

// Kind names one of the four record kinds that can be imported.
type Kind string

// The importable kinds.
const (
	KindCustomers Kind = "customers"
	KindProducts  Kind = "products"
	KindOrders    Kind = "orders"
	KindEvents    Kind = "events"
)

// ParseKind turns "customers", "products", "orders" or "events" into a Kind.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindCustomers, KindProducts, KindOrders, KindEvents:
		return k, nil
	}
	return "", store.FieldErrors{"kind": fmt.Sprintf("%q is not one of customers, products, orders, events", s)}
}

// Canonical column names, as in the CSV headers of DESIGN.md.
const (
	colCustomerID   = "customer_id"
	colEmail        = "email"
	colFirstName    = "first_name"
	colLastName     = "last_name"
	colGender       = "gender"
	colBirthDate    = "birth_date"
	colCity         = "city"
	colCountry      = "country"
	colTimezone     = "timezone"
	colSignupAt     = "signup_at"
	colConsentEmail = "consent_email"
	colConsentPush  = "consent_push"
	colProductID    = "product_id"
	colName         = "name"
	colCategory     = "category"
	colPrice        = "price"
	colCurrency     = "currency"
	colDescription  = "description"
	colImageURL     = "image_url"
	colURL          = "url"
	colInStock      = "in_stock"
	colOrderID      = "order_id"
	colQuantity     = "quantity"
	colUnitPrice    = "unit_price"
	colOrderedAt    = "ordered_at"
	colProductName  = "product_name"
	colType         = "type"
	colOccurredAt   = "occurred_at"
	colValue        = "value"
	colSessionID    = "session_id"
)

var (
	customerColumns = []string{colCustomerID, colEmail, colFirstName, colLastName, colGender, colBirthDate,
		colCity, colCountry, colTimezone, colSignupAt, colConsentEmail, colConsentPush}
	productColumns = []string{colProductID, colName, colCategory, colPrice, colCurrency, colDescription,
		colImageURL, colURL, colInStock}
	orderColumns = []string{colOrderID, colCustomerID, colProductID, colQuantity, colUnitPrice, colOrderedAt,
		colProductName, colCategory}
	eventColumns = []string{colCustomerID, colType, colProductID, colOccurredAt, colValue, colSessionID,
		colProductName, colCategory}
)

// CanonicalColumns lists the columns a file of kind k may have, required ones first, in
// the order of DESIGN.md; orders and events also take product_name and category, which
// name products created on the fly.
func CanonicalColumns(k Kind) []string {
	switch k {
	case KindCustomers:
		return append([]string(nil), customerColumns...)
	case KindProducts:
		return append([]string(nil), productColumns...)
	case KindOrders:
		return append([]string(nil), orderColumns...)
	case KindEvents:
		return append([]string(nil), eventColumns...)
	}
	return nil
}

// RequiredColumns lists the columns a file of kind k must have, each with a value in every row.
func RequiredColumns(k Kind) []string {
	switch k {
	case KindCustomers:
		return []string{colCustomerID}
	case KindProducts:
		return []string{colProductID, colName}
	case KindOrders:
		return []string{colOrderID, colCustomerID, colProductID, colQuantity, colUnitPrice, colOrderedAt}
	case KindEvents:
		return []string{colCustomerID, colType, colOccurredAt}
	}
	return nil
}

// Counts are the number of rows of each kind.
type Counts struct {
	Customers, Products, Orders, Events int64
}

// Stats counts customers, products, order lines and events.
func (s *Service) Stats(ctx context.Context) (Counts, error) {
	var c struct {
		Customers, Products, Orders, Events int64
	}
	err := s.DB.WithContext(ctx).Raw(`SELECT
		(SELECT COUNT(*) FROM customers) AS customers,
		(SELECT COUNT(*) FROM products) AS products,
		(SELECT COUNT(*) FROM orders) AS orders,
		(SELECT COUNT(*) FROM events) AS events`).Scan(&c).Error
	if err != nil {
		return Counts{}, fmt.Errorf("customers: count rows: %w", err)
	}
	return Counts(c), nil
}

// now returns the injected clock's time in UTC, truncated to seconds like stored times.
func (s *Service) now() time.Time {
	return s.Now().UTC().Truncate(time.Second)
}

func (s *Service) runAfterImport(ctx context.Context, k Kind) error {
	for _, hook := range s.AfterImport {
		if err := hook(ctx, k); err != nil {
			return fmt.Errorf("customers: after %s import: %w", k, err)
		}
	}
	return nil
}

func (s *Service) runAfterWrite(ctx context.Context, k Kind, ids []int64) error {
	for _, hook := range s.AfterWrite {
		if err := hook(ctx, k, ids); err != nil {
			return fmt.Errorf("customers: after %s write: %w", k, err)
		}
	}
	return nil
}
