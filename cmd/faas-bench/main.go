// Command faas-bench is the project's benchmark (make bench). It starts the platform
// simulators in process on 127.0.0.1 with a per-request latency (OpenFaaS: faas-netes
// Pro; Knative: the Kubernetes API server simulator with Knative Serving and Eventing),
// and for each size N runs the real terraform binary, through dev_overrides, on N
// functions that each have a scaling policy and a cron trigger (3N resources): apply
// (create), a no-op plan, an apply that updates every tenth function, and destroy. It
// runs the same steps, interleaved, on 3N built-in terraform_data resources,
// Terraform's own floor, once per step and size, and gives every time as a ratio to
// that floor.
//
//	go build -o bin/terraform-provider-faas . && go build -o bin/faas-bench ./cmd/faas-bench
//	bin/faas-bench -provider bin/terraform-provider-faas -n "10 100 500" -latency 10ms -platforms "openfaas knative"
//
// For each step it reports the wall time, Terraform's own CPU time and peak RSS, the
// provider processes' CPU time and peak RSS (measured by running each provider process
// under this program in shim mode, see shim.go), and the platform requests by method and
// route, per resource, and how many were readiness reads (see meter). It writes a
// markdown report and a JSON file under -out and prints the report.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if target := os.Getenv(envShimTarget); target != "" {
		os.Exit(runShim(target, os.Getenv(envShimLog)))
	}
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "faas-bench:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	sizes       []int
	latency     time.Duration
	readyAfter  int
	parallelism int
	provider    string
	terraform   string
	out         string
	keep        bool
	platforms   []string
}

func parseOptions(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("faas-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sizes := fs.String("n", "10 100 500", "numbers of functions to benchmark (each with a scaling policy and a trigger), space or comma separated")
	o := &options{}
	fs.DurationVar(&o.latency, "latency", 10*time.Millisecond, "latency the simulator adds to every gateway request")
	fs.IntVar(&o.readyAfter, "ready-after-polls", 0, "reads before a created or updated function reports ready (0: at once)")
	fs.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	fs.StringVar(&o.provider, "provider", "bin/terraform-provider-faas", "the provider binary to benchmark")
	fs.StringVar(&o.terraform, "terraform", "", "terraform binary (default: terraform on PATH)")
	fs.StringVar(&o.out, "out", "bench/results", "folder for the markdown report and the JSON results")
	fs.BoolVar(&o.keep, "keep", false, "keep the working directory (configurations, state, terraform output)")
	platforms := fs.String("platforms", strings.Join(defaultPlatforms, " "), "platforms to benchmark, space or comma separated: "+strings.Join(platformNames, ", ")+
		" (knative-real: the real Knative of the testbed, through "+envKubeconfig+")")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, p := range strings.FieldsFunc(*platforms, func(r rune) bool { return r == ' ' || r == ',' }) {
		if !slices.Contains(platformNames, p) {
			return nil, fmt.Errorf("-platforms: unknown platform %q (known: %s)", p, strings.Join(platformNames, ", "))
		}
		if !slices.Contains(o.platforms, p) {
			o.platforms = append(o.platforms, p)
		}
	}
	if len(o.platforms) == 0 {
		return nil, errors.New("-platforms: no platform")
	}
	for _, f := range strings.FieldsFunc(*sizes, func(r rune) bool { return r == ' ' || r == ',' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-n: %q is not a positive number", f)
		}
		o.sizes = append(o.sizes, n)
	}
	if len(o.sizes) == 0 {
		return nil, errors.New("-n: no sizes")
	}
	if o.parallelism < 1 {
		return nil, errors.New("-parallelism must be at least 1")
	}
	if o.terraform == "" {
		p, err := exec.LookPath("terraform")
		if err != nil {
			return nil, errors.New("terraform is not on PATH (or pass -terraform)")
		}
		o.terraform = p
	}
	return o, nil
}

func run(args []string, stdout io.Writer) error {
	o, err := parseOptions(args, os.Stderr)
	if err != nil {
		return err
	}
	provider, err := filepath.Abs(o.provider)
	if err != nil {
		return err
	}
	if st, err := os.Stat(provider); err != nil || st.IsDir() {
		return fmt.Errorf("provider binary %s not found: build it first (make build)", provider)
	}
	tfVersion, err := terraformVersion(o.terraform)
	if err != nil {
		return err
	}

	work, err := os.MkdirTemp("", "faas-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(os.Stderr, "working directory:", work)
	} else {
		defer func() { _ = os.RemoveAll(work) }()
	}
	// dev_overrides points at a directory holding this program as the provider: it runs
	// the real one in shim mode and records its peak RSS and CPU time.
	plugins := filepath.Join(work, "plugins")
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := copyFile(self, filepath.Join(plugins, "terraform-provider-faas")); err != nil {
		return err
	}
	tfrc := filepath.Join(work, "dev.tfrc")
	if err := os.WriteFile(tfrc, []byte(fmt.Sprintf("provider_installation {\n  dev_overrides {\n    %q = %q\n  }\n  direct {}\n}\n",
		"registry.terraform.io/faasform/faas", plugins)), 0o600); err != nil {
		return err
	}

	shimLog := filepath.Join(work, "providers.jsonl")
	r := &runner{o: o, tfrc: tfrc, shimLog: shimLog, env: append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+tfrc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0",
		"TF_LOG=", "TF_LOG_PROVIDER=", "TF_LOG_CORE=",
		envShimTarget+"="+provider, envShimLog+"="+shimLog)}
	res := &results{
		Started: time.Now().UTC(), Platforms: map[string]string{}, Latency: o.latency.String(),
		ReadyAfterPolls: o.readyAfter, Parallelism: o.parallelism, Terraform: tfVersion, GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), Sizes: o.sizes,
	}
	for _, name := range o.platforms {
		p, err := startPlatform(name, o)
		if err != nil {
			return fmt.Errorf("starting the %s simulator: %w", name, err)
		}
		defer p.close()
		r.platforms = append(r.platforms, p)
		res.Platforms[p.name] = p.describe
	}

	begin := time.Now()
	for _, n := range o.sizes {
		if err := r.benchSize(work, n, res); err != nil {
			return err
		}
	}
	res.TotalSeconds = time.Since(begin).Seconds()
	res.evaluate()
	return res.write(o.out, stdout)
}

