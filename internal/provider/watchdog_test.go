package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// watchdogKeys are the OpenFaaS watchdog's timeout env vars.
var watchdogKeys = []string{"read_timeout", "write_timeout", "exec_timeout"}

// checkWatchdogEnv checks the watchdog timeouts a function holds on the platform (on a
// real faas-netes, as the provider's record says, since faas-netes returns no env vars).
func checkWatchdogEnv(p openfaasPlatform, name string, want map[string]string) func(*terraform.State) error {
	return func(*terraform.State) error {
		fn, ok := p.GetFunction(ns, name)
		if !ok {
			return fmt.Errorf("function %s not on the platform", name)
		}
		got := map[string]string{}
		for _, k := range watchdogKeys {
			if v, ok := fn.EnvVars[k]; ok {
				got[k] = v
			}
		}
		if !maps.Equal(got, want) {
			return fmt.Errorf("function %s: watchdog timeouts %v, want %v (envVars %v)", name, got, want, fn.EnvVars)
		}
		return nil
	}
}

// TestAccFunction_watchdogTimeouts: the openfaas block's read_timeout, write_timeout and
// exec_timeout reach the watchdog's env vars one by one, each overriding timeout for its
// own key; the plan after apply is empty, an update moves between the shapes, import
// reads the shape back, and (on faasd, which returns env vars) a change made outside
// Terraform shows as drift on the key it changed. A function deployed outside Terraform
// with the store catalogue's timeouts imports without a diff.
func TestAccFunction_watchdogTimeouts(t *testing.T) {
	cfg := func(p openfaasPlatform, name, timeout, block string) string {
		if timeout != "" {
			timeout = fmt.Sprintf("timeout = %q", timeout)
		}
		return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "w" {
  name  = %q
  image = %q
  env   = { content_type = "image/png" }
  %s
  openfaas {
    %s
  }
}
`, name, p.Image("ghcr.io/openfaas/sleep:latest"), timeout, block)
	}
	stateOf := func(timeout, read, write, exec string) []statecheck.StateCheck {
		v := func(s string) knownvalue.Check {
			if s == "" {
				return knownvalue.Null()
			}
			return knownvalue.StringExact(s)
		}
		return []statecheck.StateCheck{
			statecheck.ExpectKnownValue("faas_function.w", tfjsonpath.New("timeout"), v(timeout)),
			statecheck.ExpectKnownValue("faas_function.w", tfjsonpath.New("openfaas").AtMapKey("read_timeout"), v(read)),
			statecheck.ExpectKnownValue("faas_function.w", tfjsonpath.New("openfaas").AtMapKey("write_timeout"), v(write)),
			statecheck.ExpectKnownValue("faas_function.w", tfjsonpath.New("openfaas").AtMapKey("exec_timeout"), v(exec)),
			statecheck.ExpectKnownValue("faas_function.w", tfjsonpath.New("env"), knownvalue.MapExact(map[string]knownvalue.Check{
				"content_type": knownvalue.StringExact("image/png"),
			})),
		}
	}
	t.Run("faas-netes", func(t *testing.T) {
		p := newPlatform(t, openfaassim.Options{}, anyEdition)
		name := p.Name("watchdog")
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders,
			CheckDestroy:             checkNoFunctions(p),
			Steps: []resource.TestStep{
				{
					// The store's chaos function: one timeout, exec_timeout a second shorter.
					Config:            cfg(p, name, "5m31s", `exec_timeout = "5m30s"`),
					ConfigStateChecks: stateOf("5m31s", "", "", "5m30s"),
					Check:             checkWatchdogEnv(p, name, map[string]string{"read_timeout": "5m31s", "write_timeout": "5m31s", "exec_timeout": "5m30s"}),
				},
				{
					// The store's sleep function: write_timeout alone.
					Config: cfg(p, name, "", `write_timeout = "60s"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.w", plancheck.ResourceActionUpdate),
					}},
					ConfigStateChecks: stateOf("", "", "60s", ""),
					Check:             checkWatchdogEnv(p, name, map[string]string{"write_timeout": "60s"}),
				},
				{
					ResourceName:      "faas_function.w",
					ImportState:       true,
					ImportStateId:     ns + "/" + name,
					ImportStateVerify: true,
				},
				{
					// Three equal keys stay three keys, not timeout.
					Config:            cfg(p, name, "", `read_timeout = "30s"`+"\n    write_timeout = \"30s\"\n    exec_timeout = \"30s\""),
					ConfigStateChecks: stateOf("", "30s", "30s", "30s"),
					Check:             checkWatchdogEnv(p, name, map[string]string{"read_timeout": "30s", "write_timeout": "30s", "exec_timeout": "30s"}),
				},
				{
					ResourceName:      "faas_function.w",
					ImportState:       true,
					ImportStateId:     ns + "/" + name,
					ImportStateVerify: true,
				},
				{
					// And timeout alone sets all three.
					Config:            cfg(p, name, "45s", ""),
					ConfigStateChecks: stateOf("45s", "", "", ""),
					Check:             checkWatchdogEnv(p, name, map[string]string{"read_timeout": "45s", "write_timeout": "45s", "exec_timeout": "45s"}),
				},
			},
		})
	})
	t.Run("faasd", func(t *testing.T) {
		p := newPlatform(t, openfaassim.Options{Backend: openfaassim.Faasd}, anyEdition)
		name, outside := p.Name("watchdog"), p.Name("colorise")
		// The store's colorise function, deployed as faas-cli store deploy would.
		p.PutFunction(openfaassim.Function{Service: outside, Namespace: ns, Image: p.Image("alexellis2/openfaas-colorization:0.4.1"),
			EnvProcess: "python -u index.py", EnvVars: map[string]string{"url_mode": "true", "read_timeout": "60s", "write_timeout": "60s", "write_debug": "false"}})
		resource.ParallelTest(t, resource.TestCase{
			ProtoV6ProviderFactories: testAccProviders,
			CheckDestroy:             checkNoFunctions(p),
			Steps: []resource.TestStep{
				{
					Config:            cfg(p, name, "30s", `exec_timeout = "25s"`),
					ConfigStateChecks: stateOf("30s", "", "", "25s"),
				},
				{
					// faasd returns env vars: a key changed outside Terraform is drift on that key.
					PreConfig: func() {
						p.ModifyFunction(ns, name, func(f *openfaassim.Function) { f.EnvVars["read_timeout"] = "5s" })
					},
					Config: cfg(p, name, "30s", `exec_timeout = "25s"`),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.w", plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue("faas_function.w", tfjsonpath.New("openfaas").AtMapKey("read_timeout"), knownvalue.Null()),
					}},
					Check: checkWatchdogEnv(p, name, map[string]string{"read_timeout": "30s", "write_timeout": "30s", "exec_timeout": "25s"}),
				},
				{
					Config: cfg(p, name, "30s", `exec_timeout = "25s"`) + fmt.Sprintf(`
import {
  to = faas_function.colorise
  id = "%[1]s/%[2]s"
}

resource "faas_function" "colorise" {
  name    = %[2]q
  image   = %[3]q
  command = ["python", "-u", "index.py"]
  env     = { url_mode = "true", write_debug = "false" }
  openfaas {
    read_timeout  = "60s"
    write_timeout = "60s"
  }
}
`, ns, outside, p.Image("alexellis2/openfaas-colorization:0.4.1")),
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction("faas_function.colorise", plancheck.ResourceActionNoop),
						plancheck.ExpectResourceAction("faas_function.w", plancheck.ResourceActionNoop),
					}},
				},
			},
		})
	})
}

