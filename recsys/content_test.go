package recsys

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/store"
)

// threeProducts reads testdata/content_products.csv: a red mug and a blue mug in Kitchen,
// a red scarf in Fashion, each described as a gift.
func threeProducts(t testing.TB) []ProductText {
	t.Helper()
	f, err := os.Open("testdata/content_products.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []ProductText
	for _, r := range recs[1:] {
		out = append(out, ProductText{Name: r[0], Description: r[1], Category: r[2]})
	}
	return out
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"lower-cases and splits on punctuation", "Red-Mug, 350ml!", []string{"red", "mug", "350ml"}},
		{"drops stop words and one-rune tokens", "A mug for the tea of you and I", []string{"mug", "tea"}},
		{"keeps letters beyond ASCII", "Crème brûlée, Größe XL", []string{"crème", "brûlée", "größe", "xl"}},
		{"splits on apostrophes and ampersands", "Kids' Toys & Games", []string{"kids", "toys", "games"}},
		{"keeps digits as tokens", "Pack of 3, 12 pieces", []string{"pack", "12", "pieces"}},
		{"nothing left from blanks and symbols", " -- & / ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenize(tt.in, nil); !slices.Equal(got, tt.want) {
				t.Errorf("tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// threeVectors are the TF-IDF vectors of threeProducts, by hand. N = 3; "gift" is in all
// three (idf ln 1 = 0, dropped); red, mug, kitchen and category:kitchen are in two
// (idf ln 3/2); the rest in one (idf ln 3). Term frequencies: the red mug has red 2+1,
// mug 2+1, ceramic 1, kitchen 1 and category:kitchen 2, so its raw weights are
// 3·ln1.5, 3·ln1.5, ln3, ln1.5, 2·ln1.5, divided by their norm 2.233426493.
var threeVectors = []map[string]float64{
	{"category:kitchen": 0.363087936, "ceramic": 0.491895432, "kitchen": 0.181543968, "mug": 0.544631904, "red": 0.544631904},
	{"blue": 0.869401620, "category:kitchen": 0.213913514, "kitchen": 0.106956757, "mug": 0.320870270, "tea": 0.289800540},
	{"category:fashion": 0.491698134, "fashion": 0.245849067, "red": 0.181471152, "scarf": 0.737547201, "warm": 0.245849067, "wool": 0.245849067},
}

func TestTFIDFWeightsMatchHandComputedValues(t *testing.T) {
	vectors, vocab := tfidf(threeProducts(t))
	for i, want := range threeVectors {
		got := map[string]float64{}
		for _, term := range vectors[i] {
			got[vocab[term.id]] = float64(term.w)
		}
		if len(got) != len(want) {
			t.Errorf("product %d has terms %v, want %v", i, got, want)
		}
		for tok, w := range want {
			if math.Abs(got[tok]-w) > 1e-6 {
				t.Errorf("product %d: weight of %q = %.9f, want %.9f", i, tok, got[tok], w)
			}
		}
	}
	if _, ok := slices.BinarySearch(vocab, "gift"); !ok {
		t.Error(`"gift" should be in the vocabulary even though it weighs nothing`)
	}
}

// Cosines of threeProducts: the mugs share mug, kitchen and category:kitchen; the red mug
// and the scarf share red; the blue mug and the scarf share nothing.
const cosMugs, cosRed = 0.271842957, 0.098834979

func TestContentCosineBetweenProducts(t *testing.T) {
	tests := []struct {
		name    string
		k       int
		product int32
		want    []Neighbour
	}{
		{"the red mug is nearest the blue mug, then the scarf", 5, 0, []Neighbour{{1, cosMugs}, {2, cosRed}}},
		{"the blue mug shares nothing with the scarf", 5, 1, []Neighbour{{0, cosMugs}}},
		{"the scarf shares red with the red mug", 5, 2, []Neighbour{{0, cosRed}}},
		{"top one keeps the best", 1, 0, []Neighbour{{1, cosMugs}}},
		{"a product outside the model has no neighbours", 5, 3, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := BuildContent(threeProducts(t), tt.k).Of(tt.product)
			if !slices.Equal(productsOf(got), productsOf(tt.want)) {
				t.Fatalf("neighbours = %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if math.Abs(float64(got[i].Sim-w.Sim)) > 1e-6 {
					t.Errorf("cos with %d = %.9f, want %.9f", w.Product, got[i].Sim, w.Sim)
				}
			}
		})
	}
}

func TestContentRecommendScoresTheProfileAndNamesTheStrongestProduct(t *testing.T) {
	c := BuildContent(threeProducts(t), 5)
	ln := func(x float64) float32 { return float32(math.Log(x)) }
	none := func(int32) bool { return false }
	tests := []struct {
		name    string
		history []Interaction
		skip    func(int32) bool
		want    []Candidate
	}{
		// Profile ln4·v0 + ln2·v2: the blue mug scores ln4·cos(0,1), the scarf ln4·cos(0,2),
		// the red mug ln2·cos(2,0) (a product's similarity to itself does not count).
		{"bought the red mug, viewed the scarf", []Interaction{{-1, 0, ln(4)}, {-1, 2, ln(2)}}, none,
			[]Candidate{{Product: 1, Score: 0.376854358, Because: 0}, {Product: 2, Score: 0.137014374, Because: 0}, {Product: 0, Score: 0.068507187, Because: 2}}},
		{"history skipped", []Interaction{{-1, 0, ln(4)}, {-1, 2, ln(2)}}, func(p int32) bool { return p != 1 },
			[]Candidate{{Product: 1, Score: 0.376854358, Because: 0}}},
		// The red mug gets cos(1,0) from the blue mug and cos(2,0) from the scarf: the mug wins.
		{"viewed the blue mug and the scarf", []Interaction{{-1, 1, 1}, {-1, 2, 1}}, func(p int32) bool { return p != 0 },
			[]Candidate{{Product: 0, Score: cosMugs + cosRed, Because: 1}}},
		{"a history without text neighbours gets nothing", []Interaction{{-1, 7, 1}}, none, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Recommend(tt.history, 10, tt.skip)
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if got[i].Product != w.Product || got[i].Because != w.Because || math.Abs(float64(got[i].Score-w.Score)) > 1e-6 {
					t.Errorf("candidate %d = %+v, want %+v", i, got[i], w)
				}
			}
		})
	}
	if c.Name() != AlgoContent || c.Len() != 3 {
		t.Errorf("Name, Len = %q, %d", c.Name(), c.Len())
	}
}

