// Package testbed runs the real platforms as local processes for the tests, the demo and
// by hand: a Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, and kwok for fake nodes whose pods become Running and Ready) and, on
// it, the real OpenFaaS Community Edition (faas-netes and the gateway, built from the
// upstream sources) with a Prometheus and an OCI registry holding small test images.
//
// Only the data plane is missing here: pods never run code. The binaries are built by
// scripts/testbed-build.sh (`make testbed-build`) into bin/testbed. A testbed runs only
// inside a network namespace of its own (see CheckIsolated and cmd/faas-testbed),
// because its controllers dial cluster addresses that must never leave the machine.
// TESTBED.md at the repository root describes the whole set-up and its stand-ins.
package testbed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Options configure Start.
type Options struct {
	// BinDir holds the built binaries (bin/testbed after make testbed-build).
	BinDir string
	// Dir is the testbed's working directory (certificates, etcd data, logs,
	// kubeconfig); a new temporary directory when empty.
	Dir string
	// OpenFaaS starts faas-netes, the gateway, Prometheus and the image registry.
	OpenFaaS bool
	// Knative starts the real Knative Serving (controller, webhook, autoscaler) and the
	// KIngress stand-in. It cannot run beside OpenFaaS in one network namespace: both
	// need port 8080.
	Knative bool
	// Progress receives one line per step; nil discards them.
	Progress io.Writer
}

// Testbed is a running testbed. Its fields are set by Start.
type Testbed struct {
	// Dir is the working directory; logs are in Dir/logs.
	Dir string
	// Kubeconfig is the path of a kubeconfig with cluster-admin rights.
	Kubeconfig string
	// Server is the API server's URL (https on 127.0.0.1).
	Server string
	// Client is a clientset with the admin's credentials.
	Client kubernetes.Interface
	// OpenFaaS describes the running OpenFaaS, when Options.OpenFaaS was set.
	OpenFaaS *OpenFaaS
	// Knative describes the running Knative Serving, when Options.Knative was set.
	Knative *Knative

	binDir        string
	ca            *authority
	procs         []*process
	progressW     io.Writer
	apiServerArgs []string
	cleanup       []func()
	started       time.Time
	egress        *egressProxy
	pods          int // pods started by runInPod
	dynamic       dynamic.Interface
}

// Start checks that it runs in an isolated network namespace, then starts the control
// plane and, if asked, OpenFaaS; it returns when all are ready. On error, whatever was
// started is stopped again.
func Start(ctx context.Context, opts Options) (*Testbed, error) {
	if err := CheckIsolated(); err != nil {
		return nil, err
	}
	bin, err := filepath.Abs(opts.BinDir)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"kube", "etcd", "kwok", "kwok-stages.yaml"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			return nil, fmt.Errorf("the testbed is not built (%w): run `make testbed-build` first", err)
		}
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "faas-testbed-"); err != nil {
			return nil, err
		}
	} else {
		// A testbed always starts empty: data left by an earlier one in the same
		// directory would carry its objects (and their certificates) over.
		for _, sub := range []string{"etcd", "prometheus", "logs", "pki"} {
			if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
				return nil, err
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if opts.Knative && opts.OpenFaaS {
		return nil, errors.New("OpenFaaS and Knative cannot share a testbed: the gateway, Serving's controller and its autoscaler all listen on port 8080")
	}
	t := &Testbed{Dir: dir, binDir: bin, progressW: opts.Progress, started: time.Now()}
	if opts.Knative {
		// The API server calls Knative's webhooks by Service, through this proxy, and the
		// autoscaler (in a network namespace of its own) reaches it over a veth pair.
		egress, config, err := startEgressProxy(dir)
		if err != nil {
			return nil, err
		}
		t.egress = egress
		t.cleanup = append(t.cleanup, egress.Close)
		t.apiServerArgs = append(t.apiServerArgs, "--egress-selector-config-file", config, "--bind-address", "0.0.0.0")
	}
	if err := t.startControlPlane(ctx); err != nil {
		return nil, t.fail(err)
	}
	if opts.Knative {
		t.egress.setClient(t.Client)
		if err := t.startKnative(ctx); err != nil {
			return nil, t.fail(err)
		}
	}
	if opts.OpenFaaS {
		if err := t.startOpenFaaS(ctx); err != nil {
			return nil, t.fail(err)
		}
	}
	t.progress(fmt.Sprintf("testbed ready in %s", time.Since(t.started).Round(100*time.Millisecond)))
	return t, nil
}

// fail stops what was started and returns err with the logs' location.
func (t *Testbed) fail(err error) error {
	t.Stop()
	return fmt.Errorf("starting the testbed: %w (logs in %s)", err, filepath.Join(t.Dir, "logs"))
}

// Stop stops every process of the testbed, the last started first. faas-netes ignores
// SIGTERM and gets SIGKILL. It is safe to call more than once.
func (t *Testbed) Stop() {
	for _, p := range slices.Backward(t.procs) {
		p.stop(10 * time.Second)
	}
	t.procs = nil
	for _, f := range slices.Backward(t.cleanup) {
		f()
	}
	t.cleanup = nil
}

// Logs writes the last lines of every component's log to w: what a failed test prints.
func (t *Testbed) Logs(w io.Writer, lines int) {
	for _, p := range t.procs {
		fmt.Fprintf(w, "--- %s (%s)\n%s\n", p.name, p.logFile, tail(p.logFile, lines))
	}
}

// run starts one component and keeps it for Stop.
func (t *Testbed) run(name, bin string, args ...string) (*process, error) {
	return t.runEnv(name, bin, nil, args...)
}

func (t *Testbed) runEnv(name, bin string, env []string, args ...string) (*process, error) {
	p, err := start(t.Dir, name, bin, args, env)
	if err != nil {
		return nil, err
	}
	t.procs = append(t.procs, p)
	return p, nil
}

// checkRunning returns an error naming the first component that has exited.
func (t *Testbed) checkRunning() error {
	var errs []error
	for _, p := range t.procs {
		if err := p.exited(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (t *Testbed) progress(msg string) {
	if t.progressW != nil {
		fmt.Fprintf(t.progressW, "testbed [%5.1fs] %s\n", time.Since(t.started).Seconds(), msg)
	}
}
