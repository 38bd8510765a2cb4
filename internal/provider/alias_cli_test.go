package provider

import (
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// aliasedConfig declares f through the default provider block and two data sources
// reading it through an aliased block b on the same platform: "early" before f's update
// in the apply, "late" after it. Terraform runs each block in its own provider process,
// so b's process cannot see f's write in its read cache.
func aliasedConfig(block, image string) string {
	aliased := strings.Replace(block, `provider "faas" {`, "provider \"faas\" {\n  alias = \"b\"", 1)
	return block + aliased + `
resource "terraform_data" "gate" {
  triggers_replace = "` + image + `"
}

data "faas_function" "early" {
  provider   = faas.b
  name       = "aliased"
  depends_on = [terraform_data.gate]
}

resource "faas_function" "f" {
  name       = "aliased"
  image      = "` + image + `"
  depends_on = [data.faas_function.early]
}

data "faas_function" "late" {
  provider   = faas.b
  name       = "aliased"
  depends_on = [faas_function.f]
}

data "faas_functions" "late" {
  provider   = faas.b
  depends_on = [faas_function.f]
}

output "late_image" {
  value = data.faas_function.late.image
}

output "listed_image" {
  value = one([for f in data.faas_functions.late.functions : f.image if f.name == "aliased"])
}
`
}

// runAliased applies the configuration with the real terraform and the provider binary
// (so that each provider block is a process of its own), first to create the function,
// then to update it, and checks that data sources of the aliased block read after the
// update see it.
func runAliased(t *testing.T, c *cli, block, image1, image2 string) {
	t.Helper()
	// On a real cluster nothing may outlive the test, also when it fails half way.
	c.destroyOnCleanup()
	c.writeMain(block + `
resource "faas_function" "f" {
  name  = "aliased"
  image = "` + image1 + `"
}
`)
	if out, code := c.run("apply", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("create failed:\n%s", out)
	}
	c.writeMain(aliasedConfig(block, image2))
	out, code := c.run("apply", "-auto-approve", "-no-color")
	if code != 0 {
		t.Fatalf("apply failed:\n%s", out)
	}
	for _, o := range []string{"late_image", "listed_image"} {
		got, _ := c.run("output", "-raw", o)
		if got != image2 {
			t.Errorf("%s = %q: a data source of another provider block read after the update saw %q, want %q", o, got, got, image2)
		}
	}
	if out, code := c.run("destroy", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("destroy failed:\n%s", out)
	}
}

// TestAccRefresh_aliasedBlocksSeeEachOthersWrites: a data source read through one
// provider block after a write through another block on the same platform sees the
// write, although the two blocks run in separate processes with separate read caches.
func TestAccRefresh_aliasedBlocksSeeEachOthersWrites(t *testing.T) {
	t.Run("openfaas", func(t *testing.T) {
		c := newCLI(t)
		sim := newSim(t, openfaassim.Options{}, "the real binary runs each provider block in its own process against the simulator")
		runAliased(t, c, providerBlock(sim, ""), "ghcr.io/acme/aliased:1", "ghcr.io/acme/aliased:2")
	})
	t.Run("knative", func(t *testing.T) {
		c := newCLI(t)
		cluster := newKnativeCluster(t, k8ssim.Options{})
		runAliased(t, c, cluster.ProviderBlock(""), "ghcr.io/acme/aliased:1", "ghcr.io/acme/aliased:2")
	})
}
