package testbed

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// insideTestbed skips unless the test runs inside a testbed's namespace (faas-testbed
// run sets FAAS_TESTBED_DIR there; scripts/testacc-openfaas-real.sh runs these tests so).
func insideTestbed(t *testing.T) {
	t.Helper()
	if os.Getenv("FAAS_TESTBED_DIR") == "" {
		t.Skip("runs only inside a testbed's network namespace (scripts/testacc-openfaas-real.sh)")
	}
}

func TestCheckIsolatedRefusesTheHostNamespace(t *testing.T) {
	if os.Getenv("FAAS_TESTBED_DIR") != "" {
		t.Skip("inside a testbed namespace: TestClusterAddressesAreRefusedLocally covers it")
	}
	b, err := os.ReadFile("/proc/net/route")
	if err != nil {
		t.Skip(err)
	}
	if bytes.Count(b, []byte("\n")) < 2 { // the header only
		t.Skip("this namespace has no routes: it is isolated already")
	}
	if err := CheckIsolated(); err == nil {
		t.Fatal("CheckIsolated accepted a namespace with routes off the machine")
	}
}

// The network rule: inside the namespace, a dial to a pod IP or a Service ClusterIP
// is refused at once by the local stack, and never leaves the machine.
func TestClusterAddressesAreRefusedLocally(t *testing.T) {
	insideTestbed(t)
	if err := CheckIsolated(); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"10.244.0.5:9", "10.244.1.17:9090", "10.96.0.10:443", "10.111.22.33:80"} {
		start := time.Now()
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err == nil {
			conn.Close()
			t.Fatalf("dial %s succeeded; want connection refused", addr)
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial %s: %v; want connection refused", addr, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("dial %s took %s; a refusal is immediate", addr, d)
		}
	}
	// Any other private or public address has no route at all.
	if _, err := net.DialTimeout("tcp", "192.168.1.1:80", 2*time.Second); !errors.Is(err, syscall.ENETUNREACH) {
		t.Fatalf("dial 192.168.1.1: %v; want network unreachable", err)
	}
}

// A second control plane starts beside the running one, serves, and stops every process
// it started.
func TestStartAndStop(t *testing.T) {
	insideTestbed(t)
	bin := os.Getenv("FAAS_TESTBED_BIN")
	if bin == "" {
		t.Skip("FAAS_TESTBED_BIN (the built binaries) is not set")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tb, err := Start(ctx, Options{BinDir: bin, Dir: filepath.Join(t.TempDir(), "tb")})
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Stop()
	nodes, err := tb.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil || len(nodes.Items) != nodeCount {
		t.Fatalf("nodes: %v, %v", nodes, err)
	}
	procs := append([]*process(nil), tb.procs...)
	tb.Stop()
	for _, p := range procs {
		if err := p.cmd.Process.Signal(syscall.Signal(0)); err == nil {
			t.Errorf("%s (pid %d) still runs after Stop", p.name, p.cmd.Process.Pid)
		}
	}
}

// TestInOwnNetns shows the wait that keeps the autoscaler's veth peer out of our
// namespace: it returns only once unshare(1) has moved its child into a new namespace,
// and never for a process that stays in ours.
func TestInOwnNetns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("unshare --net needs root")
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	moved, err := start(dir, "moved", unshare, []string{"--net", "--", "sleep", "30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stayed, err := start(dir, "stayed", "sleep", []string{"30"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = moved.cmd.Process.Kill(); _ = stayed.cmd.Process.Kill() })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := inOwnNetns(ctx, moved); err != nil {
		t.Fatalf("unshare --net: %v", err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), time.Second)
	defer cancelShort()
	if err := inOwnNetns(short, stayed); err == nil {
		t.Fatal("a process in our own namespace was reported to be in its own")
	}
}
