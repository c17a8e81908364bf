package propensity

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// synthetic draws n rows of x ~ N(0, 1) (plus the intercept column) and
// y ~ Bernoulli(sigmoid(b + w·x)) from a fixed seed.
func synthetic(n int, w []float64, b float64, seed uint64) (*mat.Dense, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := mat.NewDense(n, len(w)+1, nil)
	y := make([]float64, n)
	for i := range n {
		x.Set(i, 0, 1)
		eta := b
		for j, wj := range w {
			v := rng.NormFloat64()
			x.Set(i, j+1, v)
			eta += wj * v
		}
		if rng.Float64() < sigmoid(eta) {
			y[i] = 1
		}
	}
	return x, y
}

// The maximum-likelihood estimate is asymptotically normal around the true coefficients
// with covariance H⁻¹ (the inverse Hessian of the negative log-likelihood at the fit). With
// n = 20000 each standard error is about 0.02, so allowing 4 standard errors is tight
// enough to catch a wrong gradient, Hessian or intercept handling (any of which moves an
// estimate by far more), while a correct fit lands outside it with probability about 6e-5
// per coefficient.
func TestFitRecoversKnownCoefficients(t *testing.T) {
	trueW := []float64{1.5, -1.0, 0.5, 0}
	const trueB = -0.5
	x, y := synthetic(20000, trueW, trueB, 42)
	f, err := fitLogistic(x, y, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	if !f.converged || f.iterations > 15 {
		t.Fatalf("converged %v after %d iterations (gradient norm %g); Newton should converge in a handful", f.converged, f.iterations, f.gradNorm)
	}
	got := append([]float64{f.intercept}, f.weights...)
	want := append([]float64{trueB}, trueW...)
	beta := mat.NewVecDense(len(got), slices.Clone(got))
	eta := mat.NewVecDense(len(y), nil)
	eta.MulVec(x, beta)
	var cov mat.Dense
	if err := cov.Inverse(hessian(x, eta, 0)); err != nil {
		t.Fatal(err)
	}
	for j := range want {
		se := math.Sqrt(cov.At(j, j))
		if se > 0.05 {
			t.Errorf("coefficient %d: standard error %.3f is too wide for the check to mean anything", j, se)
		}
		if d := math.Abs(got[j] - want[j]); d > 4*se {
			t.Errorf("coefficient %d = %.4f, want %.4f ± %.4f (4 standard errors)", j, got[j], want[j], 4*se)
		}
	}
}

func TestFitIsDeterministic(t *testing.T) {
	x, y := synthetic(3000, []float64{0.7, -0.3}, 0.2, 9)
	a, err := fitLogistic(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fitLogistic(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.intercept != b.intercept || !slices.Equal(a.weights, b.weights) {
		t.Fatalf("two fits differ: %v %v and %v %v", a.intercept, a.weights, b.intercept, b.weights)
	}
}

func TestPenaltyShrinksWeightsButNotTheIntercept(t *testing.T) {
	x, y := synthetic(5000, []float64{1.0, -2.0}, -1.0, 3)
	var norms []float64
	for _, lambda := range []float64{1e-9, 100, 1e9} {
		f, err := fitLogistic(x, y, lambda)
		if err != nil {
			t.Fatal(err)
		}
		if !f.converged {
			t.Fatalf("lambda %g: not converged (gradient norm %g)", lambda, f.gradNorm)
		}
		norms = append(norms, math.Hypot(f.weights[0], f.weights[1]))
		if lambda == 1e9 {
			// Weights pinned at zero leave the intercept alone to fit the base rate.
			rate := mean(y)
			if want := math.Log(rate / (1 - rate)); math.Abs(f.intercept-want) > 1e-6 {
				t.Errorf("intercept under a huge penalty = %.6f, want logit(base rate) %.6f", f.intercept, want)
			}
		}
	}
	if !(norms[0] > norms[1] && norms[1] > norms[2] && norms[2] < 1e-5) {
		t.Errorf("weight norms for growing lambda = %v, want strictly shrinking towards 0", norms)
	}
}

func TestFitRejectsCollinearFeaturesWithoutPenalty(t *testing.T) {
	x, y := synthetic(500, []float64{1, 0}, 0, 5)
	for i := range 500 {
		x.Set(i, 2, x.At(i, 1)) // the second feature copies the first
	}
	if _, err := fitLogistic(x, y, 0); !errors.Is(err, errSingular) {
		t.Fatalf("err = %v, want errSingular", err)
	}
	if _, err := fitLogistic(x, y, 1); err != nil {
		t.Fatalf("with a penalty the system is solvable: %v", err)
	}
}
