package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/faasform/terraform-provider-faas/internal/driver/knative"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest/memdriver"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// The neutral acceptance suite: the tests in this file are written once, in the neutral
// resources' terms, and run with the real terraform binary on every platform in
// suitePlatforms, each as a subtest named after the platform. A platform added to that
// list (DESIGN.md section 11.1) inherits the whole suite; what a platform does not
// support (its driver's capabilities) is left out of its run, not failed. The
// per-platform tests elsewhere in this package keep what is specific to a platform: the
// wire shapes a write produces, the keys it owns, its faults and its own settings.
//
// Where each subtest runs in make test: the OpenFaaS one on the real faas-netes
// Community Edition (scripts/testacc-openfaas-real.sh), the Knative one on the real
// Knative (scripts/testacc-knative-real.sh, through testdata/knative-real-run.txt), the
// memfake one in the in-process run (FAAS_TEST_SIMULATOR_ONLY). make testacc runs all
// three in-process.

// suitePlatform is one platform the neutral suite runs on: how to configure the
// provider for it, and the few operations a test makes behind Terraform's back. Reads
// that check what a step did go through a fresh driver of the platform (driver), the
// code the driver contract (internal/platformtest) holds to the platform; function
// drift and deletes go to the platform's own API, as another tool would make them.
type suitePlatform struct {
	// providers are the provider factories that know the platform's block.
	providers map[string]func() (tfprotov6.ProviderServer, error)
	// block is the provider block configuring the provider for the platform.
	block string
	// namespace is where the suite's functions and secrets go (the block's default).
	namespace string
	// name returns the name of the function or secret a test calls base: unique to the
	// test on a shared real platform.
	name func(base string) string
	// image and altImage are two images the platform runs, for a create and an update.
	image, altImage string
	// driver returns a new driver for the platform, for reads and capabilities: a new one
	// each time, since a driver answers from its read cache until it writes.
	driver func(t *testing.T) platform.Driver
	// setImage changes a function's image behind Terraform's back, through the platform's
	// API, and returns once the platform holds the change.
	setImage func(t *testing.T, name, image string)
	// deleteFunction deletes a function behind Terraform's back and returns once it is gone.
	deleteFunction func(t *testing.T, name string)
	// prepareRoute and prepareTopic put in place, outside Terraform, what a route to host
	// or a topic trigger needs on the platform besides its function, as its operators
	// would (Knative: a ClusterDomainClaim for host; the Broker default). nil: nothing.
	prepareRoute func(t *testing.T, host string)
	prepareTopic func(t *testing.T)
}

// suitePlatforms lists the platforms of the neutral suite, each by the subtest name it
// runs under, how to open it for a test (which may skip, saying why), and which run of
// make test runs its part against the real platform (its script's LABEL; the in-process
// run, FAAS_TEST_SIMULATOR_ONLY, then leaves it to that run), "" when the in-process run
// is where it runs. A new platform is one entry here.
var suitePlatforms = []struct {
	name      string
	open      func(t *testing.T) *suitePlatform
	coveredBy string
}{
	{"openfaas", openfaasSuitePlatform, "testacc-openfaas-real"},
	{"knative", knativeSuitePlatform, "testacc-knative-real"},
	{"memfake", memfakeSuitePlatform, ""},
}

// forEachPlatform runs test once per suite platform, each as a subtest, on the
// platforms whose driver lists every feature in needs; on the others the subtest skips,
// naming the feature. The capability check comes before the in-process run leaves a
// subtest to a real run, so that a run is never handed a subtest it would skip.
func forEachPlatform(t *testing.T, needs []platform.Feature, test func(t *testing.T, sp *suitePlatform)) {
	for _, p := range suitePlatforms {
		t.Run(p.name, func(t *testing.T) {
			sp := p.open(t)
			for _, f := range needs {
				if !sp.has(t, f) {
					t.Skipf("the platform does not support %s (its driver's capabilities)", f)
				}
			}
			if p.coveredBy != "" && simulatorOnly() && !realMode() && !knativeRealMode() {
				skipCovered(t, p.coveredBy)
			}
			test(t, sp)
		})
	}
}

