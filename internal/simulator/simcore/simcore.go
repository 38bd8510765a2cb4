// Package simcore is the fault engine the platform simulators (openfaassim and k8ssim)
// and the fault-injecting reverse proxy (internal/faultproxy) share: injected faults, the
// request log, and serving a request through both, with each platform answering faults
// in its own form.
//
// A simulator or proxy embeds a Core, which gives it SetFaults, ClearFaults,
// CurrentFaults, Requests, Writes and ResetRequests. Core.Middleware wraps any
// http.Handler (a simulator's API, or an httputil.ReverseProxy in front of a real
// platform) with the faults; Core.Serve is the same for a Platform's own Route.
package simcore

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Faults describes misbehaviour injected into API requests. It never affects a
// simulator's out-of-band methods or its /_sim/ admin API. When several faults apply to
// one request, the first in this order wins: PersistentStatus, DropConnections,
// Burst503, RateLimitEvery, LoseResponses, IgnoreUpdates and IgnoreUpdateEvery. Latency
// is added before any of them. StatusWriteRaces is independent of the others.
//
// Go's HTTP client transparently retries an idempotent request (GET) that failed on a
// reused keep-alive connection; each attempt counts as one request here, as it would on
// a real platform.
type Faults struct {
	// Latency is added to every request.
	Latency time.Duration
	// LatencySpikeEvery makes every Nth request sleep LatencySpike extra.
	LatencySpikeEvery int
	// LatencySpike is the extra sleep of a spiking request.
	LatencySpike time.Duration
	// RateLimitEvery makes every Nth request answer 429 with a Retry-After header of
	// RetryAfterSeconds (on Kubernetes, as API Priority and Fairness does).
	RateLimitEvery int
	// RetryAfterSeconds is the Retry-After value in integer seconds (may be 0).
	RetryAfterSeconds int
	// Burst503 makes the next N requests answer 503 (no Retry-After).
	Burst503 int
	// DropConnections makes the next N requests close the connection without applying
	// anything or answering.
	DropConnections int
	// LoseResponses makes the next N write requests (POST, PUT, PATCH, DELETE) apply
	// their change fully, then close the connection without answering.
	LoseResponses int
	// IgnoreUpdates makes the next N updates (PUT requests) answer 200 with an empty
	// body without applying (or forwarding) them. It is what faas-netes answers when its
	// Kubernetes update of a function's Deployment fails, for example on a conflict with
	// the Deployment controller (faas-netes pkg/handlers/update.go logs the error and
	// returns without writing a status); no Kubernetes API server answers so.
	IgnoreUpdates int
	// IgnoreUpdateEvery ignores every Nth update (PUT request) as IgnoreUpdates does.
	IgnoreUpdateEvery int
	// PersistentStatus, when non-zero, makes every request answer this status with
	// PersistentMessage until the faults are cleared.
	PersistentStatus int
	// PersistentMessage is the message of PersistentStatus answers.
	PersistentMessage string
	// EchoAuthorization makes PersistentStatus answers end with the request's
	// Authorization header, as a platform or proxy that quotes the request's headers in
	// its errors does: what the client sent, not what it was configured with.
	EchoAuthorization bool
	// StatusWriteRaces (Kubernetes simulator only; the OpenFaaS API has no resource
	// versions) makes the next N updates (PUT or PATCH of an existing object, not of its
	// status) race with a simulated controller status write: the object's
	// resourceVersion moves on just before the request is handled, so a request that
	// carries the resourceVersion it read gets 409 Conflict.
	StatusWriteRaces int
	// OnlyMethod, when set, restricts the faults to requests of this method; other
	// requests are served normally and do not advance the counters.
	OnlyMethod string
	// OnlyPath, when set, restricts the faults to requests whose path starts with it,
	// as OnlyMethod does.
	OnlyPath string
	// Only, when set, restricts the faults to requests it returns true for (and that
	// OnlyMethod and OnlyPath select), as OnlyMethod does.
	Only func(method, path string) bool
}

