package segments

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/persona-app/persona/store"
)

// segment compiles membership of another stored segment: that segment's own rules,
// compiled in place. They are written over the same c and f as the rules around them, so
// "in the segment" is their condition as it stands; "not in it" is that condition not
// being true, which keeps the customers for whom it is false or NULL (a customer without
// a last order is not in "ordered in the last 30 days", so is in its exclusion).
//
// Expanding follows the chain of segments. A segment met again on the way is a cycle, a
// chain longer than MaxSegmentDepth is refused, and either is reported once, at the
// condition of the rules being compiled that led there, naming the segments on the way.
func (c *compiler) segment(ref SegmentRef, path string) string {
	if ref.ID < 1 {
		c.errs.Add(path+".id", "choose a segment (id must be a whole number from 1)")
		return "1 = 0"
	}
	if c.validateOnly {
		return "1 = 0"
	}
	if c.segs == nil {
		c.errs.Add(path, "segment conditions need the stored segments: compile these rules with Service.Compile")
		return "1 = 0"
	}
	seg, ok := c.segs[ref.ID]
	switch {
	case slices.Contains(c.chain, ref.ID):
		return c.refFails(path, fmt.Sprintf("segment %s would include itself: %s", c.name(ref.ID), c.route(ref.ID)))
	case c.depth() >= MaxSegmentDepth:
		return c.refFails(path, fmt.Sprintf("segments nest at most %d deep: %s", MaxSegmentDepth, c.route(ref.ID)))
	case !ok && c.depth() == 0:
		c.errs.Add(path+".id", fmt.Sprintf("segment %d does not exist", ref.ID))
		return "1 = 0"
	case !ok:
		return c.refFails(path, fmt.Sprintf("segment %s refers to segment %d, which does not exist", c.name(c.chain[len(c.chain)-1]), ref.ID))
	}
	sub := c.child()
	sub.chain = append(slices.Clone(c.chain), ref.ID)
	sub.rooted = c.rooted
	where := sub.root(seg.Rules)
	switch {
	case sub.refProblem != "":
		return c.refFails(path, sub.refProblem)
	case len(sub.errs) > 0:
		c.errs.Add(path, fmt.Sprintf("segment %s has rules that no longer validate (%s); edit it first", c.name(ref.ID), sub.errs.Error()))
		return "1 = 0"
	}
	c.args = append(c.args, sub.args...)
	c.windowable = c.windowable || sub.windowable
	if ref.includes() {
		return "(" + where + ")"
	}
	return "((" + where + ") IS NOT TRUE)"
}

// refFails records a cycle, depth or missing-segment problem at path and hands it up.
func (c *compiler) refFails(path, msg string) string {
	c.errs.Add(path, msg)
	if c.refProblem == "" {
		c.refProblem = msg
	}
	return "1 = 0"
}

// depth is how many segment conditions have been followed to get here.
func (c *compiler) depth() int {
	if c.rooted {
		return len(c.chain) - 1
	}
	return len(c.chain)
}

// name quotes a segment's name for a message, or gives its id when it is not loaded.
func (c *compiler) name(id int64) string {
	if seg, ok := c.segs[id]; ok {
		return quoteShort(seg.Name)
	}
	return fmt.Sprintf("%d", id)
}

// route is the chain of segment names followed to reach next: "A" → "B" → "A".
func (c *compiler) route(next int64) string {
	names := make([]string, 0, len(c.chain)+1)
	for _, id := range append(slices.Clone(c.chain), next) {
		names = append(names, c.name(id))
	}
	return strings.Join(names, " → ")
}

// segmentIDs appends the ids of the segments r's conditions name, at any nesting.
func segmentIDs(r Rules, ids []int64) []int64 {
	for _, cond := range r.Conditions {
		switch {
		case cond.Segment != nil && !slices.Contains(ids, cond.Segment.ID):
			ids = append(ids, cond.Segment.ID)
		case cond.Group != nil:
			ids = segmentIDs(*cond.Group, ids)
		}
	}
	return ids
}

// Compile compiles r like the package's Compile, with the segments its segment
// conditions name loaded from the database, and relative dates read against s.Now.
func (s *Service) Compile(ctx context.Context, r Rules) (Compiled, error) {
	where, args, err := s.compile(ctx, r, nil)
	if err != nil {
		return Compiled{}, err
	}
	return Compiled{SQL: "SELECT c.id " + fromCustomers + " WHERE " + where, Args: args}, nil
}

// compile returns r's WHERE condition and parameters. self is the stored segment r
// belongs to, or nil for rules being edited.
func (s *Service) compile(ctx context.Context, r Rules, self *Segment) (string, []any, error) {
	known := map[int64]Segment{}
	var root int64
	if self != nil {
		known[self.ID], root = *self, self.ID
	}
	segs, err := s.referenced(ctx, r, known)
	if err != nil {
		return "", nil, err
	}
	return compileWhere(r, s.Now(), s.DB.Dialect, segs, root)
}

// referenced loads the segments r names, the segments those name, and so on, one query
// per level, stopping a level past MaxSegmentDepth (deep enough for the compiler to see
// and name the problem). known are segments already at hand; they are not read again.
func (s *Service) referenced(ctx context.Context, r Rules, known map[int64]Segment) (map[int64]Segment, error) {
	segs := maps.Clone(known)
	if segs == nil {
		segs = map[int64]Segment{}
	}
	var want []int64
	for _, id := range segmentIDs(r, nil) {
		if _, ok := segs[id]; !ok && id > 0 {
			want = append(want, id)
		}
	}
	for level := 0; len(want) > 0 && level <= MaxSegmentDepth; level++ {
		loaded, err := s.segmentsByID(ctx, want)
		if err != nil {
			return nil, err
		}
		var next []int64
		for _, seg := range loaded {
			segs[seg.ID] = seg
		}
		for _, seg := range loaded {
			for _, id := range segmentIDs(seg.Rules, nil) {
				if _, ok := segs[id]; !ok && id > 0 && !slices.Contains(next, id) {
					next = append(next, id)
				}
			}
		}
		want = next
	}
	return segs, nil
}

// segmentsByID loads the segments with the given ids; missing ones are left out.
func (s *Service) segmentsByID(ctx context.Context, ids []int64) ([]Segment, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	var rows []segmentRow
	if err := s.DB.WithContext(ctx).Raw(selectSegment+" WHERE id IN ("+store.Placeholders(len(ids))+")", args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("segments: load segments %v: %w", ids, err)
	}
	out := make([]Segment, 0, len(rows))
	for _, row := range rows {
		seg, err := row.segment()
		if err != nil {
			return nil, err
		}
		out = append(out, seg)
	}
	return out, nil
}

// checkReferences refuses rules about to be saved as segment id (0 for a new one) whose
// segment conditions name a missing segment, lead back to the segment itself, or nest
// too deep. Problems come back as store.FieldErrors at the conditions' paths.
func (s *Service) checkReferences(ctx context.Context, id int64, in Input) error {
	if len(segmentIDs(in.Rules, nil)) == 0 {
		return nil
	}
	// The segment being saved is looked at with its new name and rules.
	var self *Segment
	if id != 0 {
		self = &Segment{ID: id, Name: in.Name, Rules: in.Rules}
	}
	_, _, err := s.compile(ctx, in.Rules, self)
	return err
}

// referrers returns the names of the stored segments whose rules name segment id.
func referrers(all []Segment, id int64) []string {
	var names []string
	for _, seg := range all {
		if seg.ID != id && slices.Contains(segmentIDs(seg.Rules, nil), id) {
			names = append(names, quoteShort(seg.Name))
		}
	}
	return names
}
