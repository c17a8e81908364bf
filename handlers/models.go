package handlers

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/segments/clusters"
	"github.com/persona-app/persona/segments/propensity"
	"github.com/persona-app/persona/store"
	"github.com/persona-app/persona/templates"
)

// TrainingState is where a training started from the UI has got to.
type TrainingState struct {
	Model                 string
	Running               bool
	Err                   string
	StartedAt, FinishedAt time.Time
	// Stage and Done say where a training that reports progress has got to (Done in 0..1).
	Stage string
	Done  float64
}

// Trainer starts model trainings in the background (built in cmd/persona).
type Trainer interface {
	Start(model string) error
	State(model string) TrainingState
}

// Models shows the learned models, how good they are, and retrains them.
type Models struct {
	Base
	Trainer    Trainer
	Propensity *propensity.Service
	Recsys     *recsys.Service
	Clusters   *clusters.Service
	Campaigns  *campaigns.Service
}

// modelNames are the models the page can train.
var modelNames = map[string]bool{"propensity": true, "recsys": true, "recsys-eval": true, "clusters": true}

// Show renders the models page.
func (h *Models) Show(c echo.Context) error {
	ctx := c.Request().Context()
	vm := templates.ModelsView{}
	rep, ok, err := h.Propensity.Latest(ctx)
	if err != nil {
		return err
	}
	if ok {
		vm.Propensity = propensityView(rep)
	}
	vm.Recsys = h.recsysModel()
	vm.PropensityTraining = h.trainingView("propensity", durationOf(vm.Propensity))
	var recDur time.Duration
	if vm.Recsys != nil {
		recDur = vm.Recsys.Duration
	}
	vm.RecsysTraining = h.trainingView("recsys", recDur)
	cl, ok, err := h.Clusters.Latest(ctx)
	if err != nil {
		return err
	}
	var clDur time.Duration
	if ok {
		vm.Clusters, clDur = clustersView(cl), cl.Duration
	}
	vm.ClustersTraining = h.trainingView("clusters", clDur)
	return render(c, http.StatusOK, templates.ModelsPage(h.page(c, "Models", "models"), vm))
}

// recsysModel describes the serving recommender, or is nil before any training.
func (h *Models) recsysModel() *templates.RecsysModel {
	st, ok := h.Recsys.Status()
	if !ok {
		return nil
	}
	return &templates.RecsysModel{TrainedAt: st.TrainedAt, Interactions: st.Interactions, Customers: st.Customers, Items: st.Items, Duration: st.Duration}
}

func durationOf(p *templates.PropensityModel) time.Duration {
	if p == nil {
		return 0
	}
	return p.Duration
}

func (h *Models) trainingView(model string, last time.Duration) templates.TrainingView {
	st := h.Trainer.State(model)
	v := templates.TrainingView{Model: model, Running: st.Running, Err: st.Err, Expected: last, Stage: st.Stage, Done: st.Done}
	if st.Running {
		v.Elapsed = h.Now().Sub(st.StartedAt)
	}
	return v
}

func propensityView(r propensity.Report) *templates.PropensityModel {
	m := &templates.PropensityModel{TrainedAt: r.TrainedAt, HorizonDays: r.HorizonDays, TrainCut: r.TrainCut, TestCut: r.TestCut,
		TrainN: r.TrainN, TestN: r.TestN, BaseRate: r.BaseRate, AUC: r.AUC, LogLoss: r.LogLoss, Lift: r.TopDecileLift,
		BestFeature: r.BestSingleFeature.Name, BestFeatureAUC: r.BestSingleFeature.AUC, Scored: r.Scored, Duration: r.Duration, HistoryDays: r.HistoryDays}
	for _, b := range r.Calibration {
		m.Calibration = append(m.Calibration, templates.CalibrationBin{Lower: b.Lower, Upper: b.Upper, Count: b.Count, Predicted: b.MeanPredicted, Observed: b.ObservedRate})
	}
	for _, c := range r.Coefficients {
		m.Coefficients = append(m.Coefficients, templates.Weight{Name: c.Feature, Value: c.Weight})
	}
	return m
}

func clustersView(r clusters.Report) *templates.ClustersModel {
	m := &templates.ClustersModel{TrainedAt: r.TrainedAt, K: r.K, Customers: r.Customers, Features: r.Features, Inertia: r.Inertia,
		Silhouette: r.Silhouette, Agreement: r.Agreement, Duration: r.Duration, Explained: r.Explained}
	for _, c := range r.Clusters {
		row := templates.ClusterRow{Key: c.Key, Label: c.Label, Portrait: c.Portrait, Size: c.Size}
		for _, n := range c.Numbers {
			row.Numbers = append(row.Numbers, templates.Weight{Name: n.Name, Value: n.Value})
		}
		m.Clusters = append(m.Clusters, row)
	}
	for _, p := range r.Curve {
		m.Curve = append(m.Curve, templates.CurvePoint{K: p.K, Inertia: p.Inertia, Silhouette: p.Silhouette})
	}
	series := map[int]int{}
	for _, c := range r.Clusters {
		series[c.Key] = len(m.PCA)
		m.PCA = append(m.PCA, templates.ScatterSeries{Label: strconv.Itoa(c.Key) + " " + c.Label})
	}
	for _, p := range r.PCA {
		if i, ok := series[p.Key]; ok {
			m.PCA[i].Data = append(m.PCA[i].Data, templates.XY{X: p.X, Y: p.Y})
		}
	}
	return m
}

