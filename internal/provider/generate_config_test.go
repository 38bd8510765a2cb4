package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccImportGenerateConfig runs the real terraform CLI (through dev_overrides, with
// a provider binary built from this tree): import blocks for two functions, a scaling
// policy, a cron trigger and a topic trigger, all created outside Terraform; `terraform
// plan -generate-config-out` writes their configuration; after the import apply, a plan
// with that generated configuration is empty. The settings are ones every faas-netes
// edition accepts (one trigger per function, at most 5 replicas).
func TestAccImportGenerateConfig(t *testing.T) {
	c := newCLI(t)
	p := newPlatform(t, openfaassim.Options{}, anyEdition)
	legacy, events := p.Name("legacy"), p.Name("legacy-events")
	p.PutFunction(openfaassim.Function{Service: legacy, Namespace: ns, Image: p.Image("ghcr.io/acme/legacy:3"),
		EnvProcess: "node index.js", Labels: map[string]string{"team": "web", "com.openfaas.scale.max": "5"},
		// A zone set outside Terraform, with the prefix the cron-connector's parser reads.
		Annotations: map[string]string{"topic": "cron-function", "schedule": "TZ=Europe/Paris @daily"},
		Limits:      &openfaassim.FunctionResources{Memory: "128Mi", CPU: "250m"}})
	p.PutFunction(openfaassim.Function{Service: events, Namespace: ns, Image: p.Image("ghcr.io/acme/legacy:3"),
		Annotations: map[string]string{"topic": "orders"}})
	before, _ := p.GetFunction(ns, legacy)
	beforeEvents, _ := p.GetFunction(ns, events)

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
  to = faas_trigger.cron
  id = "%[1]s/cron"
}

import {
  to = faas_function.events
  id = "%[2]s"
}

import {
  to = faas_trigger.orders
  id = "%[2]s/topic/orders"
}
`, ns+"/"+legacy, ns+"/"+events))
	if out, code := c.run("plan", "-no-color", "-generate-config-out=generated.tf"); code != 0 {
		t.Fatalf("plan -generate-config-out exited %d:\n%s", code, out)
	}
	gen, err := os.ReadFile(filepath.Join(c.dir, "generated.tf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`resource "faas_function" "legacy"`), regexp.MustCompile(`resource "faas_scaling_policy" "legacy"`),
		regexp.MustCompile(`max_replicas`), regexp.MustCompile(`resource "faas_trigger" "orders"`),
		// The annotation's zone prefix imports as time_zone, the rest as schedule.
		regexp.MustCompile(`schedule\s+=\s+"@daily"`), regexp.MustCompile(`time_zone\s+=\s+"Europe/Paris"`),
	} {
		if !want.Match(gen) {
			t.Fatalf("generated configuration lacks %s:\n%s", want, gen)
		}
	}
	if out, code := c.run("apply", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("apply of the imports exited %d:\n%s\ngenerated:\n%s", code, out, gen)
	}
	if out, code := c.run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after importing with the generated configuration is not empty (exit %d):\n%s\ngenerated:\n%s", code, out, gen)
	}
	// Terraform generates literals only: each child names its function by id, not by a
	// reference to the faas_function imported in the same plan. What the children's
	// import sections say to do, replacing the literal with the reference, keeps the plan
	// empty.
	rewritten := string(gen)
	for _, child := range []struct{ block, fnID, ref string }{
		{`resource "faas_scaling_policy" "legacy"`, ns + "/" + legacy, "faas_function.legacy.id"},
		{`resource "faas_trigger" "cron"`, ns + "/" + legacy, "faas_function.legacy.id"},
		{`resource "faas_trigger" "orders"`, ns + "/" + events, "faas_function.events.id"},
	} {
		literal := regexp.MustCompile(`(?s)` + regexp.QuoteMeta(child.block) + ` \{[^}]*?function_id\s+=\s+"` + regexp.QuoteMeta(child.fnID) + `"`)
		loc := literal.FindStringIndex(rewritten)
		if loc == nil {
			t.Fatalf("the generated %s does not hold function_id as the literal %q:\n%s", child.block, child.fnID, gen)
		}
		fixed := regexp.MustCompile(`"`+regexp.QuoteMeta(child.fnID)+`"$`).ReplaceAllLiteralString(rewritten[loc[0]:loc[1]], child.ref)
		rewritten = rewritten[:loc[0]] + fixed + rewritten[loc[1]:]
	}
	if err := os.WriteFile(filepath.Join(c.dir, "generated.tf"), []byte(rewritten), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := c.run("plan", "-no-color", "-detailed-exitcode"); code != 0 {
		t.Fatalf("the plan after replacing the literal function_id with references is not empty (exit %d):\n%s\nconfiguration:\n%s", code, out, rewritten)
	}
	sim, ok := p.Sim()
	if !ok {
		// A real gateway keeps no request log: the functions must at least be unchanged.
		if after, _ := p.GetFunction(ns, legacy); !reflect.DeepEqual(after, before) {
			t.Fatalf("importing changed the function:\n%+v\nwas\n%+v", after, before)
		}
		if after, _ := p.GetFunction(ns, events); !reflect.DeepEqual(after, beforeEvents) {
			t.Fatalf("importing changed the function:\n%+v\nwas\n%+v", after, beforeEvents)
		}
		return
	}
	if len(sim.Writes()) != 0 {
		t.Fatalf("importing wrote to the platform: %+v", sim.Writes())
	}
}
