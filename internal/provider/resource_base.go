package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// baseResource holds what every resource gets from the provider: the configured driver,
// or nothing when the provider configuration was unknown at plan time.
type baseResource struct {
	data *providerData
}

// Configure stores the provider data (the same for every resource).
func (b *baseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected Resource Configure Type",
			fmt.Sprintf("Expected *providerData, got: %T. Please report this issue to the provider developers.", req.ProviderData))
		return
	}
	b.data = data
}

// configured returns the driver, or nil when the provider is not configured yet (plan
// with unknown provider values): plan-time platform checks are then skipped.
func (b *baseResource) configured() platform.Driver {
	if b.data == nil {
		return nil
	}
	return b.data.driver
}

// driver returns the driver for an apply-time operation, or adds an error.
func (b *baseResource) driver(diags *diag.Diagnostics) platform.Driver {
	if d := b.configured(); d != nil {
		return d
	}
	diags.AddError("Provider not configured",
		"The faas provider's configuration was not known when this operation ran. Apply the resources it depends on first.")
	return nil
}

// conflictNote follows a conflict reported as a warning at plan time.
const conflictNote = "If this plan replaces the resource that owns it (after a taint, -replace, or a create that " +
	"timed out), the replacement removes it first and this warning is expected. Otherwise the apply refuses this " +
	"resource, under the function's lock, before writing anything."

// addProblems turns a driver's capability findings into attribute errors; an empty
// attribute is a resource-level error. A conflict with what the platform holds
// (UnsupportedError.Conflict) is a warning: the same apply may resolve it, and the write
// checks it again.
func addProblems(diags *diag.Diagnostics, problems []*platform.UnsupportedError) {
	for _, p := range problems {
		summary := p.Summary
		if summary == "" {
			summary = "Unsupported on " + p.Platform
		}
		if p.Conflict {
			diags.AddAttributeWarning(attributePath(p.Attribute), summary, p.Error()+"\n\n"+conflictNote)
			continue
		}
		if p.Attribute == "" {
			diags.AddError(summary, p.Error())
			continue
		}
		diags.AddAttributeError(attributePath(p.Attribute), summary, p.Error())
	}
}

// functionIDAttribute is the function_id attribute of child resources. The child is
// replaced whenever function_id changes or becomes unknown, which is what happens when
// its function is replaced (rename, taint, -replace): the child is then created again
// on the new function in the same apply. An in-place update is not enough: Terraform
// plans again during apply, and when the new function has the same id as the old one
// (taint, -replace) the child's update turns into a no-op and its keys would be lost
// with the old function.
func functionIDAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{
		Required: true,
		MarkdownDescription: "The `id` of the `faas_function` this " + what + " belongs to (`namespace/name`); reference it as " +
			"`faas_function.<name>.id` so that Terraform orders the writes. When the function is replaced (rename, taint, " +
			"`-replace`) or this points at another function, the " + what + " is replaced too, in the same apply, so it is " +
			"written again into the new function.",
		Validators: []validator.String{functionIDValidator{}},
		PlanModifiers: []planmodifier.String{
			stringplanmodifier.RequiresReplaceIf(func(_ context.Context, req planmodifier.StringRequest, resp *stringplanmodifier.RequiresReplaceIfFuncResponse) {
				resp.RequiresReplace = !req.StateValue.IsNull() && (req.PlanValue.IsUnknown() || !req.StateValue.Equal(req.PlanValue))
			}, "Replaces the resource when its function is replaced or changes.", "Replaces the resource when its function is replaced or changes."),
		},
	}
}

// functionIDValidator checks the namespace/name form when the value is known.
type functionIDValidator struct{}

func (functionIDValidator) Description(context.Context) string {
	return "must be a function id of the form namespace/name"
}

