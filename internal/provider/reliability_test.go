package provider

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// fleetConfig is 30 resources: 10 functions, each with a scaling policy and a trigger
// (cron for even ones, a topic for odd ones).
func fleetConfig(sim *simPlatform) string {
	var b strings.Builder
	b.WriteString(providerBlock(sim, ""))
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, `
resource "faas_function" "f%[1]d" {
  name   = "fleet-%[1]d"
  image  = "ghcr.io/acme/fleet:%[1]d"
  env    = { INDEX = "%[1]d" }
  labels = { fleet = "yes" }
}

resource "faas_scaling_policy" "p%[1]d" {
  function_id  = faas_function.f%[1]d.id
  min_replicas = 1
  max_replicas = %[2]d
}
`, i, 2+i)
		if i%2 == 0 {
			fmt.Fprintf(&b, `
resource "faas_trigger" "t%[1]d" {
  function_id = faas_function.f%[1]d.id
  type        = "cron"
  schedule    = "%[1]d * * * *"
}
`, i)
		} else {
			fmt.Fprintf(&b, `
resource "faas_trigger" "t%[1]d" {
  function_id = faas_function.f%[1]d.id
  type        = "topic"
  topic       = "topic-%[1]d"
}
`, i)
		}
	}
	return b.String()
}

// checkFleet asserts the platform holds exactly what the state says: the 10 functions,
// nothing else, each with its labels, policy and trigger.
func checkFleet(sim *simPlatform) func(*terraform.State) error {
	return func(s *terraform.State) error {
		var inState []string
		for _, r := range s.RootModule().Resources {
			if r.Type == "faas_function" {
				inState = append(inState, r.Primary.Attributes["name"])
			}
		}
		var onPlatform []string
		for _, fn := range sim.Functions(ns) {
			onPlatform = append(onPlatform, fn.Service)
		}
		sort.Strings(inState)
		if strings.Join(inState, ",") != strings.Join(onPlatform, ",") || len(onPlatform) != 10 {
			return fmt.Errorf("state holds %v, the platform %v", inState, onPlatform)
		}
		for i := 0; i < 10; i++ {
			fn, _ := sim.GetFunction(ns, fmt.Sprintf("fleet-%d", i))
			if fn.EnvVars["INDEX"] != fmt.Sprint(i) || fn.Labels["fleet"] != "yes" || fn.Labels["com.openfaas.scale.max"] != fmt.Sprint(2+i) {
				return fmt.Errorf("fleet-%d: env %v labels %v", i, fn.EnvVars, fn.Labels)
			}
			want := fmt.Sprintf("topic-%d", i)
			if i%2 == 0 {
				want = "cron-function"
			}
			if fn.Annotations["topic"] != want {
				return fmt.Errorf("fleet-%d: topic annotation %q, want %q", i, fn.Annotations["topic"], want)
			}
		}
		return nil
	}
}

// TestAccReliability_faults applies 30 resources to completion under each fault, then
// checks that the plan is empty (done by the framework after every apply) and that the
// platform holds exactly what the state says.
func TestAccReliability_faults(t *testing.T) {
	cases := []struct {
		name   string
		opts   openfaassim.Options
		faults openfaassim.Faults
	}{
		{"429 with Retry-After on a third of requests", openfaassim.Options{}, openfaassim.Faults{RateLimitEvery: 3, RetryAfterSeconds: 1}},
		{"bursts of 503", openfaassim.Options{}, openfaassim.Faults{Burst503: 6, RateLimitEvery: 11}},
		{"dropped connections", openfaassim.Options{}, openfaassim.Faults{DropConnections: 4, RateLimitEvery: 9}},
		{"lost responses", openfaassim.Options{}, openfaassim.Faults{LoseResponses: 8}},
		{"latency spikes", openfaassim.Options{}, openfaassim.Faults{Latency: 2 * time.Millisecond, LatencySpikeEvery: 5, LatencySpike: 150 * time.Millisecond}},
		{"readiness after many polls", openfaassim.Options{ReadyAfterPolls: 6}, openfaassim.Faults{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Edition = openfaassim.Pro
			sim := newSim(t, c.opts, "injects faults")
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(sim),
				Steps: []resource.TestStep{{
					PreConfig: func() { sim.SetFaults(c.faults) },
					Config:    fleetConfig(sim),
					Check:     checkFleet(sim),
				}},
			})
		})
	}
}

