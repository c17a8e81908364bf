package synth

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// shop is a generated small shop parsed back from its files.
type shop struct {
	customers, products, orders, events [][]string
	cust, prod, ord, ev                 []string // headers
}

func loadShop(t *testing.T, o Options) shop {
	t.Helper()
	dir, _ := generate(t, o)
	var s shop
	s.cust, s.customers = readCSV(t, dir, CustomersFile)
	s.prod, s.products = readCSV(t, dir, ProductsFile)
	s.ord, s.orders = readCSV(t, dir, OrdersFile)
	s.ev, s.events = readCSV(t, dir, EventsFile)
	return s
}

func TestOrderLinesReferenceExistingCustomersAndProducts(t *testing.T) {
	s := loadShop(t, smallOptions(11))
	customers, products, stocked := map[string]bool{}, map[string]float64{}, map[string]bool{}
	custID, prodID, price, inStock := column(t, s.cust, "customer_id"), column(t, s.prod, "product_id"), column(t, s.prod, "price"), column(t, s.prod, "in_stock")
	for _, row := range s.customers {
		customers[custID(row)] = true
	}
	for _, row := range s.products {
		p, err := strconv.ParseFloat(price(row), 64)
		if err != nil {
			t.Fatalf("price %q: %v", price(row), err)
		}
		products[prodID(row)] = p
		stocked[prodID(row)] = inStock(row) == "true"
	}
	oid, ocust, oprod, qty, unit := column(t, s.ord, "order_id"), column(t, s.ord, "customer_id"), column(t, s.ord, "product_id"), column(t, s.ord, "quantity"), column(t, s.ord, "unit_price")
	lines := map[string]map[string]bool{}
	owner := map[string]string{}
	for _, row := range s.orders {
		if !customers[ocust(row)] {
			t.Errorf("order %s names unknown customer %s", oid(row), ocust(row))
		}
		p, ok := products[oprod(row)]
		if !ok {
			t.Errorf("order %s names unknown product %s", oid(row), oprod(row))
		} else if !stocked[oprod(row)] {
			t.Errorf("order %s sold product %s, which is out of stock", oid(row), oprod(row))
		}
		if u, _ := strconv.ParseFloat(unit(row), 64); u != p {
			t.Errorf("order %s: unit price %s differs from the product price %v", oid(row), unit(row), p)
		}
		if q := qty(row); q != "1" && q != "2" {
			t.Errorf("order %s: quantity %s, want 1 or 2", oid(row), q)
		}
		if lines[oid(row)] == nil {
			lines[oid(row)] = map[string]bool{}
			owner[oid(row)] = ocust(row)
		}
		if lines[oid(row)][oprod(row)] {
			t.Errorf("order %s lists product %s twice", oid(row), oprod(row))
		}
		lines[oid(row)][oprod(row)] = true
		if owner[oid(row)] != ocust(row) {
			t.Errorf("order %s belongs to two customers", oid(row))
		}
	}
	for id, l := range lines {
		if len(l) < 1 || len(l) > 3 {
			t.Errorf("order %s has %d lines, want 1 to 3", id, len(l))
		}
	}
}

func TestEveryPurchaseEventHasItsOrderLineAndBackAgain(t *testing.T) {
	s := loadShop(t, smallOptions(12))
	ocust, oprod, qty, unit, at := column(t, s.ord, "customer_id"), column(t, s.ord, "product_id"), column(t, s.ord, "quantity"), column(t, s.ord, "unit_price"), column(t, s.ord, "ordered_at")
	amount := map[string]float64{}
	for _, row := range s.orders {
		q, _ := strconv.ParseFloat(qty(row), 64)
		u, _ := strconv.ParseFloat(unit(row), 64)
		amount[ocust(row)+"|"+oprod(row)+"|"+at(row)] = q * u
	}
	ecust, typ, eprod, occurred, value, session := column(t, s.ev, "customer_id"), column(t, s.ev, "type"), column(t, s.ev, "product_id"), column(t, s.ev, "occurred_at"), column(t, s.ev, "value"), column(t, s.ev, "session_id")
	purchases := 0
	for _, row := range s.events {
		if session(row) == "" {
			t.Fatalf("event without session: %v", row)
		}
		switch typ(row) {
		case "purchase":
			purchases++
			want, ok := amount[ecust(row)+"|"+eprod(row)+"|"+occurred(row)]
			if !ok {
				t.Errorf("purchase event without an order line: %v", row)
				continue
			}
			if v, _ := strconv.ParseFloat(value(row), 64); v < want-0.001 || v > want+0.001 {
				t.Errorf("purchase value %s, order line amount %.2f", value(row), want)
			}
		case "view":
			if v, err := strconv.Atoi(value(row)); err != nil || v < 10 || v > 300 || eprod(row) == "" {
				t.Errorf("a view needs a product and 10-300 seconds: %v", row)
			}
		case "cart":
			if value(row) != "" || eprod(row) == "" {
				t.Errorf("a cart event needs a product and no value: %v", row)
			}
		case "search":
			if eprod(row) != "" || value(row) != "" {
				t.Errorf("a search has neither product nor value: %v", row)
			}
		default:
			t.Errorf("unexpected event type %q", typ(row))
		}
	}
	if purchases != len(s.orders) {
		t.Errorf("%d purchase events for %d order lines", purchases, len(s.orders))
	}
}

