package customers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// Customer is one customer profile.
type Customer struct {
	ID             int64             `json:"id"`
	ExternalID     string            `json:"customer_id"`
	Email          string            `json:"email"`
	FirstName      string            `json:"first_name"`
	LastName       string            `json:"last_name"`
	Gender         string            `json:"gender"`
	BirthDate      *time.Time        `json:"birth_date"`
	City           string            `json:"city"`
	Country        string            `json:"country"`
	Timezone       string            `json:"timezone"`
	SignupAt       *time.Time        `json:"signup_at"`
	ConsentEmail   bool              `json:"consent_email"`
	ConsentPush    bool              `json:"consent_push"`
	Attributes     map[string]string `json:"attributes"`
	UnsubscribedAt *time.Time        `json:"unsubscribed_at"`
	CreatedAt      time.Time         `json:"created_at"`
	UpdatedAt      time.Time         `json:"updated_at"`
}

// Product is one product of the catalogue.
type Product struct {
	ID          int64   `json:"id"`
	ExternalID  string  `json:"product_id"`
	Name        string  `json:"name"`
	Category    string  `json:"category"`
	Price       float64 `json:"price"`
	Currency    string  `json:"currency"`
	Description string  `json:"description"`
	ImageURL    string  `json:"image_url"`
	URL         string  `json:"url"`
	InStock     bool    `json:"in_stock"`
}

// customerColumns lists the columns customerRecord scans, prefixed with the alias c.
const customerSelect = `c.id, c.external_id, c.email, c.first_name, c.last_name, c.gender, c.birth_date,
	c.city, c.country, c.timezone, c.signup_at, c.consent_email, c.consent_push, c.attributes,
	c.unsubscribed_at, c.created_at, c.updated_at`

// customerRecord is a customers row as scanned; attributes are still JSON text. The last
// three fields are only filled by the list query, which joins customer_features.
type customerRecord struct {
	ID             int64      `gorm:"column:id"`
	ExternalID     string     `gorm:"column:external_id"`
	Email          string     `gorm:"column:email"`
	FirstName      string     `gorm:"column:first_name"`
	LastName       string     `gorm:"column:last_name"`
	Gender         string     `gorm:"column:gender"`
	BirthDate      *time.Time `gorm:"column:birth_date"`
	City           string     `gorm:"column:city"`
	Country        string     `gorm:"column:country"`
	Timezone       string     `gorm:"column:timezone"`
	SignupAt       *time.Time `gorm:"column:signup_at"`
	ConsentEmail   bool       `gorm:"column:consent_email"`
	ConsentPush    bool       `gorm:"column:consent_push"`
	Attributes     string     `gorm:"column:attributes"`
	UnsubscribedAt *time.Time `gorm:"column:unsubscribed_at"`
	CreatedAt      time.Time  `gorm:"column:created_at"`
	UpdatedAt      time.Time  `gorm:"column:updated_at"`
	Frequency      int        `gorm:"column:frequency"`
	Monetary       float64    `gorm:"column:monetary"`
	LastOrderAt    *time.Time `gorm:"column:last_order_at"`
}

