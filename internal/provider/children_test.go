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

// TestAccScalingPolicy_lifecycle runs the standard set with the settings every
// faas-netes edition honours (min_replicas and max_replicas up to the Community
// Edition's ceiling of 5): create, empty plan, update in place, import verify, drift,
// out-of-band delete of the policy's labels, removal, destroy. The Pro settings have
// TestAccScalingPolicy_proSettings.
func TestAccScalingPolicy_lifecycle(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{ReadyAfterPolls: 1}, anyEdition)
	scaled := p.Name("scaled")
	cfg := func(minReplicas, maxReplicas int) string {
		return providerBlock(p, "") + fnBlock(p, scaled) + fmt.Sprintf(`
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = %d
  max_replicas = %d
}
`, minReplicas, maxReplicas)
	}
	// Only min and max: none of the labels faas-netes CE refuses is ever written.
	proLabels := []string{"com.openfaas.scale.type", "com.openfaas.scale.target", "com.openfaas.scale.target-proportion",
		"com.openfaas.scale.zero", "com.openfaas.scale.zero-duration"}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg(1, 4),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_scaling_policy.p", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+scaled)),
				},
				Check: checkFunc(p, scaled, func(fn openfaassim.Function) error {
					if err := wantLabels(map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "4"}, proLabels...)(fn); err != nil {
						return err
					}
					if fn.EnvVars["MODE"] != "prod" {
						return fmt.Errorf("the policy's write lost the function's env: %v", fn.EnvVars)
					}
					return nil
				}),
			},
			{
				// Update in place, up to the Community Edition's ceiling.
				Config: cfg(2, 5),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
				}},
				Check: checkFunc(p, scaled, wantLabels(map[string]string{"com.openfaas.scale.min": "2", "com.openfaas.scale.max": "5"}, proLabels...)),
			},
			{
				ResourceName:      "faas_scaling_policy.p",
				ImportState:       true,
				ImportStateId:     ns + "/" + scaled,
				ImportStateVerify: true,
			},
			{
				// Drift: someone lowers max by hand.
				PreConfig: func() {
					p.ModifyFunction(ns, scaled, func(f *openfaassim.Function) { f.Labels["com.openfaas.scale.max"] = "3" })
				},
				Config: cfg(2, 5),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
				}},
				Check: checkFunc(p, scaled, wantLabels(map[string]string{"com.openfaas.scale.min": "2", "com.openfaas.scale.max": "5"})),
			},
			{
				// Out-of-band delete of the policy's labels: re-created.
				PreConfig: func() {
					p.ModifyFunction(ns, scaled, func(f *openfaassim.Function) { removeScalingLabels(f.Labels) })
				},
				Config: cfg(2, 5),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionCreate),
				}},
				Check: checkFunc(p, scaled, wantLabels(map[string]string{"com.openfaas.scale.min": "2", "com.openfaas.scale.max": "5"})),
			},
			{
				// Removing the policy removes exactly its labels.
				Config: providerBlock(p, "") + fnBlock(p, scaled),
				Check: checkFunc(p, scaled, func(fn openfaassim.Function) error {
					if err := wantLabels(nil, "com.openfaas.scale.min", "com.openfaas.scale.max")(fn); err != nil {
						return err
					}
					if fn.EnvVars["MODE"] != "prod" {
						return fmt.Errorf("removing the policy lost the function's env: %v", fn.EnvVars)
					}
					return nil
				}),
			},
		},
	})
}

// removeScalingLabels deletes every com.openfaas.scale.* label, as someone clearing a
// function's scaling by hand would.
func removeScalingLabels(labels map[string]string) {
	for k := range labels {
		if strings.HasPrefix(k, "com.openfaas.scale.") {
			delete(labels, k)
		}
	}
}

