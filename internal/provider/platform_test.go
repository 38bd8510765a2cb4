package provider

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/faultproxy"
	"github.com/faasform/terraform-provider-faas/internal/openfaastest"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// The OpenFaaS acceptance tests run against an openfaasPlatform: the in-process
// simulator, or, when FAAS_TEST_OPENFAAS_URL is set, a real gateway (see the README,
// "Acceptance tests against a real OpenFaaS gateway"). A test that can run on both asks
// for newPlatform; a test that needs what only the simulator can do (fault injection,
// the request log, reading a secret's value, readiness control) asks for newSim, which
// skips on a real gateway saying why.

// openfaasPlatform is the OpenFaaS platform one test runs against, and the out-of-band
// operations the tests make on it behind Terraform's back.
type openfaasPlatform interface {
	// URL is the gateway's base URL.
	URL() string
	// Sim returns the in-process simulator, or false on a real gateway.
	Sim() (*simPlatform, bool)
	// Backend and Edition are the platform's: the simulator's options, or what the real
	// gateway's /system/info says.
	Backend() openfaassim.Backend
	// Edition is the platform's licence tier (see Backend).
	Edition() openfaassim.Edition
	// Name returns the name a test gives a function or secret it calls base: base on the
	// simulator; on a real gateway, base behind this test's unique prefix
	// (tfacc-<run>-<n>-), so that tests never clash and their leftovers can be found.
	Name(base string) string
	// Image returns the image a test deploys where it would use simImage: simImage on the
	// simulator, a runnable image on a real gateway (FAAS_TEST_OPENFAAS_IMAGE).
	Image(simImage string) string
	// AltImage is Image for a step that changes the image: on a real gateway a second
	// runnable image, different from Image (FAAS_TEST_OPENFAAS_IMAGE_ALT).
	AltImage(simImage string) string
	// ExtraNamespace is a second function namespace: the simulator's first extra
	// namespace, or FAAS_TEST_OPENFAAS_EXTRA_NAMESPACE.
	ExtraNamespace() string
	// GetFunction returns a function as deployed, and whether it exists. On a real
	// gateway it is what the gateway returns without the keys faas-netes injects; the
	// environment, constraints and readOnlyRootFilesystem, which faas-netes does not
	// return, come from the provider's last-applied record (openfaastest.Redeployable).
	GetFunction(namespace, name string) (openfaassim.Function, bool)
	// Functions lists a namespace's functions, sorted by name; on a real gateway only
	// this test's (by name prefix).
	Functions(namespace string) []openfaassim.Function
	// ModifyFunction changes a function behind Terraform's back and reports false when
	// it does not exist. On a real gateway it is a redeploy (PUT) that then waits until
	// the function is ready again.
	ModifyFunction(namespace, name string, mutate func(*openfaassim.Function)) bool
	// PutFunction deploys a function outside Terraform, as faas-cli deploy would, and
	// returns once it is ready.
	PutFunction(fn openfaassim.Function)
	// DeleteFunction deletes a function outside Terraform and reports false when it did
	// not exist; it returns once the function is gone.
	DeleteFunction(namespace, name string) bool
	// PutSecret creates or replaces a secret outside Terraform.
	PutSecret(namespace, name, value string)
	// DeleteSecret deletes a secret outside Terraform and reports false when missing.
	DeleteSecret(namespace, name string) bool
	// SecretExists reports whether a secret exists.
	SecretExists(namespace, name string) bool
	// NothingWritten reports an error when the platform received a write: on the
	// simulator any POST, PUT or DELETE in the request log; on a real gateway, the most
	// it can tell, any function or secret with this test's prefix.
	NothingWritten() error
}

// realOption widens which real gateways a test runs on (see newPlatform).
type realOption int

const (
	// anyBackend: the test holds on faas-netes and faasd alike.
	anyBackend realOption = iota + 1
	// anyEdition: the test holds on the Community Edition and Pro alike.
	anyEdition
	// simulatorToo: the test does more on the in-process simulator than on a gateway
	// (it repeats, or injects latency), so FAAS_TEST_SIMULATOR_ONLY does not skip it.
	simulatorToo
)

