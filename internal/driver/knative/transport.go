package knative

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
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/faasform/terraform-provider-faas/internal/circuit"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// DefaultRetryBackoff is the schedule between retries of a failed request: 500 ms
// doubling up to 10 s with up to 25% jitter, as the project's HTTP client
// (internal/httpclient) uses for the other platforms. A Retry-After header wins.
var DefaultRetryBackoff = wait.Backoff{Duration: 500 * time.Millisecond, Factor: 2, Jitter: 0.25, Cap: 10 * time.Second}

// AmbiguousError reports a non-idempotent request (a create) whose outcome is unknown:
// the connection failed after the request was sent, or a proxy answered 502 or 504, so
// the API server may have applied it. The driver resolves it by reading back
// (DESIGN.md sections 5.4 and 7.2); it is never retried blindly.
type AmbiguousError struct {
	// Method and Path name the request.
	Method, Path string
	// Err is the transport error or the gateway status seen.
	Err error
}

// Error implements error.
func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%s %s: outcome unknown, the request may have reached the API server: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *AmbiguousError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, platform.ErrAmbiguous) true, so that platform.CreateOnce
// resolves the create by reading back.
func (e *AmbiguousError) Is(target error) bool { return target == platform.ErrAmbiguous }

// retriesExhaustedError is the last transport error of a request that was retried as
// often as allowed. Its message is the original one with the phrases client-go matches
// to retry on its own (net.IsProbableEOF) reworded, and it does not unwrap, so client-go
// does not multiply the retries.
type retriesExhaustedError struct {
	method, path string
	attempts     int
	msg          string
}

// Error implements error.
func (e *retriesExhaustedError) Error() string {
	return fmt.Sprintf("%s %s: no answer from the API server after %d attempts: %s", e.method, e.path, e.attempts, e.msg)
}

var eofPhrases = strings.NewReplacer(
	"connection reset by peer", "connection reset",
	"use of closed network connection", "closed network connection",
	"http2: server sent GOAWAY and closed the connection", "http2: the server closed the connection (GOAWAY)",
	"unexpected EOF", "unexpected end of response",
	"EOF", "end of response",
)

// retryTransport retries what the API server did not apply, and only that (DESIGN.md
// section 7.1): connection failures before the request was sent, 429 (API Priority and
// Fairness) and 503, honouring Retry-After, for every method; and, for idempotent
// requests only (GET, PUT with a resourceVersion, merge PATCH, DELETE), connection
// failures after sending and 502/504 too. A create that may have been applied becomes
// an *AmbiguousError instead. Retries are bounded by maxRetries and the request context.
//
// Each attempt goes through breaker (next is wrapped by it): a request that uses its
// whole budget on an unavailable API server opens the circuit, and later attempts then
// fail at once with that cause (internal/circuit).
type retryTransport struct {
	next    http.RoundTripper
	breaker *circuit.Breaker
	// redact hides credentials and secret values in the circuit's cause, the log lines
	// and transport errors; nil means nothing to hide.
	redact func(string) string
	// sent, when set, sees the Authorization header of each request (client-go's auth
	// wrappers set it outside this transport), so that redact hides it as sent.
	sent       func(authorization string)
	maxRetries int
	backoff    wait.Backoff
	// attemptTimeout bounds each attempt, until its response body is closed; 0 means
	// no bound beyond the request's context.
	attemptTimeout time.Duration
}

func idempotent(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	case http.MethodPatch:
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt == "application/merge-patch+json"
	}
	return false
}

// notSent reports a transport error that happened before the request reached the
// server: only a failure to connect is known to be one.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" || circuit.IsOpenError(err)
}

