package openfaassim

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaultLatency(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{Latency: 50 * time.Millisecond, LatencySpikeEvery: 3, LatencySpike: 200 * time.Millisecond})
	var d []time.Duration
	for range 3 {
		start := time.Now()
		c.expect(http.MethodGet, "/healthz", nil, 200)
		d = append(d, time.Since(start))
	}
	if d[0] < 50*time.Millisecond || d[1] < 50*time.Millisecond {
		t.Errorf("latency not applied: %v", d)
	}
	if d[2] < 250*time.Millisecond {
		t.Errorf("third request should spike: %v", d)
	}
	if d[0] >= 250*time.Millisecond {
		t.Errorf("first request should not spike: %v", d)
	}
}

func TestFaultRateLimit(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{RateLimitEvery: 2, RetryAfterSeconds: 3})
	var statuses []int
	for range 4 {
		r := c.do(http.MethodGet, "/system/functions", nil)
		statuses = append(statuses, r.status)
		if r.status == 429 && r.header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
		}
	}
	if fmt.Sprint(statuses) != "[200 429 200 429]" {
		t.Errorf("statuses %v", statuses)
	}
	s.SetFaults(Faults{RateLimitEvery: 1})
	if r := c.do(http.MethodGet, "/healthz", nil); r.status != 429 || r.header.Get("Retry-After") != "0" {
		t.Errorf("status %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
}

func TestFaultBurst503(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{Burst503: 2})
	c.expect(http.MethodPost, "/system/functions", dep("x"), 503)
	r := c.expect(http.MethodGet, "/system/functions", nil, 503)
	if strings.TrimSpace(r.text()) != "service unavailable" {
		t.Errorf("body %q", r.text())
	}
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	if len(s.Functions("")) != 1 {
		t.Error("the 503'd create must not have been applied, the third must")
	}
}

func TestFaultDropConnections(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{DropConnections: 1})
	if _, err := c.try(http.MethodPost, "/system/functions", dep("x")); err == nil {
		t.Fatal("a dropped connection should surface as a client error")
	}
	if len(s.Functions("")) != 0 {
		t.Error("a dropped request must not be applied")
	}
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	reqs := s.Requests()
	if len(reqs) != 2 || !reqs[0].Dropped || reqs[0].Status != 0 || reqs[1].Dropped || reqs[1].Status != 202 {
		t.Errorf("log %+v", reqs)
	}
}

func TestFaultLoseResponses(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{LoseResponses: 1})
	// Reads are not affected.
	c.expect(http.MethodGet, "/system/functions", nil, 200)
	if _, err := c.try(http.MethodPost, "/system/functions", dep("x")); err == nil {
		t.Fatal("a lost response should surface as a client error")
	}
	if _, ok := s.GetFunction("", "x"); !ok {
		t.Fatal("a lost response must still have applied the write")
	}
	c.expect(http.MethodPost, "/system/functions", dep("x"), 500)
	w := s.Writes()
	if len(w) != 2 || !w[0].Dropped || w[0].Status != 202 || w[1].Status != 500 {
		t.Errorf("writes %+v", w)
	}
}

func TestFaultPersistentStatusAndClear(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{PersistentStatus: 502, PersistentMessage: "bad gateway"})
	for range 3 {
		r := c.expect(http.MethodPost, "/system/functions", dep("x"), 502)
		if strings.TrimSpace(r.text()) != "bad gateway" {
			t.Errorf("body %q", r.text())
		}
	}
	if len(s.Functions("")) != 0 {
		t.Error("applied under a persistent fault")
	}
	s.ClearFaults()
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
}

func TestFaultOnlyFilter(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{Burst503: 1, Only: func(method, path string) bool {
		return method == http.MethodPut && path == "/system/functions"
	}})
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	c.expect(http.MethodGet, "/system/function/x", nil, 200)
	c.expect(http.MethodPut, "/system/functions", dep("x"), 503)
	c.expect(http.MethodPut, "/system/functions", dep("x"), 202)
}

func TestFaultsSkipOutOfBandAndAdmin(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{PersistentStatus: 500})
	s.PutFunction(Function{Service: "x", Image: "img"})
	if _, ok := s.GetFunction("", "x"); !ok {
		t.Fatal("out-of-band put failed under faults")
	}
	c.auth = false
	c.expect(http.MethodGet, "/_sim/functions", nil, 200)
	if n := len(s.Requests()); n != 0 {
		t.Errorf("admin requests recorded: %d", n)
	}
}

func TestSetFaultsRestartsCounters(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{RateLimitEvery: 2})
	c.expect(http.MethodGet, "/healthz", nil, 200)
	s.SetFaults(Faults{RateLimitEvery: 2})
	c.expect(http.MethodGet, "/healthz", nil, 200)
	c.expect(http.MethodGet, "/healthz", nil, 429)
}

