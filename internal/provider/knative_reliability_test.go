package provider

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/faultproxy"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// knativeFleet is 30 resources on Knative after the provider block: 10 functions, each
// with a scaling policy and a cron trigger (PingSource).
func knativeFleet(block string) string {
	var b strings.Builder
	b.WriteString(block)
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, `
resource "faas_function" "f%[1]d" {
  name   = "fleet-%[1]d"
  image  = "ghcr.io/acme/fleet:%[1]d"
  env    = { INDEX = "%[1]d" }
  labels = { fleet = "yes" }
}

resource "faas_scaling_policy" "p%[1]d" {
  function_id  = faas_function.f%[1]d.id
  min_replicas = 1
  max_replicas = %[2]d
}


resource "faas_trigger" "t%[1]d" {
  function_id = faas_function.f%[1]d.id
  type        = "cron"
  schedule    = "%[1]d * * * *"
}
`, i, 2+i)
	}
	return b.String()
}

// checkKnativeFleet asserts the cluster holds exactly what the state says.
func checkKnativeFleet(sim knativeCluster) func(*terraform.State) error {
	return func(*terraform.State) error {
		if svcs := sim.List(k8ssim.ServicesGVR, "default"); len(svcs) != 10 {
			return fmt.Errorf("%d Services, want 10", len(svcs))
		}
		if pings := sim.List(k8ssim.PingSourcesGVR, "default"); len(pings) != 10 {
			return fmt.Errorf("%d PingSources, want 10", len(pings))
		}
		for i := 0; i < 10; i++ {
			svc, ok := kservice(sim, fmt.Sprintf("fleet-%d", i))
			if !ok {
				return fmt.Errorf("fleet-%d missing", i)
			}
			maxScale, _, _ := unstructured.NestedString(svc.Object, "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/max-scale")
			if maxScale != fmt.Sprint(2+i) || svc.GetLabels()["fleet"] != "yes" {
				return fmt.Errorf("fleet-%d: max-scale %q labels %v", i, maxScale, svc.GetLabels())
			}
		}
		return nil
	}
}

// knativeProxy starts a fault-injecting proxy (internal/faultproxy) in front of the
// cluster's API server, the simulator's or a real kube-apiserver's: HTTPS on both sides,
// the backend's CA trusted, the client's token passed through (on a real cluster the
// proxy authenticates with the kubeconfig's client certificate), faults answered as
// Status objects. It returns the proxy and a provider block that points at it.
func knativeProxy(t *testing.T, c knativeCluster) (*faultproxy.Proxy, string) {
	t.Helper()
	opts, err := c.ProxyBackend()
	if err != nil {
		t.Fatal(err)
	}
	opts.Answers = k8ssim.FaultAnswers()
	fp, err := faultproxy.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	fp.Start(true)
	t.Cleanup(fp.Close)
	return fp, fmt.Sprintf(`
provider "faas" {
  max_retries = 6
  knative {
    host                   = %q
    token                  = %q
    cluster_ca_certificate = %q
  }
}
`, fp.URL(), kubeToken, string(fp.CACertPEM()))
}

// TestAccKnativeReliability_faults applies 30 resources to completion under each fault;
// the plan after apply is empty and the cluster holds exactly what the state says. The
// network faults come from a proxy in front of the API server, the simulator's or, with
// FAAS_TEST_KUBECONFIG, the real kube-apiserver with the real Serving and Eventing; the
// controller's conflicting status writes and slow readiness are the simulator's own.
func TestAccKnativeReliability_faults(t *testing.T) {
	cases := []struct {
		name   string
		opts   k8ssim.Options
		faults k8ssim.Faults
		// simulator: the fault is the API server's own behaviour, not the network's.
		simulator bool
	}{
		{"429 with Retry-After on a third of requests", k8ssim.Options{}, k8ssim.Faults{RateLimitEvery: 3, RetryAfterSeconds: 1}, false},
		{"bursts of 503", k8ssim.Options{}, k8ssim.Faults{Burst503: 6, RateLimitEvery: 11}, false},
		{"dropped connections", k8ssim.Options{}, k8ssim.Faults{DropConnections: 4, RateLimitEvery: 9}, false},
		{"lost responses", k8ssim.Options{}, k8ssim.Faults{LoseResponses: 6}, false},
		{"latency spikes", k8ssim.Options{}, k8ssim.Faults{Latency: 2 * time.Millisecond, LatencySpikeEvery: 5, LatencySpike: 150 * time.Millisecond}, false},
		{"409 conflicts with the controller", k8ssim.Options{}, k8ssim.Faults{StatusWriteRaces: 8}, true},
		{"readiness after many polls", k8ssim.Options{ReadyAfterPolls: 5}, k8ssim.Faults{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cluster knativeCluster
			var setFaults func(k8ssim.Faults)
			var block string
			if c.simulator {
				sim := newKube(t, c.opts)
				cluster, setFaults, block = simCluster{sim}, sim.SetFaults, knativeBlock(sim, "")
			} else {
				cluster = newKnativeCluster(t, c.opts)
				var fp *faultproxy.Proxy
				fp, block = knativeProxy(t, cluster)
				setFaults = fp.SetFaults
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoServices(cluster),
				Steps: []resource.TestStep{{
					PreConfig: func() { setFaults(c.faults) },
					Config:    knativeFleet(block),
					Check:     checkKnativeFleet(cluster),
				}},
			})
		})
	}
}

