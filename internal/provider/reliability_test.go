package provider

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// fleetConfig is 30 resources: 10 functions, each with a scaling policy and a trigger
// (cron for even ones, a topic for odd ones). It holds on the Community Edition too (at
// most 5 replicas, one trigger per function).
func fleetConfig(p openfaasPlatform) string {
	var b strings.Builder
	b.WriteString(providerBlock(p, ""))
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, `
resource "faas_function" "f%[1]d" {
  name   = %[3]q
  image  = %[4]q
  env    = { INDEX = "%[1]d" }
  labels = { fleet = "yes" }
}

resource "faas_scaling_policy" "p%[1]d" {
  function_id  = faas_function.f%[1]d.id
  min_replicas = 1
  max_replicas = %[2]d
}
`, i, fleetMax(i), p.Name(fmt.Sprintf("fleet-%d", i)), p.Image(fmt.Sprintf("ghcr.io/acme/fleet:%d", i)))
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

// fleetMax is the max_replicas of the fleet's function i.
func fleetMax(i int) int { return 1 + i%5 }

// checkFleet asserts the platform holds exactly what the state says: the 10 functions,
// nothing else, each with its labels, policy and trigger.
func checkFleet(p openfaasPlatform) func(*terraform.State) error {
	return func(s *terraform.State) error {
		var inState []string
		for _, r := range s.RootModule().Resources {
			if r.Type == "faas_function" {
				inState = append(inState, r.Primary.Attributes["name"])
			}
		}
		var onPlatform []string
		for _, fn := range p.Functions(ns) {
			onPlatform = append(onPlatform, fn.Service)
		}
		sort.Strings(inState)
		if strings.Join(inState, ",") != strings.Join(onPlatform, ",") || len(onPlatform) != 10 {
			return fmt.Errorf("state holds %v, the platform %v", inState, onPlatform)
		}
		for i := 0; i < 10; i++ {
			fn, _ := p.GetFunction(ns, p.Name(fmt.Sprintf("fleet-%d", i)))
			if fn.EnvVars["INDEX"] != fmt.Sprint(i) || fn.Labels["fleet"] != "yes" || fn.Labels["com.openfaas.scale.max"] != fmt.Sprint(fleetMax(i)) {
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

// faultTest runs a fault test case in parallel with others, except on a real Community
// Edition gateway, which the tests share and which holds 15 functions (the fleet is 10
// of them): there it runs alone.
func faultTest(t *testing.T, p openfaasPlatform, tc resource.TestCase) {
	t.Helper()
	if realMode() && p.Edition() == openfaassim.CE {
		resource.Test(t, tc)
		return
	}
	resource.ParallelTest(t, tc)
}

// functionUpdates restricts faults to function updates (PUT /system/functions).
func functionUpdates(f simcore.Faults) simcore.Faults {
	f.OnlyMethod, f.OnlyPath = http.MethodPut, "/system/functions"
	return f
}

// TestAccReliability_faults applies 30 resources to completion under each fault,
// injected by a proxy in front of the platform (the simulator, or a real gateway), then
// checks that the plan is empty (done by the framework after every apply) and that the
// platform holds exactly what the state says.
func TestAccReliability_faults(t *testing.T) {
	cases := []struct {
		name   string
		faults simcore.Faults
	}{
		{"429 with Retry-After on a third of requests", simcore.Faults{RateLimitEvery: 3, RetryAfterSeconds: 1}},
		{"bursts of 503", simcore.Faults{Burst503: 6, RateLimitEvery: 11}},
		{"dropped connections", simcore.Faults{DropConnections: 4, RateLimitEvery: 9}},
		{"lost responses", simcore.Faults{LoseResponses: 8}},
		{"latency spikes", simcore.Faults{Latency: 2 * time.Millisecond, LatencySpikeEvery: 5, LatencySpike: 150 * time.Millisecond}},
		// faas-netes answers an update it did not apply with 200 (update.go).
		{"updates answered 200 without being applied", functionUpdates(simcore.Faults{IgnoreUpdateEvery: 2})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := withFaults(t, newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro}, anyEdition))
			faultTest(t, p, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(p),
				Steps: []resource.TestStep{{
					PreConfig: func() { p.SetFaults(c.faults) },
					Config:    fleetConfig(p),
					Check:     checkFleet(p),
				}},
			})
		})
	}
}

// TestAccReliability_slowReadiness applies the fleet when every rollout reports ready
// only after many reads.
func TestAccReliability_slowReadiness(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 6}, "controls readiness (a real platform has its own timing)")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{{
			Config: fleetConfig(sim),
			Check:  checkFleet(sim),
		}},
	})
}

// TestAccReliability_ignoredUpdates: faas-netes answers an update it did not apply with
// 200 and an empty body (pkg/handlers/update.go: on a Kubernetes update conflict with the
// Deployment controller, or an image the Community Edition cannot check). An apply whose
// updates of a function and of its children are ignored several times still ends with
// the platform holding the configuration; one whose updates are never applied fails
// saying so, the platform keeps what it had, and the next apply converges.
func TestAccReliability_ignoredUpdates(t *testing.T) {
	p := withFaults(t, newPlatform(t, openfaassim.Options{StaleReads: 30 * time.Millisecond}, anyEdition))
	name := p.Name("ignored")
	cfg := func(image, step string, maxReplicas int, schedule string) string {
		return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name   = %q
  image  = %q
  env    = { STEP = %q }
  labels = { step = %q }
}

resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = 1
  max_replicas = %d
}

resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = %q
}
`, name, image, step, step, maxReplicas, schedule)
	}
	holds := func(image, step string, maxReplicas int, schedule string) func(*terraform.State) error {
		return checkFunc(p, name, func(fn openfaassim.Function) error {
			if fn.Image != image || fn.EnvVars["STEP"] != step || fn.Labels["step"] != step ||
				fn.Labels["com.openfaas.scale.max"] != fmt.Sprint(maxReplicas) || fn.Annotations["schedule"] != schedule {
				return fmt.Errorf("the platform holds image %q env %v labels %v annotations %v", fn.Image, fn.EnvVars, fn.Labels, fn.Annotations)
			}
			return nil
		})
	}
	ignored := func() int {
		n := 0
		for _, r := range p.Requests() {
			if r.Method == http.MethodPut && r.Path == "/system/functions" && r.Status == http.StatusOK {
				n++
			}
		}
		return n
	}
	one, two := p.Image("ghcr.io/acme/ignored:1"), p.AltImage("ghcr.io/acme/ignored:2")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{Config: cfg(one, "1", 2, "@daily"), Check: holds(one, "1", 2, "@daily")},
			{
				// The function's update and both children's are each ignored at first.
				PreConfig: func() { p.SetFaults(functionUpdates(simcore.Faults{IgnoreUpdates: 2, IgnoreUpdateEvery: 2})) },
				Config:    cfg(two, "2", 3, "@hourly"),
				Check: resource.ComposeTestCheckFunc(holds(two, "2", 3, "@hourly"), func(*terraform.State) error {
					if n := ignored(); n < 3 {
						return fmt.Errorf("only %d updates were ignored: the step proves nothing", n)
					}
					return nil
				}),
			},
			{
				// Never applied: the apply fails clearly and the platform keeps step 2.
				PreConfig:   func() { p.SetFaults(functionUpdates(simcore.Faults{IgnoreUpdates: 1000})) },
				Config:      cfg(two, "3", 3, "@hourly"),
				ExpectError: errRe(`the gateway answered 200 without applying the update, on all \d+ attempts`),
			},
			{
				PreConfig: func() {
					if err := holds(two, "2", 3, "@hourly")(nil); err != nil {
						t.Errorf("after the failed apply: %v", err)
					}
					p.ClearFaults()
				},
				Config: cfg(two, "3", 3, "@hourly"),
				Check:  holds(two, "3", 3, "@hourly"),
			},
		},
	})
}

// TestAccReliability_persistent500: under a persistent 500 (from a proxy in front of the
// platform) the apply fails naming the resource and the platform's message; what was
// created is in state (tainted where it could not be confirmed), nothing is orphaned, and
// the next apply converges.
func TestAccReliability_persistent500(t *testing.T) {
	p := withFaults(t, newPlatform(t, openfaassim.Options{}, anyEdition))
	image := p.Image("ghcr.io/openfaas/alpine:latest")
	fn := func(base string) string {
		return fmt.Sprintf(`
resource "faas_function" %q {
  name  = %q
  image = %q
}
`, base, p.Name(base), image)
	}
	names := func(want ...string) func(*terraform.State) error {
		return func(*terraform.State) error {
			var got []string
			for _, f := range p.Functions(ns) {
				got = append(got, f.Service)
			}
			var full []string
			for _, w := range want {
				full = append(full, p.Name(w))
			}
			if strings.Join(got, ",") != strings.Join(full, ",") {
				return fmt.Errorf("platform holds %v, want %v", got, full)
			}
			return nil
		}
	}
	id := func(base string) string { return regexp.QuoteMeta(ns + "/" + p.Name(base)) }
	base := providerBlock(p, "") + fn("a")
	faultTest(t, p, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{Config: base, Check: names("a")},
			{
				// Every create fails: the error names the resource and the platform's message.
				PreConfig: func() {
					p.SetFaults(simcore.Faults{PersistentStatus: 500, PersistentMessage: "etcdserver: request timed out", OnlyMethod: http.MethodPost})
				},
				Config:      base + fn("b"),
				ExpectError: errRe(`Error creating function ` + id("b") + `.*HTTP 500: etcdserver: request timed out`),
			},
			{
				// The create succeeds but every later read fails: the function is in state, tainted.
				PreConfig: func() {
					if _, ok := p.GetFunction(ns, p.Name("b")); ok {
						t.Error("a create that failed left a function on the platform")
					}
					p.SetFaults(simcore.Faults{PersistentStatus: 500, PersistentMessage: "apiserver unavailable",
						OnlyMethod: http.MethodGet, OnlyPath: "/system/function/" + p.Name("c")})
				},
				Config:      base + fn("b") + fn("c"),
				ExpectError: errRe(`function ` + id("c") + ` was created, but reading it back failed.*apiserver unavailable`),
			},
			{
				// The fault clears: the tainted c is replaced, b (created in the previous step) stays.
				PreConfig: p.ClearFaults,
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
