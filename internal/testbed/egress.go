package testbed

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// egressProxy is the API server's way to the components that it calls by Service
// (admission webhooks): kube-apiserver's egress selector sends its "cluster" traffic as
// HTTP CONNECT requests to this proxy's unix socket. The CONNECT target is the
// Service's ClusterIP and port; the proxy looks the Service up and connects to the
// local process registered for it (route). Any other target is refused, so the API
// server never reaches an address that is not a testbed process.
type egressProxy struct {
	socket   string
	listener net.Listener
	mu       sync.Mutex
	client   kubernetes.Interface
	routes   map[string]string // "namespace/name" -> host:port on 127.0.0.1
}

// startEgressProxy listens on a unix socket in dir and writes the API server's egress
// selector configuration beside it; it returns the proxy and that file's path.
func startEgressProxy(dir string) (*egressProxy, string, error) {
	socket := filepath.Join(dir, "egress.sock")
	_ = os.Remove(socket)
	l, err := net.Listen("unix", socket)
	if err != nil {
		return nil, "", fmt.Errorf("egress proxy: %w", err)
	}
	config := filepath.Join(dir, "egress-selector.yaml")
	if err := os.WriteFile(config, []byte(`apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: `+socket+"\n"), 0o600); err != nil {
		l.Close()
		return nil, "", err
	}
	p := &egressProxy{socket: socket, listener: l, routes: map[string]string{}}
	go p.serve()
	return p, config, nil
}

// route sends CONNECTs to the Service namespace/name to addr (host:port).
func (p *egressProxy) route(namespace, name, addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.routes[namespace+"/"+name] = addr
}

func (p *egressProxy) setClient(c kubernetes.Interface) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.client = c
}

// Close stops the proxy.
func (p *egressProxy) Close() { p.listener.Close() }

func (p *egressProxy) serve() {
	for {
		conn, err := p.listener.Accept()
		if err != nil {
			return
		}
		go p.handle(conn)
	}
}

func (p *egressProxy) handle(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	if req.Method != http.MethodConnect {
		fmt.Fprint(conn, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
		return
	}
	addr, err := p.resolve(req.Context(), req.Host)
	if err != nil {
		fmt.Fprintf(conn, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\n%s\n", err)
		return
	}
	upstream, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		fmt.Fprintf(conn, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\n%s\n", err)
		return
	}
	defer upstream.Close()
	fmt.Fprint(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(upstream, br); done <- struct{}{} }()
	go func() { _, _ = io.Copy(conn, upstream); done <- struct{}{} }()
	<-done
}

// resolve maps a CONNECT target (ClusterIP:port, or a Service's DNS name) to the
// registered local address.
func (p *egressProxy) resolve(ctx context.Context, target string) (string, error) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return "", err
	}
	if _, err := strconv.Atoi(port); err != nil {
		return "", fmt.Errorf("bad port in %q", target)
	}
	p.mu.Lock()
	client := p.client
	routes := make(map[string]string, len(p.routes))
	for k, v := range p.routes {
		routes[k] = v
	}
	p.mu.Unlock()
	if client == nil {
		return "", fmt.Errorf("egress proxy: %s: the control plane is not up yet", target)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	svcs, err := client.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	for _, s := range svcs.Items {
		key := s.Namespace + "/" + s.Name
		dns := s.Name + "." + s.Namespace + ".svc"
		if s.Spec.ClusterIP == host || host == dns || host == dns+".cluster.local" {
			if addr, ok := routes[key]; ok {
				return addr, nil
			}
			return "", fmt.Errorf("egress proxy: the Service %s (%s) has no testbed process", key, target)
		}
	}
	return "", fmt.Errorf("egress proxy: %s is not a Service address", target)
}