// clientCertificate makes a throw-away client certificate and key, as PEM.
func clientCertificate(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "faas-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
}

// TestAccKnativeReliability_secretsNeverLeak: the Kubernetes token, a client key and a
// secret value never appear in the TF_LOG=trace log, Terraform's output or the state,
// even when the API server echoes them in an error.
func TestAccKnativeReliability_secretsNeverLeak(t *testing.T) {
	c := newCLI(t)
	cluster := newKnativeCluster(t, k8ssim.Options{})
	logPath := filepath.Join(t.TempDir(), "trace.log")
	c.env = []string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath}
	const secretValue = "kn-s3cret-value-do-not-leak"
	certPEM, keyPEM := clientCertificate(t)
	keyBody := strings.Split(keyPEM, "\n")[1] // a line of the key's base64 body
	fp, _ := knativeProxy(t, cluster)
	cfg := fmt.Sprintf(`
provider "faas" {
  knative {
    host                   = %q
    token                  = %q
    cluster_ca_certificate = %q
    client_certificate     = %q
    client_key             = %q
  }
}

resource "faas_secret" "s" {
  name             = "api-key"
  value_wo         = %q
  value_wo_version = 1
}

resource "faas_function" "f" {
  name    = "leaky"
  image   = "ghcr.io/acme/leaky:1"
  secrets = [faas_secret.s.name]
}
`, fp.URL(), kubeToken, string(fp.CACertPEM()), certPEM, keyPEM, secretValue)
	var outputs strings.Builder
	fp.SetFaults(k8ssim.Faults{RateLimitEvery: 4, Burst503: 2})
	c.writeMain(cfg)
	o, code := c.run("apply", "-auto-approve", "-no-color")
	outputs.WriteString(o)
	if code != 0 {
		t.Fatalf("apply failed:\n%s", o)
	}
	// The API server echoes the token, the client key and the new secret value in the
	// error of the update that sent that value.
	const newValue = "kn-n3w-value-do-not-leak"
	fp.SetFaults(k8ssim.Faults{PersistentStatus: 500, PersistentMessage: "token " + kubeToken + " key " + keyPEM + " value " + newValue,
		Only: func(method, path string) bool { return method == "PUT" && strings.Contains(path, "/secrets/") }})
	c.writeMain(strings.Replace(strings.Replace(cfg, secretValue, newValue, 1), "value_wo_version = 1", "value_wo_version = 2", 1))
	o, code = c.run("apply", "-auto-approve", "-no-color")
	outputs.WriteString(o)
	if code == 0 {
		t.Fatalf("apply succeeded although the API server failed every update:\n%s", o)
	}
	fp.ClearFaults()
	o, _ = c.run("destroy", "-auto-approve", "-no-color")
	outputs.WriteString(o)

	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	// The search covers the provider's own request log lines, not only the SDK's.
	if !strings.Contains(string(logData), "platform request") {
		t.Error("the trace log has no platform request lines from the Knative driver")
	}
	state, _ := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	for _, secret := range []string{kubeToken, secretValue, newValue, keyBody} {
		for name, data := range map[string]string{"trace log": string(logData), "terraform output": outputs.String(), "state": string(state)} {
			if i := strings.Index(data, secret); i >= 0 {
				lo, hi := max(0, i-200), min(len(data), i+100)
				t.Errorf("%q leaked into the %s: ...%s...", secret, name, data[lo:hi])
			}
		}
	}
}
