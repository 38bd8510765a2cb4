package knative

import (
	"context"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestNameRules: a function's name is refused by Knative's own validation (a DNS-1035
// label) and its namespace by the Kubernetes rule (an RFC 1123 label), which the webhook
// does not check; a secret's name is a DNS-1123 subdomain, so dots are allowed.
func TestNameRules(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	for _, c := range []struct {
		id          platform.FunctionID
		fn, secrets string
	}{
		{platform.FunctionID{Namespace: "default", Name: "hello"}, "", ""},
		{platform.FunctionID{Namespace: "default", Name: "tls.example.com"}, "name", ""},
		{platform.FunctionID{Namespace: "default", Name: "My_Action.v2"}, "name", "name"},
		{platform.FunctionID{Namespace: "Bad_NS", Name: "hello"}, "namespace", "namespace"},
		{platform.FunctionID{Namespace: "default", Name: strings.Repeat("a", 254)}, "name", "name"},
	} {
		fprobs, err := d.CheckFunction(ctx, &platform.Function{ID: c.id, Image: "registry.invalid/x:1"})
		if err != nil {
			t.Fatal(err)
		}
		sprobs, err := d.CheckSecret(ctx, &platform.Secret{Namespace: c.id.Namespace, Name: c.id.Name})
		if err != nil {
			t.Fatal(err)
		}
		for what, w := range map[string]struct {
			probs []*platform.UnsupportedError
			want  string
		}{"function": {fprobs, c.fn}, "secret": {sprobs, c.secrets}} {
			var got []string
			for _, p := range w.probs {
				got = append(got, p.Attribute.String())
			}
			if strings.Join(got, " ") != w.want {
				t.Errorf("%s %v: findings on %v, want %q", what, c.id, got, w.want)
			}
		}
	}
	if len(sim.Writes()) != 0 {
		t.Error("the checks wrote to the platform")
	}
}
