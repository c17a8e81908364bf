package campaigns

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AlgorithmUse is which recommendation algorithm a campaign's template asks for, with the
// algorithms its sent messages were actually served by, and how those messages did.
type AlgorithmUse struct {
	CampaignID            int64
	Campaign, Template    string
	Asked, Rules          string
	Served                string // the algorithm recorded on its latest message with recommendations
	Sent, Opened, Clicked int64
}

// AlgorithmUses lists every campaign with its template's recommendation settings and the
// results of its sent messages, by campaign name.
func (s *Service) AlgorithmUses(ctx context.Context) ([]AlgorithmUse, error) {
	var rows []struct {
		CampaignID            int64
		Campaign, Template    string
		Asked, Rules          string
		Served                string
		Sent, Opened, Clicked int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT c.id AS campaign_id, c.name AS campaign, t.name AS template,
			t.rec_algorithm AS asked, t.rec_rules AS rules,
			COALESCE((SELECT d.algorithm FROM deliveries d WHERE d.campaign_id = c.id AND d.algorithm <> ''
				ORDER BY d.id DESC LIMIT 1), '') AS served,
			(SELECT COUNT(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.status = 'sent') AS sent,
			(SELECT COUNT(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.opened_at IS NOT NULL) AS opened,
			(SELECT COUNT(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.clicked_at IS NOT NULL) AS clicked
		FROM campaigns c JOIN templates t ON t.id = c.template_id ORDER BY c.name, c.id`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: algorithms in use: %w", err)
	}
	out := make([]AlgorithmUse, len(rows))
	for i, r := range rows {
		out[i] = AlgorithmUse(r)
	}
	return out, nil
}

// AlgorithmResult is what the messages whose recommendations one algorithm served
// brought in: how many were sent, how many recipients clicked one of the recommended
// products (and how many such clicks), and the orders attributed to those clicks.
type AlgorithmResult struct {
	Algorithm             string
	Sent, Clicked, Clicks int64
	Conversions           int64
	Revenue               float64
}

// AlgorithmResults credits clicks on recommended products, and the orders those clicks
// led to, to the algorithm that served the recommendations, over every sent message that
// recorded its recommended products' links (rec_links). A click on another link of the
// same message (a banner, a sale) is not credited. Algorithms come in name order.
func (s *Service) AlgorithmResults(ctx context.Context) ([]AlgorithmResult, error) {
	var sent []struct {
		Algorithm string
		N         int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT algorithm, COUNT(*) AS n FROM deliveries
		WHERE status = ? AND algorithm <> '' AND rec_links <> '' GROUP BY algorithm`, DeliverySent).Scan(&sent).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: recommendation results: %w", err)
	}
	byAlgo := map[string]*AlgorithmResult{}
	for _, r := range sent {
		byAlgo[r.Algorithm] = &AlgorithmResult{Algorithm: r.Algorithm, Sent: r.N}
	}
	// Orders by the click they are attributed to, read once: a lookup per click would scan
	// conversions (not indexed by click) once per click.
	var convs []struct {
		ClickID, N int64
		Revenue    float64
	}
	if err := s.db.WithContext(ctx).Raw(`SELECT click_id, COUNT(*) AS n, SUM(revenue) AS revenue
		FROM conversions GROUP BY click_id`).Scan(&convs).Error; err != nil {
		return nil, fmt.Errorf("campaigns: recommendation orders: %w", err)
	}
	byClick := make(map[int64]int, len(convs))
	for i, c := range convs {
		byClick[c.ClickID] = i
	}
	var clicks []struct {
		ClickID, DeliveryID, LinkID int64
		Algorithm, RecLinks         string
	}
	err = s.db.WithContext(ctx).Raw(`SELECT cl.id AS click_id, d.id AS delivery_id, cl.link_id, d.algorithm, d.rec_links
		FROM clicks cl JOIN deliveries d ON d.id = cl.delivery_id
		WHERE d.status = ? AND d.algorithm <> '' AND d.rec_links <> ''
		ORDER BY d.id`, DeliverySent).Scan(&clicks).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: recommendation clicks: %w", err)
	}
	lastClicked := int64(0)
	for _, c := range clicks {
		r := byAlgo[c.Algorithm]
		if r == nil || !slices.Contains(strings.Split(c.RecLinks, ","), strconv.FormatInt(c.LinkID, 10)) {
			continue
		}
		r.Clicks++
		if c.DeliveryID != lastClicked { // rows come by delivery
			r.Clicked++
			lastClicked = c.DeliveryID
		}
		if i, ok := byClick[c.ClickID]; ok {
			r.Conversions += convs[i].N
			r.Revenue += convs[i].Revenue
		}
	}
	out := make([]AlgorithmResult, 0, len(byAlgo))
	for _, r := range byAlgo {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b AlgorithmResult) int { return strings.Compare(a.Algorithm, b.Algorithm) })
	return out, nil
}