func TestContentBreaksTiesByLowerIndexAndIgnoresEmptyText(t *testing.T) {
	// Product 5's only word is in every product with text: its vector is empty, not NaN.
	texts := []ProductText{{Name: "Oak Shelf"}, {}, {Name: "Oak Shelf"}, {Name: "Oak Shelf"}, {Name: "Glass Vase"}, {Name: "Oak"}}
	for i := range texts {
		if texts[i].Name != "" && texts[i].Name != "Oak" {
			texts[i].Description = "Oak"
		}
	}
	if vectors, _ := tfidf(texts); len(vectors[5]) != 0 || len(vectors[1]) != 0 {
		t.Errorf("vectors of products 1 and 5 = %v, %v, want both empty", vectors[1], vectors[5])
	}
	c := BuildContent(texts, 5)
	if got := productsOf(c.Of(0)); !slices.Equal(got, []int32{2, 3}) {
		t.Errorf("neighbours of 0 = %v, want the identical 2 and 3 in index order", got)
	}
	for _, p := range []int32{1, 5} {
		if got := c.Of(p); len(got) != 0 {
			t.Errorf("product %d, without text that weighs, has neighbours %v", p, got)
		}
	}
	for p := range int32(6) {
		for _, nb := range c.Of(p) {
			if !(nb.Sim > 0 && nb.Sim <= 1) {
				t.Errorf("cos(%d, %d) = %v, want a number in (0, 1]", p, nb.Product, nb.Sim)
			}
		}
	}
	got := c.Recommend([]Interaction{{-1, 0, 1}}, 1, func(p int32) bool { return p == 0 })
	if len(got) != 1 || got[0].Product != 2 || math.Abs(float64(got[0].Score)-1) > 1e-6 {
		t.Errorf("top one for a history of product 0 = %v, want product 2 with cosine 1", got)
	}
}

