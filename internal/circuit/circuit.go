// Package circuit stops one provider process from spending a whole retry budget on
// every request once its platform has failed persistently: a Breaker per platform
// endpoint, shared by every request to it, opens when one request has used its whole
// retry budget on failures that say the platform is unavailable (no connection, HTTP
// 429, 502, 503 or 504), and then fails every attempt at once with that cause, without
// sending it, until the platform answers again.
//
// The provider's one retry policy (internal/httpclient's Retrier, on go-retryablehttp)
// uses it for both drivers, the OpenFaaS client and the Knative driver's transport under
// client-go: it sends each attempt through Breaker.Wrap and calls Breaker.Trip when a
// request gives up.
//
// Half-open probes: a Terraform run is short-lived (one provider process per command
// and provider block), but an apply can last many minutes, most of it in readiness
// waits, and a platform that restarts (a gateway rollout, an API server failover) is
// back within a minute. An open circuit that never closed would fail every remaining
// operation of such an apply, and taint every function whose wait met it, although the
// platform came back. So while open, one attempt at a time is let through every
// ProbeInterval (10 s by default) as a probe, with no retries: any answer from the
// platform closes the circuit, anything else keeps it open and fails the probe's
// request at once with the original cause. The cost of an outage is then one retry
// budget plus one single attempt per interval, whatever the number of resources.
//
// What never opens it: an answer of any other status (a 4xx is the platform working),
// an attempt that timed out after it was sent (one slow request says nothing about the
// others), a TLS verification failure (a configuration error, reported as such), and
// a request whose own context ended.
package circuit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// DefaultProbeInterval is how long an open circuit fails every attempt before it lets
// one through to check whether the platform is back.
const DefaultProbeInterval = 10 * time.Second

// Breaker is the circuit of one platform endpoint. Its zero value is not usable: use
// New. It is safe for concurrent use.
type Breaker struct {
	endpoint string
	interval time.Duration
	now      func() time.Time

	mu        sync.Mutex
	open      bool
	cause     string
	since     time.Time
	nextProbe time.Time
	probing   bool
}

// New returns a closed Breaker for the platform at endpoint (named in errors; it must
// hold no credentials). interval is the time between probes while open; 0 means
// DefaultProbeInterval.
func New(endpoint string, interval time.Duration) *Breaker {
	if interval <= 0 {
		interval = DefaultProbeInterval
	}
	return &Breaker{endpoint: endpoint, interval: interval, now: time.Now}
}

// OpenError is the error of an attempt that was not sent because the circuit is open.
// Cause is the failure that opened it; the request never reached the platform, so a
// create that fails with it was certainly not applied.
type OpenError struct {
	// Endpoint names the platform.
	Endpoint string
	// Cause is the last failure of the request that used its whole retry budget.
	Cause string
	// Since is when the circuit opened.
	Since time.Time
	// Interval is the time between probes.
	Interval time.Duration
}

// Error implements error.
func (e *OpenError) Error() string {
	return fmt.Sprintf("not sent: the platform at %s is unavailable: %s (an earlier request of this run failed on every retry at %s; "+
		"later requests fail at once instead of retrying, and one request every %s checks whether the platform answers again)",
		e.Endpoint, e.Cause, e.Since.Format("15:04:05"), e.Interval)
}

// Outcome is what one attempt says about the platform.
type Outcome int

const (
	// NoVerdict: the attempt says nothing about the platform's availability (the
	// request's own context ended, it timed out after it was sent, TLS verification
	// failed, or the circuit did not let it through).
	NoVerdict Outcome = iota
	// Answered: the platform answered with a status other than 429, 502, 503 or 504.
	Answered
	// Unavailable: no connection (refused, reset, dropped), or HTTP 429, 502, 503 or 504.
	Unavailable
)

// Classify tells what an attempt's response or transport error says about the
// platform. ctx is the request's context.
func Classify(ctx context.Context, resp *http.Response, err error) Outcome {
	if err == nil {
		switch resp.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return Unavailable
		}
		return Answered
	}
	var open *OpenError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var op *net.OpError
	var ne net.Error
	switch {
	case ctx.Err() != nil, errors.As(err, &open):
		return NoVerdict
	case errors.As(err, &cert), errors.As(err, &unknown), errors.As(err, &hostname):
		return NoVerdict
	case errors.As(err, &op) && op.Op == "dial":
		// Refused, unreachable, no such host, or no answer to the connection attempt.
		return Unavailable
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		// Sent, then no answer within the attempt's time limit: a slow request.
		return NoVerdict
	}
	// Connection reset or closed before an answer.
	return Unavailable
}

// Ticket lets one attempt through; Done reports its outcome.
type Ticket struct {
	b     *Breaker
	probe bool
}

// Allow asks to send one attempt: a Ticket when the circuit is closed, or when it is
// open and a probe is due (one at a time); otherwise an *OpenError.
func (b *Breaker) Allow() (Ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return Ticket{b: b}, nil
	}
	if !b.probing && !b.now().Before(b.nextProbe) {
		b.probing = true
		return Ticket{b: b, probe: true}, nil
	}
	return Ticket{}, b.openError()
}

func (b *Breaker) openError() *OpenError {
	return &OpenError{Endpoint: b.endpoint, Cause: b.cause, Since: b.since, Interval: b.interval}
}

// Done reports the outcome of the attempt t let through: an answer closes the
// circuit; a probe that got no answer keeps it open until the next probe is due.
func (t Ticket) Done(o Outcome) {
	b := t.b
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.probe {
		b.probing = false
	}
	switch {
	case o == Answered:
		b.open = false
	case t.probe:
		b.nextProbe = b.now().Add(b.interval)
	}
}

// Trip opens the circuit: a request used its whole retry budget and its last attempt
// was Unavailable. cause is that failure in words, already redacted; later attempts
// fail with it. A circuit already open keeps its first cause.
func (b *Breaker) Trip(cause string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.open {
		return
	}
	now := b.now()
	b.open, b.cause, b.since, b.nextProbe = true, cause, now, now.Add(b.interval)
}

// IsOpen reports whether the circuit is open.
func (b *Breaker) IsOpen() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.open
}

// Wrap returns a RoundTripper that sends each attempt through b: an attempt the
// circuit does not let through fails with an *OpenError before anything is sent, and
// every attempt's outcome is reported. Retry loops put it under themselves, so that
// each retry asks again, and stop retrying on an *OpenError.
func (b *Breaker) Wrap(next http.RoundTripper) http.RoundTripper {
	return &gate{b: b, next: next}
}

type gate struct {
	b    *Breaker
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (g *gate) RoundTrip(req *http.Request) (*http.Response, error) {
	t, err := g.b.Allow()
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	resp, err := g.next.RoundTrip(req)
	t.Done(Classify(req.Context(), resp, err))
	return resp, err
}

// IsOpenError reports whether err is, or wraps, an *OpenError.
func IsOpenError(err error) bool {
	var open *OpenError
	return errors.As(err, &open)
}
