package openfaas

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestContract runs the driver contract (internal/platformtest) against the simulator
// as faas-netes Pro, whose deletes run in the foreground (two more reads), and as faasd,
// which honours no CPU limit.
func TestContract(t *testing.T) {
	for _, opts := range []openfaassim.Options{
		{Backend: openfaassim.FaasNetes, Edition: openfaassim.Pro, DeleteAfterPolls: 2},
		{Backend: openfaassim.Faasd, Edition: openfaassim.CE},
	} {
		t.Run(string(opts.Backend), func(t *testing.T) {
			platformtest.Run(t, contractHarness(opts))
		})
	}
}

func contractHarness(opts openfaassim.Options) platformtest.Harness {
	return platformtest.Harness{Setup: func(t *testing.T) *platformtest.Env {
		d, sim := newTestDriver(t, opts)
		return &platformtest.Env{
			Driver: d,
			NewRun: func(t *testing.T) platform.Driver { return driverOn(t, sim) },
			Function: func(name string) *platform.Function {
				fn := sampleFunction(name)
				if opts.Backend == openfaassim.Faasd {
					fn.Limits.CPU = ""
				}
				return fn
			},
			Exists: func(id platform.FunctionID) bool {
				_, ok := sim.GetFunction(id.Namespace, id.Name)
				return ok
			},
			Writes: func() []string {
				var out []string
				for _, r := range sim.Writes() {
					out = append(out, r.Method)
				}
				return out
			},
			DeleteOutOfBand: func(id platform.FunctionID) { sim.DeleteFunction(id.Namespace, id.Name) },
			SetImageOutOfBand: func(id platform.FunctionID, image string) {
				sim.ModifyFunction(id.Namespace, id.Name, func(f *openfaassim.Function) { f.Image = image })
			},
			PutForeign: func(id platform.FunctionID) {
				sim.PutFunction(openfaassim.Function{Service: id.Name, Namespace: id.Namespace, Image: "ghcr.io/someone/else:1"})
			},
			LoseNextWriteResponse: func() { sim.SetFaults(openfaassim.Faults{LoseResponses: 1}) },
			DropNextWrite: func() {
				sim.SetFaults(openfaassim.Faults{DropConnections: 1, Only: func(m, _ string) bool { return m != http.MethodGet }})
			},
			SecretExists: func(namespace, name string) bool {
				_, ok := sim.SecretValue(namespace, name)
				return ok
			},
			SecretValue: sim.SecretValue,
		}
	}}
}

// driverOn is a second driver on sim, as the next Terraform run configures it.
func driverOn(t *testing.T, sim *openfaassim.Server) *Driver {
	t.Helper()
	u, _ := url.Parse(sim.URL())
	c, err := httpclient.New(httpclient.Config{BaseURL: u, Username: "admin", Password: pw, UserAgent: "test", MaxRetries: 5,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{Client: c})
}
