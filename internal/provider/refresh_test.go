package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// Refresh efficiency and the freshness of the per-run read cache (design.md section 9).

// groupsConfig declares n functions, each with a scaling policy and a cron trigger.
func groupsConfig(sim *openfaassim.Server, n int, image func(i int) string, extra string) string {
	var b strings.Builder
	b.WriteString(providerBlock(sim, ""))
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `
resource "faas_function" "f%[1]d" {
  name  = "fn-%[1]d"
  image = %[2]q
}

resource "faas_scaling_policy" "f%[1]d" {
  function_id  = faas_function.f%[1]d.id
  min_replicas = 1
  max_replicas = 4
  metric       = "rps"
}

resource "faas_trigger" "f%[1]d" {
  function_id = faas_function.f%[1]d.id
  type        = "cron"
  schedule    = "*/5 * * * *"
}
`, i, image(i))
	}
	b.WriteString(extra)
	return b.String()
}

func sameImage(int) string { return "ghcr.io/acme/fn:1" }

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
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
	const n = 30
	config := groupsConfig(sim, n, sameImage, "")
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
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
	config := groupsConfig(sim, 3, sameImage, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{Config: config},
			{Config: config, PlanOnly: true}, // a first plan fills (and drops) a cache
			{
				PreConfig: func() {
					sim.ModifyFunction(ns, "fn-0", func(f *openfaassim.Function) { f.Image = "ghcr.io/acme/fn:hotfix" })
					sim.ModifyFunction(ns, "fn-1", func(f *openfaassim.Function) { f.Labels["com.openfaas.scale.max"] = "9" })
					sim.ModifyFunction(ns, "fn-2", func(f *openfaassim.Function) {
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
					checkFunc(sim, "fn-0", func(fn openfaassim.Function) error {
						if fn.Image != "ghcr.io/acme/fn:1" {
							return fmt.Errorf("image %q", fn.Image)
						}
						return nil
					}),
					checkFunc(sim, "fn-1", wantLabels(map[string]string{"com.openfaas.scale.max": "4"})),
					checkFunc(sim, "fn-2", wantTopics("cron-function", "*/5 * * * *")),
				),
			},
		},
	})
}

// TestAccRefresh_readsAfterWritesInOneRunSeeThem: data sources read during the apply,
// after the writes they depend on, see those writes (never the cached reads from before
// them).
func TestAccRefresh_readsAfterWritesInOneRunSeeThem(t *testing.T) {
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
	reads := `
data "faas_function" "f0" {
  name       = faas_function.f0.name
  depends_on = [faas_function.f0, faas_scaling_policy.f0]
}

data "faas_functions" "all" {
  depends_on = [faas_function.f0, faas_function.f1]
}
`
	v := func(version string) func(int) string {
		return func(i int) string {
			if i == 2 {
				return "ghcr.io/acme/fn:1" // unchanged
			}
			return "ghcr.io/acme/fn:" + version
		}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				Config: groupsConfig(sim, 3, v("1"), reads),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.faas_function.f0", "image", "ghcr.io/acme/fn:1"),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.#", "3"),
				),
			},
			{
				// One apply: the functions are updated, then the data sources are read.
				Config: groupsConfig(sim, 3, v("2"), reads),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f0", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("data.faas_function.f0", plancheck.ResourceActionRead),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr("data.faas_function.f0", "image", "ghcr.io/acme/fn:2"),
					resource.TestCheckResourceAttr("data.faas_function.f0", "ready", "true"),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.0.image", "ghcr.io/acme/fn:2"),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.1.image", "ghcr.io/acme/fn:2"),
					resource.TestCheckResourceAttr("data.faas_functions.all", "functions.2.image", "ghcr.io/acme/fn:1"),
				),
			},
		},
	})
}