// TestAccScalingPolicy_proSettings: the settings only faas-netes Pro honours (metric,
// target, target utilisation, scale to zero, more than 5 replicas) are written as their
// labels, updated in place, imported without a difference and corrected after drift,
// and removing the policy removes every one of its labels.
func TestAccScalingPolicy_proSettings(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 1})
	scaled := p.Name("scaled-pro")
	cfg := func(minReplicas, maxReplicas int, extra string) string {
		return providerBlock(p, "") + fnBlock(p, scaled) + fmt.Sprintf(`
resource "faas_scaling_policy" "p" {
  function_id                = faas_function.f.id
  min_replicas               = %d
  max_replicas               = %d
  metric                     = "concurrency"
  target                     = 10
  target_utilization_percent = 80
  %s
}
`, minReplicas, maxReplicas, extra)
	}
	toZero := `scale_to_zero_after = "20m"`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg(1, 4, ""),
				Check: checkFunc(p, scaled, wantLabels(map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "4",
					"com.openfaas.scale.type": "capacity", "com.openfaas.scale.target": "10", "com.openfaas.scale.target-proportion": "0.8"})),
			},
			{
				// Update in place, and scale to zero (min_replicas = 0): com.openfaas.scale.zero,
				// with no minimum label; ready with zero replicas.
				Config: cfg(0, 6, toZero),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
				}},
				Check: checkFunc(p, scaled, wantLabels(map[string]string{"com.openfaas.scale.max": "6",
					"com.openfaas.scale.zero": "true", "com.openfaas.scale.zero-duration": "20m"}, "com.openfaas.scale.min")),
			},
			{
				ResourceName:      "faas_scaling_policy.p",
				ImportState:       true,
				ImportStateId:     ns + "/" + scaled,
				ImportStateVerify: true,
			},
			{
				// By the function's name alone, in the default namespace, as faas_function
				// imports (issue 12 item 9: refused before).
				ResourceName:      "faas_scaling_policy.p",
				ImportState:       true,
				ImportStateId:     scaled,
				ImportStateVerify: true,
			},
			{
				// Drift on Pro labels: someone raises max, changes the scale type and turns
				// scale to zero off by hand (min_replicas reads 1 then).
				PreConfig: func() {
					p.ModifyFunction(ns, scaled, func(f *openfaassim.Function) {
						f.Labels["com.openfaas.scale.max"] = "50"
						f.Labels["com.openfaas.scale.type"] = "rps"
						f.Labels["com.openfaas.scale.zero"] = "false"
						f.Labels["com.openfaas.scale.min"] = "1"
					})
				},
				Config: cfg(0, 6, toZero),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
				}},
				Check: checkFunc(p, scaled, wantLabels(map[string]string{"com.openfaas.scale.max": "6", "com.openfaas.scale.type": "capacity",
					"com.openfaas.scale.zero": "true"}, "com.openfaas.scale.min")),
			},
			{
				// Removing the policy removes exactly its labels, the Pro ones included.
				Config: providerBlock(p, "") + fnBlock(p, scaled),
				Check: checkFunc(p, scaled, wantLabels(nil, "com.openfaas.scale.min", "com.openfaas.scale.max",
					"com.openfaas.scale.type", "com.openfaas.scale.target", "com.openfaas.scale.target-proportion",
					"com.openfaas.scale.zero", "com.openfaas.scale.zero-duration")),
			},
		},
	})
}

// TestAccTrigger_lifecycle runs the standard set with one trigger per function, which
// every OpenFaaS backend and edition allows (the Community Edition's topic annotation
// holds one value): create, empty plan, update in place, import verify (a topic with
// slashes in its ID), drift, out-of-band delete, replace, removal, destroy. Several
// triggers on one function have TestAccTrigger_severalOnOneFunction.
func TestAccTrigger_lifecycle(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{ReadyAfterPolls: 1}, anyBackend, anyEdition)
	events, sensors := p.Name("events"), p.Name("sensors")
	cfg := func(schedule, topic string) string {
		c := providerBlock(p, "") + fnBlock(p, events) + fmt.Sprintf(`
resource "faas_function" "g" {
  name  = %q
  image = %q
}

resource "faas_trigger" "topic" {
  function_id = faas_function.g.id
  type        = "topic"
  topic       = %q
}
`, sensors, p.Image("ghcr.io/openfaas/alpine:latest"), topic)
		if schedule != "" {
			c += fmt.Sprintf(`
resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = %q
}
`, schedule)
		}
		return c
	}
	const mqtt = "sensors/+/temperature"
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg("*/5 * * * *", mqtt),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.cron", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+events+"/cron")),
					statecheck.ExpectKnownValue("faas_trigger.topic", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+sensors+"/topic/"+mqtt)),
				},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFunc(p, events, wantTopics("cron-function", "*/5 * * * *")),
					checkFunc(p, sensors, wantTopics(mqtt, "")),
				),
			},
			{
				Config: cfg("@hourly", mqtt),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_trigger.topic", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
				}},
				Check: checkFunc(p, events, wantTopics("cron-function", "@hourly")),
			},
			{ResourceName: "faas_trigger.cron", ImportState: true, ImportStateId: ns + "/" + events + "/cron", ImportStateVerify: true},
			{ResourceName: "faas_trigger.topic", ImportState: true, ImportStateId: ns + "/" + sensors + "/topic/" + mqtt, ImportStateVerify: true},
			{
				// Drift on the schedule, and an out-of-band removal of the topic.
				PreConfig: func() {
					p.ModifyFunction(ns, events, func(f *openfaassim.Function) { f.Annotations["schedule"] = "0 0 * * *" })
					p.ModifyFunction(ns, sensors, func(f *openfaassim.Function) { delete(f.Annotations, "topic") })
				},
				Config: cfg("@hourly", mqtt),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_trigger.topic", plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFunc(p, events, wantTopics("cron-function", "@hourly")),
					checkFunc(p, sensors, wantTopics(mqtt, "")),
				),
			},
			{
				// Another topic replaces the trigger: the old subscription goes first, so the
				// function never holds two.
				Config: cfg("@hourly", "orders"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.topic", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: checkFunc(p, sensors, wantTopics("orders", "")),
			},
			{
				// Removing a trigger removes exactly its keys.
				Config: cfg("", "orders"),
				Check: resource.ComposeAggregateTestCheckFunc(
					checkFunc(p, events, wantTopics("", "")),
					checkFunc(p, events, func(fn openfaassim.Function) error {
						if fn.EnvVars["MODE"] != "prod" {
							return fmt.Errorf("removing the trigger lost the function's env: %v", fn.EnvVars)
						}
						return nil
					}),
					checkFunc(p, sensors, wantTopics("orders", "")),
				),
			},
		},
	})
}

