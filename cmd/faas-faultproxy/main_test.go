package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/faultproxy"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

func TestRunRejectsBadFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "-backend is required"},
		{[]string{"-backend", "http://127.0.0.1:1", "-listen", "0.0.0.0:0"}, "refusing to listen"},
		{[]string{"-backend", "http://127.0.0.1:1", "-answers", "soap"}, "unsupported -answers"},
		{[]string{"-backend", "http://127.0.0.1:1", "-faults", `{"burst":1}`}, "invalid -faults"},
		{[]string{"-backend", "gopher://x"}, "http or https"},
		{[]string{"-backend", "http://127.0.0.1:1", "-tls-cert", "/nonexistent"}, "-tls-cert"},
	} {
		if err := run(context.Background(), tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v) = %v, want %q", tt.args, err, tt.want)
		}
	}
}

// syncBuffer is a log buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServesTLSWithInitialFaults: the command serves HTTPS with a self-signed
// certificate it writes out, injects the faults of -faults, logs one line per request
// without credentials, and stops when its context ends.
func TestServesTLSWithInitialFaults(t *testing.T) {
	sim := openfaassim.New(openfaassim.Options{Username: "admin", Password: "cmd-test-password"})
	sim.Start()
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	urlFile, caFile := filepath.Join(dir, "url"), filepath.Join(dir, "ca.crt")
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-backend", sim.URL(), "-tls", "-ca-out", caFile, "-url-file", urlFile,
			"-faults", `{"burst503":1,"onlyPath":"/system/"}`}, &logs)
	}()
	var url string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(urlFile); err == nil && len(b) > 0 {
			url = strings.TrimSpace(string(b))
			break
		}
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		cancel()
		t.Fatalf("no URL (%q); log:\n%s", url, logs.String())
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	var statuses []int
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, url+"/system/functions", nil)
		req.SetBasicAuth("admin", "cmd-test-password")
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		statuses = append(statuses, res.StatusCode)
	}
	if statuses[0] != 503 || statuses[1] != 200 {
		t.Errorf("statuses %v, want a 503 then the gateway's 200", statuses)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "GET /system/functions 503") || !strings.Contains(out, "GET /system/functions 200") {
		t.Errorf("log:\n%s", out)
	}
	if strings.Contains(out, "cmd-test-password") || strings.Contains(out, "Basic ") {
		t.Errorf("credentials in the log:\n%s", out)
	}
	if _, err := os.Stat(urlFile); !os.IsNotExist(err) {
		t.Error("the URL file was not removed on exit")
	}
}

// TestHelpListsEveryAdminRoute: -h prints every route of the proxy's admin API with its
// help line, from the same list the routes are registered from, so it cannot go stale.
func TestHelpListsEveryAdminRoute(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-h"}, &out); err == nil {
		t.Fatal("-h returned no error")
	}
	routes := faultproxy.AdminRoutes()
	if len(routes) < 5 {
		t.Fatalf("only %d admin routes registered", len(routes))
	}
	for _, r := range routes {
		method, path, _ := strings.Cut(r.Pattern, " ")
		line := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(method) + `\s+` + regexp.QuoteMeta(path) + `\s+` + regexp.QuoteMeta(r.Help) + `$`)
		if r.Help == "" || !line.MatchString(out.String()) {
			t.Errorf("-h does not list %s with its help line:\n%s", r.Pattern, out.String())
		}
	}
}