// openfaasSuitePlatform opens OpenFaaS: the in-process simulator, or the real gateway of
// FAAS_TEST_OPENFAAS_URL (the Community Edition's settings suffice for the suite).
func openfaasSuitePlatform(t *testing.T) *suitePlatform {
	if knativeRealMode() {
		t.Skip("the OpenFaaS runs of make test run this platform's part of the suite")
	}
	// simulatorToo: forEachPlatform leaves the subtest to the real run itself.
	p := newPlatform(t, openfaassim.Options{ReadyAfterPolls: 1}, anyBackend, simulatorToo)
	return &suitePlatform{
		providers: testAccProviders,
		block:     providerBlock(p, ""),
		namespace: ns,
		name:      p.Name,
		image:     p.Image("ghcr.io/acme/hello:1.0"),
		altImage:  p.AltImage("ghcr.io/acme/hello:1.1"),
		driver:    func(t *testing.T) platform.Driver { return driverFor(t, p) },
		setImage: func(t *testing.T, name, image string) {
			if !p.ModifyFunction(ns, name, func(f *openfaassim.Function) { f.Image = image }) {
				t.Fatalf("function %s/%s is not on the platform", ns, name)
			}
		},
		deleteFunction: func(t *testing.T, name string) {
			if !p.DeleteFunction(ns, name) {
				t.Fatalf("function %s/%s is not on the platform", ns, name)
			}
		},
	}
}

