package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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
	c := newCLI(t)
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro})
	legacy := p.Name("legacy")
	p.PutFunction(openfaassim.Function{Service: legacy, Namespace: ns, Image: p.Image("ghcr.io/acme/legacy:3"),
		EnvProcess: "node index.js", Labels: map[string]string{"team": "web", "com.openfaas.scale.max": "7"},
		Annotations: map[string]string{"topic": "orders,cron-function", "schedule": "@daily"},
		Limits:      &openfaassim.FunctionResources{Memory: "128Mi", CPU: "250m"}})
	before, _ := p.GetFunction(ns, legacy)

	c.writeMain(providerBlock(p, "") + fmt.Sprintf(`
import {
  to = faas_function.legacy
  id = "%[1]s"
}

import {
  to = faas_scaling_policy.legacy
  id = "%[1]s"
}

import {
  to = faas_trigger.orders
  id = "%[1]s/topic/orders"
}

import {
  to = faas_trigger.cron
  id = "%[1]s/cron"
}
`, ns+"/"+legacy))
	if out, code := c.run("plan", "-no-color", "-generate-config-out=generated.tf"); code != 0 {
		t.Fatalf("plan -generate-config-out exited %d:\n%s", code, out)
	}
	gen, err := os.ReadFile(filepath.Join(c.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`resource "faas_function" "legacy"`, `resource "faas_scaling_policy" "legacy"`, `max_replicas`, `schedule`} {
		if !strings.Contains(string(gen), want) {
			t.Fatalf("generated configuration lacks %q:\n%s", want, gen)
		}
	}
	if out, code := c.run("apply", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("apply of the imports exited %d:\n%s\ngenerated:\n%s", code, out, gen)
	}
	if out, code := c.run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after importing with the generated configuration is not empty (exit %d):\n%s\ngenerated:\n%s", code, out, gen)
	}
	sim, ok := p.Sim()
	if !ok {
		// A real gateway keeps no request log: the function must at least be unchanged.
		if after, _ := p.GetFunction(ns, legacy); !reflect.DeepEqual(after, before) {
			t.Fatalf("importing changed the function:\n%+v\nwas\n%+v", after, before)
		}
		return
	}
	if len(sim.Writes()) != 0 {
		t.Fatalf("importing wrote to the platform: %+v", sim.Writes())
	}
}
