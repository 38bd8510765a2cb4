// Package faultproxy is a fault-injecting reverse proxy that stands in front of any
// HTTP or HTTPS backend: a real OpenFaaS gateway, a real kube-apiserver, or one of the
// in-repo simulators. It injects the faults of the simulators' fault engine
// (simcore.Faults: latency, 429 with Retry-After, bursts of 503, dropped connections,
// lost responses, updates answered 200 without being applied, persistent errors), with
// the same request log and the same /_sim/faults and /_sim/requests admin routes, so
// that a fault test runs unchanged against a simulator or a real platform.
//
// A dropped connection is closed before anything is forwarded. A lost response is
// forwarded, and the backend's answer is read in full, then the client's connection is
// closed without an answer: the write happened but the client cannot know.
//
// The proxy serves plain HTTP or HTTPS (Start) and re-originates every request to the
// backend, over TLS with the backend's CA (Options.BackendCAPEM) and, for an API server
// that authenticates clients by certificate, with a client certificate of its own
// (Options.ClientCertPEM and ClientKeyPEM). The client's Authorization header is
// forwarded unchanged unless Options.BearerToken replaces it. Request bodies are not
// recorded unless Options.Redact says how; headers never are.
package faultproxy

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// Options configures a Proxy.
type Options struct {
	// Backend is the base URL of the platform behind the proxy (http or https).
	Backend string
	// BackendCAPEM, when not empty, is the only CA trusted for an HTTPS backend;
	// otherwise the system roots are.
	BackendCAPEM []byte
	// InsecureSkipVerify disables the verification of the backend's certificate.
	InsecureSkipVerify bool
	// ClientCertPEM and ClientKeyPEM, when set, are the client certificate the proxy
	// presents to an HTTPS backend (a kube-apiserver's client-certificate
	// authentication).
	ClientCertPEM, ClientKeyPEM []byte
	// BearerToken, when set, replaces the Authorization header of every forwarded
	// request with "Bearer <BearerToken>".
	BearerToken string
	// Answers is the backend's form of the answers faults inject, for example
	// openfaassim.FaultAnswers() or k8ssim.FaultAnswers(); zero answers plain text.
	Answers simcore.Answers
	// Redact, when set, returns the part of a request body to record in the request
	// log with secret values hidden; nil records no bodies.
	Redact func(path string, body []byte) []byte
	// OnRequest, when set, is called after every proxied request has been recorded and
	// answered (or cut). Request bodies are what Redact returned.
	OnRequest func(simcore.Request)
}

// Proxy is a fault-injecting reverse proxy. It implements http.Handler and is safe for
// concurrent use: SetFaults, ClearFaults, CurrentFaults, Requests, Writes and
// ResetRequests come from the embedded simcore.Core.
type Proxy struct {
	// Core holds the faults and the request log.
	simcore.Core
	// Listener serves the proxy when started (URL, Close, CACertPEM).
	simcore.Listener

	backend   *url.URL
	transport *http.Transport
	handler   http.Handler
	adminOnce sync.Once
	admin     http.Handler
}

// New returns a Proxy in front of opts.Backend.
func New(opts Options) (*Proxy, error) {
	u, err := url.Parse(opts.Backend)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the backend must be an http or https URL with a host, got %q", opts.Backend)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: opts.InsecureSkipVerify} //nolint:gosec // an explicit option for test backends
	if len(opts.BackendCAPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(opts.BackendCAPEM) {
			return nil, errors.New("the backend CA holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	if len(opts.ClientCertPEM) > 0 || len(opts.ClientKeyPEM) > 0 {
		cert, err := tls.X509KeyPair(opts.ClientCertPEM, opts.ClientKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("the client certificate and key: %w", err)
		}
		tlsCfg.Certificates = []tls.Certificate{cert}
	}
	tr := &http.Transport{
		Proxy:                 nil, // talk to the backend directly, whatever HTTPS_PROXY says
		TLSClientConfig:       tlsCfg,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	p := &Proxy{backend: u, transport: tr}
	p.OnRequest = opts.OnRequest
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			if opts.BearerToken != "" {
				pr.Out.Header.Set("Authorization", "Bearer "+opts.BearerToken)
			}
		},
		Transport:     tr,
		FlushInterval: -1, // pass watches and other streams through at once
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "fault proxy: the backend cannot be reached: "+err.Error(), http.StatusBadGateway)
		},
	}
	plat := &simcore.Platform{MaxBody: 1 << 20, Redact: opts.Redact, Answers: opts.Answers}
	p.handler = p.Middleware(plat, rp)
	return p, nil
}

// Backend returns the URL of the platform behind the proxy.
func (p *Proxy) Backend() string { return p.backend.String() }

// ServeHTTP serves the admin routes /_sim/faults and /_sim/requests (loopback clients
// only; see simcore.Core.HandleAdmin), and proxies every other request through the
// faults.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sim/faults" || r.URL.Path == "/_sim/requests" {
		p.AdminHandler().ServeHTTP(w, r)
		return
	}
	p.handler.ServeHTTP(w, r)
}

// AdminHandler returns the unauthenticated admin API: GET, POST and DELETE
// /_sim/faults, GET and DELETE /_sim/requests. It answers only loopback clients.
func (p *Proxy) AdminHandler() http.Handler {
	p.adminOnce.Do(func() {
		p.admin = simcore.LoopbackOnly(p.adminMux())
	})
	return p.admin
}

func (p *Proxy) adminMux() *simcore.AdminMux {
	mux := simcore.NewAdminMux()
	p.HandleAdmin(mux)
	return mux
}

// AdminRoutes lists the routes of the admin API that AdminHandler serves, with their help
// lines, from the same registration (faas-faultproxy -h prints them).
func AdminRoutes() []simcore.AdminRoute { return new(Proxy).adminMux().Routes() }

// Start serves the proxy on 127.0.0.1 with a random port, over HTTPS with a self-signed
// certificate for 127.0.0.1 when tls is set (its CA is CACertPEM), and returns its base
// URL; calling it again returns the same URL.
func (p *Proxy) Start(tls bool) string { return p.Listen(p, tls) }

// Close stops a started proxy and closes its connections, to clients and to the
// backend.
func (p *Proxy) Close() {
	p.Listener.Close()
	p.transport.CloseIdleConnections()
}