// storeFunction is one entry of the OpenFaaS store catalogue (testdata/openfaas-store).
type storeFunction struct {
	Name        string            `json:"name"`
	Images      map[string]string `json:"images"`
	Fprocess    string            `json:"fprocess"`
	Environment map[string]string `json:"environment"`
	Labels      map[string]string `json:"labels"`
	ReadOnly    bool              `json:"readOnlyRootFilesystem"`
}

// storeCatalogueHCL deploys the catalogue entries named in batch with for_each over
// jsondecode(file(...)), as a user would: fprocess is command, the watchdog's timeouts in
// environment are the openfaas block's, the rest of environment is env. images maps an
// entry to the image to deploy instead of the catalogue's (a real Community Edition
// deploys only images it can read anonymously).
func storeCatalogueHCL(p openfaasPlatform, file string, batch []string, images map[string]string) string {
	quoted := func(list []string) string {
		var out []string
		for _, s := range list {
			out = append(out, fmt.Sprintf("%q", s))
		}
		return strings.Join(out, ", ")
	}
	var imgs []string
	for _, k := range slices.Sorted(maps.Keys(images)) {
		imgs = append(imgs, fmt.Sprintf("    %q = %q", k, images[k]))
	}
	return providerBlock(p, "") + fmt.Sprintf(`
locals {
  catalogue = jsondecode(file(%q)).functions
  batch     = [%s]
  images = {
%s
  }
  watchdog = ["read_timeout", "write_timeout", "exec_timeout"]
}

resource "faas_function" "store" {
  for_each = { for f in local.catalogue : f.name => f if contains(local.batch, f.name) }

  name                      = "%s${each.key}"
  image                     = lookup(local.images, each.key, each.value.images.x86_64)
  command                   = try(split(" ", each.value.fprocess), null)
  env                       = { for k, v in try(each.value.environment, {}) : k => v if !contains(local.watchdog, k) }
  labels                    = try(each.value.labels, null)
  annotations               = try(each.value.annotations, null)
  read_only_root_filesystem = try(each.value.readOnlyRootFilesystem, null)
  limits                    = try(each.value.limits, null)

  openfaas {
    read_timeout  = try(each.value.environment.read_timeout, null)
    write_timeout = try(each.value.environment.write_timeout, null)
    exec_timeout  = try(each.value.environment.exec_timeout, null)
  }
}
`, file, quoted(batch), strings.Join(imgs, "\n"), p.Name(""))
}

