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
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// baseResource holds what every resource gets from the provider: the configured driver,
// or nothing when the provider configuration was unknown at plan time.
type baseResource struct {
	data *providerData
}

// Configure stores the provider data (the same for every resource).
func (b *baseResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

// providerDataOf is the provider data a resource or data source is configured with: nil
// before the provider is configured, and an error for a value of another type.
func providerDataOf(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected Configure Type",
			fmt.Sprintf("Expected *providerData, got: %T. Please report this issue to the provider developers.", v))
	}
	return data
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

// subDriver returns d as S, the driver interface the resource type resourceType (such as
// "faas_route") needs (platform.RouteDriver and the like), or adds the one error every
// resource gives on a platform whose driver lacks it: "<resourceType> is not supported on
// <platform>", with the driver's explanation (platform.UnsupportedExplainer) or a generic
// one, and returns the zero S (nil).
func subDriver[S any](ctx context.Context, d platform.Driver, resourceType string, diags *diag.Diagnostics) S {
	if s, ok := d.(S); ok {
		return s
	}
	var none S
	info, err := d.Info(ctx)
	if err != nil {
		diags.AddError("Cannot check "+resourceType+" against the platform", err.Error())
		return none
	}
	detail := "This platform's driver does not support " + resourceType + "; remove the " + resourceType + "."
	if e, ok := d.(platform.UnsupportedExplainer); ok && e.WhyUnsupported(resourceType) != "" {
		detail = e.WhyUnsupported(resourceType)
	}
	diags.AddError(resourceType+" is not supported on "+info.Describe(), detail)
	return none
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
			diags.AddAttributeWarning(frameworkPath(p.Attribute), summary, p.Error()+"\n\n"+conflictNote)
			continue
		}
		if len(p.Attribute) == 0 {
			diags.AddError(summary, p.Error())
			continue
		}
		diags.AddAttributeError(frameworkPath(p.Attribute), summary, p.Error())
	}
}

// notReady reports an object that was written but is not ready, under summary, with
// the wait's error. A wait that was interrupted (Terraform stopped the provider, for
// example on Ctrl-C) is a warning, not an error: the object exists and may well become
// ready, so it is kept in the state untainted rather than replaced by the next apply,
// and the next plan refreshes it. Any other failure is an error, and Terraform keeps an
// object whose create failed that way in the state, tainted.
func notReady(diags *diag.Diagnostics, summary string, err error) {
	if platform.Interrupted(err) {
		diags.AddWarning("Interrupted while waiting: "+summary,
			err.Error()+"\n\nTerraform was interrupted while the provider waited. What was written stays in the state "+
				"and is not tainted, because it may well become ready; the next plan refreshes it from the platform.")
		return
	}
	diags.AddError(summary, err.Error())
}

// awaitFunction waits, within ctx (the child's create or update timeout), until the
// function a child belongs to exists, polling with platform.DefaultBackoff. A child
// whose function_id is a literal (what -generate-config-out writes) has no dependency on
// its faas_function, so Terraform may write it while the function's create is still on
// its way. It reports false, with an error on function_id, when the time runs out (or
// the wait is interrupted) or the platform cannot be read.
func awaitFunction(ctx context.Context, d platform.Driver, id platform.FunctionID, diags *diag.Diagnostics) bool {
	start := time.Now()
	err := platform.WaitFor(ctx, "function "+id.String(), "created", platform.DefaultBackoff, func(ctx context.Context) (bool, string, error) {
		_, err := d.ReadFunction(ctx, id)
		if errors.Is(err, platform.ErrNotFound) {
			return false, "the platform does not return it", nil
		}
		return err == nil, "", err
	})
	switch {
	case err == nil:
		return true
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, new(*platform.TimeoutError)):
		diags.AddAttributeError(path.Root("function_id"), "Function not found",
			fmt.Sprintf("function %s does not exist: waited %s (the create timeout) for it to be created. Create it first: "+
				"reference the function as function_id = faas_function.<name>.id, so that Terraform creates it before this "+
				"resource (a literal id, as -generate-config-out writes it, gives Terraform no order), or correct the id.",
				id, time.Since(start).Round(time.Second)))
	case platform.Interrupted(err):
		diags.AddAttributeError(path.Root("function_id"), "Interrupted", fmt.Sprintf("Nothing was written: %v.", err))
	default:
		diags.AddAttributeError(path.Root("function_id"), "Cannot read the function", fmt.Sprintf("reading function %s: %v", id, err))
	}
	return false
}

