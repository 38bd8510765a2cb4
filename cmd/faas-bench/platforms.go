package main

import (
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// platformNames are the platforms the benchmark knows, in the order it runs them.
var platformNames = []string{"openfaas", "knative", "knative-real"}

// defaultPlatforms are the platforms benchmarked when -platforms is not given: the
// simulators, which need nothing but this program (knative-real needs the testbed).
var defaultPlatforms = []string{"openfaas", "knative"}

// benchPlatform is one platform simulator the benchmark runs the provider against, in
// process, behind a meter.
type benchPlatform struct {
	// name is "openfaas" or "knative"; title is its display name.
	name, title string
	// describe says which simulator, for the report.
	describe string
	// env points the provider at the simulator (credentials through the provider's
	// environment variables, so the configuration carries none).
	env []string
	// block is the provider block of the configuration.
	block string
	meter *meter
	// leftovers counts the functions and triggers left after a destroy.
	leftovers func() int
	// resetLog drops the simulator's own request log, which the benchmark does not use,
	// to keep its memory flat.
	resetLog func()
	// down is the environment that points the provider at a closed port on 127.0.0.1
	// instead: the platform is down (connection refused).
	down []string
	// unavailable makes the simulator answer every request with 503 (true), or serve
	// normally again (false).
	unavailable func(bool)
	close       func()
}

// closedPort returns an address on 127.0.0.1 where nothing listens.
func closedPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

const (
	simUser     = "admin"
	simPassword = "bench-gateway-password"
	kubeToken   = "bench-kube-token"
)

// startOpenFaaS starts the OpenFaaS simulator (faas-netes, Pro) on 127.0.0.1.
func startOpenFaaS(o *options) (*benchPlatform, error) {
	sim := openfaassim.New(openfaassim.Options{Backend: openfaassim.FaasNetes, Edition: openfaassim.Pro,
		Username: simUser, Password: simPassword, ReadyAfterPolls: o.readyAfter})
	sim.SetFaults(openfaassim.Faults{Latency: o.latency})
	m := newMeter(sim, openfaasWire{defaultNS: "openfaas-fn"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	closed, err := closedPort()
	if err != nil {
		return nil, err
	}
	return &benchPlatform{
		name: "openfaas", title: "OpenFaaS", describe: "faas-netes Pro simulator (internal/simulator/openfaassim), in process",
		env: []string{"OPENFAAS_URL=http://" + ln.Addr().String(), "OPENFAAS_USERNAME=" + simUser,
			"OPENFAAS_PASSWORD=" + simPassword, "OPENFAAS_TOKEN="},
		block: "# The gateway URL and credentials come from OPENFAAS_URL, OPENFAAS_USERNAME and\n" +
			"# OPENFAAS_PASSWORD.\nprovider \"faas\" {\n  openfaas {}\n}\n",
		meter:     m,
		leftovers: func() int { return len(sim.Functions("openfaas-fn")) },
		resetLog:  sim.ResetRequests,
		down:      []string{"OPENFAAS_URL=http://" + closed},
		unavailable: func(on bool) {
			f := openfaassim.Faults{Latency: o.latency}
			if on {
				f.PersistentStatus, f.PersistentMessage = http.StatusServiceUnavailable, "no provider behind the gateway"
			}
			sim.SetFaults(f)
		},
		close: func() { _ = srv.Close() },
	}, nil
}

// startKnative starts the Kubernetes API server simulator with Knative Serving and
// Eventing on 127.0.0.1 over HTTPS with a bearer token, as client-go requires.
func startKnative(o *options) (*benchPlatform, error) {
	sim, err := k8ssim.Open(k8ssim.Options{Token: kubeToken, ReadyAfterPolls: o.readyAfter,
		Logf: log.New(io.Discard, "", 0).Printf})
	if err != nil {
		return nil, err
	}
	sim.SetFaults(k8ssim.Faults{Latency: o.latency})
	m := newMeter(sim, knativeWire{})
	ts := httptest.NewUnstartedServer(m)
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.StartTLS()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	schema := "with CRD validation"
	if !sim.SchemaValidation() {
		schema = "WITHOUT CRD validation (../shared/specs/knative not found)"
	}
	p, err := knativePlatform("knative", "Knative", ts.URL, ca)
	if err != nil {
		ts.Close()
		return nil, err
	}
	p.describe = fmt.Sprintf("Kubernetes API server simulator with Knative Serving and Eventing (internal/simulator/k8ssim), in process, HTTPS, %s", schema)
	p.meter = m
	p.leftovers = func() int {
		return len(sim.List(k8ssim.ServicesGVR, "default")) + len(sim.List(k8ssim.PingSourcesGVR, "default"))
	}
	p.resetLog = sim.ResetRequests
	p.unavailable = func(on bool) {
		f := k8ssim.Faults{Latency: o.latency}
		if on {
			f.PersistentStatus, f.PersistentMessage = http.StatusServiceUnavailable, "etcdserver: leader changed"
		}
		sim.SetFaults(f)
	}
	p.close = ts.Close
	return p, nil
}

// knativePlatform is what the simulated and the real Knative share: the provider reaches
// the API server (or the meter in front of it) at url over HTTPS, trusting ca, with a
// token through the provider's environment, and a closed port on 127.0.0.1 stands for
// the API server being down. The caller fills in the rest.
func knativePlatform(name, title, url string, ca []byte) (*benchPlatform, error) {
	closed, err := closedPort()
	if err != nil {
		return nil, err
	}
	return &benchPlatform{
		name: name, title: title,
		env: []string{"KUBE_HOST=" + url, "KUBE_TOKEN=" + kubeToken, "KUBE_CLUSTER_CA_CERT_DATA=" + string(ca),
			"KUBE_CONFIG_PATH=", "KUBE_CONFIG_PATHS=", "KUBE_CTX=", "KUBE_INSECURE=", "KUBE_CLIENT_CERT_DATA=", "KUBE_CLIENT_KEY_DATA="},
		block: "# The API server, token and CA come from KUBE_HOST, KUBE_TOKEN and\n" +
			"# KUBE_CLUSTER_CA_CERT_DATA.\nprovider \"faas\" {\n  knative {}\n}\n",
		down: []string{"KUBE_HOST=https://" + closed},
	}, nil
}

// startPlatform starts the named platform's simulator.
func startPlatform(name string, o *options) (*benchPlatform, error) {
	switch name {
	case "openfaas":
		return startOpenFaaS(o)
	case "knative":
		return startKnative(o)
	case "knative-real":
		return startKnativeReal(o)
	}
	return nil, fmt.Errorf("unknown platform %q", name)
}
