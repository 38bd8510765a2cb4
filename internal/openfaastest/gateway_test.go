package openfaastest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

const (
	user     = "admin"
	password = "pw-that-must-not-leak"
)

// newGateway starts a simulator that checks every request against the gateway's
// OpenAPI spec, and returns a client of it.
func newGateway(t *testing.T, opts openfaassim.Options) (*Gateway, *openfaassim.Server) {
	t.Helper()
	opts.Username, opts.Password = user, password
	opts.Spec = conformance.OpenFaaSSpec(t)
	sim := openfaassim.New(opts)
	conformance.Enforce(t, sim)
	url := sim.Start()
	t.Cleanup(sim.Close)
	g, err := New(Config{URL: url, Username: user, Password: password, Namespace: DefaultNamespace, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return g, sim
}

func TestConfigFromEnv(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	if _, ok, err := configFrom(env()); ok || err != nil {
		t.Fatalf("without a URL: ok %v, err %v", ok, err)
	}
	c, ok, err := configFrom(env(EnvURL, "https://gw.example.com/", EnvToken, "tok", EnvCACert, ca, EnvInsecure, "true", EnvTimeout, "90s"))
	if !ok || err != nil {
		t.Fatalf("ok %v, err %v", ok, err)
	}
	want := Config{URL: "https://gw.example.com", Token: "tok", Namespace: DefaultNamespace, CACertPEM: "PEM", Insecure: true,
		Image: DefaultImage, AltImage: DefaultAltImage, Timeout: 90 * time.Second}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if got := (Config{Namespace: "a", ExtraNamespace: "b"}).Namespaces(); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Fatalf("namespaces %v", got)
	}
	for _, bad := range []struct {
		env  func(string) string
		want string
	}{
		{env(EnvURL, "gw:8080"), "absolute http(s) URL"},
		{env(EnvURL, "http://gw", EnvToken, "t", EnvPassword, "secret-pw"), "not both"},
		{env(EnvURL, "http://gw", EnvUsername, "admin"), "set both"},
		{env(EnvURL, "http://gw", EnvExtraNamespace, DefaultNamespace), "must differ"},
		{env(EnvURL, "http://gw", EnvImage, DefaultAltImage), "different images"},
		{env(EnvURL, "http://gw", EnvInsecure, "maybe"), "true or false"},
		{env(EnvURL, "http://gw", EnvTimeout, "5"), "positive Go duration"},
		{env(EnvURL, "http://gw", EnvCACert, filepath.Join(t.TempDir(), "missing.pem")), EnvCACert},
	} {
		_, ok, err := configFrom(bad.env)
		if !ok || err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("want an error containing %q, got ok %v err %v", bad.want, ok, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret-pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestInfoDetectsBackendAndEdition: the four simulated gateways are told apart as the
// driver's faas_platform data source tells them apart.
func TestInfoDetectsBackendAndEdition(t *testing.T) {
	for _, c := range []struct {
		backend openfaassim.Backend
		edition openfaassim.Edition
	}{{openfaassim.FaasNetes, openfaassim.CE}, {openfaassim.FaasNetes, openfaassim.Pro}, {openfaassim.Faasd, openfaassim.CE}, {openfaassim.Faasd, openfaassim.Pro}} {
		g, _ := newGateway(t, openfaassim.Options{Backend: c.backend, Edition: c.edition})
		info, err := g.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.Backend != string(c.backend) || info.Edition != string(c.edition) || info.Version == "" {
			t.Errorf("%s %s detected as %+v", c.backend, c.edition, info)
		}
	}
}

// TestFunctionRoundTrip deploys, reads, redeploys (the out-of-band change of a test),
// waits for readiness and deletes, on faas-netes, whose reads lack the environment.
func TestFunctionRoundTrip(t *testing.T) {
	g, sim := newGateway(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 2, DeleteAfterPolls: 2})
	ctx := context.Background()
	d := Deployment{Service: "tfacc-x-1-f", Image: DefaultImage, Namespace: DefaultNamespace, EnvProcess: "cat",
		EnvVars: map[string]string{"MODE": "prod"}, Labels: map[string]string{"team": "a"},
		Annotations: map[string]string{openfaas.LastAppliedAnnotation: `{"envVars":{"MODE":"prod"},"constraints":["x=y"],"readOnlyRootFilesystem":true}`},
		Limits:      &Resources{Memory: "128Mi"}}
	if err := g.Deploy(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := g.WaitReady(ctx, DefaultNamespace, d.Service); err != nil {
		t.Fatal(err)
	}
	st, err := g.Function(ctx, DefaultNamespace, d.Service)
	if err != nil {
		t.Fatal(err)
	}
	if st.EnvVars != nil || st.Labels["faas_function"] == "" || st.Annotations["prometheus.io.scrape"] != "false" || st.Limits.CPU != "0" {
		t.Fatalf("the simulator no longer reads like faas-netes, the test proves nothing: %+v", st)
	}
	got := Redeployable(st)
	want := d
	want.Constraints, want.ReadOnlyRootFilesystem = []string{"x=y"}, true
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("redeployable\n%+v\nwant\n%+v", got, want)
	}
	// A redeploy with a changed label keeps everything else.
	got.Labels["team"] = "b"
	if err := g.Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if fn, _ := sim.GetFunction(DefaultNamespace, d.Service); fn.Labels["team"] != "b" || fn.EnvVars["MODE"] != "prod" {
		t.Fatalf("after the redeploy: %+v", fn)
	}
	if err := g.WaitReady(ctx, DefaultNamespace, d.Service); err != nil {
		t.Fatal(err)
	}
	list, err := g.Functions(ctx, DefaultNamespace)
	if err != nil || len(list) != 1 || list[0].Name != d.Service {
		t.Fatalf("list %+v, %v", list, err)
	}
	if existed, err := g.DeleteFunction(ctx, DefaultNamespace, d.Service); !existed || err != nil {
		t.Fatalf("delete: existed %v, err %v", existed, err)
	}
	// The delete waited for the foreground deletion to finish.
	if _, ok := sim.GetFunction(DefaultNamespace, d.Service); ok {
		t.Fatal("DeleteFunction returned while the function was still there")
	}
	if _, err := g.Function(ctx, DefaultNamespace, d.Service); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if existed, err := g.DeleteFunction(ctx, DefaultNamespace, d.Service); existed || err != nil {
		t.Fatalf("second delete: existed %v, err %v", existed, err)
	}
	if err := g.Update(ctx, d); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing function: %v", err)
	}
}

// TestWaitReadyTimesOut: a function that never becomes ready ends the wait with the
// gateway's last status.
func TestWaitReadyTimesOut(t *testing.T) {
	g, _ := newGateway(t, openfaassim.Options{ReadyAfterPolls: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	if err := g.Deploy(ctx, Deployment{Service: "tfacc-x-1-slow", Image: DefaultImage}); err != nil {
		t.Fatal(err)
	}
	err := g.WaitReady(ctx, DefaultNamespace, "tfacc-x-1-slow")
	if err == nil || !strings.Contains(err.Error(), "0 of 1 replicas available") {
		t.Fatalf("want a timeout naming the status, got %v", err)
	}
}

// TestSecretsAndClean: secrets are created, replaced and deleted; Clean removes exactly
// the names with its prefix, in every namespace given, and refuses a prefix that does
// not start with Prefix.
func TestSecretsAndClean(t *testing.T) {
	g, sim := newGateway(t, openfaassim.Options{Backend: openfaassim.Faasd, Edition: openfaassim.Pro, ExtraNamespaces: []string{"team-a"}})
	ctx := context.Background()
	for _, ns := range []string{DefaultNamespace, "team-a"} {
		for _, name := range []string{"tfacc-r1-1-a", "tfacc-r1-2-b", "keep-me"} {
			if err := g.PutSecret(ctx, ns, name, "v1"); err != nil {
				t.Fatal(err)
			}
			if err := g.Deploy(ctx, Deployment{Service: name, Image: DefaultImage, Namespace: ns}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := g.PutSecret(ctx, DefaultNamespace, "keep-me", "v2"); err != nil {
		t.Fatal(err)
	}
	if v, _ := sim.SecretValue(DefaultNamespace, "keep-me"); v != "v2" {
		t.Fatalf("PutSecret on an existing secret left %q", v)
	}
	if _, err := g.Clean(ctx, "tf", []string{DefaultNamespace}, false); err == nil {
		t.Fatal("Clean accepted a prefix that is not tfacc-")
	}
	dry, err := g.Clean(ctx, "tfacc-r1-1-", []string{DefaultNamespace, "team-a"}, true)
	if err != nil || len(dry.Functions) != 2 || len(dry.Secrets) != 2 || len(sim.Functions(DefaultNamespace)) != 3 {
		t.Fatalf("dry run %+v, %v", dry, err)
	}
	removed, err := g.Clean(ctx, Prefix, []string{DefaultNamespace, "team-a"}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := Removed{
		Functions: []string{"openfaas-fn/tfacc-r1-1-a", "openfaas-fn/tfacc-r1-2-b", "team-a/tfacc-r1-1-a", "team-a/tfacc-r1-2-b"},
		Secrets:   []string{"openfaas-fn/tfacc-r1-1-a", "openfaas-fn/tfacc-r1-2-b", "team-a/tfacc-r1-1-a", "team-a/tfacc-r1-2-b"},
	}
	if !reflect.DeepEqual(removed, want) {
		t.Fatalf("removed %+v\nwant %+v", removed, want)
	}
	for _, ns := range []string{DefaultNamespace, "team-a"} {
		if fns := sim.Functions(ns); len(fns) != 1 || fns[0].Service != "keep-me" {
			t.Fatalf("functions left in %s: %+v", ns, fns)
		}
		if names, _ := g.Secrets(ctx, ns); !reflect.DeepEqual(names, []string{"keep-me"}) {
			t.Fatalf("secrets left in %s: %v", ns, names)
		}
	}
	if existed, err := g.DeleteSecret(ctx, DefaultNamespace, "tfacc-r1-1-a"); existed || err != nil {
		t.Fatalf("delete of a missing secret: existed %v, err %v", existed, err)
	}
}

// TestDeleteSecretWhoseAnswerWasLost: faasd applies a secret's delete but the answer
// is lost; the retried delete fails (the file is gone), and DeleteSecret reports the
// secret deleted rather than that failure.
func TestDeleteSecretWhoseAnswerWasLost(t *testing.T) {
	g, sim := newGateway(t, openfaassim.Options{Backend: openfaassim.Faasd})
	ctx := context.Background()
	if err := g.PutSecret(ctx, DefaultNamespace, "tfacc-x-1-s", "v"); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(openfaassim.Faults{LoseResponses: 1, Only: func(method, path string) bool {
		return method == "DELETE" && path == "/system/secrets"
	}})
	existed, err := g.DeleteSecret(ctx, DefaultNamespace, "tfacc-x-1-s")
	if !existed || err != nil {
		t.Fatalf("existed %v, err %v", existed, err)
	}
	deletes := 0
	for _, r := range sim.Writes() {
		if r.Method == "DELETE" {
			deletes++
		}
	}
	if deletes < 2 {
		t.Fatalf("%d deletes sent: the lost answer was not retried, so the test proves nothing", deletes)
	}
}

// TestErrorsAreRedacted: a gateway error that echoes the password and a secret value
// reaches the caller with both redacted.
func TestErrorsAreRedacted(t *testing.T) {
	g, sim := newGateway(t, openfaassim.Options{})
	ctx := context.Background()
	sim.SetFaults(openfaassim.Faults{PersistentStatus: 400, PersistentMessage: "rejected " + password + " and value-s3cret"})
	err := g.PutSecret(ctx, DefaultNamespace, "tfacc-x-1-s", "value-s3cret")
	if err == nil || strings.Contains(err.Error(), password) || strings.Contains(err.Error(), "value-s3cret") || !strings.Contains(err.Error(), "rejected ***") {
		t.Fatalf("want a redacted error, got %v", err)
	}
	bad, err := New(Config{URL: sim.URL(), Username: user, Password: "wrong-" + password, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sim.ClearFaults()
	_, err = bad.Info(ctx)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 {
		t.Fatalf("want a 401, got %v", err)
	}
}

// TestWritesAreConfirmedOnFaasNetes: the tests' own out-of-band writes survive what the
// real faas-netes does: updates answered 200 without being applied, and reads that lag
// behind writes. Deploy and Update return only once the gateway's reads show the write,
// so a test that changes a function behind Terraform's back and then plans sees it.
func TestWritesAreConfirmedOnFaasNetes(t *testing.T) {
	g, sim := newGateway(t, openfaassim.Options{StaleReads: 100 * time.Millisecond})
	ctx := context.Background()
	d := Deployment{Service: "tfacc-x-1-w", Image: DefaultImage, Namespace: DefaultNamespace, Labels: map[string]string{"step": "1"}}
	if err := g.Deploy(ctx, d); err != nil {
		t.Fatal(err)
	}
	if st, err := g.Function(ctx, DefaultNamespace, d.Service); err != nil || st.Labels["step"] != "1" {
		t.Fatalf("right after Deploy the read gives %+v, %v", st, err)
	}
	sim.SetFaults(openfaassim.Faults{IgnoreUpdates: 2, OnlyMethod: "PUT", OnlyPath: "/system/functions"})
	d.Labels["step"], d.Image = "2", DefaultAltImage
	if err := g.Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if st, err := g.Function(ctx, DefaultNamespace, d.Service); err != nil || st.Labels["step"] != "2" || st.Image != DefaultAltImage {
		t.Fatalf("right after Update the read gives %+v, %v", st, err)
	}
	if fn, _ := sim.GetFunction(DefaultNamespace, d.Service); fn.Labels["step"] != "2" {
		t.Fatalf("the platform holds %+v", fn)
	}
	sim.SetFaults(openfaassim.Faults{IgnoreUpdates: 100, OnlyMethod: "PUT", OnlyPath: "/system/functions"})
	d.Labels["step"] = "3"
	if err := g.Update(ctx, d); err == nil || !strings.Contains(err.Error(), "200 without applying") {
		t.Fatalf("an update never applied: %v", err)
	}
}
