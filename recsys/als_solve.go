package recsys

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// alsSolver is one goroutine's scratch space for the regularised least-squares solve of
// one row (a customer over the item factors, or an item over the customer factors). It
// factorises with gonum's lapack64.Potrf directly: mat.Cholesky would also estimate the
// condition number, which costs as much again as the factorisation.
type alsSolver struct {
	f       int
	a       []float64 // f×f, row-major; after solve, its Cholesky factor U (upper)
	chol    blas64.Triangular
	b, x, u []float64 // right-hand side, solution, explain's solution
	inv     []float64 // 1/U[i][i]: the triangular solves multiply instead of divide
	y       []float64 // four columns' factors, converted
}

func newALSSolver(f int) *alsSolver {
	return &alsSolver{f: f, a: make([]float64, f*f), b: make([]float64, f), x: make([]float64, f),
		u: make([]float64, f), inv: make([]float64, f), y: make([]float64, 4*f)}
}

// solve returns the x minimising Σ_j c_j·(p_j − xᵀy_j)² + λ·|x|² over every column j of
// src, where the row's entries have preference 1 and confidence 1 + α·w and all others
// preference 0 and confidence 1:
//
//	x = (YᵀY + λI + Σ_row α·w·y·yᵀ)⁻¹ · Σ_row (1 + α·w)·y
//
// so only the row's columns are touched. The slice is the solver's own, valid until the
// next call; s.chol keeps the factorisation for explain. An empty row, or a matrix that is
// not positive definite (λ = 0 with too few columns), gives the zero vector and false.
func (s *alsSolver) solve(gram []float64, src []float32, row []entry, lambda, alpha float64) ([]float64, bool) {
	f, a, b, x := s.f, s.a, s.b, s.x
	if len(row) == 0 {
		clear(x)
		return x, false
	}
	copy(a, gram)
	for i := range f {
		a[i*f+i] += lambda
	}
	clear(b)
	// Four columns at a time: one pass over A per four rank-one updates.
	var conf [4]float64
	for start := 0; start < len(row); start += 4 {
		group := row[start:min(start+4, len(row))]
		for k, e := range group {
			y := s.y[k*f : (k+1)*f]
			for i, v := range src[int(e.product)*f : int(e.product+1)*f] {
				y[i] = float64(v)
			}
			conf[k] = alpha * float64(e.w)
			for i, v := range y {
				b[i] += (1 + conf[k]) * v
			}
		}
		if len(group) == 4 {
			addOuterUpper4(a, s.y, conf, f)
			continue
		}
		for k := range group {
			addOuterUpper(a, s.y[k*f:(k+1)*f], conf[k], f)
		}
	}
	t, ok := lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: f, Stride: f, Data: a})
	if !ok {
		clear(x)
		return x, false
	}
	s.chol = t
	for i := range f {
		s.inv[i] = 1 / a[i*f+i]
	}
	copy(x, b)
	s.cholSolve(x)
	return x, true
}

// cholSolve solves A·x = v in place with A = UᵀU from the last successful solve: the
// two triangular solves are written out, along U's rows, because for one right-hand side
// at f ≈ 32 gonum's Trsv spends more on checks and strided access than on the f² work.
func (s *alsSolver) cholSolve(v []float64) {
	f, u := s.f, s.chol.Data
	for i := range f { // Uᵀ·z = v, forward, row i of U updating the later entries
		v[i] *= s.inv[i]
		zi, ui := v[i], u[i*f+i+1:i*f+f]
		rest := v[i+1 : i+1+len(ui)]
		for j := range ui {
			rest[j] -= ui[j] * zi
		}
	}
	for i := f - 1; i >= 0; i-- { // U·x = z, backward
		ui := u[i*f+i+1 : i*f+f]
		rest := v[i+1 : i+1+len(ui)]
		var dot float64
		for j := range ui {
			dot += ui[j] * rest[j]
		}
		v[i] = (v[i] - dot) * s.inv[i]
	}
}

