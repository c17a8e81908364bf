package propensity

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Fitting limits: Newton's method stops when the gradient norm falls below gradTol or after
// maxIter steps. Logistic loss is smooth and convex, so Newton converges quadratically and a
// handful of steps usually suffice.
const (
	gradTol      = 1e-8
	maxIter      = 50
	maxHalvings  = 30
	hessianBlock = 4096 // rows per block when the Hessian is accumulated
)

// fit is a fitted logistic regression: P(y=1 | z) = sigmoid(intercept + weights·z).
type fit struct {
	weights    []float64
	intercept  float64
	iterations int
	converged  bool
	gradNorm   float64
}

// errSingular means Newton's system could not be solved: with lambda near zero, features
// that are exact copies of each other leave the Hessian singular.
var errSingular = errors.New("the Hessian is singular (collinear features and lambda near 0): raise lambda")

// fitLogistic minimises the L2-penalised negative log-likelihood
//
//	sum_i [ log(1 + exp(eta_i)) - y_i eta_i ] + lambda/2 * ||weights||^2,  eta_i = b + x_i·w
//
// by Newton's method (iteratively reweighted least squares) with step halving. The
// intercept b is not penalised. x is n×d (the first column is the intercept column of
// ones), y holds 0s and 1s. The result is deterministic: the same input gives the same
// bits. This objective equals scikit-learn's LogisticRegression(C=1/lambda) with an
// unpenalised intercept.
func fitLogistic(x *mat.Dense, y []float64, lambda float64) (fit, error) {
	n, p := x.Dims()
	if n != len(y) || n == 0 {
		return fit{}, fmt.Errorf("fit: %d rows and %d labels", n, len(y))
	}
	beta := mat.NewVecDense(p, nil)
	eta := mat.NewVecDense(n, nil)
	resid := mat.NewVecDense(n, nil)
	grad := mat.NewVecDense(p, nil)
	step := mat.NewVecDense(p, nil)
	trial := mat.NewVecDense(p, nil)
	obj := objective(x, y, beta, lambda, eta)
	var f fit
	for it := 0; ; it++ {
		gradient(x, y, beta, lambda, eta, resid, grad)
		f.iterations, f.gradNorm = it, mat.Norm(grad, 2)
		if f.gradNorm < gradTol {
			f.converged = true
			break
		}
		if it == maxIter {
			break
		}
		var chol mat.Cholesky
		if !chol.Factorize(hessian(x, eta, lambda)) {
			return fit{}, errSingular
		}
		if err := chol.SolveVecTo(step, grad); err != nil {
			return fit{}, fmt.Errorf("%w: %v", errSingular, err)
		}
		// Step halving keeps each step downhill when the full Newton step overshoots.
		t, improved := 1.0, false
		for range maxHalvings {
			trial.AddScaledVec(beta, -t, step)
			if next := objective(x, y, trial, lambda, eta); next <= obj {
				beta.CopyVec(trial)
				obj, improved = next, true
				break
			}
			t /= 2
		}
		if !improved {
			// No step lowers the objective: it is at its minimum to machine precision.
			objective(x, y, beta, lambda, eta)
			f.converged = true
			break
		}
	}
	f.intercept = beta.AtVec(0)
	f.weights = make([]float64, p-1)
	for j := range f.weights {
		f.weights[j] = beta.AtVec(j + 1)
	}
	return f, nil
}

// objective returns the penalised negative log-likelihood at beta and leaves x·beta in eta.
func objective(x *mat.Dense, y []float64, beta *mat.VecDense, lambda float64, eta *mat.VecDense) float64 {
	eta.MulVec(x, beta)
	var s float64
	for i, yi := range y {
		e := eta.AtVec(i)
		s += log1pExp(e) - yi*e
	}
	var w2 float64
	for j := 1; j < beta.Len(); j++ {
		w2 += beta.AtVec(j) * beta.AtVec(j)
	}
	return s + lambda/2*w2
}

// gradient computes Xᵀ(p − y) + lambda·w (no penalty on the intercept) at beta, whose
// linear predictor is already in eta.
func gradient(x *mat.Dense, y []float64, beta *mat.VecDense, lambda float64, eta, resid, grad *mat.VecDense) {
	for i, yi := range y {
		resid.SetVec(i, sigmoid(eta.AtVec(i))-yi)
	}
	grad.MulVec(x.T(), resid)
	for j := 1; j < beta.Len(); j++ {
		grad.SetVec(j, grad.AtVec(j)+lambda*beta.AtVec(j))
	}
}

// hessian returns XᵀWX + lambda·I' (I' without the intercept), W = diag(p(1−p)), built
// block by block so the scratch memory stays small whatever the number of rows.
func hessian(x *mat.Dense, eta *mat.VecDense, lambda float64) *mat.SymDense {
	n, p := x.Dims()
	h := mat.NewSymDense(p, nil)
	scratch := mat.NewDense(min(hessianBlock, n), p, nil)
	for start := 0; start < n; start += hessianBlock {
		end := min(n, start+hessianBlock)
		block := scratch.Slice(0, end-start, 0, p).(*mat.Dense)
		for i := start; i < end; i++ {
			pi := sigmoid(eta.AtVec(i))
			sw := math.Sqrt(pi * (1 - pi))
			for j := range p {
				block.Set(i-start, j, sw*x.At(i, j))
			}
		}
		h.SymRankK(h, 1, block.T())
	}
	for j := 1; j < p; j++ {
		h.SetSym(j, j, h.At(j, j)+lambda)
	}
	return h
}

// sigmoid is the logistic function, computed without overflow for large |z|.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// log1pExp is log(1 + exp(z)) without overflow.
func log1pExp(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}
