package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

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

// TestAccChildren_existingPolicyRefused: a function that already carries scaling labels
// (set outside Terraform) refuses a second policy, naming import. The plan only warns
// (the same apply could be replacing the policy that owns them); the apply refuses under
// the function's lock before writing anything.
func TestAccChildren_existingPolicyRefused(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro}, anyEdition)
	owned := p.Name("owned")
	fn := providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = %q
  image = %q
}
`, owned, p.Image("ghcr.io/acme/owned:1"))
	labelsUntouched := func() {
		f, ok := p.GetFunction(ns, owned)
		if !ok {
			t.Fatalf("function %s is gone", owned)
		}
		for k, v := range f.Labels {
			if strings.HasPrefix(k, "com.openfaas.scale.") && (k != "com.openfaas.scale.max" || v != "3") {
				t.Errorf("the refused policy was written: %s=%s", k, v)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{Config: fn},
			{
				PreConfig: func() {
					if !p.ModifyFunction(ns, owned, func(f *openfaassim.Function) {
						if f.Labels == nil {
							f.Labels = map[string]string{}
						}
						f.Labels["com.openfaas.scale.max"] = "3"
					}) {
						t.Fatal("out-of-band change failed")
					}
				},
				Config: fn + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  max_replicas = 4
}
`,
				ExpectError: errRe(`already carries com.openfaas.scale.\* labels.*terraform import`),
			},
			{PreConfig: labelsUntouched, Config: fn},
		},
	})
}

func TestAccKnative_scalingPolicyAndSecret(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	cfg := func(maxReplicas, version int, value string) string {
		return sim.ProviderBlock("") + fmt.Sprintf(`
resource "faas_secret" "s" {
  name             = "api-key"
  value_wo         = %q
  value_wo_version = %d
}

resource "faas_function" "f" {
  name    = "scaled"
  image   = "ghcr.io/acme/scaled:1"
  secrets = [faas_secret.s.name]
}

resource "faas_scaling_policy" "p" {
  function_id                = faas_function.f.id
  min_replicas               = 0
  max_replicas               = %d
  metric                     = "concurrency"
  target                     = 10
  target_utilization_percent = 70
  scale_to_zero_after        = "10m"
}
`, value, version, maxReplicas)
	}
	annotation := func(key string) string {
		svc, _ := kservice(sim, "scaled")
		v, _, _ := unstructured.NestedString(svc.Object, "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/"+key)
		return v
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(5, 1, "first"),
				Check: func(*terraform.State) error {
					if annotation("max-scale") != "5" || annotation("min-scale") != "0" || annotation("metric") != "concurrency" ||
						annotation("target-utilization-percentage") != "70" || annotation("scale-to-zero-pod-retention-period") != "10m" {
						svc, _ := kservice(sim, "scaled")
						return fmt.Errorf("template annotations %v", svc.Object["spec"])
					}
					if _, ok := sim.Get(k8ssim.SecretsGVR, "default", "api-key"); !ok {
						return fmt.Errorf("no Secret")
					}
					return nil
				},
			},
			{
				Config: cfg(8, 2, "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_secret.s", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if annotation("max-scale") != "8" {
						return fmt.Errorf("max-scale %q", annotation("max-scale"))
					}
					return nil
				},
			},
			{ResourceName: "faas_scaling_policy.p", ImportState: true, ImportStateId: "default/scaled", ImportStateVerify: true},
			{ResourceName: "faas_secret.s", ImportState: true, ImportStateId: "default/api-key", ImportStateVerify: true, ImportStateVerifyIgnore: []string{"value_wo_version"}},
			{
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "scaled", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedField(u.Object, "50", "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/max-scale")
					}); err != nil {
						t.Fatal(err)
					}
					sim.Delete(k8ssim.SecretsGVR, "default", "api-key")
				},
				Config: cfg(8, 2, "second"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_scaling_policy.p", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_secret.s", plancheck.ResourceActionCreate),
				}},
			},
			{
				// Removing the policy removes exactly its keys.
				Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "scaled"
  image = "ghcr.io/acme/scaled:1"
}
`,
				Check: func(*terraform.State) error {
					svc, _ := kservice(sim, "scaled")
					ann, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "template", "metadata", "annotations")
					for k := range ann {
						if strings.HasPrefix(k, "autoscaling.knative.dev/") {
							return fmt.Errorf("annotation %s left after the policy was removed", k)
						}
					}
					return nil
				},
			},
		},
	})
}

// TestAccKnative_revisionNameWithScalingPolicy: a function that pins revision_name
// cannot take a faas_scaling_policy write, because Knative refuses a change of the
// revision template that keeps the revision's name and the policy's keys live in that
// template. The apply fails on the policy with an error that names both, before
// anything is sent (no PUT of the Service); removing revision_name is the way out. A
// policy on a function pinned later can be neither changed (the same error) nor removed
// (its keys stay, with a warning, and the destroy of everything still succeeds). On the
// simulator "nothing sent" is no PUT of the Service in its request log; on the real
// Knative, an unchanged metadata.generation (no write of the spec).
func TestAccKnative_revisionNameWithScalingPolicy(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := sim.ProviderBlock("")
	fn := func(rev string) string {
		line := ""
		if rev != "" {
			line = fmt.Sprintf("revision_name = %q", rev)
		}
		return fmt.Sprintf(`
