package testbed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubernetesVersion is the version of the control plane the testbed builds and runs.
const KubernetesVersion = "v1.37.2"

// nodeCount is how many kwok nodes the testbed registers.
const nodeCount = 2

// startControlPlane starts etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok, registers the nodes, and returns when they are Ready.
func (t *Testbed) startControlPlane(ctx context.Context) error {
	pki := filepath.Join(t.Dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return err
	}
	ca, err := newAuthority("faas-testbed-ca")
	if err != nil {
		return err
	}
	t.ca = ca
	caFile := filepath.Join(pki, "ca.crt")
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		return err
	}
	frontCA, err := newAuthority("faas-testbed-front-proxy-ca")
	if err != nil {
		return err
	}
	frontCAFile := filepath.Join(pki, "front-proxy-ca.crt")
	if err := os.WriteFile(frontCAFile, frontCA.pem, 0o600); err != nil {
		return err
	}
	// The API server's Service address (the first of ServiceCIDR) and its DNS names.
	serving, err := ca.issue("kube-apiserver", nil, append([]string{"127.0.0.1", "10.96.0.1", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}, podHostIPs()...)...)
	if err != nil {
		return err
	}
	servingCert, servingKey, err := serving.write(pki, "apiserver")
	if err != nil {
		return err
	}
	front, err := frontCA.issue("front-proxy-client", nil)
	if err != nil {
		return err
	}
	frontCert, frontKey, err := front.write(pki, "front-proxy-client")
	if err != nil {
		return err
	}
	saKey, saPub, err := writeServiceAccountKey(pki)
	if err != nil {
		return err
	}

	etcdPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	etcdURL := "http://" + hostPort(etcdPort)
	t.progress("starting etcd")
	etcd, err := t.run("etcd", filepath.Join(t.binDir, "etcd"),
		"--name", "testbed", "--data-dir", filepath.Join(t.Dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", "http://"+hostPort(peerPort), "--initial-advertise-peer-urls", "http://"+hostPort(peerPort),
		"--initial-cluster", "testbed=http://"+hostPort(peerPort), "--unsafe-no-fsync", "--log-level", "warn")
	if err != nil {
		return err
	}
	if err := waitFor(ctx, "etcd", etcd, httpOK(http.DefaultClient, etcdURL+"/health")); err != nil {
		return err
	}

	apiPort, err := freePort()
	if err != nil {
		return err
	}
	t.Server = "https://" + hostPort(apiPort)
	apiArgs := []string{"kube-apiserver",
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(apiPort), "--advertise-address", "127.0.0.1",
		// Loopback addresses are invalid in Endpoints; upstream's own test server does the same.
		"--endpoint-reconciler-type", "none",
		"--service-cluster-ip-range", ServiceCIDR,
		"--client-ca-file", caFile, "--tls-cert-file", servingCert, "--tls-private-key-file", servingKey,
		"--authorization-mode", "Node,RBAC",
		"--service-account-key-file", saPub, "--service-account-signing-key-file", saKey,
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--requestheader-client-ca-file", frontCAFile, "--requestheader-allowed-names", "front-proxy-client",
		"--requestheader-username-headers", "X-Remote-User", "--requestheader-group-headers", "X-Remote-Group",
		"--requestheader-extra-headers-prefix", "X-Remote-Extra-",
		"--proxy-client-cert-file", frontCert, "--proxy-client-key-file", frontKey,
		"--allow-privileged", "--profiling=false",
	}
	apiArgs = append(apiArgs, t.apiServerArgs...)
	t.progress("starting kube-apiserver " + KubernetesVersion)
	apiserver, err := t.run("kube-apiserver", filepath.Join(t.binDir, "kube"), apiArgs...)
	if err != nil {
		return err
	}

	// Kubeconfigs: the admin's (written to t.Kubeconfig) and one per component.
	t.Kubeconfig = filepath.Join(t.Dir, "kubeconfig")
	if err := t.writeKubeconfig(t.Kubeconfig, "testbed-admin", []string{"system:masters"}); err != nil {
		return err
	}
	cmConfig := filepath.Join(t.Dir, "kube-controller-manager.kubeconfig")
	if err := t.writeKubeconfig(cmConfig, "system:kube-controller-manager", nil); err != nil {
		return err
	}
	schedConfig := filepath.Join(t.Dir, "kube-scheduler.kubeconfig")
	if err := t.writeKubeconfig(schedConfig, "system:kube-scheduler", nil); err != nil {
		return err
	}
	restConfig, err := clientcmd.BuildConfigFromFlags("", t.Kubeconfig)
	if err != nil {
		return err
	}
	tlsConfig, err := t.adminTLS()
	if err != nil {
		return err
	}
	admin := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig}, Timeout: 5 * time.Second}
	if err := waitFor(ctx, "kube-apiserver /readyz", apiserver, httpOK(admin, t.Server+"/readyz")); err != nil {
		return err
	}
	t.Client, err = kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}

	t.progress("starting kube-controller-manager, kube-scheduler and kwok " + "(fake nodes)")
	cmPort, err := freePort()
	if err != nil {
		return err
	}
	if _, err := t.run("kube-controller-manager", filepath.Join(t.binDir, "kube"), "kube-controller-manager",
		"--kubeconfig", cmConfig, "--authentication-kubeconfig", cmConfig, "--authorization-kubeconfig", cmConfig,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(cmPort),
		"--leader-elect=false", "--use-service-account-credentials",
		"--service-account-private-key-file", saKey, "--root-ca-file", caFile,
		"--allocate-node-cidrs=false", "--service-cluster-ip-range", ServiceCIDR, "--profiling=false"); err != nil {
		return err
	}
	schedPort, err := freePort()
	if err != nil {
		return err
	}
	if _, err := t.run("kube-scheduler", filepath.Join(t.binDir, "kube"), "kube-scheduler",
		"--kubeconfig", schedConfig, "--authentication-kubeconfig", schedConfig, "--authorization-kubeconfig", schedConfig,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(schedPort), "--leader-elect=false", "--profiling=false"); err != nil {
		return err
	}
	kwokPort, err := freePort()
	if err != nil {
		return err
	}
	if _, err := t.run("kwok", filepath.Join(t.binDir, "kwok"),
		"--kubeconfig", t.Kubeconfig, "--manage-all-nodes", "--config", filepath.Join(t.binDir, "kwok-stages.yaml"),
		"--cidr", PodCIDR, "--node-ip", "10.244.255.254", "--node-lease-duration-seconds", "40",
		"--server-address", hostPort(kwokPort)); err != nil {
		return err
	}
	for i := range nodeCount {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        fmt.Sprintf("kwok-node-%d", i),
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
				Labels:      map[string]string{"type": "kwok", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": fmt.Sprintf("kwok-node-%d", i)},
			},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i)},
		}
		if _, err := t.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("registering node %s: %w", node.Name, err)
		}
	}
	return waitFor(ctx, "the kwok nodes to be Ready", nil, func(ctx context.Context) error {
		if err := t.checkRunning(); err != nil {
			return err
		}
		nodes, err := t.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready < nodeCount {
			return fmt.Errorf("%d of %d nodes Ready: %w", ready, nodeCount, errNotReady)
		}
		return nil
	})
}

