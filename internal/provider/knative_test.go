package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

const kubeToken = "k8s-test-token-0123456789"

// newKube starts a Kubernetes API server simulator with Knative, over TLS with a token,
// for a test that needs what only the simulator can do; with FAAS_TEST_KUBECONFIG (a
// real cluster, see newKnativeCluster) the test skips.
func newKube(t *testing.T, opts k8ssim.Options) *k8ssim.Server {
	t.Helper()
	if knativeRealMode() {
		t.Skipf("runs only against the Kubernetes simulator (k8ssim): %s selects a real cluster, and this test has not been made to run on one", envKubeconfig)
	}
	return newKubeSim(t, opts)
}

// newKubeSim starts the simulator in any mode.
func newKubeSim(t *testing.T, opts k8ssim.Options) *k8ssim.Server {
	t.Helper()
	opts.Token = kubeToken
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s := k8ssim.New(opts)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// knativeBlock configures the provider for sim; extra goes inside the knative block.
func knativeBlock(sim *k8ssim.Server, extra string) string {
	return fmt.Sprintf(`
provider "faas" {
  max_retries = 6
  knative {
    host                   = %q
    token                  = %q
    cluster_ca_certificate = %q
    %s
  }
}
`, sim.URL(), kubeToken, string(sim.CACertPEM()), extra)
}

// checkServiceImage checks that the Knative Service name runs image want (its first
// container's image, digest included).
func checkServiceImage(sim interface {
	Get(schema.GroupVersionResource, string, string) (*unstructured.Unstructured, bool)
}, name, want string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		svc, ok := kservice(sim, name)
		if !ok {
			return fmt.Errorf("no Knative Service")
		}
		cs, _, _ := unstructured.NestedSlice(svc.Object, "spec", "template", "spec", "containers")
		c0, _ := cs[0].(map[string]any)
		if got, _ := c0["image"].(string); got != want {
			return fmt.Errorf("the Service runs %q, want %q", got, want)
		}
		return nil
	}
}

func kservice(sim interface {
	Get(schema.GroupVersionResource, string, string) (*unstructured.Unstructured, bool)
}, name string) (*unstructured.Unstructured, bool) {
	return sim.Get(k8ssim.ServicesGVR, "default", name)
}

func checkNoServices(sim interface {
	List(schema.GroupVersionResource, string) []*unstructured.Unstructured
}) func(*terraform.State) error {
	return func(*terraform.State) error {
		if l := sim.List(k8ssim.ServicesGVR, "default"); len(l) > 0 {
			return fmt.Errorf("%d Knative Services left after destroy", len(l))
		}
		return nil
	}
}

func knativeFunction(name, image, mode string) string {
	return fmt.Sprintf(`
resource "faas_function" "f" {
  name    = %q
  image   = %q
  command = ["/app/server"]
  args    = ["--port", "8080"]
  env = {
    MODE  = %q
    EMPTY = ""
  }
  labels      = { team = "payments" }
  annotations = { "example.com/owner" = "platform" }
  limits = {
    cpu    = "0.5"
    memory = "256Mi"
  }
  requests = {
    cpu = "100m"
  }
  timeout                   = "2m"
  max_concurrency           = 20
  read_only_root_filesystem = true
}
`, name, image, mode)
}

