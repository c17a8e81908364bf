package customers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/persona-app/persona/store"
	"gorm.io/gorm"
)

// batchSize is how many rows one transaction writes during an import.
const batchSize = 1000

// maxErrors caps ImportSummary.Errors; Rejected still counts every rejected row.
const maxErrors = 1000

// ImportOptions says what a file holds and how its columns are named.
type ImportOptions struct {
	Kind Kind
	// Mapping renames source columns to canonical ones (source -> canonical); the source
	// name is matched case-insensitively, and "-" as the target ignores the column.
	Mapping map[string]string
	// Progress, when set, is called after every batch (about 1000 rows) with the rows read.
	Progress func(rows int64)
}

// RowError is one rejected row: its line in the file (the header is line 1; for API
// input, the item's 1-based position) and what is wrong, naming the column.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// ImportSummary counts what an import or API write did with each row.
type ImportSummary struct {
	Kind             string     `json:"kind"`
	Rows             int        `json:"rows"`
	Imported         int        `json:"imported"`
	Updated          int        `json:"updated"`
	Unchanged        int        `json:"unchanged"`
	Rejected         int        `json:"rejected"`
	CreatedCustomers int        `json:"created_customers"`
	CreatedProducts  int        `json:"created_products"`
	Errors           []RowError `json:"errors"`
}

func (sum *ImportSummary) reject(line int, reason string) {
	sum.Rejected++
	if len(sum.Errors) < maxErrors {
		sum.Errors = append(sum.Errors, RowError{Line: line, Reason: reason})
	}
}

// ReadHeader returns the first CSV row of r, trimmed and without a byte-order mark, for
// the mapping step of the UI.
func ReadHeader(r io.Reader) ([]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, store.FieldErrors{"file": "is empty (no header row)"}
	}
	if err != nil {
		return nil, fmt.Errorf("customers: read header: %w", err)
	}
	out := make([]string, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		out[i] = strings.TrimSpace(h)
	}
	return out, nil
}

// ParseMapping reads a column mapping written "SRC=dst,SRC2=dst2", as given to --map.
// Targets are checked against the file's kind by Import.
func ParseMapping(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		src, dst, ok := strings.Cut(pair, "=")
		src, dst = strings.TrimSpace(src), strings.ToLower(strings.TrimSpace(dst))
		if !ok || src == "" || dst == "" {
			return nil, store.FieldErrors{"mapping": fmt.Sprintf("%q is not SOURCE=column", strings.TrimSpace(pair))}
		}
		for prev := range out {
			if strings.EqualFold(prev, src) {
				return nil, store.FieldErrors{"mapping": fmt.Sprintf("column %q is mapped twice", src)}
			}
		}
		out[src] = dst
	}
	return out, nil
}

// ImportFile imports the CSV file at path; see Import.
func (s *Service) ImportFile(ctx context.Context, path string, opt ImportOptions) (ImportSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImportSummary{Kind: string(opt.Kind), Errors: []RowError{}}, fmt.Errorf("customers: open %s: %w", path, err)
	}
	defer f.Close()
	return s.Import(ctx, f, opt)
}

