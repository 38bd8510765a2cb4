package provider

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// deployOutOfBand deploys fn through the simulator's out-of-band admin API (POST
// /_sim/functions), as faas-cli would deploy it outside Terraform.
func deployOutOfBand(t *testing.T, sim *simPlatform, fn openfaassim.Function) {
	t.Helper()
	body, err := json.Marshal(fn)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(sim.URL()+"/_sim/functions", "application/json", bytes.NewReader(body)) //nolint:noctx // a test against a loopback simulator
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("out-of-band deploy: HTTP %d", resp.StatusCode)
	}
}

// envAndRootFS fails the test unless the function still has the environment and the
// read-only root filesystem it was deployed with.
func envAndRootFS(t *testing.T, sim *simPlatform, env map[string]string, when string) {
	t.Helper()
	const name = "legacy"
	fn, ok := sim.GetFunction(ns, name)
	if !ok {
		t.Fatalf("%s: function %s is gone", when, name)
	}
	for k, v := range env {
		if fn.EnvVars[k] != v {
			t.Fatalf("%s: env %s = %q, want %q (env %v): the write dropped what faas-netes does not return", when, k, fn.EnvVars[k], v, fn.EnvVars)
		}
	}
	if !fn.ReadOnlyRootFilesystem {
		t.Fatalf("%s: the root filesystem became writable", when)
	}
}

// TestAccImport_unreadableFieldsAreNeverWiped reproduces the report: a function deployed
// outside Terraform with env vars and a read-only root filesystem (which faas-netes never
// returns), imported with an import block and -generate-config-out, applied, then changed
// by one label. The generated configuration must not invent values the provider could not
// read; the label change is refused at plan time on the attributes whose value is unknown,
// with the way out; once the configuration sets them, the apply writes and records them,
// and later changes keep them. The function's env and read-only root filesystem survive
// every step.
func TestAccImport_unreadableFieldsAreNeverWiped(t *testing.T) {
	c := newCLI(t)
	sim := newSim(t, openfaassim.Options{}, "deploys through its out-of-band API a function whose env faas-netes does not return")
	env := map[string]string{"MODE": "prod", "API_URL": "https://api.internal"}
	deployOutOfBand(t, sim, openfaassim.Function{Service: "legacy", Namespace: ns, Image: "ghcr.io/acme/legacy:3",
		EnvVars: env, ReadOnlyRootFilesystem: true, Labels: map[string]string{"team": "web"}})
	c.writeMain(providerBlock(sim, "") + `
import {
  to = faas_function.legacy
  id = "` + ns + `/legacy"
}
`)
	if out, code := c.run("plan", "-no-color", "-generate-config-out=generated.tf"); code != 0 {
		t.Fatalf("plan -generate-config-out exited %d:\n%s", code, out)
	}
	genPath := filepath.Join(c.dir, "generated.tf")
	genBytes, err := os.ReadFile(genPath)
	if err != nil {
		t.Fatal(err)
	}
	gen := string(genBytes)
	for _, invented := range []*regexp.Regexp{
		regexp.MustCompile(`read_only_root_filesystem\s*=\s*(false|true)`),
		regexp.MustCompile(`env\s*=\s*\{`),
	} {
		if invented.MatchString(gen) {
			t.Fatalf("the generated configuration invents a value the provider could not read (%s):\n%s", invented, gen)
		}
	}
	out, code := c.run("apply", "-no-color", "-auto-approve")
	if code != 0 {
		t.Fatalf("the import apply exited %d:\n%s\ngenerated:\n%s", code, out, gen)
	}
	if !strings.Contains(out, "0 changed") {
		t.Fatalf("the import apply changed the function:\n%s", out)
	}
	envAndRootFS(t, sim, env, "after the import")

	// Change one label: the plan warns on the attributes the provider does not know (a
	// drift check sees exit 2, not an error), and the apply refuses.
	writeFile(t, genPath, strings.Replace(gen, `team = "web"`, `team = "api"`, 1))
	out, code = c.run("plan", "-no-color", "-detailed-exitcode")
	if code != 2 || !strings.Contains(out, "Warning: Value unknown to the provider") {
		t.Fatalf("a change to a function whose env and read-only root filesystem are unknown did not plan with a warning (exit %d, want 2):\n%s", code, out)
	}
	// Nor does it block a destroy, whose first walk plans the configuration.
	if out, code := c.run("plan", "-destroy", "-no-color"); code != 0 {
		t.Fatalf("a destroy plan failed on the unknown values (exit %d):\n%s", code, out)
	}
	for _, want := range []string{`(?s)Value unknown to the provider.*env`, `(?s)read_only_root_filesystem`, `(?s)first\s+apply\s+writes\s+it\s+and\s+records\s+it`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Fatalf("the refusal does not match %q:\n%s", want, out)
		}
	}
	if out, code := c.run("apply", "-no-color", "-auto-approve"); code == 0 {
		t.Fatalf("the apply wrote the function without knowing its env:\n%s", out)
	}
	envAndRootFS(t, sim, env, "after the refused change")

	// The way out: the configuration sets them; the apply writes and records them.
	withValues := strings.Replace(strings.Replace(gen, `team = "web"`, `team = "api"`, 1),
		"read_only_root_filesystem = null", `read_only_root_filesystem = true
  env = {
    MODE    = "prod"
    API_URL = "https://api.internal"
  }`, 1)
	withValues = regexp.MustCompile(`(?m)^\s*env\s*=\s*null\s*$`).ReplaceAllString(withValues, "")
	writeFile(t, genPath, withValues)
	if out, code := c.run("apply", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("the apply with env and read_only_root_filesystem set exited %d:\n%s\nconfiguration:\n%s", code, out, withValues)
	}
	envAndRootFS(t, sim, env, "after the apply that records them")
	if fn, _ := sim.GetFunction(ns, "legacy"); fn.Labels["team"] != "api" {
		t.Fatalf("the label change was not applied: %v", fn.Labels)
	}
	if out, code := c.run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after recording them is not empty (exit %d):\n%s", code, out)
	}
	// Later changes need nothing more.
	writeFile(t, genPath, strings.Replace(withValues, `team = "api"`, `team = "ops"`, 1))
	if out, code := c.run("apply", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("a later label change exited %d:\n%s", code, out)
	}
	envAndRootFS(t, sim, env, "after a later change")
}

