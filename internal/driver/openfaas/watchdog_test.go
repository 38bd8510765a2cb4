package openfaas

import (
	"context"
	"reflect"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestWatchdogTimeoutsRoundTrip checks that the openfaas block's watchdog timeouts reach
// the watchdog's env vars, each overriding timeout for its own key, and that a read
// (faas-netes: from the last-applied record; faasd: from the env vars it returns) gives
// them back in the shape the configuration used. The shapes are those of the OpenFaaS
// store catalogue (a single write_timeout; equal read and write timeouts with a smaller
// exec_timeout).
func TestWatchdogTimeoutsRoundTrip(t *testing.T) {
	cases := []struct {
		name     string
		timeout  string
		watchdog platform.WatchdogTimeouts
		wire     map[string]string
	}{
		{"timeout alone sets all three", "45s", platform.WatchdogTimeouts{},
			map[string]string{"read_timeout": "45s", "write_timeout": "45s", "exec_timeout": "45s"}},
		{"one key alone", "", platform.WatchdogTimeouts{Write: "60s"},
			map[string]string{"write_timeout": "60s"}},
		{"three different keys", "", platform.WatchdogTimeouts{Read: "5m5s", Write: "5m5s", Exec: "5m"},
			map[string]string{"read_timeout": "5m5s", "write_timeout": "5m5s", "exec_timeout": "5m"}},
		{"three equal keys stay keys", "", platform.WatchdogTimeouts{Read: "30s", Write: "30s", Exec: "30s"},
			map[string]string{"read_timeout": "30s", "write_timeout": "30s", "exec_timeout": "30s"}},
		{"a key overrides timeout", "5m31s", platform.WatchdogTimeouts{Exec: "5m30s"},
			map[string]string{"read_timeout": "5m31s", "write_timeout": "5m31s", "exec_timeout": "5m30s"}},
		{"an override equal to timeout stays an override", "1m", platform.WatchdogTimeouts{Read: "1m"},
			map[string]string{"read_timeout": "1m", "write_timeout": "1m", "exec_timeout": "1m"}},
		{"every key overrides timeout", "10s", platform.WatchdogTimeouts{Read: "1s", Write: "2s", Exec: "3s"},
			map[string]string{"read_timeout": "1s", "write_timeout": "2s", "exec_timeout": "3s"}},
	}
	for _, backend := range []openfaassim.Backend{openfaassim.FaasNetes, openfaassim.Faasd} {
		for _, c := range cases {
			t.Run(string(backend)+"/"+c.name, func(t *testing.T) {
				d, sim := newTestDriver(t, openfaassim.Options{Backend: backend})
				fn := &platform.Function{ID: platform.FunctionID{Namespace: DefaultNamespace, Name: "wd"}, Image: "ghcr.io/openfaas/sleep:latest",
					Env: map[string]string{"content_type": "image/png"}, Timeout: c.timeout, Watchdog: c.watchdog}
				if _, err := d.CreateFunction(context.Background(), fn); err != nil {
					t.Fatal(err)
				}
				stored, _ := sim.GetFunction(DefaultNamespace, "wd")
				want := map[string]string{"content_type": "image/png"}
				for k, v := range c.wire {
					want[k] = v
				}
				if !reflect.DeepEqual(stored.EnvVars, want) {
					t.Errorf("envVars %v, want %v", stored.EnvVars, want)
				}
				got, err := d.ReadFunction(context.Background(), fn.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Timeout != c.timeout || got.Watchdog != c.watchdog {
					t.Errorf("read back timeout %q %+v, want %q %+v", got.Timeout, got.Watchdog, c.timeout, c.watchdog)
				}
				if !reflect.DeepEqual(got.Env, map[string]string{"content_type": "image/png"}) {
					t.Errorf("env %v: the watchdog's keys must not show in env", got.Env)
				}
			})
		}
	}
}

// TestSplitTimeouts checks how the watchdog's env vars read back without a record of
// the configuration's shape (an import, an old record) and after a change made outside
// Terraform (faasd returns env vars, so the record's shape meets other values).
func TestSplitTimeouts(t *testing.T) {
	env := func(r, w, e string) map[string]string {
		m := map[string]string{}
		for k, v := range map[string]string{envReadTimeout: r, envWriteTimeout: w, envExecTimeout: e} {
			if v != "" {
				m[k] = v
			}
		}
		return m
	}
	cases := []struct {
		name        string
		env         map[string]string
		la          *lastApplied
		wantTimeout string
		want        platform.WatchdogTimeouts
	}{
		{"no record, three equal", env("30s", "30s", "30s"), nil, "30s", platform.WatchdogTimeouts{}},
		{"no record, differing", env("60s", "60s", ""), nil, "", platform.WatchdogTimeouts{Read: "60s", Write: "60s"}},
		{"no record, none", env("", "", ""), nil, "", platform.WatchdogTimeouts{}},
		{"record of timeout, one key changed", env("30s", "30s", "10s"), &lastApplied{Timeout: "30s"},
			"30s", platform.WatchdogTimeouts{Exec: "10s"}},
		{"record of timeout, exec removed", env("30s", "30s", ""), &lastApplied{Timeout: "30s"},
			"", platform.WatchdogTimeouts{Read: "30s", Write: "30s"}},
		{"record of an override, timeout changed", env("1m", "1m", "5m30s"), &lastApplied{Timeout: "5m31s", Watchdog: &watchdogRecord{Exec: "5m30s"}},
			"1m", platform.WatchdogTimeouts{Exec: "5m30s"}},
		{"record of keys, one more set outside", env("5s", "60s", ""), &lastApplied{Watchdog: &watchdogRecord{Write: "60s"}},
			"", platform.WatchdogTimeouts{Read: "5s", Write: "60s"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			timeout, w := splitTimeouts(c.env, c.la)
			if timeout != c.wantTimeout || w != c.want {
				t.Errorf("splitTimeouts = %q %+v, want %q %+v", timeout, w, c.wantTimeout, c.want)
			}
		})
	}
}