// knativeSuitePlatform opens Knative: the Kubernetes simulator, or the real cluster of
// FAAS_TEST_KUBECONFIG, in the namespace default.
func knativeSuitePlatform(t *testing.T) *suitePlatform {
	if realMode() {
		t.Skip("the in-process and real-Knative runs of make test run this platform's part of the suite")
	}
	c := openKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	const namespace = "default"
	return &suitePlatform{
		providers: testAccProviders,
		block:     c.ProviderBlock(`namespace = "default"`),
		namespace: namespace,
		// The real run shares one cluster and namespace between tests, one at a time:
		// each suite test names its functions differently from every other test, and
		// the run fails when a test leaves a Service behind.
		name:     func(base string) string { return "suite-" + base },
		image:    "ghcr.io/acme/hello:1.0",
		altImage: "ghcr.io/acme/hello:1.1",
		driver: func(t *testing.T) platform.Driver {
			kc, err := c.Kubeconfig()
			if err != nil {
				t.Fatal(err)
			}
			rc, err := clientcmd.RESTConfigFromKubeConfig(kc)
			if err != nil {
				t.Fatal(err)
			}
			d, err := knative.New(knative.Config{RESTConfig: rc, Namespace: namespace, UserAgent: "faas-suite-test", MaxRetries: 6})
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		setImage: func(t *testing.T, name, image string) {
			if err := c.Modify(k8ssim.ServicesGVR, namespace, name, func(u *unstructured.Unstructured) {
				cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
				c0, _ := cs[0].(map[string]any)
				_ = unstructured.SetNestedField(c0, image, "image")
				_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
			}); err != nil {
				t.Fatal(err)
			}
		},
		deleteFunction: func(t *testing.T, name string) {
			if !c.Delete(k8ssim.ServicesGVR, namespace, name) {
				t.Fatalf("Service %s/%s is not on the cluster", namespace, name)
			}
		},
		prepareRoute: func(t *testing.T, host string) { putDomainClaim(t, c, host) },
		prepareTopic: func(t *testing.T) { putBroker(t, c, "default") },
	}
}

// memfakeSuitePlatform opens the in-memory third platform, a store of the test's own.
func memfakeSuitePlatform(t *testing.T) *suitePlatform {
	if realMode() || knativeRealMode() {
		t.Skip("the in-process run of make test runs the in-memory platform's part of the suite")
	}
	storeName := "tfacc-" + t.Name()
	store := memdriver.Open(storeName)
	id := func(name string) platform.FunctionID {
		return platform.FunctionID{Namespace: memdriver.DefaultNamespace, Name: name}
	}
	return &suitePlatform{
		providers: testAccMemfakeProviders,
		block:     fmt.Sprintf("provider \"faas\" {\n  memfake {\n    store = %q\n  }\n}\n", storeName),
		namespace: memdriver.DefaultNamespace,
		name:      func(base string) string { return base },
		image:     "ghcr.io/acme/hello:1.0",
		altImage:  "ghcr.io/acme/hello:1.1",
		driver:    func(*testing.T) platform.Driver { return memdriver.New(store, "") },
		setImage: func(t *testing.T, name, image string) {
			if !store.ModifyFunction(id(name), func(fn *platform.Function) { fn.Image = image }) {
				t.Fatalf("function %s is not in the store", id(name))
			}
		},
		deleteFunction: func(t *testing.T, name string) {
			if _, ok := store.Function(id(name)); !ok {
				t.Fatalf("function %s is not in the store", id(name))
			}
			store.DeleteFunction(id(name))
		},
	}
}

// testAccMemfakeProviders is the provider with the fake memfake platform as a third
// block. The append is the one line that registers a platform (DESIGN.md section 11).
var testAccMemfakeProviders = map[string]func() (tfprotov6.ProviderServer, error){
	"faas": providerserver.NewProtocol6WithError(newProvider("test", append(defaultBlocks(), memdriver.Block()))),
}

// sub returns a new driver of the platform as S (platform.ScalingDriver and the like),
// and fails the test when the driver is not one.
func sub[S any](t *testing.T, sp *suitePlatform) S {
	d, ok := sp.driver(t).(S)
	if !ok {
		t.Fatalf("the platform's driver does not implement %T", (*S)(nil))
	}
	return d
}

// ctx is a bounded context for one out-of-band read.
func (sp *suitePlatform) ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// has reports whether the platform supports feature (such as
// platform.FeatureScalingPolicy), as its driver says.
func (sp *suitePlatform) has(t *testing.T, feature platform.Feature) bool {
	info, err := sp.driver(t).Info(sp.ctx(t))
	if err != nil {
		t.Fatalf("platform info: %v", err)
	}
	return info.Capabilities.Has(feature)
}

// id is the function id of name in the suite's namespace.
func (sp *suitePlatform) id(name string) platform.FunctionID {
	return platform.FunctionID{Namespace: sp.namespace, Name: name}
}

// function reads a function as the platform holds it; false when it does not exist.
func (sp *suitePlatform) function(t *testing.T, name string) (*platform.Function, bool) {
	fn, err := sp.driver(t).ReadFunction(sp.ctx(t), sp.id(name))
	if errors.Is(err, platform.ErrNotFound) {
		return nil, false
	}
	if err != nil {
		t.Fatalf("reading function %s: %v", sp.id(name), err)
	}
	return fn, true
}

// checkFunction checks the function name as the platform holds it.
func (sp *suitePlatform) checkFunction(t *testing.T, name string, check func(fn *platform.Function) error) func(*terraform.State) error {
	return func(*terraform.State) error {
		fn, ok := sp.function(t, name)
		if !ok {
			return fmt.Errorf("function %s is not on the platform", sp.id(name))
		}
		return check(fn)
	}
}

// checkGone fails when one of names is still a function on the platform.
func (sp *suitePlatform) checkGone(t *testing.T, names ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		for _, n := range names {
			if _, ok := sp.function(t, n); ok {
				return fmt.Errorf("function %s is still on the platform", sp.id(n))
			}
		}
		return nil
	}
}

// wantImageAndMode checks a function's image and its MODE environment variable.
func wantImageAndMode(image, mode string) func(fn *platform.Function) error {
	return func(fn *platform.Function) error {
		if fn.Image != image || fn.Env["MODE"] != mode {
			return fmt.Errorf("function holds image %q and MODE %q, want %q and %q", fn.Image, fn.Env["MODE"], image, mode)
		}
		return nil
	}
}

// suiteFunction is a function every platform of the suite runs. Its label suite, the
// function's name, tells it from other tests' functions on a shared platform. Its CPU
// limit is one the platforms store in another spelling (500m): the import steps verify
// that the user's spelling is read back.
func suiteFunction(name, image, mode, extra string) string {
	return fmt.Sprintf(`
resource "faas_function" "f" {
  name   = %[1]q
  image  = %[2]q
  env    = { MODE = %[3]q }
  labels = { team = "payments", suite = %[1]q }
  limits = {
    cpu    = "0.5"
    memory = "128Mi"
  }
  timeout = "30s"
%[4]s}
`, name, image, mode, extra)
}

