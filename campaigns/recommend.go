package campaigns

import (
	"context"
	"strconv"
	"strings"
)

// recBlock is what the recommender gave one message: the items, the algorithm that served
// them, and why there are none when it failed.
type recBlock struct {
	items     []RecItem
	links     []int64 // per item: the tracked link of its URL in the message, or 0
	algorithm string
	err       error
	note      string
}

// recommend asks the recommender for the block the template describes, for one customer
// in the campaign's segment (0 in previews). A template that never mentions
// .Recommendations gets no call at all, so its deliveries credit no algorithm. A failure
// is not fatal: the message goes out with an empty block and a note on the delivery.
func (s *Service) recommend(ctx context.Context, tpl Template, customerID, segmentID int64) recBlock {
	if s.opts.Recommender == nil || !usesRecommendations(tpl) {
		return recBlock{}
	}
	tpl = withRecDefaults(tpl)
	items, algorithm, err := s.opts.Recommender.Recommend(ctx, customerID, RecRequest{
		Algorithm: tpl.RecAlgorithm, N: tpl.RecCount, Rules: tpl.RecRules, Segment: segmentID})
	if err != nil {
		return recBlock{err: err, note: "sent without recommendations: " + err.Error()}
	}
	return recBlock{items: items, algorithm: algorithm}
}

// usesRecommendations tells whether a part of t can read .Recommendations: the sandbox
// reaches fields by name only, so a template without the word cannot.
func usesRecommendations(t Template) bool {
	for _, part := range []string{t.Subject, t.HTML, t.Text} {
		if strings.Contains(part, "Recommendations") {
			return true
		}
	}
	return false
}

// recordedAlgorithm is the delivery's algorithm column: the one that served, when it
// served anything.
func (b recBlock) recordedAlgorithm() string {
	if len(b.items) == 0 {
		return ""
	}
	return b.algorithm
}

// linked notes that the message links item URL href through tracked link id: every item
// with that URL (a product shown twice has one link).
func (b *recBlock) linked(href string, id int64) {
	href = strings.TrimSpace(href)
	for i, r := range b.items {
		if r.URL != "" && strings.TrimSpace(r.URL) == href {
			if b.links == nil {
				b.links = make([]int64, len(b.items))
			}
			b.links[i] = id
		}
	}
}

// linkIDs is the delivery's rec_links column: per item of rec_items, its tracked link or
// 0, comma-separated; empty when the message linked none of them.
func (b recBlock) linkIDs() string {
	if b.links == nil {
		return ""
	}
	ids := make([]string, len(b.links))
	for i, id := range b.links {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(ids, ",")
}

// itemIDs is the delivery's rec_items column: the product ids in the order shown,
// comma-separated.
func (b recBlock) itemIDs() string {
	ids := make([]string, len(b.items))
	for i, r := range b.items {
		ids[i] = strconv.FormatInt(r.ProductID, 10)
	}
	return strings.Join(ids, ",")
}
