package provider

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// providerPIDs lists the running processes executing the provider binary in dir.
func providerPIDs(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		exe, err := os.Readlink(filepath.Join("/proc", e.Name(), "exe"))
		if err == nil && exe == filepath.Join(dir, "terraform-provider-faas") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestAccReliability_providerKilledMidApply kills the provider process while it waits
// to read back a function it has just created (a proxy in front of the platform holds
// those reads). The function is in no state, and the next apply does not adopt it
// because its settings match (only the killed process knew its create token): it fails
// with the import hint, and once imported the apply converges.
func TestAccReliability_providerKilledMidApply(t *testing.T) {
	c := newCLI(t)
	p := withFaults(t, newPlatform(t, openfaassim.Options{}, anyEdition))
	name := p.Name("killed")
	var created atomic.Bool
	p.SetFaults(simcore.Faults{Latency: time.Hour, Only: func(method, path string) bool {
		if method == http.MethodPost && path == "/system/functions" {
			created.Store(true)
			return false
		}
		return created.Load() && method == http.MethodGet
	}})
	c.writeMain(providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = %q
  image = %q
  env   = { MODE = "prod" }
}
`, name, p.Image("ghcr.io/openfaas/alpine:latest")))
	cmd, out := c.command("apply", "-auto-approve", "-no-color")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, ok := p.GetFunction(ns, name); ok && created.Load() {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the create never reached the platform:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	killed := 0
	for _, pid := range providerPIDs(c.binDir) {
		if syscall.Kill(pid, syscall.SIGKILL) == nil {
			killed++
		}
	}
	if killed == 0 {
		t.Fatal("found no provider process to kill")
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("apply succeeded although its provider was killed:\n%s", out)
	}
	// The platform answers again. The next apply must refuse to take the function over.
	p.ClearFaults()
	o, code := c.run("apply", "-auto-approve", "-no-color")
	if code == 0 || !alreadyExistsRe.MatchString(o) {
		t.Fatalf("the apply after the interruption must refuse to adopt the function and say how to import it (exit %d):\n%s", code, o)
	}
	if o, code := c.run("import", "-no-color", "faas_function.f", ns+"/"+name); code != 0 {
		t.Fatalf("import failed (exit %d):\n%s", code, o)
	}
	if o, code := c.run("apply", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("the apply after the import failed (exit %d):\n%s", code, o)
	}
	if o, code := c.run("plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Fatalf("the plan after converging is not empty (exit %d):\n%s", code, o)
	}
	if fns := p.Functions(ns); len(fns) != 1 {
		t.Fatalf("%d functions on the platform, want exactly 1", len(fns))
	}
	if o, code := c.run("destroy", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("destroy failed:\n%s", o)
	}
}

// credentials returns the user and password the provider uses for p: the simulator's,
// or the real gateway's (given to the provider through the environment; with a token,
// "token" and the token).
func credentials(p openfaasPlatform) (user, password string) {
	if f, ok := p.(*faultProxied); ok {
		p = f.openfaasPlatform
	}
	if r, ok := p.(*realPlatform); ok {
		cfg := r.gw.Config()
		if cfg.Token != "" {
			return "token", cfg.Token
		}
		return cfg.Username, cfg.Password
	}
	return testUser, testPassword
}

// TestAccReliability_secretsNeverLeak applies with faults and TF_LOG=trace, including
// errors whose body echoes the credentials, the Authorization header as sent and the
// secret value, and searches the whole trace log, Terraform's output and the state for
// every secret string. A proxy in front of the platform injects the faults and the
// echoing errors.
func TestAccReliability_secretsNeverLeak(t *testing.T) {
	c := newCLI(t)
	p := withFaults(t, newPlatform(t, openfaassim.Options{}, anyEdition))
	user, password := credentials(p)
	logPath := filepath.Join(t.TempDir(), "trace.log")
	c.env = []string{"TF_LOG=trace", "TF_LOG_PATH=" + logPath}
	const secretValue = "s3cret-value-do-not-leak"
	const newSecretValue = "n3w-s3cret-value-do-not-leak"
	cfg := func(value string, version int, image string) string {
		return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_secret" "s" {
  name             = %q
  value_wo         = %q
  value_wo_version = %d
}

resource "faas_function" "f" {
  name    = %q
  image   = %q
  secrets = [faas_secret.s.name]
}
`, p.Name("api-key"), value, version, p.Name("leaky"), image)
	}
	image, altImage := p.Image("ghcr.io/openfaas/alpine:latest"), p.AltImage("ghcr.io/openfaas/alpine:3.20")
	if altImage == image {
		altImage = p.AltImage("ghcr.io/openfaas/alpine:3.20-other")
	}
	var outputs strings.Builder
	p.SetFaults(simcore.Faults{RateLimitEvery: 3, Burst503: 2})
	c.writeMain(cfg(secretValue, 1, image))
	o, code := c.run("apply", "-auto-approve", "-no-color")
	outputs.WriteString(o)
	if code != 0 {
		t.Fatalf("apply failed:\n%s", o)
	}
	// The platform echoes the credentials and the new value in an error body.
	p.SetFaults(simcore.Faults{PersistentStatus: 400, PersistentMessage: fmt.Sprintf("rejected: user %s password %s value %s", user, password, newSecretValue),
		OnlyMethod: http.MethodPut, OnlyPath: "/system/secrets"})
	c.writeMain(cfg(newSecretValue, 2, image))
	o, code = c.run("apply", "-auto-approve", "-no-color")
	outputs.WriteString(o)
	if code == 0 {
		t.Fatalf("apply succeeded although the platform rejected the update:\n%s", o)
	}
	if !errRe(`rejected: user ` + regexp.QuoteMeta(user) + ` password \*\*\* value \*\*\*`).MatchString(o) {
		t.Fatalf("the platform's message should reach the diagnostic, redacted:\n%s", o)
	}
	// A function update fails with an error echoing the credentials, and the
	// Authorization header as sent (Basic base64(user:password), or the bearer token),
	// in another run.
	p.SetFaults(simcore.Faults{PersistentStatus: 500, PersistentMessage: "deploy failed for " + user + ":" + password,
		EchoAuthorization: true, OnlyMethod: http.MethodPut, OnlyPath: "/system/functions"})
	c.writeMain(cfg(secretValue, 1, altImage))
	o, code = c.run("apply", "-auto-approve", "-no-color")
	outputs.WriteString(o)
	if code == 0 || !errRe(`deploy failed for `+regexp.QuoteMeta(user)+`:\*\*\* \(request had Authorization: (Basic|Bearer) \*\*\*\)`).MatchString(o) {
		t.Fatalf("want the function update to fail with the value and the echoed Authorization header redacted (exit %d):\n%s", code, o)
	}
	p.ClearFaults()
	o, _ = c.run("destroy", "-auto-approve", "-no-color")
	outputs.WriteString(o)

	logData, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(logData), "platform request") {
		t.Fatal("the trace log holds no provider request lines: the test would prove nothing")
	}
	state, _ := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate"))
	backup, _ := os.ReadFile(filepath.Join(c.dir, "terraform.tfstate.backup"))
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
	for _, secret := range []string{password, secretValue, newSecretValue, basic} {
		for name, data := range map[string]string{"trace log": string(logData), "terraform output": outputs.String(), "state": string(state), "state backup": string(backup)} {
			if strings.Contains(data, secret) {
				i := strings.Index(data, secret)
				lo, hi := max(0, i-200), min(len(data), i+100)
				t.Errorf("%q leaked into the %s: ...%s...", secret, name, data[lo:hi])
			}
		}
	}
}

