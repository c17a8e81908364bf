package customers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// sameCustomer compares the values an import may set.
func sameCustomer(a, b Customer) bool {
	return a.Email == b.Email && a.FirstName == b.FirstName && a.LastName == b.LastName &&
		a.Gender == b.Gender && sameTime(a.BirthDate, b.BirthDate) && a.City == b.City &&
		a.Country == b.Country && a.Timezone == b.Timezone && sameTime(a.SignupAt, b.SignupAt) &&
		a.ConsentEmail == b.ConsentEmail && a.ConsentPush == b.ConsentPush &&
		maps.Equal(a.Attributes, b.Attributes)
}

// customerSink imports customer rows: new ones are inserted, changed ones updated.
type customerSink struct {
	now  func() time.Time
	recs []customerRec
}

func (k *customerSink) add(line int, get getter, attrs map[string]string) store.FieldErrors {
	r, fe := parseCustomer(get)
	if fe != nil {
		return fe
	}
	r.line, r.attrs = line, attrs
	k.recs = append(k.recs, r)
	return nil
}

func (k *customerSink) ready() bool               { return len(k.recs) >= batchSize }
func (k *customerSink) pending() int              { return len(k.recs) }
func (k *customerSink) touchedCustomers() []int64 { return nil }
func (k *customerSink) lastLine() int {
	if len(k.recs) == 0 {
		return 0
	}
	return k.recs[len(k.recs)-1].line
}

func (k *customerSink) flush(ctx context.Context, tx *gorm.DB, sum *ImportSummary) error {
	defer func() { k.recs = k.recs[:0] }()
	exts := uniqueStrings(k.recs, func(r *customerRec) string { return r.c.ExternalID })
	stored := make(map[string]Customer, len(exts))
	for _, part := range chunks(exts, rowsPerInsert) {
		var rows []customerRecord
		if err := tx.WithContext(ctx).Raw(`SELECT `+customerSelect+` FROM customers c WHERE c.external_id IN ?`, part).
			Scan(&rows).Error; err != nil {
			return fmt.Errorf("look up customers: %w", err)
		}
		for _, r := range rows {
			stored[r.ExternalID] = r.customer()
		}
	}
	// current holds each customer as the earlier rows of this batch left it, so a repeated
	// id with the same values is unchanged and one with other values is rejected.
	current := make(map[string]Customer, len(exts))
	firstLine := make(map[string]int, len(exts))
	var writes []Customer
	for i := range k.recs {
		r := &k.recs[i]
		ext := r.c.ExternalID
		if prev, ok := current[ext]; ok {
			if sameCustomer(prev, r.apply(prev)) {
				sum.Unchanged++
			} else {
				sum.reject(r.line, fmt.Sprintf("%s: %q already appears on line %d with other values", colCustomerID, ext, firstLine[ext]))
			}
			continue
		}
		firstLine[ext] = r.line
		base, exists := stored[ext]
		if !exists {
			base = Customer{ExternalID: ext, Attributes: map[string]string{}}
		}
		merged := r.apply(base)
		current[ext] = merged
		switch {
		case !exists:
			sum.Imported++
			writes = append(writes, merged)
		case sameCustomer(base, merged):
			sum.Unchanged++
		default:
			sum.Updated++
			writes = append(writes, merged)
		}
	}
	return upsertCustomers(ctx, tx, writes, k.now())
}

// upsertCustomers inserts or overwrites the given customers by external id; created_at
// and unsubscribed_at of existing customers are kept.
func upsertCustomers(ctx context.Context, tx *gorm.DB, cs []Customer, now time.Time) error {
	if len(cs) == 0 {
		return nil
	}
	args := make([]any, 0, len(cs)*15)
	for _, c := range cs {
		attrs, err := json.Marshal(c.Attributes)
		if err != nil {
			return fmt.Errorf("encode attributes of %q: %w", c.ExternalID, err)
		}
		args = append(args, c.ExternalID, c.Email, c.FirstName, c.LastName, c.Gender, timeArg(c.BirthDate),
			c.City, c.Country, c.Timezone, timeArg(c.SignupAt), c.ConsentEmail, c.ConsentPush, string(attrs), now, now)
	}
	_, err := insertRows(tx.WithContext(ctx), `INSERT INTO customers (external_id, email, first_name, last_name,
		gender, birth_date, city, country, timezone, signup_at, consent_email, consent_push, attributes,
		created_at, updated_at)`, `ON CONFLICT (external_id) DO UPDATE SET email = excluded.email,
		first_name = excluded.first_name, last_name = excluded.last_name, gender = excluded.gender,
		birth_date = excluded.birth_date, city = excluded.city, country = excluded.country,
		timezone = excluded.timezone, signup_at = excluded.signup_at, consent_email = excluded.consent_email,
		consent_push = excluded.consent_push, attributes = excluded.attributes, updated_at = excluded.updated_at`,
		15, args)
	if err != nil {
		return fmt.Errorf("write %d customers: %w", len(cs), err)
	}
	return nil
}