func TestAccKnative_functionLifecycle(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 2})
	cfg := func(name, image, mode string) string {
		return sim.ProviderBlock(`namespace = "default"`) + knativeFunction(name, image, mode)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg("hello", "ghcr.io/acme/hello:1.0", "prod"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact("default/hello")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("namespace"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("invoke_url"), knownvalue.StringExact("http://hello.default.example.com")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("limits").AtMapKey("cpu"), knownvalue.StringExact("0.5")),
				},
				Check: func(*terraform.State) error {
					svc, ok := kservice(sim, "hello")
					if !ok {
						return fmt.Errorf("no Knative Service")
					}
					cs, _, _ := unstructured.NestedSlice(svc.Object, "spec", "template", "spec", "containers")
					if len(cs) != 1 {
						return fmt.Errorf("containers %v", cs)
					}
					c0, _ := cs[0].(map[string]any)
					img, _, _ := unstructured.NestedString(c0, "image")
					cc, _, _ := unstructured.NestedInt64(svc.Object, "spec", "template", "spec", "containerConcurrency")
					ts, _, _ := unstructured.NestedInt64(svc.Object, "spec", "template", "spec", "timeoutSeconds")
					if img != "ghcr.io/acme/hello:1.0" || cc != 20 || ts != 120 {
						return fmt.Errorf("image %q containerConcurrency %d timeoutSeconds %d", img, cc, ts)
					}
					return nil
				},
			},
			{
				Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
			},
			{
				// Drift: the image and a label changed with kubectl.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "hello", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						c0, _ := cs[0].(map[string]any)
						_ = unstructured.SetNestedField(c0, "ghcr.io/evil/hello:6.6", "image")
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
						labels := u.GetLabels()
						labels["team"] = "someone-else"
						u.SetLabels(labels)
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact("ghcr.io/acme/hello:1.1")),
				}},
			},
			{
				ResourceName:      "faas_function.f",
				ImportState:       true,
				ImportStateId:     "default/hello",
				ImportStateVerify: true,
			},
			{
				ResourceName:    "faas_function.f",
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				ImportStateId:   "hello",
			},
			{
				PreConfig: func() { sim.Delete(k8ssim.ServicesGVR, "default", "hello") },
				Config:    cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
				}},
			},
			{
				Config: cfg("hello-v2", "ghcr.io/acme/hello:1.1", "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if _, ok := kservice(sim, "hello"); ok {
						return fmt.Errorf("old Service left behind after rename")
					}
					return nil
				},
			},
		},
	})
}

func TestAccKnative_scalingPolicyAndSecret(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	cfg := func(maxReplicas, version int, value string) string {
		return sim.ProviderBlock("") + fmt.Sprintf(`
resource "faas_secret" "s" {
  name             = "api-key"
  value_wo         = %q
  value_wo_version = %d
}

resource "faas_function" "f" {
  name    = "scaled"
  image   = "ghcr.io/acme/scaled:1"
  secrets = [faas_secret.s.name]
}

resource "faas_scaling_policy" "p" {
  function_id                = faas_function.f.id
  min_replicas               = 0
  max_replicas               = %d
  metric                     = "concurrency"
  target                     = 10
  target_utilization_percent = 70
  scale_to_zero_after        = "10m"
}
`, value, version, maxReplicas)
	}
	annotation := func(key string) string {
		svc, _ := kservice(sim, "scaled")
		v, _, _ := unstructured.NestedString(svc.Object, "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/"+key)
		return v
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(5, 1, "first"),
				Check: func(*terraform.State) error {
					if annotation("max-scale") != "5" || annotation("min-scale") != "0" || annotation("metric") != "concurrency" ||
						annotation("target-utilization-percentage") != "70" || annotation("scale-to-zero-pod-retention-period") != "10m" {
						svc, _ := kservice(sim, "scaled")
						return fmt.Errorf("template annotations %v", svc.Object["spec"])
					}
					if _, ok := sim.Get(k8ssim.SecretsGVR, "default", "api-key"); !ok {
						return fmt.Errorf("no Secret")
					}
					return nil
				},
			},
			{
				Config: cfg(8, 2, "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_secret.s", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if annotation("max-scale") != "8" {
						return fmt.Errorf("max-scale %q", annotation("max-scale"))
					}
					return nil
				},
			},
			{ResourceName: "faas_scaling_policy.p", ImportState: true, ImportStateId: "default/scaled", ImportStateVerify: true},
			{ResourceName: "faas_secret.s", ImportState: true, ImportStateId: "default/api-key", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"value_wo_version"}},
			{
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "scaled", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedField(u.Object, "50", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/max-scale")
					}); err != nil {
						t.Fatal(err)
					}
					sim.Delete(k8ssim.SecretsGVR, "default", "api-key")
				},
				Config: cfg(8, 2, "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_secret.s", plancheck.ResourceActionCreate),
				}},
			},
			{
				// Removing the policy removes exactly its keys.
				Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "scaled"
  image = "ghcr.io/acme/scaled:1"
}
`,
				Check: func(*terraform.State) error {
					svc, _ := kservice(sim, "scaled")
					ann, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "template", "metadata", "annotations")
					for k := range ann {
						if strings.HasPrefix(k, "autoscaling.knative.dev/") {
							return fmt.Errorf("annotation %s left after the policy was removed", k)
						}
					}
					return nil
				},
			},
		},
	})
}

func TestAccKnative_failedRevisionFailsFast(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{FailImages: map[string]k8ssim.Failure{
		"ghcr.io/acme/missing:1": {Reason: "RevisionMissing", Message: `Unable to fetch image "ghcr.io/acme/missing:1": failed to resolve image to digest`},
	}})
	image := "ghcr.io/acme/missing:1"
	if sim.Real() {
		// The real Serving resolves tags to digests except on the registries the testbed
		// skips; this one refuses at once (nothing listens on port 9 of 127.0.0.1).
		image = "127.0.0.1:9/acme/missing:1"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{{
			Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "broken"
  image = "` + image + `"
  timeouts {
    create = "10m"
  }
}
`,
			// The real Serving's Ready says RevisionMissing (the Route's text) or
			// RevisionFailed (the Configuration's), depending on which it propagated last;
			// the cause must show either way.
			ExpectError: errRe(`was created but is not ready.*Revision(Missing|Failed).*Unable to fetch image`),
		}},
	})
}