// envSimulatorOnly, set by make test for its in-process run of the acceptance tests to
// the path of a file, keeps the in-process simulators to what only they can do. A test
// that a later step of make test runs against a gateway (scripts/testacc-openfaas-sim.sh:
// the simulator as its own process, faas-netes Pro; scripts/testacc-openfaas-real.sh: the
// real faas-netes Community Edition) or against the real Knative
// (scripts/testacc-knative-real.sh) skips in that run, so that it runs once per platform,
// not two or three times, and is listed in the file with the run that covers it: that
// run fails unless the test passed there (scripts/testacc-lib.sh check_covered). Without
// it (make testacc) every test runs in-process.
const envSimulatorOnly = "FAAS_TEST_SIMULATOR_ONLY"

// simulatorOnly reports whether FAAS_TEST_SIMULATOR_ONLY is set.
func simulatorOnly() bool { return strings.TrimSpace(os.Getenv(envSimulatorOnly)) != "" }

// coveredMu serialises the appends of parallel tests to FAAS_TEST_SIMULATOR_ONLY's file.
var coveredMu sync.Mutex

// skipCovered records t in FAAS_TEST_SIMULATOR_ONLY's file as a test the run named by
// label (a script's LABEL) must pass, then skips it, saying so.
func skipCovered(t *testing.T, label string) {
	t.Helper()
	coveredMu.Lock()
	f, err := os.OpenFile(os.Getenv(envSimulatorOnly), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err == nil {
		_, err = fmt.Fprintf(f, "%s\t%s\n", label, t.Name())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	coveredMu.Unlock()
	if err != nil {
		t.Fatalf("%s: %v", envSimulatorOnly, err)
	}
	t.Skipf("%s is set, and scripts/%s.sh runs this test (and fails unless it passes there)", envSimulatorOnly, label)
}

// gatewayRunOf names the gateway run of make test (its script's LABEL) that runs an
// OpenFaaS test asking for opts and relax, or "" when none does (the test needs faasd,
// or a second namespace on the Community Edition, which only the in-process simulator
// offers).
func gatewayRunOf(opts openfaassim.Options, relax []realOption) string {
	if opts.Backend != "" && opts.Backend != openfaassim.FaasNetes && !slices.Contains(relax, anyBackend) {
		return ""
	}
	switch {
	case opts.Edition == openfaassim.Pro || slices.Contains(relax, anyEdition):
		return "testacc-openfaas-sim" // the simulator as its own process, faas-netes Pro
	case len(opts.ExtraNamespaces) == 0:
		return "testacc-openfaas-real" // the real faas-netes Community Edition
	}
	return ""
}

// ns is the function namespace of the OpenFaaS tests: openfaas-fn, or
// FAAS_TEST_OPENFAAS_NAMESPACE on a real gateway.
var ns = func() string {
	if cfg, ok, err := openfaastest.ConfigFromEnv(); ok && err == nil {
		return cfg.Namespace
	}
	return openfaastest.DefaultNamespace
}()

// newPlatform returns the platform for a test that runs on the simulator and on a real
// gateway. The simulator is started with opts. On a real gateway, the backend and
// edition opts name (the simulator's defaults, faas-netes and the Community Edition,
// when empty) must be the gateway's, or the test skips saying so, unless relax says the
// test holds on any backend or any edition; a test that needs opts.ExtraNamespaces skips
// without FAAS_TEST_OPENFAAS_EXTRA_NAMESPACE. The simulator's timing options
// (ReadyAfterPolls, DeleteAfterPolls) do not apply to a real gateway, which has its own.
func newPlatform(t *testing.T, opts openfaassim.Options, relax ...realOption) openfaasPlatform {
	t.Helper()
	env := realGateway(t)
	if env == nil {
		if run := gatewayRunOf(opts, relax); simulatorOnly() && run != "" && !slices.Contains(relax, simulatorToo) {
			skipCovered(t, run)
		}
		return startSim(t, opts)
	}
	backend, edition := opts.Backend, opts.Edition
	if backend == "" {
		backend = openfaassim.FaasNetes
	}
	if edition == "" {
		edition = openfaassim.CE
	}
	switch {
	case !slices.Contains(relax, anyBackend) && string(backend) != env.info.Backend:
		t.Skipf("needs an OpenFaaS %s gateway; the one at %s is %s", backend, openfaastest.EnvURL, env.describe())
	case !slices.Contains(relax, anyEdition) && string(edition) != env.info.Edition:
		t.Skipf("needs an OpenFaaS %s gateway; the one at %s is %s", editionName(edition), openfaastest.EnvURL, env.describe())
	case len(opts.ExtraNamespaces) > 0 && env.gw.Config().ExtraNamespace == "":
		t.Skipf("needs a second function namespace: set %s", openfaastest.EnvExtraNamespace)
	}
	return newReal(t, env)
}

// newSim starts the simulator for a test that needs what only it can do, which why
// names; on a real gateway the test skips with that reason.
func newSim(t *testing.T, opts openfaassim.Options, why string) *simPlatform {
	t.Helper()
	if realMode() {
		t.Skip("runs only against the in-process simulator, because it " + why)
	}
	return startSim(t, opts)
}

func editionName(e openfaassim.Edition) string {
	if e == openfaassim.CE {
		return "Community Edition"
	}
	return "Pro"
}

// ---- the simulator ------------------------------------------------------------

// simPlatform is the in-process simulator; every simulator method (faults, the request
// log, secret values) is available through the embedded Server.
type simPlatform struct {
	*openfaassim.Server
}

// startSim starts a simulator for one test, with basic auth and the spec checks.
func startSim(t *testing.T, opts openfaassim.Options) *simPlatform {
	t.Helper()
	if opts.Username == "" {
		opts.Username, opts.Password = testUser, testPassword
	}
	opts.Spec = conformance.OpenFaaSSpec(t)
	s := openfaassim.New(opts)
	conformance.Enforce(t, s)
	s.Start()
	t.Cleanup(s.Close)
	return &simPlatform{s}
}

func (s *simPlatform) Sim() (*simPlatform, bool)       { return s, true }
func (s *simPlatform) Backend() openfaassim.Backend    { return s.Options().Backend }
func (s *simPlatform) Edition() openfaassim.Edition    { return s.Options().Edition }
func (s *simPlatform) Name(base string) string         { return base }
func (s *simPlatform) Image(simImage string) string    { return simImage }
func (s *simPlatform) AltImage(simImage string) string { return simImage }

func (s *simPlatform) ExtraNamespace() string {
	if extra := s.Options().ExtraNamespaces; len(extra) > 0 {
		return extra[0]
	}
	return ""
}

func (s *simPlatform) SecretExists(namespace, name string) bool {
	_, ok := s.SecretValue(namespace, name)
	return ok
}

func (s *simPlatform) NothingWritten() error {
	if w := s.Writes(); len(w) > 0 {
		var b strings.Builder
		for _, r := range w {
			fmt.Fprintf(&b, "%s %s; ", r.Method, r.Path)
		}
		return fmt.Errorf("the platform received %d writes: %s", len(w), b.String())
	}
	return nil
}

// ---- a real gateway -----------------------------------------------------------

// realEnv is the real gateway of this test run, shared by every test.
type realEnv struct {
	gw    *openfaastest.Gateway
	info  openfaastest.Info
	runID string
	next  atomic.Int64
}

func (e *realEnv) describe() string {
	return fmt.Sprintf("%s %s (provider %q %s)", e.info.Backend, editionName(openfaassim.Edition(e.info.Edition)), e.info.Provider, e.info.Version)
}

var (
	realOnce sync.Once
	realEnvV *realEnv
	realErr  error
)

// realMode reports whether FAAS_TEST_OPENFAAS_URL selects a real gateway.
func realMode() bool { return strings.TrimSpace(os.Getenv(openfaastest.EnvURL)) != "" }

// realGateway returns the real gateway, or nil in simulator mode. It skips without
// TF_ACC (as the acceptance tests themselves would, before anything touches the
// gateway) and fails the test when the FAAS_TEST_OPENFAAS_* settings are wrong or the
// gateway does not answer.
func realGateway(t *testing.T) *realEnv {
	t.Helper()
	if !realMode() {
		return nil
	}
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run acceptance tests")
	}
	realOnce.Do(func() {
		cfg, _, err := openfaastest.ConfigFromEnv()
		if err != nil {
			realErr = err
			return
		}
		gw, err := openfaastest.New(cfg)
		if err != nil {
			realErr = err
			return
		}
		ctx, cancel := gw.Context()
		defer cancel()
		info, err := gw.Info(ctx)
		if err != nil {
			realErr = fmt.Errorf("reading the gateway's /system/info: %w", err)
			return
		}
		if cfg.ExtraNamespace != "" && info.Edition == openfaastest.EditionCE {
			realErr = fmt.Errorf("%s is set, but the gateway is the Community Edition, which has a single function namespace", openfaastest.EnvExtraNamespace)
			return
		}
		realEnvV = &realEnv{gw: gw, info: info, runID: randomID(6)}
	})
	if realErr != nil {
		t.Fatalf("the real OpenFaaS gateway (%s) cannot be used: %v", openfaastest.EnvURL, realErr)
	}
	return realEnvV
}

func randomID(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b)
}