// selects reports whether the faults apply to a request.
func (f *Faults) selects(method, path string) bool {
	return (f.OnlyMethod == "" || f.OnlyMethod == method) && (f.OnlyPath == "" || strings.HasPrefix(path, f.OnlyPath)) &&
		(f.Only == nil || f.Only(method, path))
}

// Request is one API request as received, with the status it was answered.
type Request struct {
	// Method, Path and RawQuery identify the request.
	Method, Path, RawQuery string
	// ContentType is the request's Content-Type header.
	ContentType string
	// Body is the request body, with secret values replaced by "REDACTED" (each
	// simulator's Platform.Redact decides which).
	Body []byte
	// Status is the status the handler produced (also for a lost response), or 0 when
	// the connection was dropped before handling.
	Status int
	// Dropped reports that the connection was closed without an answer.
	Dropped bool
	// Time is when the request arrived.
	Time time.Time
}

// String renders a request for test failure messages (method, path, query, status).
func (r Request) String() string {
	s := r.Method + " " + r.Path
	if r.RawQuery != "" {
		s += "?" + r.RawQuery
	}
	if r.Dropped {
		return s + " -> dropped"
	}
	return fmt.Sprintf("%s -> %d", s, r.Status)
}

// IsWrite reports whether a method writes (POST, PUT, PATCH, DELETE).
func IsWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// Core holds a simulator's faults and request log. The zero value is ready to use; it
// must not be copied after first use.
type Core struct {
	// OnRequest, when set, is called after every API request has been recorded and
	// answered (or cut). It must not log Body.
	OnRequest func(Request)

	mu     sync.Mutex
	faults faultState
	reqs   []*Request
}

type faultState struct {
	f                       Faults
	seen, burst, drop, lose int
	races, ignore, updates  int
}

// action is the fault chosen for one request.
type action int

const (
	actNone action = iota
	actPersistent
	actDrop
	actBurst
	actRateLimit
	actLose
	actIgnore
)

// SetFaults replaces the current faults; counters restart from zero.
func (c *Core) SetFaults(f Faults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.faults = faultState{f: f, burst: f.Burst503, drop: f.DropConnections, lose: f.LoseResponses, races: f.StatusWriteRaces, ignore: f.IgnoreUpdates}
}

// ClearFaults removes every fault.
func (c *Core) ClearFaults() { c.SetFaults(Faults{}) }

// CurrentFaults returns the faults in effect, with the remaining counts of Burst503,
// DropConnections, LoseResponses, IgnoreUpdates and StatusWriteRaces.
func (c *Core) CurrentFaults() Faults {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.faults.f
	f.Burst503, f.DropConnections, f.LoseResponses, f.StatusWriteRaces = c.faults.burst, c.faults.drop, c.faults.lose, c.faults.races
	f.IgnoreUpdates = c.faults.ignore
	return f
}

// TakeRace reports whether this update should race with a controller status write
// (Faults.StatusWriteRaces), and counts it.
func (c *Core) TakeRace(method, path string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	fs := &c.faults
	if fs.races <= 0 || !fs.f.selects(method, path) {
		return false
	}
	fs.races--
	return true
}

// Requests returns every API request so far, in arrival order, including faulted ones.
// A request still being served has Status 0 and Dropped false. Authorization headers
// are never recorded.
func (c *Core) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Request, len(c.reqs))
	for i, r := range c.reqs {
		out[i] = *r
		out[i].Body = append([]byte(nil), r.Body...)
	}
	return out
}

