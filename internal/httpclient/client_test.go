package httpclient

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newClient(t *testing.T, srv *httptest.Server, cfg Config) *Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	cfg.BaseURL = u
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin, cfg.RetryWaitMax = time.Millisecond, 5*time.Millisecond
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestHeadersAndAuth(t *testing.T) {
	var gotUA, gotAuth, gotCT string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAuth, gotCT = r.UserAgent(), r.Header.Get("Authorization"), r.Header.Get("Content-Type")
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{Username: "admin", Password: "pw123", UserAgent: "terraform-provider-faas/1.2.3"})
	if _, err := c.Do(context.Background(), Request{Method: "POST", Path: "/x", Body: map[string]string{"a": "b"}}); err != nil {
		t.Fatal(err)
	}
	if gotUA != "terraform-provider-faas/1.2.3" || !strings.HasPrefix(gotAuth, "Basic ") || gotCT != "application/json" {
		t.Fatalf("ua %q auth %q ct %q", gotUA, gotAuth, gotCT)
	}
	c = newClient(t, srv, Config{Token: "tok123"})
	if _, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"}); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer tok123" {
		t.Fatalf("auth %q", gotAuth)
	}
}

func TestRetriesOn429And503HonouringRetryAfter(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusServiceUnavailable)
		default:
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3})
	// Even a create is retried on 429 and 503: the server did not apply it.
	resp, err := c.Do(context.Background(), Request{Method: "POST", Path: "/x", NotIdempotent: true})
	if err != nil || resp.StatusCode != http.StatusAccepted || n.Load() != 3 {
		t.Fatalf("resp %+v err %v attempts %d", resp, err, n.Load())
	}
}

func TestRetryBudgetIsBounded(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 2})
	resp, err := c.Do(context.Background(), Request{Method: "GET", Path: "/x"})
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable || n.Load() != 3 {
		t.Fatalf("resp %+v err %v attempts %d, want the last 503 after 3 attempts", resp, err, n.Load())
	}
}

func TestNoRetryOn500(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3})
	resp, err := c.Do(context.Background(), Request{Method: "PUT", Path: "/x"})
	if err != nil || resp.StatusCode != 500 || n.Load() != 1 {
		t.Fatalf("resp %+v err %v attempts %d", resp, err, n.Load())
	}
}

// hijackClose drops the connection without answering.
func hijackClose(w http.ResponseWriter) {
	conn, _, _ := w.(http.Hijacker).Hijack() //nolint:forcetypeassert // httptest servers support hijacking
	_ = conn.Close()
}

func TestDroppedConnection(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			hijackClose(w)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3})

	// An idempotent request is retried.
	if resp, err := c.Do(context.Background(), Request{Method: "PUT", Path: "/x"}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: resp %+v err %v", resp, err)
	}
	// A create is not: its outcome is ambiguous.
	n.Store(0)
	_, err := c.Do(context.Background(), Request{Method: "POST", Path: "/x", NotIdempotent: true})
	var amb *AmbiguousError
	if !errors.As(err, &amb) || n.Load() != 1 {
		t.Fatalf("POST: err %v attempts %d, want one attempt and an AmbiguousError", err, n.Load())
	}
}

func TestGatewayTimeoutOnCreateIsAmbiguous(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusGatewayTimeout)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3})
	_, err := c.Do(context.Background(), Request{Method: "POST", Path: "/x", NotIdempotent: true})
	var amb *AmbiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("err %v", err)
	}
}

func TestConnectionRefusedCreateIsRetriedNotAmbiguous(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	u, _ := url.Parse("http://" + addr)
	c, _ := New(Config{BaseURL: u, MaxRetries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	_, err = c.Do(context.Background(), Request{Method: "POST", Path: "/x", NotIdempotent: true})
	var amb *AmbiguousError
	if err == nil || errors.As(err, &amb) {
		t.Fatalf("err %v: a refused connection never reached the server", err)
	}
}

func TestRedaction(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := newClient(t, srv, Config{Username: "admin", Password: "hunter2-pw", Token: ""})
	c.AddSecrets("secret-value-xyz", "ab") // too short to redact safely: ignored
	got := c.Redact("login hunter2-pw failed, value secret-value-xyz, ab stays")
	if got != "login *** failed, value ***, ab stays" {
		t.Fatalf("got %q", got)
	}
	if body := c.ReadBody([]byte(strings.Repeat("x", 600) + "hunter2-pw")); strings.Contains(body, "hunter2") || len(body) > 510 {
		t.Fatalf("ReadBody %q", body)
	}
}

func TestContextBoundsRetries(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 10})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Do(ctx, Request{Method: "GET", Path: "/x"})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("err %v after %s: the context must end the retries", err, time.Since(start))
	}
}

func TestBadCA(t *testing.T) {
	u, _ := url.Parse("https://127.0.0.1")
	if _, err := New(Config{BaseURL: u, CACertPEM: "not a pem"}); err == nil {
		t.Fatal("want an error for a CA without certificates")
	}
}

// TestEchoedAuthorizationIsRedacted: a platform or proxy that quotes the request's
// Authorization header in an error body (issue 12) shows the credentials as they were
// sent, Basic base64(user:password) or Bearer token, also URL-escaped in a redirect
// message; none of those forms may reach an error message or a log line.
func TestEchoedAuthorizationIsRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		http.Error(w, "denied: Authorization: "+auth+"; see /login?auth="+url.QueryEscape(auth), http.StatusInternalServerError)
	}))
	defer srv.Close()
	for name, cfg := range map[string]Config{
		// base64 of "admin:s3cr+t?pw/x" holds '+' and '/', which URL escaping changes.
		"basic":  {Username: "admin", Password: "s3cr+t?pw/x"},
		"bearer": {Token: "tok-9f2c+/abc="},
	} {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, srv, cfg)
			resp, err := c.Do(context.Background(), Request{Method: "GET", Path: "/system/info"})
			if err != nil {
				t.Fatal(err)
			}
			msg := c.ReadBody(resp.Body)
			sent := cfg.Token
			if cfg.Token == "" {
				sent = base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + cfg.Password))
			}
			for _, leak := range []string{sent, url.QueryEscape(sent), url.PathEscape(sent)} {
				if strings.Contains(msg, leak) {
					t.Errorf("%q leaked into the message: %s", leak, msg)
				}
			}
			if !strings.Contains(msg, "denied: Authorization: ") {
				t.Errorf("the rest of the message is lost: %s", msg)
			}
		})
	}
}

// TestTLSFailureIsNotAmbiguous: a create that fails TLS verification was never sent: it
// is neither retried nor ambiguous (one rule with the Knative driver's transport).
func TestTLSFailureIsNotAmbiguous(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake failure is expected
	srv.StartTLS()
	defer srv.Close()
	c := newClient(t, srv, Config{MaxRetries: 3}) // without the server's CA
	_, err := c.Do(context.Background(), Request{Method: "POST", Path: "/x", NotIdempotent: true})
	var amb *AmbiguousError
	if err == nil || errors.As(err, &amb) || n.Load() != 0 {
		t.Fatalf("err %v, %d requests reached the handler: want a TLS error that is not ambiguous", err, n.Load())
	}
}
