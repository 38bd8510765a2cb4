package provider

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// registryDigest is the digest the registry's tag points to now.
func registryDigest(t *testing.T, image string) string {
	t.Helper()
	ref, err := name.ParseReference(image)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(ref)
	if err != nil {
		t.Fatalf("%s: %v", image, err)
	}
	return desc.Digest.String()
}

// TestAccKnative_imageDigestOfBareTag: a function that runs a bare tag shows in
// image_digest the digest Knative resolved the tag to (the Revision's
// status.containerStatuses), the registry's; the plan leaves it unknown for a change
// that makes a new revision (which resolves the tag again) and keeps it for one that
// does not, so the plan after each apply is empty. A new image pushed under the same
// tag then shows in the plan with resolve_image_digest and rolls out.
//
// On the real Knative of the testbed the image is on the testbed's registry
// (FAAS_TESTBED_REGISTRY, 127.0.0.1 inside the testbed's network namespace, which
// Serving does not skip), and the real revision reconciler resolves the tag; on the
// simulator it is on an in-memory registry, and the simulator is told what the tag
// points to.
func TestAccKnative_imageDigestOfBareTag(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	c := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	host := os.Getenv("FAAS_TESTBED_REGISTRY")
	if !c.Real() || host == "" {
		if c.Real() {
			t.Skip("FAAS_TESTBED_REGISTRY is not set: the testbed's registry is needed for the real Serving to resolve a tag")
		}
		reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		t.Cleanup(reg.Close)
		host = reg.Listener.Addr().String()
		pushRandom(t, host+"/acme/orders:1.4.2")
	}
	image := host + "/acme/orders:1.4.2"
	// The simulator resolves tags from what it is told, as the real one asks the registry.
	mirror := func() string {
		d := registryDigest(t, image)
		if sc, ok := c.(simCluster); ok {
			sc.SetImageDigest(image, d)
		}
		return d
	}
	d1 := mirror()
	cfg := func(env, team string, resolve bool) string {
		return c.ProviderBlock(`namespace = "default"`) + fmt.Sprintf(`
resource "faas_function" "f" {
  name                 = "orders"
  image                = %q
  env                  = { STAGE = %q }
  labels               = { team = %q }
  resolve_image_digest = %t
}
`, image, env, team, resolve)
	}
	digest := func(want *string) resource.TestCheckFunc {
		return func(s *terraform.State) error {
			if got := s.RootModule().Resources["faas_function.f"].Primary.Attributes["image_digest"]; got != *want {
				return fmt.Errorf("image_digest %q, want %q", got, *want)
			}
			return nil
		}
	}
	running := func(want string) resource.TestCheckFunc {
		return checkServiceImage(c, "orders", want)
	}
	var d2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(c),
		Steps: []resource.TestStep{
			{
				// Created: known after apply, then the registry's digest.
				Config: cfg("a", "x", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(image)),
				},
				Check: resource.ComposeTestCheckFunc(digest(&d1), running(image)),
			},
			{
				// Nothing changed: an empty plan.
				Config: cfg("a", "x", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A label of the Service is not in the revision template: no new revision,
				// the digest stays known in the plan.
				Config: cfg("a", "y", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				}},
				Check: digest(&d1),
			},
			{
				// An env change makes a new revision, which resolves the tag again.
				Config: cfg("b", "y", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				Check: digest(&d1),
			},
			{
				// A new image under the same tag, with resolve_image_digest: the plan shows
				// the new digest and the apply deploys it.
				PreConfig: func() {
					d2 = pushRandom(t, image)
					if got := mirror(); got != d2 || d2 == d1 {
						t.Fatalf("the registry's tag points to %s after pushing %s (before: %s)", got, d2, d1)
					}
				},
				Config: cfg("b", "y", true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.NotNull()),
				}},
				Check: func(s *terraform.State) error {
					if err := digest(&d2)(s); err != nil {
						return err
					}
					return running(image + "@" + d2)(s)
				},
			},
			{
				// Back to the bare tag: a new revision, which resolves the moved tag.
				Config: cfg("b", "y", false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				Check: resource.ComposeTestCheckFunc(digest(&d2), running(image)),
			},
			{
				// The data source reads the same digest.
				Config: cfg("b", "y", false) + `
data "faas_function" "f" {
  name = faas_function.f.name
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.faas_function.f", tfjsonpath.New("image_digest"), knownvalue.NotNull()),
				},
				Check: resource.TestCheckResourceAttrPair("data.faas_function.f", "image_digest", "faas_function.f", "image_digest"),
			},
		},
	})
}
