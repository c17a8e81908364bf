package synth

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestProductsLookLikeAShop(t *testing.T) {
	s := loadShop(t, DemoOptions(21, testEnd))
	id, name, category, price, currency, desc, image, url, inStock := column(t, s.prod, "product_id"), column(t, s.prod, "name"), column(t, s.prod, "category"), column(t, s.prod, "price"), column(t, s.prod, "currency"), column(t, s.prod, "description"), column(t, s.prod, "image_url"), column(t, s.prod, "url"), column(t, s.prod, "in_stock")
	perCategory := map[string]int{}
	names := map[string]bool{}
	stocked := 0
	for _, row := range s.products {
		perCategory[category(row)]++
		if names[name(row)] {
			t.Errorf("product name %q is used twice", name(row))
		}
		names[name(row)] = true
		if len(strings.Fields(name(row))) < 3 {
			t.Errorf("name %q should read brand + descriptor + noun", name(row))
		}
		if !strings.HasSuffix(price(row), ".49") && !strings.HasSuffix(price(row), ".99") {
			t.Errorf("price %s should end in .49 or .99", price(row))
		}
		if currency(row) != "EUR" {
			t.Errorf("currency %q", currency(row))
		}
		if n := strings.Count(desc(row)+" ", ". "); n < 1 || n > 2 || !strings.HasSuffix(desc(row), ".") {
			t.Errorf("description should be one or two sentences: %q", desc(row))
		}
		if want := "/static/img/products/" + Slug(category(row)) + ".svg"; image(row) != want {
			t.Errorf("image_url %q, want %q", image(row), want)
		}
		if want := "https://shop.example/products/" + id(row); url(row) != want {
			t.Errorf("url %q, want %q", url(row), want)
		}
		stocked += boolCount(inStock(row))
	}
	for _, c := range Categories() {
		if perCategory[c] < 10 {
			t.Errorf("category %s has only %d of 300 products", c, perCategory[c])
		}
	}
	if len(perCategory) != len(Categories()) {
		t.Errorf("products use categories %v", perCategory)
	}
	if share := float64(stocked) / float64(len(s.products)); share < 0.9 || share == 1 {
		t.Errorf("in-stock share %.2f, want about 0.95", share)
	}
	if id(s.products[0]) != "P0001" {
		t.Errorf("first product id %q, want P0001", id(s.products[0]))
	}
}

func TestPricesFollowTheirCategory(t *testing.T) {
	s := loadShop(t, DemoOptions(22, testEnd))
	category, price := column(t, s.prod, "category"), column(t, s.prod, "price")
	sum, n := map[string]float64{}, map[string]float64{}
	for _, row := range s.products {
		p, _ := strconv.ParseFloat(price(row), 64)
		sum[category(row)] += p
		n[category(row)]++
	}
	grocery, electronics := sum["Grocery"]/n["Grocery"], sum["Electronics"]/n["Electronics"]
	if grocery*5 > electronics {
		t.Errorf("mean grocery price %.2f should be far below electronics %.2f", grocery, electronics)
	}
}

// TestCustomersBuyMostlyInTheirFavouriteCategory recomputes each customer's hidden tastes
// and checks that purchases follow them far more than the category's overall share.
func TestCustomersBuyMostlyInTheirFavouriteCategory(t *testing.T) {
	o := DemoOptions(23, testEnd)
	s := loadShop(t, o)
	cat := buildCatalog(o.Seed, o.Products)
	top := map[string]string{}
	var p profile
	for i := range o.Customers {
		r := newRand(o.Seed, streamCustomer, i)
		end := o.End.Unix()
		drawProfile(r, &p, i, cat, end-int64(o.Days)*86400, end)
		top[string(p.id)] = catalogue[p.topCat].name
	}
	category := map[string]string{}
	pid, pcat := column(t, s.prod, "product_id"), column(t, s.prod, "category")
	for _, row := range s.products {
		category[pid(row)] = pcat(row)
	}
	ocust, oprod := column(t, s.ord, "customer_id"), column(t, s.ord, "product_id")
	share := map[string]float64{}
	for _, row := range s.orders {
		share[category[oprod(row)]] += 1 / float64(len(s.orders))
	}
	hits, expected := 0.0, 0.0
	for _, row := range s.orders {
		fav := top[ocust(row)]
		if fav == "" {
			t.Fatalf("order line of unknown customer %s", ocust(row))
		}
		if category[oprod(row)] == fav {
			hits++
		}
		expected += share[fav]
	}
	hits /= float64(len(s.orders))
	expected /= float64(len(s.orders))
	t.Logf("%.1f %% of purchases in the buyer's favourite category; %.1f %% expected without tastes", 100*hits, 100*expected)
	if hits < 2.5*expected || hits < 0.4 {
		t.Errorf("favourite-category share %.3f is not far above its base share %.3f", hits, expected)
	}
}

