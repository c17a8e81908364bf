package segments

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The decoders below read a condition's JSON value. They accept what an HTML form hands a
// script as well as typed JSON: a number may come as "100", a text as 7.

// decodeString reads a JSON string (or a number, taken as its text) of at most maxTextLen
// characters.
func decodeString(raw json.RawMessage) (string, bool) {
	if isNull(raw) {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", false
		}
		s = n.String()
	}
	return s, utf8.RuneCountInString(s) <= maxTextLen
}

// decodeStrings reads a JSON list of texts.
func decodeStrings(raw json.RawMessage) ([]string, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		s, ok := decodeString(item)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// decodeNumber reads a finite JSON number, or a string holding one, within ±maxNumber.
func decodeNumber(raw json.RawMessage) (float64, bool) {
	if isNull(raw) {
		return 0, false
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, false
		}
		if v, err = strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return 0, false
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > maxNumber {
		return 0, false
	}
	return v, true
}

// decodeRange reads [low, high] with low ≤ high.
func decodeRange(raw json.RawMessage) (lo, hi float64, ok bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) != 2 {
		return 0, 0, false
	}
	lo, okLo := decodeNumber(items[0])
	hi, okHi := decodeNumber(items[1])
	return lo, hi, okLo && okHi && lo <= hi
}

// decodeDate reads "YYYY-MM-DD" as midnight UTC of that day.
func decodeDate(raw json.RawMessage) (time.Time, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, false
	}
	return parseDay(s)
}

// parseDay reads "YYYY-MM-DD" as midnight UTC of that day.
func parseDay(s string) (time.Time, bool) {
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return day.UTC(), true
}

// decodeDateRange reads ["YYYY-MM-DD", "YYYY-MM-DD"] with the first day not after the second.
func decodeDateRange(raw json.RawMessage) (lo, hi time.Time, ok bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) != 2 {
		return time.Time{}, time.Time{}, false
	}
	lo, okLo := decodeDate(items[0])
	hi, okHi := decodeDate(items[1])
	return lo, hi, okLo && okHi && !hi.Before(lo)
}

// decodeNumbers reads a JSON list of 1 to maxInValues numbers (or numeric texts).
func decodeNumbers(raw json.RawMessage) ([]float64, bool) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || len(items) == 0 || len(items) > maxInValues {
		return nil, false
	}
	out := make([]float64, 0, len(items))
	for _, item := range items {
		v, ok := decodeNumber(item)
		if !ok {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// isNull tells whether a value is missing: absent, or JSON null (which json.Unmarshal
// would otherwise quietly read as "" or 0).
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}