func TestContentSurvivesEncoding(t *testing.T) {
	texts := syntheticTexts(200, 7)
	c := BuildContent(texts, 20)
	data, err := c.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeContent(data, 200)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != AlgoContent {
		t.Errorf("decoded name %q", m.Name())
	}
	history := []Interaction{{-1, 3, 1}, {-1, 40, 2}, {-1, 150, 0.5}}
	skip := func(p int32) bool { return p%5 == 0 }
	if got, want := m.Recommend(history, 10, skip), c.Recommend(history, 10, skip); !slices.Equal(got, want) || len(want) != 10 {
		t.Errorf("decoded model recommends %v, want %v", got, want)
	}
	if _, err := decodeContent(data, 199); err == nil {
		t.Error("decoding over another number of products must fail")
	}
	if _, err := decodeContent(data[:len(data)/2], 200); err == nil {
		t.Error("decoding a truncated model must fail")
	}
}

func TestLoadProductTextsFollowsTheGivenIDs(t *testing.T) {
	db := store.OpenTest(t)
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	insertRows(t, db, "products", "id, external_id, name, description, category, created_at, updated_at", [][]any{
		{3, "p3", "Red Mug", "A red mug.", "Kitchen", created, created},
		{5, "p5", "Blue Mug", "", "Kitchen", created, created},
		{9, "p9", "Not asked for", "", "", created, created},
	})
	got, err := LoadProductTexts(context.Background(), db, []int64{3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	want := []ProductText{{"Red Mug", "A red mug.", "Kitchen"}, {}, {"Blue Mug", "", "Kitchen"}}
	if !slices.Equal(got, want) {
		t.Errorf("texts = %+v, want %+v", got, want)
	}
	if got, err := LoadProductTexts(context.Background(), db, nil); err != nil || len(got) != 0 {
		t.Errorf("no ids gave %v, %v", got, err)
	}
}

// syntheticTexts returns n product texts over a vocabulary of 20,000 words drawn by a Zipf
// law (a few words are in many products), 50 categories, a 3-word name and a 25-word
// description each; it is deterministic for a seed.
func syntheticTexts(n int, seed uint64) []ProductText {
	rng := rand.New(rand.NewPCG(seed, 3))
	zipf := rand.NewZipf(rng, 1.1, 5, 19_999)
	word := func() string { return fmt.Sprintf("w%d", zipf.Uint64()) }
	out := make([]ProductText, n)
	for i := range out {
		var name, desc []string
		for range 3 {
			name = append(name, word())
		}
		for range 25 {
			desc = append(desc, word())
		}
		out[i] = ProductText{Name: strings.Join(name, " "), Description: strings.Join(desc, " "),
			Category: fmt.Sprintf("category %d", rng.IntN(50))}
	}
	return out
}

func BenchmarkBuildContent(b *testing.B) {
	texts := syntheticTexts(50_000, 42)
	for b.Loop() {
		BuildContent(texts, neighboursPerItem)
	}
}

func BenchmarkContentRecommend(b *testing.B) {
	for _, n := range []int{300, 50_000} {
		b.Run(fmt.Sprintf("%d products", n), func(b *testing.B) {
			c := BuildContent(syntheticTexts(n, 42), neighboursPerItem)
			h := benchHistory(n)
			skip := func(int32) bool { return false }
			for b.Loop() {
				if got := c.Recommend(h, 10, skip); len(got) != 10 {
					b.Fatalf("got %d candidates", len(got))
				}
			}
		})
	}
}
