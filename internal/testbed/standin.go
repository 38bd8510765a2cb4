package testbed

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ConnectivityCheckHost is the host faas-netes Community Edition fetches at start-up
// (faas-netes pkg/config: ConnectivityCheck, a GET of https://checkip.amazonaws.com
// with Go's default client); it exits when that fails, so it cannot start offline.
const ConnectivityCheckHost = "checkip.amazonaws.com"

// connectivityStandIn is a STAND-IN for the internet, as seen by faas-netes CE's
// start-up connectivity check and nothing else: an HTTP CONNECT proxy on 127.0.0.1
// (faas-netes gets it as HTTPS_PROXY) that answers only ConnectivityCheckHost, with a
// certificate from a throwaway CA (faas-netes gets that CA as SSL_CERT_FILE), and
// refuses every other destination with 403. No packet leaves the machine.
type connectivityStandIn struct {
	listener net.Listener
	tlsCfg   *tls.Config
	caFile   string
	wg       sync.WaitGroup
}

// startConnectivityStandIn starts the stand-in; its CA is written to dir/standin-ca.crt.
func startConnectivityStandIn(dir string) (*connectivityStandIn, error) {
	ca, err := newAuthority("faas-testbed stand-in CA (not trusted anywhere else)")
	if err != nil {
		return nil, err
	}
	kp, err := ca.issue(ConnectivityCheckHost, nil, ConnectivityCheckHost)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(kp.Cert, kp.Key)
	if err != nil {
		return nil, err
	}
	s := &connectivityStandIn{
		tlsCfg: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		caFile: filepath.Join(dir, "standin-ca.crt"),
	}
	if err := os.WriteFile(s.caFile, ca.pem, 0o600); err != nil {
		return nil, err
	}
	if s.listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// URL is the proxy's address for HTTPS_PROXY.
func (s *connectivityStandIn) URL() string { return "http://" + s.listener.Addr().String() }

func (s *connectivityStandIn) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.listener.Accept()
		if err != nil {
			return
		}
		go s.handle(conn)
	}
}

func (s *connectivityStandIn) handle(conn net.Conn) {
	defer conn.Close()
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	host, _, _ := net.SplitHostPort(req.Host)
	if req.Method != http.MethodConnect || !strings.EqualFold(host, ConnectivityCheckHost) {
		fmt.Fprintf(conn, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		return
	}
	fmt.Fprintf(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	tconn := tls.Server(conn, s.tlsCfg)
	r, err := http.ReadRequest(bufio.NewReader(tconn))
	if err != nil {
		return
	}
	_ = r.Body.Close()
	body := "127.0.0.1\n"
	fmt.Fprintf(tconn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}

// Close stops the stand-in.
func (s *connectivityStandIn) Close() {
	_ = s.listener.Close()
	s.wg.Wait()
}
