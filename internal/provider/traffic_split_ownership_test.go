package provider

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestAccKnativeTrafficSplit_twoStatesNeverShareASplit: a second Terraform state that
// declares a faas_traffic_split for a function whose split another state manages is
// refused, with the import hint, and writes nothing; so is a second split on the same
// function within one state. (Found by an attack on the provider: the second create
// used to overwrite spec.traffic, and the two states reverted each other's split.)
func TestAccKnativeTrafficSplit_twoStatesNeverShareASplit(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	block := sim.ProviderBlock("")
	first, second := newCLI(t), newCLI(t)
	// On a real cluster the function must not outlive the test.
	t.Cleanup(func() { first.run("destroy", "-auto-approve", "-no-color") })
	first.writeMain(block + `
resource "faas_function" "f" {
  name  = "shop"
  image = "ghcr.io/acme/shop:1.0"
}
resource "faas_traffic_split" "s" {
  function_id = faas_function.f.id
  targets     = [{ latest_revision = true, percent = 100, tag = "first" }]
}
`)
	second.writeMain(block + `
resource "faas_traffic_split" "s" {
  function_id = "default/shop"
  targets     = [{ latest_revision = true, percent = 100, tag = "second" }]
}
`)
	if out, code := first.run("apply", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("the first state's apply failed:\n%s", out)
	}
	want := []any{map[string]any{"latestRevision": true, "percent": int64(100), "tag": "first"}}
	checkTraffic := func(when string) {
		svc, _ := kservice(sim, "shop")
		traffic, _, _ := unstructured.NestedSlice(svc.Object, "spec", "traffic")
		if !reflect.DeepEqual(traffic, want) {
			t.Errorf("%s: spec.traffic = %v, want the first state's %v", when, traffic, want)
		}
	}
	// At plan, a warning with the import hint (as for a second scaling policy: a plan
	// that replaces the owner would remove it first); the apply refuses.
	out, _ := second.run("plan", "-no-color")
	if !regexp.MustCompile(`Warning: Function already has a traffic split[\s\S]*terraform import`).MatchString(out) {
		t.Errorf("the second state's plan did not warn with the import hint:\n%s", out)
	}
	out, code := second.run("apply", "-auto-approve", "-no-color")
	if code == 0 || !strings.Contains(out, "Function already has a traffic split") {
		t.Errorf("the second state's apply was not refused (exit %d):\n%s", code, out)
	}
	checkTraffic("after the second state's apply")
	if list, _ := second.run("state", "list"); strings.TrimSpace(list) != "" {
		t.Errorf("the second state now believes it manages the split: %q", list)
	}
	// A first state's own plan stays empty.
	if out, code := first.run("plan", "-detailed-exitcode", "-no-color"); code != 0 {
		t.Errorf("the first state's plan is not empty (exit %d):\n%s", code, out)
	}

	// Two splits on one function in one state: the second create is refused.
	first.writeMain(block + `
resource "faas_function" "f" {
  name  = "shop"
  image = "ghcr.io/acme/shop:1.0"
}
resource "faas_traffic_split" "s" {
  function_id = faas_function.f.id
  targets     = [{ latest_revision = true, percent = 100, tag = "first" }]
}
resource "faas_traffic_split" "again" {
  function_id = faas_function.f.id
  targets     = [{ latest_revision = true, percent = 100, tag = "again" }]
}
`)
	out, code = first.run("apply", "-auto-approve", "-no-color")
	if code == 0 || !strings.Contains(out, "Function already has a traffic split") {
		t.Errorf("a second split on the same function was not refused (exit %d):\n%s", code, out)
	}
	checkTraffic("after a second split in the same state")
}

// TestAccFunction_emptyRevisionNameRefused: revision_name = "" is a plan-time error on
// the attribute (it used to pass the plan, store nothing and show a change forever).
func TestAccFunction_emptyRevisionNameRefused(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name          = "shop"
  image         = "ghcr.io/acme/shop:1.0"
  revision_name = ""
}
`,
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)revision_name.*string length must be at least 1`),
		}},
	})
}
