package memlimit

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// restoreLimit puts the process's memory limit back after a test.
func restoreLimit(t *testing.T) {
	t.Helper()
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
}

func TestApplySetsTheBaseAndFollowsTheLiveHeap(t *testing.T) {
	restoreLimit(t)
	t.Setenv("GOMEMLIMIT", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const base = 8 << 20
	if !Apply(ctx, base, 5*time.Millisecond) {
		t.Fatal("Apply must act when GOMEMLIMIT is unset")
	}
	if got := debug.SetMemoryLimit(-1); got != base {
		t.Fatalf("limit %d, want the base %d", got, base)
	}
	// Keep 32 MiB live: the limit must rise to at least Headroom times that.
	hold := make([][]byte, 32)
	for i := range hold {
		hold[i] = make([]byte, 1<<20)
		for j := range hold[i] {
			hold[i][j] = byte(j)
		}
	}
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) < 48<<20 {
		if time.Now().After(deadline) {
			t.Fatalf("limit %d did not follow a live heap of 32 MiB", debug.SetMemoryLimit(-1))
		}
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(hold)
}

func TestApplyLeavesGOMEMLIMITAlone(t *testing.T) {
	restoreLimit(t)
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(math.MaxInt64)
	if Apply(context.Background(), 8<<20, time.Millisecond) {
		t.Fatal("Apply must not act when GOMEMLIMIT is set")
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Fatalf("limit changed to %d", got)
	}
}

func TestRaiseNeverLowers(t *testing.T) {
	restoreLimit(t)
	if got := raise(100, 10); got != 100 {
		t.Fatalf("raise lowered the limit to %d", got)
	}
	if got := raise(100, 80); got != 120 {
		t.Fatalf("raise(100, 80) = %d, want 120", got)
	}
	if got := raise(100, math.MaxUint64); got != 100 {
		t.Fatalf("an absurd live heap must not overflow: %d", got)
	}
}
