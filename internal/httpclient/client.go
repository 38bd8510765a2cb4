// Package httpclient is the one HTTP client every HTTP platform driver uses (DESIGN.md
// section 7). It is built on go-retryablehttp: retries with exponential backoff and
// jitter on connection errors, 429 and 502/503/504, honouring Retry-After, bounded by
// MaxRetries and the request context. Non-idempotent requests (creates) are never
// retried once they may have reached the server: their ambiguous outcome is returned as
// an *AmbiguousError so the driver can resolve it by reading the object back.
// Requests carry the provider's User-Agent and are logged through tflog with
// credentials and registered secret values redacted.
//
// Every attempt goes through the client's circuit breaker (internal/circuit): once one
// request has used its whole retry budget on a platform that does not answer, later
// requests fail at once with that cause instead of retrying again.
package httpclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/circuit"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Config configures a Client.
type Config struct {
	// BaseURL is the API root, such as http://127.0.0.1:8080.
	BaseURL *url.URL
	// Username and Password enable HTTP basic auth when Username is not empty.
	Username, Password string
	// Token enables bearer auth; it takes precedence over basic auth.
	Token string
	// UserAgent is sent on every request, such as "terraform-provider-faas/1.0.0".
	UserAgent string
	// Timeout bounds one attempt (connect, send, receive); 0 means 30 seconds.
	Timeout time.Duration
	// MaxRetries is how many times a retryable failure is retried.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between attempts; zero values
	// mean 500 ms and 10 s. A Retry-After header wins over both.
	RetryWaitMin, RetryWaitMax time.Duration
	// CACertPEM, when not empty, is the only CA trusted for TLS.
	CACertPEM string
	// InsecureSkipVerify disables TLS certificate verification.
	InsecureSkipVerify bool
	// ProbeInterval is how often an open circuit lets one attempt through to check
	// whether the platform is back; 0 means circuit.DefaultProbeInterval.
	ProbeInterval time.Duration
}

// Client sends JSON requests to one platform endpoint.
type Client struct {
	cfg     Config
	rc      *retryablehttp.Client
	breaker *circuit.Breaker
	// authorization is the Authorization header every request carries, "" for none.
	authorization string
	secrets       platform.Redactions
}

// New builds a Client from cfg.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == nil {
		return nil, errors.New("no base URL")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = 500 * time.Millisecond
	}
	if cfg.RetryWaitMax == 0 {
		cfg.RetryWaitMax = 10 * time.Second
	}
	transport := http.DefaultTransport.(*http.Transport).Clone() //nolint:forcetypeassert // the standard library's default is always *http.Transport
	if cfg.CACertPEM != "" || cfg.InsecureSkipVerify {
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in by the user, documented on the attribute
		if cfg.CACertPEM != "" {
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
				return nil, errors.New("ca_cert_pem holds no PEM certificate")
			}
			tc.RootCAs = pool
		}
		transport.TLSClientConfig = tc
	}
	breaker := circuit.New(cfg.BaseURL.Redacted(), cfg.ProbeInterval)
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &http.Client{Transport: breaker.Wrap(transport), Timeout: cfg.Timeout}
	rc.RetryMax = cfg.MaxRetries
	rc.RetryWaitMin = cfg.RetryWaitMin
	rc.RetryWaitMax = cfg.RetryWaitMax
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := checkRetry(ctx, resp, err)
		// Once the circuit is open (this request was the probe, or another request
		// used its whole budget meanwhile), retrying would only wait for the same
		// failure: the request ends with what it has.
		return retry && !breaker.IsOpen(), cerr
	}
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.Logger = nil
	rc.RequestLogHook = logAttempt
	c := &Client{cfg: cfg, rc: rc, breaker: breaker}
	switch {
	case cfg.Token != "":
		c.authorization = platform.BearerAuthorization(cfg.Token)
	case cfg.Username != "":
		c.authorization = platform.BasicAuthorization(cfg.Username, cfg.Password)
	}
	c.AddSecrets(cfg.Password, cfg.Token)
	// A gateway or proxy that echoes the request shows the header as sent:
	// base64("user:password") is not the password, and must be hidden too.
	if c.authorization != "" {
		c.secrets.AddAuthorization(c.authorization)
	}
	return c, nil
}

