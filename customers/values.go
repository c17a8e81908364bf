package customers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// maxIDLength bounds external ids, order ids and session ids.
const maxIDLength = 255

// maxTextLength bounds every other text cell.
const maxTextLength = 10000

const dateHint = "(use RFC 3339, YYYY-MM-DD HH:MM:SS, M/D/YYYY H:MM or Unix seconds)"

// timeLayouts are tried in order; forms without a zone are read as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"1/2/2006 15:04",
	"1/2/2006 15:04:05",
	"1/2/2006",
}

// parseTime reads a cell in one of the accepted timestamp forms and returns it in UTC,
// truncated to seconds, which is how every time is stored.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if isInteger(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return validYear(time.Unix(n, 0).UTC())
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return validYear(t.UTC().Truncate(time.Second))
		}
	}
	return time.Time{}, false
}

// validYear refuses times both databases cannot store as the same text, such as
// milliseconds mistaken for seconds.
func validYear(t time.Time) (time.Time, bool) {
	if t.Year() < 1000 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}

func isInteger(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseBool reads true/false/1/0/yes/no in any case; empty is false.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true, true
	case "false", "0", "no", "":
		return false, true
	}
	return false, false
}

// parseNumber reads a finite decimal number.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// isEmail accepts a bare address (no display name) that net/mail can parse.
func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// isWebURL accepts absolute http and https URLs, so a template never links to javascript:,
// and paths on this Persona ("/static/img/..."), which messages make absolute with
// PERSONA_BASE_URL.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	if u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return true
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

var eventTypeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

var pandasIntRE = regexp.MustCompile(`^[0-9]+\.0+$`)

// normalizeCustomerID trims the id and turns "17850.0", as spreadsheet exports write
// integer ids, into "17850".
func normalizeCustomerID(s string) string {
	s = strings.TrimSpace(s)
	// Most ids have no dot: they skip the regular expression (every imported row and
	// every recommendations request comes through here).
	if dot := strings.IndexByte(s, '.'); dot > 0 && pandasIntRE.MatchString(s) {
		s = s[:dot]
	}
	return s
}

// Messages for rejected values; each is shown after the column name.
const (
	msgRequired  = "is required"
	hintBool     = "(use true, false, yes, no, 1 or 0)"
	hintURL      = "is not an http(s) URL or a path starting with /"
	hintType     = "is not an event type (a lowercase word: letters, digits, _; at most 32)"
	hintTooLong  = "is longer than %d characters"
	hintNotEmail = "is not an email address"
)

func msgNotDate(v string) string   { return fmt.Sprintf("%q is not a date %s", v, dateHint) }
func msgNotNumber(v string) string { return fmt.Sprintf("%q is not a number", v) }
func msgNotBool(v string) string   { return fmt.Sprintf("%q is not true/false %s", v, hintBool) }
func msgNotEmail(v string) string  { return fmt.Sprintf("%q %s", v, hintNotEmail) }
func msgNotURL(v string) string    { return fmt.Sprintf("%q %s", v, hintURL) }
func msgEventType(v string) string { return fmt.Sprintf("%q %s", v, hintType) }
func msgTooLong(n int) string      { return fmt.Sprintf(hintTooLong, n) }

// Scalar is a JSON string, number or boolean kept as its text, so API input goes
// through exactly the parsing a CSV cell does. JSON null and an absent key are "".
type Scalar string

// UnmarshalJSON accepts a string, a number, true, false or null.
func (v *Scalar) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty JSON value")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Scalar(s)
	case string(b) == "null":
		*v = ""
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("want a string, number or boolean, got %s", b[:1])
	default:
		*v = Scalar(b)
	}
	return nil
}
