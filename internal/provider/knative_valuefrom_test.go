package provider

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

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
