package provider

import (
	"fmt"
	"reflect"
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
)

// shopFunction is a Knative function named shop deploying image version v as revision
// shop-<rev>.
func shopFunction(v, rev string) string {
	return fmt.Sprintf(`
resource "faas_function" "f" {
  name          = "shop"
  image         = "ghcr.io/acme/shop:%s"
  revision_name = "shop-%s"
}
`, v, rev)
}

func shopSplit(targets string) string {
	return `
resource "faas_traffic_split" "s" {
  function_id = faas_function.f.id
  targets     = [` + targets + `]
}
`
}

// expectTraffic checks the Service's spec.traffic, as Knative holds it after defaulting.
func expectTraffic(sim knativeCluster, want ...map[string]any) func(*terraform.State) error {
	return func(*terraform.State) error {
		svc, ok := kservice(sim, "shop")
		if !ok {
			return fmt.Errorf("no Knative Service shop")
		}
		got, _, _ := unstructured.NestedSlice(svc.Object, "spec", "traffic")
		w := make([]any, len(want))
		for i := range want {
			w[i] = want[i]
		}
		if !reflect.DeepEqual(got, w) {
			return fmt.Errorf("spec.traffic = %v, want %v", got, w)
		}
		return nil
	}
}

func named(rev string, percent int64) map[string]any {
	return map[string]any{"revisionName": rev, "latestRevision": false, "percent": percent}
}

func tagged(m map[string]any, tag string) map[string]any {
	m["tag"] = tag
	return m
}

var latestAll = map[string]any{"latestRevision": true, "percent": int64(100)}

// TestAccKnativeTrafficSplit_canary: a full canary with named revisions (10 %, 50 %,
// promote, roll back), the function updated under a split without touching it, import,
// drift, an out-of-band delete of the Service, and the split's destroy giving all
// traffic back to the latest revision. Every step's apply is followed by the harness's
// empty-plan check.
func TestAccKnativeTrafficSplit_canary(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := sim.ProviderBlock("")
	v1Only := `{
    revision_name = "shop-v1"
    percent       = 100
  }`
	canary := func(stable, canary int) string {
		return fmt.Sprintf(`{
    revision_name = "shop-v1"
    percent       = %d
  },
  {
    revision_name = faas_function.f.revision_name
    percent       = %d
    tag           = "canary"
  }`, stable, canary)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: base + shopFunction("1", "v1") + shopSplit(v1Only),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_ready_revision"), knownvalue.StringExact("shop-v1")),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_created_revision"), knownvalue.StringExact("shop-v1")),
					statecheck.ExpectKnownValue("faas_traffic_split.s", tfjsonpath.New("id"), knownvalue.StringExact("default/shop")),
					statecheck.ExpectKnownValue("faas_traffic_split.s", tfjsonpath.New("targets").AtSliceIndex(0).AtMapKey("latest_revision"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue("faas_traffic_split.s", tfjsonpath.New("tag_urls"), knownvalue.MapExact(map[string]knownvalue.Check{})),
				},
				Check: resource.ComposeTestCheckFunc(
					expectTraffic(sim, named("shop-v1", 100)),
					func(*terraform.State) error {
						svc, _ := kservice(sim, "shop")
						if name, _, _ := unstructured.NestedString(svc.Object, "spec", "template", "metadata", "name"); name != "shop-v1" {
							return fmt.Errorf("spec.template.metadata.name = %q", name)
						}
						return nil
					},
				),
			},
			{
				// 10 % to the new revision, which gets its own URL.
				Config: base + shopFunction("2", "v2") + shopSplit(canary(90, 10)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_traffic_split.s", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_traffic_split.s", tfjsonpath.New("targets").AtSliceIndex(1).AtMapKey("percent"), knownvalue.Int64Exact(10)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_ready_revision"), knownvalue.StringExact("shop-v2")),
					statecheck.ExpectKnownValue("faas_traffic_split.s", tfjsonpath.New("tag_urls").AtMapKey("canary"), knownvalue.StringExact("http://canary-shop.default.example.com")),
				},
				Check: expectTraffic(sim, named("shop-v1", 90), tagged(named("shop-v2", 10), "canary")),
			},
			{
				Config: base + shopFunction("2", "v2") + shopSplit(canary(50, 50)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("faas_traffic_split.s", plancheck.ResourceActionUpdate),
					// The tag stays, so its URL is known in the plan.
					plancheck.ExpectKnownValue("faas_traffic_split.s", tfjsonpath.New("tag_urls").AtMapKey("canary"), knownvalue.StringExact("http://canary-shop.default.example.com")),
				}},
				Check: expectTraffic(sim, named("shop-v1", 50), tagged(named("shop-v2", 50), "canary")),
			},
			{
				// The function moves on (a new revision shop-v3) while the split stays:
				// faas_function never writes spec.traffic.
				Config: base + shopFunction("3", "v3") + shopSplit(`{
    revision_name = "shop-v1"
    percent       = 50
  },
  {
    revision_name = "shop-v2"
    percent       = 50
    tag           = "canary"
  }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction("faas_traffic_split.s", plancheck.ResourceActionNoop),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("latest_ready_revision"), knownvalue.StringExact("shop-v3")),
				},
				Check: expectTraffic(sim, named("shop-v1", 50), tagged(named("shop-v2", 50), "canary")),
			},
			{
				// Promote: everything to the latest revision.
				Config: base + shopFunction("3", "v3") + shopSplit(`{
    latest_revision = true
    percent         = 100
  }`),
				Check: expectTraffic(sim, latestAll),
			},
			{
				// Roll back: everything to shop-v1 again.
				Config: base + shopFunction("3", "v3") + shopSplit(v1Only),
				Check:  expectTraffic(sim, named("shop-v1", 100)),
			},
			{ResourceName: "faas_traffic_split.s", ImportState: true, ImportStateId: "default/shop", ImportStateVerify: true},
			{ResourceName: "faas_traffic_split.s", ImportState: true, ImportStateKind: resource.ImportBlockWithID, ImportStateId: "shop"},
			{ResourceName: "faas_function.f", ImportState: true, ImportStateId: "default/shop", ImportStateVerify: true},
			{
				// Drift: someone sends everything to the latest revision with kubectl.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "shop", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"latestRevision": true, "percent": int64(100)}}, "spec", "traffic")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: base + shopFunction("3", "v3") + shopSplit(v1Only),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionNoop),
					plancheck.ExpectResourceAction("faas_traffic_split.s", plancheck.ResourceActionUpdate),
				}},
				Check: expectTraffic(sim, named("shop-v1", 100)),
			},
			{
				// The Service deleted out of band: both are created again.
				PreConfig: func() { sim.Delete(k8ssim.ServicesGVR, "default", "shop") },
				Config: base + shopFunction("3", "v3") + shopSplit(`{
    revision_name = "shop-v3"
    percent       = 100
  }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction("faas_traffic_split.s", plancheck.ResourceActionCreate),
				}},
				Check: expectTraffic(sim, named("shop-v3", 100)),
			},
			{
				// Destroying the split gives all traffic back to the latest revision.
				Config: base + shopFunction("3", "v3"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_traffic_split.s", plancheck.ResourceActionDestroy),
				}},
				Check: resource.ComposeTestCheckFunc(
					expectTraffic(sim, latestAll),
					func(*terraform.State) error {
						svc, _ := kservice(sim, "shop")
						if _, ok := svc.GetAnnotations()["faasform.dev/traffic-split"]; ok {
							return fmt.Errorf("the split's marker annotation was left on the Service")
						}
						return nil
					},
				),
			},
		},
	})
}

