package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// checkNoFunctions fails when functions are left in the test namespace (on a real
// gateway: this test's functions).
func checkNoFunctions(p openfaasPlatform) func(*terraform.State) error {
	return func(*terraform.State) error {
		if fns := p.Functions(ns); len(fns) > 0 {
			return fmt.Errorf("%d functions left on the platform after destroy, first %q", len(fns), fns[0].Service)
		}
		return nil
	}
}

func functionConfig(p openfaasPlatform, name, image, envValue string) string {
	return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name    = %q
  image   = %q
  command = ["python3"]
  args    = ["index.py", "--verbose"]
  env = {
    MODE  = %q
    EMPTY = ""
  }
  labels = {
    team = "payments"
  }
  annotations = {
    "example.com/owner" = "platform"
  }
  limits = {
    cpu    = "0.5"
    memory = "128Mi"
  }
  requests = {
    cpu = "0.1"
  }
  timeout         = "60s"
  max_concurrency = 20
}
`, name, image, envValue)
}

// TestAccFunction_lifecycle runs the standard set on both backends: create, empty plan,
// update in place, drift, env drift through the last-applied annotation (faas-netes),
// out-of-band delete, import verify (command and import block), replace on rename,
// destroy.
func TestAccFunction_lifecycle(t *testing.T) {
	for _, backend := range []openfaassim.Backend{openfaassim.FaasNetes, openfaassim.Faasd} {
		t.Run(string(backend), func(t *testing.T) {
			opts := openfaassim.Options{Backend: backend, Edition: openfaassim.Pro, ReadyAfterPolls: 2, DeleteAfterPolls: 1}
			if backend == openfaassim.Faasd {
				opts.Edition = openfaassim.CE
			}
			p := newPlatform(t, opts, anyEdition)
			hello, helloV2 := p.Name("hello"), p.Name("hello-v2")
			v10, v11, evil := p.Image("ghcr.io/acme/hello:1.0"), p.AltImage("ghcr.io/acme/hello:1.1"), p.Image("ghcr.io/evil/hello:6.6")
			cfg := func(name, image, env string) string {
				c := functionConfig(p, name, image, env)
				if backend == openfaassim.Faasd {
					// faasd honours only a memory limit (plan-time error otherwise, tested below).
					c = regexp.MustCompile(`(?s)limits = \{.*?\n  \}\n  requests = \{.*?\n  \}\n`).ReplaceAllString(c, "limits = {\n    memory = \"128Mi\"\n  }\n")
				}
				return c
			}
			// explicit also sets what the platform cannot read back without the provider's
			// record, as the configuration must once an out-of-band redeploy dropped it.
			explicit := func(name, image, env string) string {
				extra := "  read_only_root_filesystem = false\n"
				if backend == openfaassim.FaasNetes && p.Edition() == openfaassim.Pro {
					// Only Pro honours constraints; one that every Linux node matches.
					extra += "  openfaas {\n    constraints = [\"kubernetes.io/os=linux\"]\n  }\n"
				}
				return strings.Replace(cfg(name, image, env), "  max_concurrency = 20\n", "  max_concurrency = 20\n"+extra, 1)
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(p),
				Steps: []resource.TestStep{
					{
						Config: cfg(hello, v10, "prod"),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+hello)),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("namespace"), knownvalue.StringExact(ns)),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("invoke_url"), knownvalue.StringExact(p.URL()+"/function/"+hello+"."+ns)),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env").AtMapKey("EMPTY"), knownvalue.StringExact("")),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("timeout"), knownvalue.StringExact("60s")),
						},
						Check: func(*terraform.State) error {
							fn, ok := p.GetFunction(ns, hello)
							if !ok {
								return fmt.Errorf("function not on the platform")
							}
							if fn.EnvProcess != "python3 index.py --verbose" {
								return fmt.Errorf("envProcess = %q", fn.EnvProcess)
							}
							for _, k := range []string{"read_timeout", "write_timeout", "exec_timeout"} {
								if fn.EnvVars[k] != "60s" {
									return fmt.Errorf("env %s = %q, want 60s", k, fn.EnvVars[k])
								}
							}
							if fn.EnvVars["max_inflight"] != "20" || fn.EnvVars["MODE"] != "prod" {
								return fmt.Errorf("envVars = %v", fn.EnvVars)
							}
							if fn.AvailableReplicas < 1 {
								return fmt.Errorf("apply returned before the function was ready")
							}
							return nil
						},
					},
					{
						// Update in place.
						Config: cfg(hello, v11, "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
						}},
						Check: func(*terraform.State) error {
							fn, _ := p.GetFunction(ns, hello)
							if fn.Image != v11 || fn.EnvVars["MODE"] != "staging" {
								return fmt.Errorf("update not applied: %s %v", fn.Image, fn.EnvVars)
							}
							return nil
						},
					},
					{
						// Drift: an image changed behind Terraform's back is planned back.
						PreConfig: func() {
							p.ModifyFunction(ns, hello, func(f *openfaassim.Function) { f.Image = evil })
						},
						Config: cfg(hello, v11, "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(v11)),
							// No revisions on OpenFaaS: null in the plan, not known after apply.
							plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_ready_revision"), knownvalue.Null()),
							plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_created_revision"), knownvalue.Null()),
						}},
					},
					{
						// Drift in a user label, and in env: a redeploy outside Terraform (faas-cli deploy)
						// changes env and drops the last-applied annotation. What the platform does not
						// return is now unknown, so correcting the drift is refused at apply (the
						// plan warns) until the configuration sets it.
						PreConfig: func() {
							p.ModifyFunction(ns, hello, func(f *openfaassim.Function) {
								f.Labels["team"] = "someone-else"
								f.EnvVars = map[string]string{"MODE": "hacked"}
								delete(f.Annotations, openfaas.LastAppliedAnnotation)
							})
						},
						Config:      cfg(hello, v11, "staging"),
						ExpectError: regexp.MustCompile(`carries\s+no\s+record\s+of\s+this\s+provider[\s\S]*read_only_root_filesystem`),
					},
					{
						Config: explicit(hello, v11, "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env").AtMapKey("MODE"), knownvalue.StringExact("staging")),
						}},
						Check: func(*terraform.State) error {
							fn, _ := p.GetFunction(ns, hello)
							if fn.EnvVars["MODE"] != "staging" || fn.Labels["team"] != "payments" {
								return fmt.Errorf("drift not corrected: %v %v", fn.EnvVars, fn.Labels)
							}
							return nil
						},
					},
					{
						// Platform-injected and sibling-owned keys are not drift.
						PreConfig: func() {
							p.ModifyFunction(ns, hello, func(f *openfaassim.Function) {
								f.Labels["com.openfaas.scale.max"] = "4"
								f.Annotations["topic"] = "orders"
							})
						},
						Config: explicit(hello, v11, "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
						}},
					},
					{
						// Import by command, then verify every attribute.
						ResourceName:      "faas_function.f",
						ImportState:       true,
						ImportStateId:     ns + "/" + hello,
						ImportStateVerify: true,
					},
					{
						// Import block, by name alone (default namespace).
						ResourceName:    "faas_function.f",
						ImportState:     true,
						ImportStateKind: resource.ImportBlockWithID,
						ImportStateId:   hello,
					},
					{
						// Out-of-band delete: refresh drops it, the plan re-creates it.
						PreConfig: func() { p.DeleteFunction(ns, hello) },
						Config:    explicit(hello, v11, "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
						}},
					},
					{
						// Rename replaces.
						Config: explicit(helloV2, v11, "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionDestroyBeforeCreate),
						}},
						Check: func(*terraform.State) error {
							if _, ok := p.GetFunction(ns, hello); ok {
								return fmt.Errorf("old function left behind after rename")
							}
							if _, ok := p.GetFunction(ns, helloV2); !ok {
								return fmt.Errorf("renamed function missing")
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// TestAccFunction_emptyCollections: an empty map or list, an omitted one, and a map with
// an empty-string value all plan empty after apply.
func TestAccFunction_emptyCollections(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "empty" {
  name        = %[1]q
  image       = %[4]q
  env         = {}
  labels      = {}
  annotations = {}
  secrets     = []
  command     = []
}

resource "faas_function" "omitted" {
  name  = %[2]q
  image = %[4]q
}

resource "faas_function" "blank" {
  name   = %[3]q
  image  = %[4]q
  env    = { A = "" }
  labels = { b = "" }
}
`, p.Name("empty"), p.Name("omitted"), p.Name("blank"), p.Image("ghcr.io/openfaas/alpine:latest")),
			},
		},
	})
}

