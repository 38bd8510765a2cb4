package knative

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

const twoContexts = `apiVersion: v1
kind: Config
clusters:
- name: alpha
  cluster:
    server: https://alpha.example.test:6443
- name: beta
  cluster:
    server: https://beta.example.test:6443
    insecure-skip-tls-verify: true
users:
- name: alpha-user
  user:
    token: alpha-token
- name: beta-user
  user:
    token: beta-token
contexts:
- name: alpha
  context: {cluster: alpha, user: alpha-user}
- name: beta
  context: {cluster: beta, user: beta-user}
current-context: alpha
`

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// isolate points HOME and KUBECONFIG at a kubeconfig that must never be read.
func isolate(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".kube"), 0o700); err != nil {
		t.Fatal(err)
	}
	trap := strings.ReplaceAll(twoContexts, "alpha.example.test", "implicit-home.example.test")
	writeFile(t, filepath.Join(home, ".kube"), "config", trap)
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", filepath.Join(home, ".kube", "config"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
}

func TestRESTConfigFromOptions(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	cfgPath := writeFile(t, dir, "config", twoContexts)
	other := writeFile(t, dir, "other", strings.NewReplacer("alpha", "gamma", "beta", "delta").Replace(twoContexts))
	cases := []struct {
		name      string
		opts      KubeOptions
		wantHost  string
		wantToken string
		wantErr   string
		insecure  bool
	}{
		{name: "nothing named: no implicit kubeconfig", opts: KubeOptions{}, wantErr: "no Kubernetes API server is configured"},
		{name: "context without a kubeconfig", opts: KubeOptions{ConfigContext: "beta"}, wantErr: "config_context is set but no kubeconfig"},
		{name: "explicit host and token only", opts: KubeOptions{Host: "https://explicit.example.test", Token: "t0k"}, wantHost: "https://explicit.example.test", wantToken: "t0k"},
		{name: "kubeconfig current context", opts: KubeOptions{ConfigPath: cfgPath}, wantHost: "https://alpha.example.test:6443", wantToken: "alpha-token"},
		{name: "context selection", opts: KubeOptions{ConfigPath: cfgPath, ConfigContext: "beta"}, wantHost: "https://beta.example.test:6443", wantToken: "beta-token", insecure: true},
		{name: "explicit fields override the kubeconfig", opts: KubeOptions{ConfigPath: cfgPath, Host: "https://override.example.test", Token: "override-token"},
			wantHost: "https://override.example.test", wantToken: "override-token"},
		{name: "config paths merged, first wins", opts: KubeOptions{ConfigPaths: []string{other, cfgPath}, ConfigContext: "beta"}, wantHost: "https://beta.example.test:6443", wantToken: "beta-token", insecure: true},
		{name: "context of the second path", opts: KubeOptions{ConfigPaths: []string{cfgPath, other}, ConfigContext: "delta"}, wantHost: "https://delta.example.test:6443", wantToken: "delta-token", insecure: true},
		{name: "unknown context", opts: KubeOptions{ConfigPath: cfgPath, ConfigContext: "prod"}, wantErr: `context "prod" is not in kubeconfig`},
		{name: "missing file", opts: KubeOptions{ConfigPath: filepath.Join(dir, "nope")}, wantErr: "no such file"},
		{name: "cert without key", opts: KubeOptions{Host: "https://h.example.test", ClientCertificate: "-----BEGIN CERTIFICATE-----"}, wantErr: "must be set together"},
		{name: "insecure and CA", opts: KubeOptions{Host: "https://h.example.test", Insecure: true, ClusterCACertificate: "-----BEGIN CERTIFICATE-----"}, wantErr: "cannot be set together"},
		{name: "explicit insecure over a kubeconfig", opts: KubeOptions{ConfigPath: cfgPath, Insecure: true}, wantHost: "https://alpha.example.test:6443", wantToken: "alpha-token", insecure: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := RESTConfigFromOptions(c.opts)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Host != c.wantHost || cfg.BearerToken != c.wantToken || cfg.Insecure != c.insecure {
				t.Errorf("host %q token %q insecure %v", cfg.Host, cfg.BearerToken, cfg.Insecure)
			}
			if strings.Contains(cfg.Host, "implicit-home") {
				t.Error("read ~/.kube/config or $KUBECONFIG without being asked")
			}
		})
	}
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{"KUBE_CONFIG_PATHS": "/a" + string(os.PathListSeparator) + "/b", "KUBE_CTX": "beta", "KUBE_HOST": "https://env.example.test",
		"KUBE_TOKEN": "env-token", "KUBE_INSECURE": "true"}
	o := KubeOptions{Host: "https://config.example.test"}
	if err := o.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if o.Host != "https://config.example.test" || o.Token != "env-token" || o.ConfigContext != "beta" || !o.Insecure || len(o.ConfigPaths) != 2 {
		t.Errorf("%+v", o)
	}
	env["KUBE_INSECURE"] = "maybe"
	if err := (&KubeOptions{}).ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err == nil {
		t.Error("a non-boolean KUBE_INSECURE was accepted")
	}
}

// TestKubeconfigOfTheSimulator runs the standalone setup end to end: the kubeconfig the
// simulator renders, loaded like the provider's config_path, authenticates with its
// bearer token.
func TestKubeconfigOfTheSimulator(t *testing.T) {
	isolate(t)
	sim, err := k8ssim.Open(k8ssim.Options{Token: "kubeconfig-token", Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	sim.StartTLS()
	defer sim.Close()
	raw, err := sim.Kubeconfig()
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, t.TempDir(), "kubeconfig", string(raw))
	cfg, err := RESTConfigFromOptions(KubeOptions{ConfigPath: path, ConfigContext: "faas-simulator"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{RESTConfig: cfg, UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	info, err := d.Info(context.Background())
	if err != nil || info.Endpoint != sim.URL() || !strings.HasPrefix(info.Endpoint, "https://") {
		t.Fatalf("info %+v %v", info, err)
	}
	if _, err := d.CreateFunction(context.Background(), sampleFunction("via-kubeconfig")); err != nil {
		t.Fatal(err)
	}
	// A wrong token is refused with an explanation.
	cfg.BearerToken = "wrong"
	d2, _ := New(Config{RESTConfig: cfg})
	if _, err := d2.Info(context.Background()); err == nil || !strings.Contains(err.Error(), "authentication failed") {
		t.Errorf("wrong token: %v", err)
	}
}
