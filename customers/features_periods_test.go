package customers

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// loadWindowFixture imports customers whose events and orders sit on the window
// boundaries of testNow (2024-06-01 12:00:00): the 7-day window starts 2024-05-25 12:00,
// the 30-day one 2024-05-02 12:00 and the 90-day one 2024-03-03 12:00.
func loadWindowFixture(t *testing.T, s *Service) {
	t.Helper()
	importText(t, s, KindCustomers, "customer_id,signup_at\n"+
		"W,2024-05-22 12:00:00\n"+ // exactly 10 days before now
		"X,2024-05-22 12:00:01\n"+ // a second short of 10 days
		"Y,\n"+
		"Z,2024-07-01 00:00:00\n") // after now
	importText(t, s, KindEvents, "customer_id,type,occurred_at\n"+
		"W,view,2024-05-25 12:00:00\n"+
		"W,view,2024-05-25 11:59:59\n"+
		"W,cart,2024-05-02 12:00:00\n"+
		"W,cart,2024-05-02 11:59:59\n"+
		"W,search,2024-03-03 12:00:00\n"+
		"W,search,2024-03-03 11:59:59\n"+
		"W,click,2024-05-31 00:00:00\n"+
		"W,purchase,2024-05-31 00:00:00\n")
	importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at\n"+
		"w1,W,p1,1,10,2024-05-25 12:00:00\nw1,W,p2,1,10,2024-05-25 12:00:00\nw1,W,p3,1,10,2024-05-25 12:00:00\n"+
		"w2,W,p1,1,10,2024-04-01 12:00:00\n"+
		"w3,W,p1,1,10,2023-12-01 12:00:00\n")
}

// eventCountsText writes counts back as JSON, types in name order.
func eventCountsText(counts map[string]WindowCounts) string {
	b, err := json.Marshal(counts)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// windowsOf lists a customer's window counts and signup age as one comparable text.
func windowsOf(f Features) string {
	days := "nil"
	if f.DaysSinceSignup != nil {
		days = fmt.Sprint(*f.DaysSinceSignup)
	}
	return fmt.Sprintf("views=%v carts=%v purchases=%v searches=%v counts=%v signup=%s",
		f.Views, f.Carts, f.Purchases, f.Searches, eventCountsText(f.EventCounts), days)
}

func TestWindowsCountFromTheirFirstInstantAndSignupAgeInWholeDays(t *testing.T) {
	cases := []struct {
		ext, want string
	}{
		{"W", `views={1 2 2} carts={0 1 2} purchases={1 1 2} searches={0 0 1} counts={"cart":{"7":0,"30":1,"90":2},` +
			`"click":{"7":1,"30":1,"90":1},"purchase":{"7":1,"30":1,"90":1},"search":{"7":0,"30":0,"90":1},` +
			`"view":{"7":1,"30":2,"90":2}} signup=10`},
		{"X", `views={0 0 0} carts={0 0 0} purchases={0 0 0} searches={0 0 0} counts={} signup=9`},
		{"Y", `views={0 0 0} carts={0 0 0} purchases={0 0 0} searches={0 0 0} counts={} signup=nil`},
		{"Z", `views={0 0 0} carts={0 0 0} purchases={0 0 0} searches={0 0 0} counts={} signup=0`},
	}
	for _, mode := range []string{"rebuild", "refresh"} {
		s := newTestService(t)
		ctx := context.Background()
		loadWindowFixture(t, s)
		var ids []int64
		for _, c := range cases {
			ids = append(ids, customerByExt(t, s, c.ext).ID)
		}
		var err error
		if mode == "rebuild" {
			err = s.RebuildFeatures(ctx)
		} else {
			err = s.RefreshFeatures(ctx, append(ids, ids...)) // each customer twice, as a batch may name them
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range cases {
			t.Run(fmt.Sprintf("%s of %s", mode, c.ext), func(t *testing.T) {
				f, err := s.Features(ctx, ids[i])
				if err != nil {
					t.Fatal(err)
				}
				if got := windowsOf(f); got != c.want {
					t.Fatalf("\n got %s\nwant %s", got, c.want)
				}
				if f.ComputedAt == nil || !f.ComputedAt.Equal(testNow) {
					t.Fatalf("computed at %v, want %v", f.ComputedAt, testNow)
				}
			})
		}
		if mode == "rebuild" {
			if f, _ := s.Features(ctx, ids[0]); f.EventCount != 8 || f.Frequency != 3 {
				t.Fatalf("W has %d events and %d orders in all, want 8 and 3", f.EventCount, f.Frequency)
			}
		}
	}
}

func TestCategorySharesListEveryCategoryLargestFirst(t *testing.T) {
	s := newTestService(t)
	importText(t, s, KindProducts, "product_id,name,category\n"+
		"a,A,A\nb,B,B\nc,C,C\nd,D,D\nnone,No category,\n"+
		"shoes,Shoes,Shoes\nhats,Hats,Hats\nbags,Bags,Bags\nhome,Rake,\"Home, Garden: Tools\"\n")
	importText(t, s, KindOrders, "order_id,customer_id,product_id,quantity,unit_price,ordered_at\n"+
		"1,ties,b,1,10,2024-05-01\n1,ties,a,1,10,2024-05-01\n1,ties,c,1,60,2024-05-01\n1,ties,d,1,5,2024-05-01\n1,ties,none,1,15,2024-05-01\n"+
		"2,returns,shoes,1,80,2024-05-01\n2,returns,hats,-1,20,2024-05-01\n2,returns,bags,1,20,2024-05-01\n"+
		"3,names,home,1,7,2024-05-01\n"+
		"4,refunded,hats,-1,5,2024-05-01\n")
	if err := s.RebuildFeatures(context.Background()); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, ext, shares, top string
	}{
		{"ties are ordered by name and spend without a category still counts in the total", "ties",
			"C:0.60,A:0.10,B:0.10,D:0.05", "C:0.60,A:0.10,B:0.10"},
		{"returns are left out of the total", "returns", "Shoes:0.80,Bags:0.20", "Shoes:0.80,Bags:0.20"},
		{"separators in names are replaced", "names", "Home  Garden  Tools:1.00", "Home  Garden  Tools:1.00"},
		{"no positive spend gives nothing", "refunded", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got struct {
				Shares string `gorm:"column:category_shares"`
				Top    string `gorm:"column:top_categories"`
			}
			s.DB.Raw(`SELECT category_shares, top_categories FROM customer_features WHERE customer_id = ?`,
				customerByExt(t, s, c.ext).ID).Scan(&got)
			if got.Shares != c.shares || got.Top != c.top {
				t.Fatalf("shares %q, top %q; want %q and %q", got.Shares, got.Top, c.shares, c.top)
			}
			f, err := s.Features(context.Background(), customerByExt(t, s, c.ext).ID)
			if err != nil || formatShares(f.CategoryShares) != c.shares {
				t.Fatalf("Features().CategoryShares = %v, %v", f.CategoryShares, err)
			}
		})
	}
}

// formatShares writes shares back in the stored form.
func formatShares(shares []CategoryShare) string {
	out := ""
	for i, cs := range shares {
		if i > 0 {
			out += ","
		}
		out += fmt.Sprintf("%s:%.2f", cs.Category, cs.Share)
	}
	return out
}