// TestAccSuite_functionLifecycle: on every platform, a function is created and ready,
// the plan after apply is empty, an update is in place, an image changed behind
// Terraform's back is planned back, import (by id, and an import block by name) verifies
// every attribute, a function deleted behind Terraform's back is created again, a
// rename replaces, bad input fails at plan writing nothing, and destroy leaves nothing.
func TestAccSuite_functionLifecycle(t *testing.T) {
	forEachPlatform(t, nil, func(t *testing.T, sp *suitePlatform) {
		hello, renamed := sp.name("hello"), sp.name("hello-v2")
		cfg := func(name, image, mode string) string { return sp.block + suiteFunction(name, image, mode, "") }
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy:             sp.checkGone(t, hello, renamed),
			Steps: []resource.TestStep{
				{
					Config: cfg(hello, sp.image, "prod"),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact(sp.id(hello).String())),
						statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("namespace"), knownvalue.StringExact(sp.namespace)),
						statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("invoke_url"), knownvalue.NotNull()),
					},
					Check: sp.checkFunction(t, hello, wantImageAndMode(sp.image, "prod")),
				},
				{
					Config: cfg(hello, sp.image, "prod"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{
					// Update in place.
					Config: cfg(hello, sp.altImage, "staging"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					}},
					Check: sp.checkFunction(t, hello, wantImageAndMode(sp.altImage, "staging")),
				},
				{
					// Bad input fails at plan, on the attribute; the plan after it is still
					// empty, so nothing was written.
					Config:      sp.block + `resource "faas_function" "f" {` + fmt.Sprintf("\n  name = %q\n  image = %q\n  limits = { memory = \"lots\" }\n}\n", hello, sp.altImage),
					ExpectError: regexp.MustCompile(`(?s)limits.*memory.*lots`),
				},
				{
					Config:   cfg(hello, sp.altImage, "staging"),
					PlanOnly: true,
				},
				{
					// Drift: the image changed behind Terraform's back (to the other image the
					// platform runs: the real OpenFaaS CE refuses images it cannot check) is
					// planned back.
					PreConfig: func() { sp.setImage(t, hello, sp.image) },
					Config:    cfg(hello, sp.altImage, "staging"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(sp.altImage)),
					}},
					Check: sp.checkFunction(t, hello, wantImageAndMode(sp.altImage, "staging")),
				},
				{
					ResourceName:      "faas_function.f",
					ImportState:       true,
					ImportStateId:     sp.id(hello).String(),
					ImportStateVerify: true,
				},
				{
					// An import block by name alone: the provider's default namespace.
					ResourceName:    "faas_function.f",
					ImportState:     true,
					ImportStateKind: resource.ImportBlockWithID,
					ImportStateId:   hello,
				},
				{
					// Deleted behind Terraform's back: refresh drops it, the plan creates it.
					PreConfig: func() { sp.deleteFunction(t, hello) },
					Config:    cfg(hello, sp.altImage, "staging"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
					}},
					Check: sp.checkFunction(t, hello, wantImageAndMode(sp.altImage, "staging")),
				},
				{
					// A rename replaces: the old function goes before the new one is created.
					Config: cfg(renamed, sp.altImage, "staging"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionDestroyBeforeCreate),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(
						sp.checkGone(t, hello),
						sp.checkFunction(t, renamed, wantImageAndMode(sp.altImage, "staging")),
					),
				},
			},
		})
	})
}