// productSink imports product rows: new ones are inserted, changed ones updated.
type productSink struct {
	now  func() time.Time
	recs []productRec
}

func (k *productSink) add(line int, get getter, _ map[string]string) store.FieldErrors {
	r, fe := parseProduct(get)
	if fe != nil {
		return fe
	}
	r.line = line
	k.recs = append(k.recs, r)
	return nil
}

func (k *productSink) ready() bool               { return len(k.recs) >= batchSize }
func (k *productSink) pending() int              { return len(k.recs) }
func (k *productSink) touchedCustomers() []int64 { return nil }
func (k *productSink) lastLine() int {
	if len(k.recs) == 0 {
		return 0
	}
	return k.recs[len(k.recs)-1].line
}

func (k *productSink) flush(ctx context.Context, tx *gorm.DB, sum *ImportSummary) error {
	defer func() { k.recs = k.recs[:0] }()
	exts := uniqueStrings(k.recs, func(r *productRec) string { return r.p.ExternalID })
	stored := make(map[string]Product, len(exts))
	for _, part := range chunks(exts, rowsPerInsert) {
		var rows []productRecord
		if err := tx.WithContext(ctx).Raw(`SELECT `+productSelect+` FROM products p WHERE p.external_id IN ?`, part).
			Scan(&rows).Error; err != nil {
			return fmt.Errorf("look up products: %w", err)
		}
		for _, r := range rows {
			stored[r.ExternalID] = Product(r)
		}
	}
	current := make(map[string]Product, len(exts))
	firstLine := make(map[string]int, len(exts))
	var writes []Product
	for i := range k.recs {
		r := &k.recs[i]
		ext := r.p.ExternalID
		if prev, ok := current[ext]; ok {
			if r.apply(prev) == prev {
				sum.Unchanged++
			} else {
				sum.reject(r.line, fmt.Sprintf("%s: %q already appears on line %d with other values", colProductID, ext, firstLine[ext]))
			}
			continue
		}
		firstLine[ext] = r.line
		base, exists := stored[ext]
		if !exists {
			base = Product{ExternalID: ext, InStock: true}
		}
		merged := r.apply(base)
		current[ext] = merged
		switch {
		case !exists:
			sum.Imported++
			writes = append(writes, merged)
		case merged == base:
			sum.Unchanged++
		default:
			sum.Updated++
			writes = append(writes, merged)
		}
	}
	return upsertProducts(ctx, tx, writes, k.now())
}

// upsertProducts inserts or overwrites the given products by external id.
func upsertProducts(ctx context.Context, tx *gorm.DB, ps []Product, now time.Time) error {
	if len(ps) == 0 {
		return nil
	}
	args := make([]any, 0, len(ps)*11)
	for _, p := range ps {
		args = append(args, p.ExternalID, p.Name, p.Category, p.Price, p.Currency, p.Description,
			p.ImageURL, p.URL, p.InStock, now, now)
	}
	_, err := insertRows(tx.WithContext(ctx), `INSERT INTO products (external_id, name, category, price,
		currency, description, image_url, url, in_stock, created_at, updated_at)`,
		`ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, category = excluded.category,
		price = excluded.price, currency = excluded.currency, description = excluded.description,
		image_url = excluded.image_url, url = excluded.url, in_stock = excluded.in_stock,
		updated_at = excluded.updated_at`, 11, args)
	if err != nil {
		return fmt.Errorf("write %d products: %w", len(ps), err)
	}
	return nil
}
