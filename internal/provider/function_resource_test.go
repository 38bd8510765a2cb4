package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

func checkNoFunctions(sim *openfaassim.Server) func(*terraform.State) error {
	return func(*terraform.State) error {
		if fns := sim.Functions("openfaas-fn"); len(fns) > 0 {
			return fmt.Errorf("%d functions left on the platform after destroy, first %q", len(fns), fns[0].Service)
		}
		return nil
	}
}

func functionConfig(sim *openfaassim.Server, name, image, envValue string) string {
	return providerBlock(sim, "") + fmt.Sprintf(`
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
			sim := newSim(t, opts)
			cfg := func(name, image, env string) string {
				c := functionConfig(sim, name, image, env)
				if backend == openfaassim.Faasd {
					// faasd honours only a memory limit (plan-time error otherwise, tested below).
					c = regexp.MustCompile(`(?s)limits = \{.*?\n  \}\n  requests = \{.*?\n  \}\n`).ReplaceAllString(c, "limits = {\n    memory = \"128Mi\"\n  }\n")
				}
				return c
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(sim),
				Steps: []resource.TestStep{
					{
						Config: cfg("hello", "ghcr.io/acme/hello:1.0", "prod"),
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("id"), knownvalue.StringExact("openfaas-fn/hello")),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("namespace"), knownvalue.StringExact("openfaas-fn")),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("invoke_url"), knownvalue.StringExact(sim.URL()+"/function/hello.openfaas-fn")),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env").AtMapKey("EMPTY"), knownvalue.StringExact("")),
							statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("timeout"), knownvalue.StringExact("60s")),
						},
						Check: func(*terraform.State) error {
							fn, ok := sim.GetFunction("openfaas-fn", "hello")
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
						Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
						}},
						Check: func(*terraform.State) error {
							fn, _ := sim.GetFunction("openfaas-fn", "hello")
							if fn.Image != "ghcr.io/acme/hello:1.1" || fn.EnvVars["MODE"] != "staging" {
								return fmt.Errorf("update not applied: %s %v", fn.Image, fn.EnvVars)
							}
							return nil
						},
					},
					{
						// Drift: an image changed behind Terraform's back is planned back.
						PreConfig: func() {
							sim.ModifyFunction("openfaas-fn", "hello", func(f *openfaassim.Function) { f.Image = "ghcr.io/evil/hello:6.6" })
						},
						Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact("ghcr.io/acme/hello:1.1")),
						}},
					},
					{
						// Drift in a user label, and in env: a redeploy outside Terraform (faas-cli deploy)
						// changes env and drops the last-applied annotation.
						PreConfig: func() {
							sim.ModifyFunction("openfaas-fn", "hello", func(f *openfaassim.Function) {
								f.Labels["team"] = "someone-else"
								f.EnvVars = map[string]string{"MODE": "hacked"}
								delete(f.Annotations, openfaas.LastAppliedAnnotation)
							})
						},
						Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
							plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env").AtMapKey("MODE"), knownvalue.StringExact("staging")),
						}},
						Check: func(*terraform.State) error {
							fn, _ := sim.GetFunction("openfaas-fn", "hello")
							if fn.EnvVars["MODE"] != "staging" || fn.Labels["team"] != "payments" {
								return fmt.Errorf("drift not corrected: %v %v", fn.EnvVars, fn.Labels)
							}
							return nil
						},
					},
					{
						// Platform-injected and sibling-owned keys are not drift.
						PreConfig: func() {
							sim.ModifyFunction("openfaas-fn", "hello", func(f *openfaassim.Function) {
								f.Labels["com.openfaas.scale.max"] = "4"
								f.Annotations["topic"] = "orders"
							})
						},
						Config: cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectEmptyPlan(),
						}},
					},
					{
						// Import by command, then verify every attribute.
						ResourceName:      "faas_function.f",
						ImportState:       true,
						ImportStateId:     "openfaas-fn/hello",
						ImportStateVerify: true,
					},
					{
						// Import block, by name alone (default namespace).
						ResourceName:    "faas_function.f",
						ImportState:     true,
						ImportStateKind: resource.ImportBlockWithID,
						ImportStateId:   "hello",
					},
					{
						// Out-of-band delete: refresh drops it, the plan re-creates it.
						PreConfig: func() { sim.DeleteFunction("openfaas-fn", "hello") },
						Config:    cfg("hello", "ghcr.io/acme/hello:1.1", "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
						}},
					},
					{
						// Rename replaces.
						Config: cfg("hello-v2", "ghcr.io/acme/hello:1.1", "staging"),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionDestroyBeforeCreate),
						}},
						Check: func(*terraform.State) error {
							if _, ok := sim.GetFunction("openfaas-fn", "hello"); ok {
								return fmt.Errorf("old function left behind after rename")
							}
							if _, ok := sim.GetFunction("openfaas-fn", "hello-v2"); !ok {
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
	sim := newSim(t, openfaassim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				Config: providerBlock(sim, "") + `
resource "faas_function" "empty" {
  name        = "empty"
  image       = "ghcr.io/openfaas/alpine:latest"
  env         = {}
  labels      = {}
  annotations = {}
  secrets     = []
  command     = []
}

resource "faas_function" "omitted" {
  name  = "omitted"
  image = "ghcr.io/openfaas/alpine:latest"
}

resource "faas_function" "blank" {
  name   = "blank"
  image  = "ghcr.io/openfaas/alpine:latest"
  env    = { A = "" }
  labels = { b = "" }
}
`,
			},
		},
	})
}

// TestAccFunction_quantitiesCompareByValue: "0.1" comes back from faas-netes as "100m"
// and "1Gi" as "1Gi"; the plan after apply is empty (checked by the framework).
func TestAccFunction_quantitiesCompareByValue(t *testing.T) {
	sim := newSim(t, openfaassim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{{
			Config: providerBlock(sim, "") + `
resource "faas_function" "q" {
  name  = "quantities"
  image = "ghcr.io/openfaas/alpine:latest"
  limits = {
    cpu = "0.1"
  }
  requests = {
    memory = "1048576Ki"
  }
  timeout = "90s"
}
`,
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
	sim := newSim(t, openfaassim.Options{ReadyAfterPolls: -1})
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
	sim := newSim(t, openfaassim.Options{ReadyAfterPolls: 0})
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
// response never arrives; the provider reads the function back and adopts it.
func TestAccFunction_lostCreateResponseIsAdopted(t *testing.T) {
	sim := newSim(t, openfaassim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				sim.SetFaults(openfaassim.Faults{LoseResponses: 1, Only: func(method, path string) bool { return method == "POST" }})
			},
			Config: providerBlock(sim, "") + `
resource "faas_function" "a" {
  name  = "adopted"
  image = "ghcr.io/openfaas/alpine:latest"
}
`,
			Check: func(*terraform.State) error {
				posts := 0
				for _, r := range sim.Writes() {
					if r.Method == "POST" {
						posts++
					}
				}
				if posts != 1 {
					return fmt.Errorf("%d creates sent, want exactly 1", posts)
				}
				return nil
			},
		}},
	})
}

// TestAccFunction_existingIsNotTakenOver: creating a function whose name exists outside
// Terraform fails with an import hint and leaves the existing function alone.
func TestAccFunction_existingIsNotTakenOver(t *testing.T) {
	sim := newSim(t, openfaassim.Options{})
	sim.PutFunction(openfaassim.Function{Service: "taken", Namespace: "openfaas-fn", Image: "ghcr.io/other/team:1"})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(sim, "") + `
resource "faas_function" "t" {
  name  = "taken"
  image = "ghcr.io/openfaas/alpine:latest"
}
`,
			ExpectError: errRe(`already exists on the platform.*terraform import`),
		}},
	})
	if fn, _ := sim.GetFunction("openfaas-fn", "taken"); fn.Image != "ghcr.io/other/team:1" {
		t.Fatalf("existing function was modified: %+v", fn)
	}
}

// TestAccFunction_importOutOfBand imports a function deployed outside Terraform and
// plans empty with a matching configuration.
func TestAccFunction_importOutOfBand(t *testing.T) {
	sim := newSim(t, openfaassim.Options{})
	sim.PutFunction(openfaassim.Function{
		Service: "legacy", Namespace: "openfaas-fn", Image: "ghcr.io/acme/legacy:3",
		EnvProcess: "node index.js", Labels: map[string]string{"tier": "gold"},
		Limits: &openfaassim.FunctionResources{Memory: "256Mi"},
	})
	cfg := providerBlock(sim, "") + `
import {
  to = faas_function.legacy
  id = "openfaas-fn/legacy"
}

resource "faas_function" "legacy" {
  name    = "legacy"
  image   = "ghcr.io/acme/legacy:3"
  command = ["node", "index.js"]
  labels  = { tier = "gold" }
  limits  = { memory = "256Mi" }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{{
			Config: cfg,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("faas_function.legacy", plancheck.ResourceActionNoop),
			}},
		}},
	})
}

