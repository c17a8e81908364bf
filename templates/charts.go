package templates

import "encoding/json"

// Dataset is one series of a chart.
type Dataset struct {
	Label string    `json:"label"`
	Data  []float64 `json:"data"`
	Color string    `json:"color,omitempty"`
	// YAxisID puts the series on the right-hand axis when "y1".
	YAxisID string `json:"yAxisID,omitempty"`
	Type    string `json:"type,omitempty"`
	Fill    bool   `json:"fill,omitempty"`
}

// XY is one point of a scatter chart.
type XY struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// ScatterSeries is one series of a scatter chart.
type ScatterSeries struct {
	Label string `json:"label"`
	Data  []XY   `json:"data"`
}

// Chart is a Chart.js chart declared in a data attribute and drawn by static/js/app.js.
type Chart struct {
	Type     string
	Labels   []string
	Datasets []Dataset
	// Horizontal draws bars left to right.
	Horizontal bool
	// RightAxis adds a second y axis for datasets with YAxisID "y1".
	RightAxis string
	// Scatter replaces Datasets for a scatter chart.
	Scatter []ScatterSeries
}

// JSON is the Chart.js configuration.
func (c Chart) JSON() string {
	opts := map[string]any{}
	scales := map[string]any{}
	if c.Horizontal {
		opts["indexAxis"] = "y"
		// Every bar's label is shown: a horizontal bar chart is read by its labels.
		scales["y"] = map[string]any{"ticks": map[string]any{"autoSkip": false}}
	}
	if (c.Type == "bar" || c.Type == "line") && !c.Horizontal {
		scales["y"] = map[string]any{"beginAtZero": true}
	}
	if c.RightAxis != "" {
		scales["y1"] = map[string]any{"beginAtZero": true, "position": "right", "grid": map[string]any{"drawOnChartArea": false},
			"title": map[string]any{"display": true, "text": c.RightAxis}}
	}
	if len(scales) > 0 {
		opts["scales"] = scales
	}
	data := map[string]any{"labels": c.Labels, "datasets": c.Datasets}
	if c.Scatter != nil {
		data = map[string]any{"datasets": c.Scatter}
	}
	b, _ := json.Marshal(map[string]any{"type": c.Type, "data": data, "options": opts})
	return string(b)
}
