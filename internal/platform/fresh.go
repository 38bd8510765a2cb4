package platform

import "context"

// freshReadsKey marks a context whose reads must reach the platform.
type freshReadsKey struct{}

// WithFreshReads returns a context whose reads go to the platform, never answered from
// the driver's per-run read cache. The provider uses it for data sources: Terraform
// runs each provider block in its own process, so a data source of one block that
// Terraform reads after a write through another block (an alias on the same platform)
// must not be answered from what its process cached before that write, which no
// invalidation in this process can see.
func WithFreshReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshReadsKey{}, true)
}

// FreshReads reports whether ctx asks for reads from the platform (WithFreshReads).
func FreshReads(ctx context.Context) bool {
	v, _ := ctx.Value(freshReadsKey{}).(bool)
	return v
}