// TestAccFunction_quantitiesCompareByValue: "0.1" comes back from faas-netes as "100m"
// and "131072Ki" as "128Mi"; the plan after apply is empty (checked by the framework).
// (A request small enough for any cluster, so that it runs on a real gateway too.)
func TestAccFunction_quantitiesCompareByValue(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyEdition)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "q" {
  name  = %q
  image = %q
  limits = {
    cpu = "0.1"
  }
  requests = {
    memory = "131072Ki"
  }
  timeout = "90s"
}
`, p.Name("quantities"), p.Image("ghcr.io/openfaas/alpine:latest")),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("faas_function.q", tfjsonpath.New("limits").AtMapKey("cpu"), knownvalue.StringExact("0.1")),
				statecheck.ExpectKnownValue("faas_function.q", tfjsonpath.New("limits").AtMapKey("memory"), knownvalue.Null()),
			},
		}},
	})
}

// TestAccFunction_notReady: a function that never becomes ready fails the apply with the
// platform's last status, stays in state tainted, and is replaced by the next apply.
func TestAccFunction_notReady(t *testing.T) {
	sim := newSim(t, openfaassim.Options{ReadyAfterPolls: -1}, "needs a function that never becomes ready (the simulator's readiness control)")
	cfg := func(wait string) string {
		return providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_function" "slow" {
  name           = "slow"
  image          = "ghcr.io/openfaas/alpine:latest"
  wait_for_ready = %s
  timeouts {
    create = "2s"
    update = "2s"
  }
}
`, wait)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				Config:      cfg("true"),
				ExpectError: errRe(`was created but is not ready.*timed out after .* waiting for function openfaas-fn/slow to be ready; last status: 0 of 1 replicas available`),
			},
			{
				// Tainted: planned for replacement; with wait_for_ready = false it applies at once.
				Config: cfg("false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.slow", plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
		},
	})
}

// TestAccFunction_alreadyReady: a wait that starts when the function is already ready
// costs one read.
func TestAccFunction_alreadyReady(t *testing.T) {
	sim := newSim(t, openfaassim.Options{ReadyAfterPolls: 0}, "counts readiness reads in the simulator's request log")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{{
			PreConfig: sim.ResetRequests,
			Config: providerBlock(sim, "") + `
resource "faas_function" "r" {
  name  = "ready"
  image = "ghcr.io/openfaas/alpine:latest"
}
`,
			Check: func(*terraform.State) error {
				reads := 0
				for _, r := range sim.Requests() {
					if r.Method == "GET" && r.Path == "/system/function/ready" {
						reads++
					}
				}
				// create: one read-back, one readiness poll; then the post-apply refresh and plan reads.
				if reads > 5 {
					return fmt.Errorf("%d reads of an already ready function", reads)
				}
				return nil
			},
		}},
	})
}

// TestAccFunction_lostCreateResponseIsAdopted: the gateway applies the create but the
// response never arrives (a proxy in front of it forwards the create, then drops the
// connection); the provider reads the function back and adopts it.
func TestAccFunction_lostCreateResponseIsAdopted(t *testing.T) {
	p := withFaults(t, newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition))
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				p.SetFaults(simcore.Faults{LoseResponses: 1, OnlyMethod: http.MethodPost})
			},
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "a" {
  name  = %q
  image = %q
}
`, p.Name("adopted"), p.Image("ghcr.io/openfaas/alpine:latest")),
			Check: func(*terraform.State) error {
				posts := 0
				for _, r := range p.Requests() {
					if r.Method == http.MethodPost {
						posts++
					}
				}
				// A read-back that lags behind the write (faas-netes' informer cache,
				// the simulator's stale reads) may not show the function yet; the
				// provider then sends the create once more, which the platform refuses
				// as a duplicate, and reads until the function shows.
				if posts < 1 || posts > 2 {
					return fmt.Errorf("%d creates sent, want 1 (or 2 when the read-back lags)", posts)
				}
				return nil
			},
		}},
	})
}

// TestAccFunction_existingIsNotTakenOver: creating a function whose name exists outside
// Terraform fails with an import hint (issue 12 item 9: it said "terraform import
// <resource address>") and leaves the existing function alone.
func TestAccFunction_existingIsNotTakenOver(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	taken, theirs := p.Name("taken"), p.AltImage("ghcr.io/other/team:1")
	p.PutFunction(openfaassim.Function{Service: taken, Namespace: ns, Image: theirs})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "t" {
  name  = %q
  image = %q
}
`, taken, p.Image("ghcr.io/openfaas/alpine:latest")),
			// The provider cannot know the resource's address (Terraform sends none):
			// the hint points at the one Terraform prints with the error, and gives the
			// import block with the real id.
			ExpectError: errRe(`with faas_function.t,.*already exists on the platform.*address Terraform shows above.*` +
				`import \{ to = <address shown above> id = "` + regexp.QuoteMeta(ns+"/"+taken) + `" \}.*terraform import <address shown above> ` + regexp.QuoteMeta(ns+"/"+taken)),
		}},
	})
	if fn, _ := p.GetFunction(ns, taken); fn.Image != theirs {
		t.Fatalf("existing function was modified: %+v", fn)
	}
}

// TestAccFunction_importOutOfBand imports a function deployed outside Terraform and
// plans empty with a matching configuration.
func TestAccFunction_importOutOfBand(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	legacy, image := p.Name("legacy"), p.Image("ghcr.io/acme/legacy:3")
	p.PutFunction(openfaassim.Function{
		Service: legacy, Namespace: ns, Image: image,
		EnvProcess: "node index.js", Labels: map[string]string{"tier": "gold"},
		Limits: &openfaassim.FunctionResources{Memory: "256Mi"},
	})
	cfg := providerBlock(p, "") + fmt.Sprintf(`
import {
  to = faas_function.legacy
  id = "%[1]s/%[2]s"
}

resource "faas_function" "legacy" {
  name    = %[2]q
  image   = %[3]q
  command = ["node", "index.js"]
  labels  = { tier = "gold" }
  limits  = { memory = "256Mi" }
}
`, ns, legacy, image)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("faas_function.legacy", plancheck.ResourceActionNoop),
			}},
		}},
	})
}

