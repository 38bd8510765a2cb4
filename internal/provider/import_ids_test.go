package provider

import (
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestAccTrigger_malformedImportID: an import id that does not have the platform's
// trigger form is an invalid-id error on id, not "Error reading trigger" (issue 12 item
// 9), on OpenFaaS and Knative, and nothing is written.
func TestAccTrigger_malformedImportID(t *testing.T) {
	for _, platform := range []string{"openfaas", "knative"} {
		t.Run(platform, func(t *testing.T) {
			c := newCLI(t)
			var provider, want string
			var check func()
			if platform == "openfaas" {
				p := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "counts the writes")
				provider, want = providerBlock(p, ""), `is not an OpenFaaS trigger id`
				check = func() {
					if n := len(p.Writes()); n > 0 {
						t.Fatalf("%d writes", n)
					}
				}
			} else {
				cluster := newKnativeCluster(t, k8ssim.Options{})
				check = nothingWritten(t, cluster)
				provider, want = cluster.ProviderBlock(`namespace = "default"`), `is not a Knative trigger id`
			}
			c.writeMain(provider + `
import {
  to = faas_trigger.t
  id = "default/fn/weekly/extra"
}

resource "faas_trigger" "t" {
  function_id = "default/fn"
  type        = "cron"
  schedule    = "@daily"
}
`)
			out, code := c.run("plan", "-no-color")
			if code == 0 || !strings.Contains(out, "Error: Invalid trigger id") || !strings.Contains(out, want) || strings.Contains(out, "Error reading trigger") {
				t.Fatalf("plan exited %d:\n%s", code, out)
			}
			check()
		})
	}
}