// TestAccSuite_secretLifecycle: on every platform with secrets, a secret and a function
// that mounts it are created, a new value without a new version is not sent, a new
// version updates in place, import verifies, a secret deleted behind Terraform's back is
// created again, and destroy leaves nothing.
func TestAccSuite_secretLifecycle(t *testing.T) {
	forEachPlatform(t, []platform.Feature{platform.FeatureSecret, platform.FeatureFunctionSecrets}, func(t *testing.T, sp *suitePlatform) {
		secret, fn := sp.name("api-key"), sp.name("uses-secret")
		cfg := func(value string, version int) string {
			return sp.block + fmt.Sprintf(`
resource "faas_secret" "s" {
  name             = %q
  value_wo         = %q
  value_wo_version = %d
}
`, secret, value, version) + suiteFunction(fn, sp.image, "prod", "  secrets = [faas_secret.s.name]\n")
		}
		exists := func(want bool) func(*terraform.State) error {
			return func(*terraform.State) error {
				ok, err := sub[platform.SecretDriver](t, sp).SecretExists(sp.ctx(t), sp.namespace, secret)
				if err != nil || ok != want {
					return fmt.Errorf("secret %s exists: %v (%v), want %v", secret, ok, err, want)
				}
				return nil
			}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy:             resource.ComposeAggregateTestCheckFunc(exists(false), sp.checkGone(t, fn)),
			Steps: []resource.TestStep{
				{
					Config: cfg("first", 1),
					Check: resource.ComposeAggregateTestCheckFunc(
						exists(true),
						resource.TestCheckResourceAttr("faas_secret.s", "id", sp.namespace+"/"+secret),
						resource.TestCheckNoResourceAttr("faas_secret.s", "value_wo"),
						sp.checkFunction(t, fn, func(f *platform.Function) error {
							if !slices.Equal(f.Secrets, []string{secret}) {
								return fmt.Errorf("function mounts %v, want [%s]", f.Secrets, secret)
							}
							return nil
						}),
					),
				},
				{
					// Write-only values are not compared: without a new version nothing is sent.
					Config: cfg("second", 1),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
					}},
				},
				{
					Config: cfg("second", 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_secret.s", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					}},
					Check: exists(true),
				},
				{
					ResourceName:            "faas_secret.s",
					ImportState:             true,
					ImportStateId:           sp.namespace + "/" + secret,
					ImportStateVerify:       true,
					ImportStateVerifyIgnore: []string{"value_wo_version"},
				},
				{
					PreConfig: func() {
						if err := sub[platform.SecretDriver](t, sp).DeleteSecret(sp.ctx(t), sp.namespace, secret); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg("second", 2),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_secret.s", plancheck.ResourceActionCreate),
					}},
					Check: exists(true),
				},
			},
		})
	})
}

// TestAccSuite_scalingPolicyLifecycle: on every platform with scaling policies, a
// policy is created on a function, updated in place without touching the function,
// imported, planned back after another writer changed it, and removed without removing
// the function.
func TestAccSuite_scalingPolicyLifecycle(t *testing.T) {
	forEachPlatform(t, []platform.Feature{platform.FeatureScalingPolicy}, func(t *testing.T, sp *suitePlatform) {
		fn := sp.name("scaled")
		cfg := func(minReplicas, maxReplicas int) string {
			return sp.block + suiteFunction(fn, sp.image, "prod", "") + fmt.Sprintf(`
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = %d
  max_replicas = %d
}
`, minReplicas, maxReplicas)
		}
		read := func() (*platform.ScalingPolicy, error) {
			return sub[platform.ScalingDriver](t, sp).ReadScalingPolicy(sp.ctx(t), sp.id(fn))
		}
		want := func(minReplicas, maxReplicas int64) func(*terraform.State) error {
			return func(*terraform.State) error {
				p, err := read()
				if err != nil {
					return fmt.Errorf("reading the policy: %w", err)
				}
				if p.MinReplicas == nil || *p.MinReplicas != minReplicas || p.MaxReplicas == nil || *p.MaxReplicas != maxReplicas {
					return fmt.Errorf("the platform holds min %v max %v, want %d and %d", deref(p.MinReplicas), deref(p.MaxReplicas), minReplicas, maxReplicas)
				}
				return nil
			}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy:             sp.checkGone(t, fn),
			Steps: []resource.TestStep{
				{
					Config: cfg(1, 4),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("faas_scaling_policy.p", tfjsonpath.New("id"), knownvalue.StringExact(sp.id(fn).String())),
					},
					Check: resource.ComposeAggregateTestCheckFunc(want(1, 4), sp.checkFunction(t, fn, wantImageAndMode(sp.image, "prod"))),
				},
				{
					Config: cfg(2, 5),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					}},
					Check: want(2, 5),
				},
				{
					ResourceName:      "faas_scaling_policy.p",
					ImportState:       true,
					ImportStateVerify: true,
				},
				{
					// Another writer lowers max: the plan puts it back.
					PreConfig: func() {
						p, err := read()
						if err != nil {
							t.Fatal(err)
						}
						three := int64(3)
						p.MaxReplicas = &three
						if _, err := sub[platform.ScalingDriver](t, sp).ApplyScalingPolicy(sp.ctx(t), p, false); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg(2, 5),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					}},
					Check: want(2, 5),
				},
				{
					// Removing the policy leaves the function as it was.
					Config: sp.block + suiteFunction(fn, sp.image, "prod", ""),
					Check: resource.ComposeAggregateTestCheckFunc(
						sp.checkFunction(t, fn, wantImageAndMode(sp.image, "prod")),
						func(*terraform.State) error {
							p, err := read()
							switch {
							case err == nil:
								return fmt.Errorf("after the policy's destroy the platform holds min %v max %v, want no policy", deref(p.MinReplicas), deref(p.MaxReplicas))
							case !errors.Is(err, platform.ErrNotFound):
								return fmt.Errorf("reading the policy after its destroy: %w", err)
							}
							return nil
						},
					),
				},
			},
		})
	})
}