// realPlatform is a real gateway as one test sees it: its names carry the test's
// prefix, and its clean-up removes every function and secret with that prefix, whether
// the test passed or not.
type realPlatform struct {
	t      *testing.T
	env    *realEnv
	gw     *openfaastest.Gateway
	prefix string
}

func newReal(t *testing.T, env *realEnv) *realPlatform {
	r := &realPlatform{t: t, env: env, gw: env.gw,
		prefix: fmt.Sprintf("%s%s-%d-", openfaastest.Prefix, env.runID, env.next.Add(1))}
	t.Logf("real OpenFaaS gateway %s, %s; this test's names start with %s", r.URL(), env.describe(), r.prefix)
	t.Cleanup(func() {
		ctx, cancel := r.gw.Context()
		defer cancel()
		removed, err := r.gw.Clean(ctx, r.prefix, r.gw.Config().Namespaces(), false)
		if err != nil {
			t.Errorf("removing what the test left on the gateway (run make testacc-openfaas-clean): %v", err)
		}
		if n := len(removed.Functions) + len(removed.Secrets); n > 0 {
			t.Logf("removed what the test left on the gateway: functions %v, secrets %v", removed.Functions, removed.Secrets)
		}
	})
	return r
}

// must fails the test on a gateway error (already redacted by openfaastest).
func (r *realPlatform) must(err error, what string, args ...any) {
	r.t.Helper()
	if err != nil {
		r.t.Fatalf("real gateway: %s: %v", fmt.Sprintf(what, args...), err)
	}
}