func TestRequestLog(t *testing.T) {
	s, c := newSim(t, Options{})
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	c.expect(http.MethodGet, "/system/function/x?namespace=openfaas-fn", nil, 200)
	c.expect(http.MethodDelete, "/system/functions", map[string]string{"functionName": "x"}, 202)
	c.auth = false
	c.expect(http.MethodGet, "/system/functions", nil, 401)
	reqs := s.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := []struct {
		method, path, query string
		status              int
	}{
		{"POST", "/system/functions", "", 202},
		{"GET", "/system/function/x", "namespace=openfaas-fn", 200},
		{"DELETE", "/system/functions", "", 202},
		{"GET", "/system/functions", "", 401},
	}
	for i, w := range want {
		r := reqs[i]
		if r.Method != w.method || r.Path != w.path || r.RawQuery != w.query || r.Status != w.status || r.Time.IsZero() {
			t.Errorf("request %d: %+v, want %+v", i, r, w)
		}
	}
	if !strings.Contains(string(reqs[0].Body), `"service":"x"`) {
		t.Errorf("body %q", reqs[0].Body)
	}
	for _, r := range reqs {
		if strings.Contains(string(r.Body), testPass) {
			t.Error("credentials recorded")
		}
	}
	if w := s.Writes(); len(w) != 2 || w[0].Method != "POST" || w[1].Method != "DELETE" {
		t.Errorf("writes %+v", w)
	}
	// Requests returns copies.
	reqs[0].Body[0] = 'X'
	if s.Requests()[0].Body[0] == 'X' {
		t.Error("Requests shares memory with the log")
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("not reset")
	}
}

func TestOnRequestHook(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := New(Options{OnRequest: func(r Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status))
	}})
	base := s.Start()
	defer s.Close()
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "GET /healthz 200" {
		t.Errorf("seen %v", seen)
	}
}

func TestConcurrentCreates(t *testing.T) {
	s, c := newSim(t, Options{Edition: Pro, ReadyAfterPolls: 2, DeleteAfterPolls: 1})
	s.SetFaults(Faults{RateLimitEvery: 7})
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan string, n*4)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("fn-%d", i)
			for {
				r, err := c.try(http.MethodPost, "/system/functions", dep(name))
				if err != nil {
					errs <- err.Error()
					return
				}
				if r.status == 429 {
					continue
				}
				if r.status != 202 {
					errs <- fmt.Sprintf("%s: %d %s", name, r.status, r.body)
				}
				break
			}
			for range 3 {
				_, _ = c.try(http.MethodGet, "/system/function/"+name, nil)
				_, _ = c.try(http.MethodGet, "/system/functions", nil)
			}
			s.ModifyFunction("", name, func(f *Function) { f.Labels = map[string]string{"k": "v"} })
			_ = s.Requests()
		}()
	}
	// Racing duplicate creates of one name: exactly one wins.
	results := make(chan int, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r, err := c.try(http.MethodPost, "/system/functions", dep("same"))
				if err != nil {
					errs <- err.Error()
					return
				}
				if r.status != 429 {
					results <- r.status
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	close(results)
	for e := range errs {
		t.Error(e)
	}
	counts := map[int]int{}
	for st := range results {
		counts[st]++
	}
	if counts[202] != 1 || counts[500] != 9 {
		t.Errorf("duplicate race results %v, want one 202 and nine 500", counts)
	}
	if got := len(s.Functions("")); got != n+1 {
		t.Errorf("%d functions, want %d", got, n+1)
	}
}

// TestFaultIgnoreUpdates: an ignored update answers 200 with an empty body and changes
// nothing, as faas-netes does when its Kubernetes update fails; a successful update of
// faas-netes answers 202. Creates, reads and deletes are not affected.
func TestFaultIgnoreUpdates(t *testing.T) {
	s, c := newSim(t, Options{})
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	s.SetFaults(Faults{IgnoreUpdates: 2})
	for i := range 2 {
		r := c.expect(http.MethodPut, "/system/functions", with(dep("x"), "image", fmt.Sprintf("ghcr.io/acme/x:%d", i+2)), 200)
		if len(r.body) != 0 {
			t.Errorf("an ignored update's body %q, want empty", r.body)
		}
	}
	if fn, _ := s.GetFunction("", "x"); fn.Image != "ghcr.io/acme/x:1.0" {
		t.Fatalf("an ignored update was applied: image %q", fn.Image)
	}
	if s.CurrentFaults().IgnoreUpdates != 0 {
		t.Errorf("remaining %d", s.CurrentFaults().IgnoreUpdates)
	}
	c.expect(http.MethodPut, "/system/functions", with(dep("x"), "image", "ghcr.io/acme/x:4"), 202)
	if fn, _ := s.GetFunction("", "x"); fn.Image != "ghcr.io/acme/x:4" {
		t.Fatalf("the update after the ignored ones was not applied: image %q", fn.Image)
	}

	// Every third update, counting only the requests OnlyPath selects.
	s.SetFaults(Faults{IgnoreUpdateEvery: 3, OnlyPath: "/system/functions"})
	var statuses []int
	for i := range 6 {
		c.expect(http.MethodGet, "/system/function/x", nil, 200)
		statuses = append(statuses, c.do(http.MethodPut, "/system/functions", with(dep("x"), "image", fmt.Sprintf("ghcr.io/acme/x:%d", 10+i))).status)
	}
	if fmt.Sprint(statuses) != "[202 202 200 202 202 200]" {
		t.Errorf("statuses %v", statuses)
	}
	s.PutSecret("", "s", "v")
	c.expect(http.MethodPut, "/system/secrets", map[string]any{"name": "s", "value": "w"}, 202)
	c.expect(http.MethodPut, "/system/secrets", map[string]any{"name": "s", "value": "w"}, 202)
}

// TestFaultOnlyMethodAndPath: OnlyMethod and OnlyPath restrict faults like Only.
func TestFaultOnlyMethodAndPath(t *testing.T) {
	s, c := newSim(t, Options{})
	s.SetFaults(Faults{Burst503: 1, OnlyMethod: http.MethodPost, OnlyPath: "/system/"})
	c.expect(http.MethodGet, "/system/functions", nil, 200)
	c.expect(http.MethodPost, "/function/x", "payload", 404)
	c.expect(http.MethodPost, "/system/functions", dep("x"), 503)
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
}
