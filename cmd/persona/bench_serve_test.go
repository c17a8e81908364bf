package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/persona-app/persona/recsys"
	"github.com/persona-app/persona/web"
)

// servingApp is the demo shop's app with every customer's history in memory (one warm-up
// request each, as after a training run), and its customers' ids and external ids.
func servingApp(b *testing.B) (*app, []int64, []string) {
	a, err := benchApp(demoDB(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	var ids []int64
	var exts []string
	rows, err := a.db.Raw(`SELECT id, external_id FROM customers ORDER BY id`).Rows()
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var ext string
		if err := rows.Scan(&id, &ext); err != nil {
			b.Fatal(err)
		}
		ids, exts = append(ids, id), append(exts, ext)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := a.recsys.Recommend(context.Background(), id, recsys.Options{N: 10}); err != nil {
			b.Fatal(err)
		}
	}
	return a, ids, exts
}

// percentile is the p-th percentile (0–100) of sorted durations, in milliseconds.
func percentile(sorted []time.Duration, p float64) float64 {
	i := min(int(float64(len(sorted))*p/100), len(sorted)-1)
	return float64(sorted[i].Nanoseconds()) / 1e6
}

// BenchmarkServeDemo times one top-10 in process, per algorithm, over every demo customer
// in turn: p50 and p99 in milliseconds. Each customer's last list is cached (lists.go); the
// list length changes with every pass over the customers, so each request here computes
// its list. "best (cached)" asks the same way each time, as a client asking again does,
// and is answered from the cache.
func BenchmarkServeDemo(b *testing.B) {
	a, ids, _ := servingApp(b)
	ctx := context.Background()
	for _, algo := range append(a.recsys.Algorithms(), "best (cached)") {
		b.Run(algo, func(b *testing.B) {
			var times []time.Duration
			i := 0
			for b.Loop() {
				o := recsys.Options{N: 6 + (i/len(ids))%5, Algorithm: algo}
				if algo == "best (cached)" {
					o = recsys.Options{N: 10, Algorithm: recsys.AlgoBest}
				}
				start := time.Now()
				items, err := a.recsys.Recommend(ctx, ids[i%len(ids)], o)
				times = append(times, time.Since(start))
				if err != nil || len(items) != o.N {
					b.Fatalf("%s: %d items, %v", algo, len(items), err)
				}
				i++
			}
			slices.Sort(times)
			b.ReportMetric(percentile(times, 50), "p50-ms")
			b.ReportMetric(percentile(times, 99), "p99-ms")
		})
	}
}

// BenchmarkRecommendationsHTTP32 serves GET /api/v1/customers/{id}/recommendations over
// loopback HTTP to 32 concurrent clients with the default algorithm: p50 and p99 in ms,
// flat out and at two steady rates. The clients run in a process of their own
// (loadgen_test.go), on the same two cores.
func BenchmarkRecommendationsHTTP32(b *testing.B) {
	a, _, exts := servingApp(b)
	key, err := a.accounts.Secret(context.Background(), "session", 64)
	if err != nil {
		b.Fatal(err)
	}
	_, apiKey, err := a.accounts.CreateAPIKey(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	// The server logs each request, as persona serve does by default.
	logFile, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
	if err != nil {
		b.Fatal(err)
	}
	logs := newBatchedLog(logFile)
	b.Cleanup(func() { logs.Close(); logFile.Close() })
	w, err := web.New(web.Options{BaseURL: base, SessionKey: key, Logger: newLogger("info", logs)}, a.handlerDeps())
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(w.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	b.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	urls := make([]string, len(exts))
	for i, ext := range exts {
		urls[i] = fmt.Sprintf("%s/api/v1/customers/%s/recommendations?n=10", base, ext)
	}
	for _, u := range urls { // steady state: every customer asked once
		if _, err := getBody(client, u, apiKey); err != nil {
			b.Fatal(err)
		}
	}
	// The floor on this machine: a bare net/http server that answers every request with
	// the same bytes (a real answer), under the same load in the same run.
	answer, err := getBody(client, urls[0], apiKey)
	if err != nil {
		b.Fatal(err)
	}
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		_, _ = w.Write(answer)
	}))
	b.Cleanup(bare.Close)
	bareURLs := make([]string, len(urls))
	for i, u := range urls {
		bareURLs[i] = bare.URL + strings.TrimPrefix(u, base)
	}
	const clients = 32
	// Flat out, each client asking again as soon as it has its answer; then at steady
	// rates below what this machine serves flat out.
	for _, run := range []struct {
		name string
		urls []string
		rate float64
	}{
		{"flat out", urls, 0},
		{"bare net/http flat out", bareURLs, 0},
		{"2000 req/s", urls, 2000},
		{"8000 req/s", urls, 8000},
	} {
		b.Run(run.name, func(b *testing.B) {
			res, err := runLoad(loadJob{URLs: run.urls, Key: apiKey, Clients: clients, PerClient: max(b.N/clients, 50), Rate: run.rate})
			if err != nil {
				b.Fatal(err)
			}
			all := res.Durations
			slices.Sort(all)
			b.ReportMetric(percentile(all, 50), "p50-ms")
			b.ReportMetric(percentile(all, 99), "p99-ms")
			b.ReportMetric(float64(len(all))/res.Elapsed.Seconds(), "req/s")
		})
	}
}
