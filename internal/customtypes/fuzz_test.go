package customtypes

import (
	"context"
	"testing"
)

// FuzzSemanticEquals: comparing any two quantities or durations never panics and is
// symmetric.
func FuzzSemanticEquals(f *testing.F) {
	for _, p := range [][2]string{{"0.1", "100m"}, {"1Gi", "1024Mi"}, {"60s", "1m"}, {"1e3", "1k"}, {"", "0"}, {"9999999999999999999999E", "1"}} {
		f.Add(p[0], p[1])
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, a, b string) {
		q1, _ := NewQuantityValue(a).StringSemanticEquals(ctx, NewQuantityValue(b))
		q2, _ := NewQuantityValue(b).StringSemanticEquals(ctx, NewQuantityValue(a))
		d1, _ := NewDurationValue(a).StringSemanticEquals(ctx, NewDurationValue(b))
		d2, _ := NewDurationValue(b).StringSemanticEquals(ctx, NewDurationValue(a))
		if q1 != q2 || d1 != d2 {
			t.Fatalf("not symmetric for %q, %q", a, b)
		}
	})
}
