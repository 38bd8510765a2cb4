package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccDataSources reads a function created outside Terraform, a managed one, a
// filtered list and the platform. On a real gateway it runs whatever the backend and
// edition, and expects what the gateway is.
func TestAccDataSources(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro}, anyBackend, anyEdition)
	outside, other, managed := p.Name("outside"), p.Name("other"), p.Name("managed")
	// The label value is the test's own, so that a real gateway's other functions never match.
	web, data := p.Name("web"), p.Name("data")
	outsideImage, managedImage := p.Image("ghcr.io/acme/outside:2"), p.Image("ghcr.io/acme/managed:1")
	// Created outside Terraform, without the provider's record: env cannot be read on faas-netes.
	p.PutFunction(openfaassim.Function{Service: outside, Namespace: ns, Image: outsideImage,
		EnvProcess: "node index.js", EnvVars: map[string]string{"A": "1"}, Labels: map[string]string{"team": web},
		Limits: &openfaassim.FunctionResources{Memory: "64Mi"}})
	p.PutFunction(openfaassim.Function{Service: other, Namespace: ns, Image: p.AltImage("ghcr.io/acme/other:1"), Labels: map[string]string{"team": data}})
	envChecks := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("env"), knownvalue.Null()),
		statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("unreadable").AtSliceIndex(0), knownvalue.StringExact("env")),
	}
	if p.Backend() == openfaassim.Faasd {
		// faasd returns the environment.
		envChecks = []statecheck.StateCheck{
			statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("env"), knownvalue.MapExact(map[string]knownvalue.Check{"A": knownvalue.StringExact("1")})),
		}
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy: func(*terraform.State) error {
			if _, ok := p.GetFunction(ns, managed); ok {
				return fmt.Errorf("managed function left after destroy")
			}
			return nil
		},
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "managed" {
  name   = %[1]q
  image  = %[2]q
  env    = { MODE = "prod" }
  labels = { team = %[3]q }
}

data "faas_function" "outside" {
  name = %[4]q
}

data "faas_function" "managed" {
  name       = faas_function.managed.name
  depends_on = [faas_function.managed]
}

data "faas_functions" "web" {
  labels     = { team = %[3]q }
  depends_on = [faas_function.managed]
}

data "faas_platform" "this" {}
`, managed, managedImage, web, outside),
			ConfigStateChecks: append(append([]statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("image"), knownvalue.StringExact(outsideImage)),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("command"), knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("node"), knownvalue.StringExact("index.js")})),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("limits").AtMapKey("memory"), knownvalue.StringExact("64Mi")),
				statecheck.ExpectKnownValue("data.faas_function.outside", tfjsonpath.New("ready"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("env").AtMapKey("MODE"), knownvalue.StringExact("prod")),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("id"), knownvalue.StringExact(ns+"/"+managed)),
				// OpenFaaS functions have no revisions, and a bare tag reports no digest.
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("revision_name"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("latest_ready_revision"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("latest_created_revision"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("image_digest"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_function.managed", tfjsonpath.New("env_value_from"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_functions.web", tfjsonpath.New("functions"), knownvalue.ListExact([]knownvalue.Check{
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(managed)}),
					knownvalue.ObjectPartial(map[string]knownvalue.Check{"name": knownvalue.StringExact(outside)}),
				})),
			}, envChecks...), platformChecks(p)...),
		}},
	})
	// The function created outside Terraform is still there after destroy.
	if _, ok := p.GetFunction(ns, outside); !ok {
		t.Fatal("a data source destroyed a function")
	}
	p.DeleteFunction(ns, outside)
	p.DeleteFunction(ns, other)
}

// TestAccDataSources_missingFunction: reading a function that does not exist is an
// error that names it.
func TestAccDataSources_missingFunction(t *testing.T) {
	p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
	missing := p.Name("does-not-exist")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(p, "") + fmt.Sprintf(`