// TestAccKnativeTrafficSplit_missingRevision: a split that names a revision the function
// does not have fails at apply with Knative's reason naming it, and leaves the Service's
// traffic as it was.
func TestAccKnativeTrafficSplit_missingRevision(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := sim.ProviderBlock("") + shopFunction("1", "v1")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{Config: base, Check: expectTraffic(sim, latestAll)},
			{
				Config: base + shopSplit(`{
    revision_name = "shop-v9"
    percent       = 100
  }`),
				ExpectError: errRe(`Revision "shop-v9" referenced in traffic not found`),
			},
			{
				Config: base,
				Check: resource.ComposeTestCheckFunc(expectTraffic(sim, latestAll), func(*terraform.State) error {
					svc, _ := kservice(sim, "shop")
					if _, ok := svc.GetAnnotations()["faasform.dev/traffic-split"]; ok {
						return fmt.Errorf("the refused split's marker annotation was left on the Service")
					}
					return nil
				}),
			},
		},
	})
}

// TestAccKnativeTrafficSplit_planErrors: bad splits and revision names fail at plan time
// on the attribute at fault, with nothing written.
func TestAccKnativeTrafficSplit_planErrors(t *testing.T) {
	cluster := newKnativeCluster(t, k8ssim.Options{})
	base := cluster.ProviderBlock("") + shopFunction("1", "v1")
	split := func(targets string) string { return base + shopSplit(targets) }
	for name, c := range map[string]struct{ config, attr, err string }{
		"sum not 100": {split(`{
    revision_name = "shop-v1"
    percent       = 90
  }`), "targets", `Percentages do not add up to 100.*add up to 90`},
		"bad tag": {split(`{
    latest_revision = true
    percent         = 100
    tag             = "Canary_1"
  }`), "", `Invalid tag.*not a DNS-1035 label`},
		"duplicate tag": {split(`{
    revision_name = "shop-v1"
    percent       = 50
    tag           = "a"
  },
  {
    latest_revision = true
    percent         = 50
    tag             = "a"
  }`), "", `Duplicate tag.*both have tag "a"`},
		"two latest": {split(`{
    latest_revision = true
    percent         = 50
  },
  {
    latest_revision = true
    percent         = 50
  }`), "", `More than one latest_revision target`},
		"no revision": {split(`{
    percent = 100
  }`), "", `Target names no revision`},
		"both kinds": {split(`{
    revision_name   = "shop-v1"
    latest_revision = true
    percent         = 100
  }`), "", `Target names a revision and the latest revision`},
		"revision of another service": {base + `
resource "faas_traffic_split" "s" {
  function_id = "default/shop"
  targets = [{
    revision_name = "cart-v1"
    percent       = 100
  }]
}
`, "", `Value not allowed on Knative.*"shop-".*cannot be one of its revisions`},
		"function revision without prefix": {cluster.ProviderBlock("") + `
resource "faas_function" "f" {
  name          = "shop"
  image         = "ghcr.io/acme/shop:1"
  revision_name = "v1"
}
`, "revision_name", `Rejected by Knative.s validation.*must have prefix "shop-"`},
	} {
		t.Run(name, func(t *testing.T) {
			check := nothingWritten(t, cluster)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{{Config: c.config, PlanOnly: true, ExpectError: onAttribute(c.attr, c.err)}},
			})
			check()
		})
	}
}

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
	first.destroyOnCleanup()
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
