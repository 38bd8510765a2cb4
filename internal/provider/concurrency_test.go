package provider

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// repeat is how many times the concurrency test runs: 20 by default (make test), more
// with FAAS_TEST_REPEAT (make test-long).
func repeat() int {
	if n, err := strconv.Atoi(os.Getenv("FAAS_TEST_REPEAT")); err == nil && n > 0 {
		return n
	}
	return 20
}

// TestAccChildren_parallelWritesNeverLoseKeys applies one function with a scaling policy,
// a cron trigger and several topic triggers, all read-modify-writing the same function
// object at Terraform's default -parallelism=10, with latency injected so that the
// writes overlap. Every key must survive, every time.
func TestAccChildren_parallelWritesNeverLoseKeys(t *testing.T) {
	topics := []string{"orders", "payments", "refunds", "audit/events", "emails"}
	var b strings.Builder
	for i, topic := range topics {
		fmt.Fprintf(&b, `
resource "faas_trigger" "t%d" {
  function_id = faas_function.f.id
  type        = "topic"
  topic       = %q
}
`, i, topic)
	}
	for run := 0; run < repeat(); run++ {
		t.Run(fmt.Sprintf("run%02d", run), func(t *testing.T) {
			sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro})
			sim.SetFaults(openfaassim.Faults{Latency: 2 * time.Millisecond, LatencySpikeEvery: 7, LatencySpike: 20 * time.Millisecond})
			cfg := providerBlock(sim, "") + fmt.Sprintf(fnBlock, "busy") + `
resource "faas_scaling_policy" "p" {
  function_id  = faas_function.f.id
  min_replicas = 1
  max_replicas = 10
  metric       = "rps"
  target       = 25
}

resource "faas_trigger" "cron" {
  function_id = faas_function.f.id
  type        = "cron"
  schedule    = "*/15 * * * *"
}
` + b.String()
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(sim),
				Steps: []resource.TestStep{{
					Config: cfg,
					Check: resource.ComposeAggregateTestCheckFunc(
						checkFunc(sim, "busy", wantTopics("cron-function,"+strings.Join(topics, ","), "*/15 * * * *")),
						checkFunc(sim, "busy", wantLabels(map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "10",
							"com.openfaas.scale.type": "rps", "com.openfaas.scale.target": "25"})),
						checkFunc(sim, "busy", func(fn openfaassim.Function) error {
							if fn.EnvVars["MODE"] != "prod" {
								return fmt.Errorf("env lost: %v", fn.EnvVars)
							}
							return nil
						}),
					),
				}},
			})
		})
	}
}