// TestProductsOfOneKindShareWordsAndTastes checks the link content-based recommenders rely
// on: products of the same kind (noun) have similar text and similar hidden vectors.
func TestProductsOfOneKindShareWordsAndTastes(t *testing.T) {
	cat := buildCatalog(25, 300)
	var same, other, nSame, nOther float64
	for i, a := range cat.products {
		if !strings.Contains(a.name, catalogue[a.cat].nouns[a.noun].name) || !strings.Contains(a.description, catalogue[a.cat].nouns[a.noun].name) {
			t.Errorf("%s: name %q or description %q lacks its noun", a.id, a.name, a.description)
		}
		for _, b := range cat.products[i+1:] {
			if a.cat != b.cat {
				continue
			}
			cos := a.latent.dot(&b.latent) / math.Sqrt(a.latent.dot(&a.latent)*b.latent.dot(&b.latent))
			if a.noun == b.noun {
				same, nSame = same+cos, nSame+1
			} else {
				other, nOther = other+cos, nOther+1
			}
		}
	}
	same, other = same/nSame, other/nOther
	t.Logf("mean cosine: same kind %.2f, other kinds of the category %.2f", same, other)
	if same < other+0.1 {
		t.Errorf("products of one kind are not closer in taste space (%.2f) than others of the category (%.2f)", same, other)
	}
}

func TestWeekendsAndEveningsAreBusier(t *testing.T) {
	s := loadShop(t, smallOptions(24))
	occurred, session := column(t, s.ev, "occurred_at"), column(t, s.ev, "session_id")
	var weekday, weekend, evening, night float64
	seen := map[string]bool{}
	for _, row := range s.events {
		if seen[session(row)] {
			continue
		}
		seen[session(row)] = true
		tm := parseTime(t, occurred(row))
		if d := tm.Weekday(); d == time.Saturday || d == time.Sunday {
			weekend++
		} else {
			weekday++
		}
		// Most customers live one hour east of UTC; compare 19-22 h with 2-5 h UTC.
		switch h := tm.Hour(); {
		case h >= 18 && h < 22:
			evening++
		case h >= 2 && h < 6:
			night++
		}
	}
	if perDay := (weekend / 2) / (weekday / 5); perDay < 1.15 {
		t.Errorf("sessions per weekend day / per weekday = %.2f, want clearly above 1", perDay)
	}
	if evening < 3*night {
		t.Errorf("%v evening sessions against %v at night", evening, night)
	}
}

// Each customer draws from a stream seeded by (seed, customer index), so a larger shop
// starts with exactly the customers, orders and events of a smaller one.
func TestALargerShopStartsWithTheSmallerShop(t *testing.T) {
	small, large := smallOptions(26), smallOptions(26)
	small.Customers, large.Customers = 50, 120
	smallDir, _ := generate(t, small)
	largeDir, _ := generate(t, large)
	for _, name := range []string{CustomersFile, OrdersFile, EventsFile} {
		a, err := os.ReadFile(filepath.Join(smallDir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(largeDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) <= len(a) || !bytes.HasPrefix(b, a) {
			t.Errorf("%s of 120 customers does not start with the file of 50 customers", name)
		}
	}
}
