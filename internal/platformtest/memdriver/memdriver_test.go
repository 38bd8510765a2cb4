package memdriver

import (
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest"
)

// TestContract runs the driver contract against an in-memory store that deletes after
// two more reads.
func TestContract(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{Setup: func(t *testing.T) *platformtest.Env {
		store := NewStore(t.Name())
		store.SetDeleteLag(2)
		return &platformtest.Env{
			Driver: New(store, ""),
			NewRun: func(*testing.T) platform.Driver { return New(store, "") },
			Function: func(name string) *platform.Function {
				return &platform.Function{
					ID:          platform.FunctionID{Namespace: DefaultNamespace, Name: name},
					Image:       "ghcr.io/acme/" + name + ":1",
					Command:     []string{"python3"},
					Args:        []string{"index.py"},
					Env:         map[string]string{"MODE": "prod", "EMPTY": ""},
					Labels:      map[string]string{"team": "a"},
					Annotations: map[string]string{"example.com/x": "y"},
					Limits:      platform.Resources{CPU: "0.5", Memory: "128Mi"},
					Timeout:     "45s",
				}
			},
			Exists: func(id platform.FunctionID) bool {
				_, ok := store.Function(id)
				return ok
			},
			Writes:          store.Writes,
			DeleteOutOfBand: store.DeleteFunction,
			SetImageOutOfBand: func(id platform.FunctionID, image string) {
				store.ModifyFunction(id, func(fn *platform.Function) { fn.Image = image })
			},
			PutForeign: func(id platform.FunctionID) {
				store.PutFunction(platform.Function{ID: id, Image: "ghcr.io/someone/else:1"})
			},
			LoseNextWriteResponse: func() { store.LoseNextResponses(1) },
			DropNextWrite:         func() { store.DropNextWrites(1) },
			SecretExists: func(namespace, name string) bool {
				_, ok := store.Secret(namespace, name)
				return ok
			},
			SecretValue: store.Secret,
		}
	}})
}

// TestNameRule: memfake accepts the OpenWhisk-like names no Kubernetes platform does,
// and refuses the rest on the attribute at fault.
func TestNameRule(t *testing.T) {
	d := New(NewStore(t.Name()), "")
	for _, c := range []struct {
		ns, name, want string
	}{
		{"default", "My_Action.v2", ""},
		{"Team@Acme", "with inner space", ""},
		{"", "a", ""},
		{"default", " leading-space", "name"},
		{"default", "a/b", "name"},
		{"bad/ns", "ok", "namespace"},
		{"default", strings.Repeat("a", 257), "name"},
	} {
		fprobs, err := d.CheckFunction(t.Context(), &platform.Function{ID: platform.FunctionID{Namespace: c.ns, Name: c.name}, Image: "x"})
		if err != nil {
			t.Fatal(err)
		}
		sprobs, err := d.CheckSecret(t.Context(), &platform.Secret{Namespace: c.ns, Name: c.name})
		if err != nil {
			t.Fatal(err)
		}
		for what, probs := range map[string][]*platform.UnsupportedError{"function": fprobs, "secret": sprobs} {
			var got []string
			for _, p := range probs {
				got = append(got, p.Attribute.String())
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("%s %q/%q: findings on %v, want %q", what, c.ns, c.name, got, c.want)
			}
		}
	}
}
