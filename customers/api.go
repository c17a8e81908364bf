package customers

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// MaxBatch is the most items one API write takes.
const MaxBatch = 10000

// CustomerInput is one customer as the JSON API takes it. An empty or absent field keeps
// the stored value; an attribute given as "" is removed.
type CustomerInput struct {
	CustomerID   Scalar            `json:"customer_id"`
	Email        string            `json:"email"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	Gender       string            `json:"gender"`
	BirthDate    Scalar            `json:"birth_date"`
	City         string            `json:"city"`
	Country      string            `json:"country"`
	Timezone     string            `json:"timezone"`
	SignupAt     Scalar            `json:"signup_at"`
	ConsentEmail Scalar            `json:"consent_email"`
	ConsentPush  Scalar            `json:"consent_push"`
	Attributes   map[string]Scalar `json:"attributes"`
}

// ProductInput is one product as the JSON API takes it; an empty field keeps the stored value.
type ProductInput struct {
	ProductID   Scalar `json:"product_id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Price       Scalar `json:"price"`
	Currency    string `json:"currency"`
	Description string `json:"description"`
	ImageURL    string `json:"image_url"`
	URL         string `json:"url"`
	InStock     Scalar `json:"in_stock"`
}

// OrderInput is one order line as the JSON API takes it; without OrderedAt it was placed
// when the request arrived.
type OrderInput struct {
	OrderID     Scalar `json:"order_id"`
	CustomerID  Scalar `json:"customer_id"`
	ProductID   Scalar `json:"product_id"`
	Quantity    Scalar `json:"quantity"`
	UnitPrice   Scalar `json:"unit_price"`
	OrderedAt   Scalar `json:"ordered_at"`
	ProductName string `json:"product_name"`
	Category    string `json:"category"`
}

// EventInput is one behaviour event as the JSON API takes it; without OccurredAt it happened
// when the request arrived.
type EventInput struct {
	CustomerID  Scalar `json:"customer_id"`
	Type        string `json:"type"`
	ProductID   Scalar `json:"product_id"`
	OccurredAt  Scalar `json:"occurred_at"`
	Value       Scalar `json:"value"`
	SessionID   Scalar `json:"session_id"`
	ProductName string `json:"product_name"`
	Category    string `json:"category"`
}

// fields keeps the non-empty values of pairs (column, value, column, value, ...).
func fields(pairs ...string) map[string]string {
	m := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		if v := strings.TrimSpace(pairs[i+1]); v != "" {
			m[pairs[i]] = v
		}
	}
	return m
}

// apiRow is one API item turned into the column values a CSV row would have.
type apiRow struct {
	fields map[string]string
	attrs  map[string]string
}

func (r apiRow) get(col string) (string, bool) {
	v, ok := r.fields[col]
	return v, ok
}

// UpsertCustomers creates or updates customers by customer_id, validating each as an import row.
func (s *Service) UpsertCustomers(ctx context.Context, in []CustomerInput) (ImportSummary, error) {
	rows := make([]apiRow, len(in))
	for i, c := range in {
		rows[i].fields = fields(colCustomerID, string(c.CustomerID), colEmail, c.Email, colFirstName, c.FirstName,
			colLastName, c.LastName, colGender, c.Gender, colBirthDate, string(c.BirthDate), colCity, c.City,
			colCountry, c.Country, colTimezone, c.Timezone, colSignupAt, string(c.SignupAt),
			colConsentEmail, string(c.ConsentEmail), colConsentPush, string(c.ConsentPush))
		if len(c.Attributes) > 0 {
			rows[i].attrs = make(map[string]string, len(c.Attributes))
			for k, v := range c.Attributes {
				if k = strings.ToLower(strings.TrimSpace(k)); k != "" {
					rows[i].attrs[k] = strings.TrimSpace(string(v))
				}
			}
		}
	}
	return s.write(ctx, KindCustomers, rows)
}

// UpsertProducts creates or updates products by product_id, validating each as an import row.
func (s *Service) UpsertProducts(ctx context.Context, in []ProductInput) (ImportSummary, error) {
	rows := make([]apiRow, len(in))
	for i, p := range in {
		rows[i].fields = fields(colProductID, string(p.ProductID), colName, p.Name, colCategory, p.Category,
			colPrice, string(p.Price), colCurrency, p.Currency, colDescription, p.Description,
			colImageURL, p.ImageURL, colURL, p.URL, colInStock, string(p.InStock))
	}
	return s.write(ctx, KindProducts, rows)
}

