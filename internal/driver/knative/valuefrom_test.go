package knative

import (
	"context"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestUpdateKeepsEnvFromReferences: env entries with valueFrom (a Secret's or a
// ConfigMap's key, set by someone else) are not the provider's to remove. An update
// keeps them, in their place before the provider's own entries, and a read does not
// report them as part of env (issue 16 item 4: they were silently dropped).
func TestUpdateKeepsEnvFromReferences(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("refs")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	fromSecret := map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}}
	fromConfig := map[string]any{"name": "REGION", "valueFrom": map[string]any{"configMapKeyRef": map[string]any{"name": "site", "key": "region"}}}
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "refs", func(u *unstructured.Unstructured) {
		cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		if c, ok := cs[0].(map[string]any); ok {
			env, _ := c["env"].([]any)
			c["env"] = append([]any{fromSecret, fromConfig}, env...)
		}
		_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
	}); err != nil {
		t.Fatal(err)
	}
	read, err := d.ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := read.Env["DB_PASSWORD"]; ok {
		t.Errorf("a valueFrom entry was read as a literal env value: %v", read.Env)
	}
	fn2 := *fn
	fn2.Image = "ghcr.io/acme/refs:2"
	fn2.Env = map[string]string{"MODE": "dev"}
	if _, err := d.UpdateFunction(ctx, &fn2); err != nil {
		t.Fatal(err)
	}
	env, _ := firstContainer(t, storedService(t, sim, "refs"))["env"].([]any)
	want := []any{fromSecret, fromConfig, map[string]any{"name": "MODE", "value": "dev"}}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("env after the update:\n %v\nwant\n %v", env, want)
	}

	// A configuration that sets the same name as a literal takes it over.
	fn3 := fn2
	fn3.Env = map[string]string{"MODE": "dev", "REGION": "eu"}
	if _, err := d.UpdateFunction(ctx, &fn3); err != nil {
		t.Fatal(err)
	}
	env, _ = firstContainer(t, storedService(t, sim, "refs"))["env"].([]any)
	want = []any{fromSecret, map[string]any{"name": "MODE", "value": "dev"}, map[string]any{"name": "REGION", "value": "eu"}}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("env after setting REGION as a literal:\n %v\nwant\n %v", env, want)
	}
}
