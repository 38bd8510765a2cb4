package faultproxy

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

const user, pass = "admin", "proxy-test-password"

// gateway starts an OpenFaaS simulator and a proxy in front of it.
func gateway(t *testing.T) (*openfaassim.Server, *Proxy) {
	t.Helper()
	sim := openfaassim.New(openfaassim.Options{Username: user, Password: pass})
	sim.Start()
	t.Cleanup(sim.Close)
	p, err := New(Options{Backend: sim.URL(), Answers: openfaassim.FaultAnswers()})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(false)
	t.Cleanup(p.Close)
	return sim, p
}

type answer struct {
	status int
	header http.Header
	body   string
}

// send sends one request with basic auth on its own connection.
func send(t *testing.T, c *http.Client, method, url, body string) (answer, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	res, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}, err
}

var plain = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}

func deployment(name, image string) string {
	return fmt.Sprintf(`{"service":%q,"image":%q}`, name, image)
}

// TestFaultsInFrontOfAGateway: every fault of the engine, injected by the proxy in
// front of a gateway: what reaches the backend, what the client sees, and the log.
func TestFaultsInFrontOfAGateway(t *testing.T) {
	sim, p := gateway(t)
	base := p.URL()
	mustSend := func(method, path, body string, want int) answer {
		t.Helper()
		a, err := send(t, plain, method, base+path, body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if a.status != want {
			t.Fatalf("%s %s: %d %q, want %d", method, path, a.status, a.body, want)
		}
		return a
	}

	// No faults: requests and credentials pass through.
	mustSend("POST", "/system/functions", deployment("a", "img:1"), 202)
	if a := mustSend("GET", "/system/function/a", "", 200); !strings.Contains(a.body, `"img:1"`) {
		t.Fatalf("read through the proxy: %s", a.body)
	}

	// Latency, then 429 with Retry-After on every second request.
	p.SetFaults(simcore.Faults{Latency: 80 * time.Millisecond, RateLimitEvery: 2, RetryAfterSeconds: 2})
	start := time.Now()
	mustSend("GET", "/system/functions", "", 200)
	if time.Since(start) < 80*time.Millisecond {
		t.Error("latency not applied")
	}
	if a := mustSend("GET", "/system/functions", "", 429); a.header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q", a.header.Get("Retry-After"))
	}

	// A burst of 503: not forwarded.
	p.SetFaults(simcore.Faults{Burst503: 2})
	mustSend("POST", "/system/functions", deployment("b", "img:1"), 503)
	mustSend("POST", "/system/functions", deployment("b", "img:1"), 503)
	mustSend("POST", "/system/functions", deployment("b", "img:1"), 202)

	// A dropped connection: nothing reaches the backend.
	p.SetFaults(simcore.Faults{DropConnections: 1})
	sim.ResetRequests()
	if _, err := send(t, plain, "POST", base+"/system/functions", deployment("c", "img:1")); err == nil {
		t.Fatal("a dropped connection must surface as a client error")
	}
	if n := len(sim.Requests()); n != 0 {
		t.Fatalf("the backend received %d requests of a dropped connection", n)
	}

	// A lost response: applied by the backend, the client gets no answer.
	p.SetFaults(simcore.Faults{LoseResponses: 1})
	if _, err := send(t, plain, "POST", base+"/system/functions", deployment("c", "img:1")); err == nil {
		t.Fatal("a lost response must surface as a client error")
	}
	if _, ok := sim.GetFunction("", "c"); !ok {
		t.Fatal("the write of a lost response must reach the backend")
	}

	// An ignored update: 200 with an empty body, not forwarded.
	p.SetFaults(simcore.Faults{IgnoreUpdates: 1, OnlyPath: "/system/functions"})
	if a := mustSend("PUT", "/system/functions", deployment("a", "img:2"), 200); a.body != "" {
		t.Errorf("body %q", a.body)
	}
	if fn, _ := sim.GetFunction("", "a"); fn.Image != "img:1" {
		t.Fatalf("an ignored update reached the backend: %q", fn.Image)
	}
	mustSend("PUT", "/system/functions", deployment("a", "img:2"), 202)

	// A persistent error in the gateway's form.
	p.SetFaults(simcore.Faults{PersistentStatus: 500, PersistentMessage: "etcd is down", OnlyMethod: "GET"})
	if a := mustSend("GET", "/system/functions", "", 500); strings.TrimSpace(a.body) != "etcd is down" {
		t.Errorf("body %q", a.body)
	}

	// The log: every proxied request with its outcome, no bodies by default. An entry is
	// completed just after its response went out, so the client (and its next request)
	// may be faster than the log: wait, bounded, until every entry has its outcome.
	complete := func(reqs []simcore.Request) bool {
		for _, r := range reqs {
			if r.Status == 0 && !r.Dropped {
				return false
			}
		}
		return true
	}
	reqs := p.Requests()
	for deadline := time.Now().Add(5 * time.Second); !complete(reqs) && time.Now().Before(deadline); reqs = p.Requests() {
		time.Sleep(10 * time.Millisecond)
	}
	var lines []string
	for _, r := range reqs {
		if len(r.Body) != 0 {
			t.Errorf("a body was recorded: %s", r.Body)
		}
		lines = append(lines, r.String())
	}
	want := []string{
		"POST /system/functions -> 202", "GET /system/function/a -> 200", "GET /system/functions -> 200", "GET /system/functions -> 429",
		"POST /system/functions -> 503", "POST /system/functions -> 503", "POST /system/functions -> 202",
		"POST /system/functions -> dropped", "POST /system/functions -> dropped", "PUT /system/functions -> 200",
		"PUT /system/functions -> 202", "GET /system/functions -> 500",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if reqs[8].Status != 202 {
		t.Errorf("a lost response is logged with the backend's status, got %d", reqs[8].Status)
	}
}

// TestAdminRoutes: the faults and the log are reachable over HTTP, as on the
// simulators, and the backend's own /_sim/ routes are proxied.
func TestAdminRoutes(t *testing.T) {
	sim, p := gateway(t)
	a, err := send(t, plain, "POST", p.URL()+"/_sim/faults", `{"burst503":1,"onlyMethod":"GET"}`)
	if err != nil || a.status != 204 {
		t.Fatalf("setting faults: %v %+v", err, a)
	}
	if f := p.CurrentFaults(); f.Burst503 != 1 || f.OnlyMethod != "GET" {
		t.Fatalf("faults %+v", f)
	}
	if f := sim.CurrentFaults(); f.Burst503 != 0 {
		t.Fatal("the proxy's faults must not reach the backend's")
	}
	if a, _ := send(t, plain, "GET", p.URL()+"/system/functions", ""); a.status != 503 {
		t.Fatalf("status %d", a.status)
	}
	a, _ = send(t, plain, "GET", p.URL()+"/_sim/requests", "")
	var log []map[string]any
	if err := json.Unmarshal([]byte(a.body), &log); err != nil || len(log) != 1 || log[0]["status"] != float64(503) {
		t.Fatalf("log %s (%v)", a.body, err)
	}
	// The simulator's own admin API is reached through the proxy.
	if a, _ := send(t, plain, "GET", p.URL()+"/_sim/functions", ""); a.status != 200 {
		t.Fatalf("the backend's admin API: %d %s", a.status, a.body)
	}
}

// TestBackendUnreachable: a backend that does not answer is a 502 naming the proxy.
func TestBackendUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	p, err := New(Options{Backend: url})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(false)
	t.Cleanup(p.Close)
	if a, err := send(t, plain, "GET", p.URL()+"/healthz", ""); err != nil || a.status != 502 || !strings.Contains(a.body, "fault proxy") {
		t.Fatalf("%v %+v", err, a)
	}
	for _, bad := range []string{"", "ftp://x", "http://", "://"} {
		if _, err := New(Options{Backend: bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := New(Options{Backend: "https://127.0.0.1:1", BackendCAPEM: []byte("no pem")}); err == nil {
		t.Error("a CA without a certificate accepted")
	}
}

// certificate makes a throw-away CA-signed certificate; with ca nil it is self-signed.
func certificate(t *testing.T, cn string, ca *tls.Certificate, usage x509.ExtKeyUsage) (tls.Certificate, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}}
	parent, signer := tmpl, any(key)
	if ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage = true, true, x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature
	} else {
		parent, signer = ca.Leaf, ca.PrivateKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	c.Leaf, _ = x509.ParseCertificate(der)
	return c, certPEM, keyPEM
}

// TestHTTPSBackendWithClientCertificate: the proxy serves TLS with its own certificate
// and re-originates to an HTTPS backend that trusts only client certificates of its
// CA (as a kube-apiserver does), presenting the configured one, and replaces the
// client's token when told to.
func TestHTTPSBackendWithClientCertificate(t *testing.T) {
	ca, caPEM, _ := certificate(t, "test CA", nil, x509.ExtKeyUsageAny)
	_, clientPEM, clientKey := certificate(t, "system:admin", &ca, x509.ExtKeyUsageClientAuth)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s as %s with %s", r.Method, r.URL.Path, r.TLS.PeerCertificates[0].Subject.CommonName, r.Header.Get("Authorization"))
	}))
	backend.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool, MinVersion: tls.VersionTLS12}
	backend.StartTLS()
	t.Cleanup(backend.Close)
	backendCA := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: backend.Certificate().Raw})

	// Without the client certificate the backend refuses the handshake: a 502.
	noCert, err := New(Options{Backend: backend.URL, BackendCAPEM: backendCA})
	if err != nil {
		t.Fatal(err)
	}
	noCert.Start(false)
	t.Cleanup(noCert.Close)
	if a, _ := send(t, plain, "GET", noCert.URL()+"/api", ""); a.status != http.StatusBadGateway {
		t.Fatalf("without a client certificate: %+v", a)
	}

	p, err := New(Options{Backend: backend.URL, BackendCAPEM: backendCA, ClientCertPEM: clientPEM, ClientKeyPEM: clientKey, BearerToken: "proxy-token"})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(true)
	t.Cleanup(p.Close)
	if !strings.HasPrefix(p.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s", p.URL())
	}
	proxyCAs := x509.NewCertPool()
	proxyCAs.AppendCertsFromPEM(p.CACertPEM())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: proxyCAs, MinVersion: tls.VersionTLS12}}}
	a, err := send(t, client, "GET", p.URL()+"/api/v1/namespaces", "")
	if err != nil || a.status != 200 || a.body != "GET /api/v1/namespaces as system:admin with Bearer proxy-token" {
		t.Fatalf("%v %+v", err, a)
	}
}

