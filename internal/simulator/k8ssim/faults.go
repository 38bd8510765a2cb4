package k8ssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Faults describes misbehaviour injected into API requests. It never affects the
// out-of-band methods or the /_sim/ admin API. When several faults apply to one request,
// the first in this order wins: PersistentStatus, DropConnections, Burst503,
// RateLimitEvery, LoseResponses. Latency is added before any of them. StatusWriteRaces
// is independent of the others.
//
// Go's HTTP client transparently retries an idempotent request (GET) that failed on a
// reused keep-alive connection; each attempt counts as one request here, as it would on
// a real API server.
type Faults struct {
	// Latency is added to every request.
	Latency time.Duration
	// LatencySpikeEvery makes every Nth request sleep LatencySpike extra.
	LatencySpikeEvery int
	// LatencySpike is the extra sleep of a spiking request.
	LatencySpike time.Duration
	// RateLimitEvery makes every Nth request answer 429 TooManyRequests with a
	// Retry-After header of RetryAfterSeconds, as API Priority and Fairness does.
	RateLimitEvery int
	// RetryAfterSeconds is the Retry-After value in integer seconds (may be 0).
	RetryAfterSeconds int
	// Burst503 makes the next N requests answer 503 ServiceUnavailable (no Retry-After).
	Burst503 int
	// DropConnections makes the next N requests close the connection without applying
	// anything or answering.
	DropConnections int
	// LoseResponses makes the next N write requests (POST, PUT, PATCH, DELETE) apply
	// their change fully, then close the connection without answering.
	LoseResponses int
	// PersistentStatus, when non-zero, makes every request answer this status with a
	// Status object carrying PersistentMessage until the faults are cleared.
	PersistentStatus int
	// PersistentMessage is the message of PersistentStatus answers.
	PersistentMessage string
	// StatusWriteRaces makes the next N updates (PUT or PATCH of an existing object,
	// not of its status) race with a simulated controller status write: the object's
	// resourceVersion moves on just before the request is handled, so a request that
	// carries the resourceVersion it read gets 409 Conflict.
	StatusWriteRaces int
	// Only, when set, restricts the faults to requests it returns true for; other
	// requests are served normally and do not advance the counters.
	Only func(method, path string) bool
}

// Request is one API request as received, with the status it was answered.
type Request struct {
	// Method, Path and RawQuery identify the request.
	Method, Path, RawQuery string
	// ContentType is the request's Content-Type header.
	ContentType string
	// Body is the request body; the values of Secret data and stringData are replaced
	// by "REDACTED".
	Body []byte
	// Status is the status the handler produced (also for a lost response), or 0 when
	// the connection was dropped before handling.
	Status int
	// Dropped reports that the connection was closed without an answer.
	Dropped bool
	// Time is when the request arrived.
	Time time.Time
}

type faultState struct {
	f     Faults
	seen  int
	burst int
	drop  int
	lose  int
	races int
}

type faultAction int

const (
	actNone faultAction = iota
	actPersistent
	actDrop
	actBurst
	actRateLimit
	actLose
)

// SetFaults replaces the current faults; counters restart from zero.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{f: f, burst: f.Burst503, drop: f.DropConnections, lose: f.LoseResponses, races: f.StatusWriteRaces}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.SetFaults(Faults{}) }

// CurrentFaults returns the faults in effect, with the remaining counts of Burst503,
// DropConnections, LoseResponses and StatusWriteRaces.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults.f
	f.Burst503, f.DropConnections, f.LoseResponses, f.StatusWriteRaces = s.faults.burst, s.faults.drop, s.faults.lose, s.faults.races
	return f
}

// Requests returns every API request so far, in arrival order, including faulted ones.
// A request still being served has Status 0 and Dropped false. Authorization headers
// are never recorded.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.reqs))
	for i, r := range s.reqs {
		out[i] = *r
		out[i].Body = append([]byte(nil), r.Body...)
	}
	return out
}

