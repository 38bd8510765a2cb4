package openfaas

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestNameRule: OpenFaaS refuses, at the check and without a request that writes, the
// function and secret names and namespaces faas-netes refuses (RFC 1123 labels), on the
// attribute at fault; the neutral layer no longer applies that rule for it.
func TestNameRule(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	ctx := context.Background()
	cases := []struct {
		id   platform.FunctionID
		want string
	}{
		{platform.FunctionID{Namespace: "openfaas-fn", Name: "hello-1"}, ""},
		{platform.FunctionID{Namespace: "openfaas-fn", Name: "My_Action.v2"}, "name"},
		{platform.FunctionID{Namespace: "openfaas-fn", Name: strings.Repeat("a", 64)}, "name"},
		{platform.FunctionID{Namespace: "Bad_NS", Name: "ok"}, "namespace"},
		{platform.FunctionID{Namespace: "Bad_NS", Name: "-x"}, "namespace name"},
	}
	for _, c := range cases {
		fprobs, err := d.CheckFunction(ctx, &platform.Function{ID: c.id, Image: "x"})
		if err != nil {
			t.Fatal(err)
		}
		sprobs, err := d.CheckSecret(ctx, &platform.Secret{Namespace: c.id.Namespace, Name: c.id.Name})
		if err != nil {
			t.Fatal(err)
		}
		for what, probs := range map[string][]*platform.UnsupportedError{"function": fprobs, "secret": sprobs} {
			var got []string
			for _, p := range probs {
				got = append(got, p.Attribute.String())
				if !strings.Contains(p.Error(), "RFC 1123 label") {
					t.Errorf("%s %v: %v does not say the rule", what, c.id, p)
				}
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("%s %v: findings on %v, want %q", what, c.id, got, c.want)
			}
		}
		_, err = d.ReadFunction(ctx, c.id)
		if c.want == "" {
			if !errors.Is(err, platform.ErrNotFound) {
				t.Errorf("read %v: %v, want not found", c.id, err)
			}
		} else if !errors.Is(err, platform.ErrInvalidID) || !strings.Contains(err.Error(), "RFC 1123 label") {
			t.Errorf("read %v: %v, want an invalid id that says the rule", c.id, err)
		}
	}
	if len(sim.Writes()) != 0 {
		t.Error("the checks wrote to the platform")
	}
}
