package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium starts headless Debian Chromium with the flags this sandboxed machine needs.
func chromium(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the browser tests need Debian's chromium: run the README's test command, which installs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// js runs a script in the page and decodes its result.
func js[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("script %q: %v", script, err)
	}
	return v
}

// waitFor checks a JavaScript predicate every 100 ms for up to 20 seconds; the page may
// navigate in between (a form submit), so each check is a fresh evaluation.
func waitFor(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](predicate))
		if err == nil && ok {
			return
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	page, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("location.pathname + ': ' + document.body.innerText.slice(0, 400)"))
	t.Fatalf("waiting for %s (%s): %v\npage %s", what, predicate, lastErr, page)
}

// settled waits until htmx has finished swapping and has wired up the new content, as a
// person's next click would come long after.
func settled(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "htmx to settle", `document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added') === null`)
	time.Sleep(50 * time.Millisecond)
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// setField sets an input, textarea or select and fires the events a person would.
func setField(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(value)
	ok := js[bool](t, ctx, `(() => { const el = document.querySelector(`+string(sel)+`); if (!el) return false;
		el.value = `+string(val)+`; el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	if !ok {
		t.Fatalf("no element %s on %s", selector, js[string](t, ctx, "location.pathname"))
	}
}

func text(t *testing.T, ctx context.Context, selector string) string {
	sel, _ := json.Marshal(selector)
	return strings.TrimSpace(js[string](t, ctx, `(document.querySelector(`+string(sel)+`) || {textContent: ""}).textContent`))
}

func click(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	if !js[bool](t, ctx, `(() => { const el = document.querySelector(`+string(sel)+`); if (!el) return false; el.click(); return true; })()`) {
		t.Fatalf("nothing to click at %s", selector)
	}
}

// TestAMarketerSendsACampaignInTheBrowser logs in, builds a segment with a behaviour
// condition while the live count follows, writes a template, sends a campaign, reads the
// message in the outbox, follows its tracked link and sees the funnel count the click.
func TestAMarketerSendsACampaignInTheBrowser(t *testing.T) {
	s := newShop(t, 150)
	ctx := chromium(t)
	shots := os.Getenv("PERSONA_SCREENSHOTS") // a folder to keep screenshots in, when set
	shot := func(name string) {
		if shots == "" {
			return
		}
		buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			_ = os.WriteFile(shots+"/"+name+".png", buf, 0o644)
		}
	}

	do(t, ctx, chromedp.Navigate(s.base+"/login"))
	setField(t, ctx, "#email", "mia@example.com")
	setField(t, ctx, "#password", "marketing rocks")
	do(t, ctx, chromedp.Click(`[data-testid="login-submit"]`))
	waitFor(t, ctx, "the dashboard", `document.querySelector('[data-testid="whoami"]') !== null`)

	// Segment: (country is DE or FR) and viewed at least 3 times in 60 days, built as a
	// nested group plus a behaviour condition; the live count follows each edit.
	do(t, ctx, chromedp.Navigate(s.base+"/segments/new"))
	waitFor(t, ctx, "htmx", `typeof htmx !== "undefined"`)
	setField(t, ctx, `[data-testid="segment-name"]`, "German and French browsers")
	// Choosing another field swaps the operators for that field's type.
	setField(t, ctx, `[data-testid="n_0-field"]`, "monetary")
	waitFor(t, ctx, "number operators", `document.querySelector('[data-testid="n_0-op"] option[value="between"]') !== null`)
	settled(t, ctx)
	setField(t, ctx, `[data-testid="n_0-field"]`, "country")
	waitFor(t, ctx, "text operators", `document.querySelector('[data-testid="n_0-op"] option[value="starts_with"]') !== null`)
	settled(t, ctx)
	count := func(q string, args ...any) string {
		var n int64
		s.app.db.Raw(q, args...).Scan(&n)
		return strconv.FormatInt(n, 10)
	}
	liveCount := func(what, want string) {
		t.Helper()
		waitFor(t, ctx, what+" = "+want, `(document.querySelector('[data-testid="live-count-value"]')||{}).textContent === "`+want+`"`)
	}
	setField(t, ctx, `[data-testid="n_0-value"]`, "DE")
	liveCount("the live count of Germans", count(`SELECT COUNT(*) FROM customers WHERE country = 'DE'`))

	click(t, ctx, `[data-testid="n-add-group"]`)
	waitFor(t, ctx, "the nested group", `document.querySelector('[data-testid="n_1_0-value"]') !== null`)
	settled(t, ctx)
	setField(t, ctx, `[data-testid="n_1_0-value"]`, "DE")
	settled(t, ctx)
	click(t, ctx, `[data-testid="n_1-add-field"]`)
	waitFor(t, ctx, "a second condition in the group", `document.querySelector('[data-testid="n_1_1-value"]') !== null`)
	settled(t, ctx)
	setField(t, ctx, `[data-testid="n_1_1-value"]`, "FR")
	settled(t, ctx)
	click(t, ctx, `[data-testid="n_0-remove"]`) // the group moves up to n_0
	waitFor(t, ctx, "the group in first place", `document.querySelector('[data-testid="n_0_1-value"]') !== null`)
	settled(t, ctx)
	liveCount("the live count of Germans or French", count(`SELECT COUNT(*) FROM customers WHERE country IN ('DE', 'FR')`))

	click(t, ctx, `[data-testid="n-add-behaviour"]`)
	waitFor(t, ctx, "the behaviour row", `document.querySelector('[data-testid="n_1-event"]') !== null`)
	settled(t, ctx)
	setField(t, ctx, `[data-testid="n_1-event"]`, "view")
	setField(t, ctx, `[data-testid="n_1-min"]`, "3")
	setField(t, ctx, `[data-testid="n_1-days"]`, "60")
	wantN := count(`SELECT COUNT(*) FROM customers c WHERE c.country IN ('DE', 'FR') AND (SELECT COUNT(*) FROM events e
		WHERE e.customer_id = c.id AND e.type = 'view' AND e.occurred_at >= ?) >= 3`, time.Now().UTC().Add(-60*24*time.Hour))
	if wantN == "0" || wantN == count(`SELECT COUNT(*) FROM customers WHERE country IN ('DE', 'FR')`) {
		t.Fatalf("fixture: %s browsers; the behaviour condition would not show", wantN)
	}
	liveCount("the live count with the behaviour condition", wantN)
	want, _ := strconv.ParseInt(wantN, 10, 64)
	shot("segment-editor")
	click(t, ctx, `[data-testid="save-segment"]`)
	waitFor(t, ctx, "the segment page", `document.querySelector('[data-testid="segment-size"]') !== null`)
	if got := text(t, ctx, `[data-testid="segment-size"]`); got != wantN {
		t.Fatalf("segment page shows %s members, want %s", got, wantN)
	}
	if rules := text(t, ctx, `[data-testid="segment-rules"]`); !strings.Contains(rules, `"group"`) || !strings.Contains(rules, `"behaviour"`) {
		t.Fatalf("saved rules lack the nested group or the behaviour: %s", rules)
	}
	segPath := js[string](t, ctx, "location.pathname")

	// Template with a link back to this server, so the tracked link can be followed.
	do(t, ctx, chromedp.Navigate(s.base+"/templates/new"))
	setField(t, ctx, `[data-testid="template-name"]`, "Browser picks")
	setField(t, ctx, `[data-testid="template-subject"]`, "Hello {{.Customer.FirstName}}")
	setField(t, ctx, `[data-testid="template-html"]`, `<p>Hi {{.Customer.FirstName | default "there"}}</p>{{range .Recommendations}}<p>{{.Name}}</p>{{end}}<p><a href="`+s.base+`/healthz">Visit the shop</a></p>`)
	click(t, ctx, `[data-testid="preview-button"]`)
	waitFor(t, ctx, "the preview", `document.querySelector('[data-testid="preview-subject"]') !== null`)
	if got := text(t, ctx, `[data-testid="preview-subject"]`); got != "Hello Emma" {
		t.Fatalf("preview subject %q, want the sample customer's", got)
	}
	click(t, ctx, `[data-testid="save-template"]`)
	waitFor(t, ctx, "the saved template", `document.querySelector('[data-testid="flash"]') !== null`)

	// Campaign: send now.
	do(t, ctx, chromedp.Navigate(s.base+"/campaigns/new"))
	setField(t, ctx, `[data-testid="campaign-name"]`, "Browser campaign")
	segID := segPath[strings.LastIndex(segPath, "/")+1:]
	setField(t, ctx, `[data-testid="campaign-segment"]`, segID)
	js[bool](t, ctx, `(() => { const s = document.querySelector('[data-testid="campaign-template"]');
		const o = [...s.options].find(o => o.textContent === "Browser picks"); s.value = o.value; return true; })()`)
	click(t, ctx, `[data-testid="schedule-now"]`)
	click(t, ctx, `[data-testid="save-campaign"]`)
	waitFor(t, ctx, "the run to finish", `(document.querySelector('[data-testid="run-status"]')||{}).textContent === "done"`)
	campPath := js[string](t, ctx, "location.pathname")
	var sent int64
	s.app.db.Raw(`SELECT COUNT(*) FROM deliveries WHERE status = 'sent'`).Scan(&sent)
	if got := text(t, ctx, `[data-testid="funnel-recipients"]`); got != strconv.FormatInt(want, 10) {
		t.Fatalf("funnel shows %s recipients, want %d", got, want)
	}
	if got := text(t, ctx, `[data-testid="funnel-sent"]`); sent == 0 || got != strconv.FormatInt(sent, 10) {
		t.Fatalf("funnel shows %s sent, want %d (recipients with consent)", got, sent)
	}
	if got := text(t, ctx, `[data-testid="funnel-clicked"]`); got != "0" {
		t.Fatalf("clicked before any click: %s", got)
	}
	shot("campaign-sent")

	// The outbox holds the messages; open one and follow its tracked link.
	do(t, ctx, chromedp.Navigate(s.base+"/outbox"))
	click(t, ctx, `[data-testid="outbox-message"]`)
	waitFor(t, ctx, "the message", `document.querySelector('[data-testid="message-links"]') !== null`)
	shot("outbox-message")
	link := js[string](t, ctx, `([...document.querySelectorAll('[data-testid="message-link"]')].map(a => a.href).find(h => h.includes("/t/c/")) || "")`)
	if link == "" {
		t.Fatal("the message has no tracked link")
	}
	do(t, ctx, chromedp.Navigate(link))
	if got := js[string](t, ctx, "location.pathname + ' ' + document.body.textContent"); got != "/healthz ok" {
		t.Fatalf("the tracked link led to %q, want the stored destination", got)
	}
	do(t, ctx, chromedp.Navigate(s.base+campPath))
	waitFor(t, ctx, "the funnel", `document.querySelector('[data-testid="funnel-clicked"]') !== null`)
	if got := text(t, ctx, `[data-testid="funnel-clicked"]`); got != "1" {
		t.Fatalf("after the click the funnel shows %s clicked, want 1", got)
	}
	if !js[bool](t, ctx, `document.querySelector('[data-testid="funnel-chart"]').getAttribute("data-chart-ready") === "1"`) {
		t.Fatal("the funnel chart was not drawn")
	}
	shot("campaign-clicked")
}