// TestAccFunction_planTimeErrors: settings the platform cannot honour, reserved keys and
// malformed values fail at plan time on the right attribute, and nothing is written. On
// a real gateway each case runs where its backend and edition match (relax widens that).
func TestAccFunction_planTimeErrors(t *testing.T) {
	anywhere := []realOption{anyBackend, anyEdition}
	cases := []struct {
		name    string
		opts    openfaassim.Options
		body    string
		wantErr string
		extra   string // inside the provider's openfaas block
		relax   []realOption
	}{
		{"invalid name", openfaassim.Options{}, `name = "Hello_World"`, `not an RFC 1123 label`, "", anywhere},
		{"name too long", openfaassim.Options{}, `name = "` + regexp.MustCompile(`.`).ReplaceAllString(fmt.Sprintf("%070d", 0), "a") + `"`, `at most 63`, "", anywhere},
		{"empty image", openfaassim.Options{}, `name = "x"
  image = ""`, `Attribute image string length must be at least 1`, "", anywhere},
		{"bad quantity", openfaassim.Options{}, `name = "x"
  limits = { memory = "lots" }`, `limits.memory.*is not valid`, "", anywhere},
		{"bad duration", openfaassim.Options{}, `name = "x"
  timeout = "30"`, `timeout.*Expected a Go duration`, "", anywhere},
		{"bad watchdog duration", openfaassim.Options{}, `name = "x"
  openfaas {
    write_timeout = "60"
  }`, `openfaas.write_timeout.*Expected a Go duration`, "", anywhere},
		{"max concurrency zero", openfaassim.Options{}, `name = "x"
  max_concurrency = 0`, `must be at least 1`, "", anywhere},
		{"reserved env", openfaassim.Options{}, `name = "x"
  env = { exec_timeout = "5s" }`, `Reserved key.*owned by the faas_function attribute timeout`, "", anywhere},
		{"reserved label", openfaassim.Options{}, `name = "x"
  labels = { "com.openfaas.scale.min" = "2" }`, `Reserved key.*faas_scaling_policy`, "", anywhere},
		{"reserved annotation", openfaassim.Options{}, `name = "x"
  annotations = { topic = "orders" }`, `Reserved key.*faas_trigger`, "", anywhere},
		{"whitespace in command", openfaassim.Options{}, `name = "x"
  command = ["python3 index.py"]`, `command\[0\].*contains whitespace`, "", anywhere},
		{"null env value", openfaassim.Options{}, `name = "x"
  env = { A = null }`, `Null map value`, "", anywhere},
		{"ce image pull secrets", openfaassim.Options{}, `name = "x"
  image_pull_secrets = ["regcred"]`, `Unsupported on OpenFaaS faas-netes \(Community Edition\).*public images`, "", nil},
		{"ce constraints", openfaassim.Options{}, `name = "x"
  openfaas {
    constraints = ["disk=ssd"]
  }`, `openfaas.constraints.*ignores constraints`, "", nil},
		{"ce other namespace", openfaassim.Options{}, `name = "x"
  namespace = "team-a"`, `single function namespace`, "", []realOption{anyBackend}},
		{"faasd cpu limit", openfaassim.Options{Backend: openfaassim.Faasd}, `name = "x"
  limits = { cpu = "1" }`, `limits.cpu.*faasd applies only a memory limit`, "", []realOption{anyEdition}},
		{"faasd requests", openfaassim.Options{Backend: openfaassim.Faasd}, `name = "x"
  requests = { memory = "64Mi" }`, `faasd does not reserve`, "", []realOption{anyEdition}},
		{"faasd image pull secrets", openfaassim.Options{Backend: openfaassim.Faasd, Edition: openfaassim.Pro}, `name = "x"
  image_pull_secrets = ["regcred"]`, `/var/lib/faasd/.docker/config.json`, "", []realOption{anyEdition}},
		{"revision name on openfaas", openfaassim.Options{}, `name = "x"
  revision_name = "x-v1"`, `Unsupported on OpenFaaS.*has no revisions`, "", anywhere},
		{"edition forced to ce", openfaassim.Options{Edition: openfaassim.Pro}, `name = "x"
  image_pull_secrets = ["regcred"]`, `Community Edition.*public images`, `edition = "ce"`, []realOption{anyEdition}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPlatform(t, c.opts, c.relax...)
			body := strings.ReplaceAll(c.body, `name = "x"`, fmt.Sprintf("name = %q", p.Name("x")))
			if !regexp.MustCompile(`(?m)^\s*image\s*=`).MatchString(body) {
				body += fmt.Sprintf("\n  image = %q", p.Image("ghcr.io/openfaas/alpine:latest"))
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      providerBlock(p, c.extra) + "\nresource \"faas_function\" \"bad\" {\n  " + body + "\n}\n",
					PlanOnly:    true,
					ExpectError: onAttribute(functionErrorAttrs[c.name], c.wantErr),
				}},
			})
			if err := expectNoWrites(p)(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccFunction_proFeatures: on Pro faas-netes, image pull secrets, constraints and
// another namespace are accepted and read back without drift.
func TestAccFunction_proFeatures(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro, ExtraNamespaces: []string{"team-a"}})
	team, pro, regcred, apiKey := p.ExtraNamespace(), p.Name("pro"), p.Name("regcred"), p.Name("api-key")
	p.PutSecret(team, regcred, `{"auths":{}}`)
	p.PutSecret(team, apiKey, "k")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "p" {
  name                      = %q
  namespace                 = %q
  image                     = %q
  secrets                   = [%q]
  image_pull_secrets        = [%q]
  read_only_root_filesystem = true
  openfaas {
    constraints = ["node.kubernetes.io/instance-type=m5.large"]
  }
}
`, pro, team, p.Image("registry.example.com/private/pro:1"), apiKey, regcred),
				Check: func(*terraform.State) error {
					fn, ok := p.GetFunction(team, pro)
					if !ok || len(fn.Secrets) != 2 || !fn.ReadOnlyRootFilesystem || len(fn.Constraints) != 1 {
						return fmt.Errorf("unexpected deployment %+v", fn)
					}
					return nil
				},
			},
			{
				ResourceName:      "faas_function.p",
				ImportState:       true,
				ImportStateId:     team + "/" + pro,
				ImportStateVerify: true,
			},
		},
	})
}

// functionErrorAttrs names the attribute each bad-input case must be reported on ("" for nested
// attributes and resource-level errors, whose message names the path).
var functionErrorAttrs = map[string]string{
	"revision name on openfaas": "revision_name",
	"invalid name":              "name",
	"name too long":             "name",
	"empty image":               "image",
	"bad quantity":              "",
	"bad duration":              "timeout",
	"max concurrency zero":      "max_concurrency",
	"reserved env":              "env",
	"reserved label":            "labels",
	"reserved annotation":       "annotations",
	"whitespace in command":     "command",
	"null env value":            "env",
	"ce image pull secrets":     "image_pull_secrets",
	"ce constraints":            "constraints",
	"ce other namespace":        "namespace",
	"faasd cpu limit":           "",
	"faasd requests":            "requests",
	"faasd image pull secrets":  "image_pull_secrets",
	"edition forced to ce":      "image_pull_secrets",
}

// TestAccKnative_functionLifecycle: what a function is on Knative, beyond the neutral
// suite (TestAccSuite_functionLifecycle, which also imports, deletes behind Terraform's
// back and renames): the Service's container, containerConcurrency and timeoutSeconds as
// written, an update in place, and drift made with kubectl in the image and a label.
func TestAccKnative_functionLifecycle(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 2})
	cfg := func(name, image, mode string) string {
		return sim.ProviderBlock(`namespace = "default"`) + knativeFunction(name, image, mode)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg("hello", "ghcr.io/acme/hello:1.0", "prod"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact("default/hello")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("namespace"), knownvalue.StringExact("default")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("invoke_url"), knownvalue.StringExact("http://hello.default.example.com")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("limits").AtMapKey("cpu"), knownvalue.StringExact("0.5")),
				},
				Check: func(*terraform.State) error {
					svc, ok := kservice(sim, "hello")
					if !ok {
						return fmt.Errorf("no Knative Service")
					}
					cs, _, _ := unstructured.NestedSlice(svc.Object, "spec", "template", "spec", "containers")
					if len(cs) != 1 {
						return fmt.Errorf("containers %v", cs)
					}
					c0, _ := cs[0].(map[string]any)
					img, _, _ := unstructured.NestedString(c0, "image")
					cc, _, _ := unstructured.NestedInt64(svc.Object, "spec", "template", "spec", "containerConcurrency")
					ts, _, _ := unstructured.NestedInt64(svc.Object, "spec", "template", "spec", "timeoutSeconds")
					if img != "ghcr.io/acme/hello:1.0" || cc != 20 || ts != 120 {
						return fmt.Errorf("image %q containerConcurrency %d timeoutSeconds %d", img, cc, ts)
					}
					return nil
				},
			},
			{
				Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
			},
			{
				// Drift: the image and a label changed with kubectl.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "hello", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						c0, _ := cs[0].(map[string]any)
						_ = unstructured.SetNestedField(c0, "ghcr.io/evil/hello:6.6", "image")
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
						labels := u.GetLabels()
						labels["team"] = "someone-else"
						u.SetLabels(labels)
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact("ghcr.io/acme/hello:1.1")),
				}},
			},
		},
	})
}

func TestAccKnative_failedRevisionFailsFast(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{FailImages: map[string]k8ssim.Failure{
		"ghcr.io/acme/missing:1": {Reason: "RevisionMissing", Message: `Unable to fetch image "ghcr.io/acme/missing:1": failed to resolve image to digest`},
	}})
	image := "ghcr.io/acme/missing:1"
	if sim.Real() {
		// The real Serving resolves tags to digests except on the registries the testbed
		// skips; this one refuses at once (nothing listens on port 9 of 127.0.0.1).
		image = "127.0.0.1:9/acme/missing:1"
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{{
			Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "broken"
  image = "` + image + `"
  timeouts {
    create = "10m"
  }
}
`,
			// The real Serving's Ready says RevisionMissing (the Route's text) or
			// RevisionFailed (the Configuration's), depending on which it propagated last;
			// the cause must show either way.
			ExpectError: errRe(`was created but is not ready.*Revision(Missing|Failed).*Unable to fetch image`),
		}},
	})
}

