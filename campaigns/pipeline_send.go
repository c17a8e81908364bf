package campaigns

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/persona-app/persona/store"
)

// claimedDelivery is a claimed delivery with what sending it needs, loaded in one query.
type claimedDelivery struct {
	ID             int64
	RunID          int64
	CampaignID     int64
	CustomerID     int64
	Attempts       int
	ClaimToken     string
	ExternalID     string
	Email          string
	FirstName      string
	LastName       string
	Gender         string
	City           string
	Country        string
	Attributes     string
	ConsentEmail   bool
	UnsubscribedAt *time.Time
	CampaignName   string
	TemplateID     int64
	// SegmentID is the campaign's audience, for popularity within it.
	SegmentID int64
}

// batchCache keeps what a batch's deliveries share.
type batchCache struct {
	templates map[int64]Template
}

// loadBatch reads the claimed deliveries with their customer and campaign, as they are now:
// consent and unsubscribes are judged at send time, not when the audience was materialised.
func (s *Service) loadBatch(ctx context.Context, token string, ids []int64) ([]claimedDelivery, error) {
	var out []claimedDelivery
	err := s.db.WithContext(ctx).Raw(`SELECT d.id, d.run_id, d.campaign_id, d.customer_id, d.attempts, d.claim_token,
		c.external_id, c.email, c.first_name, c.last_name, c.gender, c.city, c.country, c.attributes,
		c.consent_email, c.unsubscribed_at, k.name AS campaign_name, k.template_id, k.segment_id
		FROM deliveries d JOIN customers c ON c.id = d.customer_id JOIN campaigns k ON k.id = d.campaign_id
		WHERE d.id IN (`+store.Placeholders(len(ids))+`) AND d.claim_token = ? ORDER BY d.id`,
		append(int64sToAny(ids), token)...).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("campaigns: load claimed deliveries: %w", err)
	}
	return out, nil
}

// skipReason says why a delivery must not be sent, or "".
func skipReason(d claimedDelivery) string {
	switch {
	case d.UnsubscribedAt != nil:
		return "unsubscribed"
	case !d.ConsentEmail:
		return "no email consent"
	case strings.TrimSpace(d.Email) == "":
		return "no email address"
	}
	return ""
}

// outcome is a delivery's recorded result, waiting to be written.
type outcome struct {
	d    claimedDelivery
	set  string
	args []any
}

// outcomes holds a batch's results until the next write. Writing them in the same
// transaction as the next message's hand-over mark costs one write per message instead of
// two; the mark must be durable before a message goes out, the results only before the
// next one does (or the batch ends), so a crash loses no more than before.
type outcomes struct {
	s       *Service
	pending []outcome
}

func (o *outcomes) add(d claimedDelivery, set string, args ...any) {
	o.pending = append(o.pending, outcome{d: d, set: set, args: args})
}

