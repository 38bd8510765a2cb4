package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

const knativeChildFunction = `
resource "faas_function" "f" {
  name  = "hello"
  image = "ghcr.io/acme/hello:1"
}
`

// checkNoKnativeObjects checks that destroy left none of the given kinds behind.
func checkNoKnativeObjects(sim interface {
	List(schema.GroupVersionResource, string) []*unstructured.Unstructured
}, gvrs ...schema.GroupVersionResource) func(*terraform.State) error {
	return func(s *terraform.State) error {
		for _, gvr := range gvrs {
			if l := sim.List(gvr, "default"); len(l) > 0 {
				return fmt.Errorf("%d %s left after destroy", len(l), gvr.Resource)
			}
		}
		return checkNoServices(sim)(s)
	}
}

func putKnative(t *testing.T, sim interface {
	Put(*unstructured.Unstructured) error
}, apiVersion, kind, ns, name string, spec map[string]any) {
	t.Helper()
	meta := map[string]any{"name": name}
	if ns != "" {
		meta["namespace"] = ns
	}
	obj := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
	if spec != nil {
		obj["spec"] = spec
	}
	if err := sim.Put(&unstructured.Unstructured{Object: obj}); err != nil {
		t.Fatal(err)
	}
}

func objUID(sim interface {
	Get(schema.GroupVersionResource, string, string) (*unstructured.Unstructured, bool)
}, gvr schema.GroupVersionResource, name string) string {
	u, ok := sim.Get(gvr, "default", name)
	if !ok {
		return ""
	}
	return string(u.GetUID())
}

func TestAccKnativeChildren_planErrors(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	base := sim.ProviderBlock("") + knativeChildFunction
	cron := func(attrs string) string {
		return base + `
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  ` + attrs + `
}
`
	}
	route := func(attrs string) string {
		return base + `
resource "faas_route" "r" {
  function_id = "default/hello"
  host        = "api.example.org"
  ` + attrs + `
}
`
	}
	for name, c := range map[string]struct{ config, err string }{
		"every":          {cron(`schedule = "@every 10m"`), `@every[\s\S]*Knative's[\s\S]*PingSource rejects`},
		"bad seconds":    {cron(`schedule = "61 * * * * *"`), `Invalid cron schedule[\s\S]*PingSource dialect`},
		"six fields bad": {cron(`schedule = "* * * *"`), `Invalid cron schedule`},
		"tz prefix":      {cron(`schedule = "CRON_TZ=UTC 0 * * * *"`), `time zone prefix`},
		"bad time zone":  {cron("schedule = \"@daily\"\n  time_zone = \"Mars/Olympus_Mons\""), `Invalid time zone[\s\S]*IANA`},
		"broker on cron": {cron("schedule = \"@daily\"\n  broker = \"default\""), `Unexpected broker`},
		"bad name":       {cron("schedule = \"@daily\"\n  name = \"Not_A_Name\""), `Invalid trigger name`},
		"missing broker": {base + `
resource "faas_trigger" "t" {
  function_id = "default/hello"
  type        = "topic"
  topic       = "com.acme.x"
  broker      = "nope"
}
`, `Broker does not exist[\s\S]*no Knative Eventing Broker "nope" in namespace "default"`},
		"route path":    {route(`path = "/api"`), `Path routing is not supported on Knative[\s\S]*knative/serving#11997`},
		"route methods": {route(`methods = ["GET"]`), `Method routing is not supported on Knative`},
	} {
		t.Run(name, func(t *testing.T) {
			checkNothingWritten := nothingWritten(t, sim)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				Steps:                    []resource.TestStep{{Config: c.config, PlanOnly: true, ExpectError: errRe(c.err)}},
			})
			checkNothingWritten()
		})
	}
}

// nothingWritten returns a check that nothing was written to the cluster since this
// call: on the simulator, its request log holds no write; on a real cluster, the
// namespace default still holds no Knative object the provider makes.
func nothingWritten(t *testing.T, cluster knativeCluster) func() {
	t.Helper()
	if s, ok := cluster.(simCluster); ok {
		s.ResetRequests()
		return func() {
			t.Helper()
			if w := s.Writes(); len(w) > 0 {
				t.Fatalf("a plan-time error wrote to the cluster: %+v", w[0])
			}
		}
	}
	gvrs := []schema.GroupVersionResource{k8ssim.ServicesGVR, k8ssim.PingSourcesGVR, k8ssim.TriggersGVR, k8ssim.DomainMappingsGVR}
	before := map[schema.GroupVersionResource]int{}
	for _, gvr := range gvrs {
		before[gvr] = len(cluster.List(gvr, "default"))
	}
	return func() {
		t.Helper()
		for _, gvr := range gvrs {
			if n := len(cluster.List(gvr, "default")); n != before[gvr] {
				t.Fatalf("a plan-time error wrote to the cluster: %d %s in namespace default, %d before", n, gvr.Resource, before[gvr])
			}
		}
	}
}
