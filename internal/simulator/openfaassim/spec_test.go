package openfaassim_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// specOrSkip returns the upstream spec, or skips the test outside CI when it is missing.
func specOrSkip(t *testing.T) *openfaassim.Spec {
	t.Helper()
	spec := conformance.OpenFaaSSpec(t)
	if spec == nil {
		t.Skip("the OpenFaaS spec is not available (see the log above)")
	}
	return spec
}

type exchange struct {
	status int
	body   string
}

func send(t *testing.T, base, method, path, body string) exchange {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return exchange{resp.StatusCode, string(b)}
}

// TestSpecReportsNonConformingRequests is the negative control of the request checks:
// each request departs from the spec in one way and exactly that is reported, while the
// simulator answers exactly as it does without a spec.
func TestSpecReportsNonConformingRequests(t *testing.T) {
	spec := specOrSkip(t)
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	const fn = `"service":"f","image":"ghcr.io/acme/f:1"`
	cases := []struct {
		name, method, path, body string
		want                     string
	}{
		{"create without service and image", "POST", "/system/functions", `{"namespace":"openfaas-fn"}`,
			`request POST /system/functions: body: Error at "/service": property "service" is missing; Error at "/image": property "image" is missing`},
		{"wrong type", "PUT", "/system/functions", `{"service":"f","image":7}`,
			`request PUT /system/functions: body: Error at "/image": value must be a string`},
		{"wrong type in a map", "POST", "/system/functions", `{` + fn + `,"labels":{"a":1}}`,
			`request POST /system/functions: body: Error at "/labels/a": value must be a string`},
		{"misspelt field", "POST", "/system/functions", `{` + fn + `,"envvars":{"A":"1"}}`,
			`request POST /system/functions: undeclared body field "envvars"`},
		{"misspelt nested field", "POST", "/system/functions", `{` + fn + `,"limits":{"memroy":"1Mi"}}`,
			`request POST /system/functions: undeclared body field "limits.memroy"`},
		{"misspelt query parameter", "GET", "/system/functions?namspace=openfaas-fn", "",
			`request GET /system/functions?namspace=openfaas-fn: undeclared query parameter "namspace"`},
		{"scale with a string count", "POST", "/system/scale-function/f", `{"serviceName":"f","namespace":"openfaas-fn","replicas":"2"}`,
			`request POST /system/scale-function/f: body: Error at "/replicas": value must be an integer`},
		{"scale without namespace", "POST", "/system/scale-function/f", `{"serviceName":"f","replicas":2}`,
			`request POST /system/scale-function/f: body: Error at "/namespace": property "namespace" is missing`},
		{"secret without a name", "POST", "/system/secrets", `{"namespace":"openfaas-fn","value":"v"}`,
			`request POST /system/secrets: body: doesn't match schema due to: Error at "/name": property "name" is missing`},
		{"secret raw value not base64", "PUT", "/system/secrets", `{"name":"s","rawValue":"%%%"}`,
			`request PUT /system/secrets: body: doesn't match schema due to: Error at "/rawValue": string doesn't match the format "byte"`},
		{"delete without a body", "DELETE", "/system/functions", "",
			`request DELETE /system/functions: body: value is required but missing`},
		{"body on a GET", "GET", "/system/info", `{"x":1}`,
			`request GET /system/info: body: request body not allowed for this request`},
		{"undocumented route", "GET", "/system/namespace/openfaas-fn", "",
			`request GET /system/namespace/openfaas-fn: the spec has no such operation: no matching operation was found`},
		{"wrong method", "PATCH", "/system/functions", `{` + fn + `}`,
			`request PATCH /system/functions: the spec has no such operation: method not allowed`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, backend := range []openfaassim.Backend{openfaassim.FaasNetes, openfaassim.Faasd} {
				plain := openfaassim.New(openfaassim.Options{Backend: backend, Edition: openfaassim.Pro})
				checked := openfaassim.New(openfaassim.Options{Backend: backend, Edition: openfaassim.Pro, Spec: spec})
				for _, s := range []*openfaassim.Server{plain, checked} {
					s.PutFunction(openfaassim.Function{Service: "f", Image: "ghcr.io/acme/f:1", CreatedAt: created})
					s.PutSecret("", "s", "v")
					s.Start()
					defer s.Close()
				}
				want := send(t, plain.URL(), c.method, c.path, c.body)
				got := send(t, checked.URL(), c.method, c.path, c.body)
				checked.Close() // waits until every answer has been checked
				if got != want {
					t.Errorf("%s: with the spec the answer is %+v, without %+v: checking must not change answers", backend, got, want)
				}
				v := checked.SpecViolations()
				if len(v) == 0 || !strings.HasPrefix(v[0], c.want) {
					t.Errorf("%s: violations\n  %s\nwant first (a prefix)\n  %s", backend, strings.Join(v, "\n  "), c.want)
				}
				if len(plain.SpecViolations()) != 0 || plain.SpecChecks() != 0 {
					t.Errorf("%s: a server without a spec checked something", backend)
				}
			}
		})
	}
}

