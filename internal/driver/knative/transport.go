package knative

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/circuit"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
)

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

// newRetryTransport returns the transport the driver installs under client-go
// (rest.Config.Wrap): every request goes through the provider's one retry policy
// (httpclient.Retrier, DESIGN.md section 7.1) over next, the transport client-go built,
// with p's retries, per-attempt timeout, circuit breaker and redaction; a create that
// may have been applied becomes an *httpclient.AmbiguousError. sent, when set, sees the
// Authorization header of each request.
//
// The wrappers below exist because client-go retries on its own above this transport:
// transport errors are reworded (eofPhrases) and do not unwrap, and a last 429 or 5xx
// answer loses its Retry-After, so that a request is not retried again by client-go
// once the policy has given up.
func newRetryTransport(next http.RoundTripper, p httpclient.Policy, sent func(authorization string)) http.RoundTripper {
	redact := p.Hide
	p.Hide = func(s string) string {
		if redact != nil {
			s = redact(s)
		}
		return eofPhrases.Replace(s)
	}
	p.Describe = statusCause
	// client-go follows redirects itself, with its own rules for the credentials.
	p.KeepRedirects = true
	return &retryTransport{retrier: httpclient.NewRetrier(p, next), hide: p.Hide, sent: sent}
}

type retryTransport struct {
	retrier *httpclient.Retrier
	hide    func(string) string
	// sent sees the Authorization header of each request: client-go's auth wrappers
	// set it above this transport, and may take it from where the configuration does
	// not show it (a token file it rereads, an exec plugin), so the driver learns it
	// here and redacts it as sent.
	sent func(authorization string)
}

// idempotent tells the policy which requests the API server may receive twice: GET,
// HEAD, OPTIONS, PUT (with a resourceVersion), DELETE and merge PATCH; not POST (a
// create) nor a JSON patch.
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

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.sent != nil {
		t.sent(req.Header.Get("Authorization"))
	}
	// The body is read once and sent again from memory; Retrier.Do works on a copy of req.
	rr, err := retryablehttp.FromRequest(req)
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the request body: %w", req.Method, req.URL.Path, err)
	}
	resp, attempts, err := t.retrier.Do(rr, idempotent(req))
	var amb *httpclient.AmbiguousError
	switch {
	case err == nil:
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			// The policy's retries are used up: client-go would retry an answer with
			// Retry-After up to ten more times.
			resp.Header.Del("Retry-After")
		}
		return resp, nil
	case circuit.IsOpenError(err), errors.As(err, &amb), req.Context().Err() != nil, httpclient.IsTLSFailure(err):
		return nil, err
	}
	return nil, &retriesExhaustedError{method: req.Method, path: req.URL.Path, attempts: attempts, msg: t.hide(err.Error())}
}

// statusCause describes a 429 or 5xx answer for the circuit's cause: its status and
// the message of the Kubernetes Status at the head of its body, if any.
func statusCause(resp *http.Response, head []byte) string {
	s := fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	var st struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(head, &st) == nil && strings.TrimSpace(st.Message) != "" {
		s += ": " + strings.TrimSpace(st.Message)
	}
	return s
}

// tflogWarnings sends the API server's Warning headers (deprecations, pruned unknown
// fields) to the Terraform log instead of client-go's default stderr printer.
type tflogWarnings struct{}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
func (tflogWarnings) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	tflog.Warn(ctx, "Kubernetes API server warning", map[string]any{"warning": text})
}
