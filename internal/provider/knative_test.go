package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
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