// childDeleted reports the outcome of the delete of a child resource (what, such as
// "Trigger openfaas-fn/f/cron"). A delete that had to leave the child's keys on the
// function (*platform.KeysRemainError: removing them means writing the whole function,
// whose unreadable values the provider does not know, or, on Knative, a revision
// template that pins its revision name) is a warning, not an error: the
// child leaves the state, so that a destroy can finish, and the warning says what
// remains on the function and how to remove it. Any other error keeps it in the state.
func childDeleted(diags *diag.Diagnostics, what string, err error) {
	var kr *platform.KeysRemainError
	switch {
	case err == nil:
	case errors.As(err, &kr):
		remedy := kr.Remedy
		if remedy == "" {
			remedy = "apply a faas_function that manages the function and sets those attributes (that apply records them), then " +
				"import this resource again and destroy it; or remove the keys with faas-cli or kubectl."
		}
		diags.AddWarning(what+" removed from the state; its keys remain on the function",
			fmt.Sprintf("%s was removed from the Terraform state, but nothing was written: %s remain on function %s, and "+
				"they keep working (a trigger keeps invoking the function, a scaling policy keeps scaling it). Removing them "+
				"means writing the function, and %v.\n\nIf the function is destroyed too, as in a destroy of the whole "+
				"configuration, the keys go with it. Otherwise, to remove them: %s", what, strings.Join(kr.Keys, ", "), kr.Function, kr.Cause, remedy))
	default:
		diags.AddError("Error deleting "+lowerFirst(what), err.Error())
	}
}

// lowerFirst lower-cases the first letter of s, for "Error deleting the ...".
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
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
			"written again into the new function. A literal id (as `-generate-config-out` writes it) also works: when the " +
			"function does not exist yet, create and update wait for it within their `timeouts`, then fail with `Function not found`.",
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

// timeoutsBlock is the `timeouts` block of a resource: create, update and delete bounds
// with the given descriptions, and a description of the block itself.
func timeoutsBlock(ctx context.Context, create, update, del string) schema.Block {
	b, _ := timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Delete: true,
		CreateDescription: create, UpdateDescription: update, DeleteDescription: del}).(schema.SingleNestedBlock)
	b.MarkdownDescription = "How long each operation may take in total, including retries of failed requests and the " +
		"waits until the platform reports the result, as Go duration strings such as `90s` or `15m`. An operation that runs " +
		"out of time fails with the platform's last status; a create or update that was written keeps the resource in " +
		"state, tainted, so the next apply replaces it. An operation that Terraform interrupts (Ctrl-C) during such a wait " +
		"says so in a warning and keeps what was written in state, untainted: the next plan refreshes it."
	return b
}

// waitForReadyAttribute is the wait_for_ready attribute of a child resource, with the
// semantics of faas_function's: what names the object and what it waits for.
func waitForReadyAttribute(what string) schema.BoolAttribute {
	return schema.BoolAttribute{
		Optional: true,
		Computed: true,
		Default:  booldefault.StaticBool(true),
		MarkdownDescription: "Wait after create and update until " + what + ", within `timeouts`. Default `true`, as on " +
			"`faas_function`. When the wait runs out of time the resource stays in state, tainted, and the error gives the " +
			"platform's last status; a wait that Terraform interrupts (Ctrl-C) is a warning, and the resource stays in state " +
			"untainted. With `false` the apply returns as soon as the platform accepted the write: the provider reads the " +
			"object once, to record what the platform stored, and fails only when that read fails or already shows a " +
			"failure. Not read from the platform: an import sets it to `true`. Changing it alone changes nothing on the platform.",
	}
}

