// Package provider implements the faas Terraform provider on terraform-plugin-framework:
// the provider configuration (one platform block per instance), and every resource and
// data source. Resources speak only the neutral model of package platform; the driver
// chosen by the platform block does the talking.
package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/customtypes"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformblock"
)

const (
	defaultRequestTimeout = 30 * time.Second
	defaultMaxRetries     = 4
)

var _ provider.Provider = (*faasProvider)(nil)

// faasProvider is the provider: its version and its platform blocks.
type faasProvider struct {
	version string
	blocks  []platformblock.Block
}

// New returns a factory for the provider, as providerserver.Serve expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return newProvider(version, defaultBlocks()) }
}

// defaultBlocks lists the provider's platform blocks, one line per platform (DESIGN.md
// section 11), in the order the documentation and the errors name them.
func defaultBlocks() []platformblock.Block {
	return []platformblock.Block{
		openfaasProviderBlock(),
		knativeProviderBlock(),
	}
}

// newProvider returns the provider with the given platform blocks; a test adds a fake
// platform by appending its block to defaultBlocks().
func newProvider(version string, blocks []platformblock.Block) provider.Provider {
	return &faasProvider{version: version, blocks: blocks}
}

// Metadata implements provider.Provider.
func (p *faasProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "faas"
	resp.Version = p.version
}

// Schema implements provider.Provider. The platform blocks come from p.blocks.
func (p *faasProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	blocks := map[string]schema.Block{}
	var names []string
	for _, b := range p.blocks {
		blocks[b.Name] = b.Schema
		names = append(names, "`"+b.Name+"`")
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages functions, their triggers, routes, scaling policies and secrets on self-hosted " +
			"function platforms. Each provider instance talks to exactly one platform, chosen by its single platform " +
			"block (" + listOf(names, "or") + "); none or two are configuration errors. Use aliased provider blocks for several platforms.",
		Attributes: map[string]schema.Attribute{
			"request_timeout": schema.StringAttribute{
				CustomType: customtypes.DurationType{},
				Optional:   true,
				MarkdownDescription: "Time limit of one HTTP request attempt to the platform, as a Go duration (for example `30s`). " +
					"Default `30s`. Retries and readiness waits are bounded separately, by `max_retries` and each resource's `timeouts`. " +
					"A value that is not a positive duration is a plan-time error.",
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times a request is retried after a connection error, HTTP 429 or HTTP 502/503/504, " +
					"with exponential backoff and jitter, honouring `Retry-After`. Integer from 0 to 20, default `4`. " +
					"A create whose outcome is unknown is never blindly retried: the provider reads the function back first.",
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
		},
		Blocks: blocks,
	}
}

// listOf renders names as "a or b", or "a, b or c" (with conjunction "or").
func listOf(names []string, conjunction string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + conjunction + " " + names[len(names)-1]
}

// Configure implements provider.Provider: exactly one of p.blocks must be set, and it
// builds the driver. Values still unknown at plan time configure the provider lazily:
// plan-time checks that need the platform are skipped, and run at apply instead
// (DESIGN.md section 4).
func (p *faasProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var requestTimeout customtypes.Duration
	var retries types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("request_timeout"), &requestTimeout)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("max_retries"), &retries)...)
	var all, set []string
	var chosen platformblock.Block
	for _, b := range p.blocks {
		all = append(all, b.Name)
		var obj types.Object
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(b.Name), &obj)...)
		if !obj.IsNull() {
			set = append(set, b.Name)
			chosen = b
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case len(set) == 0:
		resp.Diagnostics.AddError("No platform block",
			"Configure exactly one platform block in the provider, "+listOf(all, "or")+", for example:\n\n"+
				"provider \"faas\" {\n  "+p.blocks[0].Example+"\n}\n\n"+
				"Use aliased provider blocks to manage several platforms.")
		return
	case len(set) > 1:
		both, last := "", set[len(set)-1]
		if len(set) == 2 {
			both = "both "
		}
		resp.Diagnostics.AddAttributeError(path.Root(last), "Conflicting platform blocks",
			"A provider instance talks to exactly one platform, but "+both+listOf(set, "and")+" are configured. "+
				"Use one aliased provider block per platform:\n\nprovider \"faas\" {\n  alias = \""+last+"\"\n  "+last+" { ... }\n}")
		return
	}
	if !req.Config.Raw.IsFullyKnown() {
		tflog.Info(ctx, "provider configuration has values unknown until apply; platform checks are deferred to apply")
		data := &providerData{}
		resp.ResourceData, resp.DataSourceData = data, data
		return
	}
	settings := platformblock.Settings{RequestTimeout: defaultRequestTimeout, MaxRetries: defaultMaxRetries, UserAgent: p.userAgent(req.TerraformVersion)}
	if !requestTimeout.IsNull() {
		if d, err := requestTimeout.ParseDuration(); err == nil && d > 0 {
			settings.RequestTimeout = d
		}
	}
	if !retries.IsNull() {
		settings.MaxRetries = int(retries.ValueInt64())
	}
	d := chosen.Configure(ctx, req.Config, settings, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{driver: d}
	resp.ResourceData, resp.DataSourceData = data, data
}

// userAgent is the User-Agent of every request: terraform-provider-faas/<version>.
func (p *faasProvider) userAgent(tfVersion string) string {
	return fmt.Sprintf("terraform-provider-faas/%s (+https://registry.terraform.io/providers/faasform/faas) Terraform/%s", p.version, tfVersion)
}

// Resources implements provider.Provider.
func (p *faasProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newFunctionResource,
		newScalingPolicyResource,
		newTriggerResource,
		newSecretResource,
		newRouteResource,
		newTrafficSplitResource,
	}
}

// DataSources implements provider.Provider.
func (p *faasProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newFunctionDataSource,
		newFunctionsDataSource,
		newPlatformDataSource,
	}
}

// providerData is what Configure hands to resources and data sources.
type providerData struct {
	// driver is nil when the provider configuration was unknown at plan time.
	driver platform.Driver
}