func TestAccKnative_dataSourcesAndErrors(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "seen"
  image = "ghcr.io/acme/seen:1"
  labels = { team = "web" }
}

data "faas_platform" "this" {}

data "faas_functions" "web" {
  labels     = { team = "web" }
  depends_on = [faas_function.f]
}

data "faas_function" "seen" {
  name       = "seen"
  depends_on = [faas_function.f]
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("platform"), knownvalue.StringExact("knative")),
					statecheck.ExpectKnownValue("data.faas_functions.web", tfjsonpath.New("functions"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.faas_function.seen", tfjsonpath.New("invoke_url"), knownvalue.StringExact("http://seen.default.example.com")),
				},
			},
		},
	})
}

func TestAccKnative_configErrors(t *testing.T) {
	cluster := newKnativeCluster(t, k8ssim.Options{})
	fn := `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
}
`
	for name, c := range map[string]struct{ config, err string }{
		"two platform blocks": {`provider "faas" {
  openfaas {
    gateway_url = "http://127.0.0.1:8080"
  }
  knative {
    host = "https://127.0.0.1:6443"
  }
}` + fn, `Conflicting platform blocks`},
		"no host nor kubeconfig": {`provider "faas" {
  knative {
    namespace = "default"
  }
}` + fn, `Missing Kubernetes API server.*never reads ~/.kube/config`},
		"openfaas constraints on knative": {cluster.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
  openfaas {
    constraints = ["disk=ssd"]
  }
}
`, `openfaas.constraints`},
		"openfaas watchdog timeouts on knative": {cluster.ProviderBlock("") + `
resource "faas_function" "f" {
  name    = "x"
  image   = "ghcr.io/acme/x:1"
  timeout = "30s"
  openfaas {
    write_timeout = "60s"
  }
}
`, `(?s)Unsupported.*openfaas.write_timeout.*runs no OpenFaaS watchdog.*set timeout, which becomes the revision's timeoutSeconds`},
		"hpa cannot keep zero": {cluster.ProviderBlock("") + fn + `
resource "faas_scaling_policy" "p" {
  function_id  = "default/x"
  min_replicas = 0
  metric       = "cpu"
  target       = 80
}
`, `keeps at least one\s+replica, so min_replicas = 0 \(scale to zero\) would be ignored`},
		"retention with min 1": {cluster.ProviderBlock("") + fn + `
resource "faas_scaling_policy" "p" {
  function_id         = "default/x"
  min_replicas        = 1
  scale_to_zero_after = "5m"
}
`, `only applies to a policy that scales to zero, and min_replicas = 1 keeps replicas`},
	} {
		t.Run(name, func(t *testing.T) {
			for _, k := range []string{"KUBE_CONFIG_PATH", "KUBE_CONFIG_PATHS", "KUBE_HOST", "KUBE_TOKEN", "KUBE_CTX"} {
				t.Setenv(k, "")
			}
			check := nothingWritten(t, cluster)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{{Config: c.config, PlanOnly: true, ExpectError: errRe(c.err)}},
			})
			check()
		})
	}
}

// TestAccKnative_kubeconfig: the provider reads only the kubeconfig it is given, and the
// named context.
func TestAccKnative_kubeconfig(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	kc, err := sim.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		t.Fatal(err)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{{
			Config: fmt.Sprintf(`
provider "faas" {
  knative {
    config_path = %q
  }
}

resource "faas_function" "f" {
  name  = "from-kubeconfig"
  image = "ghcr.io/acme/x:1"
}
`, path),
			Check: func(*terraform.State) error {
				if _, ok := kservice(sim, "from-kubeconfig"); !ok {
					return fmt.Errorf("no Service")
				}
				return nil
			},
		}},
	})
}
