package customers

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

var categoryCleaner = strings.NewReplacer(",", " ", ":", " ")

// formatCategoryShares turns spend per category (in Share) into the stored text,
// "Electronics:0.62,Books:0.20": the shares of positive spend, largest first (ties by
// name), at most limit of them (all when limit is 0). Products without a category count
// in the total but are not listed, so the shares may add up to less than 1.
func formatCategoryShares(spends []CategoryShare, limit int) string {
	var total float64
	var kept []CategoryShare
	for _, s := range spends {
		if s.Share > 0 {
			total += s.Share
			if s.Category != "" {
				kept = append(kept, s)
			}
		}
	}
	if total <= 0 || len(kept) == 0 {
		return ""
	}
	slices.SortFunc(kept, func(a, b CategoryShare) int {
		if a.Share != b.Share {
			if a.Share > b.Share {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Category, b.Category)
	})
	if limit > 0 && len(kept) > limit {
		kept = kept[:limit]
	}
	parts := make([]string, 0, len(kept))
	for _, s := range kept {
		parts = append(parts, categoryCleaner.Replace(s.Category)+":"+strconv.FormatFloat(s.Share/total, 'f', 2, 64))
	}
	return strings.Join(parts, ",")
}

// formatTopCategories is the stored top_categories text: the three largest shares.
func formatTopCategories(spends []CategoryShare) string {
	return formatCategoryShares(spends, 3)
}

// parseTopCategories reads top_categories or category_shares text back; malformed parts
// are skipped.
func parseTopCategories(s string) []CategoryShare {
	var out []CategoryShare
	for _, part := range strings.Split(s, ",") {
		i := strings.LastIndexByte(part, ':')
		if i <= 0 {
			continue
		}
		share, err := strconv.ParseFloat(part[i+1:], 64)
		if err != nil {
			continue
		}
		out = append(out, CategoryShare{Category: part[:i], Share: share})
	}
	return out
}

// parseEventCounts reads event_counts back; a malformed text (only possible from outside
// edits) reads as no counts.
func parseEventCounts(s string) map[string]WindowCounts {
	out := map[string]WindowCounts{}
	if json.Unmarshal([]byte(s), &out) != nil {
		return map[string]WindowCounts{}
	}
	return out
}