// TestSpecReportsNonConformingAnswers is the negative control of the answer checks:
// made-up answers that a faithful simulator must not give are reported, and a known
// difference is tolerated only on the backends it belongs to.
func TestSpecReportsNonConformingAnswers(t *testing.T) {
	spec := specOrSkip(t)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	textHeader := http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	fnBody := `{"service":"f","image":"x:1"}`
	cases := []struct {
		name         string
		backend      openfaassim.Backend
		method, path string
		reqBody      string
		status       int
		header       http.Header
		respBody     string
		want         string // a prefix of the only violation; "" means tolerated
	}{
		{"status no backend answers", openfaassim.FaasNetes, "GET", "/system/info", "", http.StatusTeapot, textHeader, "",
			`response 418 to GET /system/info: the spec declares only 200, 500`},
		{"status of the other backend", openfaassim.Faasd, "PUT", "/system/functions", fnBody, http.StatusAccepted, nil, "",
			`response 202 to PUT /system/functions: the spec declares only 200, 400, 404, 500`},
		{"known difference on its backend", openfaassim.FaasNetes, "PUT", "/system/functions", fnBody, http.StatusAccepted, nil, "", ""},
		{"name missing from a status", openfaassim.FaasNetes, "GET", "/system/function/f", "", http.StatusOK, jsonHeader, `{"image":"x:1"}`,
			`response 200 to GET /system/function/f: body: Error at "/name": property "name" is missing`},
		{"wrong type in a status", openfaassim.FaasNetes, "GET", "/system/function/f", "", http.StatusOK, jsonHeader, `{"name":"f","image":"x:1","replicas":"1"}`,
			`response 200 to GET /system/function/f: body: Error at "/replicas": value must be a number`},
		{"bad date in a status", openfaassim.FaasNetes, "GET", "/system/functions", "", http.StatusOK, jsonHeader, `[{"name":"f","image":"x:1","createdAt":"yesterday"}]`,
			`response 200 to GET /system/functions: body: Error at "/0/createdAt": string doesn't match the format "date-time"`},
		{"misspelt field in a status", openfaassim.FaasNetes, "GET", "/system/function/f", "", http.StatusOK, jsonHeader, `{"name":"f","image":"x:1","availableReplica":1}`,
			`response 200 to GET /system/function/f: undeclared body field "availableReplica"`},
		{"info without arch", openfaassim.Faasd, "GET", "/system/info", "", http.StatusOK, jsonHeader, `{"provider":{"provider":"faasd-ce","orchestration":"containerd","version":{"sha":"x","release":"1"}},"version":{"sha":"y","release":"2"}}`,
			`response 200 to GET /system/info: body: Error at "/arch": property "arch" is missing`},
		{"secret list as an object", openfaassim.FaasNetes, "GET", "/system/secrets", "", http.StatusOK, jsonHeader, `{"name":"s"}`,
			`response 200 to GET /system/secrets: not a JSON array of the declared schema`},
		{"secret list element without a name", openfaassim.Faasd, "GET", "/system/secrets", "", http.StatusOK, jsonHeader, `[{"namespace":"openfaas-fn"}]`,
			`response 200 to GET /system/secrets: element 0: Error at "/name": property "name" is missing`},
		{"secret list as upstream answers", openfaassim.Faasd, "GET", "/system/secrets", "", http.StatusOK, jsonHeader, `[{"name":"s","namespace":"openfaas-fn"}]`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openfaassim.New(openfaassim.Options{Backend: c.backend, Spec: spec})
			r := httptest.NewRequest(c.method, c.path, bytes.NewReader([]byte(c.reqBody)))
			if c.reqBody != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			s.CheckExchange(r, []byte(c.reqBody), c.status, c.header, []byte(c.respBody))
			v := s.SpecViolations()
			switch {
			case c.want == "" && len(v) != 0:
				t.Errorf("want no violation, got\n  %s", strings.Join(v, "\n  "))
			case c.want != "" && (len(v) != 1 || !strings.HasPrefix(v[0], c.want)):
				t.Errorf("violations\n  %s\nwant one (a prefix)\n  %s", strings.Join(v, "\n  "), c.want)
			}
		})
	}
}

