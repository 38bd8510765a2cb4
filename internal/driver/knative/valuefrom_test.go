package knative

import (
	"context"
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
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

// TestEnvValueFrom: env_value_from writes env entries with valueFrom (a Secret's and a
// ConfigMap's key), before env's, and records their names, so that a read returns them
// (and a change made outside Terraform shows as drift) while valueFrom entries set
// outside Terraform stay theirs: kept by every write and never read. Removing one from
// the configuration removes it from the Service.
func TestEnvValueFrom(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := sampleFunction("from")
	fn.Env = map[string]string{"MODE": "prod"}
	fn.EnvFrom = map[string]platform.EnvSource{
		"DB_PASSWORD": {SecretKeyRef: &platform.KeyRef{Name: "db", Key: "password"}},
		"REGION":      {ConfigMapKeyRef: &platform.KeyRef{Name: "site", Key: "region", Optional: ptr(true)}},
	}
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	fromSecret := map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "password"}}}
	fromConfig := map[string]any{"name": "REGION", "valueFrom": map[string]any{"configMapKeyRef": map[string]any{"name": "site", "key": "region", "optional": true}}}
	mode := map[string]any{"name": "MODE", "value": "prod"}
	env, _ := firstContainer(t, storedService(t, sim, "from"))["env"].([]any)
	if want := []any{fromSecret, fromConfig, mode}; !reflect.DeepEqual(env, want) {
		t.Fatalf("env written:\n %v\nwant\n %v", env, want)
	}
	read, err := d.ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(read.EnvFrom, fn.EnvFrom) || !reflect.DeepEqual(read.Env, fn.Env) {
		t.Fatalf("read env_value_from %v, env %v", read.EnvFrom, read.Env)
	}

	// Someone adds a reference of their own and changes one of ours.
	// (A ConfigMap reference: Knative's webhook refuses fieldRef unless the cluster enables
	// kubernetes.podspec-fieldref.)
	foreign := map[string]any{"name": "LOG_LEVEL", "valueFrom": map[string]any{"configMapKeyRef": map[string]any{"name": "settings", "key": "level"}}}
	if err := sim.Modify(k8ssim.ServicesGVR, "default", "from", func(u *unstructured.Unstructured) {
		cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
		c, _ := cs[0].(map[string]any)
		env, _ := c["env"].([]any)
		changed := map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db", "key": "admin"}}}
		c["env"] = append([]any{foreign, changed}, env[1:]...)
		_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
	}); err != nil {
		t.Fatal(err)
	}
	read, err = d.ReadFunction(platform.WithFreshReads(ctx), fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := read.EnvFrom["DB_PASSWORD"].SecretKeyRef; got == nil || got.Key != "admin" {
		t.Errorf("the change of DB_PASSWORD is not read back: %+v", read.EnvFrom)
	}
	if _, ok := read.EnvFrom["LOG_LEVEL"]; ok {
		t.Errorf("a reference set outside Terraform was read as the provider's: %+v", read.EnvFrom)
	}

	// The next write puts ours back, keeps the foreign one, and drops REGION when the
	// configuration no longer has it.
	fn2 := *fn
	fn2.EnvFrom = map[string]platform.EnvSource{"DB_PASSWORD": fn.EnvFrom["DB_PASSWORD"]}
	if _, err := d.UpdateFunction(ctx, &fn2); err != nil {
		t.Fatal(err)
	}
	env, _ = firstContainer(t, storedService(t, sim, "from"))["env"].([]any)
	if want := []any{foreign, fromSecret, mode}; !reflect.DeepEqual(env, want) {
		t.Errorf("env after the update:\n %v\nwant\n %v", env, want)
	}

	// Without env_value_from, the provider's entries go and the record forgets them.
	fn3 := fn2
	fn3.EnvFrom = nil
	if _, err := d.UpdateFunction(ctx, &fn3); err != nil {
		t.Fatal(err)
	}
	env, _ = firstContainer(t, storedService(t, sim, "from"))["env"].([]any)
	if want := []any{foreign, mode}; !reflect.DeepEqual(env, want) {
		t.Errorf("env without env_value_from:\n %v\nwant\n %v", env, want)
	}
	if la, _ := decodeLastApplied(storedService(t, sim, "from").GetAnnotations()[LastAppliedAnnotation]); len(la.EnvFrom) != 0 {
		t.Errorf("the record still names %v", la.EnvFrom)
	}
}

// TestEnvValueFromWebhookAttribute: Knative's own validation of an env_value_from
// entry is reported on that entry, not on an env key.
func TestEnvValueFromWebhookAttribute(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{})
	fn := sampleFunction("from")
	fn.Env = map[string]string{"MODE": "prod"}
	fn.EnvFrom = map[string]platform.EnvSource{"PORT": {SecretKeyRef: &platform.KeyRef{Name: "db", Key: "port"}}}
	probs, err := d.CheckFunction(context.Background(), fn)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 || probs[0].Attribute.String() != `env_value_from["PORT"]` {
		t.Fatalf("findings %v", probs)
	}
}
