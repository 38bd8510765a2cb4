// Package platformblock describes a platform block of the provider configuration: its
// name, its schema, and how it builds a driver. The provider's schema and Configure are
// built from a list of them, so a platform is added by one line in that list
// (internal/provider's defaultBlocks; DESIGN.md section 11), and a test can add a fake
// platform (internal/platformtest/memdriver) by appending its block.
package platformblock

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Settings are the provider-wide settings every platform block's driver honours, with
// the provider's defaults already applied.
type Settings struct {
	// RequestTimeout bounds one request attempt (request_timeout).
	RequestTimeout time.Duration
	// MaxRetries is the retry budget of one request (max_retries).
	MaxRetries int
	// UserAgent is the User-Agent every request carries.
	UserAgent string
}

// Block is one platform block of the provider configuration.
type Block struct {
	// Name is the block's name in the provider configuration, such as "openfaas".
	Name string
	// Schema is the block's schema: a single nested block of the platform's settings,
	// following the platform's own conventions and environment variables.
	Schema schema.SingleNestedBlock
	// Example is the block as it would be written in a provider block, shown in the
	// error of a configuration with no platform block.
	Example string
	// Configure reads the block at path.Root(Name) from config and builds its driver,
	// or adds diagnostics on the block's attributes and returns nil. The provider calls
	// it only when this block is the configuration's one platform block and the
	// configuration is fully known.
	Configure func(ctx context.Context, config tfsdk.Config, s Settings, diags *diag.Diagnostics) platform.Driver
}