func tlsFailure(err error) bool {
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	return errors.As(err, &cert) || errors.As(err, &unknown) || errors.As(err, &hostname)
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	idem := idempotent(req)
	if t.sent != nil {
		t.sent(req.Header.Get("Authorization"))
	}
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 {
			r = req.Clone(ctx)
			if req.Body != nil && req.Body != http.NoBody {
				if req.GetBody == nil {
					return nil, fmt.Errorf("%s %s: cannot resend a request body", req.Method, req.URL.Path)
				}
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		start := time.Now()
		cancel := context.CancelFunc(func() {})
		if t.attemptTimeout > 0 {
			var actx context.Context
			actx, cancel = context.WithTimeout(ctx, t.attemptTimeout)
			r = r.WithContext(actx)
		}
		resp, err := t.next.RoundTrip(r)
		if err == nil {
			// The attempt's deadline lasts until its body is read and closed.
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
		} else {
			cancel()
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("no answer within the request timeout (%s): %w", t.attemptTimeout, err)
			}
		}
		logAttempt(ctx, req, attempt, start, resp, err, t.hide)
		// The last attempt: the budget is used up, or the circuit is open (this attempt
		// was its probe, or another request used its whole budget meanwhile), so that a
		// retry would only wait for the same failure.
		exhausted := attempt >= t.maxRetries
		last := exhausted || t.breaker != nil && t.breaker.IsOpen()
		var wait time.Duration
		var reason string
		switch {
		case err != nil:
			if circuit.IsOpenError(err) {
				return nil, err
			}
			if ctx.Err() != nil || tlsFailure(err) {
				return nil, err
			}
			if !idem && !notSent(err) {
				return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: errors.New(t.hide(err.Error()))}
			}
			if last {
				e := &retriesExhaustedError{method: req.Method, path: req.URL.Path, attempts: attempt + 1, msg: eofPhrases.Replace(t.hide(err.Error()))}
				if exhausted && circuit.Classify(ctx, nil, err) == circuit.Unavailable {
					t.trip(e.msg, req, attempt)
				}
				return nil, e
			}
			reason = eofPhrases.Replace(err.Error())
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
			if last {
				if exhausted {
					t.trip(statusCause(resp), req, attempt)
				}
				// client-go would retry a Retry-After answer up to ten more times.
				resp.Header.Del("Retry-After")
				return resp, nil
			}
			wait = retryAfter(resp)
			reason = resp.Status
			drain(resp)
		case resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout:
			if !idem {
				drain(resp)
				return nil, &AmbiguousError{Method: req.Method, Path: req.URL.Path, Err: fmt.Errorf("HTTP %d from a gateway or proxy", resp.StatusCode)}
			}
			if last {
				if exhausted {
					t.trip(statusCause(resp), req, attempt)
				}
				resp.Header.Del("Retry-After")
				return resp, nil
			}
			reason = resp.Status
			drain(resp)
		default:
			return resp, nil
		}
		if wait == 0 {
			wait = t.delay(attempt)
		}
		tflog.Debug(ctx, "retrying Kubernetes API request", map[string]any{
			"method": req.Method, "path": req.URL.Path, "retry": attempt + 1, "reason": reason, "wait_ms": wait.Milliseconds(),
		})
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, ctx.Err()
		case <-timer.C:
		}
	}
}

// hide redacts s with redact, when set.
func (t *retryTransport) hide(s string) string {
	if t.redact == nil {
		return s
	}
	return t.redact(s)
}

// trip opens the circuit after a request used its whole budget; cause is its last
// failure. It is redacted and freed of the phrases client-go retries on.
func (t *retryTransport) trip(cause string, req *http.Request, attempt int) {
	if t.breaker == nil {
		return
	}
	t.breaker.Trip(fmt.Sprintf("%s %s: %s (%d attempts)", req.Method, req.URL.Path, eofPhrases.Replace(t.hide(cause)), attempt+1))
}

// statusCause describes a 429 or 5xx answer: its status and the message of the
// Kubernetes Status in its body, if any. The body stays readable for the caller.
func statusCause(resp *http.Response) string {
	s := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	if resp.Body == nil {
		return s
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), resp.Body), resp.Body}
	if err != nil {
		return s
	}
	var st struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(head, &st) == nil && strings.TrimSpace(st.Message) != "" {
		s += ": " + strings.TrimSpace(st.Message)
	}
	return s
}

// cancelOnClose releases an attempt's timeout once its response body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

// Close implements io.Closer.
func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// logAttempt logs one attempt at DEBUG, as the other platforms' HTTP client does:
// method, path, status or transport error (through hide), and duration; never headers,
// query or bodies.
func logAttempt(ctx context.Context, req *http.Request, attempt int, start time.Time, resp *http.Response, err error, hide func(string) string) {
	fields := map[string]any{"method": req.Method, "path": req.URL.Path, "duration_ms": time.Since(start).Milliseconds()}
	if attempt > 0 {
		fields["retry"] = attempt
	}
	if err != nil {
		fields["error"] = eofPhrases.Replace(hide(err.Error()))
		tflog.Debug(ctx, "platform request failed", fields)
		return
	}
	fields["status"] = resp.StatusCode
	tflog.Debug(ctx, "platform request", fields)
}

// delay is the exponential backoff before retry attempt+1, with jitter, capped.
func (t *retryTransport) delay(attempt int) time.Duration {
	d := t.backoff.Duration
	for i := 0; i < attempt && (t.backoff.Cap == 0 || d < t.backoff.Cap); i++ {
		d = time.Duration(float64(d) * t.backoff.Factor)
	}
	if t.backoff.Cap > 0 && d > t.backoff.Cap {
		d = t.backoff.Cap
	}
	if t.backoff.Jitter > 0 && d > 0 {
		d += time.Duration(rand.Int64N(int64(float64(d)*t.backoff.Jitter) + 1)) //nolint:gosec // jitter needs no cryptographic randomness
	}
	return d
}

// retryAfter reads a Retry-After header in seconds; 0 when absent.
func retryAfter(resp *http.Response) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

// tflogWarnings sends the API server's Warning headers (deprecations, pruned unknown
// fields) to the Terraform log instead of client-go's default stderr printer.
type tflogWarnings struct{}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
func (tflogWarnings) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	tflog.Warn(ctx, "Kubernetes API server warning", map[string]any{"warning": text})
}