// TestAccKnative_urlNotReportedYet: a Service created without waiting has no status.url
// until Knative reconciles it; the next update must plan invoke_url as known after
// apply, not keep the empty value from state (which Terraform would reject as an
// inconsistent result once the update reads the URL back).
func TestAccKnative_urlNotReportedYet(t *testing.T) {
	sim := newKube(t, k8ssim.Options{ReadyAfterPolls: 3})
	cfg := func(image string) string {
		return knativeBlock(sim, "") + `
resource "faas_function" "f" {
  name           = "unreconciled"
  image          = "` + image + `"
  wait_for_ready = false
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{Config: cfg("ghcr.io/acme/unreconciled:1")},
			{Config: cfg("ghcr.io/acme/unreconciled:2"), Check: resource.TestCheckResourceAttr("faas_function.f", "invoke_url", "http://unreconciled.default.example.com")},
		},
	})
}

// TestAccFunction_emptyRevisionNameRefused: revision_name = "" is a plan-time error on
// the attribute (it used to pass the plan, store nothing and show a change forever).
func TestAccFunction_emptyRevisionNameRefused(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name          = "shop"
  image         = "ghcr.io/acme/shop:1.0"
  revision_name = ""
}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)revision_name.*string length must be at least 1`),
		}},
	})
}

// TestAccKnative_pinnedRevisionTemplateChangeRefusedAtPlan: with revision_name kept, a
// change of the revision template (here the image) is a plan-time error on revision_name
// (Knative's webhook refuses it at apply: revisions are immutable); with a new
// revision_name the same change plans and applies. (Found by a new-user trial: it used
// to pass the plan and fail at apply with the webhook's message.)
func TestAccKnative_pinnedRevisionTemplateChangeRefusedAtPlan(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := sim.ProviderBlock("")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{Config: base + shopFunction("1", "v1")},
			{
				Config:      base + shopFunction("2", "v1"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)revision_name.*runs\s+revision\s+"shop-v1"\s+already.*Give\s+revision_name\s+a\s+new\s+value`),
			},
			{
				Config: base + shopFunction("2", "v2"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_ready_revision"), knownvalue.StringExact("shop-v2")),
				},
			},
		},
	})
}

// TestAccKnative_planErrorsQuoteWebhook: values Knative's webhook refuses fail at plan,
// on the attribute, with the text of Knative's own validation (knative.dev/serving
// Service.Validate, issue 14), and nothing is written. On the real Knative the same
// value is also sent to the real webhook in a Service written directly (as kubectl
// would), which must refuse it with the same text: the plan says what the cluster's
// webhook would, although the driver's copy of Knative's validation is another release.
func TestAccKnative_planErrorsQuoteWebhook(t *testing.T) {
	const fn = `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
}
`
	// service is a Service as kubectl would write it, changed by mutate.
	service := func(name string, mutate func(obj map[string]any)) *unstructured.Unstructured {
		obj := map[string]any{
			"apiVersion": "serving.knative.dev/v1", "kind": "Service",
			"metadata": map[string]any{"name": name, "namespace": "default"},
			"spec": map[string]any{"template": map[string]any{
				"metadata": map[string]any{"annotations": map[string]any{}},
				"spec":     map[string]any{"containers": []any{map[string]any{"image": "ghcr.io/acme/x:1"}}},
			}},
		}
		if mutate != nil {
			mutate(obj)
		}
		return &unstructured.Unstructured{Object: obj}
	}
	annotate := func(key, value string) func(map[string]any) {
		return func(obj map[string]any) {
			_ = unstructured.SetNestedField(obj, value, "spec", "template", "metadata", "annotations", key)
		}
	}
	for name, c := range map[string]struct {
		config, attr, err string
		// direct is the Service written past the provider; webhook what the real
		// webhook must answer to it.
		direct  *unstructured.Unstructured
		webhook string
	}{
		"name starts with a digit": {config: `
resource "faas_function" "f" {
  name  = "9lives"
  image = "ghcr.io/acme/x:1"
}
`, attr: "name", err: `Rejected by Knative's validation.*denied the request: validation failed: not a DNS 1035 label`,
			direct: service("9lives", nil), webhook: `validation failed: not a DNS 1035 label`},
		"reserved env": {config: `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
  env   = { PORT = "8080" }
}
`, attr: "env", err: `validation failed: "PORT" is a reserved environment variable: spec.template.spec.containers\[0\].env\[0\].name`,
			direct: service("x", func(obj map[string]any) {
				_ = unstructured.SetNestedSlice(obj, []any{map[string]any{"image": "ghcr.io/acme/x:1",
					"env": []any{map[string]any{"name": "PORT", "value": "8080"}}}}, "spec", "template", "spec", "containers")
			}),
			webhook: `validation failed: "PORT" is a reserved environment variable: spec.template.spec.containers\[0\].env\[0\].name`},
		"max_replicas above int32": {config: fn + `
resource "faas_scaling_policy" "p" {
  function_id  = "default/x"
  max_replicas = 3000000000
}
`, attr: "max_replicas", err: `validation failed: expected 0 <= 3000000000 <= 2147483647: spec.template.metadata.annotations.autoscaling.knative.dev/max-scale`,
			direct:  service("x", annotate("autoscaling.knative.dev/max-scale", "3000000000")),
			webhook: `validation failed: expected 0 <= 3000000000 <= 2147483647: spec.template.metadata.annotations.autoscaling.knative.dev/max-scale`},
		"retention period above an hour": {config: fn + `
resource "faas_scaling_policy" "p" {
  function_id         = "default/x"
  scale_to_zero_after = "2h"
}
`, attr: "scale_to_zero_after", err: `validation failed: expected 0s <= 2h <= 1h0m0s: spec.template.metadata.annotations.autoscaling.knative.dev/scale-to-zero-pod-retention-period`,
			direct:  service("x", annotate("autoscaling.knative.dev/scale-to-zero-pod-retention-period", "2h")),
			webhook: `validation failed: expected 0s <= 2h <= 1h0m0s: spec.template.metadata.annotations.autoscaling.knative.dev/scale-to-zero-pod-retention-period`},
	} {
		t.Run(name, func(t *testing.T) {
			cluster := newKnativeCluster(t, k8ssim.Options{})
			checkNothingWritten := nothingWritten(t, cluster)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config: cluster.ProviderBlock(`namespace = "default"`) + c.config, PlanOnly: true,
					ExpectError: onAttribute(c.attr, c.err),
				}},
			})
			checkNothingWritten()
			if !cluster.Real() {
				return // the simulator's Put bypasses its webhook
			}
			err := cluster.Put(c.direct)
			if err == nil {
				t.Fatalf("the real webhook admitted the Service the plan refused: %s", c.webhook)
			}
			if !regexp.MustCompile(c.webhook).MatchString(err.Error()) {
				t.Fatalf("the real webhook's answer differs from the plan's error\nwebhook: %v\nwant:    %s", err, c.webhook)
			}
		})
	}
}

