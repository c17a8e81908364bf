package clusters

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/persona-app/persona/store"
)

// Service trains, stores and serves the customer clusters.
type Service struct {
	DB  *store.DB
	Now func() time.Time
}

// NewService returns a Service over db; now is the clock recency is measured against.
func NewService(db *store.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{DB: db, Now: now}
}

// RunOptions says how to train.
type RunOptions struct {
	// K is the number of clusters; 0 chooses it by silhouette between KMin and KMax.
	K int `json:"k"`
	// KMin and KMax bound the automatic choice (defaults 2 and 10).
	KMin int `json:"k_min"`
	KMax int `json:"k_max"`
	// Features to cluster on; empty means DefaultFeatures.
	Features []string `json:"features"`
	Seed     uint64   `json:"seed"`
	// Restarts is the number of k-means++ seedings per k (default DefaultRestarts).
	Restarts int `json:"restarts"`
}

// Limits of RunOptions.
const (
	DefaultKMin = 2
	DefaultKMax = 10
	MaxK        = 50
	// PCASample bounds the points of the report's scatter chart.
	PCASample = 2000
	// CurveSample bounds the customers k is chosen on (see train).
	CurveSample = 100_000
	// keptModels is how many past models stay in cluster_models.
	keptModels = 30
)

// Report is what a run found, stored with the model and shown to the marketer.
type Report struct {
	ModelID   int64      `json:"model_id"`
	TrainedAt time.Time  `json:"trained_at"`
	Options   RunOptions `json:"options"`
	K         int        `json:"k"`
	Features  []string   `json:"features"`
	Customers int        `json:"customers"`
	// Inertia is the sum of squared distances to the centroids in the standardised space.
	Inertia float64 `json:"inertia"`
	// Silhouette is the mean silhouette, on SilhouetteSample customers when there are more.
	Silhouette float64 `json:"silhouette"`
	Iterations int     `json:"iterations"`
	// Sizes and Clusters are in cluster key order.
	Sizes    []int           `json:"sizes"`
	Clusters []ClusterReport `json:"clusters"`
	// Curve is the elbow and silhouette curve over k, when k was chosen automatically, on
	// CurveRows customers (a sample when there are more than CurveSample).
	Curve     []KPoint `json:"curve,omitempty"`
	CurveRows int      `json:"curve_rows,omitempty"`
	// PCA is up to PCASample customers on the first two principal components.
	PCA       []PCAPoint `json:"pca"`
	Explained [2]float64 `json:"explained"`
	// Agreement is the adjusted Rand index with the previous model over the customers both
	// assigned; nil on the first run.
	Agreement       *float64      `json:"agreement"`
	PreviousModelID int64         `json:"previous_model_id,omitempty"`
	Duration        time.Duration `json:"duration"`
}

// ClusterReport describes one cluster.
type ClusterReport struct {
	// Key stays with the cluster across retrains (see Match).
	Key      int    `json:"key"`
	Label    string `json:"label"`
	Size     int    `json:"size"`
	Portrait string `json:"portrait"`
	// TopCategory is the category with the largest share of the cluster's spend, if any.
	TopCategory string `json:"top_category,omitempty"`
	// Centroid is in the features' own units, in Report.Features order.
	Centroid []float64      `json:"centroid"`
	Numbers  []FeatureValue `json:"numbers"`
}

// PCAPoint is one customer on the scatter chart.
type PCAPoint struct {
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	Key int     `json:"key"`
}

// Cluster is one cluster of the latest model, for lists and the rule editor.
type Cluster struct {
	Key      int
	Label    string
	Size     int
	Portrait string
}

// check validates o and fills in the defaults.
func (o RunOptions) check() (RunOptions, error) {
	fe := store.FieldErrors{}
	if len(o.Features) == 0 {
		o.Features = slices.Clone(DefaultFeatures)
	}
	if err := checkFeatures(o.Features); err != nil {
		fe, _ = store.AsFieldErrors(err)
	}
	if o.K < 0 || o.K > MaxK {
		fe.Add("k", fmt.Sprintf("k must be between 1 and %d, or 0 to choose it", MaxK))
	}
	if o.K == 0 {
		if o.KMin == 0 {
			o.KMin = DefaultKMin
		}
		if o.KMax == 0 {
			o.KMax = DefaultKMax
		}
		if o.KMin < 2 || o.KMax < o.KMin || o.KMax > MaxK {
			fe.Add("k", fmt.Sprintf("the range of k must lie within 2..%d, got %d..%d", MaxK, o.KMin, o.KMax))
		}
	}
	if o.Restarts < 0 {
		fe.Add("restarts", "restarts must be positive")
	}
	if o.Restarts == 0 {
		o.Restarts = DefaultRestarts
	}
	return o, fe.Err()
}

