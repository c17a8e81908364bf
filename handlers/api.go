package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/persona-app/persona/campaigns"
	"github.com/persona-app/persona/customers"
	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/store"
)

// API is the JSON API under /api/v1, authenticated by API key.
type API struct {
	Base
	Customers *customers.Service
	Recsys    *recsys.Service
	Campaigns *campaigns.Service
}

// maxBatch bounds one request's records.
const maxBatch = 10000

// decodeBatch reads one JSON object or an array of them.
func decodeBatch[T any](c echo.Context) ([]T, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, 32<<20))
	if err != nil {
		return nil, err
	}
	body = bytes.TrimSpace(body)
	var list []T
	if len(body) > 0 && body[0] == '[' {
		err = json.Unmarshal(body, &list)
	} else {
		var one T
		err = json.Unmarshal(body, &one)
		list = []T{one}
	}
	if err != nil {
		return nil, store.FieldErrors{"body": "not valid JSON for this endpoint: " + err.Error()}
	}
	if len(list) == 0 {
		return nil, store.FieldErrors{"body": "send one record or a non-empty array"}
	}
	if len(list) > maxBatch {
		return nil, store.FieldErrors{"body": "at most " + strconv.Itoa(maxBatch) + " records per request"}
	}
	return list, nil
}

// answerSummary answers 200 when every record was stored, 422 with the same summary when
// some were rejected (the good ones are stored either way).
func answerSummary(c echo.Context, sum customers.ImportSummary, err error) error {
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return c.JSON(http.StatusUnprocessableEntity, sum)
	}
	return c.JSON(http.StatusOK, sum)
}

// PostCustomers upserts customers.
func (h *API) PostCustomers(c echo.Context) error {
	in, err := decodeBatch[customers.CustomerInput](c)
	if err != nil {
		return err
	}
	sum, err := h.Customers.UpsertCustomers(c.Request().Context(), in)
	return answerSummary(c, sum, err)
}

// PostProducts upserts products.
func (h *API) PostProducts(c echo.Context) error {
	in, err := decodeBatch[customers.ProductInput](c)
	if err != nil {
		return err
	}
	sum, err := h.Customers.UpsertProducts(c.Request().Context(), in)
	return answerSummary(c, sum, err)
}

// PostOrders appends order lines.
func (h *API) PostOrders(c echo.Context) error {
	in, err := decodeBatch[customers.OrderInput](c)
	if err != nil {
		return err
	}
	sum, err := h.Customers.AddOrders(c.Request().Context(), in)
	return answerSummary(c, sum, err)
}

// PostEvents appends events.
func (h *API) PostEvents(c echo.Context) error {
	in, err := decodeBatch[customers.EventInput](c)
	if err != nil {
		return err
	}
	sum, err := h.Customers.AddEvents(c.Request().Context(), in)
	return answerSummary(c, sum, err)
}

// Recommendations returns the top-n products for a customer, by the shop's customer id,
// from the algorithm and under the business rules the query names (see recOptions).
func (h *API) Recommendations(c echo.Context) error {
	ctx := c.Request().Context()
	opts, err := recOptions(c, 10)
	if err != nil {
		return err
	}
	id, ext, err := h.Customers.CustomerIDByExternalID(ctx, c.Param("id"))
	if errors.Is(err, store.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, fmt.Sprintf("no customer with id %q", ext))
	}
	if err != nil {
		return err
	}
	body, err := h.Recsys.RecommendEncoded(ctx, id, opts, "api-json", func(items []recsys.Item) ([]byte, error) {
		return encodeRecommendations(ext, items)
	})
	if errors.Is(err, recsys.ErrNotTrained) {
		return echo.NewHTTPError(http.StatusServiceUnavailable, "the recommender has not been trained yet")
	}
	if err != nil {
		return err
	}
	// With its length given, the answer is sent whole rather than in chunks, as bodies
	// over 2 KB otherwise are.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.JSONBlob(http.StatusOK, body)
}

// apiRecommendation is one recommended product as the API shows it.
type apiRecommendation struct {
	ProductID string  `json:"product_id"`
	Name      string  `json:"name"`
	Category  string  `json:"category"`
	Price     float64 `json:"price"`
	Currency  string  `json:"currency"`
	URL       string  `json:"url"`
	ImageURL  string  `json:"image_url"`
	Score     float64 `json:"score"`
	Algorithm string  `json:"algorithm"`
	Reason    string  `json:"reason"`
}

// encodeRecommendations is the API's JSON body for a customer's list. The recommender
// keeps it with the list, so a client asking again the same way is sent the same bytes.
func encodeRecommendations(customer string, items []recsys.Item) ([]byte, error) {
	out := make([]apiRecommendation, len(items))
	for i, it := range items {
		out[i] = apiRecommendation{it.ExternalID, it.Name, it.Category, it.Price, it.Currency, it.URL, it.ImageURL, it.Score, it.Algorithm, it.Reason}
	}
	body, err := json.Marshal(struct {
		CustomerID string              `json:"customer_id"`
		Items      []apiRecommendation `json:"items"`
	}{customer, out})
	if err != nil {
		return nil, fmt.Errorf("encode recommendations for %q: %w", customer, err)
	}
	return append(body, '\n'), nil
}

type apiCampaign struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	SegmentID    int64   `json:"segment_id"`
	TemplateID   int64   `json:"template_id"`
	ScheduleKind string  `json:"schedule"`
	SendAt       *string `json:"send_at,omitempty"`
	CronExpr     string  `json:"cron,omitempty"`
	Status       string  `json:"status"`
}

// ListCampaigns lists campaigns.
func (h *API) ListCampaigns(c echo.Context) error {
	list, err := h.Campaigns.Campaigns(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]apiCampaign, 0, len(list))
	for _, cp := range list {
		a := apiCampaign{ID: cp.ID, Name: cp.Name, SegmentID: cp.SegmentID, TemplateID: cp.TemplateID, ScheduleKind: cp.ScheduleKind, CronExpr: cp.CronExpr, Status: cp.Status}
		if cp.SendAt != nil {
			s := cp.SendAt.UTC().Format("2006-01-02T15:04:05Z")
			a.SendAt = &s
		}
		out = append(out, a)
	}
	return c.JSON(http.StatusOK, out)
}

// SendCampaign launches a campaign now. An Idempotency-Key header makes retries safe:
// the same key launches at most one run.
func (h *API) SendCampaign(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	key := ""
	if k := c.Request().Header.Get("Idempotency-Key"); k != "" {
		if len(k) > 100 {
			return store.FieldErrors{"Idempotency-Key": "at most 100 characters"}
		}
		key = "api-" + k
	}
	run, err := h.Campaigns.Launch(c.Request().Context(), id, key)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]any{"run_id": run.ID, "campaign_id": run.CampaignID, "status": run.Status, "recipients": run.Recipients})
}

// CampaignStats returns a campaign's funnel.
func (h *API) CampaignStats(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := h.Campaigns.Campaign(c.Request().Context(), id); err != nil {
		return err
	}
	st, err := h.Campaigns.Stats(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
