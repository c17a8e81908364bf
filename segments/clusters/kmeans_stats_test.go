package clusters

import (
	"math"
	"testing"
)

func TestSilhouetteMatchesHandComputedValues(t *testing.T) {
	tests := []struct {
		name   string
		x      *Matrix
		labels []int
		k      int
		want   float64
	}{
		{
			// Row 0: a = 1 (to 1), b = (5+6)/2 = 5.5, s = 4.5/5.5. Row 1: a = 1, b = 4.5,
			// s = 3.5/4.5; rows 2 and 3 mirror rows 1 and 0.
			name:   "two pairs on a line",
			x:      matrix([]float64{0}, []float64{1}, []float64{5}, []float64{6}),
			labels: []int{0, 0, 1, 1}, k: 2,
			want: (4.5/5.5 + 3.5/4.5) / 2,
		},
		{
			// The lone row 3 scores 0. Row 0: a = (1+2)/2 = 1.5, b = 10, s = 8.5/10; row 1:
			// a = 1, b = 9, s = 8/9; row 2: a = 1.5, b = 8, s = 6.5/8.
			name:   "a singleton cluster scores zero",
			x:      matrix([]float64{0}, []float64{1}, []float64{2}, []float64{10}),
			labels: []int{0, 0, 0, 1}, k: 2,
			want: (8.5/10 + 8.0/9 + 6.5/8 + 0) / 4,
		},
		{
			// Distances are Euclidean: (0,0)-(3,4) is 5.
			name:   "Euclidean distance in two dimensions",
			x:      matrix([]float64{0, 0}, []float64{0, 1}, []float64{3, 4}, []float64{3, 5}),
			labels: []int{0, 0, 1, 1}, k: 2,
			want: ((math.Sqrt(25)+math.Sqrt(34))/2-1)/((math.Sqrt(25)+math.Sqrt(34))/2)/2 +
				((math.Sqrt(18)+5)/2-1)/((math.Sqrt(18)+5)/2)/2,
		},
		{
			name:   "one cluster only has no silhouette",
			x:      matrix([]float64{0}, []float64{1}),
			labels: []int{0, 0}, k: 1,
			want: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Silhouette(tc.x, tc.labels, tc.k, 100, 1); !near(got, tc.want, 1e-12) {
				t.Errorf("silhouette = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSilhouetteOnASampleIsRepeatableAndCloseToTheExactValue(t *testing.T) {
	x, truth := gaussians(2, 400, 1.0, []float64{0, 0}, []float64{5, 0}, []float64{0, 5})
	exact := Silhouette(x, truth, 3, x.Rows, 1)
	a := Silhouette(x, truth, 3, 300, 7)
	b := Silhouette(x, truth, 3, 300, 7)
	c := Silhouette(x, truth, 3, 300, 8)
	if a != b {
		t.Errorf("same seed, different samples: %v and %v", a, b)
	}
	if a == c {
		t.Errorf("another seed gave the same value %v: the seed is not used", a)
	}
	if !near(a, exact, 0.05) {
		t.Errorf("sampled %v is far from exact %v", a, exact)
	}
}

func TestChooseKPicksThreeOnThreeBlobs(t *testing.T) {
	x, _ := gaussians(4, 100, 0.6, []float64{0, 0}, []float64{6, 0}, []float64{3, 6})
	best, curve, err := ChooseK(x, 2, 6, Options{Restarts: 3, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if best != 3 {
		t.Errorf("chose k = %d, want 3 (curve %+v)", best, curve)
	}
	if len(curve) != 5 || curve[0].K != 2 || curve[4].K != 6 {
		t.Fatalf("curve covers %+v, want k = 2..6", curve)
	}
	for i := 1; i < len(curve); i++ {
		if curve[i].Inertia > curve[i-1].Inertia {
			t.Errorf("inertia rises from k=%d to k=%d: %+v", curve[i-1].K, curve[i].K, curve)
		}
	}
	if _, _, err := ChooseK(matrix([]float64{1}), 2, 4, Options{}); err == nil {
		t.Error("one row: no error")
	}
}

func TestPCA2OfPointsOnALineExplainsEverythingWithTheFirstComponent(t *testing.T) {
	// Points (3,−1) + s·(1,2): the first component is (1,2)/√5 and the coordinate along
	// it is (s − mean s)·√5; nothing is left for the second.
	steps := []float64{-2, 0, 1, 3, 7}
	var rows [][]float64
	for _, s := range steps {
		rows = append(rows, []float64{3 + s, -1 + 2*s})
	}
	coords, explained := PCA2(matrix(rows...))
	if !near(explained[0], 1, 1e-9) || !near(explained[1], 0, 1e-9) {
		t.Errorf("explained = %v, want [1 0]", explained)
	}
	mean := 9.0 / 5
	for i, s := range steps {
		if !near(coords[i][0], (s-mean)*math.Sqrt(5), 1e-9) || !near(coords[i][1], 0, 1e-9) {
			t.Errorf("point %d at %v, want (%v, 0)", i, coords[i], (s-mean)*math.Sqrt(5))
		}
	}
}

func TestPCA2SplitsVarianceBetweenTwoIndependentAxes(t *testing.T) {
	// Variance 4 along x, 1 along y, none along z: explained 0.8 and 0.2.
	x := matrix([]float64{2, 0, 5}, []float64{-2, 0, 5}, []float64{0, 1, 5}, []float64{0, -1, 5},
		[]float64{2, 0, 5}, []float64{-2, 0, 5}, []float64{0, 1, 5}, []float64{0, -1, 5})
	_, explained := PCA2(x)
	if !near(explained[0], 0.8, 1e-9) || !near(explained[1], 0.2, 1e-9) {
		t.Errorf("explained = %v, want [0.8 0.2]", explained)
	}
}