data "faas_function" "missing" {
  name = %q
}
`, missing),
			ExpectError: errRe(`Function not found.*` + ns + `/` + missing + ` does not exist`),
		}},
	})
}

// TestAccDataSources_knativeRevisions: on Knative, data.faas_function reports the
// revision the function pins, the newest created and ready revisions, the digest of an
// image reference that pins one, and env_value_from; a function that Knative names the revisions of
// and that runs a bare tag reads null revision_name, and as image_digest the digest its
// revision resolved the tag to.
func TestAccDataSources_knativeRevisions(t *testing.T) {
	const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	cluster := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	named, mirror := taggedImage(t, cluster, "acme/orders:1.4.2")
	resolved := mirror()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(cluster),
		Steps: []resource.TestStep{{
			Config: cluster.ProviderBlock(`namespace = "default"`) + `
resource "faas_function" "pinned" {
  name          = "pinned"
  image         = "ghcr.io/acme/pinned@` + digest + `"
  revision_name = "pinned-v1"
  env_value_from = {
    DB_PASSWORD = { secret_key_ref = { name = "db", key = "password" } }
  }
}

resource "faas_function" "named" {
  name  = "named"
  image = "` + named + `"
}

data "faas_function" "pinned" {
  name       = faas_function.pinned.name
  depends_on = [faas_function.pinned]
}

data "faas_function" "named" {
  name       = faas_function.named.name
  depends_on = [faas_function.named]
}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.faas_function.pinned", tfjsonpath.New("revision_name"), knownvalue.StringExact("pinned-v1")),
				statecheck.ExpectKnownValue("data.faas_function.pinned", tfjsonpath.New("latest_ready_revision"), knownvalue.StringExact("pinned-v1")),
				statecheck.ExpectKnownValue("data.faas_function.pinned", tfjsonpath.New("latest_created_revision"), knownvalue.StringExact("pinned-v1")),
				statecheck.ExpectKnownValue("data.faas_function.pinned", tfjsonpath.New("image_digest"), knownvalue.StringExact(digest)),
				statecheck.ExpectKnownValue("data.faas_function.named", tfjsonpath.New("revision_name"), knownvalue.Null()),
				statecheck.ExpectKnownValue("data.faas_function.named", tfjsonpath.New("latest_ready_revision"), knownvalue.StringExact("named-00001")),
				statecheck.ExpectKnownValue("data.faas_function.named", tfjsonpath.New("latest_created_revision"), knownvalue.StringExact("named-00001")),
				statecheck.ExpectKnownValue("data.faas_function.named", tfjsonpath.New("image_digest"), knownvalue.StringExact(resolved)),
				statecheck.ExpectKnownValue("data.faas_function.pinned", tfjsonpath.New("env_value_from").AtMapKey("DB_PASSWORD").AtMapKey("secret_key_ref").AtMapKey("key"), knownvalue.StringExact("password")),
				statecheck.ExpectKnownValue("data.faas_function.named", tfjsonpath.New("env_value_from"), knownvalue.Null()),
			},
		}},
	})
}

func TestAccKnative_dataSourcesAndErrors(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{})
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "seen"
  image = "ghcr.io/acme/seen:1"
  labels = { team = "web" }
}

data "faas_platform" "this" {}

data "faas_functions" "web" {
  labels     = { team = "web" }
  depends_on = [faas_function.f]
}

data "faas_function" "seen" {
  name       = "seen"
  depends_on = [faas_function.f]
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.faas_platform.this", tfjsonpath.New("platform"), knownvalue.StringExact("knative")),
					statecheck.ExpectKnownValue("data.faas_functions.web", tfjsonpath.New("functions"), knownvalue.ListSizeExact(1)),
					statecheck.ExpectKnownValue("data.faas_function.seen", tfjsonpath.New("invoke_url"), knownvalue.StringExact("http://seen.default.example.com")),
				},
			},
		},
	})
}