func (r customerRecord) customer() Customer {
	c := Customer{ID: r.ID, ExternalID: r.ExternalID, Email: r.Email, FirstName: r.FirstName,
		LastName: r.LastName, Gender: r.Gender, BirthDate: store.UTCPtr(r.BirthDate), City: r.City,
		Country: r.Country, Timezone: r.Timezone, SignupAt: store.UTCPtr(r.SignupAt),
		ConsentEmail: r.ConsentEmail, ConsentPush: r.ConsentPush,
		UnsubscribedAt: store.UTCPtr(r.UnsubscribedAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	// A malformed attributes text (only possible from outside edits) reads as no attributes.
	if json.Unmarshal([]byte(r.Attributes), &c.Attributes) != nil || c.Attributes == nil {
		c.Attributes = map[string]string{}
	}
	return c
}

const productSelect = `p.id, p.external_id, p.name, p.category, p.price, p.currency, p.description,
	p.image_url, p.url, p.in_stock`

// productRecord is a products row as scanned.
type productRecord struct {
	ID          int64   `gorm:"column:id"`
	ExternalID  string  `gorm:"column:external_id"`
	Name        string  `gorm:"column:name"`
	Category    string  `gorm:"column:category"`
	Price       float64 `gorm:"column:price"`
	Currency    string  `gorm:"column:currency"`
	Description string  `gorm:"column:description"`
	ImageURL    string  `gorm:"column:image_url"`
	URL         string  `gorm:"column:url"`
	InStock     bool    `gorm:"column:in_stock"`
}

// Customer loads one customer by id.
func (s *Service) Customer(ctx context.Context, id int64) (Customer, error) {
	var r customerRecord
	err := s.DB.WithContext(ctx).Raw(`SELECT `+customerSelect+` FROM customers c WHERE c.id = ?`, id).Take(&r).Error
	if err != nil {
		return Customer{}, fmt.Errorf("customers: load customer %d: %w", id, store.NotFound(err))
	}
	return r.customer(), nil
}

// CustomerByExternalID loads one customer by the shop's own id.
func (s *Service) CustomerByExternalID(ctx context.Context, ext string) (Customer, error) {
	var r customerRecord
	err := s.DB.WithContext(ctx).Raw(`SELECT `+customerSelect+` FROM customers c WHERE c.external_id = ?`,
		normalizeCustomerID(ext)).Take(&r).Error
	if err != nil {
		return Customer{}, fmt.Errorf("customers: load customer %q: %w", ext, store.NotFound(err))
	}
	return r.customer(), nil
}

// CustomerIDByExternalID returns the id of the customer with the shop's id ext, or
// store.ErrNotFound; a hot path (every recommendation request), answered from memory after
// the first time.
func (s *Service) CustomerIDByExternalID(ctx context.Context, ext string) (int64, string, error) {
	ext = normalizeCustomerID(ext)
	if id, ok := s.ids.Load(ext); ok {
		return id.(int64), ext, nil
	}
	var ids []int64
	if err := s.DB.WithContext(ctx).Raw(`SELECT id FROM customers WHERE external_id = ?`, ext).Scan(&ids).Error; err != nil {
		return 0, ext, fmt.Errorf("customers: find customer %q: %w", ext, err)
	}
	if len(ids) == 0 {
		return 0, ext, fmt.Errorf("customers: find customer %q: %w", ext, store.ErrNotFound)
	}
	s.ids.Store(ext, ids[0])
	return ids[0], ext, nil
}

// CustomersByID loads the customers with the given ids; missing ids are left out.
func (s *Service) CustomersByID(ctx context.Context, ids []int64) (map[int64]Customer, error) {
	out := make(map[int64]Customer, len(ids))
	for _, part := range chunks(ids, 500) {
		var rows []customerRecord
		err := s.DB.WithContext(ctx).Raw(`SELECT `+customerSelect+` FROM customers c WHERE c.id IN ?`, part).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("customers: load %d customers: %w", len(ids), err)
		}
		for _, r := range rows {
			out[r.ID] = r.customer()
		}
	}
	return out, nil
}

// Countries lists the distinct non-empty countries of customers, sorted.
func (s *Service) Countries(ctx context.Context) ([]string, error) {
	var out []string
	err := s.DB.WithContext(ctx).Raw(`SELECT DISTINCT country FROM customers WHERE country <> '' ORDER BY country`).
		Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("customers: list countries: %w", err)
	}
	return out, nil
}

// Product loads one product by id.
func (s *Service) Product(ctx context.Context, id int64) (Product, error) {
	var r productRecord
	err := s.DB.WithContext(ctx).Raw(`SELECT `+productSelect+` FROM products p WHERE p.id = ?`, id).Take(&r).Error
	if err != nil {
		return Product{}, fmt.Errorf("customers: load product %d: %w", id, store.NotFound(err))
	}
	return Product(r), nil
}

// ProductsByID loads the products with the given ids; missing ids are left out.
func (s *Service) ProductsByID(ctx context.Context, ids []int64) (map[int64]Product, error) {
	out := make(map[int64]Product, len(ids))
	for _, part := range chunks(ids, 500) {
		var rows []productRecord
		err := s.DB.WithContext(ctx).Raw(`SELECT `+productSelect+` FROM products p WHERE p.id IN ?`, part).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("customers: load %d products: %w", len(ids), err)
		}
		for _, r := range rows {
			out[r.ID] = Product(r)
		}
	}
	return out, nil
}

// likePattern turns a search text into a LIKE pattern matching it anywhere, with the
// LIKE wildcards in the text escaped by a backslash.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(s))) + "%"
}

// chunks splits s into parts of at most n elements.
func chunks[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	if len(s) > 0 {
		out = append(out, s)
	}
	return out
}
