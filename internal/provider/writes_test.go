package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// driverFor is the provider's OpenFaaS driver for p, as a provider block for p
// configures it, for tests that drive it directly.
func driverFor(t *testing.T, p openfaasPlatform) *openfaas.Driver {
	t.Helper()
	u, err := url.Parse(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	user, password := credentials(p)
	cfg := httpclient.Config{BaseURL: u, Username: user, Password: password, UserAgent: "terraform-provider-faas/test", MaxRetries: 6,
		RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 2 * time.Second, Timeout: 30 * time.Second}
	if user == "token" {
		cfg.Username, cfg.Password, cfg.Token = "", "", password
	}
	c, err := httpclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return openfaas.New(openfaas.Config{Client: c, Namespace: ns})
}

// TestAccReliability_backToBackWrites drives the provider's driver with many
// back-to-back writes of one function: 30 updates of the function, then three concurrent
// writers (the function's update, its scaling policy, its cron trigger), six writes
// each. faas-netes answers an update it did not apply with 200 and an empty body: on a
// real gateway that happens on its own, on update conflicts with the Deployment
// controller (9 of 30 back-to-back updates, 11 of 18 with three writers, when first
// measured); on the simulator the proxy in front of it ignores every third update and
// reads lag behind writes. Every write must end applied, the platform holding what it
// wrote, or fail; none may be silently lost.
func TestAccReliability_backToBackWrites(t *testing.T) {
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run acceptance tests")
	}
	p := withFaults(t, newPlatform(t, openfaassim.Options{StaleReads: 20 * time.Millisecond}, anyEdition, simulatorToo))
	if _, ok := p.Sim(); ok {
		p.SetFaults(functionUpdates(simcore.Faults{IgnoreUpdateEvery: 3}))
	}
	d := driverFor(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	name := p.Name("writes")
	images := []string{p.Image("ghcr.io/acme/writes:1"), p.AltImage("ghcr.io/acme/writes:2")}
	fn := &platform.Function{ID: platform.FunctionID{Namespace: ns, Name: name}, Image: images[0], Env: map[string]string{"STEP": "0"}}
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if err := d.WaitReady(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	held := func() openfaassim.Function {
		t.Helper()
		got, ok := p.GetFunction(ns, name)
		if !ok {
			t.Fatalf("function %s is gone", name)
		}
		return got
	}
	for i := 1; i <= 30; i++ {
		fn.Image, fn.Env = images[i%2], map[string]string{"STEP": fmt.Sprint(i)}
		got, err := d.UpdateFunction(ctx, fn)
		if err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if got.Image != fn.Image || got.Env["STEP"] != fmt.Sprint(i) {
			t.Fatalf("update %d returned image %q env %v", i, got.Image, got.Env)
		}
		if h := held(); h.Image != fn.Image || h.EnvVars["STEP"] != fmt.Sprint(i) {
			t.Fatalf("after update %d the platform holds image %q env %v", i, h.Image, h.EnvVars)
		}
	}
	sequential := p.Requests()

	// Three concurrent writers of one function, each owning its own keys.
	one := int64(1)
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MinReplicas: &one, MaxReplicas: &one}, true); err != nil {
		t.Fatal(err)
	}
	cron := &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "0 * * * *"}
	if _, err := d.CreateTrigger(ctx, cron); err != nil {
		t.Fatal(err)
	}
	const rounds = 6
	var wg sync.WaitGroup
	writer := func(what string, write func(k int) error, check func(h openfaassim.Function, k int) bool) {
		defer wg.Done()
		for k := 1; k <= rounds; k++ {
			if err := write(k); err != nil {
				t.Errorf("%s, write %d: %v", what, k, err)
				return
			}
			h, ok := p.GetFunction(ns, name)
			if !ok || !check(h, k) {
				t.Errorf("%s, write %d: the platform holds image %q env %v labels %v annotations %v", what, k, h.Image, h.EnvVars, h.Labels, h.Annotations)
				return
			}
		}
	}
	wg.Add(3)
	go writer("function", func(k int) error {
		f := *fn
		f.Image, f.Env = images[k%2], map[string]string{"STEP": fmt.Sprintf("w%d", k)}
		_, err := d.UpdateFunction(ctx, &f)
		return err
	}, func(h openfaassim.Function, k int) bool { return h.EnvVars["STEP"] == fmt.Sprintf("w%d", k) })
	go writer("scaling policy", func(k int) error {
		maxReplicas := int64(1 + k%5)
		_, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MinReplicas: &one, MaxReplicas: &maxReplicas}, false)
		return err
	}, func(h openfaassim.Function, k int) bool {
		return h.Labels["com.openfaas.scale.max"] == fmt.Sprint(1+k%5)
	})
	go writer("cron trigger", func(k int) error {
		tr := *cron
		tr.Schedule = fmt.Sprintf("%d * * * *", k)
		_, err := d.UpdateTrigger(ctx, &tr)
		return err
	}, func(h openfaassim.Function, k int) bool {
		return h.Annotations["schedule"] == fmt.Sprintf("%d * * * *", k)
	})
	wg.Wait()
	if t.Failed() {
		return
	}
	h := held()
	if h.EnvVars["STEP"] != fmt.Sprintf("w%d", rounds) || h.Labels["com.openfaas.scale.max"] != fmt.Sprint(1+rounds%5) ||
		h.Annotations["schedule"] != fmt.Sprintf("%d * * * *", rounds) || h.Annotations["topic"] != "cron-function" {
		t.Fatalf("after the concurrent writers the platform holds env %v labels %v annotations %v", h.EnvVars, h.Labels, h.Annotations)
	}
	count := func(reqs []simcore.Request) (updates, unapplied int) {
		for _, r := range reqs {
			if r.Method == http.MethodPut && r.Path == "/system/functions" {
				updates++
				if r.Status == http.StatusOK {
					unapplied++
				}
			}
		}
		return updates, unapplied
	}
	su, sn := count(sequential)
	all, alln := count(p.Requests())
	t.Logf("sequential: %d updates sent, %d answered 200 without being applied and written again; concurrent: %d sent, %d answered 200",
		su, sn, all-su, alln-sn)
	if _, ok := p.Sim(); ok && sn < 10 {
		t.Fatalf("only %d updates were ignored: the test proves nothing", sn)
	}
}
