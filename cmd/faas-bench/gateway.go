package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// meter wraps a platform simulator's handler and tallies every gateway request by method
// and route, the time the platform spent answering (latency included), and the
// readiness reads.
//
// A readiness read is a read of one function between a write to it and the first answer
// that reports the awaited state: ready after a create or update (availableReplicas >= 1,
// or zero replicas desired, or a scale-to-zero policy, as the provider decides), gone
// after a delete. That is, with readiness immediate, exactly one read per write is
// unavoidable; any further read of the function is counted as an ordinary request. The
// definition looks only at the wire, so it does not depend on how the provider is built.
type meter struct {
	next http.Handler

	mu       sync.Mutex
	routes   map[string]int
	polls    int
	busy     time.Duration
	awaiting map[string]string // "namespace/name" -> "ready" or "gone"
	defaultN string
}

func newMeter(next http.Handler, defaultNamespace string) *meter {
	return &meter{next: next, routes: map[string]int{}, awaiting: map[string]string{}, defaultN: defaultNamespace}
}

// counts is a snapshot of a meter.
type counts struct {
	// Routes counts requests by "METHOD route".
	Routes map[string]int `json:"routes"`
	// Total is the number of requests.
	Total int `json:"total"`
	// ReadinessReads is how many of them were readiness reads (see meter).
	ReadinessReads int `json:"readiness_reads"`
	// PlatformSeconds is the summed time the platform spent answering.
	PlatformSeconds float64 `json:"platform_seconds"`
}

// take returns the counts so far and starts again from zero. Readiness tracking carries
// over: a wait that spans two snapshots is still recognised.
func (m *meter) take() counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := counts{Routes: m.routes, ReadinessReads: m.polls, PlatformSeconds: m.busy.Seconds()}
	for _, n := range m.routes {
		c.Total += n
	}
	m.routes, m.polls, m.busy = map[string]int{}, 0, 0
	return c
}

// route names a request's route with the function name as a placeholder.
func route(method, path string) string {
	if strings.HasPrefix(path, "/system/function/") {
		path = "/system/function/{name}"
	}
	if strings.HasPrefix(path, "/function/") || strings.HasPrefix(path, "/async-function/") {
		path = strings.SplitN(path[1:], "/", 2)[0] + "/{name}"
	}
	return method + " " + path
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		m.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	getOne := r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/system/function/")
	rec := &teeWriter{ResponseWriter: w, keep: getOne}
	start := time.Now()
	m.next.ServeHTTP(rec, r)
	took := time.Since(start)

	key := m.functionKey(r, body)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.routes[route(r.Method, r.URL.Path)]++
	m.busy += took
	status := rec.code()
	switch {
	case getOne:
		switch m.awaiting[key] {
		case "ready":
			m.polls++
			if status == http.StatusOK && readyAnswer(rec.body.Bytes()) {
				delete(m.awaiting, key)
			}
		case "gone":
			m.polls++
			if status == http.StatusNotFound {
				delete(m.awaiting, key)
			}
		}
	case key != "" && (r.Method == http.MethodPost || r.Method == http.MethodPut) && status/100 == 2:
		m.awaiting[key] = "ready"
	case key != "" && r.Method == http.MethodDelete && (status/100 == 2 || status == http.StatusNotFound):
		m.awaiting[key] = "gone"
	}
}

// functionKey names the function a function request is about, or "".
func (m *meter) functionKey(r *http.Request, body []byte) string {
	ns := r.URL.Query().Get("namespace")
	name := ""
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/system/function/"):
		name = strings.TrimPrefix(r.URL.Path, "/system/function/")
	case r.URL.Path == "/system/functions" && (r.Method == http.MethodPost || r.Method == http.MethodPut):
		var d struct {
			Service   string `json:"service"`
			Namespace string `json:"namespace"`
		}
		_ = json.Unmarshal(body, &d)
		name = d.Service
		if d.Namespace != "" {
			ns = d.Namespace
		}
	case r.URL.Path == "/system/functions" && r.Method == http.MethodDelete:
		var d struct {
			FunctionName string `json:"functionName"`
			Namespace    string `json:"namespace"`
		}
		_ = json.Unmarshal(body, &d)
		name = d.FunctionName
		if ns == "" {
			ns = d.Namespace
		}
	}
	if name == "" {
		return ""
	}
	if ns == "" {
		ns = m.defaultN
	}
	return ns + "/" + name
}

// readyAnswer applies the provider's readiness rule for faas-netes to a FunctionStatus.
func readyAnswer(b []byte) bool {
	var st struct {
		Replicas          uint64            `json:"replicas"`
		AvailableReplicas uint64            `json:"availableReplicas"`
		Labels            map[string]string `json:"labels"`
	}
	if json.Unmarshal(b, &st) != nil {
		return false
	}
	return st.AvailableReplicas >= 1 || st.Replicas == 0 ||
		st.Labels["com.openfaas.scale.zero"] == "true" || st.Labels["com.openfaas.scale.min"] == "0"
}

// teeWriter remembers the status, and the body when keep is set.
type teeWriter struct {
	http.ResponseWriter
	keep   bool
	status int
	body   bytes.Buffer
}

func (t *teeWriter) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
	}
	t.ResponseWriter.WriteHeader(code)
}

func (t *teeWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	if t.keep {
		t.body.Write(b)
	}
	return t.ResponseWriter.Write(b)
}

func (t *teeWriter) code() int {
	if t.status == 0 {
		return http.StatusOK
	}
	return t.status
}

// sortedRoutes lists routes by descending count, then name.
func sortedRoutes(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if m[out[i]] != m[out[j]] {
			return m[out[i]] > m[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}