// TestAccKnative_clusterLimitsAreLeftToTheCluster: a timeout or max_concurrency above
// the limits Knative ships (max-revision-timeout-seconds 600, container-concurrency-max-
// limit 1000) plans, because an operator may raise them in config-defaults, which the
// provider does not read; a cluster with the shipped limits refuses it at apply, with its
// webhook's message.
func TestAccKnative_clusterLimitsAreLeftToTheCluster(t *testing.T) {
	for name, c := range map[string]struct{ setting, err string }{
		"timeout":         {`timeout = "15m"`, `expected 0 <= 900 <= 600`},
		"max_concurrency": {`max_concurrency = 1001`, `expected 0 <= 1001 <= 1000`},
	} {
		t.Run(name, func(t *testing.T) {
			sim := newKnativeCluster(t, k8ssim.Options{})
			cfg := sim.ProviderBlock(`namespace = "default"`) + `
resource "faas_function" "f" {
  name  = "x"
  image = "ghcr.io/acme/x:1"
  ` + c.setting + `
}
`
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoServices(sim),
				Steps: []resource.TestStep{
					{Config: cfg, PlanOnly: true, ExpectNonEmptyPlan: true},
					{Config: cfg, ExpectError: regexp.MustCompile(c.err)},
				},
			})
		})
	}
}

// kubernetesRuleCases are label, annotation and env inputs that Kubernetes refuses (the
// examples of issue 12), as faas_function bodies (name and image are added), with the
// error and the attribute it must be reported on (Terraform shows the line of the
// map key when the map is written literally).
var kubernetesRuleCases = []struct {
	name, body, wantErr, attr string
}{
	{"label key with a space", `labels = { "my key" = "v" }`, `Invalid label key.*"my key" is not valid`, "labels"},
	{"label value of 64 characters", `labels = { team = "` + strings.Repeat("a", 64) + `" }`, `Invalid label value.*no more than 63`, "labels"},
	{"annotation key", `annotations = { "bad key!" = "v" }`, `Invalid annotation key.*"bad key!" is not valid`, "annotations"},
	{"annotations over 256 KiB", `annotations = { big = format("%262144s", "") }`, `Annotations too large.*262144`, "annotations"},
	{"empty env name", `env = { "" = "v" }`, `Invalid environment variable name.*must be non-empty`, "env"},
	{"env name with =", `env = { "A=B" = "v" }`, `Invalid environment variable name.*"A=B" is not valid`, "env"},
	// A null next to values unknown until apply is still a plan-time error (issue 12
	// item 9): the check looked at no element after the first unknown one.
	{"null map value next to unknown ones", `labels = {
    u1 = terraform_data.later.output, u2 = terraform_data.later.output, u3 = terraform_data.later.output,
    u4 = terraform_data.later.output, u5 = terraform_data.later.output, u6 = terraform_data.later.output,
    u7 = terraform_data.later.output, u8 = terraform_data.later.output, u9 = terraform_data.later.output,
    a = null
  }`, `Null map value.*The value of "a" is null`, "a"},
}

// kubernetesRulesConfig is one case's configuration: a terraform_data whose output is
// unknown at plan, and the function.
func kubernetesRulesConfig(provider, name, image, body string) string {
	return provider + fmt.Sprintf(`
resource "terraform_data" "later" {
  input = "v"
}

resource "faas_function" "bad" {
  name  = %q
  image = %q
  %s
}
`, name, image, body)
}

// TestAccFunction_kubernetesRules: invalid label keys and values, annotation keys, an
// annotation total over 256 KiB, invalid env names and a null map value next to
// unknown ones fail at plan on the attribute, on OpenFaaS and Knative, and nothing is
// written.
func TestAccFunction_kubernetesRules(t *testing.T) {
	for _, c := range kubernetesRuleCases {
		t.Run("openfaas/"+c.name, func(t *testing.T) {
			p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      kubernetesRulesConfig(providerBlock(p, ""), p.Name("x"), p.Image("ghcr.io/openfaas/alpine:latest"), c.body),
					PlanOnly:    true,
					ExpectError: onAttribute(c.attr, c.wantErr),
				}},
			})
			if err := expectNoWrites(p)(); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("knative/"+c.name, func(t *testing.T) {
			cluster := newKnativeCluster(t, k8ssim.Options{})
			check := nothingWritten(t, cluster)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      kubernetesRulesConfig(cluster.ProviderBlock(`namespace = "default"`), "x", "ghcr.io/acme/x:1", c.body),
					PlanOnly:    true,
					ExpectError: onAttribute(c.attr, c.wantErr),
				}},
			})
			check()
		})
	}
}

// fillCE deploys n functions outside Terraform, as faas-cli would.
func fillCE(p openfaasPlatform, n int) {
	for i := range n {
		p.PutFunction(openfaassim.Function{Service: fmt.Sprintf("other-%02d", i), Namespace: ns, Image: "ghcr.io/acme/other:1"})
	}
}

func limitFunctions(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, `
resource "faas_function" %[1]q {
  name  = %[1]q
  image = "ghcr.io/acme/%[1]s:1"
}
`, n)
	}
	return b.String()
}

// TestAccFunction_communityEditionLimit: the Community Edition runs at most 15
// functions. With 15 deployed, a plan that creates one more warns on the function's
// name, and the apply fails before anything is sent, naming the limit, the edition and
// what to do; once a function is deleted the create goes through. Creates that race
// past the provider's count in one apply get the gateway's refusal, explained the same
// way.
func TestAccFunction_communityEditionLimit(t *testing.T) {
	sim := newSim(t, openfaassim.Options{}, "fills the Community Edition to its limit and reads the request log")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { fillCE(sim, 15); sim.ResetRequests() },
				Config:    providerBlock(sim, "") + limitFunctions("extra"),
				ExpectError: errRe(`Error creating function openfaas-fn/extra.*OpenFaaS faas-netes \(Community Edition\) allows at most 15 functions, ` +
					`and namespace "openfaas-fn" already holds 15 \(other-00, .*other-14\), so creating function openfaas-fn/extra would be refused. ` +
					`Delete functions that are no longer needed, or use OpenFaaS Standard or Enterprise`),
			},
			{
				PreConfig: func() {
					for _, r := range sim.Requests() {
						if r.Method == "POST" {
							t.Errorf("a create over the limit was sent: %v", r)
						}
					}
					sim.DeleteFunction(ns, "other-00")
				},
				Config: providerBlock(sim, "") + limitFunctions("extra"),
				Check: func(*terraform.State) error {
					if _, ok := sim.GetFunction(ns, "extra"); !ok {
						return fmt.Errorf("extra was not created")
					}
					return nil
				},
			},
			{
				// 15 again: two more creates in one apply, whichever order they run in.
				PreConfig: func() { sim.DeleteFunction(ns, "other-01") },
				Config:    providerBlock(sim, "") + limitFunctions("extra", "more-a", "more-b"),
				// The two creates run in parallel: both may pass the driver's count, and
				// the gateway then refuses the second one, which the driver explains
				// (explainCreate) in a sentence of its own.
				ExpectError: errRe(`allows at most 15 functions.*[Dd]elete functions that are no longer needed, or use OpenFaaS Standard or Enterprise`),
			},
			{
				PreConfig: func() {
					if n := len(sim.Functions(ns)); n != 15 {
						t.Errorf("%d functions, want 15", n)
					}
				},
				Config: providerBlock(sim, "") + limitFunctions("extra"),
			},
		},
	})
}

// TestAccFunction_communityEditionLimitPlanWarning: the plan of a create on a full
// Community Edition warns, on the name, and still succeeds (the same apply may delete
// functions first).
func TestAccFunction_communityEditionLimitPlanWarning(t *testing.T) {
	c := newCLI(t)
	sim := newSim(t, openfaassim.Options{}, "fills the Community Edition to its limit")
	fillCE(sim, 15)
	c.writeMain(providerBlock(sim, "") + limitFunctions("extra"))
	out, code := c.run("plan", "-no-color", "-input=false")
	if code != 0 {
		t.Fatalf("plan exited %d:\n%s", code, out)
	}
	want := regexp.MustCompile(`(?s)Warning: Function limit reached.*with faas_function.extra.*name\s+=.*` +
		`allows\s+at\s+most\s+15\s+functions.*unless\s+the\s+same\s+apply\s+deletes\s+functions\s+first`)
	if !want.MatchString(out) {
		t.Fatalf("no warning on the name in:\n%s", out)
	}
	sim.DeleteFunction(ns, "other-00")
	if out, _ := c.run("plan", "-no-color", "-input=false"); strings.Contains(out, "Function limit reached") {
		t.Fatalf("a warning below the limit:\n%s", out)
	}
}