func (r *realPlatform) nsOrDefault(namespace string) string {
	if namespace == "" {
		return ns
	}
	return namespace
}

func (r *realPlatform) URL() string                  { return r.gw.Config().URL }
func (r *realPlatform) Sim() (*simPlatform, bool)    { return nil, false }
func (r *realPlatform) Backend() openfaassim.Backend { return openfaassim.Backend(r.env.info.Backend) }
func (r *realPlatform) Edition() openfaassim.Edition { return openfaassim.Edition(r.env.info.Edition) }
func (r *realPlatform) Name(base string) string      { return r.prefix + base }
func (r *realPlatform) Image(string) string          { return r.gw.Config().Image }
func (r *realPlatform) AltImage(string) string       { return r.gw.Config().AltImage }
func (r *realPlatform) ExtraNamespace() string       { return r.gw.Config().ExtraNamespace }

func (r *realPlatform) PutSecret(namespace, name, value string) {
	r.t.Helper()
	ctx, cancel := r.gw.Context()
	defer cancel()
	r.must(r.gw.PutSecret(ctx, r.nsOrDefault(namespace), name, value), "creating secret %s", name)
}

func (r *realPlatform) GetFunction(namespace, name string) (openfaassim.Function, bool) {
	r.t.Helper()
	ctx, cancel := r.gw.Context()
	defer cancel()
	st, err := r.gw.Function(ctx, r.nsOrDefault(namespace), name)
	if errors.Is(err, openfaastest.ErrNotFound) {
		return openfaassim.Function{}, false
	}
	r.must(err, "reading function %s", name)
	return simFunction(st), true
}

