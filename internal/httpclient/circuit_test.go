package httpclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/circuit"
)

// TestPersistentFailureFailsFast: once one request has used its whole retry budget on
// 503s, later requests (sequential or parallel, reads and creates) are not sent and
// fail at once with that cause; a create among them is not ambiguous.
func TestPersistentFailureFailsFast(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "no provider behind the gateway", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3, ProbeInterval: time.Hour})
	resp, err := c.Do(context.Background(), Request{Method: "GET", Path: "/system/info"})
	if err != nil || resp.StatusCode != 503 || n.Load() != 4 {
		t.Fatalf("first request: resp %+v err %v after %d attempts, want its own 503 after 4", resp, err, n.Load())
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Do(context.Background(), Request{Method: "POST", Path: "/system/functions", NotIdempotent: i%2 == 0})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var open *circuit.OpenError
		var amb *AmbiguousError
		if !errors.As(err, &open) || errors.As(err, &amb) {
			t.Fatalf("err %v: want an *circuit.OpenError that is not ambiguous", err)
		}
		for _, want := range []string{"POST /system/functions: not sent", "GET /system/info: HTTP 503: no provider behind the gateway (4 attempts)"} {
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("err %q does not say %q", err, want)
			}
		}
	}
	if n.Load() != 4 {
		t.Fatalf("%d requests reached the server, want only the first request's 4", n.Load())
	}
}

func TestUnreachableFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	u, _ := url.Parse("http://" + addr)
	c, _ := New(Config{BaseURL: u, MaxRetries: 2, RetryWaitMin: 20 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, ProbeInterval: time.Hour})
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/system/info"}); err == nil || circuit.IsOpenError(err) {
		t.Fatalf("first request: %v, want its own connection error", err)
	}
	start := time.Now()
	for range 100 {
		_, err := c.Do(context.Background(), Request{Method: "GET", Path: "/system/functions"})
		if !circuit.IsOpenError(err) || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("err %v", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("100 requests took %s: they retried", d)
	}
}

// TestAnswersNeverOpen: 4xx and 500 answers, however many, and a slow request that
// times out on every attempt never open the circuit.
func TestAnswersNeverOpen(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		switch r.URL.Path {
		case "/slow":
			time.Sleep(100 * time.Millisecond)
		case "/missing":
			http.Error(w, "not found", http.StatusNotFound)
		case "/bad":
			http.Error(w, "bad", http.StatusBadRequest)
		case "/broken":
			http.Error(w, "broken", http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 2, Timeout: 20 * time.Millisecond})
	for range 20 {
		for _, p := range []string{"/missing", "/bad", "/broken"} {
			if _, err := c.Do(context.Background(), Request{Method: "GET", Path: p}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/slow"}); err == nil || circuit.IsOpenError(err) {
		t.Fatalf("slow request: %v, want its own timeout", err)
	}
	if c.retrier.p.Breaker.IsOpen() {
		t.Fatal("the circuit opened without a persistent unavailability")
	}
	before := n.Load()
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/missing"}); err != nil || n.Load() != before+1 {
		t.Fatalf("err %v, sent %d", err, n.Load()-before)
	}
}

// TestProbeClosesWhenBack: an open circuit lets one attempt through per interval; when
// the platform answers again, requests flow.
func TestProbeClosesWhenBack(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 2, ProbeInterval: 100 * time.Millisecond})
	_, _ = c.Do(context.Background(), Request{Method: "GET", Path: "/x"})
	if !c.retrier.p.Breaker.IsOpen() || n.Load() != 3 {
		t.Fatalf("open %v after %d attempts", c.retrier.p.Breaker.IsOpen(), n.Load())
	}
	time.Sleep(120 * time.Millisecond)
	// The probe gets one attempt and no retries: still down.
	resp, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"})
	if err != nil || resp.StatusCode != 503 || n.Load() != 4 {
		t.Fatalf("probe: resp %+v err %v, %d attempts in all", resp, err, n.Load())
	}
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"}); !circuit.IsOpenError(err) {
		t.Fatalf("after a failed probe: %v", err)
	}
	down.Store(false)
	time.Sleep(120 * time.Millisecond)
	for range 5 {
		if resp, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"}); err != nil || resp.StatusCode != 200 {
			t.Fatalf("resp %+v err %v", resp, err)
		}
	}
	if n.Load() != 9 {
		t.Fatalf("%d attempts in all, want 9", n.Load())
	}
}

// TestParallelWaveIsBounded: 10 workers each sending 20 requests while the platform
// answers 503 cost about one retry budget per worker in flight, not one per request.
func TestParallelWaveIsBounded(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3, ProbeInterval: time.Hour})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				_, _ = c.Do(context.Background(), Request{Method: "GET", Path: "/x"})
			}
		}()
	}
	wg.Wait()
	if got := n.Load(); got > 10*4 {
		t.Fatalf("%d attempts for 200 requests, want at most one budget (4) per worker", got)
	}
}
