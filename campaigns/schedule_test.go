package campaigns

import (
	"errors"
	"testing"
	"time"
)

func TestParseCronNamesTheBadField(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"an empty expression is required", "", "cron_expr: is required"},
		{"a minute of 61 is out of range", "61 * * * *", "cron_expr: minute field: 61 is out of range 0-59"},
		{"an hour of 24 is out of range", "0 24 * * *", "cron_expr: hour field: 24 is out of range 0-23"},
		{"day 0 of the month is out of range", "0 9 0 * *", "cron_expr: day-of-month field: 0 is out of range 1-31"},
		{"month 13 is out of range", "0 9 1 13 *", "cron_expr: month field: 13 is out of range 1-12"},
		{"day of week 7 is out of range", "0 9 * * 7", "cron_expr: day-of-week field: 7 is out of range 0-6"},
		{"the end of a range is checked too", "0 9-25 * * *", "cron_expr: hour field: 25 is out of range 0-23"},
		{"a backwards range is explained", "0 17-9 * * *", "cron_expr: hour field: range 17-9 starts after it ends"},
		{"a word is not a number", "x * * * *", `cron_expr: minute field: "x" is not a number`},
		{"a zero step is refused", "*/0 * * * *", "cron_expr: minute field: the step after / must be a positive number"},
		{"four fields are too few", "0 9 * *", "cron_expr: expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
		{"six fields (with seconds) are too many", "0 0 9 * * *", "cron_expr: expected 5 fields (minute hour day-of-month month day-of-week), found 6"},
		{"an unknown descriptor is named", "@fortnightly", "cron_expr: unknown descriptor @fortnightly (use @yearly, @monthly, @weekly, @daily or @hourly)"},
		{"@every below a minute is refused", "@every 10s", "cron_expr: @every must be at least 1m"},
		{"@every needs a duration", "@every soon", "cron_expr: @every needs a duration such as 1h or 30m"},
		{"a time zone prefix is refused", "CRON_TZ=Europe/Paris 0 9 * * *", "cron_expr: time zones are not supported: schedules run in UTC"},
		{"a date that never comes is refused", "0 0 30 2 *", "cron_expr: never matches a date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCron(tc.expr)
			var ce *CronError
			if !errors.As(err, &ce) {
				t.Fatalf("ParseCron(%q) = %v, want a *CronError", tc.expr, err)
			}
			if err.Error() != tc.want {
				t.Errorf("ParseCron(%q)\n got %q\nwant %q", tc.expr, err, tc.want)
			}
		})
	}
}

func TestParseCronAcceptsStandardExpressionsAndDescriptors(t *testing.T) {
	for _, expr := range []string{"0 9 * * *", "*/15 * * * *", "30 8 * * MON", "0 18 * * 1-5", "0 9 1,15 * *",
		"@daily", "@hourly", "@weekly", "@monthly", "@yearly", "@every 1h30m", "  0   9 * * *  "} {
		if _, err := ParseCron(expr); err != nil {
			t.Errorf("ParseCron(%q) = %v", expr, err)
		}
	}
}

func TestDescribeCronInPlainEnglish(t *testing.T) {
	cases := []struct{ expr, want string }{
		{"0 9 * * *", "every day at 09:00"},
		{"30 8 * * 1", "every Monday at 08:30"},
		{"30 8 * * mon", "every Monday at 08:30"},
		{"0 10 * * 1,3,5", "every Monday, Wednesday and Friday at 10:00"},
		{"*/15 * * * *", "every 15 minutes"},
		{"* * * * *", "every minute"},
		{"0 9 1 * *", "at 09:00 on day 1 of the month"},
		{"0 9 1,15 * *", "at 09:00 on days 1 and 15 of the month"},
		{"0 18 * * 1-5", "weekdays at 18:00"},
		{"0 18 * * MON-FRI", "weekdays at 18:00"},
		{"0 10 * * 0,6", "weekends at 10:00"},
		{"0 9,17 * * *", "every day at 09:00 and 17:00"},
		{"15 * * * *", "every hour at minute 15"},
		{"0 * * * *", "every hour on the hour"},
		{"5 */2 * * *", "every 2 hours at minute 5"},
		{"0 8 24 12 *", "every year on 24 December at 08:00"},
		{"@daily", "every day at 00:00"},
		{"@weekly", "every Sunday at 00:00"},
		{"@monthly", "at 00:00 on day 1 of the month"},
		{"@hourly", "every hour on the hour"},
		{"@every 90m", "every 1 hour 30 minutes"},
		{"@every 2h", "every 2 hours"},
		{"*/10 9-17 * * 1-5", "every 10 minutes, hour 9-17, every day-of-month, every month, day-of-week 1-5"},
		{"0 9 * 1-3 *", "minute 0, hour 9, every day-of-month, month 1-3, every day-of-week"},
		{"61 * * * *", `invalid schedule "61 * * * *"`},
		{"", "no schedule"},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			if got := DescribeCron(tc.expr); got != tc.want {
				t.Errorf("DescribeCron(%q) = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestNextRunsListsTheComingFiringsInUTC(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	cases := []struct {
		name string
		expr string
		from time.Time
		n    int
		want []time.Time
	}{
		{"Monday mornings from a Wednesday", "30 8 * * 1", t0, 2, []time.Time{
			time.Date(2025, 3, 17, 8, 30, 0, 0, time.UTC), time.Date(2025, 3, 24, 8, 30, 0, 0, time.UTC)}},
		{"quarter hours start strictly after from", "*/15 * * * *", t0, 3, []time.Time{
			t0.Add(15 * time.Minute), t0.Add(30 * time.Minute), t0.Add(45 * time.Minute)}},
		// 09:30 in Paris is 08:30 UTC, so 09:00 UTC the same day is still to come.
		{"a from in another zone is read as the UTC instant it is", "0 9 * * *", time.Date(2025, 3, 12, 9, 30, 0, 0, paris), 1, []time.Time{
			time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)}},
		{"an invalid expression gives nothing", "61 * * * *", t0, 3, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := NextRuns(tc.expr, tc.from, tc.n)
			if len(got) != len(tc.want) {
				t.Fatalf("NextRuns = %v, want %v", got, tc.want)
			}
			for i := range got {
				if !got[i].Equal(tc.want[i]) || got[i].Location() != time.UTC {
					t.Errorf("run %d = %v, want %v in UTC", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestLatestDuePicksTheLastMissedFiring(t *testing.T) {
	sched, _ := ParseCron("*/10 * * * *")
	cases := []struct {
		name       string
		after, now time.Time
		want       time.Time
		ok         bool
	}{
		{"nothing is due before the first firing", t0, t0.Add(9 * time.Minute), time.Time{}, false},
		{"the firing at now itself is due", t0, t0.Add(10 * time.Minute), t0.Add(10 * time.Minute), true},
		{"of several missed the latest wins", t0, t0.Add(3*time.Hour + 34*time.Minute), t0.Add(3*time.Hour + 30*time.Minute), true},
		{"a missed year is found without stepping through it", t0, t0.Add(400*24*time.Hour + 5*time.Minute), t0.Add(400 * 24 * time.Hour), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := latestDue(sched, tc.after, tc.now)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("latestDue = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