// TestAccTrigger_severalOnOneFunction: on OpenFaaS Pro a function holds a cron trigger
// and several topics in one comma-separated annotation; each trigger updates, imports,
// drifts and is removed as its own element, never touching the others'.
func TestAccTrigger_severalOnOneFunction(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 1}, anyBackend)
	events := p.Name("events")
	cfg := func(schedule string) string {
		return providerBlock(p, "") + fnBlock(p, events) + fmt.Sprintf(`
resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = %q
}

resource "faas_trigger" "orders" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = "orders"
}

resource "faas_trigger" "mqtt" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = "sensors/+/temperature"
}
`, schedule)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg("*/5 * * * *"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.cron", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+events+"/cron")),
					statecheck.ExpectKnownValue("faas_trigger.mqtt", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+events+"/topic/sensors/+/temperature")),
				},
				Check: checkFunc(p, events, wantTopics("cron-function,orders,sensors/+/temperature", "*/5 * * * *")),
			},
			{
				Config: cfg("@hourly"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_trigger.orders", plancheck.ResourceActionNoop),
				}},
				Check: checkFunc(p, events, wantTopics("cron-function,orders,sensors/+/temperature", "@hourly")),
			},
			{ResourceName: "faas_trigger.mqtt", ImportState: true, ImportStateId: ns + "/" + events + "/topic/sensors/+/temperature", ImportStateVerify: true},
			{
				// Drift on the schedule, and an out-of-band removal of one topic.
				PreConfig: func() {
					p.ModifyFunction(ns, events, func(f *openfaassim.Function) {
						f.Annotations["schedule"] = "0 0 * * *"
						f.Annotations["topic"] = "cron-function,sensors/+/temperature"
					})
				},
				Config: cfg("@hourly"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_trigger.orders", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("faas_trigger.mqtt", plancheck.ResourceActionNoop),
				}},
				Check: checkFunc(p, events, wantTopics("cron-function,orders,sensors/+/temperature", "@hourly")),
			},
			{
				// Removing two triggers removes exactly their elements.
				Config: providerBlock(p, "") + fnBlock(p, events) + `
resource "faas_trigger" "orders" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = "orders"
}
`,
				Check: checkFunc(p, events, wantTopics("orders", "")),
			},
		},
	})
}

func TestAccTrigger_communityEditionOneTrigger(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend)
	name := p.Name("ce-cron")
	base := providerBlock(p, "") + fnBlock(p, name) + `
resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "0 9 * * 1-5"
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{Config: base, Check: checkFunc(p, name, wantTopics("cron-function", "0 9 * * 1-5"))},
			{
				// A second trigger on a CE function is refused before anything is written
				// (the plan warns; the apply refuses under the function's lock).
				PreConfig: func() {
					if sim, ok := p.Sim(); ok {
						sim.ResetRequests()
					}
				},
				Config: base + `
resource "faas_trigger" "topic" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = "orders"
}
`,
				ExpectError: errRe(`on cron or one topic, not both`),
			},
			{
				Config: base,
				Check: func(s *terraform.State) error {
					if _, ok := p.Sim(); !ok {
						// A real gateway keeps no request log: the function must at least
						// still hold the one trigger.
						return checkFunc(p, name, wantTopics("cron-function", "0 9 * * 1-5"))(s)
					}
					return expectNoWrites(p)()
				},
			},
		},
	})
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