resource "faas_function" "f" {
  name  = "pin"
  image = "ghcr.io/acme/pin:1"
  %s
}
`, line)
	}
	policy := func(maxReplicas int) string {
		return fmt.Sprintf(`
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = 1
  max_replicas = %d
}
`, maxReplicas)
	}
	refused := regexp.MustCompile(`(?s)pins\s+its\s+revision\s+name\s+\(faas_function\.revision_name\s+=\s+"pin-v\d"\).*faas_scaling_policy.*Nothing\s+was\s+written`)
	puts := func() int64 {
		if sc, ok := sim.(simCluster); ok {
			var n int64
			for _, r := range sc.Requests() {
				if r.Method == "PUT" && strings.HasSuffix(r.Path, "/services/pin") {
					n++
				}
			}
			return n
		}
		u, ok := kservice(sim, "pin")
		if !ok {
			return -1
		}
		return u.GetGeneration()
	}
	maxScale := func(want string) func(*terraform.State) error {
		return func(*terraform.State) error {
			u, ok := kservice(sim, "pin")
			if !ok {
				return fmt.Errorf("no Knative Service pin")
			}
			got, _, _ := unstructured.NestedString(u.Object, "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/max-scale")
			if got != want {
				return fmt.Errorf("max-scale = %q, want %q", got, want)
			}
			return nil
		}
	}
	var putsBefore int64
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{Config: base + fn("pin-v1")},
			{
				// The policy's create is refused before anything is written.
				PreConfig:   func() { putsBefore = puts() },
				Config:      base + fn("pin-v1") + policy(3),
				ExpectError: refused,
			},
			{
				Config: base + fn("pin-v1"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
				}},
				Check: resource.ComposeTestCheckFunc(maxScale(""), func(*terraform.State) error {
					if n := puts() - putsBefore; n != 0 {
						return fmt.Errorf("the refused apply sent %d PUT requests of the Service", n)
					}
					return nil
				}),
			},
			{
				// The way out: no revision_name, and the same apply writes the policy.
				Config: base + fn("") + policy(3),
				Check:  maxScale("3"),
			},
			{
				// Pinned again (the function keeps the policy's keys).
				Config: base + fn("pin-v2") + policy(3),
				Check:  maxScale("3"),
			},
			{
				Config:      base + fn("pin-v2") + policy(5),
				ExpectError: refused,
			},
			{
				// Removing the policy leaves its keys with a warning, not an error.
				Config: base + fn("pin-v2"),
				Check:  maxScale("3"),
			},
		},
	})
}
