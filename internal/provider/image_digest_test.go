package provider

import (
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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

// pushRandom pushes a new random image under ref and returns its digest.
func pushRandom(t *testing.T, ref string) string {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// TestAccFunction_resolveImageDigest: with resolve_image_digest, a new image pushed
// under the same tag shows in the plan and the apply rolls it out; a tag that did not
// move plans nothing; a missing tag or an unreachable registry is a plan-time error on
// image. The registry is go-containerregistry's in-memory one on 127.0.0.1.
func TestAccFunction_resolveImageDigest(t *testing.T) {
	// No credentials from this machine's Docker configuration: anonymous access.
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(reg.Close)
	host := reg.Listener.Addr().String()
	image := host + "/acme/fn:1"
	d1 := pushRandom(t, image)

	sim := newKube(t, k8ssim.Options{ReadyAfterPolls: 1})
	cfg := func(image string, resolve bool) string {
		return knativeBlock(sim, `namespace = "default"`) + fmt.Sprintf(`
resource "faas_function" "f" {
  name                 = "moving"
  image                = %q
  resolve_image_digest = %t
}
`, image, resolve)
	}
	running := func(want string) resource.TestCheckFunc {
		return checkServiceImage(sim, "moving", want)
	}
	var d2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg(image, true),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(image)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				},
				Check: running(image + "@" + d1),
			},
			{
				// The tag did not move: nothing to do.
				Config: cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				// A new image under the same tag: the plan shows it, the apply rolls it out.
				PreConfig: func() { d2 = pushRandom(t, image) },
				Config:    cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.NotNull()),
				}},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources["faas_function.f"].Primary.Attributes["image_digest"]; got != d2 || d2 == d1 {
						return fmt.Errorf("image_digest %q, want the new %q (old %q)", got, d2, d1)
					}
					return running(image + "@" + d2)(s)
				},
			},
			{
				Config: cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectEmptyPlan(),
				}},
			},
			{
				ResourceName:            "faas_function.f",
				ImportState:             true,
				ImportStateId:           "default/moving",
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"image", "resolve_image_digest"},
			},
			{
				// Drift: someone deploys another digest of the tag by hand.
				PreConfig: func() {
					if err := sim.Modify(k8ssim.ServicesGVR, "default", "moving", func(u *unstructured.Unstructured) {
						cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
						c0, _ := cs[0].(map[string]any)
						c0["image"] = image + "@" + d1
						_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: cfg(image, true),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error { return running(image + "@" + d2)(s) },
			},
			{
				Config:      cfg(host+"/acme/fn:nope", true),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot resolve the image tag to a digest.*has\s+no\s+image.*HTTP\s+404`),
			},
			{
				Config:      cfg("127.0.0.1:1/acme/fn:1", true),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot resolve the image tag to a digest.*cannot\s+reach\s+registry\s+127\.0\.0\.1:1`),
			},
			{
				// Opting out deploys the bare tag again; Knative resolves it when it creates
				// the new revision (the simulator is told what the registry's tag points
				// to), and image_digest shows what the revision recorded.
				PreConfig: func() { sim.SetImageDigest(image, d2) },
				Config:    cfg(image, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
					plancheck.ExpectUnknownValue("faas_function.f", tfjsonpath.New("image_digest")),
				}},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources["faas_function.f"].Primary.Attributes["image_digest"]; got != d2 {
						return fmt.Errorf("image_digest %q, want the revision's %q", got, d2)
					}
					return running(image)(s)
				},
			},
			{
				// An image pinned by digest reports it without a look-up.
				Config: cfg(image+"@"+d1, false),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				},
				Check: running(image + "@" + d1),
			},
		},
	})
}

// TestAccFunction_resolveImageDigestOpenFaaS is TestAccFunction_resolveImageDigest on
// OpenFaaS: on the real faas-netes Community Edition the deployed `<tag>@<digest>` must
// also pass the gateway's anonymous-image check and read back unchanged. The images are
// pushed to the testbed's registry on a real gateway, to an in-memory one otherwise.
func TestAccFunction_resolveImageDigestOpenFaaS(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro}, anyEdition)
	host := os.Getenv("FAAS_TESTBED_REGISTRY")
	if _, sim := p.Sim(); sim || host == "" {
		reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		t.Cleanup(reg.Close)
		host = reg.Listener.Addr().String()
	}
	name := p.Name("moving")
	image := host + "/acme/" + name + ":1"
	d1 := pushRandom(t, image)
	cfg := func(image string) string {
		return providerBlock(p, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name                 = %q
  image                = %q
  resolve_image_digest = true
}
`, name, image)
	}
	running := func(want string) resource.TestCheckFunc {
		return func(*terraform.State) error {
			fn, ok := p.GetFunction("", name)
			if !ok {
				return fmt.Errorf("function %s is not deployed", name)
			}
			if fn.Image != want {
				return fmt.Errorf("the function runs %q, want %q", fn.Image, want)
			}
			return nil
		}
	}
	var d2 string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(p),
		Steps: []resource.TestStep{
			{
				Config: cfg(image),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image"), knownvalue.StringExact(image)),
					statecheck.ExpectKnownValue("faas_function.f", tfjsonpath.New("image_digest"), knownvalue.StringExact(d1)),
				},
				Check: running(image + "@" + d1),
			},
			{
				PreConfig: func() { d2 = pushRandom(t, image) },
				Config:    cfg(image),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("faas_function.f", plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error { return running(image + "@" + d2)(s) },
			},
			{
				ResourceName:            "faas_function.f",
				ImportState:             true,
				ImportStateId:           ns + "/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"image", "resolve_image_digest"},
			},
			{
				Config:      cfg(host + "/acme/" + name + ":nope"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Cannot resolve the image tag to a digest.*HTTP\s+404`),
			},
		},
	})
}
