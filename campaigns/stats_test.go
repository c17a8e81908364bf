package campaigns

import (
	"context"
	"testing"
	"time"
)

func TestStatsAndOverviewMatchHandCounts(t *testing.T) {
	f := newFixture(t)
	ch := &fakeChannel{fail: func(m Outgoing, _ int) error {
		if m.To == "e@example.com" {
			return errTransient
		}
		return nil
	}}
	s := f.service(func(o *Options) { o.Channel = ch })
	ctx := context.Background()
	day := 24 * time.Hour
	cust := map[string]int64{}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		cust[n] = f.customer(n+"@example.com", n, "X")
	}
	f.exec(`UPDATE customers SET consent_email = ? WHERE id = ?`, false, cust["d"])
	shirt := f.product("Shirt")
	a, b := f.campaign(s, "A"), f.campaign(s, "B")
	s.opts.Audience = fakeAudience{where: map[int64]string{b.SegmentID: "email = 'b@example.com'"}}

	// Day 1 (12 March): A goes to a, b and c; d is skipped; e fails three times.
	if _, err := s.Launch(ctx, a.ID, "k"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < maxAttempts; i++ {
		drain(t, s, ch)
		f.clock.Advance(5 * time.Minute)
	}
	// Day 2: B goes to b; a opens A twice and clicks it twice, b opens A once.
	f.clock.Set(t0.Add(day))
	if _, err := s.Launch(ctx, b.ID, "k"); err != nil {
		t.Fatal(err)
	}
	drain(t, s, ch)
	delivery := func(c Campaign, who string) int64 {
		var id int64
		f.db.Raw(`SELECT id FROM deliveries WHERE campaign_id = ? AND customer_id = ?`, c.ID, cust[who]).Scan(&id)
		return id
	}
	sign := s.opts.Signer.Sign
	for _, d := range []int64{delivery(a, "a"), delivery(a, "a"), delivery(a, "b")} {
		if err := s.Open(ctx, sign(TokenOpen, d)); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Set(t0.Add(day + time.Hour))
	clickAt(t, f, s, a.ID, cust["a"], t0.Add(day+time.Hour))
	clickAt(t, f, s, a.ID, cust["a"], t0.Add(day+2*time.Hour))
	// Day 3: c clicks; a and c order.
	clickAt(t, f, s, a.ID, cust["c"], t0.Add(2*day))
	f.orderLine("O-a", cust["a"], shirt, 30, t0.Add(2*day+time.Hour))
	f.orderLine("O-c", cust["c"], shirt, 10, t0.Add(2*day+2*time.Hour))
	f.orderLine("O-c", cust["c"], f.product("Socks"), 2.5, t0.Add(2*day+2*time.Hour))
	if n, err := s.Attribute(ctx); err != nil || n != 2 {
		t.Fatalf("Attribute = %d, %v", n, err)
	}
	// Day 5: b opens B, after the overview period.
	f.clock.Set(t0.Add(4 * day))
	if err := s.Open(ctx, sign(TokenOpen, delivery(b, "b"))); err != nil {
		t.Fatal(err)
	}

	stats := []struct {
		campaign Campaign
		want     Stats
	}{
		{a, Stats{Recipients: 5, Sent: 3, Failed: 1, Opened: 2, Clicked: 2, Converted: 2, Revenue: 42.5}},
		{b, Stats{Recipients: 1, Sent: 1, Opened: 1}},
	}
	for _, tc := range stats {
		got, err := s.Stats(ctx, tc.campaign.ID)
		if err != nil || got != tc.want {
			t.Errorf("stats of %s = %+v, %v; want %+v", tc.campaign.Name, got, err, tc.want)
		}
	}

	all, err := s.AllStats(ctx)
	if err != nil || len(all) != 2 || all[a.ID] != stats[0].want || all[b.ID] != stats[1].want {
		t.Errorf("AllStats = %+v, %v; want the same as Stats of each campaign", all, err)
	}

	from := time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC)
	ov, err := s.Overview(ctx, from, from.Add(3*day))
	if err != nil {
		t.Fatal(err)
	}
	wantDays := []DayStats{
		{Day: from, Sent: 3},
		{Day: from.Add(day), Sent: 1, Opened: 2, Clicked: 1},
		{Day: from.Add(2 * day), Clicked: 1, Conversions: 2, Revenue: 42.5},
	}
	if len(ov.Days) != len(wantDays) {
		t.Fatalf("days = %+v", ov.Days)
	}
	for i, w := range wantDays {
		if g := ov.Days[i]; !g.Day.Equal(w.Day) || g.Sent != w.Sent || g.Opened != w.Opened || g.Clicked != w.Clicked ||
			g.Conversions != w.Conversions || g.Revenue != w.Revenue {
			t.Errorf("day %d = %+v, want %+v", i, g, w)
		}
	}
	if want := (Stats{Recipients: 6, Sent: 4, Failed: 1, Opened: 2, Clicked: 2, Converted: 2, Revenue: 42.5}); ov.Totals != want {
		t.Errorf("totals = %+v, want %+v", ov.Totals, want)
	}
}