func (r *realPlatform) Functions(namespace string) []openfaassim.Function {
	r.t.Helper()
	ctx, cancel := r.gw.Context()
	defer cancel()
	list, err := r.gw.Functions(ctx, r.nsOrDefault(namespace))
	r.must(err, "listing functions")
	out := []openfaassim.Function{}
	for _, st := range list {
		if strings.HasPrefix(st.Name, r.prefix) {
			out = append(out, simFunction(st))
		}
	}
	return out
}

func (r *realPlatform) ModifyFunction(namespace, name string, mutate func(*openfaassim.Function)) bool {
	r.t.Helper()
	namespace = r.nsOrDefault(namespace)
	ctx, cancel := r.gw.Context()
	defer cancel()
	st, err := r.gw.Function(ctx, namespace, name)
	if errors.Is(err, openfaastest.ErrNotFound) {
		return false
	}
	r.must(err, "reading function %s", name)
	fn := simFunction(st)
	mutate(&fn)
	fn.Service, fn.Namespace = st.Name, namespace
	r.must(r.gw.Update(ctx, deployment(fn)), "changing function %s", name)
	r.must(r.gw.WaitReady(ctx, namespace, name), "waiting for function %s after changing it", name)
	return true
}

func (r *realPlatform) PutFunction(fn openfaassim.Function) {
	r.t.Helper()
	fn.Namespace = r.nsOrDefault(fn.Namespace)
	ctx, cancel := r.gw.Context()
	defer cancel()
	r.must(r.gw.Deploy(ctx, deployment(fn)), "deploying function %s", fn.Service)
	r.must(r.gw.WaitReady(ctx, fn.Namespace, fn.Service), "waiting for function %s", fn.Service)
}

func (r *realPlatform) DeleteFunction(namespace, name string) bool {
	r.t.Helper()
	ctx, cancel := r.gw.Context()
	defer cancel()
	existed, err := r.gw.DeleteFunction(ctx, r.nsOrDefault(namespace), name)
	r.must(err, "deleting function %s", name)
	return existed
}

func (r *realPlatform) DeleteSecret(namespace, name string) bool {
	r.t.Helper()
	ctx, cancel := r.gw.Context()
	defer cancel()
	existed, err := r.gw.DeleteSecret(ctx, r.nsOrDefault(namespace), name)
	r.must(err, "deleting secret %s", name)
	return existed
}

func (r *realPlatform) SecretExists(namespace, name string) bool {
	r.t.Helper()
	ctx, cancel := r.gw.Context()
	defer cancel()
	names, err := r.gw.Secrets(ctx, r.nsOrDefault(namespace))
	r.must(err, "listing secrets")
	return slices.Contains(names, name)
}

func (r *realPlatform) NothingWritten() error {
	ctx, cancel := r.gw.Context()
	defer cancel()
	found, err := r.gw.Clean(ctx, r.prefix, r.gw.Config().Namespaces(), true)
	if err != nil {
		return err
	}
	if len(found.Functions)+len(found.Secrets) > 0 {
		return fmt.Errorf("the gateway holds this test's functions %v and secrets %v, although nothing should have been written", found.Functions, found.Secrets)
	}
	return nil
}

// simFunction is a function read from a real gateway in the simulator's terms.
func simFunction(st openfaastest.Status) openfaassim.Function {
	d := openfaastest.Redeployable(st)
	fn := openfaassim.Function{
		Service: d.Service, Namespace: d.Namespace, Image: d.Image, EnvProcess: d.EnvProcess, EnvVars: d.EnvVars,
		Labels: d.Labels, Annotations: d.Annotations, Constraints: d.Constraints, Secrets: d.Secrets,
		ReadOnlyRootFilesystem: d.ReadOnlyRootFilesystem, Replicas: st.Replicas, AvailableReplicas: st.AvailableReplicas,
	}
	if d.Limits != nil {
		fn.Limits = &openfaassim.FunctionResources{Memory: d.Limits.Memory, CPU: d.Limits.CPU}
	}
	if d.Requests != nil {
		fn.Requests = &openfaassim.FunctionResources{Memory: d.Requests.Memory, CPU: d.Requests.CPU}
	}
	return fn
}

