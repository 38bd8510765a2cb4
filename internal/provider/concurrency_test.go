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
// with FAAS_TEST_REPEAT (make test-long); once by default on a real gateway, where each
// run deploys a function.
func repeat() int {
	if n, err := strconv.Atoi(os.Getenv("FAAS_TEST_REPEAT")); err == nil && n > 0 {
		return n
	}
	if realMode() {
		return 1
	}
	return 20
}

// TestAccChildren_parallelWritesNeverLoseKeys applies one function with a scaling policy,
// a cron trigger and several topic triggers, all read-modify-writing the same function
// object at Terraform's default -parallelism=10, with latency injected on the simulator
// so that the writes overlap. Every key must survive, every time.
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
			p := newPlatform(t, openfaassim.Options{Edition: openfaassim.Pro})
			if sim, ok := p.Sim(); ok {
				sim.SetFaults(openfaassim.Faults{Latency: 2 * time.Millisecond, LatencySpikeEvery: 7, LatencySpike: 20 * time.Millisecond})
			}
			busy := p.Name("busy")
			cfg := providerBlock(p, "") + fnBlock(p, busy) + `
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
				CheckDestroy:             checkNoFunctions(p),
				Steps: []resource.TestStep{{
					Config: cfg,
					Check: resource.ComposeAggregateTestCheckFunc(
						checkFunc(p, busy, wantTopics("cron-function,"+strings.Join(topics, ","), "*/15 * * * *")),
						checkFunc(p, busy, wantLabels(map[string]string{"com.openfaas.scale.min": "1", "com.openfaas.scale.max": "10",
							"com.openfaas.scale.type": "rps", "com.openfaas.scale.target": "25"})),
						checkFunc(p, busy, func(fn openfaassim.Function) error {
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
