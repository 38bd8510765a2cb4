package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Killing faas-testbed run with SIGKILL, which gives it no chance to stop anything,
// still ends every process of its testbed: they live in its PID namespace, which the
// kernel empties when its first process dies.
func TestKilledRunLeavesNothing(t *testing.T) {
	bin := os.Getenv("FAAS_TESTBED_BIN")
	if bin == "" || os.Getenv("FAAS_TESTBED_DIR") != "" {
		t.Skip("needs the built testbed (FAAS_TESTBED_BIN) and runs outside a testbed (scripts/testacc-openfaas-real.sh)")
	}
	self := filepath.Join(filepath.Dir(bin), "faas-testbed")
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready")
	cmd := exec.Command(self, "run", "-dir", dir, "-bin", bin, "--", "sh", "-c", "touch "+ready+"; sleep 600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the testbed did not start")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := processesMentioning(dir); n < 4 {
		t.Fatalf("found %d processes of the testbed; want etcd, the control plane and kwok", n)
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	for start := time.Now(); processesMentioning(dir) > 0; time.Sleep(100 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%d processes of the killed testbed still run", processesMentioning(dir))
		}
	}
}

// processesMentioning counts the processes whose command line contains s.
func processesMentioning(s string) int {
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), s) {
			n++
		}
	}
	return n
}
