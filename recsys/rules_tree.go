package recsys

import (
	"cmp"
	"slices"
)

// transactions are weighted sets of item ranks, ascending: row i is
// items[off[i]:off[i+1]], seen count[i] times.
type transactions struct {
	off, items, count []int32
}

func (t transactions) len() int            { return len(t.count) }
func (t transactions) row(i int32) []int32 { return t.items[t.off[i]:t.off[i+1]] }

// fpTree is an FP-tree stored as flat node arrays; node 0 is the root. Its items are
// numbered locally (0 = the lowest global rank it holds), so that a conditional tree costs
// what it holds, not the catalogue size. Along any path from the root, local ids ascend.
type fpTree struct {
	items []int32 // local id → global rank, ascending
	head  []int32 // local id → first node of the item's chain (0: none)
	// Per node: local item, count, parent and the next node of the same item.
	item, count, parent, link []int32
}

// treeScratch is dense space over the global ranks, zero (count) or -1 (local) between
// uses, shared by every tree build of one mining run.
type treeScratch struct {
	count, local, touched []int32
	minCount              int32
}

func newTreeScratch(nRanks int, minCount int32) *treeScratch {
	s := &treeScratch{count: make([]int32, nRanks), local: make([]int32, nRanks), minCount: minCount}
	for i := range s.local {
		s.local[i] = -1
	}
	return s
}

// buildTree builds the FP-tree of t over the items frequent within t. Rows are filtered,
// sorted lexicographically and inserted in that order, so rows sharing a prefix are
// consecutive and each insertion only compares with the previous row: no child lookup.
func buildTree(t transactions, s *treeScratch) *fpTree {
	touched := s.touched[:0]
	for i := range int32(t.len()) {
		for _, r := range t.row(i) {
			if s.count[r] == 0 {
				touched = append(touched, r)
			}
			s.count[r] += t.count[i]
		}
	}
	tree := &fpTree{}
	for _, r := range touched {
		if s.count[r] >= s.minCount {
			tree.items = append(tree.items, r)
		}
		s.count[r] = 0
	}
	s.touched = touched[:0]
	slices.Sort(tree.items)
	for i, r := range tree.items {
		s.local[r] = int32(i)
	}
	local := filterRows(t, s.local)
	for _, r := range tree.items {
		s.local[r] = -1
	}
	tree.insertSorted(local)
	return tree
}

// filterRows maps each row of t to local ids (dropping items whose local id is -1) and
// drops rows left empty.
func filterRows(t transactions, local []int32) transactions {
	out := transactions{off: []int32{0}}
	for i := range int32(t.len()) {
		start := len(out.items)
		for _, r := range t.row(i) {
			if l := local[r]; l >= 0 {
				out.items = append(out.items, l)
			}
		}
		if len(out.items) > start {
			out.off = append(out.off, int32(len(out.items)))
			out.count = append(out.count, t.count[i])
		}
	}
	return out
}

// insertSorted inserts the rows of t (local ids ascending) in lexicographic order.
func (tree *fpTree) insertSorted(t transactions) {
	order := t.sortedOrder()
	tree.head = make([]int32, len(tree.items))
	tree.item, tree.count = append(tree.item, -1), append(tree.count, 0)
	tree.parent, tree.link = append(tree.parent, -1), append(tree.link, 0)
	var path, prev []int32 // path: the nodes of the previous row
	for _, o := range order {
		row, c := t.row(o.row), t.count[o.row]
		common := 0
		for common < len(row) && common < len(prev) && row[common] == prev[common] {
			common++
		}
		path = path[:common]
		for _, n := range path {
			tree.count[n] += c
		}
		for _, it := range row[common:] {
			parent := int32(0)
			if len(path) > 0 {
				parent = path[len(path)-1]
			}
			n := int32(len(tree.item))
			tree.item, tree.count = append(tree.item, it), append(tree.count, c)
			tree.parent, tree.link = append(tree.parent, parent), append(tree.link, tree.head[it])
			tree.head[it] = n
			path = append(path, n)
		}
		prev = row
	}
}

// rowKey is a row's first two items packed for a cheap comparison (each plus one, so a
// missing second item sorts first), and the row's number.
type rowKey struct {
	key uint64
	row int32
}

// sortedOrder returns the rows of t in lexicographic order. It sorts by the packed first
// two items (most baskets hold one to three products, so that decides nearly every pair),
// by radix for the large global tree, then sorts each run of rows sharing them by the rest.
func (t transactions) sortedOrder() []rowKey {
	order := make([]rowKey, t.len())
	var maxItem int32
	for i := range order {
		row := t.row(int32(i))
		second := int32(-1)
		if len(row) > 1 {
			second = row[1]
		}
		order[i] = rowKey{key: uint64(row[0]+1)<<32 | uint64(second+1), row: int32(i)}
		maxItem = max(maxItem, row[0]+1, second+1)
	}
	if len(order) >= radixMinRows {
		order = radixSort(order, maxItem)
	} else {
		slices.SortFunc(order, func(a, b rowKey) int { return cmp.Compare(a.key, b.key) })
	}
	for start := 0; start < len(order); {
		end := start + 1
		for end < len(order) && order[end].key == order[start].key {
			end++
		}
		if end-start > 1 {
			slices.SortFunc(order[start:end], func(a, b rowKey) int {
				ra, rb := t.row(a.row), t.row(b.row)
				return slices.Compare(ra[min(2, len(ra)):], rb[min(2, len(rb)):])
			})
		}
		start = end
	}
	return order
}

// radixMinRows is the least number of rows worth a radix sort's two 64K-entry passes.
const radixMinRows = 1 << 16

// radixSort sorts packed keys whose two halves are at most maxItem, 16 bits a pass,
// skipping the digits above maxItem's.
func radixSort(keys []rowKey, maxItem int32) []rowKey {
	buf := make([]rowKey, len(keys))
	counts := make([]int, 1<<16)
	for _, half := range []uint{0, 32} {
		for shift := half; shift < half+32 && (shift == half || maxItem>>(shift-half) > 0); shift += 16 {
			clear(counts)
			for _, k := range keys {
				counts[(k.key>>shift)&0xFFFF]++
			}
			sum := 0
			for d, c := range counts {
				counts[d], sum = sum, sum+c
			}
			for _, k := range keys {
				d := (k.key >> shift) & 0xFFFF
				buf[counts[d]] = k
				counts[d]++
			}
			keys, buf = buf, keys
		}
	}
	return keys
}
