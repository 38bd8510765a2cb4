package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/openfaastest"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestRun removes the prefixed leftovers from a gateway configured through the
// environment, and nothing else; a dry run removes nothing.
func TestRun(t *testing.T) {
	sim := openfaassim.New(openfaassim.Options{Username: "admin", Password: "pw-not-printed", Spec: conformance.OpenFaaSSpec(t)})
	conformance.Enforce(t, sim)
	url := sim.Start()
	t.Cleanup(sim.Close)
	sim.PutFunction(openfaassim.Function{Service: "tfacc-abc123-4-hello", Image: "img"})
	sim.PutFunction(openfaassim.Function{Service: "production", Image: "img"})
	sim.PutSecret("", "tfacc-abc123-4-key", "v")
	t.Setenv(openfaastest.EnvURL, url)
	t.Setenv(openfaastest.EnvUsername, "admin")
	t.Setenv(openfaastest.EnvPassword, "pw-not-printed")

	var out bytes.Buffer
	if err := run([]string{"-dry-run"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "would remove function openfaas-fn/tfacc-abc123-4-hello") || len(sim.Functions("")) != 2 {
		t.Fatalf("dry run:\n%s", out.String())
	}
	out.Reset()
	if err := run([]string{"-prefix", "tfacc-abc123-"}, &out); err != nil {
		t.Fatal(err)
	}
	if fns := sim.Functions(""); len(fns) != 1 || fns[0].Service != "production" {
		t.Fatalf("left %+v\n%s", fns, out.String())
	}
	if _, ok := sim.SecretValue("", "tfacc-abc123-4-key"); ok {
		t.Fatal("the secret was not removed")
	}
	if !strings.Contains(out.String(), "removed 1 functions and 1 secrets") || strings.Contains(out.String(), "pw-not-printed") {
		t.Fatalf("output:\n%s", out.String())
	}
	if err := run([]string{"-prefix", "prod"}, &out); err == nil {
		t.Fatal("a prefix that is not tfacc- was accepted")
	}
	t.Setenv(openfaastest.EnvURL, "")
	if err := run(nil, &out); err == nil || !strings.Contains(err.Error(), "is not set") {
		t.Fatalf("without a URL: %v", err)
	}
}
