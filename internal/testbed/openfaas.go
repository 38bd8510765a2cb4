package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OpenFaaS is the testbed's OpenFaaS Community Edition: the real gateway in front of the
// real faas-netes, with basic auth.
type OpenFaaS struct {
	// GatewayURL is the gateway's URL (http on 127.0.0.1:8080: the port is fixed by the
	// gateway, which is why every testbed has a network namespace of its own).
	GatewayURL string
	// Username and Password are the gateway's basic-auth credentials, read by the
	// gateway and faas-netes from files as the Helm chart mounts them.
	Username, Password string
	// Namespace is the function namespace (Community Edition serves only openfaas-fn).
	Namespace string
	// Registry is the host:port of the image registry; images are Registry/TestImages[i].
	Registry string
}

// Image returns the name of a test image on the testbed's registry, e.g.
// Image("openfaas/figlet", "latest").
func (o *OpenFaaS) Image(repo, tag string) string { return o.Registry + "/" + repo + ":" + tag }

const (
	gatewayPort    = 8080 // hard-coded in the gateway
	faasNetesPort  = 8081
	functionsNS    = "openfaas-fn"
	openfaasSystem = "openfaas"
)

// startOpenFaaS starts the image registry, Prometheus, faas-netes and the gateway.
func (t *Testbed) startOpenFaaS(ctx context.Context) error {
	for _, name := range []string{"faas-netes", "gateway"} {
		if _, err := os.Stat(filepath.Join(t.binDir, name)); err != nil {
			return fmt.Errorf("OpenFaaS is not built (%w): run `make testbed-build` first", err)
		}
	}
	prometheus, err := exec.LookPath("prometheus")
	if err != nil {
		return fmt.Errorf("the OpenFaaS gateway needs a Prometheus (it panics listing functions without one): install Debian's prometheus package (make testbed-build does): %w", err)
	}
	// The namespaces, labelled as faas-netes' namespaces.yml labels them.
	for name, labels := range map[string]map[string]string{
		openfaasSystem: {"role": "openfaas-system", "access": "openfaas-system"},
		functionsNS:    {"role": "openfaas-fn"},
	} {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
		if _, err := t.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}

	t.progress("starting the image registry and pushing the test images")
	reg, err := startRegistry()
	if err != nil {
		return err
	}
	t.cleanup = append(t.cleanup, reg.Close)

	standIn, err := startConnectivityStandIn(t.Dir)
	if err != nil {
		return err
	}
	t.cleanup = append(t.cleanup, standIn.Close)

	secrets := filepath.Join(t.Dir, "openfaas-secrets")
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		return err
	}
	o := &OpenFaaS{
		GatewayURL: "http://" + hostPort(gatewayPort),
		Username:   "admin",
		Password:   randomPassword(),
		Namespace:  functionsNS,
		Registry:   reg.Host(),
	}
	if err := os.WriteFile(filepath.Join(secrets, "basic-auth-user"), []byte(o.Username), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(secrets, "basic-auth-password"), []byte(o.Password), 0o600); err != nil {
		return err
	}

	promPort, err := freePort()
	if err != nil {
		return err
	}
	promConfig := filepath.Join(t.Dir, "prometheus.yml")
	if err := os.WriteFile(promConfig, []byte(fmt.Sprintf(`global:
  scrape_interval: 5s
scrape_configs:
  - job_name: openfaas-gateway
    static_configs:
      - targets: ["%s"]
`, hostPort(8082))), 0o600); err != nil {
		return err
	}
	t.progress("starting Prometheus, faas-netes (Community Edition) and the OpenFaaS gateway")
	prom, err := t.run("prometheus", prometheus, "--config.file", promConfig,
		"--storage.tsdb.path", filepath.Join(t.Dir, "prometheus"),
		"--web.listen-address", hostPort(promPort), "--log.level", "warn")
	if err != nil {
		return err
	}

	common := []string{
		"basic_auth=true", "secret_mount_path=" + secrets + "/",
		"read_timeout=60s", "write_timeout=60s",
	}
	netes, err := t.runEnv("faas-netes", filepath.Join(t.binDir, "faas-netes"), append(common,
		"port="+strconv.Itoa(faasNetesPort), "function_namespace="+functionsNS,
		"HTTPS_PROXY="+standIn.URL(), "SSL_CERT_FILE="+standIn.caFile, "NO_PROXY=127.0.0.1,localhost",
	), "-kubeconfig", t.Kubeconfig)
	if err != nil {
		return err
	}
	netes.killOnly = true
	gw, err := t.runEnv("gateway", filepath.Join(t.binDir, "gateway"), append(common,
		"functions_provider_url=http://"+hostPort(faasNetesPort)+"/",
		"upstream_timeout=55s", "function_namespace="+functionsNS,
		"faas_prometheus_host=127.0.0.1", "faas_prometheus_port="+strconv.Itoa(promPort),
	))
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 5 * time.Second}
	if err := waitFor(ctx, "Prometheus", prom, httpOK(client, "http://"+hostPort(promPort)+"/-/ready")); err != nil {
		return err
	}
	if err := waitFor(ctx, "faas-netes", netes, httpOK(client, "http://"+hostPort(faasNetesPort)+"/healthz")); err != nil {
		return err
	}
	if err := waitFor(ctx, "the gateway", gw, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.GatewayURL+"/system/info", nil)
		if err != nil {
			return err
		}
		req.SetBasicAuth(o.Username, o.Password)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /system/info: %s: %w", resp.Status, errNotReady)
		}
		return nil
	}); err != nil {
		return err
	}
	// Pods need the namespace's default ServiceAccount, made by the controller-manager.
	if err := waitFor(ctx, "the default ServiceAccount in "+functionsNS, nil, func(ctx context.Context) error {
		_, err := t.Client.CoreV1().ServiceAccounts(functionsNS).Get(ctx, "default", metav1.GetOptions{})
		return err
	}); err != nil {
		return err
	}
	t.OpenFaaS = o
	return nil
}

func randomPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "tb-" + hex.EncodeToString(b)
}
