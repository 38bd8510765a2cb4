package knative

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

const secretValue = "hunter2-super-secret"

// TestSecretWireShape: the Secret's shape on the cluster and that no request carries
// the value in a loggable form; the lifecycle itself is the driver contract's
// (contract_test.go).
func TestSecretWireShape(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	s := &platform.Secret{Namespace: "default", Name: "api-key", Value: secretValue}
	if err := d.CreateSecret(ctx, s); err != nil {
		t.Fatal(err)
	}
	u, ok := sim.Get(k8ssim.SecretsGVR, "default", "api-key")
	if !ok {
		t.Fatal("not stored")
	}
	data, _, _ := unstructured.NestedStringMap(u.Object, "data")
	if data["api-key"] != base64.StdEncoding.EncodeToString([]byte(secretValue)) || len(data) != 1 {
		t.Errorf("data %v", data)
	}
	if typ, _, _ := unstructured.NestedString(u.Object, "type"); typ != "Opaque" || u.GetLabels()[ManagedByLabel] != "terraform-provider-faas" {
		t.Errorf("type %q labels %v", typ, u.GetLabels())
	}
	s.Value = "rotated-value-2"
	if err := d.UpdateSecret(ctx, s); err != nil {
		t.Fatal(err)
	}
	for _, r := range sim.Requests() {
		for _, leak := range []string{secretValue, "rotated-value-2", base64.StdEncoding.EncodeToString([]byte(secretValue))} {
			if strings.Contains(string(r.Body), leak) {
				t.Errorf("secret value sent in a loggable form: %s %s", r.Method, r.Path)
			}
		}
	}
}

func TestSecretErrorsNeverCarryTheValue(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	sim.SetFaults(k8ssim.Faults{PersistentStatus: 400, PersistentMessage: "bad secret " + secretValue})
	err := d.CreateSecret(context.Background(), &platform.Secret{Namespace: "default", Name: "x", Value: secretValue})
	if err == nil || strings.Contains(err.Error(), secretValue) || !strings.Contains(err.Error(), "bad secret ***") {
		t.Fatalf("got %v", err)
	}
}

func TestSecretWrongTypeConflict(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	if err := sim.Put(&unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
		"metadata": map[string]any{"name": "theirs", "namespace": "default"}, "stringData": map[string]any{"k": "v"}}}); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateSecret(context.Background(), &platform.Secret{Namespace: "default", Name: "theirs", Value: "mine-value"}); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("got %v", err)
	}
	if u, _ := sim.Get(k8ssim.SecretsGVR, "default", "theirs"); !hasField(u, "data", "k") {
		t.Error("an existing secret was overwritten")
	}
}

func hasField(u *unstructured.Unstructured, fields ...string) bool {
	_, ok, _ := unstructured.NestedFieldNoCopy(u.Object, fields...)
	return ok
}

// TestSecretCreateNeverAdoptsAnEqualSecret: a create whose answer was lost reads the
// Secret back and adopts it only when it carries this create's token; a Secret that
// another writer created with the very same value is reported as already existing.
func TestSecretCreateNeverAdoptsAnEqualSecret(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	s := &platform.Secret{Namespace: "default", Name: "shared", Value: secretValue}
	if err := sim.Put(secretObject(s)); err != nil {
		t.Fatal(err)
	}
	sim.SetFaults(k8ssim.Faults{LoseResponses: 1})
	if err := d.CreateSecret(ctx, s); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("a Secret with the same value, not created by this create, must not be adopted: %v", err)
	}
}
