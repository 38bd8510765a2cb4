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

// meter wraps a platform simulator's handler and tallies every platform request by
// method and route, the time the platform spent answering (latency included), and the
// readiness reads.
//
// A readiness read is a read of one object (a function, or a Knative child object)
// between a write to it and the first answer that reports the awaited state: ready after
// a create or update (as the provider decides, see wireRules.ready), gone after a
// delete. That is, with readiness immediate, exactly one read per write is unavoidable;
// any further read of the object is counted as an ordinary request. The definition looks
// only at the wire, so it does not depend on how the provider is built.
type meter struct {
	next  http.Handler
	rules wireRules

	mu       sync.Mutex
	routes   map[string]int
	polls    int
	busy     time.Duration
	awaiting map[string]string // object key -> "ready" or "gone"
}

// wireRules is what the meter needs to know about a platform's API.
type wireRules interface {
	// route names a request's route with placeholders for names.
	route(method, path string) string
	// object names the object a request reads or writes ("" when none, such as a list),
	// and whether it is a read of that one object.
	object(r *http.Request, body []byte) (key string, readOne bool)
	// ready applies the provider's readiness rule to the answer of a read of one object.
	ready(body []byte) bool
	// admin reports requests to the simulator's own admin API, which are not counted.
	admin(path string) bool
}

func newMeter(next http.Handler, rules wireRules) *meter {
	return &meter{next: next, rules: rules, routes: map[string]int{}, awaiting: map[string]string{}}
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

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if m.rules.admin(r.URL.Path) {
		m.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	key, readOne := m.rules.object(r, body)
	rec := &teeWriter{ResponseWriter: w, keep: readOne}
	start := time.Now()
	m.next.ServeHTTP(rec, r)
	took := time.Since(start)

	m.mu.Lock()
	defer m.mu.Unlock()
	m.routes[m.rules.route(r.Method, r.URL.Path)]++
	m.busy += took
	status := rec.code()
	switch {
	case readOne:
		switch m.awaiting[key] {
		case "ready":
			m.polls++
			if status == http.StatusOK && m.rules.ready(rec.body.Bytes()) {
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

// openfaasWire is the OpenFaaS gateway API (faas-netes).
type openfaasWire struct {
	defaultNS string
}

func (openfaasWire) admin(path string) bool { return strings.HasPrefix(path, "/_sim/") }

func (openfaasWire) route(method, path string) string {
	if strings.HasPrefix(path, "/system/function/") {
		path = "/system/function/{name}"
	}
	if strings.HasPrefix(path, "/function/") || strings.HasPrefix(path, "/async-function/") {
		path = strings.SplitN(path[1:], "/", 2)[0] + "/{name}"
	}
	return method + " " + path
}

func (w openfaasWire) object(r *http.Request, body []byte) (string, bool) {
	ns := r.URL.Query().Get("namespace")
	name := ""
	readOne := false
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/system/function/"):
		name, readOne = strings.TrimPrefix(r.URL.Path, "/system/function/"), true
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
		return "", false
	}
	if ns == "" {
		ns = w.defaultNS
	}
	return ns + "/" + name, readOne
}

// ready applies the provider's readiness rule for faas-netes to a FunctionStatus.
func (openfaasWire) ready(b []byte) bool {
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

// knativeWire is the Kubernetes API with Knative's kinds: namespaced object paths are
// /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}].
type knativeWire struct{}

func (knativeWire) admin(path string) bool { return strings.HasPrefix(path, "/_sim/") }

// split returns the resource and name of a namespaced object path ("" when none).
func (knativeWire) split(path string) (prefix, resource, name string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 6 || parts[0] != "apis" || parts[3] != "namespaces" {
		return "", "", "", false
	}
	prefix = "/" + strings.Join(parts[:3], "/") + "/namespaces/{ns}/" + parts[5]
	if len(parts) >= 7 {
		name = parts[6]
	}
	return prefix, parts[5], name, true
}

func (w knativeWire) route(method, path string) string {
	prefix, _, name, ok := w.split(path)
	if !ok {
		return method + " " + path
	}
	if name != "" {
		prefix += "/{name}"
	}
	return method + " " + prefix
}

func (w knativeWire) object(r *http.Request, body []byte) (string, bool) {
	_, resource, name, ok := w.split(r.URL.Path)
	if !ok {
		return "", false
	}
	ns := strings.Split(strings.Trim(r.URL.Path, "/"), "/")[4]
	if name == "" && r.Method == http.MethodPost {
		var obj struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		_ = json.Unmarshal(body, &obj)
		name = obj.Metadata.Name
	}
	if name == "" {
		return "", false
	}
	return resource + "/" + ns + "/" + name, r.Method == http.MethodGet
}

// ready applies the provider's readiness rule for Knative objects: the Ready condition
// True for the current generation.
func (knativeWire) ready(b []byte) bool {
	var obj struct {
		Metadata struct {
			Generation int64 `json:"generation"`
		} `json:"metadata"`
		Status struct {
			ObservedGeneration int64 `json:"observedGeneration"`
			Conditions         []struct {
				Type   string `json:"type"`
				Status string `json:"status"`
			} `json:"conditions"`
		} `json:"status"`
	}
	if json.Unmarshal(b, &obj) != nil || obj.Status.ObservedGeneration != obj.Metadata.Generation {
		return false
	}
	for _, c := range obj.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status == "True"
		}
	}
	return false
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