// step is one terraform command of the benchmark.
type step struct {
	name string
	args []string
	// wantExit is the exit code that means success.
	wantExit int
	// failure, for a failing plan, is how the platform fails: failDown or failUnavailable.
	failure string
}

// The failing plans: how the platform fails.
const (
	// failDown: nothing listens at the platform's address (connection refused).
	failDown = "platform down"
	// failUnavailable: the platform answers every request with 503.
	failUnavailable = "persistent 503"
)

// failingSteps are plans of N functions (each with a policy and a trigger) on an empty
// state while the platform fails persistently: they must fail, and their time must not
// grow with N (the provider fails fast once one request has used its retry budget).
func failingSteps(n, parallelism int) []step {
	args := []string{"plan", "-input=false", "-no-color", fmt.Sprintf("-parallelism=%d", parallelism), "-var", fmt.Sprintf("n=%d", n)}
	return []step{
		{name: "failing plan: " + failDown, args: args, wantExit: 1, failure: failDown},
		{name: "failing plan: " + failUnavailable, args: args, wantExit: 1, failure: failUnavailable},
	}
}

func steps(n, parallelism int) []step {
	vars := []string{"-var", fmt.Sprintf("n=%d", n)}
	par := fmt.Sprintf("-parallelism=%d", parallelism)
	common := append([]string{"-input=false", "-no-color", par}, vars...)
	return []step{
		{name: "create", args: append([]string{"apply", "-auto-approve"}, common...)},
		{name: "no-op plan", args: append([]string{"plan", "-detailed-exitcode"}, common...)},
		{name: "update 10%", args: append([]string{"apply", "-auto-approve", "-var", "update=true"}, common...)},
		{name: "destroy", args: append([]string{"destroy", "-auto-approve", "-var", "update=true"}, common...)},
	}
}

type runner struct {
	o         *options
	tfrc      string
	shimLog   string
	env       []string
	platforms []*benchPlatform
}

// benchSize runs every step for n functions: each step on the floor, then on each
// platform, so that all see the same machine load as far as possible.
func (r *runner) benchSize(work string, n int, res *results) error {
	type target struct {
		cfg, dir string
		p        *benchPlatform
	}
	targets := []*target{{cfg: "floor"}}
	for _, p := range r.platforms {
		targets = append(targets, &target{cfg: "faas", p: p})
	}
	for _, t := range targets {
		name, text := "floor", floorConfig
		if t.p != nil {
			name, text = t.p.name, faasConfig(t.p.block)
		}
		t.dir = filepath.Join(work, fmt.Sprintf("n%d", n), name)
		if err := os.MkdirAll(t.dir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(t.dir, "main.tf"), []byte(text), 0o600); err != nil {
			return err
		}
	}
	for _, s := range steps(n, r.o.parallelism) {
		for _, t := range targets {
			label := "floor"
			if t.p != nil {
				label = t.p.name
			}
			fmt.Fprintf(os.Stderr, "N=%-4d %-10s %-8s ", n, s.name, label)
			sr, err := r.runStep(t.dir, t.cfg, t.p, n, s)
			if err != nil {
				fmt.Fprintln(os.Stderr, "FAILED")
				return err
			}
			fmt.Fprintf(os.Stderr, "%6.2fs  %5d requests\n", sr.WallSeconds, sr.Requests.Total)
			res.Steps = append(res.Steps, sr)
		}
	}
	for _, p := range r.platforms {
		if left := p.leftovers(); left > 0 {
			return fmt.Errorf("%s: %d objects left on the platform after the destroy of N=%d", p.name, left, n)
		}
	}
	for _, s := range failingSteps(n, r.o.parallelism) {
		for _, t := range targets[1:] {
			fmt.Fprintf(os.Stderr, "N=%-4d %-10s %-8s ", n, s.name, t.p.name)
			sr, err := r.runStep(t.dir, t.cfg, t.p, n, s)
			if err != nil {
				fmt.Fprintln(os.Stderr, "FAILED")
				return err
			}
			fmt.Fprintf(os.Stderr, "%6.2fs  %5d requests\n", sr.WallSeconds, sr.Requests.Total)
			res.Steps = append(res.Steps, sr)
		}
	}
	for _, p := range r.platforms {
		p.resetLog()
	}
	return nil
}

