package provider

import (
	"regexp"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// alreadyExistsRe is the error a create gives for a function it did not make (the
// output may wrap the detail over lines).
var alreadyExistsRe = regexp.MustCompile(`already\s+exists[\s\S]*import\s+it`)

// runTwoStates applies one configuration from two working directories (two states) on
// one platform: the first creates the function; the second must fail with "already
// exists ... import it" and keep nothing in its state, however equal the settings are.
// Destroying the first then leaves no state believing it manages the function, and the
// second directory can create it anew.
func runTwoStates(t *testing.T, block, name, image string, exists func() bool) {
	t.Helper()
	config := block + `
resource "faas_function" "f" {
  name  = "` + name + `"
  image = "` + image + `"
}
`
	first, second := newCLI(t), newCLI(t)
	// On a real cluster nothing may outlive the test, also when it fails half way (the
	// destroys below then find nothing to do).
	first.destroyOnCleanup()
	first.writeMain(config)
	second.writeMain(config)
	if out, code := first.run("apply", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("the first state's apply failed:\n%s", out)
	}
	out, code := second.run("apply", "-auto-approve", "-no-color")
	if code == 0 {
		t.Fatalf("the second state adopted the function the first state manages:\n%s", out)
	}
	if !alreadyExistsRe.MatchString(out) {
		t.Fatalf("the second apply failed without saying that the function already exists and how to import it:\n%s", out)
	}
	if list, _ := second.run("state", "list"); strings.TrimSpace(list) != "" {
		t.Fatalf("the failed apply left resources in the second state: %q", list)
	}
	if out, code := first.run("destroy", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("destroy in the first directory failed:\n%s", out)
	}
	if exists() {
		t.Fatal("the function survived the destroy of the state that manages it")
	}
	// The second state never believed it managed the function: it plans to create it.
	if out, code := second.run("apply", "-auto-approve", "-no-color"); code != 0 || !exists() {
		t.Fatalf("the second directory cannot create the function once it is free (exit %d):\n%s", code, out)
	}
	if out, code := second.run("destroy", "-auto-approve", "-no-color"); code != 0 {
		t.Fatalf("destroy in the second directory failed:\n%s", out)
	}
}

// TestAccOwnership_twoStatesNeverShareAFunction: the same configuration applied from two
// working directories creates the function once; the second apply fails with the
// import hint instead of silently adopting it. The rule and this test are the same on
// both platforms (platform.CreateOnce).
func TestAccOwnership_twoStatesNeverShareAFunction(t *testing.T) {
	t.Run("openfaas", func(t *testing.T) {
		p := newPlatform(t, openfaassim.Options{}, anyBackend, anyEdition)
		name := p.Name("adopt-x")
		// p.Image: a real Community Edition deploys only the testbed registry's images.
		runTwoStates(t, providerBlock(p, ""), name, p.Image("registry.test/echo:1.0"), func() bool {
			_, ok := p.GetFunction(ns, name)
			return ok
		})
	})
	t.Run("knative", func(t *testing.T) {
		sim := newKnativeCluster(t, k8ssim.Options{})
		// A ghcr.io image: the testbed's real Serving resolves the tags of no other registry
		// but its own.
		runTwoStates(t, sim.ProviderBlock(""), "adopt-x", "ghcr.io/acme/echo:1.0", func() bool {
			_, ok := kservice(sim, "adopt-x")
			return ok
		})
	})
}