// TestAccFunction_communityEditionPrivateImage: faas-netes CE deploys only images it can
// fetch anonymously. A create of another image fails, naming the image, why and what to
// do; an update to one, which faas-netes answers with an empty 200 and ignores, fails
// the same way instead of being reported as applied; the function keeps its image.
func TestAccFunction_communityEditionPrivateImage(t *testing.T) {
	sim := newSim(t, openfaassim.Options{PublicImages: []string{"ghcr.io/openfaas/"}}, "models the Community Edition's anonymous image check")
	cfg := func(image string) string {
		return providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = "img"
  image = %q
}
`, image)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg("registry.example.com/private/app:1"),
				ExpectError: errRe(`Error creating function openfaas-fn/img.*HTTP 400: the Community Edition license agreement only allows public images.*` +
					`request failed for image "registry.example.com/private/app:1".*Use a public image that faas-netes can reach anonymously, or OpenFaaS Standard or Enterprise`),
			},
			{Config: cfg("ghcr.io/openfaas/figlet:latest")},
			{
				Config: cfg("registry.example.com/private/app:2"),
				ExpectError: errRe(`Error updating function openfaas-fn/img.*faas-netes did not apply the update.*` +
					`request failed for image "registry.example.com/private/app:2".*Use a public image`),
			},
			{
				PreConfig: func() {
					if fn, _ := sim.GetFunction(ns, "img"); fn.Image != "ghcr.io/openfaas/figlet:latest" {
						t.Errorf("image %q after a refused update", fn.Image)
					}
				},
				Config: cfg("ghcr.io/openfaas/figlet:latest"),
			},
		},
	})
}

// deleteAfterSeen deletes a function out of band once its readiness polls have returned
// it three times (the function was seen), and then counts the reads answered 404.
type deleteAfterSeen struct {
	armed   atomic.Bool
	seen    atomic.Int32
	missing atomic.Int32
	deleted atomic.Bool
}

// observe is the simulator's OnRequest hook for reads of one object at path; del deletes it.
func (w *deleteAfterSeen) observe(method, path, want string, status int, del func()) {
	if !w.armed.Load() || method != "GET" || path != want {
		return
	}
	switch {
	case status == 200 && w.seen.Add(1) == 3:
		del()
		w.deleted.Store(true)
	case status == 404 && w.deleted.Load():
		w.missing.Add(1)
	}
}

// checkMissingReads asserts the wait stopped after platform.GoneAfter reads answered 404,
// instead of polling until its timeout.
func (w *deleteAfterSeen) checkMissingReads(t *testing.T) {
	t.Helper()
	if !w.deleted.Load() {
		t.Fatal("the function was never deleted: the wait did not poll it three times")
	}
	if got := w.missing.Load(); got != platform.GoneAfter {
		t.Errorf("the wait read the deleted function %d times, want %d", got, platform.GoneAfter)
	}
}

// TestAccFunction_deletedDuringWaitFailsAtOnce: a function deleted out of band while its
// create, or its update, waits for readiness fails the apply as soon as it has been
// missing for two reads, naming the deletion, instead of polling 404s until the
// timeout (10 minutes by default; 5 here would fail the test). The next apply creates
// it again.
func TestAccFunction_deletedDuringWaitFailsAtOnce(t *testing.T) {
	w := &deleteAfterSeen{}
	var sim *simPlatform
	sim = newSim(t, openfaassim.Options{ReadyAfterPolls: -1, OnRequest: func(r openfaassim.Request) {
		w.observe(r.Method, r.Path, "/system/function/vanish", r.Status, func() { sim.DeleteFunction(ns, "vanish") })
	}}, "deletes a function during a readiness wait it controls")
	cfg := func(image string) string {
		return providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = "vanish"
  image = %q
  timeouts {
    create = "5m"
    update = "5m"
  }
}
`, image)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { w.armed.Store(true) },
				Config:      cfg("ghcr.io/acme/vanish:1"),
				ExpectError: errRe(`Function openfaas-fn/vanish was deleted while it was being created.*function openfaas-fn/vanish was deleted while waiting for it to be ready: the platform returned it, then answered "not found" 2 times in a row`),
			},
			{
				PreConfig: func() {
					w.checkMissingReads(t)
					w.armed.Store(false)
					sim.SetReadyAfterPolls(0)
				},
				Config: cfg("ghcr.io/acme/vanish:1"),
				Check:  checkFunc(sim, "vanish", func(openfaassim.Function) error { return nil }),
			},
			{
				// The same during an update's wait.
				PreConfig: func() {
					*w = deleteAfterSeen{}
					w.armed.Store(true)
					sim.SetReadyAfterPolls(-1)
				},
				Config:      cfg("ghcr.io/acme/vanish:2"),
				ExpectError: errRe(`Function openfaas-fn/vanish was deleted while it was being updated.*answered "not found" 2 times in a row`),
			},
			{
				PreConfig: func() {
					w.checkMissingReads(t)
					w.armed.Store(false)
					sim.SetReadyAfterPolls(0)
				},
				Config: cfg("ghcr.io/acme/vanish:2"),
				Check: checkFunc(sim, "vanish", func(fn openfaassim.Function) error {
					if fn.Image != "ghcr.io/acme/vanish:2" {
						return fmt.Errorf("image %q", fn.Image)
					}
					return nil
				}),
			},
		},
	})
}

