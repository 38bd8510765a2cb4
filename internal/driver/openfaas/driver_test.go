package openfaas

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

const pw = "driver-test-password"

func newTestDriver(t *testing.T, opts openfaassim.Options) (*Driver, *openfaassim.Server) {
	t.Helper()
	opts.Username, opts.Password = "admin", pw
	opts.Spec = conformance.OpenFaaSSpec(t)
	sim := openfaassim.New(opts)
	conformance.Enforce(t, sim)
	sim.Start()
	t.Cleanup(sim.Close)
	u, _ := url.Parse(sim.URL())
	c, err := httpclient.New(httpclient.Config{BaseURL: u, Username: "admin", Password: pw, UserAgent: "test", MaxRetries: 5,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Client: c}), sim
}

func sampleFunction(name string) *platform.Function {
	return &platform.Function{
		ID:          platform.FunctionID{Namespace: DefaultNamespace, Name: name},
		Image:       "ghcr.io/acme/" + name + ":1",
		Command:     []string{"python3"},
		Args:        []string{"index.py"},
		Env:         map[string]string{"MODE": "prod", "EMPTY": ""},
		Labels:      map[string]string{"team": "a"},
		Annotations: map[string]string{"example.com/x": "y"},
		Limits:      platform.Resources{CPU: "0.5", Memory: "128Mi"},
		Timeout:     "45s",
	}
}

func TestInfoDetection(t *testing.T) {
	cases := []struct {
		backend         openfaassim.Backend
		edition         openfaassim.Edition
		forced          string
		wantBackend     string
		wantEdition     string
		wantDescription string
	}{
		{openfaassim.FaasNetes, openfaassim.CE, "", BackendFaasNetes, EditionCE, "OpenFaaS faas-netes (Community Edition)"},
		{openfaassim.FaasNetes, openfaassim.Pro, "", BackendFaasNetes, EditionPro, "OpenFaaS faas-netes (Pro)"},
		{openfaassim.Faasd, openfaassim.CE, "", BackendFaasd, EditionCE, "OpenFaaS faasd (Community Edition)"},
		{openfaassim.FaasNetes, openfaassim.Pro, EditionCE, BackendFaasNetes, EditionCE, "OpenFaaS faas-netes (Community Edition)"},
	}
	for _, c := range cases {
		d, sim := newTestDriver(t, openfaassim.Options{Backend: c.backend, Edition: c.edition})
		d.edition = c.forced
		info, err := d.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if info.Backend != c.wantBackend || info.Edition != c.wantEdition || info.Describe() != c.wantDescription {
			t.Errorf("%s/%s: got %+v (%s)", c.backend, c.edition, info, info.Describe())
		}
		// Cached: a second call sends nothing.
		n := len(sim.Requests())
		_, _ = d.Info(context.Background())
		if len(sim.Requests()) != n {
			t.Errorf("Info was not cached")
		}
	}
}

// TestCapabilitiesAreInTheCatalogue: every backend and edition reports only features of
// the catalogue, once (the driver contract runs against two of the four).
func TestCapabilitiesAreInTheCatalogue(t *testing.T) {
	for _, backend := range []string{BackendFaasNetes, BackendFaasd} {
		for _, edition := range []string{EditionCE, EditionPro} {
			t.Run(backend+"/"+edition, func(t *testing.T) {
				platformtest.CheckCapabilities(t, capabilities(backend, edition))
			})
		}
	}
}

