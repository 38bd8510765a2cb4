package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// Refresh efficiency and the freshness of the per-run read cache (DESIGN.md section 9).

// groupsConfig declares n functions, fn-<i>, each with a scaling policy and a cron
// trigger, with settings every faas-netes edition honours. On a real gateway the
// functions carry the label groupLabel(p), so that a list can tell them from other
// tests' functions.
func groupsConfig(p openfaasPlatform, n int, image func(i int) string, extra string) string {
	var b strings.Builder
	b.WriteString(providerBlock(p, ""))
	labels := ""
	if l := groupLabel(p); l != "" {
		labels = "\n  labels = " + l
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
resource "faas_function" "f%[1]d" {
  name  = %[3]q
  image = %[2]q%[4]s
}

resource "faas_scaling_policy" "f%[1]d" {
  function_id  = faas_function.f%[1]d.id
  min_replicas = 1
  max_replicas = 4
}

resource "faas_trigger" "f%[1]d" {
  function_id = faas_function.f%[1]d.id
  type        = "cron"
  schedule    = "*/5 * * * *"
}
`, i, image(i), p.Name(fmt.Sprintf("fn-%d", i)), labels)
	}
	b.WriteString(extra)
	return b.String()
}

// groupLabel is the labels map of groupsConfig's functions on a real gateway, and ""
// on the simulator, where the test's namespace holds nothing else.
func groupLabel(p openfaasPlatform) string {
	if _, ok := p.Sim(); ok {
		return ""
	}
	return fmt.Sprintf("{ group = %q }", p.Name("group"))
}

// sameImage gives every function of groupsConfig the same image.
func sameImage(p openfaasPlatform) func(int) string {
	return func(int) string { return p.Image("ghcr.io/acme/fn:1") }
}

// requestCounts tallies requests as "METHOD route", one function's path as {name}.
func requestCounts(reqs []openfaassim.Request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		p := r.Path
		if strings.HasPrefix(p, "/system/function/") {
			p = "/system/function/{name}"
		}
		out[r.Method+" "+p]++
	}
	return out
}

// TestAccRefresh_noOpPlanIsBounded: refreshing 30 functions with their scaling
// policies and triggers (90 resources) costs a few list requests, not a read each.
func TestAccRefresh_noOpPlanIsBounded(t *testing.T) {
	// Pro: the Community Edition allows at most 15 functions.
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "counts the requests of a no-op plan in the simulator's request log")
	const n = 30
	config := groupsConfig(sim, n, sameImage(sim), "")
	var seen []openfaassim.Request
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: sim.ResetRequests,
				Config:    config,
				PlanOnly:  true, // plans (with refresh) and must find nothing to do
			},
			{
				PreConfig: func() { seen = sim.Requests() },
				Config:    config,
				PlanOnly:  true,
			},
		},
	})
	got := requestCounts(seen)
	t.Logf("requests of the no-op plans: %v", got)
	total := 0
	for route, c := range got {
		total += c
		if route != "GET /system/functions" && route != "GET /system/info" {
			t.Errorf("the no-op plan sent %d %s", c, route)
		}
	}
	// The testing framework plans twice per step; each plan is a provider run that lists
	// the namespace once and asks /system/info once.
	if total > 6 {
		t.Errorf("the no-op plans of %d resources sent %d requests (%v), want a small constant", 3*n, total, got)
	}
	if got["GET /system/functions"] == 0 {
		t.Errorf("the refresh did not list the namespace: %v", got)
	}
}

// TestAccRefresh_outOfBandChangesBetweenPlansAreSeen: each terraform command is a new
// provider run with an empty cache, so a change made between two plans always shows.
func TestAccRefresh_outOfBandChangesBetweenPlansAreSeen(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyEdition)
	config := groupsConfig(p, 3, sameImage(p), "")
	fn0, fn1, fn2 := p.Name("fn-0"), p.Name("fn-1"), p.Name("fn-2")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, PlanOnly: true}, // a first plan fills (and drops) a cache
			{
				PreConfig: func() {
					p.ModifyFunction(ns, fn0, func(f *openfaassim.Function) { f.Image = p.AltImage("ghcr.io/acme/fn:hotfix") })
					p.ModifyFunction(ns, fn1, func(f *openfaassim.Function) { f.Labels["com.openfaas.scale.max"] = "5" })
					p.ModifyFunction(ns, fn2, func(f *openfaassim.Function) {
						delete(f.Annotations, "topic")
						delete(f.Annotations, "schedule")
					})
				},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f0", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_scaling_policy.f1", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_trigger.f2", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("faas_function.f1", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFunc(p, fn0, func(fn openfaassim.Function) error {
						if fn.Image != p.Image("ghcr.io/acme/fn:1") {
							return fmt.Errorf("image %q", fn.Image)
						}
						return nil
					}),
					checkFunc(p, fn1, wantLabels(map[string]string{"com.openfaas.scale.max": "4"})),
					checkFunc(p, fn2, wantTopics("cron-function", "*/5 * * * *")),
				),
			},
		},
	})
}

// TestAccRefresh_readsAfterWritesInOneRunSeeThem: data sources read during the apply,
// after the writes they depend on, see those writes (never the cached reads from before
// them).
func TestAccRefresh_readsAfterWritesInOneRunSeeThem(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyEdition)
	filter := ""
	if l := groupLabel(p); l != "" {
		filter = "labels     = " + l + "\n  "
	}
	reads := fmt.Sprintf(`
data "faas_function" "f0" {
  name       = faas_function.f0.name
  depends_on = [faas_function.f0, faas_scaling_policy.f0]
}

data "faas_functions" "all" {
  %sdepends_on = [faas_function.f0, faas_function.f1]
}
`, filter)
	v1, v2 := p.Image("ghcr.io/acme/fn:1"), p.AltImage("ghcr.io/acme/fn:2")
	v := func(image string) func(int) string {
		return func(i int) string {
			if i == 2 {
				return v1 // unchanged
			}
			return image
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: groupsConfig(p, 3, v(v1), reads),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.faas_function.f0", "image", v1),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.#", "3"),
				),
			},
			{
				// One apply: the functions are updated, then the data sources are read.
				Config: groupsConfig(p, 3, v(v2), reads),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f0", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("data.faas_function.f0", plancheck.ResourceActionRead),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.faas_function.f0", "image", v2),
					resource.TestCheckResourceAttr("data.faas_function.f0", "ready", "true"),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.0.image", v2),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.1.image", v2),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.2.image", v1),
				),
			},
		},
	})
}
