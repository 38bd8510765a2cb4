package provider

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// When the platform stores another value than the planned one for an attribute the
// configuration sets, apply keeps the planned value in state, warns with the
// platform's value, and the next plan shows the drift as an in-place update; before,
// apply failed with "Provider produced inconsistent result after apply" and the
// function was tainted, so the next apply replaced it (issue 12 item 2).

// checkKeptPlanned applies config, expects the warnings, the planned values in state,
// and an in-place update in the next plan.
func checkKeptPlanned(t *testing.T, c *cli, config string, warnings []string, state map[string]string, drift []string) {
	t.Helper()
	c.writeMain(config)
	out, code := c.run("apply", "-no-color", "-auto-approve")
	if code != 0 {
		t.Fatalf("apply exited %d:\n%s", code, out)
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range warnings {
		if !strings.Contains(flat, w) {
			t.Errorf("apply output lacks %q:\n%s", w, out)
		}
	}
	shown, code := c.run("show", "-json")
	if code != 0 {
		t.Fatalf("show exited %d:\n%s", code, shown)
	}
	var st struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string         `json:"address"`
					Tainted bool           `json:"tainted"`
					Values  map[string]any `json:"values"`
				} `json:"resources"`
			} `json:"root_module"`
		} `json:"values"`
	}
	if err := json.Unmarshal([]byte(shown), &st); err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Values.RootModule.Resources {
		if r.Address != "faas_function.f" {
			continue
		}
		if r.Tainted {
			t.Error("the function is tainted")
		}
		for k, want := range state {
			if got, _ := json.Marshal(r.Values[k]); string(got) != want {
				t.Errorf("state %s = %s, want %s", k, got, want)
			}
		}
	}
	out, code = c.run("plan", "-no-color", "-detailed-exitcode")
	if code != 2 || !strings.Contains(out, "will be updated in-place") || strings.Contains(out, "must be replaced") {
		t.Fatalf("the next plan (exit %d) should update in place:\n%s", code, out)
	}
	for _, d := range drift {
		if !strings.Contains(out, d) {
			t.Errorf("the next plan lacks %q:\n%s", d, out)
		}
	}
	if out, code := c.run("destroy", "-no-color", "-auto-approve"); code != 0 {
		t.Fatalf("destroy exited %d:\n%s", code, out)
	}
}

// TestAccKnative_platformChangedPlannedValue: a mutating webhook of the cluster lowers
// limits.cpu from 1000m to 250m and rewrites a label.
func TestAccKnative_platformChangedPlannedValue(t *testing.T) {
	c := newCLI(t)
	sim := newKube(t, k8ssim.Options{ReadyAfterPolls: 1, Mutate: func(gvr schema.GroupVersionResource, obj map[string]any) {
		if gvr != k8ssim.ServicesGVR {
			return
		}
		if md, ok := obj["metadata"].(map[string]any); ok {
			if labels, ok := md["labels"].(map[string]any); ok && labels["team"] != nil {
				labels["team"] = "platform"
			}
		}
		spec, _ := obj["spec"].(map[string]any)
		tmpl, _ := spec["template"].(map[string]any)
		ps, _ := tmpl["spec"].(map[string]any)
		cs, _ := ps["containers"].([]any)
		for _, ci := range cs {
			cm, _ := ci.(map[string]any)
			res, _ := cm["resources"].(map[string]any)
			if limits, ok := res["limits"].(map[string]any); ok && limits["cpu"] != nil {
				limits["cpu"] = "250m"
			}
		}
	}})
	checkKeptPlanned(t, c, knativeBlock(sim, `namespace = "default"`)+`
resource "faas_function" "f" {
  name   = "clamped"
  image  = "ghcr.io/acme/x:1"
  labels = { team = "payments" }
  limits = { cpu = "1000m", memory = "256Mi" }
}
`, []string{
		`Warning: The platform stores another limits.cpu`,
		`limits.cpu was planned as "1000m", but the platform stores "250m"`,
		`Warning: The platform stores another labels["team"]`,
		`labels["team"] was planned as "payments", but the platform stores "platform"`,
	}, map[string]string{
		"limits": `{"cpu":"1000m","memory":"256Mi"}`,
		"labels": `{"team":"payments"}`,
	}, []string{`"250m" -> "1000m"`, `"platform" -> "payments"`})
}

// TestAccFunction_platformChangedPlannedValue: on OpenFaaS another writer changes a
// label while the create waits for readiness.
func TestAccFunction_platformChangedPlannedValue(t *testing.T) {
	c := newCLI(t)
	var p *simPlatform
	p = newSim(t, openfaassim.Options{ReadyAfterPolls: 2, OnRequest: func(r openfaassim.Request) {
		if r.Method == http.MethodPost && r.Path == "/system/functions" && r.Status < 300 {
			p.ModifyFunction(ns, "rewritten", func(f *openfaassim.Function) { f.Labels["team"] = "other-writer" })
		}
	}}, "changes the function behind the provider's back during the apply")
	checkKeptPlanned(t, c, providerBlock(p, "")+`
resource "faas_function" "f" {
  name   = "rewritten"
  image  = "ghcr.io/acme/x:1"
  labels = { team = "payments" }
}
`, []string{
		`Warning: The platform stores another labels["team"]`,
		`labels["team"] was planned as "payments", but the platform stores "other-writer"`,
	}, map[string]string{
		"labels": `{"team":"payments"}`,
	}, []string{`"other-writer" -> "payments"`})
}
