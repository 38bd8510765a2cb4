package provider

import (
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestAccKnative_revisionNameWithScalingPolicyCLI shows, with the real terraform binary,
// the diagnostics the in-process harness cannot assert: the plan of a policy on a
// function that pins revision_name warns on function_id (a warning, since the same apply
// may remove revision_name), the apply then fails on the policy, and destroying a policy
// of a pinned function leaves its keys with a warning instead of failing. It runs on the
// simulator and on the real Knative.
func TestAccKnative_revisionNameWithScalingPolicyCLI(t *testing.T) {
	sim := newKnativeCluster(t, k8ssim.Options{ReadyAfterPolls: 1})
	c := newCLI(t)
	c.destroyOnCleanup()
	fn := func(rev string) string {
		line := ""
		if rev != "" {
			line = `revision_name = "` + rev + `"`
		}
		return sim.ProviderBlock("") + `
resource "faas_function" "f" {
  name  = "pincli"
  image = "ghcr.io/acme/pincli:1"
  ` + line + `
}
`
	}
	const policy = `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  max_replicas = 3
}
`
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	must := func(out string, code, want int, what string, texts ...string) {
		t.Helper()
		if code != want {
			t.Fatalf("%s: exit %d, want %d:\n%s", what, code, want, out)
		}
		for _, text := range texts {
			if !strings.Contains(flat(out), text) {
				t.Fatalf("%s does not say %q:\n%s", what, text, out)
			}
		}
	}
	c.writeMain(fn("pincli-v1"))
	out, code := c.run("apply", "-auto-approve", "-no-color")
	must(out, code, 0, "the first apply")

	c.writeMain(fn("pincli-v1") + policy)
	out, code = c.run("plan", "-no-color")
	must(out, code, 0, "the plan", "Warning: Function pins its revision name", `(faas_function.revision_name = "pincli-v1")`,
		"unless an earlier change of the same apply removes the function's revision_name")
	out, code = c.run("apply", "-auto-approve", "-no-color")
	must(out, code, 1, "the apply", "Error: Error writing the scaling policy of function default/pincli", "Nothing was written")

	// Written while unpinned, then pinned: the policy's destroy leaves its keys.
	c.writeMain(fn("") + policy)
	out, code = c.run("apply", "-auto-approve", "-no-color")
	must(out, code, 0, "the unpinned apply")
	c.writeMain(fn("pincli-v2") + policy)
	out, code = c.run("apply", "-auto-approve", "-no-color")
	must(out, code, 0, "pinning again")
	c.writeMain(fn("pincli-v2"))
	out, code = c.run("apply", "-auto-approve", "-no-color")
	must(out, code, 0, "removing the policy", "its keys remain on the function", `template annotation "autoscaling.knative.dev/max-scale"`,
		"Once the function no longer sets faas_function.revision_name")
	out, code = c.run("destroy", "-auto-approve", "-no-color")
	must(out, code, 0, "the destroy")
	if _, ok := kservice(sim, "pincli"); ok {
		t.Fatal("the Service is left after destroy")
	}
}
