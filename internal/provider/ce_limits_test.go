package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// fillCE deploys n functions outside Terraform, as faas-cli would.
func fillCE(p openfaasPlatform, n int) {
	for i := range n {
		p.PutFunction(openfaassim.Function{Service: fmt.Sprintf("other-%02d", i), Namespace: ns, Image: "ghcr.io/acme/other:1"})
	}
}

func limitFunctions(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, `
resource "faas_function" %[1]q {
  name  = %[1]q
  image = "ghcr.io/acme/%[1]s:1"
}
`, n)
	}
	return b.String()
}

// TestAccFunction_communityEditionLimit: the Community Edition runs at most 15
// functions. With 15 deployed, a plan that creates one more warns on the function's
// name, and the apply fails before anything is sent, naming the limit, the edition and
// what to do; once a function is deleted the create goes through. Creates that race
// past the provider's count in one apply get the gateway's refusal, explained the same
// way.
func TestAccFunction_communityEditionLimit(t *testing.T) {
	sim := newSim(t, openfaassim.Options{}, "fills the Community Edition to its limit and reads the request log")
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{
			{
				PreConfig: func() { fillCE(sim, 15); sim.ResetRequests() },
				Config:    providerBlock(sim, "") + limitFunctions("extra"),
				ExpectError: errRe(`Error creating function openfaas-fn/extra.*OpenFaaS faas-netes \(Community Edition\) allows at most 15 functions, ` +
					`and namespace "openfaas-fn" already holds 15 \(other-00, .*other-14\), so creating function openfaas-fn/extra would be refused. ` +
					`Delete functions that are no longer needed, or use OpenFaaS Standard or Enterprise`),
			},
			{
				PreConfig: func() {
					for _, r := range sim.Requests() {
						if r.Method == "POST" {
							t.Errorf("a create over the limit was sent: %v", r)
						}
					}
					sim.DeleteFunction(ns, "other-00")
				},
				Config: providerBlock(sim, "") + limitFunctions("extra"),
				Check: func(*terraform.State) error {
					if _, ok := sim.GetFunction(ns, "extra"); !ok {
						return fmt.Errorf("extra was not created")
					}
					return nil
				},
			},
			{
				// 15 again: two more creates in one apply, whichever order they run in.
				PreConfig: func() { sim.DeleteFunction(ns, "other-01") },
				Config:    providerBlock(sim, "") + limitFunctions("extra", "more-a", "more-b"),
				// The two creates run in parallel: both may pass the driver's count, and
				// the gateway then refuses the second one, which the driver explains
				// (explainCreate) in a sentence of its own.
				ExpectError: errRe(`allows at most 15 functions.*[Dd]elete functions that are no longer needed, or use OpenFaaS Standard or Enterprise`),
			},
			{
				PreConfig: func() {
					if n := len(sim.Functions(ns)); n != 15 {
						t.Errorf("%d functions, want 15", n)
					}
				},
				Config: providerBlock(sim, "") + limitFunctions("extra"),
			},
		},
	})
}

// TestAccFunction_communityEditionLimitPlanWarning: the plan of a create on a full
// Community Edition warns, on the name, and still succeeds (the same apply may delete
// functions first).
func TestAccFunction_communityEditionLimitPlanWarning(t *testing.T) {
	c := newCLI(t)
	sim := newSim(t, openfaassim.Options{}, "fills the Community Edition to its limit")
	fillCE(sim, 15)
	c.writeMain(providerBlock(sim, "") + limitFunctions("extra"))
	out, code := c.run("plan", "-no-color", "-input=false")
	if code != 0 {
		t.Fatalf("plan exited %d:\n%s", code, out)
	}
	want := regexp.MustCompile(`(?s)Warning: Function limit reached.*with faas_function.extra.*name\s+=.*` +
		`allows\s+at\s+most\s+15\s+functions.*unless\s+the\s+same\s+apply\s+deletes\s+functions\s+first`)
	if !want.MatchString(out) {
		t.Fatalf("no warning on the name in:\n%s", out)
	}
	sim.DeleteFunction(ns, "other-00")
	if out, _ := c.run("plan", "-no-color", "-input=false"); strings.Contains(out, "Function limit reached") {
		t.Fatalf("a warning below the limit:\n%s", out)
	}
}

// TestAccFunction_communityEditionPrivateImage: faas-netes CE deploys only images it can
// fetch anonymously. A create of another image fails, naming the image, why and what to
// do; an update to one, which faas-netes answers with an empty 200 and ignores, fails
// the same way instead of being reported as applied; the function keeps its image.
func TestAccFunction_communityEditionPrivateImage(t *testing.T) {
	sim := newSim(t, openfaassim.Options{PublicImages: []string{"ghcr.io/openfaas/"}}, "models the Community Edition's anonymous image check")
	cfg := func(image string) string {
		return providerBlock(sim, "") + fmt.Sprintf(`
resource "faas_function" "f" {
  name  = "img"
  image = %q
}
`, image)
	}
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{
			{
				Config: cfg("registry.example.com/private/app:1"),
				ExpectError: errRe(`Error creating function openfaas-fn/img.*HTTP 400: the Community Edition license agreement only allows public images.*` +
					`request failed for image "registry.example.com/private/app:1".*Use a public image that faas-netes can reach anonymously, or OpenFaaS Standard or Enterprise`),
			},
			{Config: cfg("ghcr.io/openfaas/figlet:latest")},
			{
				Config: cfg("registry.example.com/private/app:2"),
				ExpectError: errRe(`Error updating function openfaas-fn/img.*faas-netes did not apply the update.*` +
					`request failed for image "registry.example.com/private/app:2".*Use a public image`),
			},
			{
				PreConfig: func() {
					if fn, _ := sim.GetFunction(ns, "img"); fn.Image != "ghcr.io/openfaas/figlet:latest" {
						t.Errorf("image %q after a refused update", fn.Image)
					}
				},
				Config: cfg("ghcr.io/openfaas/figlet:latest"),
			},
		},
	})
}