// TestAccFunction_planTimeErrors: settings the platform cannot honour, reserved keys and
// malformed values fail at plan time on the right attribute, and nothing is written.
func TestAccFunction_planTimeErrors(t *testing.T) {
	cases := []struct {
		name    string
		opts    openfaassim.Options
		body    string
		wantErr string
		extra   string // inside the provider's openfaas block
	}{
		{"invalid name", openfaassim.Options{}, `name = "Hello_World"`, `not an RFC 1123 label`, ""},
		{"name too long", openfaassim.Options{}, `name = "` + regexp.MustCompile(`.`).ReplaceAllString(fmt.Sprintf("%070d", 0), "a") + `"`, `at most 63`, ""},
		{"empty image", openfaassim.Options{}, `name = "x"
  image = ""`, `Attribute image string length must be at least 1`, ""},
		{"bad quantity", openfaassim.Options{}, `name = "x"
  limits = { memory = "lots" }`, `limits.memory.*is not valid`, ""},
		{"bad duration", openfaassim.Options{}, `name = "x"
  timeout = "30"`, `timeout.*Expected a Go duration`, ""},
		{"max concurrency zero", openfaassim.Options{}, `name = "x"
  max_concurrency = 0`, `must be at least 1`, ""},
		{"reserved env", openfaassim.Options{}, `name = "x"
  env = { exec_timeout = "5s" }`, `Reserved key.*owned by the faas_function attribute timeout`, ""},
		{"reserved label", openfaassim.Options{}, `name = "x"
  labels = { "com.openfaas.scale.min" = "2" }`, `Reserved key.*faas_scaling_policy`, ""},
		{"reserved annotation", openfaassim.Options{}, `name = "x"
  annotations = { topic = "orders" }`, `Reserved key.*faas_trigger`, ""},
		{"whitespace in command", openfaassim.Options{}, `name = "x"
  command = ["python3 index.py"]`, `command\[0\].*contains whitespace`, ""},
		{"null env value", openfaassim.Options{}, `name = "x"
  env = { A = null }`, `Null map value`, ""},
		{"ce image pull secrets", openfaassim.Options{}, `name = "x"
  image_pull_secrets = ["regcred"]`, `Unsupported on OpenFaaS faas-netes \(Community Edition\).*public images`, ""},
		{"ce constraints", openfaassim.Options{}, `name = "x"
  openfaas {
    constraints = ["disk=ssd"]
  }`, `openfaas.constraints.*ignores constraints`, ""},
		{"ce other namespace", openfaassim.Options{}, `name = "x"
  namespace = "team-a"`, `single function namespace`, ""},
		{"faasd cpu limit", openfaassim.Options{Backend: openfaassim.Faasd}, `name = "x"
  limits = { cpu = "1" }`, `limits.cpu.*faasd applies only a memory limit`, ""},
		{"faasd requests", openfaassim.Options{Backend: openfaassim.Faasd}, `name = "x"
  requests = { memory = "64Mi" }`, `faasd does not reserve`, ""},
		{"faasd image pull secrets", openfaassim.Options{Backend: openfaassim.Faasd, Edition: openfaassim.Pro}, `name = "x"
  image_pull_secrets = ["regcred"]`, `/var/lib/faasd/.docker/config.json`, ""},
		{"edition forced to ce", openfaassim.Options{Edition: openfaassim.Pro}, `name = "x"
  image_pull_secrets = ["regcred"]`, `Community Edition.*public images`, `edition = "ce"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim(t, c.opts)
			body := c.body
			if !regexp.MustCompile(`(?m)^\s*image\s*=`).MatchString(body) {
				body += "\n  image = \"ghcr.io/openfaas/alpine:latest\""
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps: []resource.TestStep{{
					Config:      providerBlock(sim, c.extra) + "\nresource \"faas_function\" \"bad\" {\n  " + body + "\n}\n",
					PlanOnly:    true,
					ExpectError: onAttribute(functionErrorAttrs[c.name], c.wantErr),
				}},
			})
			if err := expectNoWrites(sim)(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccFunction_proFeatures: on Pro faas-netes, image pull secrets, constraints and
// another namespace are accepted and read back without drift.
func TestAccFunction_proFeatures(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro, ExtraNamespaces: []string{"team-a"}})
	sim.PutSecret("team-a", "regcred", `{"auths":{}}`)
	sim.PutSecret("team-a", "api-key", "k")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				Config: providerBlock(sim, "") + `
resource "faas_function" "p" {
  name                      = "pro"
  namespace                 = "team-a"
  image                     = "registry.example.com/private/pro:1"
  secrets                   = ["api-key"]
  image_pull_secrets        = ["regcred"]
  read_only_root_filesystem = true
  openfaas {
    constraints = ["node.kubernetes.io/instance-type=m5.large"]
  }
}
`,
				Check: func(*terraform.State) error {
					fn, ok := sim.GetFunction("team-a", "pro")
					if !ok || len(fn.Secrets) != 2 || !fn.ReadOnlyRootFilesystem || len(fn.Constraints) != 1 {
						return fmt.Errorf("unexpected deployment %+v", fn)
					}
					return nil
				},
			},
			{
				ResourceName:      "faas_function.p",
				ImportState:       true,
				ImportStateId:     "team-a/pro",
				ImportStateVerify: true,
			},
		},
	})
}

// functionErrorAttrs names the attribute each bad-input case must be reported on ("" for nested
// attributes and resource-level errors, whose message names the path).
var functionErrorAttrs = map[string]string{
	"invalid name":             "name",
	"name too long":            "name",
	"empty image":              "image",
	"bad quantity":             "",
	"bad duration":             "timeout",
	"max concurrency zero":     "max_concurrency",
	"reserved env":             "env",
	"reserved label":           "labels",
	"reserved annotation":      "annotations",
	"whitespace in command":    "command",
	"null env value":           "env",
	"ce image pull secrets":    "image_pull_secrets",
	"ce constraints":           "constraints",
	"ce other namespace":       "namespace",
	"faasd cpu limit":          "",
	"faasd requests":           "requests",
	"faasd image pull secrets": "image_pull_secrets",
	"edition forced to ce":     "image_pull_secrets",
}