// Writes returns the recorded POST, PUT, PATCH and DELETE requests.
func (c *Core) Writes() []Request {
	var out []Request
	for _, r := range c.Requests() {
		if IsWrite(r.Method) {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (c *Core) ResetRequests() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reqs = nil
}

// next decides, when a request arrives, which fault applies and how long to sleep first.
func (c *Core) next(r *http.Request) (action, time.Duration, Faults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fs := &c.faults
	f := fs.f
	if !f.selects(r.Method, r.URL.Path) {
		return actNone, 0, f
	}
	fs.seen++
	update := r.Method == http.MethodPut
	if update {
		fs.updates++
	}
	delay := f.Latency
	if f.LatencySpikeEvery > 0 && fs.seen%f.LatencySpikeEvery == 0 {
		delay += f.LatencySpike
	}
	switch {
	case f.PersistentStatus != 0:
		return actPersistent, delay, f
	case fs.drop > 0:
		fs.drop--
		return actDrop, delay, f
	case fs.burst > 0:
		fs.burst--
		return actBurst, delay, f
	case f.RateLimitEvery > 0 && fs.seen%f.RateLimitEvery == 0:
		return actRateLimit, delay, f
	case fs.lose > 0 && IsWrite(r.Method):
		fs.lose--
		return actLose, delay, f
	case update && fs.ignore > 0:
		fs.ignore--
		return actIgnore, delay, f
	case update && f.IgnoreUpdateEvery > 0 && fs.updates%f.IgnoreUpdateEvery == 0:
		return actIgnore, delay, f
	}
	return actNone, delay, f
}

// Platform is how a simulator or proxy serves requests through the faults: its own form
// of the answers that faults inject, and what the request log records.
type Platform struct {
	// MaxBody bounds the part of a request body that is recorded (and that Observe
	// sees); the handler always receives the whole body.
	MaxBody int64
	// Redact returns the body to record for a request path, with secret values hidden;
	// nil records no bodies.
	Redact func(path string, body []byte) []byte
	// Route serves the platform's API for Serve; Middleware serves its next handler
	// instead.
	Route http.HandlerFunc
	// Answers is the platform's form of the answers faults inject.
	Answers
	// Observe, when set, sees each request before it is handled and returns a function
	// that sees the platform's own answer to it (not injected faults), or nil.
	Observe func(r *http.Request, body []byte) func(status int, header http.Header, body []byte)
}

// Answers is a platform's own form of the answers that faults inject. A nil field
// answers in plain text, as http.Error does.
type Answers struct {
	// Persistent writes a Faults.PersistentStatus answer (code is a valid status).
	Persistent func(w http.ResponseWriter, r *http.Request, code int, message string)
	// Unavailable writes a Faults.Burst503 answer.
	Unavailable func(w http.ResponseWriter, r *http.Request)
	// RateLimited writes a Faults.RateLimitEvery answer; the Retry-After header is set.
	RateLimited func(w http.ResponseWriter, r *http.Request, retryAfterSeconds int)
}

func (a *Answers) persistent(w http.ResponseWriter, r *http.Request, code int, message string) {
	if a.Persistent != nil {
		a.Persistent(w, r, code, message)
		return
	}
	http.Error(w, message, code)
}

func (a *Answers) unavailable(w http.ResponseWriter, r *http.Request) {
	if a.Unavailable != nil {
		a.Unavailable(w, r)
		return
	}
	http.Error(w, "service unavailable", http.StatusServiceUnavailable)
}

func (a *Answers) rateLimited(w http.ResponseWriter, r *http.Request, retryAfter int) {
	if a.RateLimited != nil {
		a.RateLimited(w, r, retryAfter)
		return
	}
	http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
}

// Serve records the request, applies the faults and, unless a fault answers instead,
// serves it with p.Route.
func (c *Core) Serve(w http.ResponseWriter, r *http.Request, p *Platform) {
	c.serve(w, r, p, p.Route)
}

// Middleware returns a handler that records each request, applies the faults and,
// unless a fault answers instead, passes the request to next: the simulators' API, or a
// reverse proxy in front of a real platform. A lost response (Faults.LoseResponses) is
// served by next in full, then the client's connection is closed without an answer.
func (c *Core) Middleware(p *Platform, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.serve(w, r, p, next.ServeHTTP) })
}

