package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// kubeRequestCounts tallies requests as "METHOD kind" with "list" or "get" for reads of
// collections and single objects ("GET list services"), and the path otherwise.
func kubeRequestCounts(reqs []k8ssim.Request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		parts := strings.Split(strings.Trim(r.Path, "/"), "/")
		switch {
		case len(parts) == 6 && parts[3] == "namespaces":
			out[r.Method+" list "+parts[5]]++
		case len(parts) == 7 && parts[3] == "namespaces":
			out[r.Method+" get "+parts[5]]++
		default:
			out[r.Method+" "+r.Path]++
		}
	}
	return out
}

// TestAccKnativeRefresh_noOpPlanIsBounded: refreshing 10 functions with their scaling
// policies and cron triggers (30 resources) on Knative costs one list of Services and one
// of PingSources per provider run, not a read each.
func TestAccKnativeRefresh_noOpPlanIsBounded(t *testing.T) {
	cluster := newKnativeCluster(t, k8ssim.Options{})
	// The requests are counted by a proxy in front of the API server, so that the same
	// count holds on the simulator and on a real cluster.
	fp, block := knativeProxy(t, cluster)
	config := knativeFleet(block)
	var seen []k8ssim.Request
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(cluster),
		Steps: []resource.TestStep{
			{Config: config, Check: checkKnativeFleet(cluster)},
			{PreConfig: fp.ResetRequests, Config: config, PlanOnly: true},
			{
				PreConfig: func() { seen = fp.Requests() },
				Config:    config,
				PlanOnly:  true,
			},
		},
	})
	got := kubeRequestCounts(seen)
	t.Logf("requests of the no-op plans: %v", got)
	perKind := map[string]int{}
	for route, c := range got {
		if strings.HasPrefix(route, "GET get ") || !strings.HasPrefix(route, "GET") {
			t.Errorf("the no-op plan sent %d %s", c, route)
		}
		if strings.HasPrefix(route, "GET list ") {
			perKind[strings.TrimPrefix(route, "GET list ")] += c
		}
	}
	// The testing framework plans twice per step; each plan is a provider run that lists
	// each kind once (plus discovery and /version, which do not grow with N).
	for _, kind := range []string{"services", "pingsources", "revisions"} {
		if perKind[kind] == 0 || perKind[kind] > 2 {
			t.Errorf("the no-op plans listed %s %d times, want once per provider run (1 or 2): %v", kind, perKind[kind], got)
		}
	}
}

// TestAccKnativeRefresh_changesAreSeen: each terraform command is a new provider run,
// so a change made between two commands shows as drift, and data sources read during an
// apply see that apply's own writes.
func TestAccKnativeRefresh_changesAreSeen(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	config := knativeFleet(sim.ProviderBlock(""))
	withData := func(image string) string {
		return strings.Replace(config, `image  = "ghcr.io/acme/fleet:3"`, fmt.Sprintf("image  = %q", image), 1) + `
data "faas_function" "f3" {
  name = faas_function.f3.name
  # Read after the function's update in the same apply.
  depends_on = [faas_function.f3]
}

data "faas_functions" "all" {
  depends_on = [faas_function.f3]
}

output "read_image" {
  value = data.faas_function.f3.image
}

output "listed_image" {
  value = one([for f in data.faas_functions.all.functions : f.image if f.name == "fleet-3"])
}
`
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{Config: withData("ghcr.io/acme/fleet:3")},
			{
				// Out of band between two commands: the next plan sees it.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "fleet-3", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedField(u.Object, []any{map[string]any{"image": "ghcr.io/acme/other:1"}}, "spec", "template", "spec", "containers")
					}); err != nil {
						t.Fatal(err)
					}
					if err := sim.Modify(k8ssim.PingSourcesGVR, "default", "fleet-5-cron", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedField(u.Object, "@daily", "spec", "schedule")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             withData("ghcr.io/acme/fleet:3"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				// The apply updates the function, then reads it through the data sources
				// in the same run: they must see the new image, not the refresh's.
				Config: withData("ghcr.io/acme/fleet:33"),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckOutput("read_image", "ghcr.io/acme/fleet:33"),
					resource.TestCheckOutput("listed_image", "ghcr.io/acme/fleet:33"),
					func(*terraform.State) error {
						u, ok := sim.Get(k8ssim.PingSourcesGVR, "default", "fleet-5-cron")
						if s, _, _ := unstructured.NestedString(u.Object, "spec", "schedule"); !ok || s != "5 * * * *" {
							return fmt.Errorf("the drifted schedule was not put back: %q", s)
						}
						return nil
					},
				),
			},
		},
	})
}
