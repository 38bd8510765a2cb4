package knative

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

const testToken = "driver-test-token-9f2c"

var fastPoll = wait.Backoff{Duration: time.Millisecond, Factor: 1.5, Jitter: 0.1, Steps: 1 << 30, Cap: 20 * time.Millisecond}

// newTestDriver starts a simulator with bearer auth and a driver talking to it.
func newTestDriver(t *testing.T, opts k8ssim.Options) (*Driver, *k8ssim.Server) {
	t.Helper()
	opts.Token = testToken
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	sim, err := k8ssim.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	sim.Start()
	t.Cleanup(sim.Close)
	return driverFor(t, sim.URL()), sim
}

func driverFor(t *testing.T, host string) *Driver {
	t.Helper()
	d, err := New(Config{
		// QPS -1: no client-side rate limit, tests poll every millisecond.
		RESTConfig: &rest.Config{Host: host, BearerToken: testToken, QPS: -1},
		UserAgent:  "terraform-provider-faas/test", MaxRetries: 5,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
		PollBackoff: fastPoll,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func sampleFunction(name string) *platform.Function {
	return &platform.Function{
		ID:               platform.FunctionID{Namespace: "default", Name: name},
		Image:            "ghcr.io/acme/" + name + ":1",
		Command:          []string{"python3", "-u"},
		Args:             []string{"index.py", "--port", "8080"},
		Env:              map[string]string{"MODE": "prod", "EMPTY": "", "ZED": "last"},
		Secrets:          []string{"api-key", "db-password"},
		Labels:           map[string]string{"team": "a"},
		Annotations:      map[string]string{"example.com/owner": "payments"},
		Limits:           platform.Resources{CPU: "0.5", Memory: "128Mi"},
		Requests:         platform.Resources{CPU: "100m", Memory: "0.0625Gi"},
		Timeout:          "45s",
		MaxConcurrency:   10,
		ImagePullSecrets: []string{"registry"},
		// ReadOnlyRootFilesystem true checks the securityContext mapping.
		ReadOnlyRootFilesystem: true,
	}
}

// waitReady polls ReadFunction the way the provider does (platform.WaitFunctionReady),
// with the tests' fast schedule.
func waitReady(t *testing.T, d *Driver, id platform.FunctionID) *platform.Function {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var last *platform.Function
	err := platform.WaitFor(ctx, "function "+id.String(), "ready", fastPoll, func(ctx context.Context) (bool, string, error) {
		fn, err := d.ReadFunction(ctx, id)
		if err != nil {
			return false, "", err
		}
		last = fn
		return platform.ReadyCheck(id, &fn.Status)
	})
	if err != nil {
		t.Fatal(err)
	}
	return last
}

// withoutStatus drops the read-only status for comparisons with what was written.
func withoutStatus(fn *platform.Function) platform.Function {
	c := *fn
	c.Status = platform.FunctionStatus{}
	return c
}

func storedService(t *testing.T, sim *k8ssim.Server, name string) *unstructured.Unstructured {
	t.Helper()
	u, ok := sim.Get(k8ssim.ServicesGVR, "default", name)
	if !ok {
		t.Fatalf("service %s not stored", name)
	}
	return u
}

// countPuts counts the PUT requests sim received for paths ending in pathSuffix.
func countPuts(sim *k8ssim.Server, pathSuffix string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == http.MethodPut && strings.HasSuffix(r.Path, pathSuffix) {
			n++
		}
	}
	return n
}
