package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// expectChange checks that the plan changes attr of the resource at addr from before to
// after: drift shows on that attribute, with the value the platform holds.
type expectChange struct{ addr, attr, before, after string }

// CheckPlan implements plancheck.PlanCheck.
func (e expectChange) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != e.addr || rc.Change == nil {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		if fmt.Sprint(before[e.attr]) != e.before || fmt.Sprint(after[e.attr]) != e.after {
			resp.Error = fmt.Errorf("%s.%s: plan changes %v -> %v, want %s -> %s", e.addr, e.attr, before[e.attr], after[e.attr], e.before, e.after)
		}
		return
	}
	resp.Error = fmt.Errorf("%s is not in the plan", e.addr)
}

// TestAccTrigger_timeZone: on OpenFaaS, time_zone becomes a CRON_TZ= prefix of the
// function's schedule annotation, which the cron-connector's parser (robfig/cron v3)
// honours: create, empty plan, a zone change updates in place, import verifies (the
// annotation splits back into time_zone and schedule), a zone changed outside Terraform
// shows as drift on time_zone, destroy removes the annotation with the function.
func TestAccTrigger_timeZone(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{ReadyAfterPolls: 1}, anyBackend, anyEdition)
	name := p.Name("report")
	cfg := func(zone string) string {
		return providerBlock(p, "") + fnBlock(p, name) + fmt.Sprintf(`
resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "0 9 * * 1-5"
  time_zone   = %q
}
`, zone)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg("Europe/Paris"),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.cron", tfjsonpath.New("time_zone"), knownvalue.StringExact("Europe/Paris")),
					statecheck.ExpectKnownValue("faas_trigger.cron", tfjsonpath.New("schedule"), knownvalue.StringExact("0 9 * * 1-5")),
				},
				Check: checkFunc(p, name, wantTopics("cron-function", "CRON_TZ=Europe/Paris 0 9 * * 1-5")),
			},
			{
				Config:           cfg("Europe/Paris"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: cfg("America/New_York"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
				}},
				Check: checkFunc(p, name, wantTopics("cron-function", "CRON_TZ=America/New_York 0 9 * * 1-5")),
			},
			{ResourceName: "faas_trigger.cron", ImportState: true, ImportStateId: ns + "/" + name + "/cron", ImportStateVerify: true},
			{
				// The zone changed outside Terraform, with the prefix robfig/cron also reads.
				PreConfig: func() {
					if !p.ModifyFunction(ns, name, func(f *openfaassim.Function) { f.Annotations["schedule"] = "TZ=Asia/Tokyo 0 9 * * 1-5" }) {
						t.Fatal("out-of-band change failed")
					}
				},
				Config: cfg("America/New_York"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.cron", plancheck.ResourceActionUpdate),
					expectChange{"faas_trigger.cron", "time_zone", "Asia/Tokyo", "America/New_York"},
					expectChange{"faas_trigger.cron", "schedule", "0 9 * * 1-5", "0 9 * * 1-5"},
				}},
				Check: checkFunc(p, name, wantTopics("cron-function", "CRON_TZ=America/New_York 0 9 * * 1-5")),
			},
		},
	})
}
