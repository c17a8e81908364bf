package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// recItems is the items list of a recommendations answer.
type recItems []struct {
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
	Category  string `json:"category"`
	Algorithm string `json:"algorithm"`
	Reason    string `json:"reason"`
}

func (s *shop) recommendations(customer string, q url.Values) recItems {
	s.t.Helper()
	code, body := s.api("GET", "/api/v1/customers/"+customer+"/recommendations?"+q.Encode(), nil)
	if code != 200 {
		s.t.Fatalf("recommendations for %s?%s: %d %v", customer, q.Encode(), code, body)
	}
	raw, _ := json.Marshal(body["items"])
	var items recItems
	if err := json.Unmarshal(raw, &items); err != nil {
		s.t.Fatal(err)
	}
	return items
}

func TestAnEventThroughTheAPIChangesTheNextRecommendationsAtOnce(t *testing.T) {
	s := newShop(t, 150)
	const customer = "C00003"
	q := url.Values{"n": {"10"}, "algorithm": {"item-to-item"}}
	before := s.recommendations(customer, q)
	if len(before) == 0 {
		t.Fatal("no recommendations before the order")
	}
	bought := before[0]
	start := time.Now()
	code, sum := s.api("POST", "/api/v1/orders", map[string]any{"order_id": "FRESH-1", "customer_id": customer,
		"product_id": bought.ProductID, "quantity": 1, "unit_price": 10, "ordered_at": time.Now().UTC().Format(time.RFC3339)})
	if code != 200 || sum["imported"].(float64) != 1 {
		t.Fatalf("post order: %d %v", code, sum)
	}
	var after recItems
	for {
		after = s.recommendations(customer, q)
		ids := make([]string, len(after))
		for i, it := range after {
			ids[i] = it.ProductID
		}
		if !slices.Contains(ids, bought.ProductID) {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatalf("a second after buying %s it is still recommended: %v", bought.ProductID, ids)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the purchase counted %s after the order was posted", time.Since(start).Round(time.Millisecond))
	explained := false
	for _, it := range after {
		explained = explained || strings.Contains(it.Reason, "bought "+bought.Name)
	}
	if !explained {
		t.Errorf("no recommendation is explained by the new purchase of %q: %+v", bought.Name, after)
	}
}

func TestRecommendationsAPIAppliesBusinessRules(t *testing.T) {
	s := newShop(t, 150)
	const customer = "C00005"
	all := s.recommendations(customer, url.Values{"n": {"20"}})
	if len(all) < 5 {
		t.Fatalf("only %d recommendations", len(all))
	}
	// Twenty items are over the 2 KB net/http would otherwise send in chunks.
	req, _ := http.NewRequest("GET", s.base+"/api/v1/customers/"+customer+"/recommendations?n=20", nil)
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if len(raw) < 2048 || resp.ContentLength != int64(len(raw)) || len(resp.TransferEncoding) > 0 {
		t.Errorf("a %d-byte answer came with Content-Length %d and Transfer-Encoding %v", len(raw), resp.ContentLength, resp.TransferEncoding)
	}
	category := all[0].Category
	only := s.recommendations(customer, url.Values{"n": {"5"}, "categories": {category}})
	for _, it := range only {
		if it.Category != category {
			t.Fatalf("categories=%s let %+v through", category, it)
		}
	}
	diverse := s.recommendations(customer, url.Values{"n": {"8"}, "max_per_category": {"1"}})
	seen := map[string]bool{}
	for _, it := range diverse {
		if seen[it.Category] {
			t.Fatalf("max_per_category=1 gave two of %s: %+v", it.Category, diverse)
		}
		seen[it.Category] = true
	}
	for _, bad := range []struct{ query, field string }{
		{"max_price=cheap", "max_price"}, {"algorithm=telepathy", "algorithm"}, {"min_price=9&max_price=3", "max_price"},
	} {
		code, body := s.api("GET", "/api/v1/customers/"+customer+"/recommendations?"+bad.query, nil)
		if code != 422 || !strings.Contains(strings.ToLower(jsonString(body)), bad.field) {
			t.Errorf("%s: %d %v, want 422 naming %s", bad.query, code, body, bad.field)
		}
	}
	// A customer the shop never sent is a 404 that names the id asked for.
	if code, body := s.api("GET", "/api/v1/customers/NOBODY-7/recommendations", nil); code != 404 || !strings.Contains(jsonString(body), "NOBODY-7") {
		t.Errorf("unknown customer: %d %v, want 404 naming NOBODY-7", code, body)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestAProductUpdateThroughTheAPIChangesTheNextRecommendationsAtOnce(t *testing.T) {
	s := newShop(t, 150)
	const customer = "C00003"
	q := url.Values{"n": {"10"}, "algorithm": {"item-to-item"}}
	before := s.recommendations(customer, q)
	if len(before) < 2 {
		t.Fatalf("%d recommendations before the update, want two or more", len(before))
	}
	gone, renamed := before[0], before[1]
	code, sum := s.api("POST", "/api/v1/products", []map[string]any{
		{"product_id": gone.ProductID, "name": gone.Name, "category": gone.Category, "price": 10, "in_stock": false},
		{"product_id": renamed.ProductID, "name": "Renamed " + renamed.Name, "category": renamed.Category, "price": 10, "in_stock": true},
	})
	if code != 200 || sum["updated"].(float64) != 2 {
		t.Fatalf("post products: %d %v", code, sum)
	}
	after := s.recommendations(customer, q)
	names := map[string]string{}
	for _, it := range after {
		names[it.ProductID] = it.Name
	}
	if _, ok := names[gone.ProductID]; ok {
		t.Errorf("%s is out of stock but still recommended: %+v", gone.ProductID, after)
	}
	if got, ok := names[renamed.ProductID]; ok && got != "Renamed "+renamed.Name {
		t.Errorf("%s is shown as %q after its new name was posted", renamed.ProductID, got)
	}
	if _, ok := names[renamed.ProductID]; !ok {
		t.Errorf("%s left the list though only its name changed: %+v", renamed.ProductID, after)
	}
}
