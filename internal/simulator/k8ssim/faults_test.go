package k8ssim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func rawRequest(t *testing.T, s *Server, method, path string, body []byte) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, s.URL()+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testToken)
	req.Header.Set("Content-Type", "application/json")
	// A fresh transport per request, so Go's client does not retry on a reused connection.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	return c.Do(req)
}

func TestFaults(t *testing.T) {
	svcPath := "/apis/serving.knative.dev/v1/namespaces/default/services"
	body, _ := json.Marshal(ksvc("f", "img:1").Object)
	cases := []struct {
		name   string
		faults Faults
		method string
		check  func(t *testing.T, s *Server, resp *http.Response, err error)
	}{
		{"rate limit", Faults{RateLimitEvery: 1, RetryAfterSeconds: 3}, http.MethodGet, func(t *testing.T, _ *Server, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "3" {
				t.Fatalf("%v %v", resp, err)
			}
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), `"reason":"TooManyRequests"`) {
				t.Errorf("body %s", b)
			}
		}},
		{"503 burst", Faults{Burst503: 1}, http.MethodGet, func(t *testing.T, s *Server, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%v %v", resp, err)
			}
			if resp2, err := rawRequest(t, s, http.MethodGet, svcPath, nil); err != nil || resp2.StatusCode != http.StatusOK {
				t.Errorf("after the burst: %v %v", resp2, err)
			}
		}},
		{"dropped connection", Faults{DropConnections: 1}, http.MethodPost, func(t *testing.T, s *Server, _ *http.Response, err error) {
			if err == nil {
				t.Fatal("no error for a dropped connection")
			}
			if _, ok := s.Get(ServicesGVR, "default", "f"); ok {
				t.Error("a dropped request was applied")
			}
			if r := s.Requests(); len(r) != 1 || !r[0].Dropped || r[0].Status != 0 {
				t.Errorf("log %+v", r)
			}
		}},
		{"lost response", Faults{LoseResponses: 1}, http.MethodPost, func(t *testing.T, s *Server, _ *http.Response, err error) {
			if err == nil {
				t.Fatal("no error for a lost response")
			}
			if _, ok := s.Get(ServicesGVR, "default", "f"); !ok {
				t.Error("a lost response was not applied")
			}
			if r := s.Requests(); len(r) != 1 || !r[0].Dropped || r[0].Status != http.StatusCreated {
				t.Errorf("log %+v", r)
			}
		}},
		{"persistent", Faults{PersistentStatus: 500, PersistentMessage: "etcdserver: request timed out"}, http.MethodGet, func(t *testing.T, _ *Server, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != 500 {
				t.Fatalf("%v %v", resp, err)
			}
			b, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(b), "etcdserver: request timed out") || !strings.Contains(string(b), `"kind":"Status"`) {
				t.Errorf("body %s", b)
			}
		}},
		{"only filter", Faults{Burst503: 1, Only: func(m, _ string) bool { return m == http.MethodPost }}, http.MethodGet, func(t *testing.T, _ *Server, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("a GET was faulted: %v %v", resp, err)
			}
		}},
		{"latency", Faults{Latency: 50 * time.Millisecond}, http.MethodGet, func(t *testing.T, s *Server, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%v %v", resp, err)
			}
			r := s.Requests()
			if len(r) != 1 {
				t.Fatalf("log %+v", r)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := newSim(t, Options{})
			s.SetFaults(c.faults)
			var b []byte
			if c.method == http.MethodPost {
				b = body
			}
			start := time.Now()
			resp, err := rawRequest(t, s, c.method, svcPath, b)
			if resp != nil {
				defer resp.Body.Close()
			}
			if c.faults.Latency > 0 && time.Since(start) < c.faults.Latency {
				t.Errorf("latency not applied")
			}
			c.check(t, s, resp, err)
		})
	}
}