func TestTimesLieInsideTheWindowAndEventsRunForwardPerCustomer(t *testing.T) {
	o := smallOptions(13)
	s := loadShop(t, o)
	start := o.End.Add(-time.Duration(o.Days) * 24 * time.Hour)
	inWindow := func(what, ts string) {
		tm := parseTime(t, ts)
		if tm.Before(start) || tm.After(o.End) {
			t.Errorf("%s at %s is outside [%s, %s]", what, ts, start.Format(time.RFC3339), o.End.Format(time.RFC3339))
		}
	}
	at := column(t, s.ord, "ordered_at")
	for _, row := range s.orders {
		inWindow("order", at(row))
	}
	ecust, occurred := column(t, s.ev, "customer_id"), column(t, s.ev, "occurred_at")
	last := map[string]time.Time{}
	prev := ""
	for _, row := range s.events {
		inWindow("event", occurred(row))
		c, tm := ecust(row), parseTime(t, occurred(row))
		if c != prev && !last[c].IsZero() {
			t.Fatalf("events of %s are not contiguous", c)
		}
		if tm.Before(last[c]) {
			t.Fatalf("events of %s go back in time at %s", c, occurred(row))
		}
		last[c], prev = tm, c
	}
	signup, birth := column(t, s.cust, "signup_at"), column(t, s.cust, "birth_date")
	for _, row := range s.customers {
		su := parseTime(t, signup(row))
		if !su.Before(start) || su.Before(start.AddDate(-2, 0, -1)) {
			t.Errorf("signup %s is not in the two years before the window", signup(row))
		}
		b := parseTime(t, birth(row))
		if b.After(o.End.AddDate(-18, 0, 0)) || !b.After(o.End.AddDate(-81, 0, 0)) {
			t.Errorf("birth date %s gives an age outside 18-80", birth(row))
		}
	}
}

func TestCustomersLookReal(t *testing.T) {
	s := loadShop(t, smallOptions(14))
	email, country, tz, tier, channel := column(t, s.cust, "email"), column(t, s.cust, "country"), column(t, s.cust, "timezone"), column(t, s.cust, "loyalty_tier"), column(t, s.cust, "preferred_channel")
	consentEmail, consentPush := column(t, s.cust, "consent_email"), column(t, s.cust, "consent_push")
	zones := map[string]string{"DE": "Europe/Berlin", "FR": "Europe/Paris", "GB": "Europe/London", "NL": "Europe/Amsterdam", "ES": "Europe/Madrid", "IT": "Europe/Rome", "SE": "Europe/Stockholm", "PL": "Europe/Warsaw", "US": "America/"}
	seen := map[string]bool{}
	emailYes, pushYes := 0, 0
	for _, row := range s.customers {
		e := email(row)
		if seen[e] {
			t.Errorf("email %s is used twice", e)
		}
		seen[e] = true
		local, domain, ok := strings.Cut(e, "@")
		if !ok || domain != "example.com" || strings.Count(local, ".") != 1 || strings.Trim(local, "abcdefghijklmnopqrstuvwxyz.0123456789") != "" {
			t.Errorf("email %q is not firstname.lastname<n>@example.com in lowercase ASCII", e)
		}
		if !strings.HasPrefix(tz(row), zones[country(row)]) || zones[country(row)] == "" {
			t.Errorf("timezone %s does not fit country %s", tz(row), country(row))
		}
		if tr := tier(row); tr != "bronze" && tr != "silver" && tr != "gold" {
			t.Errorf("loyalty tier %q", tr)
		}
		if ch := channel(row); ch != "email" && ch != "push" && ch != "sms" {
			t.Errorf("preferred channel %q", ch)
		}
		emailYes += boolCount(consentEmail(row))
		pushYes += boolCount(consentPush(row))
	}
	n := float64(len(s.customers))
	if share := float64(emailYes) / n; share < 0.80 || share > 0.90 {
		t.Errorf("email consent share %.2f, want about 0.85", share)
	}
	if share := float64(pushYes) / n; share < 0.33 || share > 0.50 {
		t.Errorf("push consent share %.2f, want about 0.40", share)
	}
}

func boolCount(s string) int {
	if s == "true" {
		return 1
	}
	return 0
}
