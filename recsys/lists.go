package recsys

import (
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"
)

// Served lists are cached per customer: the last list computed for them, with the request
// it answered. A customer asked again with the same options (the API and the profile page
// ask the same way each time) gets it from memory without scoring anything. The list goes
// when the customer is forgotten (new behaviour) and with its snapshot (a new model).

// maxCachedListBytes bounds the memory of the cached lists, the items and their encoded
// forms (about 5 KB for ten items and their JSON, so some 50,000 customers); past it the
// cache starts again empty.
const maxCachedListBytes = 256 << 20

// itemBytes is what one cached Item costs beyond the catalogue's strings it shares: the
// struct and its reason.
const itemBytes = int64(unsafe.Sizeof(Item{})) + 48

// servedList is one customer's last list, the request it answered, and the list as last
// encoded (see RecommendEncoded). It is not modified once cached, but for encoded.
type servedList struct {
	key     string
	items   []Item
	encoded atomic.Pointer[encodedList]
}

// encodedList is a list encoded in some format.
type encodedList struct {
	format string
	data   []byte
}

// encode returns the list in format, encoding it (once per format asked in turn) with enc,
// and counts the encoded bytes against h's bound.
func (l *servedList) encode(h *histories, format string, enc func([]Item) ([]byte, error)) ([]byte, error) {
	if e := l.encoded.Load(); e != nil && e.format == format {
		return e.data, nil
	}
	data, err := enc(l.items)
	if err != nil {
		return nil, err
	}
	l.encoded.Store(&encodedList{format: format, data: data})
	h.countListBytes(int64(len(data)))
	return data, nil
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
	b.WriteString(strconv.FormatBool(r.ExcludeSeen))
	for _, f := range []float64{r.MinPrice, r.MaxPrice} {
		b.WriteByte('|')
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
	b.WriteString("|" + strings.Join(r.Categories, "\x00") + "|" + strings.Join(r.ExcludeCategories, "\x00"))
	return b.String()
}

// cachedList returns the customer's cached list for key; the caller must not modify it.
func (h *histories) cachedList(customerID int64, key string) (*servedList, bool) {
	v, ok := h.lists.Load(customerID)
	if !ok {
		return nil, false
	}
	l := v.(*servedList)
	return l, l.key == key
}

// storeList caches the customer's list, unless the customer was forgotten since gen was
// read (the list may be stale then). The caller holds forgetter.mu.
func (h *histories) storeList(customerID int64, gen uint64, l *servedList) {
	if h.gen != gen {
		return
	}
	h.lists.Store(customerID, l)
	h.countListBytes(int64(len(l.items)) * itemBytes)
}

// countListBytes adds n bytes to the cached lists' count, and empties the cache when the
// count passes maxCachedListBytes.
func (h *histories) countListBytes(n int64) {
	if h.listBytes.Add(n) > maxCachedListBytes {
		h.clearLists()
	}
}

// clearLists drops every cached list.
func (h *histories) clearLists() {
	h.lists.Clear()
	h.listBytes.Store(0)
}