// TestAccReliability_persistent500: under a persistent 500 the apply fails naming the
// resource and the platform's message; what was created is in state (tainted where it
// could not be confirmed), nothing is orphaned, and the next apply converges.
func TestAccReliability_persistent500(t *testing.T) {
	sim := newSim(t, openfaassim.Options{}, "injects persistent 500s")
	fn := func(name string) string {
		return fmt.Sprintf(`
resource "faas_function" %[1]q {
  name  = %[1]q
  image = "ghcr.io/openfaas/alpine:latest"
}
`, name)
	}
	names := func(want ...string) func(*terraform.State) error {
		return func(*terraform.State) error {
			var got []string
			for _, f := range sim.Functions(ns) {
				got = append(got, f.Service)
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				return fmt.Errorf("platform holds %v, want %v", got, want)
			}
			return nil
		}
	}
	base := providerBlock(sim, "") + fn("a")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{Config: base, Check: names("a")},
			{
				// Every create fails: the error names the resource and the platform's message.
				PreConfig: func() {
					sim.SetFaults(openfaassim.Faults{PersistentStatus: 500, PersistentMessage: "etcdserver: request timed out",
						Only: func(method, path string) bool { return method == "POST" }})
				},
				Config:      base + fn("b"),
				ExpectError: errRe(`Error creating function openfaas-fn/b.*HTTP 500: etcdserver: request timed out`),
			},
			{
				// The create succeeds but every later read fails: the function is in state, tainted.
				PreConfig: func() {
					if _, ok := sim.GetFunction(ns, "b"); ok {
						t.Error("a create that failed left a function on the platform")
					}
					sim.SetFaults(openfaassim.Faults{PersistentStatus: 500, PersistentMessage: "apiserver unavailable",
						Only: func(method, path string) bool { return method == "GET" && path == "/system/function/c" }})
				},
				Config:      base + fn("b") + fn("c"),
				ExpectError: errRe(`function openfaas-fn/c was created, but reading it back failed.*apiserver unavailable`),
			},
			{
				// The fault clears: the tainted c is replaced, b (created in the previous step) stays.
				PreConfig: sim.ClearFaults,
				Config:    base + fn("b") + fn("c"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.b", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("faas_function.c", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("faas_function.a", plancheck.ResourceActionNoop),
				}},
				Check: names("a", "b", "c"),
			},
		},
	})
}

// TestAccReliability_unknownValuesAtPlan: values known only after apply (from other
// resources) never crash plan-time validation; the checks run at apply. ce_settings uses
// what every edition honours (and values the Community Edition would refuse, had the
// other branch been taken); pro_settings adds a metric, more than 5 replicas and a
// second trigger on the function, which only Pro allows.
func TestAccReliability_unknownValuesAtPlan(t *testing.T) {
	for _, c := range []struct {
		name  string
		opts  openfaassim.Options
		relax []realOption
	}{
		{"ce settings", openfaassim.Options{}, []realOption{anyEdition}},
		{"pro settings", openfaassim.Options{Edition: openfaassim.Pro}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPlatform(t, c.opts, c.relax...)
			pro := c.opts.Edition == openfaassim.Pro
			name, image := p.Name("unknowns"), p.Image("ghcr.io/acme/late:1")
			// On the Community Edition, min_replicas 0 and max_replicas above 5 are refused.
			scaling := `min_replicas = terraform_data.later.output == "" ? 0 : 1
  max_replicas = min(length(terraform_data.later.output), 5)`
			wantMax := "5"
			topic := ""
			if pro {
				scaling = `max_replicas = length(terraform_data.later.output)
  metric       = terraform_data.later.output == "" ? "cpu" : "rps"`
				wantMax = fmt.Sprint(len(image))
				topic = `
resource "faas_trigger" "topic" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = terraform_data.later.output
}
`
			}
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(p),
				Steps: []resource.TestStep{{
					Config: providerBlock(p, "") + fmt.Sprintf(`
resource "terraform_data" "later" {
  input = %q
}

resource "faas_function" "f" {
  name      = %q
  namespace = %q
  image     = terraform_data.later.output
  command   = [terraform_data.later.output == "" ? "a" : "b"]
  env       = { IMAGE = terraform_data.later.output }
  labels    = { source = replace(terraform_data.later.output, "/[^a-z0-9]/", "-") }
  limits = {
    memory = terraform_data.later.output == "" ? "1Mi" : "64Mi"
  }
  timeout         = terraform_data.later.output == "" ? "1s" : "30s"
  max_concurrency = length(terraform_data.later.output)
  secrets         = terraform_data.later.output == "" ? ["x"] : []
}

resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  %s
}

resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = terraform_data.later.output == "" ? "bad" : "@daily"
}
%s`, image, name, ns, scaling, topic),
					Check: checkFunc(p, name, func(fn openfaassim.Function) error {
						if fn.Image != image || fn.Annotations["schedule"] != "@daily" || fn.Labels["com.openfaas.scale.max"] != wantMax {
							return fmt.Errorf("got %+v", fn)
						}
						if pro && fn.Annotations["topic"] != "cron-function,"+image && fn.Annotations["topic"] != image+",cron-function" {
							return fmt.Errorf("topic annotation %q", fn.Annotations["topic"])
						}
						return nil
					}),
				}},
			})
		})
	}
}