// Run trains a model on every customer and makes it the current one: it loads and
// standardises the features, clusters them (choosing k when opt.K is 0), describes each
// cluster, gives clusters the keys of the previous model's clusters they match, and in
// one transaction stores the model, its clusters and every customer's cluster.
func (s *Service) Run(ctx context.Context, opt RunOptions) (Report, error) {
	start := time.Now()
	opt, err := opt.check()
	if err != nil {
		return Report{}, err
	}
	ds, err := s.loadFeatures(ctx, opt.Features)
	if err != nil {
		return Report{}, err
	}
	if need := max(opt.K, opt.KMin); ds.x.Rows < need {
		return Report{}, store.FieldErrors{"k": fmt.Sprintf("%d customers are too few for %d clusters", ds.x.Rows, need)}
	}
	z, mean, std := Standardise(ds.x)
	ds.x = nil
	rep := Report{TrainedAt: s.Now().UTC(), Options: opt, Features: opt.Features, Customers: z.Rows}
	res, err := train(z, opt, &rep, CurveSample)
	if err != nil {
		return Report{}, fmt.Errorf("clusters: train: %w", err)
	}
	rep.Inertia, rep.Iterations = res.Inertia, res.Iterations
	prev, err := s.previousModel(ctx)
	if err != nil {
		return Report{}, err
	}
	m := newModel(opt.Features, mean, std, res.Centroids, prev)
	keys := m.Keys
	if err := s.compareWithPrevious(ctx, &rep, prev, ds.ids, res.Labels, keys); err != nil {
		return Report{}, err
	}
	rep.Clusters = describeClusters(ds, res, mean, std, opt.Features, keys)
	for _, c := range rep.Clusters {
		rep.Sizes = append(rep.Sizes, c.Size)
	}
	coords, explained := PCA2(z)
	rep.Explained = explained
	for _, i := range sampleRows(z.Rows, PCASample, opt.Seed) {
		rep.PCA = append(rep.PCA, PCAPoint{X: coords[i][0], Y: coords[i][1], Key: keys[res.Labels[i]]})
	}
	rep.Duration = time.Since(start)
	id, err := s.persist(ctx, &rep, m, ds.ids, res)
	if err != nil {
		return Report{}, err
	}
	rep.ModelID = id
	rep.Duration = time.Since(start)
	return rep, nil
}

// train clusters z with k given or, when opt.K is 0, chosen by silhouette; with more than
// curveSample rows the choice (and the curve) is made on a sample of curveSample rows and
// only the chosen k is then trained on every row. It sets the report's k, curve and
// silhouette.
func train(z *Matrix, opt RunOptions, rep *Report, curveSample int) (Result, error) {
	kopt := Options{K: opt.K, Restarts: opt.Restarts, Seed: opt.Seed}
	if opt.K > 0 {
		rep.K = opt.K
		res, err := KMeans(z, kopt)
		if err == nil {
			rep.Silhouette = Silhouette(z, res.Labels, rep.K, SilhouetteSample, opt.Seed)
		}
		return res, err
	}
	zs := z
	if z.Rows > curveSample {
		zs = rowsOf(z, sampleRows(z.Rows, curveSample, opt.Seed))
	}
	rep.CurveRows = zs.Rows
	k, curve, res, err := chooseK(zs, opt.KMin, opt.KMax, kopt)
	if err != nil {
		return Result{}, err
	}
	rep.K, rep.Curve = k, curve
	if zs == z {
		for _, p := range curve {
			if p.K == k {
				rep.Silhouette = p.Silhouette
			}
		}
		return res, nil
	}
	kopt.K = k
	if res, err = KMeans(z, kopt); err != nil {
		return Result{}, err
	}
	rep.Silhouette = Silhouette(z, res.Labels, k, SilhouetteSample, opt.Seed)
	return res, nil
}

// rowsOf returns the given rows of x as a new matrix.
func rowsOf(x *Matrix, rows []int) *Matrix {
	out := NewMatrix(len(rows), x.Cols)
	for i, r := range rows {
		copy(out.Row(i), x.Row(r))
	}
	return out
}