// TestAccImport_childOfAnUnrecordedFunctionCanBeDestroyed: a trigger and a scaling
// policy imported on a function that has no record (deployed outside Terraform) cannot
// be removed without rewriting the whole function, which would drop the env vars
// faas-netes does not return. Destroying them works: they leave the state with a warning
// that says their keys remain on the function and how to remove them, and the function
// keeps its env and read-only root filesystem.
func TestAccImport_childOfAnUnrecordedFunctionCanBeDestroyed(t *testing.T) {
	c := newCLI(t)
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "deploys through its out-of-band API a function whose env faas-netes does not return")
	env := map[string]string{"MODE": "prod"}
	deployOutOfBand(t, sim, openfaassim.Function{Service: "legacy", Namespace: ns, Image: "ghcr.io/acme/legacy:3",
		EnvVars: env, ReadOnlyRootFilesystem: true,
		Labels:      map[string]string{"com.openfaas.scale.max": "4"},
		Annotations: map[string]string{"topic": "cron-function", "schedule": "@daily"}})
	c.writeMain(providerBlock(sim, "") + fmt.Sprintf(`
import {
  to = faas_trigger.cron
  id = "%[1]s/legacy/cron"
}

import {
  to = faas_scaling_policy.p
  id = "%[1]s/legacy"
}

resource "faas_trigger" "cron" {
  function_id = "%[1]s/legacy"
  type        = "cron"
  schedule    = "@daily"
}

resource "faas_scaling_policy" "p" {
  function_id  = "%[1]s/legacy"
  max_replicas = 4
}
`, ns))
	if out, code := c.run("apply", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("the import apply exited %d:\n%s", code, out)
	}
	out, code := c.run("destroy", "-no-color", "-auto-approve")
	if code != 0 {
		t.Fatalf("destroying the imported children failed (exit %d):\n%s", code, out)
	}
	for _, want := range []string{`(?s)Warning:.*remain on function`, `(?s)faas_function`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Fatalf("the destroy does not warn that the keys remain and how to remove them (%q):\n%s", want, out)
		}
	}
	if list, _ := c.run("state", "list"); strings.TrimSpace(list) != "" {
		t.Fatalf("the children are still in the state: %q", list)
	}
	envAndRootFS(t, sim, env, "after destroying its children")
	if fn, _ := sim.GetFunction(ns, "legacy"); fn.Annotations["schedule"] != "@daily" {
		t.Fatalf("the function was rewritten: %+v", fn)
	}
}
