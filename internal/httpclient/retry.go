package httpclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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

// Policy is the provider's one retry policy (DESIGN.md section 7.1), shared by every HTTP
// stack: the Client of HTTP platforms, and the transport the Knative driver installs
// under client-go. Connection errors, 429 and 502/503/504 are retried with exponential
// backoff and jitter, honouring Retry-After, up to MaxRetries and within the request's
// context; a request that is not idempotent is retried only when it cannot have been
// applied, and its ambiguous outcome becomes an *AmbiguousError.
type Policy struct {
	// MaxRetries is how many times a retryable failure is retried.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the backoff between attempts; zero values
	// mean 500 ms and 10 s. A Retry-After header wins over both.
	RetryWaitMin, RetryWaitMax time.Duration
	// Timeout bounds one attempt, until its response body is read and closed; 0 means
	// no bound beyond the request's context.
	Timeout time.Duration
	// Breaker, when set, sees every attempt, and opens once a request used its whole
	// budget on an unavailable platform (internal/circuit).
	Breaker *circuit.Breaker
	// Hide redacts credentials and secret values in the text of errors, log lines and
	// the circuit's cause; nil hides nothing.
	Hide func(string) string
	// Describe words a 429 or 5xx answer for the circuit's cause; head is the start of
	// its body. nil means "HTTP <code>: <body>".
	Describe func(resp *http.Response, head []byte) string
	// KeepRedirects returns redirects to the caller instead of following them (client-go
	// follows them itself).
	KeepRedirects bool
}

// Retrier sends requests under a Policy through go-retryablehttp.
type Retrier struct {
	p  Policy
	rc *retryablehttp.Client
}

// NewRetrier returns a Retrier that sends each attempt through transport, behind the
// policy's circuit breaker when it has one.
func NewRetrier(p Policy, transport http.RoundTripper) *Retrier {
	if p.RetryWaitMin == 0 {
		p.RetryWaitMin = 500 * time.Millisecond
	}
	if p.RetryWaitMax == 0 {
		p.RetryWaitMax = 10 * time.Second
	}
	if p.Hide == nil {
		p.Hide = func(s string) string { return s }
	}
	if p.Breaker != nil {
		transport = p.Breaker.Wrap(transport)
	}
	hc := &http.Client{Transport: transport, Timeout: p.Timeout}
	if p.KeepRedirects {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = hc
	rc.RetryMax = p.MaxRetries
	rc.RetryWaitMin = p.RetryWaitMin
	rc.RetryWaitMax = p.RetryWaitMax
	rc.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		retry, cerr := checkRetry(ctx, resp, err)
		// Once the circuit is open (this request was the probe, or another request
		// used its whole budget meanwhile), retrying would only wait for the same
		// failure: the request ends with what it has.
		return retry && (p.Breaker == nil || !p.Breaker.IsOpen()), cerr
	}
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.Logger = nil
	rc.RequestLogHook = logAttempt
	return &Retrier{p: p, rc: rc}
}

type (
	idempotencyKey struct{}
	attemptsKey    struct{}
)