// deployment is the request that deploys fn on a real gateway.
func deployment(fn openfaassim.Function) openfaastest.Deployment {
	d := openfaastest.Deployment{
		Service: fn.Service, Namespace: fn.Namespace, Image: fn.Image, EnvProcess: fn.EnvProcess, EnvVars: fn.EnvVars,
		Labels: fn.Labels, Annotations: fn.Annotations, Constraints: fn.Constraints, Secrets: fn.Secrets,
		ReadOnlyRootFilesystem: fn.ReadOnlyRootFilesystem,
	}
	if fn.Limits != nil {
		d.Limits = &openfaastest.Resources{Memory: fn.Limits.Memory, CPU: fn.Limits.CPU}
	}
	if fn.Requests != nil {
		d.Requests = &openfaastest.Resources{Memory: fn.Requests.Memory, CPU: fn.Requests.CPU}
	}
	return d
}

// ---- faults through a proxy ---------------------------------------------------

// faultProxied is a platform that the provider reaches through a fault-injecting
// reverse proxy (internal/faultproxy): the provider blocks of providerBlock point at the
// proxy, whose faults the test sets, while the test's own out-of-band reads and writes
// go to the platform directly. The same fault test therefore runs against the simulator
// and against a real gateway.
type faultProxied struct {
	openfaasPlatform
	proxy *faultproxy.Proxy
}

// withFaults starts a fault-injecting proxy in front of p, for one test. In front of a
// real HTTPS gateway it trusts the gateway's CA (or skips verification as the gateway's
// settings say); the provider talks plain HTTP to the proxy on 127.0.0.1.
func withFaults(t *testing.T, p openfaasPlatform) *faultProxied {
	t.Helper()
	opts := faultproxy.Options{Backend: p.URL(), Answers: openfaassim.FaultAnswers()}
	if r, ok := p.(*realPlatform); ok {
		cfg := r.gw.Config()
		opts.BackendCAPEM, opts.InsecureSkipVerify = []byte(cfg.CACertPEM), cfg.Insecure
	}
	fp, err := faultproxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	fp.Start(false)
	t.Cleanup(fp.Close)
	return &faultProxied{openfaasPlatform: p, proxy: fp}
}

// URL is the proxy's: the provider's gateway_url.
func (f *faultProxied) URL() string { return f.proxy.URL() }

// SetFaults replaces the proxy's faults.
func (f *faultProxied) SetFaults(faults simcore.Faults) { f.proxy.SetFaults(faults) }

// ClearFaults removes the proxy's faults.
func (f *faultProxied) ClearFaults() { f.proxy.ClearFaults() }

// Requests is the proxy's request log: what the provider sent.
func (f *faultProxied) Requests() []simcore.Request { return f.proxy.Requests() }

// ---- shared helpers -----------------------------------------------------------

