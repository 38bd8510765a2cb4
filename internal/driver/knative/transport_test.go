package knative

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/circuit"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
)

// scripted answers each attempt from a list: a status, or an error.
type scripted struct {
	steps []any // int status or error
	n     atomic.Int32
	saw   []string
}

func (s *scripted) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(s.n.Add(1)) - 1
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		s.saw = append(s.saw, string(b))
	}
	step := s.steps[min(i, len(s.steps)-1)]
	if err, ok := step.(error); ok {
		return nil, err
	}
	code, _ := step.(int)
	h := http.Header{}
	if code == http.StatusTooManyRequests {
		h.Set("Retry-After", "0")
	}
	return &http.Response{StatusCode: code, Status: http.StatusText(code), Header: h, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

func TestRetryTransport(t *testing.T) {
	sent := errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	cases := []struct {
		name        string
		method, ct  string
		steps       []any
		wantCode    int
		wantErr     string
		ambiguous   bool
		wantAttempt int
	}{
		{name: "GET retried after a reset", method: http.MethodGet, steps: []any{sent, 200}, wantCode: 200, wantAttempt: 2},
		{name: "GET gives up", method: http.MethodGet, steps: []any{sent}, wantErr: "no answer from the API server after 4 attempts", wantAttempt: 4},
		{name: "POST reset is ambiguous", method: http.MethodPost, steps: []any{sent, 201}, ambiguous: true, wantAttempt: 1},
		{name: "POST retried when the dial failed", method: http.MethodPost, steps: []any{dial, 201}, wantCode: 201, wantAttempt: 2},
		{name: "POST retried on 429", method: http.MethodPost, steps: []any{429, 201}, wantCode: 201, wantAttempt: 2},
		{name: "POST retried on 503", method: http.MethodPost, steps: []any{503, 503, 201}, wantCode: 201, wantAttempt: 3},
		{name: "POST 504 is ambiguous", method: http.MethodPost, steps: []any{504, 201}, ambiguous: true, wantAttempt: 1},
		{name: "PUT retried on 502", method: http.MethodPut, steps: []any{502, 200}, wantCode: 200, wantAttempt: 2},
		{name: "merge PATCH is idempotent", method: http.MethodPatch, ct: "application/merge-patch+json", steps: []any{sent, 200}, wantCode: 200, wantAttempt: 2},
		{name: "JSON PATCH is not", method: http.MethodPatch, ct: "application/json-patch+json", steps: []any{sent, 200}, ambiguous: true, wantAttempt: 1},
		{name: "DELETE retried", method: http.MethodDelete, steps: []any{sent, 404}, wantCode: 404, wantAttempt: 2},
		{name: "500 not retried", method: http.MethodGet, steps: []any{500, 200}, wantCode: 500, wantAttempt: 1},
		{name: "429 exhausted keeps the answer", method: http.MethodGet, steps: []any{429}, wantCode: 429, wantAttempt: 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := &scripted{steps: c.steps}
			rt := newRetryTransport(next, httpclient.Policy{MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond}, nil)
			req, _ := http.NewRequestWithContext(context.Background(), c.method, "http://127.0.0.1:1/apis/x", strings.NewReader(`{"a":1}`))
			if c.ct != "" {
				req.Header.Set("Content-Type", c.ct)
			}
			resp, err := rt.RoundTrip(req)
			if got := int(next.n.Load()); got != c.wantAttempt {
				t.Errorf("%d attempts, want %d", got, c.wantAttempt)
			}
			for _, b := range next.saw {
				if b != `{"a":1}` {
					t.Errorf("body resent as %q", b)
				}
			}
			var amb *httpclient.AmbiguousError
			switch {
			case c.ambiguous:
				if !errors.As(err, &amb) {
					t.Fatalf("got %v, want an AmbiguousError", err)
				}
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "reset by peer") {
					t.Fatalf("got %v", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if resp.StatusCode != c.wantCode || resp.Header.Get("Retry-After") != "" {
					t.Errorf("status %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
				}
			}
		})
	}
}

func TestRetryTransportHonoursContext(t *testing.T) {
	next := &scripted{steps: []any{503}}
	rt := newRetryTransport(next, httpclient.Policy{MaxRetries: 100, RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 50 * time.Millisecond}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:1/x", nil)
	start := time.Now()
	if _, err := rt.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > time.Second {
		t.Error("the retry loop ignored the context")
	}
}

// hanging never answers its first attempt (until the attempt's context ends), then
// answers 200.
type hanging struct{ n atomic.Int32 }

func (h *hanging) RoundTrip(r *http.Request) (*http.Response, error) {
	if h.n.Add(1) == 1 {
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
}

// TestRetryTransportBoundsEachAttempt: request_timeout bounds one attempt, so a hung
// read is retried (and a hung create is ambiguous), instead of one timeout covering the
// request with all its retries and backoff.
func TestRetryTransportBoundsEachAttempt(t *testing.T) {
	for _, c := range []struct {
		method    string
		ambiguous bool
	}{{http.MethodGet, false}, {http.MethodPost, true}} {
		h := &hanging{}
		rt := newRetryTransport(h, httpclient.Policy{MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Timeout: 50 * time.Millisecond}, nil)
		req, _ := http.NewRequestWithContext(context.Background(), c.method, "https://api.example/apis/x", nil)
		start := time.Now()
		resp, err := rt.RoundTrip(req)
		var amb *httpclient.AmbiguousError
		switch {
		case c.ambiguous && !errors.As(err, &amb):
			t.Errorf("%s: a create whose attempt timed out must be ambiguous, got %v", c.method, err)
		case !c.ambiguous && (err != nil || resp.StatusCode != 200):
			t.Errorf("%s: a read whose attempt timed out must be retried, got %v", c.method, err)
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body) // the body is readable after the attempt returned
			_ = resp.Body.Close()
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s took %s", c.method, d)
		}
	}
}

// TestRetryTransportCircuit: the circuit opens when one request used its whole budget
// on an unavailable API server, and is shared by every client of the driver: a later
// request through another transport is not sent and fails with that cause, worded so
// that client-go does not retry it.
func TestRetryTransportCircuit(t *testing.T) {
	reset := errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
	for _, c := range []struct {
		name  string
		steps []any
		cause string
	}{
		{"connection resets", []any{reset}, "read: connection reset (4 attempts)"},
		{"503", []any{503}, "HTTP 503 Service Unavailable"},
		{"429", []any{429}, "HTTP 429 Too Many Requests"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := circuit.New("https://127.0.0.1:6443", time.Hour)
			next := &scripted{steps: c.steps}
			policy := httpclient.Policy{MaxRetries: 3, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Breaker: b}
			dyn := newRetryTransport(next, policy, nil)
			disco := newRetryTransport(next, policy, nil)
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://127.0.0.1:6443/version", nil)
			if resp, err := disco.RoundTrip(req); err == nil {
				resp.Body.Close()
			}
			if next.n.Load() != 4 || !b.IsOpen() {
				t.Fatalf("%d attempts, open %v", next.n.Load(), b.IsOpen())
			}
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				req, _ = http.NewRequestWithContext(context.Background(), m, "https://127.0.0.1:6443/apis/serving.knative.dev/v1/namespaces/default/services", strings.NewReader("{}"))
				_, err := dyn.RoundTrip(req)
				var amb *httpclient.AmbiguousError
				if !circuit.IsOpenError(err) || errors.As(err, &amb) || !strings.Contains(err.Error(), "is unavailable: GET /version: ") || !strings.Contains(err.Error(), c.cause) ||
					strings.Contains(err.Error(), "reset by peer") {
					t.Fatalf("%s: %v", m, err)
				}
			}
			if next.n.Load() != 4 {
				t.Fatalf("%d attempts: a request was sent while the circuit was open", next.n.Load())
			}
		})
	}
}

// TestRetryTransportCircuitStaysClosed: answers (404, 409, 500), and attempts that time
// out after they were sent, never open the circuit.
func TestRetryTransportCircuitStaysClosed(t *testing.T) {
	b := circuit.New("x", time.Hour)
	next := &scripted{steps: []any{404, 409, 500, 404}}
	rt := newRetryTransport(next, httpclient.Policy{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Breaker: b}, nil)
	for range 4 {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://x/apis/x", nil)
		if resp, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		} else {
			resp.Body.Close()
		}
	}
	slow := newRetryTransport(&hanging{}, httpclient.Policy{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond, Breaker: b, Timeout: 20 * time.Millisecond}, nil)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://x/apis/x", nil)
	if _, err := slow.RoundTrip(req); err == nil {
		t.Fatal("want the slow attempt's timeout")
	}
	if b.IsOpen() {
		t.Fatal("the circuit opened without a persistent unavailability")
	}
}