// TestCreateWireShape: what the gateway stores and answers for a create, beyond the
// neutral round trip the driver contract checks (contract_test.go): the process and
// the timeouts as the watchdog's variables, and the invoke URL.
func TestCreateWireShape(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	got, err := d.CreateFunction(context.Background(), sampleFunction("round"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.InvokeURL != sim.URL()+"/function/round.openfaas-fn" {
		t.Errorf("invoke url %q", got.Status.InvokeURL)
	}
	stored, _ := sim.GetFunction(DefaultNamespace, "round")
	if stored.EnvVars["exec_timeout"] != "45s" || stored.EnvProcess != "python3 index.py" {
		t.Errorf("wire: %+v", stored)
	}
}

func TestReadWithoutLastAppliedReportsUnreadable(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	sim.PutFunction(openfaassim.Function{Service: "ext", Namespace: DefaultNamespace, Image: "x:1", EnvProcess: "node a.js", EnvVars: map[string]string{"A": "1"}})
	got, err := d.ReadFunction(context.Background(), platform.FunctionID{Namespace: DefaultNamespace, Name: "ext"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Env != nil {
		t.Errorf("faas-netes does not return env; got %v", got.Env)
	}
	if !strings.Contains(strings.Join(got.Status.Unreadable, ","), "env") {
		t.Errorf("unreadable %v", got.Status.Unreadable)
	}
	if strings.Join(got.Command, " ") != "node a.js" {
		t.Errorf("command %v", got.Command)
	}
	// A child's read-modify-write must refuse: it would drop the env it cannot see.
	_, err = d.Modify(context.Background(), got.ID, func(cur *functionDeployment) error {
		cur.Labels = setKey(cur.Labels, ScaleLabelPrefix+"min", "1")
		return nil
	})
	if !errors.Is(err, platform.ErrUnsupported) {
		t.Fatalf("Modify without a record: %v", err)
	}
}

func TestUpdatePreservesSiblingKeysAndSkipsNoOps(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	ctx := context.Background()
	fn := sampleFunction("keep")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	// Sibling resources own these keys.
	if wrote, err := d.Modify(ctx, fn.ID, func(cur *functionDeployment) error {
		cur.Labels = setKey(cur.Labels, ScaleLabelPrefix+"max", "4")
		cur.Annotations = setKey(cur.Annotations, TopicAnnotation, "orders")
		return nil
	}); err != nil || !wrote {
		t.Fatalf("a modify that changes keys: wrote %v, %v", wrote, err)
	}
	stored, _ := sim.GetFunction(DefaultNamespace, "keep")
	if stored.EnvVars["MODE"] != "prod" {
		t.Fatalf("child write lost env: %v", stored.EnvVars)
	}
	fn.Image = "ghcr.io/acme/keep:2"
	fn.Labels = map[string]string{"team": "b"}
	if _, err := d.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	stored, _ = sim.GetFunction(DefaultNamespace, "keep")
	if stored.Labels[ScaleLabelPrefix+"max"] != "4" || stored.Annotations[TopicAnnotation] != "orders" || stored.Labels["team"] != "b" {
		t.Fatalf("update lost sibling keys: labels %v annotations %v", stored.Labels, stored.Annotations)
	}
	// A modify that changes nothing writes nothing (each faas-netes PUT rolls the pods).
	sim.ResetRequests()
	if wrote, err := d.Modify(ctx, fn.ID, func(*functionDeployment) error { return nil }); err != nil || wrote {
		t.Fatalf("a modify that changes nothing: wrote %v, %v", wrote, err)
	}
	if w := sim.Writes(); len(w) != 0 {
		t.Fatalf("no-op modify wrote %d times", len(w))
	}
}

func TestRetriesRateLimitsAndBursts(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	sim.SetFaults(openfaassim.Faults{RateLimitEvery: 2, RetryAfterSeconds: 0, Burst503: 2})
	if _, err := d.CreateFunction(context.Background(), sampleFunction("busy")); err != nil {
		t.Fatal(err)
	}
	if fns := sim.Functions(DefaultNamespace); len(fns) != 1 {
		t.Fatalf("%d functions, want 1", len(fns))
	}
}

func TestPersistentErrorIsReportedWithPlatformMessage(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	_, _ = d.Info(context.Background())
	sim.SetFaults(openfaassim.Faults{PersistentStatus: 500, PersistentMessage: "etcd is unhappy; password=" + pw})
	_, err := d.CreateFunction(context.Background(), sampleFunction("broken"))
	if err == nil || !strings.Contains(err.Error(), "etcd is unhappy") || !strings.Contains(err.Error(), "HTTP 500") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(err.Error(), pw) {
		t.Fatalf("the password leaked into an error: %v", err)
	}
}

func TestCheckFunction(t *testing.T) {
	fn := &platform.Function{
		ID: platform.FunctionID{Namespace: "other", Name: "x"}, Image: "x",
		Command: []string{"a b"}, ImagePullSecrets: []string{"r"}, Constraints: []string{"c=d"},
		Limits: platform.Resources{CPU: "1"}, Requests: platform.Resources{Memory: "1Mi"},
		Env: map[string]string{"fprocess": "x"}, Labels: map[string]string{"uid": "1"}, Annotations: map[string]string{"schedule": "* * * * *"},
	}
	cases := []struct {
		opts openfaassim.Options
		want []string
	}{
		{openfaassim.Options{}, []string{`command[0]`, `env["fprocess"]`, `labels["uid"]`, `annotations["schedule"]`, "image_pull_secrets", "openfaas.constraints", "namespace"}},
		{openfaassim.Options{Edition: openfaassim.Pro}, []string{`command[0]`, `env["fprocess"]`, `labels["uid"]`, `annotations["schedule"]`}},
		{openfaassim.Options{Backend: openfaassim.Faasd}, []string{`command[0]`, `env["fprocess"]`, `labels["uid"]`, `annotations["schedule"]`, "image_pull_secrets", "openfaas.constraints", "limits.cpu", "requests", "namespace"}},
	}
	for _, c := range cases {
		d, sim := newTestDriver(t, c.opts)
		probs, err := d.CheckFunction(context.Background(), fn)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range probs {
			got = append(got, p.Attribute.String())
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%+v:\n got  %v\n want %v", c.opts, got, c.want)
		}
		if len(sim.Writes()) != 0 {
			t.Errorf("CheckFunction wrote to the platform")
		}
	}
}

func TestConcurrentModifyNeverLosesKeys(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	sim.SetFaults(openfaassim.Faults{Latency: time.Millisecond})
	ctx := context.Background()
	fn := sampleFunction("busy")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := ScaleLabelPrefix + "k" + string(rune('a'+i))
			if _, err := d.Modify(ctx, fn.ID, func(cur *functionDeployment) error {
				cur.Labels = setKey(cur.Labels, key, "v")
				return nil
			}); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	stored, _ := sim.GetFunction(DefaultNamespace, "busy")
	n := 0
	for k := range stored.Labels {
		if strings.HasPrefix(k, ScaleLabelPrefix+"k") {
			n++
		}
	}
	if n != 10 {
		t.Fatalf("%d of 10 keys survived concurrent writes: %v", n, stored.Labels)
	}
}

// TestDeleteSecretOnFaasdWhenAlreadyGone: faasd answers 500 to deleting a secret that
// does not exist; a delete whose first answer was lost, or of a secret removed out of
// band, must still succeed, and a real failure must still be reported.
func TestDeleteSecretOnFaasdWhenAlreadyGone(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Backend: openfaassim.Faasd})
	ctx := context.Background()
	if err := d.CreateSecret(ctx, &platform.Secret{Namespace: DefaultNamespace, Name: "gone", Value: "value-1"}); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(openfaassim.Faults{LoseResponses: 1, Only: func(method, path string) bool {
		return method == http.MethodDelete && path == "/system/secrets"
	}})
	if err := d.DeleteSecret(ctx, DefaultNamespace, "gone"); err != nil {
		t.Fatalf("a delete whose answer was lost, retried into faasd's 500: %v", err)
	}
	sim.ClearFaults()
	if _, ok := sim.SecretValue(DefaultNamespace, "gone"); ok {
		t.Fatal("the secret is still there")
	}
	if err := d.DeleteSecret(ctx, DefaultNamespace, "never-existed"); err != nil {
		t.Fatalf("deleting a missing secret on faasd: %v", err)
	}
	if err := d.CreateSecret(ctx, &platform.Secret{Namespace: DefaultNamespace, Name: "kept", Value: "value-2"}); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(openfaassim.Faults{PersistentStatus: 500, PersistentMessage: "disk full", Only: func(method, path string) bool {
		return method == http.MethodDelete
	}})
	if err := d.DeleteSecret(ctx, DefaultNamespace, "kept"); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("a failed delete of an existing secret must be reported, got %v", err)
	}
}
