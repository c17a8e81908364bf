package recsys

import (
	"slices"
	"strconv"
	"strings"
)

// Served lists are cached per customer: the last list computed for them, with the request
// it answered. A customer asked again with the same options (the API and the profile page
// ask the same way each time) gets it from memory without scoring anything. The list goes
// when the customer is forgotten (new behaviour) and with its snapshot (a new model).

// maxCachedLists bounds the cached lists (one per customer, about 2 KB for ten items);
// past it the cache starts again empty.
const maxCachedLists = 100_000

// servedList is one customer's last list and the request it answered.
type servedList struct {
	key   string
	items []Item
}

// listKey identifies a request; algorithm is the resolved name.
func listKey(algorithm string, o Options) string {
	r := o.Rules
	var b strings.Builder
	b.WriteString(algorithm)
	for _, n := range []int64{int64(o.N), o.Segment, int64(r.MaxPerCategory)} {
		b.WriteByte('|')
		b.WriteString(strconv.FormatInt(n, 10))
	}
	b.WriteByte('|')
	b.WriteString(strconv.FormatBool(r.IncludeBought))
	b.WriteString(strconv.FormatBool(r.IncludeOutOfStock))
	for _, f := range []float64{r.MinPrice, r.MaxPrice} {
		b.WriteByte('|')
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
	b.WriteString("|" + strings.Join(r.Categories, "\x00") + "|" + strings.Join(r.ExcludeCategories, "\x00"))
	return b.String()
}

// cachedList returns the customer's cached list for key, as a copy.
func (h *histories) cachedList(customerID int64, key string) ([]Item, bool) {
	v, ok := h.lists.Load(customerID)
	if !ok {
		return nil, false
	}
	l := v.(*servedList)
	if l.key != key {
		return nil, false
	}
	return slices.Clone(l.items), true
}

// storeList caches the customer's list for key, unless the customer was forgotten since
// gen was read (the list may be stale then). The caller holds forgetter.mu.
func (h *histories) storeList(customerID int64, gen uint64, key string, items []Item) {
	if h.gen != gen {
		return
	}
	if h.listCount.Add(1) > maxCachedLists {
		h.clearLists()
	}
	h.lists.Store(customerID, &servedList{key: key, items: slices.Clone(items)})
}

// clearLists drops every cached list.
func (h *histories) clearLists() {
	h.lists.Clear()
	h.listCount.Store(0)
}