// Train starts training a model in the background.
func (h *Models) Train(c echo.Context) error {
	model := c.Param("model")
	if !modelNames[model] {
		return store.ErrNotFound
	}
	if err := h.Trainer.Start(model); err != nil {
		return err
	}
	if c.FormValue("back") == "recommender" {
		return h.redirect(c, "/models/recommender", "")
	}
	return h.redirect(c, "/models", "")
}

// Status is the live progress of a training, polled while it runs; when it ends the page
// reloads to show the new model.
func (h *Models) Status(c echo.Context) error {
	model := c.Param("model")
	if !modelNames[model] {
		return store.ErrNotFound
	}
	v := h.trainingView(model, 0)
	if !v.Running {
		c.Response().Header().Set("HX-Refresh", "true")
	}
	if exp := c.QueryParam("expected_ms"); exp != "" {
		if ms, err := time.ParseDuration(exp + "ms"); err == nil {
			v.Expected = ms
		}
	}
	return render(c, http.StatusOK, templates.TrainingProgress(h.page(c, "", "models"), v))
}

// Recommender shows the recommender: the models in use, the latest offline evaluation of
// every algorithm against the baselines, and which algorithm each campaign uses.
func (h *Models) Recommender(c echo.Context) error {
	ctx := c.Request().Context()
	vm := templates.RecommenderView{}
	for _, a := range h.Recsys.Algorithms() {
		vm.Algorithms = append(vm.Algorithms, recsys.Label(a))
	}
	if weights, ok := h.Recsys.BlendWeights(); ok {
		vm.Blend = blendSummary(weights)
	}
	vm.Model = h.recsysModel()
	var trainDur time.Duration
	if vm.Model != nil {
		trainDur = vm.Model.Duration
	}
	rep, ok, err := h.Recsys.LatestEvaluation(ctx)
	if err != nil {
		return err
	}
	var evalDur time.Duration
	if ok {
		vm.Evaluation, evalDur = evaluationView(rep), rep.Duration
	}
	vm.Training = h.trainingView("recsys", trainDur)
	vm.Evaluating = h.trainingView("recsys-eval", evalDur)
	vm.Training.Back, vm.Evaluating.Back = "recommender", "recommender"
	uses, err := h.Campaigns.AlgorithmUses(ctx)
	if err != nil {
		return err
	}
	for _, u := range uses {
		rules, err := campaigns.ParseRecRules(u.Rules)
		if err != nil {
			return err
		}
		algo := recsys.Label(u.Asked)
		if u.Served != "" && u.Served != u.Asked {
			algo += ", served by " + recsys.Label(u.Served)
		}
		vm.Campaigns = append(vm.Campaigns, templates.CampaignAlgorithm{ID: u.CampaignID, Campaign: u.Campaign, Template: u.Template,
			Algorithm: algo, Rules: rules.Summary(), Sent: u.Sent, Opened: u.Opened, Clicked: u.Clicked})
	}
	results, err := h.Campaigns.AlgorithmResults(ctx)
	if err != nil {
		return err
	}
	for _, r := range results {
		r.Algorithm = recsys.Label(r.Algorithm)
		vm.Results = append(vm.Results, templates.AlgorithmResult(r))
	}
	return render(c, http.StatusOK, templates.RecommenderPage(h.page(c, "Recommender", "models"), vm))
}

func evaluationView(r recsys.EvalReport) *templates.EvaluationView {
	v := &templates.EvaluationView{K: r.K, Holdout: r.Holdout, Interactions: r.Interactions, Products: r.Products,
		TrainCustomer: r.TrainCustomers, At: r.EvaluatedAt, Duration: r.Duration}
	best := -1
	for i, m := range r.Results {
		v.Rows = append(v.Rows, templates.EvalRow{Algorithm: m.Algorithm, Label: recsys.Label(m.Algorithm), Precision: m.Precision, Recall: m.Recall,
			NDCG: m.NDCG, HitRate: m.HitRate, MAP: m.MAP, Cov: m.Coverage, Customers: m.Customers})
		v.Evaluated = max(v.Evaluated, m.Customers)
		if m.Algorithm == recsys.AlgoPopularity {
			v.PopularityNDCG = m.NDCG
		}
		if best < 0 || m.NDCG > r.Results[best].NDCG {
			best = i
		}
	}
	if best >= 0 {
		v.Rows[best].Best = true
	}
	return v
}

// blendSummary says what "best" serves: "the blend of Matrix factorisation (ALS) 51 %,
// User-to-user 49 %, weights tuned on a validation split", heaviest first, or, when tuning
// kept one algorithm, that algorithm alone: a blend of one is not a blend to the marketer
// reading it.
func blendSummary(weights map[string]float64) string {
	names := make([]string, 0, len(weights))
	for name, w := range weights {
		if w > 0 {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if weights[names[i]] != weights[names[j]] {
			return weights[names[i]] > weights[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) == 1 {
		return recsys.Label(names[0]) + " alone (tuning on a validation split found no blend that did better)"
	}
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %.0f %%", recsys.Label(name), 100*weights[name])
	}
	return "the blend of " + strings.Join(parts, ", ") + ", weights tuned on a validation split"
}