// flush writes the pending results and, when mark is set, the hand-over mark of the
// delivery about to be sent, in one transaction.
func (o *outcomes) flush(ctx context.Context, mark *claimedDelivery) error {
	if len(o.pending) == 0 && mark == nil {
		return nil
	}
	err := o.s.db.Tx(ctx, func(tx *gorm.DB) error {
		for _, p := range o.pending {
			if err := tx.Exec(`UPDATE deliveries SET `+p.set+` WHERE id = ? AND claim_token = ? AND status = 'sending'`,
				append(p.args, p.d.ID, p.d.ClaimToken)...).Error; err != nil {
				return fmt.Errorf("record delivery %d: %w", p.d.ID, err)
			}
		}
		if mark != nil {
			return tx.Exec(`UPDATE deliveries SET transmit_started_at = ? WHERE id = ? AND claim_token = ? AND status = 'sending'`,
				o.s.now(), mark.ID, mark.ClaimToken).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("campaigns: record outcomes: %w", err)
	}
	o.pending = o.pending[:0]
	return nil
}

// deliver sends one delivery and queues its outcome in out. The outcomes so far and this
// delivery's hand-over mark are written before the message goes out: if the process dies
// while sending, the next claim finds the mark and does not send again (reclaimInDoubt).
// It returns errStopped when ctx ended before the message could go out.
func (s *Service) deliver(ctx context.Context, ch Channel, d claimedDelivery, cache *batchCache, out *outcomes) error {
	rec := context.WithoutCancel(ctx)
	if reason := skipReason(d); reason != "" {
		out.add(d, `status = 'skipped', error = ?`, reason)
		return nil
	}
	msg, block, err := s.compose(ctx, d, cache)
	if err != nil {
		if ctx.Err() != nil {
			return errStopped
		}
		s.log.WarnContext(ctx, "delivery not rendered", "campaign_id", d.CampaignID, "run_id", d.RunID, "delivery_id", d.ID, "err", err)
		out.add(d, `status = 'failed', error = ?`, err.Error())
		return nil
	}
	if err := out.flush(rec, &d); err != nil {
		return err
	}
	res, err := ch.Send(ctx, msg)
	if err != nil {
		if ctx.Err() != nil {
			return errStopped
		}
		s.queueFailure(rec, d, err, out)
		return nil
	}
	messageID := res.MessageID
	if messageID == "" {
		messageID = msg.MessageID
	}
	out.add(d, `status = 'sent', sent_at = ?, email = ?, message_id = ?, response = ?,
		algorithm = ?, rec_items = ?, rec_links = ?, error = ?`,
		s.now(), msg.To, messageID, res.Response, block.recordedAlgorithm(), block.itemIDs(), block.linkIDs(), block.note)
	return nil
}

// queueFailure puts a failed send back in the queue with a growing delay, or marks it
// failed after maxAttempts. The send failed, so its hand-over mark is cleared.
func (s *Service) queueFailure(ctx context.Context, d claimedDelivery, sendErr error, out *outcomes) {
	s.log.WarnContext(ctx, "send failed", "campaign_id", d.CampaignID, "run_id", d.RunID,
		"delivery_id", d.ID, "attempt", d.Attempts, "err", sendErr)
	if d.Attempts < maxAttempts {
		out.add(d, `status = 'pending', claimed_until = ?, error = ?, transmit_started_at = NULL`,
			s.now().Add(backoff(d.Attempts)), sendErr.Error())
		return
	}
	out.add(d, `status = 'failed', error = ?, transmit_started_at = NULL`, sendErr.Error())
}

// compose renders the campaign's template for the delivery's customer with tracked links,
// the open pixel and the unsubscribe URL, and returns the recommendation block it used.
func (s *Service) compose(ctx context.Context, d claimedDelivery, cache *batchCache) (Outgoing, recBlock, error) {
	tpl, ok := cache.templates[d.TemplateID]
	if !ok {
		var err error
		if tpl, err = s.templates.Get(ctx, d.TemplateID); err != nil {
			return Outgoing{}, recBlock{}, fmt.Errorf("load template %d: %w", d.TemplateID, err)
		}
		cache.templates[d.TemplateID] = tpl
	}
	block := s.recommend(ctx, tpl, d.CustomerID, d.SegmentID)
	if block.err != nil {
		s.log.WarnContext(ctx, "recommendations unavailable", "delivery_id", d.ID, "customer_id", d.CustomerID, "err", block.err)
	}
	unsubscribeURL := s.baseURL + "/u/" + s.opts.Signer.Sign(TokenUnsubscribe, d.ID)
	msg, err := Render(tpl, RenderData{
		Customer:        d.recipient(),
		Recommendations: block.items,
		UnsubscribeURL:  unsubscribeURL,
		Campaign:        d.CampaignName,
	})
	if err != nil {
		return Outgoing{}, recBlock{}, fmt.Errorf("render template %d: %w", d.TemplateID, err)
	}
	track := func(href string) (string, error) {
		tracked, id, err := s.trackedLink(ctx, d, href)
		if id != 0 {
			block.linked(href, id)
		}
		return tracked, err
	}
	msg.HTML, err = RewriteLinks(msg.HTML, track)
	if err != nil {
		return Outgoing{}, recBlock{}, fmt.Errorf("rewrite links: %w", err)
	}
	msg.Text, err = RewriteTextLinks(msg.Text, track)
	if err != nil {
		return Outgoing{}, recBlock{}, fmt.Errorf("rewrite text links: %w", err)
	}
	msg.HTML = addOpenPixel(msg.HTML, s.baseURL+"/t/o/"+s.opts.Signer.Sign(TokenOpen, d.ID))
	return Outgoing{
		DeliveryID:     d.ID,
		To:             strings.TrimSpace(d.Email),
		Message:        msg,
		MessageID:      fmt.Sprintf("%d.%d.%d@%s", d.ID, d.RunID, d.CampaignID, s.host),
		UnsubscribeURL: unsubscribeURL,
	}, block, nil
}

// trackedLink turns an http(s) link into our click redirect and returns the link's id;
// other links (mailto:, anchors) and our own unsubscribe and tracking URLs stay as they
// are, with id 0.
func (s *Service) trackedLink(ctx context.Context, d claimedDelivery, href string) (string, int64, error) {
	lower := strings.ToLower(strings.TrimSpace(href))
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return href, 0, nil
	}
	if s.baseURL != "" && (strings.HasPrefix(href, s.baseURL+"/u/") || strings.HasPrefix(href, s.baseURL+"/t/")) {
		return href, 0, nil
	}
	target := AddUTM(strings.TrimSpace(href), "persona", "email", slug(d.CampaignName))
	id, err := s.links.ID(ctx, target)
	if err != nil {
		return "", 0, err
	}
	return s.baseURL + "/t/c/" + s.opts.Signer.Sign(TokenClick, d.ID, id), id, nil
}

// addOpenPixel puts the 1×1 open-tracking image before </body>, or at the end.
func addOpenPixel(html, src string) string {
	img := `<img src="` + src + `" width="1" height="1" alt="">`
	if i := strings.LastIndex(strings.ToLower(html), "</body>"); i >= 0 {
		return html[:i] + img + html[i:]
	}
	return html + img
}

// recipient is what the template may read about the customer.
func (d claimedDelivery) recipient() Recipient {
	r := Recipient{CustomerID: d.CustomerID, ExternalID: d.ExternalID, Email: d.Email,
		FirstName: d.FirstName, LastName: d.LastName, Gender: d.Gender, City: d.City, Country: d.Country,
		Attributes: map[string]string{}}
	var attrs map[string]any
	if json.Unmarshal([]byte(d.Attributes), &attrs) == nil {
		for k, v := range attrs {
			if v != nil {
				r.Attributes[k] = fmt.Sprint(v)
			}
		}
	}
	return r
}

// slug turns a campaign name into a utm_campaign value: "Spring Sale!" → "spring-sale".
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}
