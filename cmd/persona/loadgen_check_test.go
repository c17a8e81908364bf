package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestTheLoadGeneratorTimesEveryRequestItSends(t *testing.T) {
	var served, unauthorised atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k1" {
			unauthorised.Add(1)
		}
		served.Add(1)
		w.Header().Set("Content-Length", "5")
		_, _ = w.Write([]byte("hello"))
	}))
	defer srv.Close()
	res, err := runLoad(loadJob{URLs: []string{srv.URL + "/a", srv.URL + "/b?x=1"}, Key: "k1", Clients: 4, PerClient: 25})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Durations) != 100 || served.Load() != 104 || unauthorised.Load() != 0 {
		t.Fatalf("%d requests timed, %d served (%d without the key); want 100 timed, 104 served with one warm-up each",
			len(res.Durations), served.Load(), unauthorised.Load())
	}
	for _, d := range res.Durations {
		if d <= 0 {
			t.Fatalf("a request timed at %s", d)
		}
	}
}

func TestTheLoadGeneratorStopsAtAnAnswerItCannotCount(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"an error status", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) }, "503"},
		{"a body in chunks", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(strings.Repeat("x", 5000)))
		}, "no Content-Length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			_, err := runLoad(loadJob{URLs: []string{srv.URL + "/"}, Key: "k", Clients: 2, PerClient: 3})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one that says %q", err, tc.want)
			}
		})
	}
}