// TestKubernetesAnswers: in front of an API server the faults answer Status objects.
func TestKubernetesAnswers(t *testing.T) {
	kube := k8ssim.New(k8ssim.Options{Token: "kube-token"})
	kube.StartTLS()
	t.Cleanup(kube.Close)
	p, err := New(Options{Backend: kube.URL(), BackendCAPEM: kube.CACertPEM(), Answers: k8ssim.FaultAnswers()})
	if err != nil {
		t.Fatal(err)
	}
	p.Start(false)
	t.Cleanup(p.Close)
	p.SetFaults(simcore.Faults{RateLimitEvery: 1, RetryAfterSeconds: 3})
	req, _ := http.NewRequest("GET", p.URL()+"/api/v1/namespaces/default/secrets", nil)
	req.Header.Set("Authorization", "Bearer kube-token")
	res, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var st struct {
		Kind    string `json:"kind"`
		Reason  string `json:"reason"`
		Details struct {
			RetryAfterSeconds int `json:"retryAfterSeconds"`
		} `json:"details"`
	}
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil || res.StatusCode != 429 || st.Kind != "Status" || st.Reason != "TooManyRequests" ||
		st.Details.RetryAfterSeconds != 3 || res.Header.Get("Retry-After") != "3" {
		t.Fatalf("%d %+v %v", res.StatusCode, st, err)
	}
	p.ClearFaults()
	res2, err := plain.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res2.Body.Close()
	if res2.StatusCode != 200 {
		t.Fatalf("through the proxy without faults: %d", res2.StatusCode)
	}
}
