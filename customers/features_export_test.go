package customers

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

func TestExportFeaturesWritesOneRowPerCustomerWithEveryColumn(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	loadRFMFixture(t, s)
	if err := s.RebuildFeatures(ctx); err != nil {
		t.Fatal(err)
	}
	importText(t, s, KindCustomers, "customer_id,signup_at\nc13,2024-01-01 00:00:00\n") // after the rebuild
	var buf bytes.Buffer
	n, err := s.ExportFeatures(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := "customer_id,recency_days,frequency,monetary,avg_order_value,browse_seconds,event_count," +
		"first_order_at,last_order_at,last_event_at,last_activity_at,recency_score,frequency_score,monetary_score," +
		"rfm_tier,days_since_signup,views_7d,views_30d,views_90d,carts_7d,carts_30d,carts_90d," +
		"purchases_7d,purchases_30d,purchases_90d,searches_7d,searches_30d,searches_90d," +
		"top_categories,category_shares,event_counts,computed_at"
	if got := strings.Join(records[0], ","); got != wantHeader {
		t.Fatalf("header\n got %s\nwant %s", got, wantHeader)
	}
	if n != 13 || len(records) != 14 {
		t.Fatalf("wrote %d customers in %d records, want 13 after the header", n, len(records))
	}
	rows := map[string]map[string]string{}
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, col := range records[0] {
			row[col] = rec[i]
		}
		rows[rec[0]] = row
	}
	if records[1][0] != "c01" || records[13][0] != "c13" {
		t.Errorf("rows are not in customer order: first %s, last %s", records[1][0], records[13][0])
	}
	cases := []struct {
		name, ext string
		want      map[string]string
	}{
		{"a champion", "c01", map[string]string{"recency_days": "1", "frequency": "5", "monetary": "500",
			"avg_order_value": "100", "first_order_at": "2023-11-14T12:00:00Z", "last_order_at": "2024-05-31T12:00:00Z",
			"last_activity_at": "2024-05-31T12:00:00Z", "last_event_at": "", "recency_score": "5", "frequency_score": "5",
			"monetary_score": "5", "rfm_tier": "champions", "days_since_signup": "", "purchases_7d": "1",
			"purchases_30d": "1", "purchases_90d": "2", "event_counts": "{}", "computed_at": "2024-06-01T12:00:00Z"}},
		{"a customer with one view and no orders", "c11", map[string]string{"recency_days": "", "frequency": "0",
			"event_count": "1", "views_7d": "1", "views_90d": "1", "rfm_tier": "", "recency_score": "0",
			"event_counts": `{"view":{"7":1,"30":1,"90":1}}`, "last_event_at": "2024-05-30T10:00:00Z"}},
		{"a customer whose features were never computed", "c13", map[string]string{"frequency": "0", "monetary": "0",
			"rfm_tier": "", "days_since_signup": "", "event_counts": "{}", "computed_at": ""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			row := rows[c.ext]
			for col, want := range c.want {
				if row[col] != want {
					t.Errorf("%s = %q, want %q", col, row[col], want)
				}
			}
		})
	}
}
