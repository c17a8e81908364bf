package recsys

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/persona-app/persona/store"
)

// ProductText is what the content model reads about one product.
type ProductText struct {
	Name, Description, Category string
}

// LoadProductTexts reads the name, description and category of the given product ids
// (ascending: the dense order of a model) in one streamed scan; ids missing from the
// table get empty text.
func LoadProductTexts(ctx context.Context, db *store.DB, ids []int64) ([]ProductText, error) {
	out := make([]ProductText, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// One scan of the id range beats an IN list of thousands of ids on both databases.
	rows, err := db.WithContext(ctx).Raw(`SELECT id, name, description, category FROM products
		WHERE id BETWEEN ? AND ? ORDER BY id`, ids[0], ids[len(ids)-1]).Rows()
	if err != nil {
		return nil, fmt.Errorf("recsys: load product texts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var t ProductText
		if err := rows.Scan(&id, &t.Name, &t.Description, &t.Category); err != nil {
			return nil, fmt.Errorf("recsys: read product text: %w", err)
		}
		if i, ok := slices.BinarySearch(ids, id); ok {
			out[i] = t
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recsys: read product texts: %w", err)
	}
	return out, nil
}

// stopWords are dropped by tokenize: common English function words, which say nothing
// about a product.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`about after all also an and any are as at be been but by
		can do does each for from has have how if in into is it its more most no not of on or
		our out over per so such than that the their them then there these they this those to
		too up very was we were what when which while who will with within without you your`) {
		stopWords[w] = true
	}
}

// tokenize lower-cases s and splits it on every rune that is not a letter or a digit,
// dropping stop words and tokens shorter than two runes; it appends to dst.
func tokenize(s string, dst []string) []string {
	for _, f := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len([]rune(f)) >= 2 && !stopWords[f] {
			dst = append(dst, f)
		}
	}
	return dst
}

// Field weights of the term frequency (see BuildContent).
const (
	nameWeight     = 2
	categoryWeight = 2
)

// categoryToken is the term standing for a whole category; the colon keeps it apart from
// every word token.
func categoryToken(category string) string {
	return "category:" + strings.Join(strings.Fields(strings.ToLower(category)), " ")
}

// termFrequencies returns the weighted term frequencies of one product, terms ascending.
func termFrequencies(t ProductText) map[string]float64 {
	tf := map[string]float64{}
	var buf []string
	for _, field := range []struct {
		text   string
		weight float64
	}{{t.Name, nameWeight}, {t.Description, 1}, {t.Category, 1}} {
		buf = tokenize(field.text, buf[:0])
		for _, tok := range buf {
			tf[tok] += field.weight
		}
	}
	if strings.TrimSpace(t.Category) != "" {
		tf[categoryToken(t.Category)] += categoryWeight
	}
	return tf
}

// term is one term of a product vector: its index in the vocabulary and its weight.
type term struct {
	id int32
	w  float32
}

// tfidf returns each product's L2-normalised TF-IDF vector, terms ascending by id, and the
// vocabulary (term id → token). A product without tokens gets an empty vector.
func tfidf(texts []ProductText) (vectors [][]term, vocab []string) {
	tfs := make([]map[string]float64, len(texts))
	df := map[string]int{}
	docs := 0
	for i, t := range texts {
		tfs[i] = termFrequencies(t)
		if len(tfs[i]) > 0 {
			docs++
		}
		for tok := range tfs[i] {
			df[tok]++
		}
	}
	for tok := range df {
		vocab = append(vocab, tok)
	}
	slices.Sort(vocab)
	ids := make(map[string]int32, len(vocab))
	for i, tok := range vocab {
		ids[tok] = int32(i)
	}
	vectors = make([][]term, len(texts))
	for i, tf := range tfs {
		var v []term
		for tok := range tf {
			v = append(v, term{id: ids[tok]})
		}
		// Sum in term order, not map order, so the weights are the same on every run.
		slices.SortFunc(v, func(a, b term) int { return int(a.id - b.id) })
		raw := make([]float64, 0, len(v))
		kept := v[:0]
		var sq float64
		for _, t := range v {
			if w := tf[vocab[t.id]] * math.Log(float64(docs)/float64(df[vocab[t.id]])); w > 0 {
				raw, kept = append(raw, w), append(kept, t)
				sq += w * w
			}
		}
		inv := 1 / math.Sqrt(sq)
		for j := range kept {
			kept[j].w = float32(raw[j] * inv)
		}
		vectors[i] = kept
	}
	return vectors, vocab
}
