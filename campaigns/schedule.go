package campaigns

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// CronError explains why a cron expression was rejected; Msg names the bad field.
type CronError struct {
	Expr string
	Msg  string
}

// Error reads like "cron_expr: minute field: 61 is out of range 0-59".
func (e *CronError) Error() string { return "cron_expr: " + e.Msg }

// cronField describes one of the five standard fields.
type cronField struct {
	name     string
	min, max int
}

var cronFields = []cronField{
	{"minute", 0, 59},
	{"hour", 0, 23},
	{"day-of-month", 1, 31},
	{"month", 1, 12},
	{"day-of-week", 0, 6},
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseCron parses a standard five-field cron expression or a descriptor such as @daily.
// Schedules run in UTC. Errors are *CronError values naming the field at fault.
func ParseCron(expr string) (cron.Schedule, error) {
	expr = strings.Join(strings.Fields(expr), " ")
	fail := func(format string, args ...any) (cron.Schedule, error) {
		return nil, &CronError{Expr: expr, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case expr == "":
		return fail("is required")
	case strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ="):
		return fail("time zones are not supported: schedules run in UTC")
	case strings.HasPrefix(expr, "@every"):
		d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(expr, "@every")))
		if err != nil {
			return fail("@every needs a duration such as 1h or 30m")
		}
		if d < time.Minute {
			return fail("@every must be at least 1m")
		}
	case strings.HasPrefix(expr, "@"):
		if !descriptors[expr] {
			return fail("unknown descriptor %s (use @yearly, @monthly, @weekly, @daily or @hourly)", expr)
		}
	default:
		fields := strings.Fields(expr)
		if len(fields) != len(cronFields) {
			return fail("expected 5 fields (minute hour day-of-month month day-of-week), found %d", len(fields))
		}
		for i, f := range cronFields {
			// Parse the field alone, the others as "*", so a robfig error belongs to it.
			probe := []string{"*", "*", "*", "*", "*"}
			probe[i] = fields[i]
			if _, err := cronParser.Parse(strings.Join(probe, " ")); err != nil {
				return fail("%s field: %s", f.name, explainCronError(err, f))
			}
		}
	}
	sched, err := cronParser.Parse("CRON_TZ=UTC " + expr)
	if err != nil {
		return fail("%s", err.Error())
	}
	// A valid-looking expression such as "0 0 30 2 *" never fires: robfig gives up after five years.
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return fail("never matches a date")
	}
	return sched, nil
}

var descriptors = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true,
}

var (
	reBelow    = regexp.MustCompile(`beginning of range \((\d+)\) below minimum`)
	reAbove    = regexp.MustCompile(`end of range \((\d+)\) above maximum`)
	reBackward = regexp.MustCompile(`beginning of range \((\d+)\) beyond end of range \((\d+)\)`)
	reNotInt   = regexp.MustCompile(`failed to parse int from ([^:]*):`)
)

// explainCronError rewrites one of robfig's field errors in words.
func explainCronError(err error, f cronField) string {
	msg := err.Error()
	if m := reBelow.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s is out of range %d-%d", m[1], f.min, f.max)
	}
	if m := reAbove.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s is out of range %d-%d", m[1], f.min, f.max)
	}
	if m := reBackward.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("range %s-%s starts after it ends", m[1], m[2])
	}
	if m := reNotInt.FindStringSubmatch(msg); m != nil {
		if m[1] == "" {
			return "a value is missing"
		}
		return fmt.Sprintf("%q is not a number", m[1])
	}
	switch {
	case strings.Contains(msg, "negative number"):
		return fmt.Sprintf("negative numbers are not allowed (range %d-%d)", f.min, f.max)
	case strings.Contains(msg, "step of range"):
		return "the step after / must be a positive number"
	case strings.Contains(msg, "too many hyphens"):
		return "a range has too many hyphens"
	case strings.Contains(msg, "too many slashes"):
		return "a step has too many slashes"
	}
	return msg
}

// NextRuns returns the next n firing times of expr strictly after from, in UTC; nil when
// expr is invalid.
func NextRuns(expr string, from time.Time, n int) []time.Time {
	sched, err := ParseCron(expr)
	if err != nil || n <= 0 {
		return nil
	}
	out := make([]time.Time, 0, n)
	t := from.UTC()
	for len(out) < n {
		t = sched.Next(t)
		if t.IsZero() {
			break
		}
		t = t.UTC()
		out = append(out, t)
	}
	return out
}

// latestDue returns the latest firing time t of sched with after < t <= now, or false.
// It searches growing windows back from now, so a long outage does not mean stepping
// through every missed minute since after.
func latestDue(sched cron.Schedule, after, now time.Time) (time.Time, bool) {
	first := sched.Next(after)
	if first.IsZero() || first.After(now) {
		return time.Time{}, false
	}
	// The last window (0) starts at after itself, where first is known to be due.
	for _, back := range []time.Duration{time.Hour, 25 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour, 0} {
		start := after
		if back > 0 && now.Add(-back).After(after) {
			start = now.Add(-back)
		}
		t := sched.Next(start)
		if t.IsZero() || t.After(now) {
			continue
		}
		for {
			n := sched.Next(t)
			if n.IsZero() || n.After(now) {
				return t.UTC(), true
			}
			t = n
		}
	}
	return first.UTC(), true
}