// TestSpecFaultsAreNotAnswers checks that injected faults, which imitate proxies and
// outages rather than the gateway, are not held against the simulator, while the
// request that met them is still checked.
func TestSpecFaultsAreNotAnswers(t *testing.T) {
	spec := specOrSkip(t)
	s := openfaassim.New(openfaassim.Options{Spec: spec})
	base := s.Start()
	defer s.Close()
	s.SetFaults(openfaassim.Faults{PersistentStatus: http.StatusBadGateway, PersistentMessage: "upstream down"})
	if got := send(t, base, "GET", "/system/info", ""); got.status != http.StatusBadGateway {
		t.Fatalf("fault not applied: %+v", got)
	}
	send(t, base, "POST", "/system/functions", `{"image":"x:1"}`)
	s.Close() // waits until every answer has been checked
	v := s.SpecViolations()
	if len(v) != 1 || !strings.Contains(v[0], `property "service" is missing`) {
		t.Fatalf("violations %q: want only the invalid request", v)
	}
	if s.SpecChecks() != 2 {
		t.Fatalf("%d requests checked, want 2", s.SpecChecks())
	}
	s.ResetSpecViolations()
	if len(s.SpecViolations()) != 0 || s.SpecChecks() != 0 || len(s.KnownDifferencesSeen()) != 0 {
		t.Fatal("ResetSpecViolations left state behind")
	}
}

// TestKnownDifferencesAreDocumented keeps the list explicit and cited.
func TestKnownDifferencesAreDocumented(t *testing.T) {
	ids := map[string]bool{}
	for _, d := range openfaassim.KnownDifferences() {
		if d.ID == "" || ids[d.ID] {
			t.Errorf("missing or duplicate id %q", d.ID)
		}
		ids[d.ID] = true
		if !strings.Contains(d.Reason, "FACTS.md") && !strings.Contains(d.Reason, "openfaas/") {
			t.Errorf("%s: the reason cites neither the driver's FACTS.md nor upstream source: %s", d.ID, d.Reason)
		}
		if (d.Kind == openfaassim.UndeclaredStatus || d.Kind == openfaassim.ResponseArrayOfSchema) != (d.Status != 0) {
			t.Errorf("%s: a status belongs exactly to the status and array kinds", d.ID)
		}
	}
}

// TestSpecSharedConcurrently runs several servers sharing one Spec under concurrent
// requests, for the race detector.
func TestSpecSharedConcurrently(t *testing.T) {
	spec := specOrSkip(t)
	var wg sync.WaitGroup
	for _, backend := range []openfaassim.Backend{openfaassim.FaasNetes, openfaassim.Faasd, openfaassim.FaasNetes} {
		s := openfaassim.New(openfaassim.Options{Backend: backend, Spec: spec})
		base := s.Start()
		t.Cleanup(s.Close)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				name := fmt.Sprintf("f%d", i)
				for _, r := range []struct{ method, path, body string }{
					{"POST", "/system/functions", `{"service":"` + name + `","image":"x:1","labels":{"a":"b"}}`},
					{"GET", "/system/function/" + name + "?namespace=openfaas-fn", ""},
					{"PUT", "/system/functions", `{"service":"` + name + `","image":"x:2"}`},
					{"GET", "/system/functions?namespace=openfaas-fn", ""},
					{"DELETE", "/system/functions?namespace=openfaas-fn", `{"functionName":"` + name + `","namespace":"openfaas-fn"}`},
				} {
					req, _ := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					_ = resp.Body.Close()
				}
			}(i)
		}
		t.Cleanup(func() {
			s.Close() // waits until every answer has been checked
			if v := s.SpecViolations(); len(v) != 0 {
				t.Errorf("%s: %q", backend, v)
			}
			if s.SpecChecks() != 40 {
				t.Errorf("%s: %d requests checked, want 40", backend, s.SpecChecks())
			}
		})
	}
	wg.Wait()
}
