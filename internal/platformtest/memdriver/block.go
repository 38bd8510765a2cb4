package memdriver

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformblock"
)

// blockModel is the memfake block's configuration.
type blockModel struct {
	Store     types.String `tfsdk:"store"`
	Namespace types.String `tfsdk:"namespace"`
}

// Block is the memfake platform block for the provider: `memfake { store = "name" }`
// configures a driver on Open(name), the store a test reads and changes behind
// Terraform's back. Only tests register it (internal/provider's memfake acceptance
// test); the shipped provider does not.
func Block() platformblock.Block {
	return platformblock.Block{
		Name:    Platform,
		Example: Platform + " {\n    store = \"test\"\n  }",
		Schema: schema.SingleNestedBlock{
			MarkdownDescription: "A fake in-memory platform for the provider's own tests.",
			Attributes: map[string]schema.Attribute{
				"store": schema.StringAttribute{Optional: true,
					MarkdownDescription: "Name of the in-memory store (memdriver.Open) the driver works on. Required."},
				"namespace": schema.StringAttribute{Optional: true,
					MarkdownDescription: "Namespace used when a resource does not set one. Default `default`."},
			},
		},
		Configure: func(ctx context.Context, config tfsdk.Config, _ platformblock.Settings, diags *diag.Diagnostics) platform.Driver {
			var b *blockModel
			diags.Append(config.GetAttribute(ctx, path.Root(Platform), &b)...)
			if diags.HasError() || b == nil {
				return nil
			}
			if b.Store.ValueString() == "" {
				diags.AddAttributeError(path.Root(Platform).AtName("store"), "Missing memfake store", "Set store to the name of the in-memory store.")
				return nil
			}
			return New(Open(b.Store.ValueString()), b.Namespace.ValueString())
		},
	}
}
