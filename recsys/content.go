package recsys

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
)

// AlgoContent is content-based recommendation over product text.
const AlgoContent = "content"

// maxTermPostings bounds the neighbour search: for each term only the products where it
// weighs most are walked to find candidates, because walking a term costs the square of
// its product count. Candidates found so are then scored exactly (see Content). Below
// maxTermPostings products nothing is cut.
const maxTermPostings = 200

// Content is the content-based model: TF-IDF vectors of the products' text, reduced at
// build time to each product's top-K most cosine-similar products.
//
// Vectors: tokens come from tokenize (lower case, split on anything but letters and
// digits, stop words and one-rune tokens dropped). The term frequency of term t in
// product d is tf(t,d) = 2·(count in the name) + (count in the description) + (count in
// the category's words), plus 2 for the one token standing for the whole category
// ("category:home & kitchen"), so two products of one category share a term no product of
// another category has. The weight is w(t,d) = tf(t,d)·ln(N/df(t)), N the number of
// products with at least one token and df(t) the number of those containing t (a term
// in every product weighs nothing), and each vector is L2-normalised.
//
// Scoring: the customer profile is P = Σ_j w_j·v_j over the history products j, and a
// product i scores P·v_i = Σ_j w_j·cos(j, i), which ranks like cos(P, v_i) because |P| is
// the same for every candidate. Each cos(j, i) is taken from j's top-K neighbours, so a
// product outside all of the history's top-K lists is not proposed, and a product's
// similarity to itself does not count. The top-K lists are exact when no term is in more
// than maxTermPostings products; otherwise a product's candidates are those reached through
// the heaviest maxTermPostings products of each of its terms, the 2K best of them by that
// partial dot product get their exact cosine, and the best K of those are kept. Because is
// the history product j with the largest w_j·cos(j, i) (ties: lower index).
type Content struct {
	nb *Neighbours
}

// BuildContent computes the TF-IDF vectors of texts (indexed by dense product) and keeps,
// for each product, its k most cosine-similar products (similarity above zero; ties by
// lower index). Products are shared out to the available cores in small chunks.
func BuildContent(texts []ProductText, k int) *Content {
	vectors, vocab := tfidf(texts)
	// Inverted index: term → products holding it, with the term's weight in each.
	poff := make([]int32, len(vocab)+1)
	for _, v := range vectors {
		for _, t := range v {
			poff[t.id+1]++
		}
	}
	for t := range vocab {
		poff[t+1] += poff[t]
	}
	postings := make([]entry, poff[len(vocab)])
	next := append([]int32(nil), poff[:len(vocab)]...)
	for p, v := range vectors {
		for _, t := range v {
			postings[next[t.id]] = entry{product: int32(p), w: t.w}
			next[t.id]++
		}
	}
	for t := range vocab { // heaviest first, ties by lower product; keep maxTermPostings
		list := postings[poff[t]:poff[t+1]]
		slices.SortFunc(list, func(a, b entry) int { return cmp.Or(cmp.Compare(b.w, a.w), cmp.Compare(a.product, b.product)) })
		next[t] = poff[t] + int32(min(len(list), maxTermPostings))
	}

	lists := make([][]Neighbour, len(texts))
	var cursor atomic.Int64
	const chunk = 16
	var wg sync.WaitGroup
	for range max(runtime.GOMAXPROCS(0), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &contentWorker{simWorker: simWorker{acc: make([]float32, len(texts)), top: topK{k: 2 * k}},
				dense: make([]float32, len(vocab)), best: topK{k: k}}
			for {
				start := int(cursor.Add(chunk)) - chunk
				if start >= len(texts) {
					return
				}
				for i := start; i < min(start+chunk, len(texts)); i++ {
					lists[i] = w.neighbours(int32(i), vectors, poff, next, postings)
				}
			}
		}()
	}
	wg.Wait()
	return &Content{nb: flatten(lists)}
}

// contentWorker holds one goroutine's scratch space: dense holds the current product's
// vector over the vocabulary, best keeps the final top K.
type contentWorker struct {
	simWorker
	dense []float32
	best  topK
}

// neighbours returns the top-K products by cosine with product i, best first; the postings
// of term t are postings[poff[t]:end[t]].
func (w *contentWorker) neighbours(i int32, vectors [][]term, poff, end []int32, postings []entry) []Neighbour {
	acc, touched := w.acc, w.touched[:0]
	for _, t := range vectors[i] {
		for _, e := range postings[poff[t.id]:end[t.id]] {
			if acc[e.product] == 0 {
				touched = append(touched, e.product)
			}
			acc[e.product] += t.w * e.w
		}
	}
	w.touched = touched
	w.top.reset()
	for _, j := range touched {
		if x := (Neighbour{Product: j, Sim: acc[j]}); j != i && x.Sim > 0 && w.top.wants(x) {
			w.top.offer(x)
		}
		acc[j] = 0
	}
	for _, t := range vectors[i] {
		w.dense[t.id] = t.w
	}
	w.best.reset()
	for _, x := range w.top.heap {
		var dot float32
		for _, t := range vectors[x.Product] {
			dot += w.dense[t.id] * t.w
		}
		w.best.offer(Neighbour{Product: x.Product, Sim: min(dot, 1)})
	}
	for _, t := range vectors[i] {
		w.dense[t.id] = 0
	}
	return w.best.sorted()
}

// Name implements Model.
func (c *Content) Name() string { return AlgoContent }

// Of returns the products most similar in text to product p, best first; the slice must
// not be modified.
func (c *Content) Of(p int32) []Neighbour { return c.nb.Of(p) }

// Len returns the number of products the model covers.
func (c *Content) Len() int { return c.nb.Len() }

// Recommend implements Model: each candidate i scores Σ_j w_j·cos(j, i) over the history
// products j (see Content), Because naming the j that contributed most (ties: lower index),
// exactly as item-to-item scores its neighbour lists.
func (c *Content) Recommend(history []Interaction, n int, skip func(product int32) bool) []Candidate {
	return c.nb.Recommend(history, n, skip)
}

// MarshalBinary implements Model.
func (c *Content) MarshalBinary() ([]byte, error) {
	data, err := c.nb.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode content model: %w", err)
	}
	return data, nil
}

// decodeContent reads a persisted content model over nProducts products and checks it.
func decodeContent(data []byte, nProducts int) (Model, error) {
	m, err := decodeNeighbours(data, nProducts)
	if err != nil {
		return nil, fmt.Errorf("decode content model: %w", err)
	}
	return &Content{nb: m.(*Neighbours)}, nil
}
