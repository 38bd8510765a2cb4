package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

const (
	user     = "admin"
	password = "conformance-password"
)

// gateway is one simulated gateway with spec checks on, and the driver talking to it.
type gateway struct {
	t      *testing.T
	sim    *openfaassim.Server
	driver *openfaas.Driver
}

func newGateway(t *testing.T, spec *openfaassim.Spec, opts openfaassim.Options) *gateway {
	t.Helper()
	opts.Username, opts.Password, opts.Spec = user, password, spec
	sim := openfaassim.New(opts)
	sim.Start()
	t.Cleanup(sim.Close)
	u, err := url.Parse(sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	c, err := httpclient.New(httpclient.Config{BaseURL: u, Username: user, Password: password, UserAgent: "conformance-test",
		MaxRetries: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &gateway{t: t, sim: sim, driver: openfaas.New(openfaas.Config{Client: c})}
}

// raw sends a request shaped as the driver shapes its own (JSON body, basic auth), for
// the routes the driver does not use itself, and returns the status.
func (g *gateway) raw(method, path, body string, auth bool) int {
	g.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, g.sim.URL()+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if auth {
		req.SetBasicAuth(user, password)
	} else {
		req.SetBasicAuth(user, "wrong")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func (g *gateway) expectStatus(want int, method, path, body string) {
	g.t.Helper()
	if got := g.raw(method, path, body, true); got != want {
		g.t.Errorf("%s %s: HTTP %d, want %d", method, path, got, want)
	}
}

// must turns a (value, error) result into a function that returns the value, or fails
// the test with the error: must(f())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// TestOpenFaaSDriverConformsToSpec drives every OpenFaaS operation of the driver, and
// the gateway routes the driver does not use itself (scale-function), against the
// simulator of each backend and edition with spec checks on, including the error
// answers the driver must handle. Nothing may depart from the upstream spec except the
// documented known differences, and every known difference must be met at least once,
// so that the list holds no stale or untested entry.
func TestOpenFaaSDriverConformsToSpec(t *testing.T) {
	spec := conformance.OpenFaaSSpec(t)
	if spec == nil {
		t.Skip("the OpenFaaS spec is not available (see the log above)")
	}
	targets := []struct {
		name      string
		opts      openfaassim.Options
		namespace string
	}{
		{"faas-netes CE", openfaassim.Options{Backend: openfaassim.FaasNetes, Edition: openfaassim.CE}, openfaas.DefaultNamespace},
		{"faas-netes Pro", openfaassim.Options{Backend: openfaassim.FaasNetes, Edition: openfaassim.Pro, ExtraNamespaces: []string{"team-a"}}, "team-a"},
		{"faasd CE", openfaassim.Options{Backend: openfaassim.Faasd, Edition: openfaassim.CE}, openfaas.DefaultNamespace},
	}
	met := map[string]bool{}
	for _, target := range targets {
		t.Run(target.name, func(t *testing.T) {
			g := newGateway(t, spec, target.opts)
			exercise(t, g, target.namespace)
			g.sim.Close() // waits until every answer has been checked
			if err := conformance.Violations(g.sim); err != nil {
				t.Error(err)
			}
			if g.sim.SpecChecks() < 30 {
				t.Errorf("only %d requests were checked", g.sim.SpecChecks())
			}
			for _, id := range g.sim.KnownDifferencesSeen() {
				met[id] = true
			}
			t.Logf("%d requests checked; known differences met: %v", g.sim.SpecChecks(), g.sim.KnownDifferencesSeen())
		})
	}
	if t.Failed() {
		return
	}
	for _, d := range openfaassim.KnownDifferences() {
		if !met[d.ID] {
			t.Errorf("known difference %s was never met: exercise it here, or remove it if the backends no longer differ", d.ID)
		}
	}
}

// exercise runs every driver operation once, plus the error paths, in namespace ns.
func exercise(t *testing.T, g *gateway, ns string) {
	ctx := context.Background()
	d := g.driver
	info := must(d.Info(ctx))(t)
	netes := info.Backend == openfaas.BackendFaasNetes
	pro := info.Edition == openfaas.EditionPro

	// Secrets: through the driver when it implements them.
	const secret = "conf-secret"
	secretPath := "/system/secrets"
	if sd, ok := any(d).(platform.SecretDriver); ok {
		s := &platform.Secret{Namespace: ns, Name: secret, Value: "v1"}
		if err := sd.CreateSecret(ctx, s); err != nil {
			t.Fatal(err)
		}
		s.Value = "v2"
		if err := sd.UpdateSecret(ctx, s); err != nil {
			t.Fatal(err)
		}
		if ok := must(sd.SecretExists(ctx, ns, secret))(t); !ok {
			t.Fatal("the secret does not exist")
		}
		if err := sd.CreateSecret(ctx, s); !errors.Is(err, platform.ErrConflict) {
			t.Fatalf("duplicate secret: %v", err)
		}
		if err := sd.CreateSecret(ctx, &platform.Secret{Namespace: ns, Name: "conf-temp", Value: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := sd.DeleteSecret(ctx, ns, "conf-temp"); err != nil {
			t.Fatal(err)
		}
		if err := sd.DeleteSecret(ctx, ns, "conf-temp"); err != nil {
			t.Fatalf("deleting a missing secret: %v", err)
		}
	} else {
		t.Log("the driver does not implement platform.SecretDriver: sending the secret requests directly")
		g.expectStatus(g.writeStatus(http.StatusCreated), "POST", secretPath, `{"name":"`+secret+`","namespace":"`+ns+`","value":"v1"}`)
		g.expectStatus(g.writeStatus(http.StatusOK), "PUT", secretPath, `{"name":"`+secret+`","namespace":"`+ns+`","value":"v2"}`)
		g.expectStatus(http.StatusOK, "GET", secretPath+"?namespace="+ns, "")
		g.expectStatus(g.writeStatus(http.StatusCreated), "POST", secretPath, `{"name":"conf-temp","namespace":"`+ns+`","value":"x"}`)
		g.expectStatus(g.writeStatus(http.StatusNoContent), "DELETE", secretPath+"?namespace="+ns, `{"name":"conf-temp","namespace":"`+ns+`"}`)
	}
	if netes {
		// faas-netes answers a duplicate secret create with 409 (the driver checks first).
		g.expectStatus(http.StatusConflict, "POST", secretPath, `{"name":"`+secret+`","namespace":"`+ns+`","value":"v3"}`)
		// and an invalid name with the Kubernetes API's 422 (secret-invalid-name-422).
		g.expectStatus(http.StatusUnprocessableEntity, "POST", secretPath, `{"name":"Bad_Name","namespace":"`+ns+`","value":"v"}`)
	}
	g.expectStatus(http.StatusBadRequest, "GET", secretPath+"?namespace=nope", "")

	// Functions.
	fn := &platform.Function{
		ID:          platform.FunctionID{Namespace: ns, Name: "conf"},
		Image:       "ghcr.io/acme/conf:1",
		Command:     []string{"python3"},
		Args:        []string{"index.py"},
		Env:         map[string]string{"MODE": "prod", "EMPTY": ""},
		Secrets:     []string{secret},
		Labels:      map[string]string{"team": "a"},
		Annotations: map[string]string{"example.com/owner": "conformance"},
		Limits:      platform.Resources{Memory: "128Mi"},
		Timeout:     "45s",
	}
	if netes {
		fn.Limits.CPU = "500m"
		fn.Requests = platform.Resources{CPU: "50m", Memory: "64Mi"}
		fn.ReadOnlyRootFilesystem = true
		if pro {
			fn.Constraints = []string{"node.kubernetes.io/instance-type=m5.large"}
		}
	}
	if probs := must(d.CheckFunction(ctx, fn))(t); len(probs) != 0 {
		t.Fatalf("CheckFunction: %v", probs)
	}
	must(d.CreateFunction(ctx, fn))(t)
	// A create of another configuration under the same name: faas-netes 500, faasd 400.
	other := *fn
	other.Image = "ghcr.io/acme/other:1"
	if _, err := d.CreateFunction(ctx, &other); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("duplicate create: %v", err)
	}
	must(d.ReadFunction(ctx, fn.ID))(t)
	if list := must(d.ListFunctions(ctx, ns))(t); len(list) != 1 {
		t.Fatalf("list: %d functions", len(list))
	}
	fn.Image = "ghcr.io/acme/conf:2"
	fn.Env["MODE"] = "staging"
	must(d.UpdateFunction(ctx, fn))(t)
	missing := platform.FunctionID{Namespace: ns, Name: "missing"}
	if _, err := d.ReadFunction(ctx, missing); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("reading a missing function: %v", err)
	}
	if _, err := d.UpdateFunction(ctx, &platform.Function{ID: missing, Image: "x:1"}); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("updating a missing function: %v", err)
	}
	if _, err := d.ReadFunction(ctx, platform.FunctionID{Namespace: "nope", Name: "conf"}); !errors.Is(err, platform.ErrInvalid) {
		t.Fatalf("reading in an unknown namespace: %v", err)
	}
	if _, err := d.ListFunctions(ctx, "nope"); !errors.Is(err, platform.ErrInvalid) {
		t.Fatalf("listing an unknown namespace: %v", err)
	}

	// Child resources: through the driver when it implements them.
	if sd, ok := any(d).(platform.ScalingDriver); ok && info.Capabilities.Has(platform.FeatureScalingPolicy) {
		lo, hi := int64(1), int64(3)
		p := &platform.ScalingPolicy{Function: fn.ID, MinReplicas: &lo, MaxReplicas: &hi}
		if probs := must(sd.CheckScalingPolicy(ctx, p, true))(t); len(probs) != 0 {
			t.Fatalf("CheckScalingPolicy: %v", probs)
		}
		must(sd.ApplyScalingPolicy(ctx, p, true))(t)
		must(sd.ReadScalingPolicy(ctx, fn.ID))(t)
		if err := sd.DeleteScalingPolicy(ctx, fn.ID); err != nil {
			t.Fatal(err)
		}
	}
	if td, ok := any(d).(platform.TriggerDriver); ok {
		tr := &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "*/5 * * * *"}
		if probs := must(td.CheckTrigger(ctx, tr, true))(t); len(probs) != 0 {
			t.Fatalf("CheckTrigger: %v", probs)
		}
		must(td.CreateTrigger(ctx, tr))(t)
		must(td.ReadTrigger(ctx, td.TriggerID(tr)))(t)
		if err := td.DeleteTrigger(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}

	// Scaling by replica count: the driver scales through labels, but a client of the
	// gateway may call this route; 0 replicas is rejected in CE and by faasd.
	scale := "/system/scale-function/conf"
	g.expectStatus(g.writeStatus(http.StatusOK), "POST", scale, `{"serviceName":"conf","namespace":"`+ns+`","replicas":1}`)
	if !pro || !netes {
		g.expectStatus(http.StatusBadRequest, "POST", scale, `{"serviceName":"conf","namespace":"`+ns+`","replicas":0}`)
	}
	g.expectStatus(http.StatusNotFound, "POST", "/system/scale-function/missing", `{"serviceName":"missing","namespace":"`+ns+`","replicas":1}`)

	// Wrong credentials.
	if got := g.raw("GET", "/system/info", "", false); got != http.StatusUnauthorized {
		t.Errorf("wrong password: HTTP %d", got)
	}

	if err := d.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatalf("deleting a missing function: %v", err)
	}
	g.expectStatus(http.StatusOK, "GET", secretPath+"?namespace="+ns, "")
}

// writeStatus is the success status of a write on the simulated backend: 202 on
// faas-netes, the spec's status (or faasd's implicit 200) elsewhere.
func (g *gateway) writeStatus(spec int) int {
	if g.sim.Options().Backend == openfaassim.FaasNetes {
		return http.StatusAccepted
	}
	if spec == http.StatusOK {
		return spec
	}
	return http.StatusOK
}

// TestOpenFaaSNegativeControl proves that the check above cannot pass vacuously: the
// same setup reports a request that breaks the spec.
func TestOpenFaaSNegativeControl(t *testing.T) {
	spec := conformance.OpenFaaSSpec(t)
	if spec == nil {
		t.Skip("the OpenFaaS spec is not available (see the log above)")
	}
	g := newGateway(t, spec, openfaassim.Options{})
	must(g.driver.Info(context.Background()))(t)
	if err := conformance.Violations(g.sim); err != nil {
		t.Fatalf("a conforming request was reported: %v", err)
	}
	g.expectStatus(http.StatusBadRequest, "POST", "/system/functions", `{"namespace":"openfaas-fn","envProcess":"x"}`)
	g.expectStatus(http.StatusAccepted, "POST", "/system/functions", `{"service":"typo","image":"x:1","envvars":{"A":"1"}}`)
	g.expectStatus(http.StatusBadRequest, "POST", "/system/scale-function/typo", `{"serviceName":"typo","namespace":"openfaas-fn","replicas":"2"}`)
	g.sim.Close() // waits until every answer has been checked
	err := conformance.Violations(g.sim)
	if err == nil {
		t.Fatal("no violation reported")
	}
	for _, want := range []string{
		`request POST /system/functions: body: Error at "/service": property "service" is missing; Error at "/image": property "image" is missing`,
		`request POST /system/functions: undeclared body field "envvars"`,
		`request POST /system/scale-function/typo: body: Error at "/replicas": value must be an integer`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	// Enforce turns the same list into a test failure.
	ft := &fakeT{TB: t}
	conformance.Enforce(ft, g.sim)
	ft.runCleanups()
	if !ft.failed {
		t.Error("Enforce did not fail the test")
	}
}

// fakeT records failures, logs and cleanups instead of acting on them.
type fakeT struct {
	testing.TB
	failed   bool
	logs     []string
	cleanups []func()
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }
func (f *fakeT) Error(args ...any)              { f.fail(fmt.Sprint(args...)) }
func (f *fakeT) Errorf(format string, a ...any) { f.fail(fmt.Sprintf(format, a...)) }
func (f *fakeT) Fatal(args ...any)              { f.fail(fmt.Sprint(args...)) }
func (f *fakeT) Fatalf(format string, a ...any) { f.fail(fmt.Sprintf(format, a...)) }
func (f *fakeT) Log(args ...any)                { f.logs = append(f.logs, fmt.Sprint(args...)) }
func (f *fakeT) Logf(format string, a ...any)   { f.logs = append(f.logs, fmt.Sprintf(format, a...)) }

func (f *fakeT) fail(msg string) {
	f.failed = true
	f.logs = append(f.logs, msg)
}

func (f *fakeT) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

// TestMissingSpec checks the behaviour without the specs: a failure in CI, a logged
// notice and no validation elsewhere.
func TestMissingSpec(t *testing.T) {
	t.Setenv(conformance.SpecsDirEnv, filepath.Join(t.TempDir(), "absent"))
	for _, ci := range []string{"true", ""} {
		t.Setenv("CI", ci)
		ft := &fakeT{TB: t}
		if path := conformance.SpecFile(ft, conformance.OpenFaaSSpecFile); path != "" {
			t.Fatalf("CI=%q: got %q for a missing spec", ci, path)
		}
		if ft.failed != (ci == "true") {
			t.Errorf("CI=%q: failed=%v", ci, ft.failed)
		}
		if len(ft.logs) == 0 || !strings.Contains(ft.logs[0], "spec conformance checks are off") ||
			!strings.Contains(ft.logs[0], conformance.SpecsDirEnv) || strings.Contains(ft.logs[0], "CI=true requires it") != (ci == "true") {
			t.Errorf("CI=%q: message %q", ci, ft.logs)
		}
	}
	// The spec is not needed to build a simulator: validation is simply off.
	t.Setenv("CI", "")
	ft := &fakeT{TB: t}
	if spec := conformance.OpenFaaSSpec(ft); spec != nil || ft.failed {
		t.Fatalf("OpenFaaSSpec without the file: %v, failed=%v", spec, ft.failed)
	}
}

// TestSpecsDirIsBesideTheRepository checks the default location: shared/specs next to
// the repository root, found from this package's directory.
func TestSpecsDirIsBesideTheRepository(t *testing.T) {
	t.Setenv(conformance.SpecsDirEnv, "")
	dir, err := conformance.SpecsDir()
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(root), "shared", "specs"); dir != want {
		t.Fatalf("specs dir %s, want %s", dir, want)
	}
}
