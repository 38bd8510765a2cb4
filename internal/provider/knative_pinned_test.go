package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestAccKnative_revisionNameWithScalingPolicy: a function that pins revision_name
// cannot take a faas_scaling_policy write, because Knative refuses a change of the
// revision template that keeps the revision's name and the policy's keys live in that
// template. The apply fails on the policy with an error that names both, before
// anything is sent (no PUT of the Service); removing revision_name is the way out. A
// policy on a function pinned later can be neither changed (the same error) nor removed
// (its keys stay, with a warning, and the destroy of everything still succeeds).
func TestAccKnative_revisionNameWithScalingPolicy(t *testing.T) {
	sim := newKube(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := knativeBlock(sim, "")
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
	puts := func() int {
		n := 0
		for _, r := range sim.Requests() {
			if r.Method == "PUT" && strings.HasSuffix(r.Path, "/services/pin") {
				n++
			}
		}
		return n
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
	var putsBefore int
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
