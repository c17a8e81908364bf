package synth

import (
	"bufio"
	"strconv"
	"strings"
	"time"
)

// Canonical headers of DESIGN.md "Data in"; customers.csv adds two custom attributes.
var (
	customersHeader = []string{"customer_id", "email", "first_name", "last_name", "gender", "birth_date", "city", "country", "timezone", "signup_at", "consent_email", "consent_push", "loyalty_tier", "preferred_channel"}
	productsHeader  = []string{"product_id", "name", "category", "price", "currency", "description", "image_url", "url", "in_stock"}
	ordersHeader    = []string{"order_id", "customer_id", "product_id", "quantity", "unit_price", "ordered_at"}
	eventsHeader    = []string{"customer_id", "type", "product_id", "occurred_at", "value", "session_id"}
)

// csvOut is one output file: a buffered writer plus a reusable line buffer, so writing a
// row allocates nothing. The first write error is kept and stops the generator.
type csvOut struct {
	w    *bufio.Writer
	line []byte
	rows int
	err  error
}

// start begins a new row.
func (c *csvOut) start() { c.line = c.line[:0] }

// sep adds a field separator.
func (c *csvOut) sep() { c.line = append(c.line, ',') }

// field adds a string field, quoting it when it holds a comma, quote or line break.
func (c *csvOut) field(s string) {
	if !strings.ContainsAny(s, ",\"\r\n") {
		c.line = append(c.line, s...)
		return
	}
	c.line = append(c.line, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			c.line = append(c.line, '"')
		}
		c.line = append(c.line, s[i])
	}
	c.line = append(c.line, '"')
}

// end finishes the row and hands it to the buffered writer.
func (c *csvOut) end() {
	c.line = append(c.line, '\n')
	if c.err == nil {
		_, c.err = c.w.Write(c.line)
	}
	c.rows++
}

// header writes the header row; it does not count as a data row.
func (c *csvOut) header(cols []string) {
	c.start()
	for i, col := range cols {
		if i > 0 {
			c.sep()
		}
		c.field(col)
	}
	c.end()
	c.rows--
}

// appendID writes prefix followed by n zero-padded to at least width digits ("C00042").
func appendID(b []byte, prefix byte, n, width int) []byte {
	b = append(b, prefix)
	for d, x := 1, n; d < width; d++ {
		x /= 10
		if x == 0 {
			b = append(b, '0')
		}
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendTime writes Unix seconds as RFC 3339 in UTC.
func appendTime(b []byte, unix int64) []byte {
	return time.Unix(unix, 0).UTC().AppendFormat(b, time.RFC3339)
}

// appendCents writes an amount in cents as euros with two decimals, without floating point.
func appendCents(b []byte, cents int64) []byte {
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.', byte('0'+cents%100/10), byte('0'+cents%10))
	return b
}

func appendBool(b []byte, v bool) []byte {
	return strconv.AppendBool(b, v)
}