// AddOrders records order lines (creating unknown customers and products) and refreshes
// the features of the customers they belong to.
func (s *Service) AddOrders(ctx context.Context, in []OrderInput) (ImportSummary, error) {
	rows := make([]apiRow, len(in))
	received := s.receivedAt()
	for i, o := range in {
		rows[i].fields = fields(colOrderID, string(o.OrderID), colCustomerID, string(o.CustomerID),
			colProductID, string(o.ProductID), colQuantity, string(o.Quantity), colUnitPrice, string(o.UnitPrice),
			colOrderedAt, cmp.Or(string(o.OrderedAt), received), colProductName, o.ProductName, colCategory, o.Category)
	}
	return s.write(ctx, KindOrders, rows)
}

// AddEvents records behaviour events (creating unknown customers and products) and
// refreshes the features of the customers they belong to.
func (s *Service) AddEvents(ctx context.Context, in []EventInput) (ImportSummary, error) {
	rows := make([]apiRow, len(in))
	received := s.receivedAt()
	for i, e := range in {
		rows[i].fields = fields(colCustomerID, string(e.CustomerID), colType, e.Type, colProductID, string(e.ProductID),
			colOccurredAt, cmp.Or(string(e.OccurredAt), received), colValue, string(e.Value), colSessionID, string(e.SessionID),
			colProductName, e.ProductName, colCategory, e.Category)
	}
	return s.write(ctx, KindEvents, rows)
}

// receivedAt is the time an API request arrives, as an order's or event's time when the
// item gives none: a shop sending behaviour as it happens need not stamp it. An item sent
// again without a time is a new event, so a client that retries sends its own times.
func (s *Service) receivedAt() string { return s.now().UTC().Format(time.RFC3339Nano) }

// write runs API items through the import sink of kind k in one transaction. Bad items are
// rejected like bad CSV rows (Line is the item's position); when every item is rejected the
// error is a store.FieldErrors keyed by column (by "N.column" for several items).
func (s *Service) write(ctx context.Context, k Kind, rows []apiRow) (ImportSummary, error) {
	sum := ImportSummary{Kind: string(k), Errors: []RowError{}}
	if len(rows) == 0 {
		return sum, nil
	}
	if len(rows) > MaxBatch {
		return sum, store.FieldErrors{"items": fmt.Sprintf("at most %d per request, got %d", MaxBatch, len(rows))}
	}
	bad := store.FieldErrors{}
	sk := s.newSink(k, true)
	err := s.DB.Tx(ctx, func(tx *gorm.DB) error {
		for i, r := range rows {
			sum.Rows++
			if fe := sk.add(i+1, r.get, r.attrs); fe != nil {
				sum.reject(i+1, fe.Error())
				for col, msg := range fe {
					if len(rows) > 1 {
						col = fmt.Sprintf("%d.%s", i+1, col)
					}
					bad.Add(col, msg)
				}
				continue
			}
			if sk.ready() {
				if err := sk.flush(ctx, tx, &sum); err != nil {
					return err
				}
			}
		}
		if sk.pending() > 0 {
			return sk.flush(ctx, tx, &sum)
		}
		return nil
	})
	if err != nil {
		return sum, fmt.Errorf("customers: write %s: %w", k, err)
	}
	if sum.Rejected == sum.Rows {
		if len(bad) == 0 {
			bad.Add("items", sum.Errors[0].Reason)
		}
		return sum, bad
	}
	ids := sk.touchedCustomers()
	if k == KindCustomers {
		if ids, err = s.customerIDs(ctx, rows); err != nil {
			return sum, err
		}
	}
	if len(ids) > 0 && (k == KindOrders || k == KindEvents) {
		if err := s.RefreshFeatures(ctx, ids); err != nil {
			return sum, err
		}
	}
	return sum, s.runAfterWrite(ctx, k, ids)
}

// customerIDs returns the ids of the customers named by API rows.
func (s *Service) customerIDs(ctx context.Context, rows []apiRow) ([]int64, error) {
	exts := make([]string, 0, len(rows))
	for _, r := range rows {
		if ext := normalizeCustomerID(r.fields[colCustomerID]); ext != "" {
			exts = append(exts, ext)
		}
	}
	var ids []int64
	for _, part := range chunks(exts, rowsPerInsert) {
		var got []int64
		if err := s.DB.WithContext(ctx).Raw(`SELECT id FROM customers WHERE external_id IN ? ORDER BY id`, part).
			Scan(&got).Error; err != nil {
			return nil, fmt.Errorf("customers: look up written customers: %w", err)
		}
		ids = append(ids, got...)
	}
	return ids, nil
}