// deref renders an optional count for a message.
func deref(n *int64) any {
	if n == nil {
		return nil
	}
	return *n
}

// TestAccSuite_cronTriggerLifecycle: on every platform with cron triggers, a trigger is
// created, its schedule updated in place, imported, created again after it was deleted
// behind Terraform's back, and destroyed with its function.
func TestAccSuite_cronTriggerLifecycle(t *testing.T) {
	forEachPlatform(t, []platform.Feature{platform.FeatureTriggerCron}, func(t *testing.T, sp *suitePlatform) {
		fn := sp.name("ticker")
		cfg := func(schedule string) string {
			return sp.block + suiteFunction(fn, sp.image, "prod", "") + fmt.Sprintf(`
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = %q
}
`, schedule)
		}
		var id string
		want := func(schedule string) func(*terraform.State) error {
			return sp.checkTrigger(t, &id, platform.Trigger{Function: sp.id(fn), Type: platform.TriggerCron, Schedule: schedule})
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy:             resource.ComposeAggregateTestCheckFunc(sp.checkGone(t, fn), sp.checkTriggerGone(t, &id)),
			Steps: []resource.TestStep{
				{Config: cfg("*/5 * * * *"), Check: want("*/5 * * * *")},
				{
					Config: cfg("0 * * * *"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					}},
					Check: want("0 * * * *"),
				},
				{
					ResourceName:      "faas_trigger.t",
					ImportState:       true,
					ImportStateVerify: true,
				},
				{
					PreConfig: func() { sp.deleteTrigger(t, id) },
					Config:    cfg("0 * * * *"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionCreate),
					}},
					Check: want("0 * * * *"),
				},
			},
		})
	})
}

// checkTrigger records the id of faas_trigger.t from the state in *id and checks that
// the platform holds the trigger want describes (its function, type, schedule and topic).
func (sp *suitePlatform) checkTrigger(t *testing.T, id *string, want platform.Trigger) func(*terraform.State) error {
	return func(s *terraform.State) error {
		*id = s.RootModule().Resources["faas_trigger.t"].Primary.ID
		tr, err := sub[platform.TriggerDriver](t, sp).ReadTrigger(sp.ctx(t), *id)
		if err != nil {
			return fmt.Errorf("reading trigger %s: %w", *id, err)
		}
		if tr.Function != want.Function || tr.Type != want.Type || tr.Schedule != want.Schedule || tr.Topic != want.Topic {
			return fmt.Errorf("the platform holds %+v, want a %s trigger of %s on %q", tr, want.Type, want.Function, want.Schedule+want.Topic)
		}
		return nil
	}
}