// writeKubeconfig writes a kubeconfig for the API server with a client certificate for
// user (and groups) signed by the testbed's CA.
func (t *Testbed) writeKubeconfig(file, user string, groups []string) error {
	return t.writeKubeconfigFor(file, t.Server, user, groups)
}

// writeKubeconfigFor is writeKubeconfig for the API server at server.
func (t *Testbed) writeKubeconfigFor(file, server, user string, groups []string) error {
	kp, err := t.ca.issue(user, groups)
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testbed"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: t.ca.pem}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: kp.Cert, ClientKeyData: kp.Key}
	cfg.Contexts["testbed"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: user}
	cfg.CurrentContext = "testbed"
	return clientcmd.WriteToFile(*cfg, file)
}

// serverPort is the API server's port.
func (t *Testbed) serverPort() string { return t.Server[strings.LastIndex(t.Server, ":")+1:] }

// adminTLS is a TLS configuration with the admin's client certificate from t.Kubeconfig.
func (t *Testbed) adminTLS() (*tls.Config, error) {
	cfg, err := clientcmd.LoadFromFile(t.Kubeconfig)
	if err != nil {
		return nil, err
	}
	ai := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
	cert, err := tls.X509KeyPair(ai.ClientCertificateData, ai.ClientKeyData)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(t.ca.pem)
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// httpOK checks that GET url answers 200.
func httpOK(client *http.Client, url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s: %w", url, resp.Status, errNotReady)
		}
		return nil
	}
}
