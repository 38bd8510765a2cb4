package provider

import (
	"fmt"
	"reflect"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// serviceEnv is the user container's env of Knative Service name.
func serviceEnv(sim knativeCluster, name string) ([]any, error) {
	u, ok := kservice(sim, name)
	if !ok {
		return nil, fmt.Errorf("no Knative Service %s", name)
	}
	cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	c, _ := cs[0].(map[string]any)
	env, _ := c["env"].([]any)
	return env, nil
}

func expectEnv(sim knativeCluster, name string, want ...any) func(*terraform.State) error {
	return func(*terraform.State) error {
		env, err := serviceEnv(sim, name)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(env, want) {
			return fmt.Errorf("env = %v\nwant %v", env, want)
		}
		return nil
	}
}

// dbPassword is the env entry DB_PASSWORD taking its value from key of Secret db.
func dbPassword(key string) map[string]any {
	return map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": key}}}
}

// TestAccKnative_envValueFrom: faas_function.env_value_from on Knative (the simulator,
// or the real Serving with FAAS_TEST_KUBECONFIG): create, an
// empty plan, an update, drift made through the Kubernetes API and put back, import,
// and the plan-time errors (a name in env too, a source with no or two references).
func TestAccKnative_envValueFrom(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	base := sim.ProviderBlock("")
	cfg := func(from string) string {
		return base + `
resource "faas_function" "f" {
  name  = "vf"
  image = "ghcr.io/acme/vf:1"
  env   = { MODE = "prod", DSN = "postgres://app:$(DB_PASSWORD)@db" }
  env_value_from = {
` + from + `
  }
}
`
	}
	created := `
    DB_PASSWORD = { secret_key_ref = { name = "db", key = "password" } }
    REGION      = { config_map_key_ref = { name = "site", key = "region", optional = true } }`
	updated := `
    DB_PASSWORD = { secret_key_ref = { name = "db", key = "admin" } }`
	dsn := map[string]any{"name": "DSN", "value": "postgres://app:$(DB_PASSWORD)@db"}
	mode := map[string]any{"name": "MODE", "value": "prod"}
	region := map[string]any{"name": "REGION", "valueFrom": map[string]any{"configMapKeyRef": map[string]any{"name": "site", "key": "region", "optional": true}}}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(created),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env_value_from").AtMapKey("REGION").AtMapKey("config_map_key_ref").AtMapKey("optional"), knownvalue.Bool(true)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env_value_from").AtMapKey("DB_PASSWORD").AtMapKey("config_map_key_ref"), knownvalue.Null()),
				},
				Check: expectEnv(sim, "vf", dbPassword("password"), region, dsn, mode),
			},
			{
				Config:           cfg(created),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: cfg(updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: expectEnv(sim, "vf", dbPassword("admin"), dsn, mode),
			},
			{
				// Someone points DB_PASSWORD at another key: drift, and the apply puts it back.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "vf", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						c, _ := cs[0].(map[string]any)
						env, _ := c["env"].([]any)
						env[0] = dbPassword("root")
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(updated),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("env_value_from").AtMapKey("DB_PASSWORD").AtMapKey("secret_key_ref").AtMapKey("key"), knownvalue.StringExact("admin")),
				}},
				Check: expectEnv(sim, "vf", dbPassword("admin"), dsn, mode),
			},
			{ResourceName: "faas_function.f", ImportState: true, ImportStateId: "default/vf", ImportStateVerify: true,
				ImportStateVerifyIgnore: []string{"timeouts", "wait_for_ready"}},
			{
				Config:      cfg(updated + "\n    MODE = { secret_key_ref = { name = \"db\", key = \"mode\" } }"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`Variable set twice[\s\S]*"MODE" is in both env and env_value_from`),
			},
			{
				Config:      cfg(updated + "\n    BOTH = {\n secret_key_ref = { name = \"db\", key = \"a\" }\n config_map_key_ref = { name = \"site\", key = \"b\" }\n }\n    NONE = {}"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Exactly one source per variable.*BOTH.*Exactly one source per variable.*NONE`),
			},
			// The destroy runs with the last step's configuration, which must be valid.
			{Config: cfg(updated), PlanOnly: true},
		},
	})
}

// TestAccFunction_envValueFromRefusedOnOpenFaaS: OpenFaaS has no environment
// variables taken from a Secret or a ConfigMap; env_value_from is a plan-time error on
// the entry that says what to use instead, and nothing is created.
func TestAccFunction_envValueFromRefusedOnOpenFaaS(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	name := p.Name("vf")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name           = %q
  image          = %q
  env_value_from = { DB_PASSWORD = { secret_key_ref = { name = "db", key = "password" } } }
}
`, name, p.Image("ghcr.io/acme/vf:1")),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)env_value_from\["DB_PASSWORD"\].*literal\s+values\s+only.*mounted\s+as\s+files`),
		}},
	})
	if _, ok := p.GetFunction(ns, name); ok {
		t.Fatal("a function was created")
	}
}

// TestAccFunction_envValueFromRefusedOnOpenFaaSWhileUnknown: the same refusal when the
// entry's Secret name comes from another resource and is unknown at plan time; before,
// the plan skipped every check of a function with an unknown value and the refusal came
// only at apply.
func TestAccFunction_envValueFromRefusedOnOpenFaaSWhileUnknown(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	name := p.Name("vfu")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "terraform_data" "secret_name" {
  input = "db"
}

resource "faas_function" "f" {
  name           = %q
  image          = %q
  env_value_from = { DB_PASSWORD = { secret_key_ref = { name = terraform_data.secret_name.output, key = "password" } } }
}
`, name, p.Image("ghcr.io/acme/vf:1")),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(`(?s)Unsupported on.*env_value_from.*refused\s+even\s+before\s+its\s+values\s+are\s+known`),
		}},
	})
	if _, ok := p.GetFunction(ns, name); ok {
		t.Fatal("a function was created")
	}
}