// checkTriggerGone fails when the trigger *id is still on the platform.
func (sp *suitePlatform) checkTriggerGone(t *testing.T, id *string) func(*terraform.State) error {
	return func(*terraform.State) error {
		tr, err := sub[platform.TriggerDriver](t, sp).ReadTrigger(sp.ctx(t), *id)
		switch {
		case err == nil:
			return fmt.Errorf("after destroy the platform holds trigger %+v", tr)
		case !errors.Is(err, platform.ErrNotFound):
			return fmt.Errorf("reading trigger %s after destroy: %w", *id, err)
		}
		return nil
	}
}

// deleteTrigger deletes the trigger id behind Terraform's back.
func (sp *suitePlatform) deleteTrigger(t *testing.T, id string) {
	d := sub[platform.TriggerDriver](t, sp)
	tr, err := d.ReadTrigger(sp.ctx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteTrigger(sp.ctx(t), tr); err != nil {
		t.Fatal(err)
	}
}

// TestAccSuite_dataSources: on every platform, data.faas_function reads a function
// Terraform created as the resource holds it, data.faas_functions lists it, and
// data.faas_platform names the platform with the capabilities its driver reports.
func TestAccSuite_dataSources(t *testing.T) {
	forEachPlatform(t, nil, func(t *testing.T, sp *suitePlatform) {
		fn := sp.name("read-me")
		info, err := sp.driver(t).Info(sp.ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		caps := make([]knownvalue.Check, 0, len(info.Capabilities.Supported))
		for _, c := range slices.Sorted(slices.Values(info.Capabilities.Supported)) {
			caps = append(caps, knownvalue.StringExact(c.String()))
		}
		config := sp.block + suiteFunction(fn, sp.image, "prod", "") + `
data "faas_function" "one" {
  name = faas_function.f.name
}

data "faas_functions" "all" {
  labels     = { suite = faas_function.f.name }
  depends_on = [faas_function.f]
}

data "faas_platform" "p" {}
`
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy:             sp.checkGone(t, fn),
			Steps: []resource.TestStep{{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.faas_function.one", tfjsonpath.New("id"), knownvalue.StringExact(sp.id(fn).String())),
					statecheck.ExpectKnownValue("data.faas_function.one", tfjsonpath.New("image"), knownvalue.StringExact(sp.image)),
					statecheck.ExpectKnownValue("data.faas_function.one", tfjsonpath.New("env"), knownvalue.MapExact(map[string]knownvalue.Check{"MODE": knownvalue.StringExact("prod")})),
					statecheck.ExpectKnownValue("data.faas_function.one", tfjsonpath.New("labels"), knownvalue.MapExact(map[string]knownvalue.Check{
						"team": knownvalue.StringExact("payments"), "suite": knownvalue.StringExact(fn)})),
					statecheck.ExpectKnownValue("data.faas_functions.all", tfjsonpath.New("functions"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(sp.id(fn).String())}),
					})),
					statecheck.ExpectKnownValue("data.faas_platform.p", tfjsonpath.New("platform"), knownvalue.StringExact(info.Platform)),
					statecheck.ExpectKnownValue("data.faas_platform.p", tfjsonpath.New("default_namespace"), knownvalue.StringExact(sp.namespace)),
					statecheck.ExpectKnownValue("data.faas_platform.p", tfjsonpath.New("capabilities"), knownvalue.ListExact(caps)),
				},
			}},
		})
	})
}

