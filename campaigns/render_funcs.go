package campaigns

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// renderFuncs is the reviewed list of functions a template may call, besides the pure
// comparisons in sandboxBuiltins. Each one is total and cheap: nothing reaches outside
// the data it is given.
var renderFuncs = map[string]any{
	"default":  fnDefault,
	"upper":    strings.ToUpper,
	"lower":    strings.ToLower,
	"title":    fnTitle,
	"money":    fnMoney,
	"truncate": fnTruncate,
}

// renderFuncUsage shows each function in use, for error messages.
var renderFuncUsage = map[string]string{
	"default":  `{{.Customer.FirstName | default "there"}}`,
	"upper":    `{{upper .Customer.City}}`,
	"lower":    `{{lower .Customer.Email}}`,
	"title":    `{{title .Customer.FirstName}}`,
	"money":    `{{money .Price .Currency}}`,
	"truncate": `{{.Name | truncate 40}}`,
}

// sandboxBuiltins are text/template's own functions that stay allowed, with their result
// type (nil when it depends on the arguments). call, print*, html, js, urlquery and slice
// are left out on purpose.
var sandboxBuiltins = map[string]reflect.Type{
	"eq": reflect.TypeFor[bool](), "ne": reflect.TypeFor[bool](),
	"lt": reflect.TypeFor[bool](), "le": reflect.TypeFor[bool](),
	"gt": reflect.TypeFor[bool](), "ge": reflect.TypeFor[bool](),
	"not": reflect.TypeFor[bool](), "and": nil, "or": nil,
	"len": reflect.TypeFor[int](), "index": nil,
}

// availableFuncs is the list shown to a marketer who used a function that does not exist.
const availableFuncs = "default, upper, lower, title, money, truncate, and the comparisons eq, ne, lt, le, gt, ge, and, or, not, len, index"

// fnDefault returns value, or fallback when value is empty (zero, or only spaces).
func fnDefault(fallback string, value any) string {
	if isEmptyValue(value) {
		return fallback
	}
	return fmt.Sprint(value)
}

func isEmptyValue(v any) bool {
	if v == nil {
		return true
	}
	if s, ok := v.(string); ok {
		return strings.TrimSpace(s) == ""
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	}
	return rv.IsZero()
}

// fnTitle capitalises the first letter of every word and lowers the rest, so both
// "emma" and "EMMA" become "Emma".
func fnTitle(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '-':
			start = true
			b.WriteRune(r)
		case start:
			b.WriteRune(unicode.ToUpper(r))
			start = false
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// currencySymbols are written before the amount; other currencies follow it as a code.
var currencySymbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£"}

// fnMoney writes a price with two decimals, thousands separators and its currency:
// "€1,234.50", "$9.99", "12.00 CHF". Prices stored as text (custom attributes) are parsed.
func fnMoney(price any, currency string) (string, error) {
	p, err := toFloat(price)
	if err != nil {
		return "", err
	}
	sign := ""
	if p < 0 {
		sign = "-"
		p = -p
	}
	digits := strconv.FormatFloat(p, 'f', 2, 64)
	whole, cents, _ := strings.Cut(digits, ".")
	amount := sign + groupThousands(whole) + "." + cents
	code := strings.ToUpper(strings.TrimSpace(currency))
	if sym, ok := currencySymbols[code]; ok {
		return sign + sym + groupThousands(whole) + "." + cents, nil
	}
	if code == "" {
		return amount, nil
	}
	return amount + " " + code, nil
}

func groupThousands(whole string) string {
	if len(whole) <= 3 {
		return whole
	}
	var b strings.Builder
	first := len(whole) % 3
	if first > 0 {
		b.WriteString(whole[:first])
	}
	for i := first; i < len(whole); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(whole[i : i+3])
	}
	return b.String()
}

func toFloat(v any) (float64, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("the price must be a number, got %v", f)
		}
		return f, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(rv.Uint()), nil
	case reflect.String:
		s := strings.TrimSpace(rv.String())
		if s == "" {
			return 0, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("the price must be a number, got %q", s)
		}
		return f, nil
	}
	return 0, fmt.Errorf("the price must be a number, got %v", v)
}

// fnTruncate shortens s to at most n characters, ending with "…" when it cut something.
func fnTruncate(n int, s string) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	if n == 1 {
		return "…"
	}
	return strings.TrimRightFunc(string(runes[:n-1]), unicode.IsSpace) + "…"
}

// DefaultRecommendationBlockHTML is an email-safe (table-based, inline styles) block that
// lists the recipient's recommendations; marketers paste it into the HTML part. It renders
// nothing when the recipient has no recommendations.
const DefaultRecommendationBlockHTML = `{{if .Recommendations}}
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">
  <tr>
    <td colspan="2" style="padding:16px 0 8px 0;font-family:Arial,Helvetica,sans-serif;font-size:18px;font-weight:bold;color:#222222;">Picked for you</td>
  </tr>
  {{range .Recommendations}}
  <tr>
    <td width="120" style="padding:8px 16px 8px 0;vertical-align:top;">
      <a href="{{.URL}}"><img src="{{.ImageURL}}" width="120" alt="{{.Name}}" style="display:block;border:0;width:120px;height:auto;"></a>
    </td>
    <td style="padding:8px 0;vertical-align:top;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.4;color:#222222;">
      <a href="{{.URL}}" style="color:#222222;font-weight:bold;text-decoration:none;">{{.Name}}</a><br>
      <span style="color:#0a7d32;font-weight:bold;">{{money .Price .Currency}}</span>
      {{if .Reason}}<br><small style="color:#777777;">{{.Reason}}</small>{{end}}
    </td>
  </tr>
  {{end}}
</table>
{{end}}`