// TestAccKnative_deletedDuringWaitFailsAtOnce: the same on Knative.
func TestAccKnative_deletedDuringWaitFailsAtOnce(t *testing.T) {
	w := &deleteAfterSeen{}
	const path = "/apis/serving.knative.dev/v1/namespaces/default/services/vanish"
	var sim *k8ssim.Server
	sim = newKube(t, k8ssim.Options{ReadyAfterPolls: -1, OnRequest: func(r k8ssim.Request) {
		w.observe(r.Method, r.Path, path, r.Status, func() { sim.Delete(k8ssim.ServicesGVR, "default", "vanish") })
	}})
	cfg := knativeBlock(sim, "") + `
resource "faas_function" "f" {
  name  = "vanish"
  image = "ghcr.io/acme/vanish:1"
  timeouts {
    create = "5m"
  }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				PreConfig:   func() { w.armed.Store(true) },
				Config:      cfg,
				ExpectError: errRe(`Function default/vanish was deleted while it was being created.*answered "not found" 2 times in a row`),
			},
			{
				// The refresh drops the deleted function: the plan creates it again.
				PreConfig:          func() { w.checkMissingReads(t); w.armed.Store(false) },
				Config:             cfg,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// pushRandom pushes a new random image under ref and returns its digest.
// taggedImage returns an image reference by tag, repoTag on a registry the cluster
// resolves tags on, and mirror, which returns the digest the tag points to now. On the
// real Knative the registry is the testbed's (FAAS_TESTBED_REGISTRY, with the test
// images pushed; the test skips without it), and the real revision reconciler asks it;
// on the simulator it is an in-memory registry holding a random image, and mirror also
// tells the simulator what the tag points to. It sets DOCKER_CONFIG, so the test must not
// be parallel.
func taggedImage(t *testing.T, c knativeCluster, repoTag string) (image string, mirror func() string) {
	t.Helper()
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	host := os.Getenv("FAAS_TESTBED_REGISTRY")
	if !c.Real() || host == "" {
		if c.Real() {
			t.Skip("FAAS_TESTBED_REGISTRY is not set: the testbed's registry is needed for the real Serving to resolve a tag")
		}
		reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		t.Cleanup(reg.Close)
		host = reg.Listener.Addr().String()
		pushRandom(t, host+"/"+repoTag)
	}
	image = host + "/" + repoTag
	return image, func() string {
		d := registryDigest(t, image)
		if sc, ok := c.(simCluster); ok {
			sc.SetImageDigest(image, d)
		}
		return d
	}
}

func pushRandom(t *testing.T, ref string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// TestAccFunction_resolveImageDigest: with resolve_image_digest, a new image pushed
// under the same tag shows in the plan and the apply rolls it out; a tag that did not
// move plans nothing; a missing tag or an unreachable registry is a plan-time error on
// image. The registry is go-containerregistry's in-memory one on 127.0.0.1.
func TestAccFunction_resolveImageDigest(t *testing.T) {
	// No credentials from this machine's Docker configuration: anonymous access.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	host := reg.Listener.Addr().String()
	image := host + "/acme/fn:1"
	d1 := pushRandom(t, image)

	sim := newKube(t, k8ssim.Options{ReadyAfterPolls: 1})
	cfg := func(image string, resolve bool) string {
		return knativeBlock(sim, `namespace = "default"`) + fmt.Sprintf(`
resource "faas_function" "f" {
  name                 = "moving"
  image                = %q
  resolve_image_digest = %t
}
`, image, resolve)
	}
	running := func(want string) resource.TestCheckFunc {
		return checkServiceImage(sim, "moving", want)
	}
	var d2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(image, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(image)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				},
				Check: running(image + "@" + d1),
			},
			{
				// The tag did not move: nothing to do.
				Config: cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A new image under the same tag: the plan shows it, the apply rolls it out.
				PreConfig: func() { d2 = pushRandom(t, image) },
				Config:    cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.NotNull()),
				}},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources["faas_function.f"].Primary.Attributes["image_digest"]; got != d2 || d2 == d1 {
						return fmt.Errorf("image_digest %q, want the new %q (old %q)", got, d2, d1)
					}
					return running(image + "@" + d2)(s)
				},
			},
			{
				Config: cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				ResourceName:            "faas_function.f",
				ImportState:             true,
				ImportStateId:           "default/moving",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"image", "resolve_image_digest"},
			},
			{
				// Drift: someone deploys another digest of the tag by hand.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "moving", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						c0, _ := cs[0].(map[string]any)
						c0["image"] = image + "@" + d1
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error { return running(image + "@" + d2)(s) },
			},
			{
				Config:      cfg(host+"/acme/fn:nope", true),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot resolve the image tag to a digest.*has\s+no\s+image.*HTTP\s+404`),
			},
			{
				Config:      cfg("127.0.0.1:1/acme/fn:1", true),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot resolve the image tag to a digest.*cannot\s+reach\s+registry\s+127\.0\.0\.1:1`),
			},
			{
				// Opting out deploys the bare tag again; Knative resolves it when it creates
				// the new revision (the simulator is told what the registry's tag points
				// to), and image_digest shows what the revision recorded.
				PreConfig: func() { sim.SetImageDigest(image, d2) },
				Config:    cfg(image, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources["faas_function.f"].Primary.Attributes["image_digest"]; got != d2 {
						return fmt.Errorf("image_digest %q, want the revision's %q", got, d2)
					}
					return running(image)(s)
				},
			},
			{
				// An image pinned by digest reports it without a look-up.
				Config: cfg(image+"@"+d1, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				},
				Check: running(image + "@" + d1),
			},
		},
	})
}

// TestAccFunction_resolveImageDigestOpenFaaS is TestAccFunction_resolveImageDigest on
// OpenFaaS: on the real faas-netes Community Edition the deployed `<tag>@<digest>` must
// also pass the gateway's anonymous-image check and read back unchanged. The images are
// pushed to the testbed's registry on a real gateway, to an in-memory one otherwise.
func TestAccFunction_resolveImageDigestOpenFaaS(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro}, anyEdition)
	host := os.Getenv("FAAS_TESTBED_REGISTRY")
	if _, sim := p.Sim(); sim || host == "" {
		reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		t.Cleanup(reg.Close)
		host = reg.Listener.Addr().String()
	}
	name := p.Name("moving")
	image := host + "/acme/" + name + ":1"
	d1 := pushRandom(t, image)
	cfg := func(image string) string {
		return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name                 = %q
  image                = %q
  resolve_image_digest = true
}
`, name, image)
	}
	running := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			fn, ok := p.GetFunction("", name)
			if !ok {
				return fmt.Errorf("function %s is not deployed", name)
			}
			if fn.Image != want {
				return fmt.Errorf("the function runs %q, want %q", fn.Image, want)
			}
			return nil
		}
	}
	var d2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg(image),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(image)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				},
				Check: running(image + "@" + d1),
			},
			{
				PreConfig: func() { d2 = pushRandom(t, image) },
				Config:    cfg(image),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error { return running(image + "@" + d2)(s) },
			},
			{
				ResourceName:            "faas_function.f",
				ImportState:             true,
				ImportStateId:           ns + "/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"image", "resolve_image_digest"},
			},
			{
				Config:      cfg(host + "/acme/" + name + ":nope"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot resolve the image tag to a digest.*HTTP\s+404`),
			},
		},
	})
}

// registryDigest is the digest the registry's tag points to now.
func registryDigest(t *testing.T, image string) string {
	t.Helper()
	ref, err := name.ParseReference(image)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(ref)
	if err != nil {
		t.Fatalf("%s: %v", image, err)
	}
	return desc.Digest.String()
}

// TestAccKnative_imageDigestOfBareTag: a function that runs a bare tag shows in
// image_digest the digest Knative resolved the tag to (the Revision's
// status.containerStatuses), the registry's; the plan leaves it unknown for a change
// that makes a new revision (which resolves the tag again) and keeps it for one that
// does not, so the plan after each apply is empty. A new image pushed under the same
// tag then shows in the plan with resolve_image_digest and rolls out.
//
// On the real Knative of the testbed the image is on the testbed's registry
// (FAAS_TESTBED_REGISTRY, 127.0.0.1 inside the testbed's network namespace, which
// Serving does not skip), and the real revision reconciler resolves the tag; on the
// simulator it is on an in-memory registry, and the simulator is told what the tag
// points to.
func TestAccKnative_imageDigestOfBareTag(t *testing.T) {
	c := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	image, mirror := taggedImage(t, c, "acme/orders:1.4.2")
	d1 := mirror()
	cfg := func(env, team string, resolve bool) string {
		return c.ProviderBlock(`namespace = "default"`) + fmt.Sprintf(`
resource "faas_function" "f" {
  name                 = "orders"
  image                = %q
  env                  = { STAGE = %q }
  labels               = { team = %q }
  resolve_image_digest = %t
}
`, image, env, team, resolve)
	}
	digest := func(want *string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			if got := s.RootModule().Resources["faas_function.f"].Primary.Attributes["image_digest"]; got != *want {
				return fmt.Errorf("image_digest %q, want %q", got, *want)
			}
			return nil
		}
	}
	running := func(want string) resource.TestCheckFunc {
		return checkServiceImage(c, "orders", want)
	}
	var d2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(c),
		Steps: []resource.TestStep{
			{
				// Created: known after apply, then the registry's digest.
				Config: cfg("a", "x", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(image)),
				},
				Check: resource.ComposeTestCheckFunc(digest(&d1), running(image)),
			},
			{
				// Nothing changed: an empty plan.
				Config: cfg("a", "x", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A label of the Service is not in the revision template: no new revision,
				// the digest stays known in the plan.
				Config: cfg("a", "y", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				}},
				Check: digest(&d1),
			},
			{
				// An env change makes a new revision, which resolves the tag again.
				Config: cfg("b", "y", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				Check: digest(&d1),
			},
			{
				// A new image under the same tag, with resolve_image_digest: the plan shows
				// the new digest and the apply deploys it.
				PreConfig: func() {
					d2 = pushRandom(t, image)
					if got := mirror(); got != d2 || d2 == d1 {
						t.Fatalf("the registry's tag points to %s after pushing %s (before: %s)", got, d2, d1)
					}
				},
				Config: cfg("b", "y", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.NotNull()),
				}},
				Check: func(s *terraform.State) error {
					if err := digest(&d2)(s); err != nil {
						return err
					}
					return running(image + "@" + d2)(s)
				},
			},
			{
				// Back to the bare tag: a new revision, which resolves the moved tag.
				Config: cfg("b", "y", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				Check: resource.ComposeTestCheckFunc(digest(&d2), running(image)),
			},
			{
				// The data source reads the same digest.
				Config: cfg("b", "y", false) + `
data "faas_function" "f" {
  name = faas_function.f.name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.faas_function.f", tfjsonpath.New("image_digest"), knownvalue.NotNull()),
				},
				Check: resource.TestCheckResourceAttrPair("data.faas_function.f", "image_digest", "faas_function.f", "image_digest"),
			},
		},
	})
}

