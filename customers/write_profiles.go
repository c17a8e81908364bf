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

// profileSink imports rows that describe one customer or product each (V), keyed by
// their external id: new ones are inserted, changed ones updated, unchanged ones counted.
// R is the parsed row; profileKind says what differs between customers and products.
type profileSink[V, R any] struct {
	*profileKind[V, R]
	now  func() time.Time
	recs []R
}

type profileKind[V, R any] struct {
	idColumn string // the id's column, named when a row is rejected
	parse    func(line int, get getter, attrs map[string]string) (R, store.FieldErrors)
	line     func(*R) int
	key      func(*R) string
	apply    func(r *R, stored V) V // stored with the values the row gave
	blank    func(ext string) V     // what a new one starts from
	same     func(a, b V) bool
	load     func(ctx context.Context, tx *gorm.DB, exts []string) (map[string]V, error)
	write    func(ctx context.Context, tx *gorm.DB, vs []V, now time.Time) error
}

var customerProfiles = &profileKind[Customer, customerRec]{
	idColumn: colCustomerID,
	parse: func(line int, get getter, attrs map[string]string) (customerRec, store.FieldErrors) {
		r, fe := parseCustomer(get)
		r.line, r.attrs = line, attrs
		return r, fe
	},
	line:  func(r *customerRec) int { return r.line },
	key:   func(r *customerRec) string { return r.c.ExternalID },
	apply: (*customerRec).apply,
	blank: func(ext string) Customer { return Customer{ExternalID: ext, Attributes: map[string]string{}} },
	same:  sameCustomer,
	load: func(ctx context.Context, tx *gorm.DB, exts []string) (map[string]Customer, error) {
		return loadByExternalID(ctx, tx, "customers", `SELECT `+customerSelect+` FROM customers c WHERE c.external_id IN ?`, exts,
			func(r customerRecord) (string, Customer) { return r.ExternalID, r.customer() })
	},
	write: upsertCustomers,
}

var productProfiles = &profileKind[Product, productRec]{
	idColumn: colProductID,
	parse: func(line int, get getter, _ map[string]string) (productRec, store.FieldErrors) {
		r, fe := parseProduct(get)
		r.line = line
		return r, fe
	},
	line:  func(r *productRec) int { return r.line },
	key:   func(r *productRec) string { return r.p.ExternalID },
	apply: (*productRec).apply,
	blank: func(ext string) Product { return Product{ExternalID: ext, InStock: true} },
	same:  func(a, b Product) bool { return a == b },
	load: func(ctx context.Context, tx *gorm.DB, exts []string) (map[string]Product, error) {
		return loadByExternalID(ctx, tx, "products", `SELECT `+productSelect+` FROM products p WHERE p.external_id IN ?`, exts,
			func(r productRecord) (string, Product) { return r.ExternalID, Product(r) })
	},
	write: upsertProducts,
}

func (k *profileSink[V, R]) add(line int, get getter, attrs map[string]string) store.FieldErrors {
	r, fe := k.parse(line, get, attrs)
	if fe != nil {
		return fe
	}
	k.recs = append(k.recs, r)
	return nil
}

func (k *profileSink[V, R]) ready() bool               { return len(k.recs) >= batchSize }
func (k *profileSink[V, R]) pending() int              { return len(k.recs) }
func (k *profileSink[V, R]) touchedCustomers() []int64 { return nil }
func (k *profileSink[V, R]) lastLine() int {
	if len(k.recs) == 0 {
		return 0
	}
	return k.line(&k.recs[len(k.recs)-1])
}

func (k *profileSink[V, R]) flush(ctx context.Context, tx *gorm.DB, sum *ImportSummary) error {
	defer func() { k.recs = k.recs[:0] }()
	exts := uniqueStrings(k.recs, k.key)
	stored, err := k.load(ctx, tx, exts)
	if err != nil {
		return err
	}
	// current holds each one as the earlier rows of this batch left it, so a repeated id
	// with the same values is unchanged and one with other values is rejected.
	current := make(map[string]V, len(exts))
	firstLine := make(map[string]int, len(exts))
	var writes []V
	for i := range k.recs {
		r := &k.recs[i]
		ext := k.key(r)
		if prev, ok := current[ext]; ok {
			if k.same(prev, k.apply(r, prev)) {
				sum.Unchanged++
			} else {
				sum.reject(k.line(r), fmt.Sprintf("%s: %q already appears on line %d with other values", k.idColumn, ext, firstLine[ext]))
			}
			continue
		}
		firstLine[ext] = k.line(r)
		base, exists := stored[ext]
		if !exists {
			base = k.blank(ext)
		}
		merged := k.apply(r, base)
		current[ext] = merged
		switch {
		case !exists:
			sum.Imported++
			writes = append(writes, merged)
		case k.same(base, merged):
			sum.Unchanged++
		default:
			sum.Updated++
			writes = append(writes, merged)
		}
	}
	return k.write(ctx, tx, writes, k.now())
}

// loadByExternalID runs query (which ends in "external_id IN ?") over exts a part at a
// time and keys the rows it reads, which are what (customers, products), by external id.
func loadByExternalID[Row, V any](ctx context.Context, tx *gorm.DB, what, query string, exts []string, value func(Row) (string, V)) (map[string]V, error) {
	out := make(map[string]V, len(exts))
	for _, part := range chunks(exts, rowsPerInsert) {
		var rows []Row
		if err := tx.WithContext(ctx).Raw(query, part).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("look up %s: %w", what, err)
		}
		for _, r := range rows {
			ext, v := value(r)
			out[ext] = v
		}
	}
	return out, nil
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
