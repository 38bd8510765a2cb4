package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// An equivalent schedule written outside Terraform ("0 22 * * SUN" for "0 22 * * 0")
// is no drift; a schedule that runs at other times still is (issue 12 item 9).

func TestAccTrigger_equivalentScheduleIsNoDrift(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro, ReadyAfterPolls: 1}, anyBackend)
	name := p.Name("weekly")
	config := providerBlock(p, "") + fnBlock(p, name) + `
resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "0 22 * * 0"
}
`
	setSchedule := func(s string) func() {
		return func() {
			p.ModifyFunction(ns, name, func(f *openfaassim.Function) { f.Annotations["schedule"] = s })
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps:                    scheduleDriftSteps(config, setSchedule),
	})
}

func TestAccKnativeTrigger_equivalentScheduleIsNoDrift(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	config := sim.ProviderBlock("") + knativeChildFunction + `
resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "0 22 * * 0"
}
`
	setSchedule := func(s string) func() {
		return func() {
			if err := sim.Modify(k8ssim.PingSourcesGVR, "default", "hello-cron", func(u *unstructured.Unstructured) {
				_ = unstructured.SetNestedField(u.Object, s, "spec", "schedule")
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoKnativeObjects(sim, k8ssim.PingSourcesGVR),
		Steps:                    scheduleDriftSteps(config, setSchedule),
	})
}

// scheduleDriftSteps: create; the same days by name out of band plans empty and state
// keeps the configured spelling; another day plans an update.
func scheduleDriftSteps(config string, setSchedule func(string) func()) []resource.TestStep {
	return []resource.TestStep{
		{Config: config},
		{
			PreConfig: setSchedule("0 22 * * SUN"),
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
				plancheck.ExpectKnownValue("faas_trigger.cron", tfjsonpath.New("schedule"), knownvalue.StringExact("0 22 * * 0")),
			}},
		},
		{
			PreConfig: setSchedule("0 22 * * MON"),
			Config:    config,
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
			}},
		},
	}
}