// Writes returns the recorded POST, PUT, PATCH and DELETE requests.
func (s *Server) Writes() []Request {
	var out []Request
	for _, r := range s.Requests() {
		if isWrite(r.Method) {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = nil
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

// nextFault decides, when the request arrives, which fault applies and how long to
// sleep first.
func (s *Server) nextFault(r *http.Request) (faultAction, time.Duration, Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fs := &s.faults
	f := fs.f
	if f.Only != nil && !f.Only(r.Method, r.URL.Path) {
		return actNone, 0, f
	}
	fs.seen++
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
	case fs.lose > 0 && isWrite(r.Method):
		fs.lose--
		return actLose, delay, f
	}
	return actNone, delay, f
}

// takeRace reports whether this update should race with a controller status write.
// The caller holds s.mu.
func (s *Server) takeRaceLocked(method, path string) bool {
	fs := &s.faults
	if fs.races <= 0 || (fs.f.Only != nil && !fs.f.Only(method, path)) {
		return false
	}
	fs.races--
	return true
}

// serveAPI records the request, applies faults and dispatches it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	entry := &Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"),
		Body: redactBody(r.URL.Path, body), Time: time.Now()}
	s.mu.Lock()
	s.reqs = append(s.reqs, entry)
	s.mu.Unlock()
	var rec Request
	finished := false
	// finish completes the log entry; a dropped connection completes it before the
	// client can notice, so a test that reads the log after its error sees the outcome.
	finishNow := func() {
		if !finished {
			finished = true
			s.finish(entry, rec)
		}
	}
	defer finishNow()

	act, delay, f := s.nextFault(r)
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
		code := f.PersistentStatus
		if code < 100 || code > 999 {
			code = http.StatusInternalServerError
		}
		rec.Status = code
		se := apierrors.NewGenericServerResponse(code, r.Method, resourceOf(r.URL.Path), "", f.PersistentMessage, 0, true)
		if f.PersistentMessage != "" {
			se.ErrStatus.Message = f.PersistentMessage
		}
		writeStatus(w, se)
	case actDrop:
		rec.Dropped = true
		finishNow()
		abort(w)
	case actBurst:
		rec.Status = http.StatusServiceUnavailable
		writeStatus(w, apierrors.NewServiceUnavailable("the server is currently unable to handle the request"))
	case actRateLimit:
		rec.Status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		writeStatus(w, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusTooManyRequests,
			Reason: metav1.StatusReasonTooManyRequests, Message: "Too many requests, please try again later.",
			Details: &metav1.StatusDetails{RetryAfterSeconds: int32(f.RetryAfterSeconds)}}}) //nolint:gosec // small test values
	case actLose:
		rr := httptest.NewRecorder()
		s.route(rr, r)
		rec.Status, rec.Dropped = rr.Code, true
		finishNow()
		abort(w)
	default:
		sw := &statusWriter{ResponseWriter: w}
		s.route(sw, r)
		rec.Status = sw.code()
	}
}

func resourceOf(path string) schemaGroupResource {
	parts := splitPath(path)
	if rr, err := parseResourcePath(parts); err == nil {
		return rr.res.groupResource()
	}
	return schemaGroupResource{}
}

// finish completes a log entry with the outcome and calls the OnRequest hook. It runs
// deferred, so it also completes entries of aborted connections.
func (s *Server) finish(entry *Request, outcome Request) {
	s.mu.Lock()
	entry.Status, entry.Dropped = outcome.Status, outcome.Dropped
	done := *entry
	s.mu.Unlock()
	if s.opts.OnRequest != nil {
		s.opts.OnRequest(done)
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
	panic(http.ErrAbortHandler)
}

// redactBody hides Secret values from the request log: the values of data and
// stringData in a Secret body, or the whole body of a Secret write that is not a JSON
// object (a JSON patch).
func redactBody(path string, body []byte) []byte {
	if len(body) == 0 || !isSecretPath(path) {
		return append([]byte(nil), body...)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []byte("REDACTED")
	}
	for _, k := range []string{"data", "stringData"} {
		if d, ok := m[k].(map[string]any); ok {
			for dk := range d {
				d[dk] = "REDACTED"
			}
		} else if _, ok := m[k]; ok {
			m[k] = "REDACTED"
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return []byte("REDACTED")
	}
	return b
}

func isSecretPath(path string) bool {
	parts := splitPath(path)
	for i, p := range parts {
		if p == "secrets" && i >= 2 && parts[0] == "api" {
			return true
		}
	}
	return false
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	once   sync.Once
	status int
}

// WriteHeader records the first status.
func (w *statusWriter) WriteHeader(code int) {
	w.once.Do(func() { w.status = code })
	w.ResponseWriter.WriteHeader(code)
}

// Write records 200 when no status was written.
func (w *statusWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { w.status = http.StatusOK })
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) code() int {
	w.once.Do(func() { w.status = http.StatusOK })
	return w.status
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
