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
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/faasform/terraform-provider-faas/internal/driver/knative"
	"github.com/faasform/terraform-provider-faas/internal/platform"
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

func putBroker(t *testing.T, sim interface {
	Put(*unstructured.Unstructured) error
}, name string) {
	putKnative(t, sim, "eventing.knative.dev/v1", "Broker", "default", name, nil)
}

func putDomainClaim(t *testing.T, sim interface {
	Put(*unstructured.Unstructured) error
}, host string) {
	putKnative(t, sim, "networking.internal.knative.dev/v1alpha1", "ClusterDomainClaim", "", host, map[string]any{"namespace": "default"})
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

func TestAccKnativeTrigger_cron(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	cfg := func(trigger string) string { return sim.ProviderBlock("") + knativeChildFunction + trigger }
	cron := func(schedule, tz, extra string) string {
		return cfg(fmt.Sprintf(`
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = %q
  time_zone   = %q
  payload     = jsonencode({ report = "daily" })
  %s
}
`, schedule, tz, extra))
	}
	pingSpec := func(field string) string {
		u, ok := sim.Get(k8ssim.PingSourcesGVR, "default", "hello-cron")
		if !ok {
			return "<missing>"
		}
		v, _, _ := unstructured.NestedString(u.Object, "spec", field)
		return v
	}
	var uidBeforeTaint string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoKnativeObjects(sim, k8ssim.PingSourcesGVR),
		Steps: []resource.TestStep{
			{
				Config: cron("*/5 * * * *", "Europe/Paris", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("id"), knownvalue.StringExact("default/hello-cron")),
					statecheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("name"), knownvalue.StringExact("hello-cron")),
					statecheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("broker"), knownvalue.Null()),
				},
				Check: func(*terraform.State) error {
					u, ok := sim.Get(k8ssim.PingSourcesGVR, "default", "hello-cron")
					if !ok {
						return fmt.Errorf("no PingSource")
					}
					ref, _, _ := unstructured.NestedStringMap(u.Object, "spec", "sink", "ref")
					if pingSpec("schedule") != "*/5 * * * *" || pingSpec("timezone") != "Europe/Paris" || pingSpec("data") != `{"report":"daily"}` ||
						ref["kind"] != "Service" || ref["name"] != "hello" || ref["apiVersion"] != "serving.knative.dev/v1" {
						return fmt.Errorf("PingSource spec %v", u.Object["spec"])
					}
					return nil
				},
			},
			{
				// Update in place: a schedule with a seconds field and another time zone.
				Config: cron("0 30 9 * * 1-5", "America/New_York", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("name"), knownvalue.StringExact("hello-cron")),
				}},
				Check: func(*terraform.State) error {
					if pingSpec("schedule") != "0 30 9 * * 1-5" || pingSpec("timezone") != "America/New_York" {
						return fmt.Errorf("schedule %q timezone %q", pingSpec("schedule"), pingSpec("timezone"))
					}
					return nil
				},
			},
			{ResourceName: "faas_trigger.t", ImportState: true, ImportStateId: "default/hello-cron", ImportStateVerify: true},
			{
				// Drift: the schedule and the time zone changed with kubectl.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.PingSourcesGVR, "default", "hello-cron", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedField(u.Object, "* * * * *", "spec", "schedule")
						unstructured.RemoveNestedField(u.Object, "spec", "timezone")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cron("0 30 9 * * 1-5", "America/New_York", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionUpdate),
				}},
				Check: func(*terraform.State) error {
					if pingSpec("schedule") != "0 30 9 * * 1-5" || pingSpec("timezone") != "America/New_York" {
						return fmt.Errorf("drift not corrected: schedule %q timezone %q", pingSpec("schedule"), pingSpec("timezone"))
					}
					return nil
				},
			},
			{
				// Out-of-band delete: the trigger is created again.
				PreConfig: func() { sim.Delete(k8ssim.PingSourcesGVR, "default", "hello-cron") },
				Config:    cron("0 30 9 * * 1-5", "America/New_York", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					uidBeforeTaint = objUID(sim, k8ssim.PingSourcesGVR, "hello-cron")
					if uidBeforeTaint == "" {
						return fmt.Errorf("PingSource not re-created")
					}
					return nil
				},
			},
			{
				// Replacing the function replaces (re-applies) its trigger in the same apply.
				Taint:  []string{"faas_function.f"},
				Config: cron("0 30 9 * * 1-5", "America/New_York", ""),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					uid := objUID(sim, k8ssim.PingSourcesGVR, "hello-cron")
					if uid == "" || uid == uidBeforeTaint {
						return fmt.Errorf("the PingSource was not re-applied with the function (uid %q, before %q)", uid, uidBeforeTaint)
					}
					return nil
				},
			},
			{
				// A name given explicitly replaces the object.
				Config: cron("@daily", "UTC", `name = "nightly-report"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("id"), knownvalue.StringExact("default/nightly-report")),
				},
				Check: func(*terraform.State) error {
					if _, ok := sim.Get(k8ssim.PingSourcesGVR, "default", "hello-cron"); ok {
						return fmt.Errorf("old PingSource left behind")
					}
					if _, ok := sim.Get(k8ssim.PingSourcesGVR, "default", "nightly-report"); !ok {
						return fmt.Errorf("no PingSource nightly-report")
					}
					return nil
				},
			},
		},
	})
}

func TestAccKnativeTrigger_topic(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	putBroker(t, sim, "default")
	putBroker(t, sim, "audit")
	topic := func(topic, broker string) string {
		b := ""
		if broker != "" {
			b = fmt.Sprintf("broker = %q", broker)
		}
		return sim.ProviderBlock("") + knativeChildFunction + fmt.Sprintf(`
resource "faas_trigger" "t" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = %q
  %s
}
`, topic, b)
	}
	trig := func(name string) map[string]any {
		u, ok := sim.Get(k8ssim.TriggersGVR, "default", name)
		if !ok {
			return nil
		}
		return u.Object
	}
	var uidBeforeTaint string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoKnativeObjects(sim, k8ssim.TriggersGVR),
		Steps: []resource.TestStep{
			{
				Config: topic("com.acme.order.created", ""),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("id"), knownvalue.StringExact("default/hello-com-acme-order-created")),
					statecheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("broker"), knownvalue.StringExact("default")),
				},
				Check: func(*terraform.State) error {
					o := trig("hello-com-acme-order-created")
					typ, _, _ := unstructured.NestedString(o, "spec", "filter", "attributes", "type")
					broker, _, _ := unstructured.NestedString(o, "spec", "broker")
					sub, _, _ := unstructured.NestedString(o, "spec", "subscriber", "ref", "name")
					if typ != "com.acme.order.created" || broker != "default" || sub != "hello" {
						return fmt.Errorf("Trigger spec %v", o["spec"])
					}
					return nil
				},
			},
			{ResourceName: "faas_trigger.t", ImportState: true, ImportStateId: "default/hello-com-acme-order-created", ImportStateVerify: true},
			{
				// The broker is immutable: changing it replaces the Trigger.
				Config: topic("com.acme.order.created", "audit"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					broker, _, _ := unstructured.NestedString(trig("hello-com-acme-order-created"), "spec", "broker")
					if broker != "audit" {
						return fmt.Errorf("broker %q", broker)
					}
					return nil
				},
			},
			{
				// Drift: the filter changed with kubectl; the topic is read back, so the plan replaces it.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.TriggersGVR, "default", "hello-com-acme-order-created", func(u *unstructured.Unstructured) {
						_ = unstructured.SetNestedField(u.Object, "com.acme.other", "spec", "filter", "attributes", "type")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             topic("com.acme.order.created", "audit"),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
			{
				Config: topic("com.acme.order.created", "audit"),
				Check: func(*terraform.State) error {
					typ, _, _ := unstructured.NestedString(trig("hello-com-acme-order-created"), "spec", "filter", "attributes", "type")
					if typ != "com.acme.order.created" {
						return fmt.Errorf("drift not corrected: type %q", typ)
					}
					return nil
				},
			},
			{
				// A new topic is a new Trigger.
				Config: topic("com.acme.order.paid", "audit"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionDestroyBeforeCreate),
					plancheck.ExpectKnownValue("faas_trigger.t", tfjsonpath.New("name"), knownvalue.StringExact("hello-com-acme-order-paid")),
				}},
			},
			{
				PreConfig: func() { sim.Delete(k8ssim.TriggersGVR, "default", "hello-com-acme-order-paid") },
				Config:    topic("com.acme.order.paid", "audit"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionCreate),
				}},
				Check: func(*terraform.State) error {
					uidBeforeTaint = objUID(sim, k8ssim.TriggersGVR, "hello-com-acme-order-paid")
					return nil
				},
			},
			{
				Taint:  []string{"faas_function.f"},
				Config: topic("com.acme.order.paid", "audit"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_trigger.t", plancheck.ResourceActionDestroyBeforeCreate),
				}},
				Check: func(*terraform.State) error {
					if uid := objUID(sim, k8ssim.TriggersGVR, "hello-com-acme-order-paid"); uid == "" || uid == uidBeforeTaint {
						return fmt.Errorf("the Trigger was not re-applied with the function (uid %q, before %q)", uid, uidBeforeTaint)
					}
					return nil
				},
			},
		},
	})
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

// The plan-time schedule and time zone checks of a cron trigger on Knative agree with
// the PingSource webhook (Knative Eventing's own validation: knative.dev/eventing is not
// on the Go module proxy, so the driver re-states its rule and this test holds the two
// together) on the testbed's real eventing-webhook. Two differences are deliberate and
// listed.
func TestAccKnativeTrigger_scheduleRulesAgreeWithWebhook(t *testing.T) {
	if !knativeRealMode() {
		t.Skip("needs the real Knative Eventing webhook (scripts/testacc-knative-real.sh): the simulator's rule is a copy of the driver's, and its Put bypasses it")
	}
	cluster := newKnativeCluster(t, k8ssim.Options{})
	for i, c := range []struct {
		schedule, timeZone string
		// deliberate: the webhook admits it, the provider refuses it, and why.
		deliberate string
	}{
		{schedule: "*/5 * * * *"},
		{schedule: "0 30 9 * * 1-5", timeZone: "America/New_York"},
		{schedule: "@daily", timeZone: "UTC"},
		{schedule: "@hourly"},
		{schedule: "0 22 * * SUN"},
		{schedule: "0 0 31 2 *"},
		{schedule: "@every 10m"},
		{schedule: "61 * * * * *"},
		{schedule: "* * * *"},
		{schedule: "* * * * * * *"},
		{schedule: "0 25 * * *"},
		{schedule: "*/5 * * * *", timeZone: "Mars/Olympus_Mons"},
		{schedule: "CRON_TZ=UTC 0 * * * *", deliberate: "the time zone belongs in time_zone (spec.timezone), where a plan shows it"},
		{schedule: "", deliberate: "Knative turns an empty schedule into every minute"},
	} {
		name := fmt.Sprintf("agree-%d", i)
		t.Run(fmt.Sprintf("%q in %q", c.schedule, c.timeZone), func(t *testing.T) {
			providerErr := knative.ValidatePingSchedule(c.schedule)
			if c.timeZone != "" && providerErr == nil {
				providerErr = platform.ValidateTimeZone(c.timeZone)
			}
			spec := map[string]any{"schedule": c.schedule, "sink": map[string]any{"uri": "http://example.com/"}}
			if c.timeZone != "" {
				spec["timezone"] = c.timeZone
			}
			webhookErr := cluster.Put(&unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
				"metadata": map[string]any{"name": name, "namespace": "default"}, "spec": spec,
			}})
			if webhookErr == nil {
				cluster.Delete(k8ssim.PingSourcesGVR, "default", name)
			}
			switch {
			case c.deliberate != "":
				if providerErr == nil || webhookErr != nil {
					t.Errorf("deliberate difference gone (%s): provider %v, webhook %v", c.deliberate, providerErr, webhookErr)
				}
			case (providerErr == nil) != (webhookErr == nil):
				t.Errorf("provider and webhook disagree: provider %v, webhook %v", providerErr, webhookErr)
			default:
				t.Logf("both %s (provider %v; webhook %v)", map[bool]string{true: "admit", false: "refuse"}[webhookErr == nil], providerErr, webhookErr)
			}
		})
	}
}