func (c *Core) serve(w http.ResponseWriter, r *http.Request, p *Platform, next http.HandlerFunc) {
	// The recorded part of the body is read ahead; the handler reads all of it.
	body, _ := io.ReadAll(io.LimitReader(r.Body, p.MaxBody))
	orig := r.Body
	r.Body = readCloser{io.MultiReader(bytes.NewReader(body), orig), orig}
	var recorded []byte
	if p.Redact != nil {
		recorded = p.Redact(r.URL.Path, body)
	}
	// Reserve the log entry on arrival so the log is in arrival order.
	entry := &Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		Body: recorded, Time: time.Now()}
	c.mu.Lock()
	c.reqs = append(c.reqs, entry)
	c.mu.Unlock()
	var observe func(int, http.Header, []byte)
	if p.Observe != nil {
		observe = p.Observe(r, body)
	}
	var rec Request
	finished := false
	// finish completes the log entry; a cut connection completes it before the client
	// can notice, so a test that reads the log after its error sees the outcome.
	finish := func() {
		if !finished {
			finished = true
			c.finish(entry, rec)
		}
	}
	defer finish()

	act, delay, f := c.next(r)
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	switch act {
	case actPersistent:
		rec.Status = f.PersistentStatus
		if rec.Status < 100 || rec.Status > 999 {
			rec.Status = http.StatusInternalServerError
		}
		msg := f.PersistentMessage
		if f.EchoAuthorization {
			msg += " (request had Authorization: " + r.Header.Get("Authorization") + ")"
		}
		p.persistent(w, r, rec.Status, msg)
	case actDrop:
		rec.Dropped = true
		finish()
		abort(w)
	case actBurst:
		rec.Status = http.StatusServiceUnavailable
		p.unavailable(w, r)
	case actRateLimit:
		rec.Status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", fmt.Sprint(f.RetryAfterSeconds))
		p.rateLimited(w, r, f.RetryAfterSeconds)
	case actIgnore:
		rec.Status = http.StatusOK
		w.WriteHeader(http.StatusOK)
	case actLose:
		rr := httptest.NewRecorder()
		next(rr, r)
		rec.Status, rec.Dropped = rr.Code, true
		if observe != nil {
			observe(rr.Code, rr.Header(), rr.Body.Bytes())
		}
		finish()
		abort(w)
	default:
		sw := &statusWriter{ResponseWriter: w}
		if observe != nil {
			sw.body = &bytes.Buffer{}
		}
		next(sw, r)
		rec.Status = sw.code()
		if observe != nil {
			observe(rec.Status, sw.Header(), sw.body.Bytes())
		}
	}
}

// readCloser reads the recorded prefix of a body, then the rest, and closes the
// original body.
type readCloser struct {
	io.Reader
	io.Closer
}

// finish completes a log entry with the outcome and calls the OnRequest hook.
func (c *Core) finish(entry *Request, outcome Request) {
	c.mu.Lock()
	entry.Status, entry.Dropped = outcome.Status, outcome.Dropped
	done := *entry
	c.mu.Unlock()
	if c.OnRequest != nil {
		c.OnRequest(done)
	}
}

// abort closes the client connection without writing a response.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// HTTP/2 or a wrapped writer: let the server reset the stream.
	panic(http.ErrAbortHandler)
}

// statusWriter remembers the status a handler wrote, and a copy of the body when body
// is set.
type statusWriter struct {
	http.ResponseWriter
	once   sync.Once
	status int
	body   *bytes.Buffer
}

// WriteHeader records the first status.
func (w *statusWriter) WriteHeader(code int) {
	w.once.Do(func() { w.status = code })
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 when no status was written.
func (w *statusWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { w.status = http.StatusOK })
	if w.body != nil {
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	w.once.Do(func() { w.status = http.StatusOK })
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer (a reverse proxy
// flushes through it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
