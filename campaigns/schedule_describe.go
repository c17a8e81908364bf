package campaigns

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

var weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

var monthNames = []string{"", "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}

// cronNames are the three-letter names robfig accepts in the month and day-of-week fields.
var cronNames = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var cronDayNames = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// DescribeCron says in plain English when expr fires ("every Monday at 08:30"). Shapes it
// does not know are described field by field; it never returns an empty string.
func DescribeCron(expr string) string {
	expr = strings.Join(strings.Fields(expr), " ")
	if _, err := ParseCron(expr); err != nil {
		if expr == "" {
			return "no schedule"
		}
		return "invalid schedule " + strconv.Quote(expr)
	}
	switch expr {
	case "@yearly", "@annually":
		return "every year on 1 January at 00:00"
	case "@monthly":
		return "at 00:00 on day 1 of the month"
	case "@weekly":
		return "every Sunday at 00:00"
	case "@daily", "@midnight":
		return "every day at 00:00"
	case "@hourly":
		return "every hour on the hour"
	}
	if d, ok := strings.CutPrefix(expr, "@every "); ok {
		dur, _ := time.ParseDuration(d)
		return "every " + describeDuration(dur)
	}
	f := strings.Fields(expr)
	if s := describeShape(f[0], f[1], f[2], f[3], f[4]); s != "" {
		return s
	}
	return describeFields(f)
}

// describeShape handles the common shapes and returns "" for anything else.
func describeShape(min, hour, dom, month, dow string) string {
	if dom != "*" || month != "*" || dow != "*" {
		if min == "*" || hour == "*" || strings.Contains(min+hour, "/") {
			return ""
		}
	}
	if dom == "*" && month == "*" && dow == "*" {
		if n, ok := everyN(min); ok && hour == "*" {
			return plural(n, "minute")
		}
		if m, ok := cronNumber(min, nil); ok {
			if hour == "*" {
				if m == 0 {
					return "every hour on the hour"
				}
				return fmt.Sprintf("every hour at minute %d", m)
			}
			if n, ok := everyN(hour); ok {
				return fmt.Sprintf("%s at minute %d", plural(n, "hour"), m)
			}
		}
	}
	at := clockTimes(min, hour)
	if at == "" {
		return ""
	}
	switch {
	case dom == "*" && month == "*" && dow == "*":
		return "every day at " + at
	case dom == "*" && month == "*":
		days, ok := cronList(dow, cronDayNames)
		if !ok {
			return ""
		}
		switch {
		case slices.Equal(days, []int{1, 2, 3, 4, 5}):
			return "weekdays at " + at
		case slices.Equal(days, []int{0, 6}):
			return "weekends at " + at
		}
		names := make([]string, len(days))
		for i, d := range days {
			names[i] = weekdayNames[d]
		}
		return "every " + joinAnd(names) + " at " + at
	case dow == "*" && month == "*":
		days, ok := cronList(dom, nil)
		if !ok {
			return ""
		}
		if len(days) == 1 {
			return fmt.Sprintf("at %s on day %d of the month", at, days[0])
		}
		return fmt.Sprintf("at %s on days %s of the month", at, joinAnd(itoas(days)))
	case dow == "*":
		d, okD := cronNumber(dom, nil)
		m, okM := cronNumber(month, cronNames)
		if !okD || !okM {
			return ""
		}
		return fmt.Sprintf("every year on %d %s at %s", d, monthNames[m], at)
	}
	return ""
}

// clockTimes lists the HH:MM times of plain minute and hour lists ("09:00 and 17:00"), or "".
func clockTimes(min, hour string) string {
	ms, okM := cronList(min, nil)
	hs, okH := cronList(hour, nil)
	if !okM || !okH || len(ms)*len(hs) > 4 {
		return ""
	}
	var out []string
	for _, h := range hs {
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%02d:%02d", h, m))
		}
	}
	return joinAnd(out)
}

// describeFields is the fallback: every field in words, in order.
func describeFields(f []string) string {
	parts := make([]string, len(f))
	for i, v := range f {
		name := cronFields[i].name
		switch n, ok := everyN(v); {
		case v == "*" || v == "?":
			parts[i] = "every " + name
		case ok:
			parts[i] = plural(n, name)
		default:
			parts[i] = name + " " + v
		}
	}
	return strings.Join(parts, ", ")
}

// everyN recognises "*/N" (and "*" as N = 1).
func everyN(v string) (int, bool) {
	if v == "*" {
		return 1, true
	}
	s, ok := strings.CutPrefix(v, "*/")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// cronNumber parses a single number or name.
func cronNumber(v string, names map[string]int) (int, bool) {
	if n, ok := names[strings.ToLower(v)]; ok {
		return n, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// cronList expands a list of numbers and plain ranges ("1-5", "1,3,5") into sorted values.
func cronList(v string, names map[string]int) ([]int, bool) {
	var out []int
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, ok := cronNumber(lo, names)
		if !ok {
			return nil, false
		}
		b := a
		if isRange {
			if b, ok = cronNumber(hi, names); !ok || b < a {
				return nil, false
			}
		}
		for i := a; i <= b; i++ {
			if !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	slices.Sort(out)
	return out, len(out) > 0
}

func plural(n int, unit string) string {
	if n == 1 {
		return "every " + unit
	}
	return fmt.Sprintf("every %d %ss", n, unit)
}

// describeDuration writes 90m as "1 hour 30 minutes".
func describeDuration(d time.Duration) string {
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "day"}, {time.Hour, "hour"}, {time.Minute, "minute"}, {time.Second, "second"}} {
		if n := int(d / u.d); n > 0 {
			d -= time.Duration(n) * u.d
			s := fmt.Sprintf("%d %s", n, u.name)
			if n > 1 {
				s += "s"
			}
			parts = append(parts, s)
		}
	}
	if len(parts) > 0 && strings.HasPrefix(parts[0], "1 ") && len(parts) == 1 {
		return strings.TrimPrefix(parts[0], "1 ")
	}
	return strings.Join(parts, " ")
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func itoas(ns []int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return out
}
