// Package httpclient holds the provider's one retry policy (Policy, Retrier,
// AmbiguousError; DESIGN.md section 7) and the HTTP client every HTTP platform driver
// uses (Client). The policy is built on go-retryablehttp: retries with exponential
// backoff and jitter on connection errors, 429 and 502/503/504, honouring Retry-After,
// bounded by MaxRetries and the request context. Non-idempotent requests (creates) are
// never retried once they may have reached the server: their ambiguous outcome is
// returned as an *AmbiguousError so the driver can resolve it by reading the object
// back. The Knative driver sends client-go's requests through the same Retrier.
// Requests carry the provider's User-Agent and are logged through tflog with
// credentials and registered secret values redacted (platform.Redactions).
//
// Every attempt goes through the client's circuit breaker (internal/circuit): once one
// request has used its whole retry budget on a platform that does not answer, later
// requests fail at once with that cause instead of retrying again.
package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/go-retryablehttp"

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
	retrier *Retrier
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
	c := &Client{cfg: cfg}
	c.retrier = NewRetrier(Policy{
		MaxRetries: cfg.MaxRetries, RetryWaitMin: cfg.RetryWaitMin, RetryWaitMax: cfg.RetryWaitMax, Timeout: cfg.Timeout,
		Breaker: circuit.New(cfg.BaseURL.Redacted(), cfg.ProbeInterval), Hide: c.Redact,
	}, transport)
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
	resp, _, err := c.retrier.Do(hr, !req.NotIdempotent)
	if err != nil {
		var amb *AmbiguousError
		if errors.As(err, &amb) {
			amb.Path = req.Path // without the base URL's own path
			return nil, amb
		}
		var open *circuit.OpenError
		if errors.As(err, &open) {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.Path, open)
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
	return &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// ReadBody returns a short, redacted form of an error body for messages.
func (c *Client) ReadBody(b []byte) string { return c.Redact(trimBody(b)) }