func TestStatusWriteRaces(t *testing.T) {
	s, dc := newSim(t, Options{})
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	u, err := ri.Create(ctx, ksvc("race", "img:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.SetFaults(Faults{StatusWriteRaces: 1})
	u.SetLabels(map[string]string{"x": "1"})
	if _, err := ri.Update(ctx, u, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("raced update: %v", err)
	}
	if got := s.CurrentFaults().StatusWriteRaces; got != 0 {
		t.Errorf("remaining races %d", got)
	}
	fresh, _ := ri.Get(ctx, "race", metav1.GetOptions{})
	fresh.SetLabels(map[string]string{"x": "1"})
	if _, err := ri.Update(ctx, fresh, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("retry after the race: %v", err)
	}
}

func TestRequestLogNeverHoldsCredentialsOrSecretValues(t *testing.T) {
	var hooked []Request
	s, dc := newSim(t, Options{OnRequest: func(r Request) { hooked = append(hooked, r) }})
	ctx := context.Background()
	sec := samples()[SecretsGVR]
	if _, err := dc.Resource(SecretsGVR).Namespace("default").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Resource(SecretsGVR).Namespace("default").Patch(ctx, "api-key", "application/json-patch+json",
		[]byte(`[{"op":"replace","path":"/data/api-key","value":"b3RoZXI="}]`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || len(hooked) != 2 {
		t.Fatalf("%d requests, %d hooked", len(reqs), len(hooked))
	}
	for _, r := range reqs {
		for _, leak := range []string{testToken, "s3cr3t-value", "b3RoZXI="} {
			if strings.Contains(string(r.Body), leak) || strings.Contains(r.RawQuery, leak) {
				t.Errorf("%s leaked into the log: %s", leak, r.Body)
			}
		}
		if r.Status == 0 || r.Time.IsZero() {
			t.Errorf("incomplete log entry %+v", r)
		}
	}
	if !strings.Contains(string(reqs[0].Body), `"api-key":"REDACTED"`) {
		t.Errorf("create body %s", reqs[0].Body)
	}
	if s.Writes()[0].Method != http.MethodPost || reqs[0].String() != "POST /api/v1/namespaces/default/secrets -> 201" {
		t.Errorf("writes %v", s.Writes())
	}
	s.ResetRequests()
	if len(s.Requests()) != 0 {
		t.Error("reset")
	}
}

func TestOutOfBandAccess(t *testing.T) {
	s, dc := newSim(t, Options{})
	ctx := context.Background()
	if err := s.Put(ksvc("oob", "img:1")); err != nil {
		t.Fatal(err)
	}
	u, ok := s.Get(ServicesGVR, "default", "oob")
	if !ok || u.GetGeneration() != 1 || u.GetAnnotations()[CreatorAnnotation] != DefaultUser {
		t.Fatalf("put: %v", u)
	}
	rv := u.GetResourceVersion()
	if err := s.Modify(ServicesGVR, "default", "oob", func(o *ksvcObj) {
		o.SetLabels(map[string]string{"changed": "yes"})
	}); err != nil {
		t.Fatal(err)
	}
	u, _ = s.Get(ServicesGVR, "default", "oob")
	if u.GetResourceVersion() == rv || u.GetGeneration() != 1 || u.GetLabels()["changed"] != "yes" {
		t.Errorf("label modify: %v", u.Object["metadata"])
	}
	if err := s.Modify(ServicesGVR, "default", "oob", func(o *ksvcObj) {
		_ = setImage(o, "img:2")
	}); err != nil {
		t.Fatal(err)
	}
	u, _ = s.Get(ServicesGVR, "default", "oob")
	if u.GetGeneration() != 2 {
		t.Errorf("spec modify: generation %d", u.GetGeneration())
	}
	// The client sees the change.
	got, err := dc.Resource(ServicesGVR).Namespace("default").Get(ctx, "oob", metav1.GetOptions{})
	if err != nil || got.GetLabels()["changed"] != "yes" {
		t.Errorf("client read: %v", err)
	}
	if err := s.Modify(ServicesGVR, "default", "missing", func(*ksvcObj) {}); !apierrors.IsNotFound(err) {
		t.Errorf("modify missing: %v", err)
	}
	if err := s.SetReadyAfterPolls(ServicesGVR, "default", "oob", 1); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := condition(getSvc(t, dc, "oob"), "Ready"); st != "Unknown" {
		t.Errorf("after SetReadyAfterPolls(1): %s", st)
	}
	if st, _, _ := condition(getSvc(t, dc, "oob"), "Ready"); st != "True" {
		t.Errorf("second poll: %s", st)
	}
	if !s.Delete(ServicesGVR, "default", "oob") || s.Delete(ServicesGVR, "default", "oob") {
		t.Error("delete")
	}
	if _, err := dc.Resource(ServicesGVR).Namespace("default").Get(ctx, "oob", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("after out-of-band delete: %v", err)
	}
	if len(s.List(NamespacesGVR, "")) != 1 {
		t.Errorf("namespaces %v", s.List(NamespacesGVR, ""))
	}
	// Put into a new namespace creates it.
	other := ksvc("x", "img:1")
	other.SetNamespace("elsewhere")
	if err := s.Put(other); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(NamespacesGVR, "", "elsewhere"); !ok {
		t.Error("namespace not created")
	}
	if len(s.Requests()) != 4 {
		t.Errorf("out-of-band calls were logged: %v", s.Requests())
	}
}

func TestAdminAPI(t *testing.T) {
	s, _ := newSim(t, Options{})
	if err := s.Put(ksvc("adm", "img:1")); err != nil {
		t.Fatal(err)
	}
	base := "/_sim/objects/serving.knative.dev/v1/services/default/adm"
	if code, _, body := do(t, s, http.MethodGet, base, "", nil); code != http.StatusOK || body["kind"] != "Service" {
		t.Fatalf("get %d %v", code, body)
	}
	code, _, body := do(t, s, http.MethodPatch, base, "application/merge-patch+json", []byte(`{"metadata":{"labels":{"drift":"yes"}}}`))
	if drift, _, _ := unstructured.NestedString(body, "metadata", "labels", "drift"); code != http.StatusOK || drift != "yes" {
		t.Fatalf("patch %d %v", code, body)
	}
	if code, _, _ := do(t, s, http.MethodPost, base+"/condition", "application/json", map[string]any{"type": "Ready", "status": "False", "reason": "X"}); code != http.StatusNoContent {
		t.Fatalf("condition %d", code)
	}
	if code, _, _ := do(t, s, http.MethodPost, "/_sim/faults", "application/json", map[string]any{"latency": "1ms", "burst503": 2}); code != http.StatusNoContent {
		t.Fatalf("faults %d", code)
	}
	if f := s.CurrentFaults(); f.Latency != time.Millisecond || f.Burst503 != 2 {
		t.Errorf("faults %+v", f)
	}
	if code, _, _ := do(t, s, http.MethodDelete, "/_sim/faults", "", nil); code != http.StatusNoContent || s.CurrentFaults().Burst503 != 0 {
		t.Errorf("clear faults %d", code)
	}
	if code, _, _ := do(t, s, http.MethodDelete, base, "", nil); code != http.StatusNoContent {
		t.Errorf("delete %d", code)
	}
	if code, _, _ := do(t, s, http.MethodGet, base, "", nil); code != http.StatusNotFound {
		t.Errorf("get after delete %d", code)
	}
	if len(s.Requests()) != 0 {
		t.Errorf("admin calls were logged: %v", s.Requests())
	}
}

func TestKubeconfig(t *testing.T) {
	s, _ := newSim(t, Options{})
	raw, err := s.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg["current-context"] != "faas-simulator" || !strings.Contains(string(raw), s.URL()) || !strings.Contains(string(raw), testToken) {
		t.Errorf("kubeconfig:\n%s", raw)
	}
	if strings.Contains(string(raw), "certificate-authority-data") {
		t.Error("a plain HTTP server has no CA")
	}
	if _, err := New(Options{}).Kubeconfig(); err == nil {
		t.Error("kubeconfig of a server that is not started")
	}
	tlsSim := New(Options{Token: testToken})
	if u := tlsSim.StartTLS(); !strings.HasPrefix(u, "https://") {
		t.Fatalf("StartTLS url %s", u)
	}
	defer tlsSim.Close()
	raw, err = tlsSim.Kubeconfig()
	if err != nil || !strings.Contains(string(raw), "certificate-authority-data") {
		t.Fatalf("TLS kubeconfig %s %v", raw, err)
	}
	cert, pemBytes, err := SelfSignedCertificate("127.0.0.1", "localhost")
	if err != nil || len(cert.Certificate) != 1 || !strings.Contains(string(pemBytes), "BEGIN CERTIFICATE") {
		t.Errorf("self-signed certificate: %v", err)
	}
}