// TestAccFunction_openfaasStoreCatalogue deploys every function of the OpenFaaS store
// catalogue (testdata/openfaas-store/functions.json, 33 functions, 12 with watchdog
// timeouts of their own) through for_each over jsondecode(file(...)), and checks that the
// plan after apply is empty and that each function holds the catalogue's settings. On
// the Community Edition, which runs at most 15 functions, it deploys them a third at a
// time, removing each third before the next; on a real gateway every function gets one
// of the two test images.
func TestAccFunction_openfaasStoreCatalogue(t *testing.T) {
	file, err := filepath.Abs(filepath.Join("testdata", "openfaas-store", "functions.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var catalogue struct {
		Functions []storeFunction `json:"functions"`
	}
	if err := json.Unmarshal(raw, &catalogue); err != nil {
		t.Fatal(err)
	}
	if n := len(catalogue.Functions); n != 33 {
		t.Fatalf("the catalogue holds %d functions, want 33", n)
	}
	for _, edition := range []openfaassim.Edition{openfaassim.Pro, openfaassim.CE} {
		t.Run(editionName(edition), func(t *testing.T) {
			p := newPlatform(t, openfaassim.Options{Edition: edition})
			images := map[string]string{}
			var names []string
			for i, f := range catalogue.Functions {
				names = append(names, f.Name)
				if _, sim := p.Sim(); !sim {
					images[f.Name] = p.Image(f.Images["x86_64"])
					if i%2 == 1 {
						images[f.Name] = p.AltImage(f.Images["x86_64"])
					}
				}
			}
			batches := [][]string{names}
			if edition == openfaassim.CE {
				batches = [][]string{names[:11], nil, names[11:22], nil, names[22:]}
			}
			// The last step deploys none: terraform-plugin-testing's legacy state (the
			// final destroy reads it, as do Check and CheckDestroy) cannot hold for_each
			// instances, so the checks are state checks and the test ends with none.
			batches = append(batches, nil)
			var steps []resource.TestStep
			for _, batch := range batches {
				steps = append(steps, resource.TestStep{
					Config:            storeCatalogueHCL(p, file, batch, images),
					ConfigStateChecks: []statecheck.StateCheck{platformCheck(checkStoreFunctions(p, catalogue.Functions, batch, images))},
				})
			}
			faultTest(t, p, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(p),
				Steps:                    steps,
			})
		})
	}
}

// checkStoreFunctions checks that the platform holds exactly the catalogue entries in
// batch, each with the catalogue's image (or its replacement), environment (the
// watchdog's timeouts included) and labels.
func checkStoreFunctions(p openfaasPlatform, catalogue []storeFunction, batch []string, images map[string]string) func() error {
	return func() error {
		if got := len(p.Functions(ns)); got != len(batch) {
			return fmt.Errorf("the platform holds %d of this test's functions, want %d", got, len(batch))
		}
		for _, f := range catalogue {
			if !slices.Contains(batch, f.Name) {
				continue
			}
			fn, ok := p.GetFunction(ns, p.Name(f.Name))
			if !ok {
				return fmt.Errorf("store function %s not deployed", f.Name)
			}
			image := f.Images["x86_64"]
			if img, ok := images[f.Name]; ok {
				image = img
			}
			if fn.Image != image {
				return fmt.Errorf("store function %s: image %q, want %q", f.Name, fn.Image, image)
			}
			want := f.Environment
			if want == nil {
				want = map[string]string{}
			}
			got := fn.EnvVars
			if got == nil {
				got = map[string]string{}
			}
			if !maps.Equal(got, want) {
				return fmt.Errorf("store function %s: envVars %v, want the catalogue's environment %v", f.Name, got, want)
			}
			if fn.EnvProcess != f.Fprocess || fn.ReadOnlyRootFilesystem != f.ReadOnly {
				return fmt.Errorf("store function %s: envProcess %q, readOnlyRootFilesystem %t; want %q, %t", f.Name, fn.EnvProcess, fn.ReadOnlyRootFilesystem, f.Fprocess, f.ReadOnly)
			}
			for k, v := range f.Labels {
				if fn.Labels[k] != v {
					return fmt.Errorf("store function %s: label %s = %q, want %q", f.Name, k, fn.Labels[k], v)
				}
			}
		}
		return nil
	}
}

// platformCheck runs check, which looks at the platform, as a state check: unlike a
// TestStep's Check, it needs no legacy state, which cannot hold for_each instances.
func platformCheck(check func() error) statecheck.StateCheck { return platformStateCheck(check) }

// platformStateCheck is platformCheck's statecheck.StateCheck.
type platformStateCheck func() error

// CheckState implements statecheck.StateCheck.
func (c platformStateCheck) CheckState(_ context.Context, _ statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c()
}
