// Package recsys owns Persona's recommenders: reading interactions from the database,
// training the models, persisting them in recsys_models, and serving recommendations from
// memory. It never touches HTTP or templ, and it computes nothing on the request path that
// training should have computed (an untrained service answers ErrNotTrained).
package recsys

import (
	"errors"
	"time"
)

// Algorithm names, stored in recsys_models.algorithm and shown beside each recommendation.
const (
	AlgoItemItem   = "item-to-item"
	AlgoPopularity = "popularity"
)

// algorithmOrder is the order algorithms are trained, persisted and listed in.
var algorithmOrder = []string{AlgoBlend, AlgoItemItem, AlgoUserUser, AlgoContent, AlgoRules, AlgoALS, AlgoPopularity}

// ErrNotTrained is returned by the serving methods before any model was trained or loaded.
var ErrNotTrained = errors.New("recsys: not trained yet")

// Interaction is one customer's dampened interest in one product, both as dense indices.
type Interaction struct {
	Customer, Product int32
	Weight            float32
}

// Candidate is one product a model proposes, with its score and what explains it: the
// history product that contributed most (Because is -1 when the model has no such product),
// the rule's confidence and lift for association rules, and, in a blend, the component
// algorithm whose contribution was largest (Source is empty when it is the model itself).
type Candidate struct {
	Product          int32
	Score            float32
	Because          int32
	Confidence, Lift float32
	Source           string
}

// Model is one trained recommender over the dense product space of a training run.
type Model interface {
	// Name is the algorithm name stored with the model.
	Name() string
	// Recommend returns up to n candidates, best first, for a customer whose history is
	// given (Customer is -1 there: models score from history so fresh behaviour counts at
	// once), never proposing a product for which skip returns true.
	Recommend(history []Interaction, n int, skip func(product int32) bool) []Candidate
	// MarshalBinary encodes the model for the recsys_models table.
	MarshalBinary() ([]byte, error)
}

// decoders turns a persisted model back into a Model, by algorithm name.
var decoders = map[string]func(data []byte, nProducts int) (Model, error){
	AlgoItemItem:   decodeNeighbours,
	AlgoPopularity: decodePopularity,
	algoSegments:   decodeSegments,
	AlgoRules:      decodeRules,
	AlgoUserUser:   decodeUserUser,
	AlgoContent:    decodeContent,
	AlgoALS:        decodeALS,
	AlgoBlend:      decodeBlend,
}

// Item is one recommended product as callers see it.
type Item struct {
	ProductID  int64
	ExternalID string
	Name       string
	Category   string
	Price      float64
	Currency   string
	ImageURL   string
	URL        string
	Score      float64
	// Reason says why, for the customer: "Because you viewed Red Mug".
	Reason string
	// Algorithm is the model that proposed the item ("item-to-item" or "popularity").
	Algorithm string
}

// TrainStats describes one training run.
type TrainStats struct {
	Algorithm string
	// Interactions counts the event and order rows used (before summing per customer and product).
	Interactions int
	// Customers and Items count those with at least one interaction.
	Customers, Items int
	Duration         time.Duration
	TrainedAt        time.Time
}

// Tuning, in one place.
const (
	// neighboursPerItem is K, the similar products kept per product.
	neighboursPerItem = 50
	// userNeighbours is k, the most similar customers user-to-user reads.
	userNeighbours = 50
	// contentNeighbours is K, the most similar products by text kept per product.
	contentNeighbours = 50
	// maxHistory bounds a customer's products (their most recent) in training and serving,
	// which bounds the quadratic cost of a heavy customer.
	maxHistory = 300
	// popularWindow is how far back popularity counts customers first.
	popularWindow = 30 * 24 * time.Hour
	// maxResults is the most recommendations one call returns.
	maxResults = 100
)
