package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// The provider runs as a child of terraform, once per graph walk (schema, validate,
// plan, apply). To measure it exactly, dev_overrides points terraform at a copy of this
// program, which runs in shim mode: it starts the real provider with the same
// arguments, environment and standard streams (so the go-plugin handshake passes
// through untouched), waits for it, and appends one line with the child's peak RSS and
// CPU time, taken from the kernel's accounting of the exited child, to a log.

const (
	envShimTarget = "FAAS_BENCH_SHIM_TARGET"
	envShimLog    = "FAAS_BENCH_SHIM_LOG"
)

// providerRun is one provider process, as the shim records it.
type providerRun struct {
	PID         int     `json:"pid"`
	WallSeconds float64 `json:"wall_seconds"`
	UserSeconds float64 `json:"user_seconds"`
	SysSeconds  float64 `json:"sys_seconds"`
	MaxRSSKiB   int64   `json:"max_rss_kib"`
	ExitCode    int     `json:"exit_code"`
}

func runShim(target, logPath string) int {
	// Terraform stops its plugins over RPC; a terminal's Ctrl-C reaches the provider
	// itself, which handles it.
	signal.Ignore(os.Interrupt, syscall.SIGTERM)
	start := time.Now()
	cmd := exec.Command(target, os.Args[1:]...) //nolint:gosec // the bench's own provider build
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	err := cmd.Run()
	if cmd.ProcessState == nil {
		fmt.Fprintln(os.Stderr, "faas-bench shim:", err)
		return 1
	}
	run := providerRun{PID: cmd.ProcessState.Pid(), WallSeconds: time.Since(start).Seconds(), ExitCode: cmd.ProcessState.ExitCode(),
		UserSeconds: cmd.ProcessState.UserTime().Seconds(), SysSeconds: cmd.ProcessState.SystemTime().Seconds()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.MaxRSSKiB = ru.Maxrss // KiB on Linux
	}
	if line, err := json.Marshal(run); err == nil {
		if f, err := os.OpenFile(logPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			_, _ = f.Write(append(line, '\n'))
			_ = f.Close()
		}
	}
	if run.ExitCode < 0 { // killed by a signal
		return 1
	}
	return run.ExitCode
}
