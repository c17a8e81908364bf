package customers

import (
	"maps"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// Bits of customerRec.set and productRec.set: which optional columns a row gave.
const (
	setEmail uint16 = 1 << iota
	setFirstName
	setLastName
	setGender
	setBirthDate
	setCity
	setCountry
	setTimezone
	setSignupAt
	setConsentEmail
	setConsentPush
)

const (
	setName uint16 = 1 << iota
	setCategory
	setPrice
	setCurrency
	setDescription
	setImageURL
	setURL
	setInStock
)

// customerRec is one parsed customer row: the values it gave and which ones it gave.
type customerRec struct {
	line int
	c    Customer
	set  uint16
	// attrs are custom attributes to set; an empty value removes the attribute.
	attrs map[string]string
}

func parseCustomer(get getter) (customerRec, store.FieldErrors) {
	p := rowParser{get: get}
	var r customerRec
	r.c.ExternalID = normalizeCustomerID(p.id(colCustomerID))
	mark := func(bit uint16, given bool) {
		if given {
			r.set |= bit
		}
	}
	var ok bool
	r.c.Email, ok = p.text(colEmail, maxTextLength)
	mark(setEmail, ok)
	if r.c.Email != "" && !isEmail(r.c.Email) {
		p.fail(colEmail, msgNotEmail(r.c.Email))
	}
	r.c.FirstName, ok = p.text(colFirstName, maxTextLength)
	mark(setFirstName, ok)
	r.c.LastName, ok = p.text(colLastName, maxTextLength)
	mark(setLastName, ok)
	r.c.Gender, ok = p.text(colGender, maxTextLength)
	mark(setGender, ok)
	r.c.BirthDate, ok = p.time(colBirthDate)
	mark(setBirthDate, ok)
	r.c.City, ok = p.text(colCity, maxTextLength)
	mark(setCity, ok)
	r.c.Country, ok = p.text(colCountry, maxTextLength)
	mark(setCountry, ok)
	r.c.Timezone, ok = p.text(colTimezone, maxTextLength)
	mark(setTimezone, ok)
	r.c.SignupAt, ok = p.time(colSignupAt)
	mark(setSignupAt, ok)
	r.c.ConsentEmail, ok = p.boolean(colConsentEmail, false)
	mark(setConsentEmail, ok)
	r.c.ConsentPush, ok = p.boolean(colConsentPush, false)
	mark(setConsentPush, ok)
	return r, p.errs
}

// apply returns c with the values r gave.
func (r *customerRec) apply(c Customer) Customer {
	in := r.c
	pick := func(bit uint16, dst *string, v string) {
		if r.set&bit != 0 {
			*dst = v
		}
	}
	pick(setEmail, &c.Email, in.Email)
	pick(setFirstName, &c.FirstName, in.FirstName)
	pick(setLastName, &c.LastName, in.LastName)
	pick(setGender, &c.Gender, in.Gender)
	pick(setCity, &c.City, in.City)
	pick(setCountry, &c.Country, in.Country)
	pick(setTimezone, &c.Timezone, in.Timezone)
	if r.set&setBirthDate != 0 {
		c.BirthDate = in.BirthDate
	}
	if r.set&setSignupAt != 0 {
		c.SignupAt = in.SignupAt
	}
	if r.set&setConsentEmail != 0 {
		c.ConsentEmail = in.ConsentEmail
	}
	if r.set&setConsentPush != 0 {
		c.ConsentPush = in.ConsentPush
	}
	if len(r.attrs) > 0 {
		attrs := maps.Clone(c.Attributes)
		if attrs == nil {
			attrs = map[string]string{}
		}
		for k, v := range r.attrs {
			if v == "" {
				delete(attrs, k)
			} else {
				attrs[k] = v
			}
		}
		c.Attributes = attrs
	}
	return c
}

// productRec is one parsed product row.
type productRec struct {
	line int
	p    Product
	set  uint16
}

func parseProduct(get getter) (productRec, store.FieldErrors) {
	p := rowParser{get: get}
	var r productRec
	mark := func(bit uint16, given bool) {
		if given {
			r.set |= bit
		}
	}
	r.p.ExternalID = p.id(colProductID)
	var ok bool
	if r.p.Name, ok = p.text(colName, maxTextLength); r.p.Name == "" {
		p.fail(colName, msgRequired)
	}
	mark(setName, ok)
	r.p.Category, ok = p.text(colCategory, maxTextLength)
	mark(setCategory, ok)
	price, ok := p.number(colPrice)
	if price != nil {
		r.p.Price = *price
	}
	mark(setPrice, ok)
	r.p.Currency, ok = p.text(colCurrency, maxTextLength)
	r.p.Currency = strings.ToUpper(r.p.Currency)
	mark(setCurrency, ok)
	r.p.Description, ok = p.text(colDescription, maxTextLength)
	mark(setDescription, ok)
	for _, f := range []struct {
		col string
		dst *string
		bit uint16
	}{{colImageURL, &r.p.ImageURL, setImageURL}, {colURL, &r.p.URL, setURL}} {
		*f.dst, ok = p.text(f.col, maxTextLength)
		mark(f.bit, ok)
		if *f.dst != "" && !isWebURL(*f.dst) {
			p.fail(f.col, msgNotURL(*f.dst))
		}
	}
	r.p.InStock, ok = p.boolean(colInStock, true)
	mark(setInStock, ok)
	return r, p.errs
}

// apply returns stored with the values r gave.
func (r *productRec) apply(stored Product) Product {
	in := r.p
	pick := func(bit uint16, dst *string, v string) {
		if r.set&bit != 0 {
			*dst = v
		}
	}
	pick(setName, &stored.Name, in.Name)
	pick(setCategory, &stored.Category, in.Category)
	pick(setCurrency, &stored.Currency, in.Currency)
	pick(setDescription, &stored.Description, in.Description)
	pick(setImageURL, &stored.ImageURL, in.ImageURL)
	pick(setURL, &stored.URL, in.URL)
	if r.set&setPrice != 0 {
		stored.Price = in.Price
	}
	if r.set&setInStock != 0 {
		stored.InStock = in.InStock
	}
	return stored
}

// orderRec is one parsed order line.
type orderRec struct {
	line                  int
	orderID               string
	customer, product     string
	quantity, unitPrice   float64
	orderedAt             time.Time
	productName, category string
}

func parseOrder(get getter) (orderRec, store.FieldErrors) {
	p := rowParser{get: get}
	r := orderRec{
		orderID:   p.id(colOrderID),
		customer:  normalizeCustomerID(p.id(colCustomerID)),
		product:   p.id(colProductID),
		quantity:  p.requiredNumber(colQuantity),
		unitPrice: p.requiredNumber(colUnitPrice),
		orderedAt: p.requiredTime(colOrderedAt),
	}
	r.productName, _ = p.text(colProductName, maxTextLength)
	r.category, _ = p.text(colCategory, maxTextLength)
	return r, p.errs
}

// eventRec is one parsed behaviour event.
type eventRec struct {
	line                  int
	customer, typ         string
	product               string
	occurredAt            time.Time
	value                 *float64
	sessionID             string
	productName, category string
}

func parseEvent(get getter) (eventRec, store.FieldErrors) {
	p := rowParser{get: get}
	r := eventRec{customer: normalizeCustomerID(p.id(colCustomerID))}
	typ, _ := get(colType)
	r.typ = strings.ToLower(typ)
	if r.typ == "" {
		p.fail(colType, msgRequired)
	} else if !eventTypeRE.MatchString(r.typ) {
		p.fail(colType, msgEventType(typ))
	}
	r.product, _ = p.text(colProductID, maxIDLength)
	r.occurredAt = p.requiredTime(colOccurredAt)
	r.value, _ = p.number(colValue)
	r.sessionID, _ = p.text(colSessionID, maxIDLength)
	r.productName, _ = p.text(colProductName, maxTextLength)
	r.category, _ = p.text(colCategory, maxTextLength)
	return r, p.errs
}