// TestMain hands a real gateway's credentials to the provider through the
// environment (OPENFAAS_USERNAME and OPENFAAS_PASSWORD, or OPENFAAS_TOKEN), so that
// they are never written into a test's configuration, where a diagnostic could quote
// them.
func TestMain(m *testing.M) {
	if cfg, ok, err := openfaastest.ConfigFromEnv(); ok && err == nil {
		for k, v := range map[string]string{"OPENFAAS_USERNAME": cfg.Username, "OPENFAAS_PASSWORD": cfg.Password, "OPENFAAS_TOKEN": cfg.Token} {
			if err := os.Setenv(k, v); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
	}
	os.Exit(m.Run())
}

// providerBlock configures the provider for p; extra goes inside the openfaas block. On
// a real gateway the credentials come from the environment (see TestMain).
func providerBlock(p openfaasPlatform, extra string) string {
	if _, ok := p.Sim(); ok {
		return fmt.Sprintf(`
provider "faas" {
  max_retries = 6
  openfaas {
    gateway_url = %q
    username    = %q
    password    = %q
    %s
  }
}
`, p.URL(), testUser, testPassword, extra)
	}
	return fmt.Sprintf(`
provider "faas" {
  max_retries = 6
  openfaas {
    gateway_url = %q
    %s
    %s
  }
}
`, p.URL(), connectionSettings(p), extra)
}

// connectionSettings are the openfaas block's settings, beyond the URL and the
// credentials, that reaching p needs: none for the simulator; for a real gateway its
// namespace when it is not openfaas-fn, and its TLS settings.
func connectionSettings(p openfaasPlatform) string {
	proxied := false
	if f, ok := p.(*faultProxied); ok {
		// The proxy serves plain HTTP: only the namespace applies.
		p, proxied = f.openfaasPlatform, true
	}
	r, ok := p.(*realPlatform)
	if !ok {
		return ""
	}
	cfg := r.gw.Config()
	var b strings.Builder
	if cfg.Namespace != openfaastest.DefaultNamespace {
		fmt.Fprintf(&b, "\n    namespace = %q", cfg.Namespace)
	}
	if proxied {
		return b.String() + "\n  "
	}
	if cfg.CACertPEM != "" {
		fmt.Fprintf(&b, "\n    ca_cert_pem = %q", cfg.CACertPEM)
	}
	if cfg.Insecure {
		b.WriteString("\n    insecure_skip_verify = true")
	}
	return b.String() + "\n  "
}

// expectNoWrites fails when the platform received a write (see NothingWritten):
// plan-time errors must never reach the platform.
func expectNoWrites(p openfaasPlatform) func() error {
	return p.NothingWritten
}

// TestAccOpenFaaS_platform says which OpenFaaS platform the acceptance tests use. Without
// FAAS_TEST_OPENFAAS_URL it skips, saying that they run against the simulator; with a
// real gateway it logs the backend and edition detected, and makes each out-of-band
// operation the other tests rely on once (deploy, read, change, list, delete a
// function; create, find, delete a secret), so that a wrong setting shows here first.
func TestAccOpenFaaS_platform(t *testing.T) {
	if !realMode() {
		t.Skipf("%s is not set: the OpenFaaS acceptance tests run against the in-process simulator (see the README to run them against a real gateway)", openfaastest.EnvURL)
	}
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	name := p.Name("probe")
	p.PutFunction(openfaassim.Function{Service: name, Image: p.Image(""), EnvProcess: "cat", Labels: map[string]string{"step": "1"}})
	if fn, ok := p.GetFunction(ns, name); !ok || fn.Image != p.Image("") || fn.Labels["step"] != "1" || fn.EnvProcess != "cat" {
		t.Fatalf("read back %+v (found %v)", fn, ok)
	}
	if !p.ModifyFunction(ns, name, func(f *openfaassim.Function) { f.Labels["step"] = "2"; f.Image = p.AltImage("") }) {
		t.Fatal("the function to change is missing")
	}
	if fn, _ := p.GetFunction(ns, name); fn.Labels["step"] != "2" || fn.Image != p.AltImage("") || fn.AvailableReplicas < 1 {
		t.Fatalf("after the change: %+v", fn)
	}
	if fns := p.Functions(ns); len(fns) != 1 || fns[0].Service != name {
		t.Fatalf("this test's functions: %+v", fns)
	}
	if err := p.NothingWritten(); err == nil {
		t.Fatal("NothingWritten does not see the test's function")
	}
	if !p.DeleteFunction(ns, name) || p.DeleteFunction(ns, name) {
		t.Fatal("delete, then delete again: want true, then false")
	}
	p.PutSecret(ns, p.Name("probe-secret"), "v")
	if !p.SecretExists(ns, p.Name("probe-secret")) || !p.DeleteSecret(ns, p.Name("probe-secret")) || p.SecretExists(ns, p.Name("probe-secret")) {
		t.Fatal("the secret was not created, found and deleted")
	}
	if err := p.NothingWritten(); err != nil {
		t.Fatal(err)
	}
}
