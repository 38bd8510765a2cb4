package knative

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeOptions are the knative { ... } provider settings that locate the Kubernetes API
// server, named and behaving like the Terraform Kubernetes provider's
// (hashicorp/terraform-provider-kubernetes: config_path, config_paths, config_context,
// host, token, client_certificate, client_key, cluster_ca_certificate, insecure).
// Certificates and keys are PEM contents, not file names.
type KubeOptions struct {
	// ConfigPath is a kubeconfig file to load (env KUBE_CONFIG_PATH).
	ConfigPath string
	// ConfigPaths are kubeconfig files merged in order, the first one winning
	// (env KUBE_CONFIG_PATHS, separated by the OS path list separator).
	ConfigPaths []string
	// ConfigContext selects a context of the kubeconfig instead of its current one
	// (env KUBE_CTX).
	ConfigContext string
	// Host is the API server URL (env KUBE_HOST); it overrides the kubeconfig's.
	Host string
	// Token is a bearer token (env KUBE_TOKEN); it overrides the kubeconfig's credentials.
	Token string
	// ClientCertificate and ClientKey are PEM-encoded client credentials
	// (env KUBE_CLIENT_CERT_DATA, KUBE_CLIENT_KEY_DATA).
	ClientCertificate, ClientKey string
	// ClusterCACertificate is the PEM-encoded CA of the API server (env KUBE_CLUSTER_CA_CERT_DATA).
	ClusterCACertificate string
	// Insecure skips TLS verification of the API server (env KUBE_INSECURE).
	Insecure bool
}

// ApplyEnv fills every unset option from the environment variables the Terraform
// Kubernetes provider reads (KUBE_CONFIG_PATH, KUBE_CONFIG_PATHS, KUBE_CTX, KUBE_HOST,
// KUBE_TOKEN, KUBE_CLIENT_CERT_DATA, KUBE_CLIENT_KEY_DATA, KUBE_CLUSTER_CA_CERT_DATA,
// KUBE_INSECURE), looked up with lookup (os.LookupEnv in the provider's Configure). It
// never consults KUBECONFIG or ~/.kube/config.
func (o *KubeOptions) ApplyEnv(lookup func(string) (string, bool)) error {
	set := func(dst *string, key string) {
		if v, ok := lookup(key); ok && *dst == "" {
			*dst = v
		}
	}
	set(&o.ConfigPath, "KUBE_CONFIG_PATH")
	if v, ok := lookup("KUBE_CONFIG_PATHS"); ok && len(o.ConfigPaths) == 0 && v != "" {
		o.ConfigPaths = filepath.SplitList(v)
	}
	set(&o.ConfigContext, "KUBE_CTX")
	set(&o.Host, "KUBE_HOST")
	set(&o.Token, "KUBE_TOKEN")
	set(&o.ClientCertificate, "KUBE_CLIENT_CERT_DATA")
	set(&o.ClientKey, "KUBE_CLIENT_KEY_DATA")
	set(&o.ClusterCACertificate, "KUBE_CLUSTER_CA_CERT_DATA")
	if v, ok := lookup("KUBE_INSECURE"); ok && !o.Insecure && v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("KUBE_INSECURE=%q is not a boolean", v)
		}
		o.Insecure = b
	}
	return nil
}

// RESTConfigFromOptions builds the client configuration the way the Terraform
// Kubernetes provider does: a kubeconfig is read only when ConfigPath or ConfigPaths
// names one (never $KUBECONFIG, ~/.kube/config or the in-cluster service account
// implicitly), ConfigContext picks its context, and the explicit fields (Host, Token,
// ClientCertificate, ClientKey, ClusterCACertificate, Insecure) override what the
// kubeconfig says. Without a kubeconfig, Host is required.
func RESTConfigFromOptions(o KubeOptions) (*rest.Config, error) {
	paths := append([]string(nil), o.ConfigPaths...)
	if o.ConfigPath != "" {
		paths = append([]string{o.ConfigPath}, paths...)
	}
	if len(paths) == 0 {
		if o.ConfigContext != "" {
			return nil, errors.New("config_context is set but no kubeconfig is: set config_path (or KUBE_CONFIG_PATH) as well")
		}
		if o.Host == "" {
			return nil, errors.New("no Kubernetes API server is configured: set host (KUBE_HOST) or config_path (KUBE_CONFIG_PATH); ~/.kube/config is never read unless named")
		}
		cfg := &rest.Config{Host: o.Host, BearerToken: o.Token, TLSClientConfig: rest.TLSClientConfig{
			Insecure: o.Insecure, CAData: []byte(o.ClusterCACertificate),
			CertData: []byte(o.ClientCertificate), KeyData: []byte(o.ClientKey),
		}}
		return cfg, validateTLS(cfg)
	}
	for i, p := range paths {
		expanded, err := expandHome(p)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(expanded); err != nil {
			return nil, fmt.Errorf("kubeconfig %q: %w", p, err)
		}
		paths[i] = expanded
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: paths}
	if len(paths) == 1 {
		rules = &clientcmd.ClientConfigLoadingRules{ExplicitPath: paths[0]}
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.ConfigContext}
	if o.Host != "" {
		overrides.ClusterInfo.Server = o.Host
	}
	if o.ClusterCACertificate != "" {
		overrides.ClusterInfo.CertificateAuthorityData = []byte(o.ClusterCACertificate)
	}
	if o.Insecure {
		overrides.ClusterInfo.InsecureSkipTLSVerify = true
	}
	if o.ClientCertificate != "" {
		overrides.AuthInfo.ClientCertificateData = []byte(o.ClientCertificate)
	}
	if o.ClientKey != "" {
		overrides.AuthInfo.ClientKeyData = []byte(o.ClientKey)
	}
	if o.Token != "" {
		overrides.AuthInfo.Token = o.Token
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig %s: %w", strings.Join(paths, ", "), err)
	}
	if o.ConfigContext != "" {
		if _, ok := raw.Contexts[o.ConfigContext]; !ok {
			return nil, fmt.Errorf("context %q is not in kubeconfig %s (it has: %s)", o.ConfigContext, strings.Join(paths, ", "), strings.Join(contextNames(raw), ", "))
		}
	}
	cfg, err := clientcmd.NewDefaultClientConfig(*raw, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", strings.Join(paths, ", "), err)
	}
	if o.Insecure {
		// A CA and insecure together are refused by client-go; the explicit setting wins.
		cfg.CAData, cfg.CAFile = nil, ""
	}
	return cfg, validateTLS(cfg)
}

func contextNames(c *clientcmdapi.Config) []string {
	var out []string
	for n := range c.Contexts {
		out = append(out, n)
	}
	return out
}

func expandHome(p string) (string, error) {
	if p != "~" && !strings.HasPrefix(p, "~/") {
		return p, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, strings.TrimPrefix(p, "~")), nil
}

func validateTLS(cfg *rest.Config) error {
	if (len(cfg.CertData) > 0) != (len(cfg.KeyData) > 0) {
		return errors.New("client_certificate and client_key must be set together")
	}
	if cfg.Insecure && len(cfg.CAData) > 0 {
		return errors.New("insecure and cluster_ca_certificate cannot be set together")
	}
	return nil
}
