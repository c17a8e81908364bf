package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The HTTP benchmark's clients run in a process of their own, as a load generator such
// as wrk or hey would: their garbage and their goroutines then do not count against the
// server's collector and scheduler, though they still take their share of the same two
// cores. The test binary is that process when PERSONA_LOADGEN names a job file.

// loadJob is what the load generator does: Clients goroutines each send PerClient GETs
// with the API key, walking URLs from their own offset. With Rate set (requests per
// second, all clients together) each client sends on a fixed schedule, and a request's
// time counts from when it was due, so a slow answer that delays the next request is
// not hidden (no coordinated omission); without it, each sends as soon as its last answer
// is read.
type loadJob struct {
	URLs      []string
	Key       string
	Clients   int
	PerClient int
	Rate      float64
}

// loadResult is what the load generator reports: each request's time, sorted or not,
// and the wall time of the whole run; Err says why it stopped early.
type loadResult struct {
	Durations []time.Duration
	Elapsed   time.Duration
	Err       string
}

func TestMain(m *testing.M) {
	if path := os.Getenv("PERSONA_LOADGEN"); path != "" {
		os.Exit(loadGenerator(path, os.Stdout))
	}
	os.Exit(m.Run())
}

// runLoad runs job in a child process (this test binary) and returns what it measured.
func runLoad(job loadJob) (loadResult, error) {
	dir, err := os.MkdirTemp("", "persona-loadgen")
	if err != nil {
		return loadResult{}, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "job.json")
	data, err := json.Marshal(job)
	if err != nil {
		return loadResult{}, err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return loadResult{}, err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PERSONA_LOADGEN="+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("load generator: %v: %s", err, stderr.String())
	}
	var res loadResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return loadResult{}, fmt.Errorf("load generator output: %v", err)
	}
	if res.Err != "" {
		return res, errors.New(res.Err)
	}
	if want := job.Clients * job.PerClient; len(res.Durations) != want {
		return res, fmt.Errorf("load generator: %d requests timed, want %d", len(res.Durations), want)
	}
	return res, nil
}

// loadGenerator runs the job in the file at path and writes a loadResult as JSON to out;
// it returns the process's exit code.
func loadGenerator(path string, out io.Writer) int {
	var job loadJob
	data, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(data, &job)
	}
	if err != nil || len(job.URLs) == 0 || job.Clients <= 0 {
		fmt.Fprintf(os.Stderr, "load generator: bad job %s: %v\n", path, err)
		return 2
	}
	// Every request's text is written once, before any is timed.
	reqs := make([]rawRequest, len(job.URLs))
	for i, u := range job.URLs {
		if reqs[i], err = newRawRequest(u, job.Key); err != nil {
			fmt.Fprintf(os.Stderr, "load generator: bad URL %q: %v\n", u, err)
			return 2
		}
	}
	conns := make([]*rawClient, job.Clients)
	errs := make([]error, job.Clients)
	// One request per client first, so every connection is open before timing starts.
	for c := range job.Clients {
		if conns[c], errs[c] = dialRaw(job.URLs[0]); errs[c] == nil {
			_, errs[c] = conns[c].get(reqs[c%len(reqs)])
		}
		if errs[c] != nil {
			fmt.Fprintf(os.Stderr, "load generator: %v\n", errs[c])
			return 1
		}
		defer conns[c].Close()
	}
	times := make([][]time.Duration, job.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range job.Clients {
		wg.Go(func() {
			times[c] = make([]time.Duration, 0, job.PerClient)
			var every time.Duration
			if job.Rate > 0 {
				every = time.Duration(float64(job.Clients) / job.Rate * float64(time.Second))
			}
			// Clients start spread over one interval, not all at once.
			first := start.Add(every * time.Duration(c) / time.Duration(job.Clients))
			for j := range job.PerClient {
				due := first.Add(every * time.Duration(j))
				if every > 0 {
					time.Sleep(time.Until(due))
				}
				d, err := conns[c].get(reqs[(c*job.PerClient+j)%len(reqs)])
				if err != nil {
					errs[c] = err
					return
				}
				if every > 0 {
					d = time.Since(due) // from when it was due
				}
				times[c] = append(times[c], d)
			}
		})
	}
	wg.Wait()
	res := loadResult{Elapsed: time.Since(start)}
	for c := range job.Clients {
		res.Durations = append(res.Durations, times[c]...)
		if errs[c] != nil && res.Err == "" {
			res.Err = errs[c].Error()
		}
	}
	if err := json.NewEncoder(out).Encode(res); err != nil {
		fmt.Fprintf(os.Stderr, "load generator: %v\n", err)
		return 1
	}
	return 0
}

// getBody GETs url with the API key and returns the body; a status other than 200 is an
// error.
func getBody(client *http.Client, url, key string) ([]byte, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return body, nil
}

// rawClient is one keep-alive connection of the load generator. It writes each GET whole
// and reads the answer by its Content-Length, as wrk does, so that timing a request
// costs the generator little of the CPU it shares with the server.
type rawClient struct {
	conn net.Conn
	r    *bufio.Reader
}

// rawRequest is a GET as the load generator sends it: its path, for errors, and its text.
type rawRequest struct{ path, text string }

// newRawRequest writes the GET of rawURL with key as a bearer token.
func newRawRequest(rawURL, key string) (rawRequest, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawRequest{}, err
	}
	path := u.RequestURI()
	return rawRequest{path: path, text: "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: Bearer " + key + "\r\n\r\n"}, nil
}

// dialRaw connects to rawURL's host.
func dialRaw(rawURL string) (*rawClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	return &rawClient{conn: conn, r: bufio.NewReaderSize(conn, 64<<10)}, nil
}

func (rc *rawClient) Close() error { return rc.conn.Close() }

// get sends req, reads the whole answer and returns how long that took; a status other
// than 200, or an answer without its length, is an error.
func (rc *rawClient) get(req rawRequest) (time.Duration, error) {
	path := req.path
	start := time.Now()
	if _, err := io.WriteString(rc.conn, req.text); err != nil {
		return 0, err
	}
	status, err := rc.r.ReadSlice('\n')
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", path, err)
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return 0, fmt.Errorf("GET %s: %s", path, bytes.TrimSpace(status))
	}
	length := -1
	for {
		line, err := rc.r.ReadSlice('\n')
		if err != nil {
			return 0, fmt.Errorf("GET %s: %w", path, err)
		}
		if len(line) <= 2 { // the blank line that ends the headers
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(name), "Content-Length") {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(value))); err != nil {
				return 0, fmt.Errorf("GET %s: Content-Length %q", path, bytes.TrimSpace(value))
			}
		}
	}
	if length < 0 {
		return 0, fmt.Errorf("GET %s: the answer has no Content-Length", path)
	}
	if _, err := rc.r.Discard(length); err != nil {
		return 0, fmt.Errorf("GET %s: body: %w", path, err)
	}
	return time.Since(start), nil
}