// TestAccReliability_interruptDuringReadinessWait sends SIGINT (Ctrl-C) to terraform while
// two functions it has just created wait to become ready. The provider reports an
// interruption, not a timeout, and keeps both functions in the state untainted: once
// they are ready, the next plan is empty instead of replacing them.
func TestAccReliability_interruptDuringReadinessWait(t *testing.T) {
	c := newCLI(t)
	sim := newSim(t, openfaassim.Options{ReadyAfterPolls: -1}, "keeps the functions not ready until terraform is interrupted")
	c.writeMain(providerBlock(sim, "") + `
resource "faas_function" "a" {
  name  = "stopped-a"
  image = "ghcr.io/openfaas/alpine:latest"
}

resource "faas_function" "b" {
  name  = "stopped-b"
  image = "ghcr.io/openfaas/alpine:latest"
}
`)
	cmd, out := c.command("apply", "-auto-approve", "-no-color")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(sim.Functions(ns)) < 2 {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatalf("the creates never reached the platform:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // both are in their readiness wait now
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	got := out.String()
	if strings.Count(got, "interrupted after") < 2 || strings.Contains(got, "timed out") {
		t.Fatalf("the interrupted waits must say they were interrupted, not that they timed out:\n%s", got)
	}
	if list, _ := c.run("state", "list"); !strings.Contains(list, "faas_function.a") || !strings.Contains(list, "faas_function.b") {
		t.Fatalf("the functions created before the interruption are not in the state: %q\n%s", list, got)
	}
	for _, name := range []string{"stopped-a", "stopped-b"} {
		sim.ModifyFunction(ns, name, func(f *openfaassim.Function) { f.AvailableReplicas = f.Replicas })
	}
	if o, code := c.run("plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Fatalf("after the interruption the plan is not empty (a tainted function would be replaced; exit %d):\n%s\napply output:\n%s", code, o, got)
	}
	if o, code := c.run("destroy", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("destroy failed:\n%s", o)
	}
}