// TestAccSuite_routeLifecycle: on every platform with routes, a route is created to a
// function, its TLS secret set in place, imported, created again after it was deleted
// behind Terraform's back, and destroyed.
func TestAccSuite_routeLifecycle(t *testing.T) {
	forEachPlatform(t, []platform.Feature{platform.FeatureRoute, platform.FeatureRouteTLSSecret}, func(t *testing.T, sp *suitePlatform) {
		fn, host := sp.name("routed"), "suite-route.example.org"
		if sp.prepareRoute != nil {
			sp.prepareRoute(t, host)
		}
		cfg := func(extra string) string {
			return sp.block + suiteFunction(fn, sp.image, "prod", "") + fmt.Sprintf(`
resource "faas_route" "r" {
  function_id = faas_function.f.id
  host        = %q
  %s
}
`, host, extra)
		}
		var id string
		want := func(tls string) func(*terraform.State) error {
			return func(s *terraform.State) error {
				id = s.RootModule().Resources["faas_route.r"].Primary.ID
				r, err := sub[platform.RouteDriver](t, sp).ReadRoute(sp.ctx(t), id)
				if err != nil {
					return fmt.Errorf("reading route %s: %w", id, err)
				}
				if r.Function != sp.id(fn) || r.Host != host || r.TLSSecret != tls {
					return fmt.Errorf("the platform holds %+v, want a route of %s at %s with TLS secret %q", r, sp.id(fn), host, tls)
				}
				return nil
			}
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy: resource.ComposeAggregateTestCheckFunc(sp.checkGone(t, fn), func(*terraform.State) error {
				if r, err := sub[platform.RouteDriver](t, sp).ReadRoute(sp.ctx(t), id); !errors.Is(err, platform.ErrNotFound) {
					return fmt.Errorf("after destroy the platform holds route %+v (%v)", r, err)
				}
				return nil
			}),
			Steps: []resource.TestStep{
				{
					Config: cfg(""),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue("faas_route.r", tfjsonpath.New("url"), knownvalue.NotNull()),
					},
					Check: want(""),
				},
				{
					Config: cfg(`tls_secret = "suite-tls"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionUpdate),
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					}},
					Check: want("suite-tls"),
				},
				{ResourceName: "faas_route.r", ImportState: true, ImportStateVerify: true},
				{
					PreConfig: func() {
						d := sub[platform.RouteDriver](t, sp)
						r, err := d.ReadRoute(sp.ctx(t), id)
						if err != nil {
							t.Fatal(err)
						}
						if err := d.DeleteRoute(sp.ctx(t), r); err != nil {
							t.Fatal(err)
						}
					},
					Config: cfg(`tls_secret = "suite-tls"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionCreate),
					}},
					Check: want("suite-tls"),
				},
			},
		})
	})
}

// TestAccSuite_topicTriggerLifecycle: on every platform with topic triggers, a trigger
// is created, its topic changed (in place or as a new trigger, as the platform has it;
// either way nothing listens on the old topic after it), imported, created again after
// it was deleted behind Terraform's back, and destroyed.
func TestAccSuite_topicTriggerLifecycle(t *testing.T) {
	forEachPlatform(t, []platform.Feature{platform.FeatureTriggerTopic}, func(t *testing.T, sp *suitePlatform) {
		if sp.prepareTopic != nil {
			sp.prepareTopic(t)
		}
		fn := sp.name("listener")
		cfg := func(topic string) string {
			return sp.block + suiteFunction(fn, sp.image, "prod", "") + fmt.Sprintf(`
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = %q
}
`, topic)
		}
		var id, before string
		want := func(topic string) func(*terraform.State) error {
			return sp.checkTrigger(t, &id, platform.Trigger{Function: sp.id(fn), Type: platform.TriggerTopic, Topic: topic})
		}
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: sp.providers,
			CheckDestroy:             resource.ComposeAggregateTestCheckFunc(sp.checkGone(t, fn), sp.checkTriggerGone(t, &id)),
			Steps: []resource.TestStep{
				{Config: cfg("orders"), Check: want("orders")},
				{
					PreConfig: func() { before = id },
					Config:    cfg("payments"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					}},
					Check: resource.ComposeAggregateTestCheckFunc(want("payments"), func(*terraform.State) error {
						// Nothing listens on the old topic any more (the id may be the same
						// where the topic is not part of it).
						tr, err := sub[platform.TriggerDriver](t, sp).ReadTrigger(sp.ctx(t), before)
						if err == nil && tr.Topic == "orders" {
							return fmt.Errorf("the trigger on orders is still on the platform: %+v", tr)
						}
						if err != nil && !errors.Is(err, platform.ErrNotFound) {
							return fmt.Errorf("reading the old trigger %s: %w", before, err)
						}
						return nil
					}),
				},
				{ResourceName: "faas_trigger.t", ImportState: true, ImportStateVerify: true},
				{
					PreConfig: func() { sp.deleteTrigger(t, id) },
					Config:    cfg("payments"),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionCreate),
					}},
					Check: want("payments"),
				},
			},
		})
	})
}