// addOuterUpper4 adds Σ_k c[k]·y_k·y_kᵀ for the four vectors packed in ys (y_k is
// ys[k*f:(k+1)*f]) to the upper triangle of the f×f row-major matrix a.
func addOuterUpper4(a, ys []float64, c [4]float64, f int) {
	y0, y1, y2, y3 := ys[:f], ys[f:2*f], ys[2*f:3*f], ys[3*f:4*f]
	for i := range f {
		v0, v1, v2, v3 := c[0]*y0[i], c[1]*y1[i], c[2]*y2[i], c[3]*y3[i]
		ai := a[i*f+i : i*f+f]
		n := len(ai)
		z0, z1, z2, z3 := y0[i:i+n], y1[i:i+n], y2[i:i+n], y3[i:i+n]
		for j := range ai {
			ai[j] += v0*z0[j] + v1*z1[j] + v2*z2[j] + v3*z3[j]
		}
	}
}

// explain returns the row entry that contributes most to the score of the column with
// factors y, after a successful solve: the score xᵀy splits exactly into the terms
// c_j·y_jᵀ·A⁻¹·y over the row's columns j (Hu, Koren and Volinsky, section 5), and the
// largest positive term wins, ties to the lower index; -1 when no term is positive.
// cy holds the row's c_j·y_j, converted once per request (row-major, f per entry).
func (s *alsSolver) explain(cy []float64, y []float32, row []entry) int32 {
	f, u := s.f, s.u
	for i, v := range y {
		u[i] = float64(v)
	}
	s.cholSolve(u)
	because, best := int32(-1), 0.0
	for j, e := range row {
		c := dot(cy[j*f:(j+1)*f], u)
		if c > best || (c == best && because >= 0 && e.product < because) {
			because, best = e.product, c
		}
	}
	return because
}

