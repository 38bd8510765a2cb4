// Command faas-faultproxy is a fault-injecting reverse proxy (internal/faultproxy) on a
// loopback address, in front of any platform: a real OpenFaaS gateway, a real
// kube-apiserver, or an in-repo simulator. Faults are set at start with -faults, or at
// any time through the loopback-only admin API (POST /_sim/faults with the same JSON,
// DELETE /_sim/faults, GET /_sim/requests):
//
//	go run ./cmd/faas-faultproxy -backend http://127.0.0.1:8080 -listen 127.0.0.1:0 \
//	    -url-file /tmp/faultproxy-url -faults '{"rateLimitEvery":3,"retryAfterSeconds":1}'
//
//	go run ./cmd/faas-faultproxy -backend https://127.0.0.1:6443 -backend-ca ca.crt \
//	    -client-cert admin.crt -client-key admin.key -answers kubernetes \
//	    -tls -ca-out /tmp/faultproxy-ca.crt -faults '{"burst503":5}'
//
// The fault JSON has the fields latency, latencySpikeEvery, latencySpike,
// rateLimitEvery, retryAfterSeconds, burst503, dropConnections, loseResponses,
// ignoreUpdates, ignoreUpdateEvery, persistentStatus, persistentMessage, onlyMethod and
// onlyPath (see simcore.Faults; durations as Go strings like "150ms"). Injected answers
// take the backend's form with -answers: openfaas (plain text) or kubernetes (Status
// objects). One line per request is logged to stderr (method, path, status; never
// headers or bodies). SIGINT or SIGTERM stop it.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/faultproxy"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "faas-faultproxy:", err)
		os.Exit(1)
	}
}

// run serves the proxy until ctx ends.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("faas-faultproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to listen on; port 0 picks a free port")
	backend := fs.String("backend", "", "base URL of the platform behind the proxy (http or https); required")
	backendCA := fs.String("backend-ca", "", "PEM file of the CA to trust for an HTTPS backend (default: the system roots)")
	insecure := fs.Bool("insecure-skip-verify", false, "do not verify the backend's certificate")
	clientCert := fs.String("client-cert", "", "PEM file of the client certificate to present to an HTTPS backend")
	clientKey := fs.String("client-key", "", "PEM file of the client certificate's key")
	tokenFile := fs.String("bearer-token-file", "", "file holding a token that replaces the Authorization header of forwarded requests")
	answers := fs.String("answers", "openfaas", "form of injected answers: openfaas (plain text) or kubernetes (Status objects)")
	faults := fs.String("faults", "", "faults to inject from the start, as the JSON of POST /_sim/faults")
	serveTLS := fs.Bool("tls", false, "serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost (see -ca-out)")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (with -tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM key of -tls-cert")
	caOut := fs.String("ca-out", "", "with -tls: write the self-signed certificate (the CA clients must trust) to this file")
	urlFile := fs.String("url-file", "", "write the proxy's base URL to this file once listening")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *backend == "" {
		return errors.New("-backend is required")
	}
	if err := simcore.CheckLoopbackAddr(*listen); err != nil {
		return err
	}
	opts := faultproxy.Options{Backend: *backend, InsecureSkipVerify: *insecure}
	switch *answers {
	case "openfaas":
		opts.Answers = openfaassim.FaultAnswers()
	case "kubernetes":
		opts.Answers = k8ssim.FaultAnswers()
	default:
		return fmt.Errorf("unsupported -answers %q (openfaas or kubernetes)", *answers)
	}
	var err error
	if opts.BackendCAPEM, err = readOptional(*backendCA); err != nil {
		return err
	}
	if opts.ClientCertPEM, err = readOptional(*clientCert); err != nil {
		return err
	}
	if opts.ClientKeyPEM, err = readOptional(*clientKey); err != nil {
		return err
	}
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return err
		}
		opts.BearerToken = strings.TrimSpace(string(b))
	}
	var initial simcore.Faults
	if *faults != "" {
		if initial, err = simcore.ParseFaults(strings.NewReader(*faults)); err != nil {
			return fmt.Errorf("invalid -faults: %w", err)
		}
	}
	logger := log.New(stderr, "", log.LstdFlags)
	opts.OnRequest = func(r simcore.Request) {
		status := fmt.Sprint(r.Status)
		if r.Dropped {
			status += " (connection dropped)"
		}
		logger.Printf("%s %s %s", r.Method, r.Path, status)
	}
	p, err := faultproxy.New(opts)
	if err != nil {
		return err
	}
	p.SetFaults(initial)

	var cert *tls.Certificate
	switch {
	case *tlsCert != "" || *tlsKey != "":
		c, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("-tls-cert and -tls-key: %w", err)
		}
		cert = &c
	case *serveTLS:
		c, certPEM, err := selfSigned()
		if err != nil {
			return err
		}
		cert = &c
		if *caOut != "" {
			if err := simcore.WriteFileAtomic(*caOut, string(certPEM)); err != nil {
				return err
			}
		}
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if cert != nil {
		scheme = "https"
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
	}
	url := scheme + "://" + ln.Addr().String()
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	if *urlFile != "" {
		if err := simcore.WriteFileAtomic(*urlFile, url+"\n"); err != nil {
			_ = ln.Close()
			return err
		}
		defer func() { _ = os.Remove(*urlFile) }()
	}
	logger.Printf("fault proxy listening on %s in front of %s", url, p.Backend())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	case <-ctx.Done():
	}
	logger.Printf("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

func readOptional(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	return os.ReadFile(path)
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost, valid for a week.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "faas-faultproxy"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	c, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}))
	return c, certPEM, err
}

// usage prints the flags and then the proxy's admin API, route by route.
func usage(fs *flag.FlagSet) {
	out := fs.Output()
	fmt.Fprintf(out, "Usage: faas-faultproxy -backend URL [flags]\n\nFlags:\n")
	fs.PrintDefaults()
	fmt.Fprintf(out, "\nAdmin API (on the proxy's own address; no authentication, loopback clients only; never forwarded, never faulted):\n")
	simcore.PrintAdminRoutes(out, faultproxy.AdminRoutes())
}
