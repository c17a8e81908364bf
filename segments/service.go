package segments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/persona-app/persona/store"
)

// Service counts, lists and stores segments.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// NewService returns a Service over db; now is the clock relative dates are read against.
func NewService(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{DB: db, Now: now}
}

// Member is one customer of a segment, as the member list shows it.
type Member struct {
	ID         int64
	ExternalID string
	Email      string
	FirstName  string
	LastName   string
	Country    string
	Frequency  int
	Monetary   float64
}

// Paging limits for Members.
const (
	DefaultPerPage = 50
	MaxPerPage     = 500
	// maxPage keeps the OFFSET from overflowing on a made-up page number.
	maxPage = 1_000_000
)

// Count returns how many customers match r (the live count of the rule editor). It
// counts over the narrowest tables that give the same number (see count.go).
func (s *Service) Count(ctx context.Context, r Rules) (int64, error) {
	return s.count(ctx, r)
}

// CountResult is a count of a rule set and how long its query took.
type CountResult struct {
	Count     int64   `json:"count"`
	SQLMillis float64 `json:"sql_ms"`
}

// CountJSON parses rule JSON (as ParseRules does) and counts the customers it matches,
// timing the database work (choosing the query and running it). Bad rules return
// store.FieldErrors keyed by path.
func (s *Service) CountJSON(ctx context.Context, data []byte) (CountResult, error) {
	r, err := ParseRules(data)
	if err != nil {
		return CountResult{}, err
	}
	start := time.Now()
	n, err := s.count(ctx, r)
	if err != nil {
		return CountResult{}, err
	}
	return CountResult{Count: n, SQLMillis: float64(time.Since(start).Microseconds()) / 1000}, nil
}

// Members returns one page (from 1) of the customers matching r, ordered by id, and how
// many match in all. perPage outside 1..MaxPerPage falls back to DefaultPerPage or MaxPerPage.
func (s *Service) Members(ctx context.Context, r Rules, page, perPage int) ([]Member, int64, error) {
	page = min(max(page, 1), maxPage)
	if perPage < 1 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	where, args, err := s.compile(ctx, r, nil)
	if err != nil {
		return nil, 0, err
	}
	total, err := s.count(ctx, r)
	if err != nil {
		return nil, 0, fmt.Errorf("segments: count members: %w", err)
	}
	members := []Member{}
	if total == 0 {
		return members, 0, nil
	}
	query := `SELECT c.id, c.external_id, c.email, c.first_name, c.last_name, c.country,
		COALESCE(f.frequency, 0) AS frequency, COALESCE(f.monetary, 0) AS monetary ` +
		fromCustomers + " WHERE " + where + " ORDER BY c.id LIMIT ? OFFSET ?"
	args = append(args, perPage, (page-1)*perPage)
	if err := s.DB.WithContext(ctx).Raw(query, args...).Scan(&members).Error; err != nil {
		return nil, 0, fmt.Errorf("segments: list members page %d: %w", page, err)
	}
	return members, total, nil
}

// countBatch is how many segments SegmentCounts counts in one pass over the customers.
const countBatch = 50

// SegmentCounts returns the number of customers in each stored segment, keyed by segment
// id. Segments whose stored rules no longer validate (or that lead to a cycle of segment
// conditions) are left out of the map.
func (s *Service) SegmentCounts(ctx context.Context) (map[int64]int64, error) {
	segs, err := s.Segments(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	type compiled struct {
		id    int64
		where string
		args  []any
	}
	byID := make(map[int64]Segment, len(segs))
	for _, seg := range segs {
		byID[seg.ID] = seg
	}
	var list []compiled
	for _, seg := range segs {
		where, args, err := compileWhere(seg.Rules, now, s.DB.Dialect, byID, seg.ID)
		if err != nil {
			continue
		}
		list = append(list, compiled{seg.ID, where, args})
	}
	counts := make(map[int64]int64, len(list))
	for start := 0; start < len(list); {
		// A batch is up to countBatch segments whose parameters fit in one statement.
		end, nargs := start, 0
		for end < len(list) && end-start < countBatch && (end == start || nargs+len(list[end].args) <= maxArgs) {
			nargs += len(list[end].args)
			end++
		}
		batch := list[start:end]
		start = end
		// One scan of the customers counts the whole batch: each column counts the rows
		// its segment's condition holds for.
		cols := make([]string, len(batch))
		args := make([]any, 0, nargs)
		for i, b := range batch {
			cols[i] = "COUNT(CASE WHEN " + b.where + " THEN 1 END)"
			args = append(args, b.args...)
		}
		values, err := s.countColumns(ctx, "SELECT "+strings.Join(cols, ", ")+" "+fromCustomers, args)
		if err != nil {
			return nil, fmt.Errorf("segments: count segments: %w", err)
		}
		for i, b := range batch {
			counts[b.id] = values[i]
		}
	}
	return counts, nil
}

// countColumns runs a query returning one row of counts and returns them.
func (s *Service) countColumns(ctx context.Context, query string, args []any) ([]int64, error) {
	rows, err := s.DB.WithContext(ctx).Raw(query, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	values := make([]int64, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	if rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
	}
	return values, rows.Err()
}

// AudienceSQL returns the SQL selecting the ids of the customers in a stored segment, with
// its parameters, evaluated against the clock now. It implements campaigns.Audience.
func (s *Service) AudienceSQL(ctx context.Context, segmentID int64) (string, []any, error) {
	seg, err := s.Segment(ctx, segmentID)
	if err != nil {
		return "", nil, err
	}
	where, args, err := s.compile(ctx, seg.Rules, &seg)
	if err != nil {
		return "", nil, fmt.Errorf("segments: compile segment %d: %w", segmentID, err)
	}
	return "SELECT c.id " + fromCustomers + " WHERE " + where, args, nil
}
