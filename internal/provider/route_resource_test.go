package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

func putDomainClaim(t *testing.T, sim interface {
	Put(*unstructured.Unstructured) error
}, host string) {
	putKnative(t, sim, "networking.internal.knative.dev/v1alpha1", "ClusterDomainClaim", "", host, map[string]any{"namespace": "default"})
}

func TestAccKnativeRoute_lifecycle(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	putDomainClaim(t, sim, "api.example.org")
	putDomainClaim(t, sim, "www.example.org")
	route := func(host, extra string) string {
		return sim.ProviderBlock("") + knativeChildFunction + fmt.Sprintf(`
resource "faas_route" "r" {
  function_id = faas_function.f.id
  host        = %q
  %s
}
`, host, extra)
	}
	dm := func(host string) map[string]any {
		u, ok := sim.Get(k8ssim.DomainMappingsGVR, "default", host)
		if !ok {
			return nil
		}
		return u.Object
	}
	var uidBeforeTaint string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoKnativeObjects(sim, k8ssim.DomainMappingsGVR),
		Steps: []resource.TestStep{
			{
				Config: route("api.example.org", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_route.r", tfjsonpath.New("id"), knownvalue.StringExact("default/api.example.org")),
					statecheck.ExpectKnownValue("faas_route.r", tfjsonpath.New("url"), knownvalue.StringExact("http://api.example.org")),
					statecheck.ExpectKnownValue("faas_route.r", tfjsonpath.New("path"), knownvalue.StringExact("/")),
				},
				Check: func(*terraform.State) error {
					ref, _, _ := unstructured.NestedStringMap(dm("api.example.org"), "spec", "ref")
					if ref["name"] != "hello" || ref["kind"] != "Service" {
						return fmt.Errorf("DomainMapping ref %v", ref)
					}
					return nil
				},
			},
			{
				Config: route("api.example.org", `tls_secret = "api-tls"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_route.r", tfjsonpath.New("url"), knownvalue.StringExact("https://api.example.org")),
				},
			},
			{ResourceName: "faas_route.r", ImportState: true, ImportStateId: "default/api.example.org", ImportStateVerify: true},
			{
				PreConfig: func() {
					if err := sim.Modify(k8ssim.DomainMappingsGVR, "default", "api.example.org", func(u *unstructured.Unstructured) {
						unstructured.RemoveNestedField(u.Object, "spec", "tls")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: route("api.example.org", `tls_secret = "api-tls"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if s, _, _ := unstructured.NestedString(dm("api.example.org"), "spec", "tls", "secretName"); s != "api-tls" {
						return fmt.Errorf("drift not corrected: tls %q", s)
					}
					return nil
				},
			},
			{
				PreConfig: func() { sim.Delete(k8ssim.DomainMappingsGVR, "default", "api.example.org") },
				Config:    route("api.example.org", `tls_secret = "api-tls"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					uidBeforeTaint = objUID(sim, k8ssim.DomainMappingsGVR, "api.example.org")
					return nil
				},
			},
			{
				Taint:  []string{"faas_function.f"},
				Config: route("api.example.org", `tls_secret = "api-tls"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if uid := objUID(sim, k8ssim.DomainMappingsGVR, "api.example.org"); uid == "" || uid == uidBeforeTaint {
						return fmt.Errorf("the DomainMapping was not re-applied with the function (uid %q, before %q)", uid, uidBeforeTaint)
					}
					return nil
				},
			},
			{
				Config: route("www.example.org", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if dm("api.example.org") != nil || dm("www.example.org") == nil {
						return fmt.Errorf("host change did not move the DomainMapping")
					}
					return nil
				},
			},
		},
	})
}

// TestAccKnativeRoute_noDomainClaim: without a ClusterDomainClaim (and with
// auto-creation off) the DomainMapping never becomes ready, and the error says why and
// how to fix it; once the claim exists, the tainted route is replaced and ready.
func TestAccKnativeRoute_noDomainClaim(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	cfg := sim.ProviderBlock("") + knativeChildFunction + `
resource "faas_route" "r" {
  function_id = faas_function.f.id
  host        = "unclaimed.example.org"
  timeouts {
    create = "2s"
  }
}
`
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoKnativeObjects(sim, k8ssim.DomainMappingsGVR),
		Steps: []resource.TestStep{
			{
				Config:      cfg,
				ExpectError: errRe(`was written but is not ready[\s\S]*DomainAlreadyClaimed[\s\S]*No ClusterDomainClaim exists[\s\S]*"unclaimed.example.org"[\s\S]*autocreate-cluster-domain-claims`),
			},
			{
				PreConfig: func() { putDomainClaim(t, sim, "unclaimed.example.org") },
				Config:    cfg,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_route.r", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_route.r", tfjsonpath.New("url"), knownvalue.StringExact("http://unclaimed.example.org")),
				},
			},
		},
	})
}