// AddSecrets registers values that must never appear in a log line or an error message,
// also in their URL-escaped forms (platform.Redactions).
func (c *Client) AddSecrets(values ...string) { c.secrets.Add(values...) }

// Redact replaces every registered secret in s with "***": the configured password and
// token, the credentials of the Authorization header as sent, and every value given to
// AddSecrets.
func (c *Client) Redact(s string) string { return c.secrets.Redact(s) }

// BaseURL returns the configured API root.
func (c *Client) BaseURL() *url.URL { return c.cfg.BaseURL }

// Request is one API call.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is appended to the base URL, such as "/system/functions".
	Path string
	// Query is sent as the query string.
	Query url.Values
	// Body, when not nil, is sent as JSON.
	Body any
	// NotIdempotent marks a request (a create) that must not be retried once it may have
	// reached the server; its ambiguous failure becomes an *AmbiguousError.
	NotIdempotent bool
}

// Response is an HTTP answer of any status.
type Response struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Body is the whole response body.
	Body []byte
}

// AmbiguousError reports a non-idempotent request whose outcome is unknown: it may have
// been applied by the server although no answer arrived.
type AmbiguousError struct {
	// Method and Path name the request.
	Method, Path string
	// Err is the transport error or the gateway status seen.
	Err error
}

// Error implements error.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: outcome unknown, the request may have reached the platform: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *AmbiguousError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, platform.ErrAmbiguous) true, so that platform.CreateOnce
// resolves the create by reading back.
func (e *AmbiguousError) Is(target error) bool { return target == platform.ErrAmbiguous }

type (
	idempotencyKey struct{}
	attemptsKey    struct{}
)

// Do sends req and returns the response of any HTTP status. Transport failures that
// survive the retries are returned as errors (an *AmbiguousError for a non-idempotent
// request that may have been applied).
func (c *Client) Do(ctx context.Context, req Request) (*Response, error) {
	u := c.cfg.BaseURL.JoinPath(req.Path)
	if len(req.Query) > 0 {
		u.RawQuery = req.Query.Encode()
	}
	var body []byte
	if req.Body != nil {
		b, err := json.Marshal(req.Body)
		if err != nil {
			return nil, fmt.Errorf("encoding %s %s: %w", req.Method, req.Path, err)
		}
		body = b
	}
	attempts := 0
	ctx = context.WithValue(ctx, idempotencyKey{}, !req.NotIdempotent)
	ctx = context.WithValue(ctx, attemptsKey{}, &attempts)
	var rawBody any
	if body != nil {
		rawBody = body
	}
	hr, err := retryablehttp.NewRequestWithContext(ctx, req.Method, u.String(), rawBody)
	if err != nil {
		return nil, fmt.Errorf("building %s %s: %w", req.Method, req.Path, err)
	}
	hr.Header.Set("User-Agent", c.cfg.UserAgent)
	hr.Header.Set("Accept", "application/json")
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if c.authorization != "" {
		hr.Header.Set("Authorization", c.authorization)
	}
	logFields := map[string]any{"method": req.Method, "path": req.Path}
	if len(req.Query) > 0 {
		logFields["query"] = req.Query.Encode()
	}
	start := time.Now()
	resp, err := c.rc.Do(hr)
	logFields["attempts"] = attempts
	logFields["duration_ms"] = time.Since(start).Milliseconds()
	exhausted := c.exhausted(ctx, attempts, resp, err)
	if err != nil {
		logFields["error"] = c.Redact(err.Error())
		tflog.Debug(ctx, "platform request failed", logFields)
		var open *circuit.OpenError
		if errors.As(err, &open) {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.Path, open)
		}
		if exhausted {
			c.breaker.Trip(fmt.Sprintf("%s %s: %s (%d attempts)", req.Method, req.Path, c.Redact(err.Error()), attempts))
		}
		if req.NotIdempotent && sentToServer(err) {
			return nil, &AmbiguousError{Method: req.Method, Path: req.Path, Err: errors.New(c.Redact(err.Error()))}
		}
		return nil, fmt.Errorf("%s %s: %s", req.Method, req.Path, c.Redact(err.Error()))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		if req.NotIdempotent {
			return nil, &AmbiguousError{Method: req.Method, Path: req.Path, Err: errors.New(c.Redact(err.Error()))}
		}
		return nil, fmt.Errorf("%s %s: reading response: %s", req.Method, req.Path, c.Redact(err.Error()))
	}
	logFields["status"] = resp.StatusCode
	tflog.Debug(ctx, "platform request", logFields)
	if exhausted {
		c.breaker.Trip(fmt.Sprintf("%s %s: HTTP %d: %s (%d attempts)", req.Method, req.Path, resp.StatusCode, c.ReadBody(data), attempts))
	}
	if req.NotIdempotent && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout) {
		// A proxy gave up waiting: the platform may have applied the create.
		return nil, &AmbiguousError{Method: req.Method, Path: req.Path, Err: fmt.Errorf("HTTP %d from a gateway or proxy", resp.StatusCode)}
	}
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// exhausted reports a request that ended because it used its whole retry budget on
// attempts that found the platform unavailable: the circuit opens on it. A request
// that ended for any other reason (an answer, a failure that is not retried, its
// context, an ambiguous create, a slow attempt) does not.
func (c *Client) exhausted(ctx context.Context, attempts int, resp *http.Response, err error) bool {
	if attempts <= c.cfg.MaxRetries || ctx.Err() != nil {
		return false
	}
	if retry, _ := checkRetry(ctx, resp, err); !retry {
		return false
	}
	return circuit.Classify(ctx, resp, err) == circuit.Unavailable
}