// dot is the dot product of two equally long vectors, with four running sums so the
// additions do not wait on each other.
func dot[T float32 | float64](a, b []T) T {
	b = b[:len(a)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+3 < len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// alsScratch is Recommend's reusable state.
type alsScratch struct {
	solver *alsSolver
	row    []entry
	x      []float32
	scores []float32 // per product
	cy     []float64 // the history's confidence-weighted factors, for explain
	top    topK
	bounds []clusterBound // for the index search
}

// Recommend implements Model: it folds the history in (one solve with the stored YᵀY, as
// training does for a customer), scores every product with a factor vector by dot product,
// and names the history product with the largest share of the score (see explain).
func (m *ALS) Recommend(history []Interaction, n int, skip func(product int32) bool) []Candidate {
	cands, finish := m.stage(history, n, skip)
	finish(cands)
	return cands
}

// stage implements staged: the candidates of Recommend, unexplained, and a finish that
// explains any of them.
func (m *ALS) stage(history []Interaction, n int, skip func(product int32) bool) ([]Candidate, func([]Candidate)) {
	if n <= 0 {
		return nil, noFinish
	}
	f, nProducts := m.opts.Factors, len(m.known)
	s, ok := m.scratch.Get().(*alsScratch)
	if !ok {
		s = &alsScratch{solver: newALSSolver(f), x: make([]float32, f), scores: make([]float32, nProducts)}
	}
	s.row = s.row[:0]
	for _, h := range history {
		if h.Weight > 0 && h.Product >= 0 && int(h.Product) < nProducts {
			s.row = append(s.row, entry{product: h.Product, w: h.Weight})
		}
	}
	x, ok := s.solver.solve(m.gram, m.items, s.row, m.opts.Lambda, m.opts.Alpha)
	if !ok {
		m.scratch.Put(s)
		return nil, noFinish
	}
	for i, v := range x {
		s.x[i] = float32(v)
	}
	s.top.k = n
	s.top.reset()
	if m.index != nil {
		s.bounds, _ = m.index.search(s.x, &s.top, skip, s.bounds, true)
	} else {
		m.scoreAll(s, skip)
	}
	best := s.top.sorted()
	if len(best) == 0 {
		m.scratch.Put(s)
		return nil, noFinish
	}
	out := make([]Candidate, len(best))
	for i, c := range best {
		out[i] = Candidate{Product: c.Product, Score: c.Sim, Because: -1}
	}
	return out, func(explain []Candidate) {
		m.explain(s, explain)
		m.scratch.Put(s)
	}
}

// explain names each candidate's Because from the solver state stage left in s.
func (m *ALS) explain(s *alsScratch, cands []Candidate) {
	if len(cands) == 0 {
		return
	}
	f := m.opts.Factors
	s.cy = s.cy[:0]
	for _, e := range s.row {
		c := 1 + m.opts.Alpha*float64(e.w)
		for _, v := range m.items[int(e.product)*f : int(e.product+1)*f] {
			s.cy = append(s.cy, c*float64(v))
		}
	}
	for i, c := range cands {
		y := m.items[int(c.Product)*f : int(c.Product+1)*f]
		cands[i].Because = s.solver.explain(s.cy, y, s.row)
	}
}

// scoreAll offers s.top every known product, scored in one matrix-vector product over the
// factor-major copy: f long, vectorised axpy passes.
func (m *ALS) scoreAll(s *alsScratch, skip func(product int32) bool) {
	f, nProducts := m.opts.Factors, len(m.known)
	blas32.Gemv(blas.Trans, 1, blas32.General{Rows: f, Cols: nProducts, Stride: nProducts, Data: m.itemsT},
		blas32.Vector{N: f, Inc: 1, Data: s.x}, 0, blas32.Vector{N: nProducts, Inc: 1, Data: s.scores})
	for p, score := range s.scores {
		if !m.known[p] {
			continue
		}
		c := Neighbour{Product: int32(p), Sim: score}
		if len(s.top.heap) == s.top.k && !better(c, s.top.heap[0]) || skip(int32(p)) {
			continue
		}
		s.top.offer(c)
	}
}

// alsWire is the persisted form of ALS: the options, item factors and YᵀY.
type alsWire struct {
	Factors, Iterations int
	Lambda, Alpha       float64
	Seed                uint64
	Items               []float32
	Gram                []float64
}

// MarshalBinary implements Model.
func (m *ALS) MarshalBinary() ([]byte, error) {
	w := alsWire{Factors: m.opts.Factors, Iterations: m.opts.Iterations, Lambda: m.opts.Lambda,
		Alpha: m.opts.Alpha, Seed: m.opts.Seed, Items: m.items, Gram: m.gram}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(w); err != nil {
		return nil, fmt.Errorf("encode als model: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeALS reads a persisted ALS model over nProducts products and checks its sizes and
// numbers, so a damaged row cannot make serving index out of range or answer NaN.
func decodeALS(data []byte, nProducts int) (Model, error) {
	var w alsWire
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&w); err != nil {
		return nil, fmt.Errorf("decode als model: %w", err)
	}
	if w.Factors <= 0 || len(w.Items) != nProducts*w.Factors || len(w.Gram) != w.Factors*w.Factors {
		return nil, fmt.Errorf("decode als model: inconsistent sizes")
	}
	if !(w.Lambda >= 0) || !(w.Alpha >= 0) || math.IsInf(w.Lambda, 0) || math.IsInf(w.Alpha, 0) {
		return nil, fmt.Errorf("decode als model: bad lambda %v or alpha %v", w.Lambda, w.Alpha)
	}
	for _, v := range w.Items {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("decode als model: item factor %v is not a number", v)
		}
	}
	for _, v := range w.Gram {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("decode als model: gram entry %v is not a number", v)
		}
	}
	opts := ALSOptions{Factors: w.Factors, Iterations: w.Iterations, Lambda: w.Lambda, Alpha: w.Alpha, Seed: w.Seed}
	return newALS(opts, w.Items, w.Gram), nil
}
