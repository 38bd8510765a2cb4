package openfaassim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestAdminFunctions(t *testing.T) {
	s, c := newSim(t, Options{})
	c.auth = false
	c.expect(http.MethodPost, "/_sim/functions", `{"service":"x","image":"img","labels":{"a":"1","b":"2"},"envVars":{"E":"1"}}`, 200)
	if _, ok := s.GetFunction("", "x"); !ok {
		t.Fatal("not deployed")
	}
	c.expect(http.MethodPost, "/_sim/functions", `{"image":"img"}`, 400)

	r := c.expect(http.MethodPatch, "/_sim/function/openfaas-fn/x",
		`{"image":"img:2","labels":{"a":null,"c":"3"},"annotations":{"topic":"t"},"envVars":{"E":null}}`, 200)
	var fn Function
	_ = json.Unmarshal(r.body, &fn)
	if fn.Image != "img:2" || !reflect.DeepEqual(fn.Labels, map[string]string{"b": "2", "c": "3"}) ||
		!reflect.DeepEqual(fn.Annotations, map[string]string{"topic": "t"}) || fn.EnvVars != nil {
		t.Errorf("patched %+v", fn)
	}
	c.expect(http.MethodPatch, "/_sim/function/openfaas-fn/ghost", `{}`, 404)
	c.expect(http.MethodGet, "/_sim/function/openfaas-fn/x", nil, 200)

	var list []Function
	_ = json.Unmarshal(c.expect(http.MethodGet, "/_sim/functions", nil, 200).body, &list)
	if len(list) != 1 || list[0].Service != "x" {
		t.Errorf("list %+v", list)
	}

	c.expect(http.MethodPost, "/_sim/function/openfaas-fn/x/not-ready", nil, 204)
	c.auth = true
	if st := c.getStatus(); st.AvailableReplicas != 0 {
		t.Errorf("not-ready: %+v", st)
	}
	c.auth = false
	c.expect(http.MethodDelete, "/_sim/function/openfaas-fn/x", nil, 204)
	c.expect(http.MethodDelete, "/_sim/function/openfaas-fn/x", nil, 404)

	c.expect(http.MethodPost, "/_sim/secrets", `{"name":"k","value":"v"}`, 204)
	if v, _ := s.SecretValue("", "k"); v != "v" {
		t.Errorf("secret %q", v)
	}
}

func TestAdminFaultsAndRequests(t *testing.T) {
	s, c := newSim(t, Options{})
	c.auth = false
	c.expect(http.MethodPost, "/_sim/faults", `{"latency":"10ms","rateLimitEvery":2,"retryAfterSeconds":1,"burst503":1,"latencySpike":1000}`, 204)
	f := s.CurrentFaults()
	if f.Latency != 10*time.Millisecond || f.RateLimitEvery != 2 || f.Burst503 != 1 || f.LatencySpike != time.Microsecond {
		t.Errorf("faults %+v", f)
	}
	c.expect(http.MethodPost, "/_sim/faults", `{"bogus":1}`, 400)
	c.expect(http.MethodPost, "/_sim/faults", `{"latency":"soon"}`, 400)
	var got map[string]any
	_ = json.Unmarshal(c.expect(http.MethodGet, "/_sim/faults", nil, 200).body, &got)
	if got["latency"] != "10ms" {
		t.Errorf("faults JSON %v", got)
	}

	c.expect(http.MethodGet, "/healthz", nil, 503)
	c.expect(http.MethodGet, "/healthz", nil, 429)
	c.expect(http.MethodDelete, "/_sim/faults", nil, 204)
	c.expect(http.MethodPost, "/function/x", "payload", 404)

	var reqs []struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	_ = json.Unmarshal(c.expect(http.MethodGet, "/_sim/requests", nil, 200).body, &reqs)
	if len(reqs) != 3 || reqs[0].Status != 503 || reqs[1].Status != 429 || reqs[2].Body != "payload" {
		t.Errorf("requests %+v", reqs)
	}
	c.expect(http.MethodDelete, "/_sim/requests", nil, 204)
	if len(s.Requests()) != 0 {
		t.Error("not reset")
	}
}

func TestAdminLoopbackOnly(t *testing.T) {
	s := New(Options{})
	for _, tt := range []struct {
		remote string
		want   int
	}{
		{"192.0.2.10:5555", http.StatusForbidden},
		{"[2001:db8::1]:5555", http.StatusForbidden},
		{"127.0.0.1:5555", http.StatusOK},
		{"[::1]:5555", http.StatusOK},
	} {
		req := httptest.NewRequest(http.MethodGet, "/_sim/functions", nil)
		req.RemoteAddr = tt.remote
		rr := httptest.NewRecorder()
		s.ServeHTTP(rr, req)
		if rr.Code != tt.want {
			t.Errorf("%s: %d, want %d (%s)", tt.remote, rr.Code, tt.want, strings.TrimSpace(rr.Body.String()))
		}
	}
}

// TestAdminFaultsIgnoreUpdatesAndOnly: the admin API sets the faas-netes update drops
// and restricts faults to a method and a path prefix.
func TestAdminFaultsIgnoreUpdatesAndOnly(t *testing.T) {
	s, c := newSim(t, Options{})
	c.auth = false
	c.expect(http.MethodPost, "/_sim/faults", `{"ignoreUpdates":2,"ignoreUpdateEvery":4,"onlyMethod":"PUT","onlyPath":"/system/functions"}`, 204)
	f := s.CurrentFaults()
	if f.IgnoreUpdates != 2 || f.IgnoreUpdateEvery != 4 || f.OnlyMethod != http.MethodPut || f.OnlyPath != "/system/functions" {
		t.Errorf("faults %+v", f)
	}
	var got map[string]any
	_ = json.Unmarshal(c.expect(http.MethodGet, "/_sim/faults", nil, 200).body, &got)
	if got["ignoreUpdates"] != float64(2) || got["onlyPath"] != "/system/functions" {
		t.Errorf("faults JSON %v", got)
	}
}