// logAttempt is the RequestLogHook: it counts attempts and logs each retry.
func logAttempt(_ retryablehttp.Logger, r *http.Request, n int) {
	if p, ok := r.Context().Value(attemptsKey{}).(*int); ok {
		*p = n + 1
	}
	if n > 0 {
		tflog.Debug(r.Context(), "retrying platform request", map[string]any{"method": r.Method, "path": r.URL.Path, "retry": n})
	}
}

// sentToServer reports whether a transport error may have happened after the request
// reached the server. Only failures to connect are known not to have.
func sentToServer(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return false
	}
	return !circuit.IsOpenError(err)
}

// checkRetry retries connection errors, 429 and 502/503/504, and nothing else. A
// non-idempotent request is retried only when it cannot have been applied: a failure to
// connect, 429 or 503.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent, _ := ctx.Value(idempotencyKey{}).(bool)
	if err != nil {
		if circuit.IsOpenError(err) {
			return false, nil
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			var cert *tls.CertificateVerificationError
			var unknown x509.UnknownAuthorityError
			var hostname x509.HostnameError
			if errors.As(err, &cert) || errors.As(err, &unknown) || errors.As(err, &hostname) {
				return false, nil
			}
		}
		return idempotent || !sentToServer(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return true, nil
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return idempotent, nil
	}
	return false, nil
}

// backoff honours Retry-After on 429 and 503 (through retryablehttp's DefaultBackoff)
// and otherwise doubles the wait from min up to max with up to 25% random jitter.
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && resp.Header.Get("Retry-After") != "" {
		return retryablehttp.DefaultBackoff(lo, hi, attempt, resp)
	}
	d := retryablehttp.DefaultBackoff(lo, hi, attempt, nil)
	jitter := time.Duration(rand.Int64N(int64(d)/4 + 1)) //nolint:gosec // jitter needs no cryptographic randomness
	if d+jitter > hi {
		return hi
	}
	return d + jitter
}

// ReadBody returns a short, redacted form of an error body for messages.
func (c *Client) ReadBody(b []byte) string {
	s := strings.TrimSpace(string(bytes.ToValidUTF8(b, []byte("?"))))
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return c.Redact(s)
}