// Do sends req with its retries and returns the last answer, of any status, and how
// many attempts it took. A request that used its whole budget on an unavailable
// platform opens the circuit. Its error is:
//   - an *AmbiguousError when the request is not idempotent and may have been applied:
//     a transport failure after sending, or a 502 or 504 from a gateway or proxy (the
//     answer is then closed);
//   - the *circuit.OpenError, the request context's error, or the last transport error
//     (freed of net/http's *url.Error wrapping, and saying when an attempt found no
//     answer within Timeout), otherwise.
func (r *Retrier) Do(req *retryablehttp.Request, idempotent bool) (*http.Response, int, error) {
	attempts := 0
	ctx := context.WithValue(context.WithValue(req.Context(), idempotencyKey{}, idempotent), attemptsKey{}, &attempts)
	req = req.WithContext(ctx)
	fields := map[string]any{"method": req.Method, "path": req.URL.Path}
	if req.URL.RawQuery != "" {
		fields["query"] = r.p.Hide(req.URL.RawQuery)
	}
	start := time.Now()
	resp, err := r.rc.Do(req)
	fields["attempts"] = attempts
	fields["duration_ms"] = time.Since(start).Milliseconds()
	exhausted := r.exhausted(ctx, attempts, resp, err)
	if err != nil {
		if ue, ok := err.(*url.Error); ok { //nolint:errorlint // only net/http's own outer wrapping ("Get \"<url>\": ") is removed
			err = ue.Err
		}
		if ctx.Err() == nil && isTimeout(err) && r.p.Timeout > 0 {
			err = fmt.Errorf("no answer within the request timeout (%s): %w", r.p.Timeout, err)
		}
		fields["error"] = r.p.Hide(err.Error())
		tflog.Debug(ctx, "platform request failed", fields)
		if exhausted {
			r.trip(req.Request, err.Error(), attempts)
		}
		if !idempotent && ctx.Err() == nil && !notSent(err) {
			return nil, attempts, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: errors.New(r.p.Hide(err.Error()))}
		}
		return nil, attempts, err
	}
	fields["status"] = resp.StatusCode
	tflog.Debug(ctx, "platform request", fields)
	if exhausted {
		r.trip(req.Request, r.describe(resp), attempts)
	}
	if !idempotent && (resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout) {
		// A proxy gave up waiting: the platform may have applied the create.
		drain(resp)
		return nil, attempts, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: fmt.Errorf("HTTP %d from a gateway or proxy", resp.StatusCode)}
	}
	return resp, attempts, nil
}

// exhausted reports a request that ended because it used its whole retry budget on
// attempts that found the platform unavailable: the circuit opens on it. A request
// that ended for any other reason (an answer, a failure that is not retried, its
// context, an ambiguous create, a slow attempt) does not.
func (r *Retrier) exhausted(ctx context.Context, attempts int, resp *http.Response, err error) bool {
	if r.p.Breaker == nil || attempts <= r.p.MaxRetries || ctx.Err() != nil {
		return false
	}
	if retry, _ := checkRetry(ctx, resp, err); !retry {
		return false
	}
	return circuit.Classify(ctx, resp, err) == circuit.Unavailable
}

// trip opens the circuit with the request's last failure as its cause, redacted.
func (r *Retrier) trip(req *http.Request, cause string, attempts int) {
	r.p.Breaker.Trip(fmt.Sprintf("%s %s: %s (%d attempts)", req.Method, req.URL.Path, r.p.Hide(cause), attempts))
}

// describe words an answer for the circuit's cause, peeking at its body, which stays
// readable for the caller.
func (r *Retrier) describe(resp *http.Response) string {
	var head []byte
	if resp.Body != nil {
		head, _ = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	}
	if r.p.Describe != nil {
		return r.p.Describe(resp, head)
	}
	return fmt.Sprintf("HTTP %d: %s", resp.StatusCode, trimBody(head))
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

// notSent reports a transport error known to have happened before the request reached
// the server: a failure to connect, a TLS verification failure, or an open circuit.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || IsTLSFailure(err) || circuit.IsOpenError(err)
}

// IsTLSFailure reports a TLS verification failure: the request was not sent, and
// retrying would fail the same way.
func IsTLSFailure(err error) bool {
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	return errors.As(err, &cert) || errors.As(err, &unknown) || errors.As(err, &hostname)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// checkRetry retries connection errors, 429 and 502/503/504, and nothing else. A
// non-idempotent request is retried only when it cannot have been applied: a failure to
// connect, 429 or 503. TLS verification failures and an open circuit are not retried.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	idempotent, _ := ctx.Value(idempotencyKey{}).(bool)
	if err != nil {
		if circuit.IsOpenError(err) || IsTLSFailure(err) {
			return false, nil
		}
		return idempotent || notSent(err), nil
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

// trimBody is a short form of a response body for messages: valid UTF-8, trimmed, at
// most 500 bytes.
func trimBody(b []byte) string {
	s := strings.TrimSpace(string(bytes.ToValidUTF8(b, []byte("?"))))
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// AmbiguousError reports a non-idempotent request (a create) whose outcome is unknown:
// the connection failed after the request was sent, or a proxy answered 502 or 504, so
// the platform may have applied it. It is never retried blindly: platform.CreateOnce
// resolves it by reading back (DESIGN.md sections 5.4 and 7.2).
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
