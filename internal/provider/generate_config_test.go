package provider

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccImportGenerateConfig runs the real terraform CLI (through dev_overrides, with
// a provider binary built from this tree): import blocks for a function, its scaling
// policy and its trigger, all created outside Terraform; `terraform plan
// -generate-config-out` writes their configuration; after the import apply, a plan
// with that generated configuration is empty.
func TestAccImportGenerateConfig(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run acceptance tests")
	}
	tf := os.Getenv("TF_ACC_TERRAFORM_PATH")
	if tf == "" {
		t.Skip("TF_ACC_TERRAFORM_PATH is not set")
	}
	binDir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(binDir, "terraform-provider-faas"), "github.com/faasform/terraform-provider-faas")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}
	work := t.TempDir()
	rc := filepath.Join(work, "dev.tfrc")
	writeFile(t, rc, fmt.Sprintf("provider_installation {\n  dev_overrides {\n    \"registry.terraform.io/faasform/faas\" = %q\n  }\n  direct {}\n}\n", binDir))

	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
	sim.PutFunction(openfaassim.Function{Service: "legacy", Namespace: ns, Image: "ghcr.io/acme/legacy:3",
		EnvProcess: "node index.js", Labels: map[string]string{"team": "web", "com.openfaas.scale.max": "7"},
		Annotations: map[string]string{"topic": "orders,cron-function", "schedule": "@daily"},
		Limits:      &openfaassim.FunctionResources{Memory: "128Mi", CPU: "250m"}})

	cfgDir := filepath.Join(work, "cfg")
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(cfgDir, "main.tf"), `
terraform {
  required_providers {
    faas = { source = "faasform/faas" }
  }
}
`+providerBlock(sim, "")+`
import {
  to = faas_function.legacy
  id = "openfaas-fn/legacy"
}

import {
  to = faas_scaling_policy.legacy
  id = "openfaas-fn/legacy"
}

import {
  to = faas_trigger.orders
  id = "openfaas-fn/legacy/topic/orders"
}

import {
  to = faas_trigger.cron
  id = "openfaas-fn/legacy/cron"
}
`)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(tf, args...)
		cmd.Dir = cfgDir
		cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+rc, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out.String(), exit.ExitCode()
		}
		if err != nil {
			t.Fatalf("terraform %v: %v", args, err)
		}
		return out.String(), 0
	}
	if out, code := run("plan", "-no-color", "-generate-config-out=generated.tf"); code != 0 {
		t.Fatalf("plan -generate-config-out exited %d:\n%s", code, out)
	}
	gen, err := os.ReadFile(filepath.Join(cfgDir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`resource "faas_function" "legacy"`, `resource "faas_scaling_policy" "legacy"`, `max_replicas`, `schedule`} {
		if !strings.Contains(string(gen), want) {
			t.Fatalf("generated configuration lacks %q:\n%s", want, gen)
		}
	}
	if out, code := run("apply", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("apply of the imports exited %d:\n%s\ngenerated:\n%s", code, out, gen)
	}
	if out, code := run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after importing with the generated configuration is not empty (exit %d):\n%s\ngenerated:\n%s", code, out, gen)
	}
	if len(sim.Writes()) != 0 {
		t.Fatalf("importing wrote to the platform: %+v", sim.Writes())
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
