package openfaassim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults describes misbehaviour injected into gateway API requests. It never
// affects the out-of-band methods or the /_sim/ admin API. When several faults
// apply to one request, the first in this order wins: PersistentStatus,
// DropConnections, Burst503, RateLimitEvery, LoseResponses. Latency is added
// before any of them.
//
// Go's HTTP client transparently retries an idempotent request (GET) that
// failed on a reused keep-alive connection; each attempt counts as one
// request here, as it would on a real gateway.
type Faults struct {
	// Latency is added to every request.
	Latency time.Duration
	// LatencySpikeEvery makes every Nth request sleep LatencySpike extra.
	LatencySpikeEvery int
	// LatencySpike is the extra sleep of a spiking request.
	LatencySpike time.Duration
	// RateLimitEvery makes every Nth request answer 429 with a Retry-After
	// header of RetryAfterSeconds.
	RateLimitEvery int
	// RetryAfterSeconds is the Retry-After value in integer seconds (may be 0).
	RetryAfterSeconds int
	// Burst503 makes the next N requests answer 503 "service unavailable".
	Burst503 int
	// DropConnections makes the next N requests close the connection without
	// applying anything or answering.
	DropConnections int
	// LoseResponses makes the next N write requests (POST, PUT, DELETE) apply
	// their change fully, then close the connection without answering.
	LoseResponses int
	// PersistentStatus, when non-zero, makes every request answer this status
	// with body PersistentMessage until the faults are cleared.
	PersistentStatus int
	// PersistentMessage is the body of PersistentStatus answers.
	PersistentMessage string
	// Only, when set, restricts the faults to requests it returns true for;
	// other requests are served normally and do not advance the counters.
	Only func(method, path string) bool
}

// Request is one gateway request as received, with the status it was answered.
type Request struct {
	// Method, Path and RawQuery identify the request.
	Method, Path, RawQuery string
	// Body is the request body; secret values are replaced by "REDACTED".
	Body []byte
	// Status is the status the handler produced (also for a lost response),
	// or 0 when the connection was dropped before handling.
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
	s.faults = faultState{f: f, burst: f.Burst503, drop: f.DropConnections, lose: f.LoseResponses}
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.SetFaults(Faults{})
}

// CurrentFaults returns the faults in effect, with the remaining counts of
// Burst503, DropConnections and LoseResponses.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults.f
	f.Burst503, f.DropConnections, f.LoseResponses = s.faults.burst, s.faults.drop, s.faults.lose
	return f
}

// Requests returns every gateway request so far, in arrival order, including
// faulted ones. A request still being served has Status 0 and Dropped false.
// Authorization headers are never recorded.
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

// Writes returns the recorded POST, PUT and DELETE requests.
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
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete
}

// nextFault decides, when the request arrives, which fault applies and how
// long to sleep first.
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

// serveGateway records the request, applies faults and dispatches it.
func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	// Reserve the log entry on arrival so the log is in arrival order.
	entry := &Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Body: redactBody(r.URL.Path, body), Time: time.Now()}
	s.mu.Lock()
	s.reqs = append(s.reqs, entry)
	s.mu.Unlock()
	chk := s.checkRequest(r, body)
	var rec Request
	finished := false
	// finishNow completes the log entry before a connection is cut, so that a client
	// seeing the cut already finds the request in the log with its outcome.
	finishNow := func() { s.finish(entry, rec); finished = true }
	defer func() {
		if !finished {
			s.finish(entry, rec)
		}
	}()

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
		rec.Status = f.PersistentStatus
		if rec.Status < 100 || rec.Status > 999 {
			rec.Status = http.StatusInternalServerError
		}
		http.Error(w, f.PersistentMessage, rec.Status)
	case actDrop:
		rec.Dropped = true
		finishNow()
		abort(w)
	case actBurst:
		rec.Status = http.StatusServiceUnavailable
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
	case actRateLimit:
		rec.Status = http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfterSeconds))
		http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
	case actLose:
		rr := httptest.NewRecorder()
		s.route(rr, r)
		rec.Status, rec.Dropped = rr.Code, true
		s.checkResponse(chk, rr.Code, rr.Header(), rr.Body.Bytes())
		finishNow()
		abort(w)
	default:
		// Injected faults above are not the gateway's answers: only these are checked.
		sw := &statusWriter{ResponseWriter: w}
		if chk != nil {
			sw.body = &bytes.Buffer{}
		}
		s.route(sw, r)
		rec.Status = sw.code()
		if chk != nil {
			s.checkResponse(chk, rec.Status, sw.Header(), sw.body.Bytes())
		}
	}
}

// finish completes a log entry with the outcome and calls the OnRequest hook.
// It runs deferred, so it also completes entries of aborted connections.
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
	// HTTP/2 or a wrapped writer: let the server reset the stream.
	panic(http.ErrAbortHandler)
}

// redactBody hides secret values from the request log.
func redactBody(path string, body []byte) []byte {
	if path != "/system/secrets" || len(body) == 0 {
		return append([]byte(nil), body...)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return []byte("REDACTED")
	}
	for _, k := range []string{"value", "rawValue"} {
		if _, ok := m[k]; ok {
			m[k] = "REDACTED"
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return []byte("REDACTED")
	}
	return b
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	once   sync.Once
	status int
	body   *bytes.Buffer // when not nil, a copy of the body written
}

func (w *statusWriter) WriteHeader(code int) {
	w.once.Do(func() { w.status = code })
	w.ResponseWriter.WriteHeader(code)
}

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

// ServeHTTP serves the gateway API, and the admin API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.AdminHandler().ServeHTTP(w, r)
		return
	}
	s.serveGateway(w, r)
}
