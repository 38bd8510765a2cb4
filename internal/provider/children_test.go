package provider

import (
	"fmt"
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

// checkFunc asserts something about a function as the platform holds it.
func checkFunc(p openfaasPlatform, name string, f func(fn openfaassim.Function) error) func(*terraform.State) error {
	return func(*terraform.State) error {
		fn, ok := p.GetFunction(ns, name)
		if !ok {
			return fmt.Errorf("function %s is not on the platform", name)
		}
		return f(fn)
	}
}

func wantLabels(want map[string]string, absent ...string) func(openfaassim.Function) error {
	return func(fn openfaassim.Function) error {
		for k, v := range want {
			if fn.Labels[k] != v {
				return fmt.Errorf("label %s = %q, want %q (labels %v)", k, fn.Labels[k], v, fn.Labels)
			}
		}
		for _, k := range absent {
			if _, ok := fn.Labels[k]; ok {
				return fmt.Errorf("label %s should be gone (labels %v)", k, fn.Labels)
			}
		}
		return nil
	}
}

func wantTopics(topics string, schedule string) func(openfaassim.Function) error {
	return func(fn openfaassim.Function) error {
		got := strings.Split(fn.Annotations["topic"], ",")
		want := strings.Split(topics, ",")
		if topics == "" {
			want = []string{""}
		}
		if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
			return fmt.Errorf("topic annotation %q, want elements %q", fn.Annotations["topic"], topics)
		}
		if fn.Annotations["schedule"] != schedule {
			return fmt.Errorf("schedule annotation %q, want %q", fn.Annotations["schedule"], schedule)
		}
		return nil
	}
}

// fnBlock declares faas_function.f, called name, for the child resources of a test.
func fnBlock(p openfaasPlatform, name string) string {
	return fmt.Sprintf(`
resource "faas_function" "f" {
  name  = %q
  image = %q
  env   = { MODE = "prod" }
}
`, name, p.Image("ghcr.io/openfaas/alpine:latest"))
}

// TestAccChildren_functionReplacedReappliesChildren: a function replaced (taint,
// rename) or deleted out of band gets its scaling policy and trigger back in the same
// apply. The settings are ones every faas-netes edition honours.
func TestAccChildren_functionReplacedReappliesChildren(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyEdition)
	first, second := p.Name("first"), p.Name("second")
	cfg := func(name string) string {
		return providerBlock(p, "") + fnBlock(p, name) + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = 2
  max_replicas = 5
}

resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "*/10 * * * *"
}
`
	}
	all := func(name string) func(*terraform.State) error {
		return resource.ComposeAggregateTestCheckFunc(
			checkFunc(p, name, wantLabels(map[string]string{"com.openfaas.scale.min": "2", "com.openfaas.scale.max": "5"})),
			checkFunc(p, name, wantTopics("cron-function", "*/10 * * * *")),
		)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{Config: cfg(first), Check: all(first)},
			{
				// -replace / taint: the new function gets every child's keys in the same apply.
				Config: cfg(first),
				Taint:  []string{"faas_function.f"},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: all(first),
			},
			{
				// Rename: the children follow the function.
				Config: cfg(second),
				Check:  all(second),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.cron", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+second+"/cron")),
					statecheck.ExpectKnownValue("faas_scaling_policy.p", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+second)),
				},
			},
			{
				// The function deleted out of band: refresh drops the children, apply re-creates all.
				PreConfig: func() { p.DeleteFunction(ns, second) },
				Config:    cfg(second),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionCreate),
				}},
				Check: all(second),
			},
		},
	})
}

// TestAccChildren_waitForRollout: a child's write rolls the function out again, and the
// apply returns only once the function is ready again.
func TestAccChildren_waitForRollout(t *testing.T) {
	const polls = 3
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: polls}, "counts the readiness reads after a rollout in the simulator's request log")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{Config: providerBlock(sim, "") + fnBlock(sim, "roll")},
			{
				PreConfig: sim.ResetRequests,
				Config: providerBlock(sim, "") + fnBlock(sim, "roll") + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  max_replicas = 3
}
`,
				Check: func(*terraform.State) error {
					// After the PUT, at least polls+1 reads happened before any later write or the refresh.
					reqs := sim.Requests()
					put := -1
					for i, r := range reqs {
						if r.Method == "PUT" {
							put = i
						}
					}
					if put < 0 {
						return fmt.Errorf("no PUT")
					}
					reads := 0
					for _, r := range reqs[put+1:] {
						if r.Method == "GET" && r.Path == "/system/function/roll" {
							reads++
						}
					}
					if reads < polls+1 {
						return fmt.Errorf("only %d reads after the rollout: the apply did not wait", reads)
					}
					return nil
				},
			},
		},
	})
}