// runStep runs one terraform command and measures it; p is nil for the floor.
func (r *runner) runStep(dir, cfg string, p *benchPlatform, n int, s step) (stepResult, error) {
	_ = os.Remove(r.shimLog)
	env := r.env
	platform := ""
	if p != nil {
		_ = p.meter.take()
		env = append(append([]string(nil), r.env...), p.env...)
		platform = p.name
		switch s.failure {
		case failDown:
			// Later entries win (os/exec keeps the last value of a variable).
			env = append(env, p.down...)
		case failUnavailable:
			p.unavailable(true)
			defer p.unavailable(false)
		}
	}
	cmd := exec.Command(r.o.terraform, s.args...) //nolint:gosec // the terraform binary the user chose
	cmd.Dir, cmd.Env = dir, env
	logPath := filepath.Join(dir, strings.ReplaceAll(s.name, " ", "-")+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return stepResult{}, err
	}
	defer func() { _ = logFile.Close() }()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return stepResult{}, err
	}
	ctx, stop := context.WithCancel(context.Background())
	hwm := make(chan int64, 1)
	go func() { hwm <- sampleHWM(ctx, cmd.Process.Pid) }()
	waitErr := cmd.Wait()
	wall := time.Since(start)
	stop()
	tfRSS := <-hwm
	code := cmd.ProcessState.ExitCode()
	if (waitErr != nil || s.wantExit != 0) && code != s.wantExit {
		return stepResult{}, fmt.Errorf("%s (N=%d, %s %s) exited with %d; its output ends with:\n%s", strings.Join(s.args[:1], " "), n, cfg, platform, code, tail(logPath, 30))
	}
	sr := stepResult{Config: cfg, Platform: platform, N: n, Resources: 3 * n, Step: s.name, WallSeconds: wall.Seconds(),
		TerraformMaxRSSKiB: tfRSS}
	if p != nil {
		sr.Requests = p.meter.take()
	}
	// The terraform process's accounting includes the providers it ran and waited for.
	tree := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	runs, err := readRuns(r.shimLog)
	if err != nil {
		return stepResult{}, err
	}
	var providerCPU float64
	for _, p := range runs {
		providerCPU += p.UserSeconds + p.SysSeconds
		sr.ProviderMaxRSSKiB = max(sr.ProviderMaxRSSKiB, p.MaxRSSKiB)
	}
	sr.ProviderProcesses, sr.ProviderCPUSeconds = len(runs), providerCPU
	sr.TerraformCPUSeconds = max(0, tree.Seconds()-providerCPU)
	if st, err := os.Stat(filepath.Join(dir, "terraform.tfstate")); err == nil {
		sr.StateBytes = st.Size()
	}
	return sr, nil
}

// sampleHWM polls a process's VmHWM (peak RSS) until ctx ends and returns the last value
// in KiB. Terraform's own figure cannot come from its exit accounting, which includes
// the provider processes it ran.
func sampleHWM(ctx context.Context, pid int) int64 {
	var last int64
	path := fmt.Sprintf("/proc/%d/status", pid)
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if v := readHWM(path); v > 0 {
			last = v
		}
		select {
		case <-ctx.Done():
			return last
		case <-t.C:
		}
	}
}

func readHWM(path string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			v, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return v
		}
	}
	return 0
}

func readRuns(path string) ([]providerRun, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []providerRun
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var p providerRun
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			return nil, fmt.Errorf("provider log line %q: %w", line, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func terraformVersion(tf string) (string, error) {
	out, err := exec.Command(tf, "version", "-json").Output() //nolint:gosec // the terraform binary the user chose
	if err != nil {
		return "", fmt.Errorf("terraform version: %w", err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return "", fmt.Errorf("terraform version: %w", err)
	}
	return v.Version, nil
}

func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = in.Close() }()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
