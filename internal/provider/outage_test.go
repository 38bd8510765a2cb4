package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// The outage tests retry each request at most twice (3 attempts: one budget) so that a
// budget costs about 1.5 s.
const outageRetries = 2

// outageBudget is the number of attempts of one request that uses its whole budget.
const outageBudget = outageRetries + 1

// fewRetries lowers the test provider block's max_retries to outageRetries.
func fewRetries(block string) string {
	out := strings.Replace(block, "max_retries = 6", fmt.Sprintf("max_retries = %d", outageRetries), 1)
	if out == block {
		panic("the provider block no longer sets max_retries = 6")
	}
	return out
}

// outageFunctions is n functions named out-0 ... out-(n-1).
func outageFunctions(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `
resource "faas_function" "f%[1]d" {
  name  = "out-%[1]d"
  image = "ghcr.io/acme/out:%[1]d"
}
`, i)
	}
	return b.String()
}

// countRequests counts the simulator's requests that match.
func countSimRequests(reqs []openfaassim.Request, match func(openfaassim.Request) bool) int {
	n := 0
	for _, r := range reqs {
		if match(r) {
			n++
		}
	}
	return n
}

// TestAccReliability_persistentOutageFailsFast: while the gateway fails persistently, a
// plan of 20 functions costs one retry budget of requests in all, not one per function:
// after the first request used its budget, every other resource fails at once with the
// same cause, without sending anything. The next run, once the platform is back, is not
// affected.
func TestAccReliability_persistentOutageFailsFast(t *testing.T) {
	const n = 20
	cases := []struct {
		name   string
		faults openfaassim.Faults
		cause  string
	}{
		{"persistent 503", openfaassim.Faults{PersistentStatus: 503, PersistentMessage: "no provider behind the gateway"}, `HTTP 503: no provider behind the gateway`},
		{"persistent 429", openfaassim.Faults{RateLimitEvery: 1}, `HTTP 429: rate limit exceeded`},
		{"every connection dropped", openfaassim.Faults{DropConnections: 1 << 30}, `GET /system/info: .*EOF`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "injects persistent faults and counts requests")
			cfg := fewRetries(providerBlock(sim, "")) + outageFunctions(n)
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProviders,
				CheckDestroy:             checkNoFunctions(sim),
				Steps: []resource.TestStep{
					{
						PreConfig:   func() { sim.ResetRequests(); sim.SetFaults(c.faults) },
						Config:      cfg,
						ExpectError: errRe(`not sent: the platform at ` + sim.URL() + ` is unavailable: .*` + c.cause),
					},
					{
						PreConfig: func() {
							reqs := sim.Requests()
							if len(reqs) > 2*outageBudget {
								t.Errorf("a failing plan of %d functions sent %d requests, want about one budget (%d):\n%v", n, len(reqs), outageBudget, reqs)
							}
							sim.ClearFaults()
						},
						Config: cfg,
						Check: func(*terraform.State) error {
							if got := len(sim.Functions(ns)); got != n {
								return fmt.Errorf("%d functions after the outage, want %d", got, n)
							}
							return nil
						},
					},
				},
			})
		})
	}
}

// TestAccReliability_outageDuringApplyIsBounded: the gateway answers reads but every
// create fails with 503. The creates in flight when the first one used its budget end
// at their next retry, and the rest fail at once: the POSTs of 40 functions stay within
// one budget per create that Terraform runs in parallel (10), instead of 40 budgets.
func TestAccReliability_outageDuringApplyIsBounded(t *testing.T) {
	const n, parallelism = 40, 10
	sim := newSim(t, openfaassim.Options{Edition: openfaassim.Pro}, "injects persistent faults and counts requests")
	post := func(r openfaassim.Request) bool { return r.Method == "POST" && r.Path == "/system/functions" }
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoFunctions(sim),
		Steps: []resource.TestStep{{
			PreConfig: func() {
				sim.SetFaults(openfaassim.Faults{PersistentStatus: 503, PersistentMessage: "deployments are paused",
					Only: func(method, path string) bool { return method == "POST" && path == "/system/functions" }})
			},
			Config:      fewRetries(providerBlock(sim, "")) + outageFunctions(n),
			ExpectError: errRe(`not sent: the platform at .* is unavailable: POST /system/functions: HTTP 503: deployments are paused`),
		}},
	})
	// A probe (one attempt every 10 s) may add a few.
	if got := countSimRequests(sim.Requests(), post); got > parallelism*outageBudget+3 {
		t.Errorf("%d POSTs for %d failing creates, want at most %d (one budget per parallel create)", got, n, parallelism*outageBudget+3)
	}
}

// TestAccKnativeReliability_persistentOutageFailsFast: the same on Knative: while the
// API server answers 503, a plan of 20 functions costs one retry budget in all. The
// outage and the count come from a proxy in front of the API server (the simulator's,
// or the real one with FAAS_TEST_KUBECONFIG).
func TestAccKnativeReliability_persistentOutageFailsFast(t *testing.T) {
	const n = 20
	cluster := newKnativeCluster(t, k8ssim.Options{})
	fp, block := knativeProxy(t, cluster)
	cfg := fewRetries(block) + outageFunctions(n)
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		CheckDestroy:             checkNoServices(cluster),
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					fp.ResetRequests()
					fp.SetFaults(k8ssim.Faults{PersistentStatus: 503, PersistentMessage: "etcdserver: leader changed"})
				},
				Config:      cfg,
				ExpectError: errRe(`not sent: the platform at ` + fp.URL() + ` is unavailable: GET /version: HTTP 503 Service Unavailable: etcdserver: leader changed`),
			},
			{
				PreConfig: func() {
					if got := len(fp.Requests()); got > 2*outageBudget {
						t.Errorf("a failing plan of %d functions sent %d requests, want about one budget (%d):\n%v", n, got, outageBudget, fp.Requests())
					}
					fp.ClearFaults()
				},
				Config: cfg,
				Check: func(*terraform.State) error {
					if got := len(cluster.List(k8ssim.ServicesGVR, "default")); got != n {
						return fmt.Errorf("%d Services after the outage, want %d", got, n)
					}
					return nil
				},
			},
		},
	})
}
