package campaigns

import (
	"context"
	"fmt"
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
