// Command faas-testbed runs the testbed (internal/testbed): a real Kubernetes control
// plane and the real OpenFaaS or the real Knative Serving and Eventing, as local processes, inside a network
// namespace of its own, and runs a command inside that namespace with the testbed's addresses and
// credentials in its environment:
//
//	faas-testbed run [-openfaas | -knative] [-dir DIR] -- COMMAND [ARG...]
//
// Without a command it prints the addresses and credentials and waits for Ctrl-C
// (`make testbed`); another terminal enters the namespace with the nsenter line it
// prints. Everything it started, in the namespace and out, ends when it ends, also when
// it is killed: the namespace has its own PID namespace, whose processes the kernel
// kills with its first process. Build the binaries first with `make testbed-build`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/testbed"
)

// innerEnv marks the process re-executed inside the new namespaces.
const innerEnv = "FAAS_TESTBED_INNER"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(os.Stderr, "usage: faas-testbed run [-openfaas | -knative] [-dir DIR] [-bin DIR] [-logs-on-failure] [-- COMMAND [ARG...]]")
		return 2
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	openfaas := fs.Bool("openfaas", false, "also start OpenFaaS CE (faas-netes, gateway, Prometheus, an image registry)")
	knative := fs.Bool("knative", false, "also start Knative Serving (controller, webhook, autoscaler, and a stand-in for the networking layer) and Knative Eventing (controller, webhook, PingSource adapter, in-memory channel, multi-tenant channel-based broker); not with -openfaas")
	dir := fs.String("dir", "", "working directory (certificates, data, logs); a new temporary one by default, removed at the end")
	bin := fs.String("bin", "", "directory of the built binaries (default: bin/testbed beside this command)")
	logsOnFailure := fs.Bool("logs-on-failure", false, "print the end of every component's log when the command fails")
	timeout := fs.Duration("start-timeout", 3*time.Minute, "bound on the start-up")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *bin == "" {
		self, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		*bin = filepath.Join(filepath.Dir(self), "testbed")
	}
	if os.Getenv(innerEnv) == "" {
		return reexec(args)
	}
	return inner(testbed.Options{OpenFaaS: *openfaas, Knative: *knative}, *dir, *bin, *logsOnFailure, *timeout, fs.Args())
}

// reexec runs this command again inside new network, PID and mount namespaces.
func reexec(args []string) int {
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		fmt.Fprintln(os.Stderr, "faas-testbed needs unshare(1) (util-linux) and root to make its network namespace")
		return 1
	}
	cmd := exec.Command("unshare", append([]string{"--net", "--pid", "--fork", "--kill-child", "--mount-proc", "--", self}, args...)...) //nolint:gosec // this command itself
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), innerEnv+"=1")
	// If this process is killed, unshare dies too, and with --kill-child so does the
	// namespace's first process and with it the whole PID namespace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Ctrl-C reaches the whole foreground process group; the inner process handles it.
	signal.Ignore(syscall.SIGINT)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "faas-testbed:", err)
		return 1
	}
	return 0
}

func inner(opts testbed.Options, dir, bin string, logsOnFailure bool, timeout time.Duration, command []string) int {
	if err := testbed.SetUpNamespace(); err != nil {
		fmt.Fprintln(os.Stderr, "faas-testbed:", err)
		return 1
	}
	removeDir := dir == ""
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	startCtx, cancel := context.WithTimeout(ctx, timeout)
	opts.BinDir, opts.Dir, opts.Progress = bin, dir, os.Stderr
	tb, err := testbed.Start(startCtx, opts)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "faas-testbed:", err)
		return 1
	}
	defer func() {
		tb.Stop()
		if removeDir {
			_ = os.RemoveAll(tb.Dir)
		}
	}()
	env := environment(tb)
	if len(command) == 0 {
		fmt.Println("The testbed runs inside its own network namespace. Its settings:")
		for _, e := range env {
			fmt.Println("  export " + e)
		}
		fmt.Printf("Enter the namespace from another terminal: nsenter --target %d --net --pid --mount (as root).\nCtrl-C stops the testbed.\n", os.Getpid())
		<-ctx.Done()
		return 0
	}
	cmd := exec.CommandContext(ctx, command[0], command[1:]...) //nolint:gosec // the caller's command
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	code := 0
	if err := cmd.Run(); err != nil {
		code = 1
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			code = exit.ExitCode()
		} else {
			fmt.Fprintln(os.Stderr, "faas-testbed:", err)
		}
		if logsOnFailure {
			tb.Logs(os.Stderr, 40)
		}
	}
	return code
}

// environment is what the command inside gets: the kubeconfig and, with OpenFaaS, the
// variables of the acceptance tests' real-gateway mode, and with Knative those of their
// real-cluster mode (see the README).
func environment(tb *testbed.Testbed) []string {
	env := []string{"KUBECONFIG=" + tb.Kubeconfig, "FAAS_TESTBED_DIR=" + tb.Dir, "FAAS_TESTBED_SERVER=" + tb.Server}
	if o := tb.OpenFaaS; o != nil {
		env = append(env,
			"FAAS_TESTBED_REGISTRY="+o.Registry,
			"FAAS_TEST_OPENFAAS_URL="+o.GatewayURL,
			"FAAS_TEST_OPENFAAS_USERNAME="+o.Username,
			"FAAS_TEST_OPENFAAS_PASSWORD="+o.Password,
			"FAAS_TEST_OPENFAAS_NAMESPACE="+o.Namespace,
			"FAAS_TEST_OPENFAAS_IMAGE="+o.Image("openfaas/alpine", "latest"),
			"FAAS_TEST_OPENFAAS_IMAGE_ALT="+o.Image("openfaas/figlet", "latest"),
		)
	}
	if k := tb.Knative; k != nil {
		env = append(env,
			"FAAS_TEST_KUBECONFIG="+tb.Kubeconfig,
			"FAAS_TEST_KNATIVE_DOMAIN="+k.Domain,
			"FAAS_TESTBED_REGISTRY="+k.Registry,
		)
	}
	for i, e := range env {
		env[i] = strings.TrimSpace(e)
	}
	return env
}
