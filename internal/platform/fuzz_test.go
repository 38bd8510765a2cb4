package platform

import (
	"strings"
	"testing"
)

// FuzzParseFunctionID: import ids never panic, and an accepted id round-trips.
func FuzzParseFunctionID(f *testing.F) {
	for _, s := range []string{"openfaas-fn/hello", "hello", "a/b/c", "", "/", "ns/", "Ünïcode/x", strings.Repeat("a", 70)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseFunctionID(s, "default")
		if err != nil {
			return
		}
		if id.Namespace == "" || id.Name == "" || strings.Contains(id.Namespace, "/") || strings.Contains(id.Name, "/") {
			t.Fatalf("%q accepted with invalid parts %+v", s, id)
		}
		back, err := ParseFunctionID(id.String(), "other")
		if err != nil || back != id {
			t.Fatalf("%q: round trip %+v -> %+v, %v", s, id, back, err)
		}
	})
}
