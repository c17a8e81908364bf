package recsys

import (
	"encoding/binary"
	"math/rand/v2"
)

// AlgoRandom is the random baseline of offline evaluation.
const AlgoRandom = "random"

// Random proposes products uniformly at random: the floor every recommender must beat.
// It is deterministic for a seed and a sequence of calls, and not safe for concurrent use.
type Random struct {
	seed uint64
	rng  *rand.Rand
	perm []int32
}

// NewRandom returns a random recommender over nProducts products, seeded.
func NewRandom(nProducts int, seed uint64) *Random {
	perm := make([]int32, nProducts)
	for i := range perm {
		perm[i] = int32(i)
	}
	return &Random{seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed)), perm: perm}
}

// Name implements Model.
func (r *Random) Name() string { return AlgoRandom }

// Recommend implements Model: up to n distinct products drawn at random, none skipped.
// A partial Fisher–Yates shuffle keeps the permutation valid from call to call, so each
// call costs O(n + skipped draws).
func (r *Random) Recommend(_ []Interaction, n int, skip func(product int32) bool) []Candidate {
	var out []Candidate
	for i := 0; i < len(r.perm) && len(out) < n; i++ {
		j := i + r.rng.IntN(len(r.perm)-i)
		r.perm[i], r.perm[j] = r.perm[j], r.perm[i]
		if !skip(r.perm[i]) {
			out = append(out, Candidate{Product: r.perm[i], Score: float32(n - len(out)), Because: -1})
		}
	}
	return out
}

// MarshalBinary implements Model: the product count and the seed.
func (r *Random) MarshalBinary() ([]byte, error) {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(r.perm)))
	return binary.LittleEndian.AppendUint64(b, r.seed), nil
}
