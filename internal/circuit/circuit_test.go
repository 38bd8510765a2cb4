package circuit

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newTestBreaker() (*Breaker, *clock) {
	c := &clock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	b := New("http://127.0.0.1:1", 10*time.Second)
	b.now = c.now
	return b, c
}

func TestClassify(t *testing.T) {
	ctx := context.Background()
	done, cancel := context.WithCancel(ctx)
	cancel()
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
	timeout := &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "read", Err: timeoutErr{}}}
	cases := []struct {
		name string
		ctx  context.Context
		resp *http.Response
		err  error
		want Outcome
	}{
		{"200", ctx, resp(200), nil, Answered},
		{"404", ctx, resp(404), nil, Answered},
		{"400", ctx, resp(400), nil, Answered},
		{"500", ctx, resp(500), nil, Answered},
		{"429", ctx, resp(429), nil, Unavailable},
		{"502", ctx, resp(502), nil, Unavailable},
		{"503", ctx, resp(503), nil, Unavailable},
		{"504", ctx, resp(504), nil, Unavailable},
		{"connection refused", ctx, nil, &url.Error{Op: "Get", URL: "http://x", Err: dial}, Unavailable},
		{"reset", ctx, nil, errors.New("read tcp: connection reset by peer"), Unavailable},
		{"EOF", ctx, nil, io.EOF, Unavailable},
		{"slow: timed out after sending", ctx, nil, timeout, NoVerdict},
		{"slow: attempt deadline", ctx, nil, fmt.Errorf("no answer: %w", context.DeadlineExceeded), NoVerdict},
		{"own context ended", done, nil, dial, NoVerdict},
		{"TLS", ctx, nil, x509.UnknownAuthorityError{}, NoVerdict},
		{"refused by the circuit", ctx, nil, &OpenError{}, NoVerdict},
	}
	for _, c := range cases {
		if got := Classify(c.ctx, c.resp, c.err); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestOpensOnlyOnTrip(t *testing.T) {
	b, _ := newTestBreaker()
	// Failed attempts alone never open it: only a request whose whole budget failed does.
	for range 100 {
		tk, err := b.Allow()
		if err != nil {
			t.Fatal(err)
		}
		tk.Done(Unavailable)
		tk, _ = b.Allow()
		tk.Done(NoVerdict)
	}
	if b.IsOpen() {
		t.Fatal("opened without a trip")
	}
	b.Trip("GET /system/info: HTTP 503: busy (5 attempts)")
	_, err := b.Allow()
	var open *OpenError
	if !errors.As(err, &open) || !strings.Contains(err.Error(), "HTTP 503: busy") || !strings.Contains(err.Error(), "http://127.0.0.1:1") ||
		!strings.Contains(err.Error(), "not sent") {
		t.Fatalf("err %v", err)
	}
	// A second trip keeps the first cause.
	b.Trip("something else")
	if _, err := b.Allow(); !strings.Contains(err.Error(), "HTTP 503: busy") {
		t.Fatalf("cause changed: %v", err)
	}
}

func TestAnswerClosesIt(t *testing.T) {
	b, _ := newTestBreaker()
	// An attempt let through before the circuit opened answers after: the platform is up.
	inflight, _ := b.Allow()
	b.Trip("down")
	inflight.Done(Answered)
	if b.IsOpen() {
		t.Fatal("an answer did not close the circuit")
	}
	// One that did not answer leaves it open.
	inflight, _ = b.Allow()
	b.Trip("down")
	inflight.Done(Unavailable)
	inflight.Done(NoVerdict)
	if !b.IsOpen() {
		t.Fatal("closed without an answer")
	}
}

func TestProbes(t *testing.T) {
	b, clk := newTestBreaker()
	b.Trip("down")
	if _, err := b.Allow(); err == nil {
		t.Fatal("let through before the probe interval")
	}
	clk.advance(10 * time.Second)
	probe, err := b.Allow()
	if err != nil || !probe.probe {
		t.Fatalf("no probe after the interval: %v", err)
	}
	// One probe at a time.
	if _, err := b.Allow(); err == nil {
		t.Fatal("a second attempt let through while the probe is in flight")
	}
	// A failed probe waits for the next interval.
	probe.Done(Unavailable)
	if _, err := b.Allow(); err == nil {
		t.Fatal("let through right after a failed probe")
	}
	clk.advance(9 * time.Second)
	if _, err := b.Allow(); err == nil {
		t.Fatal("let through before the next probe is due")
	}
	clk.advance(time.Second)
	probe, err = b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	// A probe that got no verdict (a slow attempt) keeps it open too.
	probe.Done(NoVerdict)
	if !b.IsOpen() {
		t.Fatal("closed by a probe without an answer")
	}
	clk.advance(10 * time.Second)
	probe, _ = b.Allow()
	probe.Done(Answered)
	if b.IsOpen() {
		t.Fatal("an answered probe did not close the circuit")
	}
	for range 3 {
		if _, err := b.Allow(); err != nil {
			t.Fatal(err)
		}
	}
}

// rt answers every attempt with code and counts them.
type rt struct {
	code int
	n    atomic.Int32
}

func (r *rt) RoundTrip(req *http.Request) (*http.Response, error) {
	r.n.Add(1)
	return &http.Response{StatusCode: r.code, Body: http.NoBody, Request: req}, nil
}

func TestWrapSendsNothingWhileOpen(t *testing.T) {
	b, clk := newTestBreaker()
	next := &rt{code: 503}
	c := &http.Client{Transport: b.Wrap(next)}
	get := func() error {
		resp, err := c.Get("http://127.0.0.1:1/x")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatal(err)
	}
	b.Trip("HTTP 503")
	for range 50 {
		if err := get(); !IsOpenError(err) {
			t.Fatalf("err %v", err)
		}
	}
	if next.n.Load() != 1 {
		t.Fatalf("%d attempts sent while open", next.n.Load())
	}
	clk.advance(10 * time.Second)
	next.code = 404
	if err := get(); err != nil {
		t.Fatal(err)
	}
	if b.IsOpen() || next.n.Load() != 2 {
		t.Fatalf("open %v after %d attempts", b.IsOpen(), next.n.Load())
	}
}

// TestConcurrent runs attempts, trips, probes and answers from many goroutines (run it
// with -race): exactly one probe is ever in flight.
func TestConcurrent(t *testing.T) {
	b := New("x", time.Millisecond)
	var inProbe, maxProbe atomic.Int32
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				tk, err := b.Allow()
				if err != nil {
					continue
				}
				if tk.probe {
					n := inProbe.Add(1)
					for {
						m := maxProbe.Load()
						if n <= m || maxProbe.CompareAndSwap(m, n) {
							break
						}
					}
				}
				if tk.probe {
					// Counted out before Done, which may let the next probe through.
					inProbe.Add(-1)
				}
				switch (g + i) % 3 {
				case 0:
					b.Trip("down")
					tk.Done(Unavailable)
				case 1:
					tk.Done(NoVerdict)
				default:
					if i%7 == 0 {
						tk.Done(Answered)
					} else {
						tk.Done(Unavailable)
					}
				}
			}
		}()
	}
	wg.Wait()
	if maxProbe.Load() > 1 {
		t.Fatalf("%d probes in flight at once", maxProbe.Load())
	}
}
