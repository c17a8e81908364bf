package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe to read while the flusher writes to it.
type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestABatchedLogWritesEveryLineWholeAndInOrder(t *testing.T) {
	var out lockedBuffer
	l := newBatchedLog(&out)
	const writers, lines = 8, 500
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				fmt.Fprintf(l, "writer=%d line=%d %s\n", w, i, strings.Repeat("x", 100))
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("%d lines written, want %d", len(got), writers*lines)
	}
	next := make([]int, writers)
	for _, line := range got {
		var w, i int
		var rest string
		if _, err := fmt.Sscanf(line, "writer=%d line=%d %s", &w, &i, &rest); err != nil || len(rest) != 100 {
			t.Fatalf("line cut or mixed with another: %q", line)
		}
		if i != next[w] {
			t.Fatalf("writer %d: line %d came where line %d was due", w, i, next[w])
		}
		next[w]++
	}
	out.mu.Lock()
	calls := out.writes
	out.mu.Unlock()
	if calls > writers*lines/10 {
		t.Errorf("%d lines took %d writes: they were not batched", writers*lines, calls)
	}
}

func TestABatchedLogLineIsWrittenWithoutWaitingForClose(t *testing.T) {
	var out lockedBuffer
	l := newBatchedLog(&out)
	defer l.Close()
	fmt.Fprintln(l, "level=INFO msg=request")
	deadline := time.Now().Add(20 * logFlushEvery)
	for out.String() == "" {
		if time.Now().After(deadline) {
			t.Fatalf("a line waited over %s to be written", 20*logFlushEvery)
		}
		time.Sleep(logFlushEvery / 10)
	}
	if out.String() != "level=INFO msg=request\n" {
		t.Fatalf("written %q", out.String())
	}
}

func TestABatchedLogWritesStraightThroughOnceClosed(t *testing.T) {
	var out lockedBuffer
	l := newBatchedLog(&out)
	fmt.Fprintln(l, "before")
	l.Close()
	if out.String() != "before\n" {
		t.Fatalf("Close left %q written", out.String())
	}
	fmt.Fprintln(l, "after")
	if out.String() != "before\nafter\n" {
		t.Fatalf("a write after Close waited: %q written", out.String())
	}
}
