package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/driver/knative"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func TestKnativeModeServesAKubeconfig(t *testing.T) {
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	urlFile := filepath.Join(dir, "url")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs syncBuffer
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveKnative(ctx, knativeFlags{listen: "127.0.0.1:0", token: "cmd-test-token", namespaces: []string{"default"},
			kubeconfigOut: kubeconfig, urlFile: urlFile}, &logs, func(u string) { urls <- u })
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("the simulator did not start")
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("url %s", url)
	}
	if info, err := os.Stat(kubeconfig); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig %v %v", info, err)
	}
	cfg, err := knative.RESTConfigFromOptions(knative.KubeOptions{ConfigPath: kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	d, err := knative.New(knative.Config{RESTConfig: cfg, UserAgent: "cmd-test"})
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	if _, err := d.Info(rctx); err != nil {
		t.Fatal(err)
	}
	fn := &platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "hello"}, Image: "ghcr.io/acme/hello:1"}
	if _, err := d.CreateFunction(rctx, fn); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{kubeconfig, urlFile} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s left behind", f)
		}
	}
	out := logs.String()
	if !strings.Contains(out, "POST /apis/serving.knative.dev/v1/namespaces/default/services 201") || strings.Contains(out, "cmd-test-token") {
		t.Errorf("log:\n%s", out)
	}
}