func (v functionIDValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (functionIDValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseFunctionRef(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid function_id", err.Error())
	}
}

// parseFunctionRef parses a function_id, which is always namespace/name.
func parseFunctionRef(s string) (platform.FunctionID, error) {
	if !strings.Contains(s, "/") {
		return platform.FunctionID{}, fmt.Errorf("%q has no namespace: reference faas_function.<name>.id, which is namespace/name", s)
	}
	return platform.ParseFunctionID(s, "")
}

// notFoundRemoves handles a child whose object vanished during Read: a warning, and the
// resource leaves the state so that the next apply creates it again.
func notFoundRemoves(ctx context.Context, resp *resource.ReadResponse, what string) {
	resp.Diagnostics.AddWarning(what+" not found",
		what+" no longer exists on the platform (or its function was deleted); it was removed from the state and the next apply will create it again.")
	resp.State.RemoveResource(ctx)
}

const defaultChildTimeout = 10 * time.Minute

// withTimeout bounds ctx by a timeouts block value (default 10 minutes).
// timeoutsBlock is the `timeouts` block of a resource: create, update and delete bounds
// with the given descriptions, and a description of the block itself.
func timeoutsBlock(ctx context.Context, create, update, del string) schema.Block {
	b, _ := timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true,
		CreateDescription: create, UpdateDescription: update, DeleteDescription: del}).(schema.SingleNestedBlock)
	b.MarkdownDescription = "How long each operation may take in total, including retries of failed requests and the " +
		"waits until the platform reports the result, as Go duration strings such as `90s` or `15m`. An operation that runs " +
		"out of time fails with the platform's last status; a create or update that was written keeps the resource in " +
		"state, tainted, so the next apply replaces it."
	return b
}

// timeoutGetter is a timeouts.Value's Create or Update method.
type timeoutGetter = func(context.Context, time.Duration) (time.Duration, diag.Diagnostics)

// writePlanned is the Create and Update of the child resources: it reads the plan into
// a model, bounds ctx by the operation's timeout (timeout picks it from the model), runs
// write, and stores the model as the new state whenever write reports that the object
// was written, even along with an error (written but not ready in time): Terraform then
// keeps the resource, tainted, instead of losing track of what was written. Planned
// values the platform did not keep stay planned, with a warning (keepPlannedState).
func writePlanned[M any](ctx context.Context, plan tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics,
	timeout func(*M) timeoutGetter, write func(context.Context, *M, *diag.Diagnostics) bool) {
	var m M
	diags.Append(plan.Get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, timeout(&m), diags)
	if !ok {
		return
	}
	defer cancel()
	if write(ctx, &m, diags) {
		diags.Append(state.Set(ctx, &m)...)
		keepPlannedState(ctx, plan, state, diags)
	}
}

func withTimeout(ctx context.Context, get func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	d, dd := get(ctx, defaultChildTimeout)
	diags.Append(dd...)
	if diags.HasError() {
		return ctx, func() {}, false
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, true
}

// planDefaultNamespace fills a namespace the configuration leaves null with the
// provider's default, and replaces the resource when that default moved away from the
// namespace in state (the provider's namespace setting changed). It returns the planned
// namespace.
func planDefaultNamespace(ctx context.Context, d platform.Driver, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse, configured types.String) types.String {
	var planned types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("namespace"), &planned)...)
	if !configured.IsNull() {
		return planned
	}
	ns := d.DefaultNamespace()
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("namespace"), ns)...)
	if !req.State.Raw.IsNull() {
		var prior types.String
		resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("namespace"), &prior)...)
		if prior.ValueString() != ns {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("namespace"))
		}
	}
	return types.StringValue(ns)
}

// importFunctionID parses the import id of a resource identified by its function
// (faas_function, faas_scaling_policy): `namespace/name`, or `name` in the provider's
// default namespace, by the same rules for both.
func (b *baseResource) importFunctionID(raw string, diags *diag.Diagnostics) (platform.FunctionID, bool) {
	ns := ""
	if d := b.configured(); d != nil {
		ns = d.DefaultNamespace()
	}
	id, err := platform.ParseFunctionID(strings.TrimSpace(raw), ns)
	if err != nil || id.Namespace == "" {
		if err == nil {
			err = errors.New("the provider's default namespace is not known yet: use the namespace/name form")
		}
		diags.AddAttributeError(path.Root("id"), "Invalid import id",
			fmt.Sprintf("Expected \"namespace/name\" or \"name\" (in the provider's default namespace): %v", err))
		return id, false
	}
	return id, true
}

// readError reports a failed read of a child whose id is its own (trigger, route): an id
// that does not have the platform's form (a malformed import id, usually) is an
// "Invalid <what> id" error on id, anything else an "Error reading" one.
func readError(diags *diag.Diagnostics, what, id string, err error) {
	if errors.Is(err, platform.ErrInvalidID) {
		diags.AddAttributeError(path.Root("id"), fmt.Sprintf("Invalid %s id", what), err.Error())
		return
	}
	diags.AddError(fmt.Sprintf("Error reading %s %s", what, id), err.Error())
}