// Import streams a CSV file of opt.Kind into the database in batches of about 1000 rows,
// one transaction each. Bad rows are rejected with their line and reason while good ones
// are kept; importing the same file again changes nothing. A header without a required
// column, or a bad mapping, fails before any row is written. The AfterImport hooks run
// when the whole file went through.
func (s *Service) Import(ctx context.Context, r io.Reader, opt ImportOptions) (ImportSummary, error) {
	sum := ImportSummary{Kind: string(opt.Kind), Errors: []RowError{}}
	if _, err := ParseKind(string(opt.Kind)); err != nil {
		return sum, err
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return sum, store.FieldErrors{"file": "is empty (no header row)"}
	}
	if err != nil {
		return sum, fmt.Errorf("customers: read %s header: %w", opt.Kind, err)
	}
	lay, err := resolveHeader(header, opt.Kind, opt.Mapping)
	if err != nil {
		return sum, err
	}
	sk := s.newSink(opt.Kind, false)
	flush := func() error {
		if err := s.DB.Tx(ctx, func(tx *gorm.DB) error { return sk.flush(ctx, tx, &sum) }); err != nil {
			return fmt.Errorf("customers: import %s (near line %d): %w", opt.Kind, sk.lastLine(), err)
		}
		if opt.Progress != nil {
			opt.Progress(int64(sum.Rows))
		}
		return nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			sum.Rows++
			sum.reject(pe.StartLine, "row is not valid CSV: "+pe.Err.Error())
			continue
		}
		if err != nil {
			return sum, fmt.Errorf("customers: read %s file: %w", opt.Kind, err)
		}
		line, _ := cr.FieldPos(0)
		sum.Rows++
		if len(rec) != lay.width {
			sum.reject(line, fmt.Sprintf("row has %d columns, the header has %d", len(rec), lay.width))
			continue
		}
		if fe := sk.add(line, lay.getter(rec), lay.attributes(rec)); fe != nil {
			sum.reject(line, fe.Error())
		}
		if sk.ready() {
			if err := flush(); err != nil {
				return sum, err
			}
		}
	}
	if sk.pending() > 0 {
		if err := flush(); err != nil {
			return sum, err
		}
	}
	slices.SortStableFunc(sum.Errors, func(a, b RowError) int { return a.Line - b.Line })
	return sum, s.runAfterImport(ctx, opt.Kind)
}

// layout is where each canonical column sits in a file's rows.
type layout struct {
	width  int
	index  map[string]int
	extras []extraColumn
}

// extraColumn is a column of customers.csv that becomes a custom attribute.
type extraColumn struct {
	name string
	pos  int
}

func (l *layout) getter(rec []string) getter {
	return func(col string) (string, bool) {
		i, ok := l.index[col]
		if !ok {
			return "", false
		}
		return strings.TrimSpace(rec[i]), true
	}
}

// attributes returns the custom attribute values of a row, or nil when there are none.
func (l *layout) attributes(rec []string) map[string]string {
	if len(l.extras) == 0 {
		return nil
	}
	out := make(map[string]string, len(l.extras))
	for _, x := range l.extras {
		out[x.name] = strings.TrimSpace(rec[x.pos])
	}
	return out
}

// resolveHeader applies the mapping to the header and checks that every required column
// is there; extra columns become attributes for customers and are ignored otherwise.
func resolveHeader(header []string, k Kind, mapping map[string]string) (*layout, error) {
	canonical := CanonicalColumns(k)
	m := make(map[string]string, len(mapping))
	for src, dst := range mapping {
		dst = strings.ToLower(strings.TrimSpace(dst))
		if dst != "-" && !slices.Contains(canonical, dst) {
			return nil, store.FieldErrors{"mapping": fmt.Sprintf("%s=%s: %q is not a column of %s (use one of %s, or - to ignore)",
				src, dst, dst, k, strings.Join(canonical, ", "))}
		}
		m[strings.ToLower(strings.TrimSpace(src))] = dst
	}
	lay := &layout{width: len(header), index: map[string]int{}}
	names := make([]string, len(header))
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		name := strings.ToLower(strings.TrimSpace(h))
		names[i] = name
		if dst, ok := m[name]; ok {
			delete(m, name)
			if dst == "-" {
				continue
			}
			name = dst
		}
		switch {
		case slices.Contains(canonical, name):
			if j, dup := lay.index[name]; dup {
				return nil, store.FieldErrors{name: fmt.Sprintf("column appears twice (columns %d and %d)", j+1, i+1)}
			}
			lay.index[name] = i
		case k == KindCustomers && name != "":
			lay.extras = append(lay.extras, extraColumn{name: name, pos: i})
		}
	}
	for src := range m {
		return nil, store.FieldErrors{"mapping": fmt.Sprintf("column %q is not in the file (it has %s)", src, strings.Join(names, ", "))}
	}
	fe := store.FieldErrors{}
	for _, col := range RequiredColumns(k) {
		if _, ok := lay.index[col]; !ok {
			fe.Add(col, fmt.Sprintf("required column is missing (the file has %s)", strings.Join(names, ", ")))
		}
	}
	return lay, fe.Err()
}