// withReadyWait returns ctx for a write of plan: one in which the drivers' waits for
// readiness return at once when the plan's wait_for_ready is false.
func withReadyWait(ctx context.Context, plan tfsdk.Plan, diags *diag.Diagnostics) context.Context {
	var wait types.Bool
	diags.Append(plan.GetAttribute(ctx, path.Root("wait_for_ready"), &wait)...)
	if !wait.IsNull() && !wait.IsUnknown() && !wait.ValueBool() {
		return platform.WithoutReadyWait(ctx)
	}
	return ctx
}

// updatePlanned is the Update of the child resources: writePlanned, except that a plan
// that changes only the settings living in Terraform (wait_for_ready, timeouts) is
// stored as it is, writing and waiting for nothing.
func updatePlanned[M any](ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse,
	timeout func(*M) timeoutGetter, write func(context.Context, *M, *diag.Diagnostics) bool) {
	if onlySettingsChanged(req.Plan, req.State) {
		// The state, with the plan's settings.
		resp.State.Raw = mergeSettings(req.Plan, req.State.Raw)
		return
	}
	writePlanned(ctx, req.Plan, &resp.State, &resp.Diagnostics, timeout, write)
}

// onlySettingsChanged reports whether plan equals state but for wait_for_ready,
// timeouts and the computed values the plan does not know (with every configured value
// unchanged, those keep their values in state).
func onlySettingsChanged(plan tfsdk.Plan, state tfsdk.State) bool {
	merged, err := tftypes.Transform(plan.Raw, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if isSetting(p) || !v.IsKnown() {
			if prior, ok := valueAt(state.Raw, p); ok {
				return prior, nil
			}
		}
		return v, nil
	})
	return err == nil && merged.Equal(state.Raw)
}

// settingAttributes are the attributes of a child resource that live only in Terraform.
var settingAttributes = map[string]bool{"wait_for_ready": true, "timeouts": true}

// isSetting reports whether p is one of settingAttributes (the whole attribute).
func isSetting(p *tftypes.AttributePath) bool {
	steps := p.Steps()
	if len(steps) != 1 {
		return false
	}
	name, ok := steps[0].(tftypes.AttributeName)
	return ok && settingAttributes[string(name)]
}

// valueAt returns the value at p in v, and whether v has one there.
func valueAt(v tftypes.Value, p *tftypes.AttributePath) (tftypes.Value, bool) {
	got, _, err := tftypes.WalkAttributePath(v, p)
	val, ok := got.(tftypes.Value)
	return val, ok && err == nil
}

// mergeSettings returns prior with the plan's values of settingAttributes.
func mergeSettings(plan tfsdk.Plan, prior tftypes.Value) tftypes.Value {
	out, err := tftypes.Transform(prior, func(p *tftypes.AttributePath, v tftypes.Value) (tftypes.Value, error) {
		if isSetting(p) {
			if pv, ok := valueAt(plan.Raw, p); ok {
				return pv, nil
			}
		}
		return v, nil
	})
	if err != nil {
		return plan.Raw.Copy()
	}
	return out
}

// readOnlySettings fills, after a read or an import, the settings that live only in
// Terraform and that a read cannot know: wait_for_ready (true) and timeouts (null).
func readOnlySettings(ctx context.Context, wait *types.Bool, t *timeouts.Value) {
	if wait.IsNull() || wait.IsUnknown() {
		*wait = types.BoolValue(true)
	}
	if t.IsNull() || t.IsUnknown() {
		*t = timeouts.Value{Object: types.ObjectNull(t.AttributeTypes(ctx))}
	}
}

// timeoutGetter is a timeouts.Value's Create, Update or Delete method.
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
	ctx, cancel, ok := withTimeout(ctx, timeout(&m), defaultChildTimeout, diags)
	if !ok {
		return
	}
	defer cancel()
	if ctx = withReadyWait(ctx, plan, diags); diags.HasError() {
		return
	}
	if write(ctx, &m, diags) {
		diags.Append(state.Set(ctx, &m)...)
		keepPlannedState(ctx, plan, state, diags)
	}
}

// withTimeout bounds ctx by the operation's timeout (get, a timeouts.Value's Create,
// Update or Delete method, with dflt when the configuration sets none); false when the timeout is
// invalid (its diagnostics are in diags). cancel is always safe to call.
func withTimeout(ctx context.Context, get timeoutGetter, dflt time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc, bool) {
	d, dd := get(ctx, dflt)
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