// serviceEnv is the user container's env of Knative Service name.
func serviceEnv(sim knativeCluster, name string) ([]any, error) {
	u, ok := kservice(sim, name)
	if !ok {
		return nil, fmt.Errorf("no Knative Service %s", name)
	}
	cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	c, _ := cs[0].(map[string]any)
	env, _ := c["env"].([]any)
	return env, nil
}

func expectEnv(sim knativeCluster, name string, want ...any) func(*terraform.State) error {
	return func(*terraform.State) error {
		env, err := serviceEnv(sim, name)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(env, want) {
			return fmt.Errorf("env = %v\nwant %v", env, want)
		}
		return nil
	}
}

// dbPassword is the env entry DB_PASSWORD taking its value from key of Secret db.
func dbPassword(key string) map[string]any {
	return map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": key}}}
}

// TestAccKnative_envValueFrom: faas_function.env_value_from on Knative (the simulator,
// or the real Serving with FAAS_TEST_KUBECONFIG): create, an
// empty plan, an update, drift made through the Kubernetes API and put back, import,
// and the plan-time errors (a name in env too, a source with no or two references).
func TestAccKnative_envValueFrom(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := sim.ProviderBlock("")
	cfg := func(from string) string {
		return base + `
resource "faas_function" "f" {
  name  = "vf"
  image = "ghcr.io/acme/vf:1"
  env   = { MODE = "prod", DSN = "postgres://app:$(DB_PASSWORD)@db" }
  env_value_from = {
` + from + `
  }
}
`
	}
	created := `
    DB_PASSWORD = { secret_key_ref = { name = "db", key = "password" } }
    REGION      = { config_map_key_ref = { name = "site", key = "region", optional = true } }`
	updated := `
    DB_PASSWORD = { secret_key_ref = { name = "db", key = "admin" } }`
	dsn := map[string]any{"name": "DSN", "value": "postgres://app:$(DB_PASSWORD)@db"}
	mode := map[string]any{"name": "MODE", "value": "prod"}
	region := map[string]any{"name": "REGION", "valueFrom": map[string]any{"configMapKeyRef": map[string]any{"name": "site", "key": "region", "optional": true}}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(created),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env_value_from").AtMapKey("REGION").AtMapKey("config_map_key_ref").AtMapKey("optional"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env_value_from").AtMapKey("DB_PASSWORD").AtMapKey("config_map_key_ref"), knownvalue.Null()),
				},
				Check: expectEnv(sim, "vf", dbPassword("password"), region, dsn, mode),
			},
			{
				Config:           cfg(created),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: cfg(updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: expectEnv(sim, "vf", dbPassword("admin"), dsn, mode),
			},
			{
				// Someone points DB_PASSWORD at another key: drift, and the apply puts it back.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "vf", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						c, _ := cs[0].(map[string]any)
						env, _ := c["env"].([]any)
						env[0] = dbPassword("root")
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env_value_from").AtMapKey("DB_PASSWORD").AtMapKey("secret_key_ref").AtMapKey("key"), knownvalue.StringExact("admin")),
				}},
				Check: expectEnv(sim, "vf", dbPassword("admin"), dsn, mode),
			},
			{ResourceName: "faas_function.f", ImportState: true, ImportStateId: "default/vf", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "wait_for_ready"}},
			{
				Config:      cfg(updated + "\n    MODE = { secret_key_ref = { name = \"db\", key = \"mode\" } }"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Variable set twice[\s\S]*"MODE" is in both env and env_value_from`),
			},
			{
				Config:      cfg(updated + "\n    BOTH = {\n secret_key_ref = { name = \"db\", key = \"a\" }\n config_map_key_ref = { name = \"site\", key = \"b\" }\n }\n    NONE = {}"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Exactly one source per variable.*BOTH.*Exactly one source per variable.*NONE`),
			},
			// The destroy runs with the last step's configuration, which must be valid.
			{Config: cfg(updated), PlanOnly: true},
		},
	})
}

// TestAccFunction_envValueFromRefusedOnOpenFaaS: OpenFaaS has no environment
// variables taken from a Secret or a ConfigMap; env_value_from is a plan-time error on
// the entry that says what to use instead, and nothing is created.
func TestAccFunction_envValueFromRefusedOnOpenFaaS(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	name := p.Name("vf")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name           = %q
  image          = %q
  env_value_from = { DB_PASSWORD = { secret_key_ref = { name = "db", key = "password" } } }
}
`, name, p.Image("ghcr.io/acme/vf:1")),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)env_value_from\["DB_PASSWORD"\].*literal\s+values\s+only.*mounted\s+as\s+files`),
		}},
	})
	if _, ok := p.GetFunction(ns, name); ok {
		t.Fatal("a function was created")
	}
}

// TestAccFunction_envValueFromRefusedOnOpenFaaSWhileUnknown: the same refusal when the
// entry's Secret name comes from another resource and is unknown at plan time; before,
// the plan skipped every check of a function with an unknown value and the refusal came
// only at apply.
func TestAccFunction_envValueFromRefusedOnOpenFaaSWhileUnknown(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	name := p.Name("vfu")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "terraform_data" "secret_name" {
  input = "db"
}

resource "faas_function" "f" {
  name           = %q
  image          = %q
  env_value_from = { DB_PASSWORD = { secret_key_ref = { name = terraform_data.secret_name.output, key = "password" } } }
}
`, name, p.Image("ghcr.io/acme/vf:1")),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Unsupported on.*env_value_from.*refused\s+even\s+before\s+its\s+values\s+are\s+known`),
		}},
	})
	if _, ok := p.GetFunction(ns, name); ok {
		t.Fatal("a function was created")
	}
}

// TestAccKnative_envFromReferencesSurvive: someone adds env entries that take their
// value from a Secret and a ConfigMap (valueFrom) to a Knative Service the provider
// manages. They are not in the provider's env map, so the plan stays empty, and an
// apply that changes env keeps them (issue 16 item 4: they were silently removed).
func TestAccKnative_envFromReferencesSurvive(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	fromSecret := map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}}
	cfg := func(mode string) string {
		return sim.ProviderBlock("") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = "refs"
  image = "ghcr.io/acme/refs:1"
  env   = { MODE = %q }
}
`, mode)
	}
	hasRef := func(*terraform.State) error {
		u, ok := kservice(sim, "refs")
		if !ok {
			return fmt.Errorf("the Service is gone")
		}
		cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		c, _ := cs[0].(map[string]any)
		env, _ := c["env"].([]any)
		for _, e := range env {
			if reflect.DeepEqual(e, fromSecret) {
				return nil
			}
		}
		return fmt.Errorf("the valueFrom entry was removed: env %v", env)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{Config: cfg("a")},
			{
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "refs", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						if c, ok := cs[0].(map[string]any); ok {
							env, _ := c["env"].([]any)
							c["env"] = append([]any{fromSecret}, env...)
						}
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           cfg("a"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            hasRef,
			},
			{
				Config: cfg("b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: hasRef,
			},
			{ResourceName: "faas_function.f", ImportState: true, ImportStateId: "default/refs", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "wait_for_ready"}},
		},
	})
}

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
