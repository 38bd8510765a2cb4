package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/customtypes"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ resource.ResourceWithConfigure        = (*scalingPolicyResource)(nil)
	_ resource.ResourceWithImportState      = (*scalingPolicyResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*scalingPolicyResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*scalingPolicyResource)(nil)
	_ resource.ResourceWithUpgradeState     = (*scalingPolicyResource)(nil)
	_ resource.ResourceWithConfigValidators = (*scalingPolicyResource)(nil)
)

func newScalingPolicyResource() resource.Resource { return &scalingPolicyResource{} }

// scalingPolicyResource is faas_scaling_policy.
type scalingPolicyResource struct {
	baseResource
}

type scalingPolicyModel struct {
	ID                       types.String         `tfsdk:"id"`
	FunctionID               types.String         `tfsdk:"function_id"`
	MinReplicas              types.Int64          `tfsdk:"min_replicas"`
	MaxReplicas              types.Int64          `tfsdk:"max_replicas"`
	Metric                   types.String         `tfsdk:"metric"`
	Target                   types.Int64          `tfsdk:"target"`
	TargetUtilizationPercent types.Int64          `tfsdk:"target_utilization_percent"`
	ScaleToZeroAfter         customtypes.Duration `tfsdk:"scale_to_zero_after"`
	WaitForReady             types.Bool           `tfsdk:"wait_for_ready"`
	Timeouts                 timeouts.Value       `tfsdk:"timeouts"`
}

// scalingPolicyModelV0 is the state of schema version 0, which had scale_to_zero besides
// min_replicas.
type scalingPolicyModelV0 struct {
	ID                       types.String         `tfsdk:"id"`
	FunctionID               types.String         `tfsdk:"function_id"`
	MinReplicas              types.Int64          `tfsdk:"min_replicas"`
	MaxReplicas              types.Int64          `tfsdk:"max_replicas"`
	Metric                   types.String         `tfsdk:"metric"`
	Target                   types.Int64          `tfsdk:"target"`
	TargetUtilizationPercent types.Int64          `tfsdk:"target_utilization_percent"`
	ScaleToZero              types.Bool           `tfsdk:"scale_to_zero"`
	ScaleToZeroAfter         customtypes.Duration `tfsdk:"scale_to_zero_after"`
	WaitForReady             types.Bool           `tfsdk:"wait_for_ready"`
	Timeouts                 timeouts.Value       `tfsdk:"timeouts"`
}

func (r *scalingPolicyResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scaling_policy"
}

func (r *scalingPolicyResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		// Version 1 folded scale_to_zero into min_replicas = 0 (UpgradeState).
		Version: 1,
		MarkdownDescription: "Autoscaling of one function: replica bounds (`min_replicas = 0` is scale to zero), the metric and target to scale on. " +
			"A function has at most one policy. OpenFaaS: the function's `com.openfaas.scale.*` labels " +
			"(https://docs.openfaas.com/architecture/autoscaling/), written by read-modify-write of the whole function under a " +
			"per-function lock; every write rolls the function out again and the apply waits until it is ready. " +
			"The Community Edition honours only `min_replicas` and `max_replicas` up to 5; faasd has no autoscaling (plan-time errors). " +
			"Knative: `autoscaling.knative.dev/*` annotations on the Service's `spec.template.metadata.annotations`, so every change makes a " +
			"new Revision and the apply waits until it is ready; the class follows the metric (KPA for `concurrency` and `rps`, HPA for " +
			"`cpu` and `memory`) and the values are checked as Knative's webhook would. A function that sets " +
			"`faas_function.revision_name` cannot take a policy write, because Knative refuses a change of the revision template " +
			"that keeps the revision's name: creating or changing the policy then fails at apply before anything is sent (the " +
			"plan warns on `function_id` when the function pins a name already), and destroying it leaves its keys on the " +
			"function with a warning. " +
			"Unset attributes keep the platform's defaults (OpenFaaS: min 1, max 20 on Pro and 5 on CE, type rps, target 50). " +
			"When the function is created or replaced in the same plan, the checks that need to read it (another policy on it) run at apply.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The policy's id, equal to its function's id: `namespace/function`. Import with this id, or with " +
					"`function` alone for a function in the provider's default namespace (as `faas_function` imports).",
			},
			"function_id": functionIDAttribute("policy"),
			"min_replicas": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Lowest replica count, an integer of at least 0 and at most `max_replicas`; **0 is scale to zero**: " +
					"the function may have no replica while idle, and a function scaled to zero counts as ready. Unset keeps the platform's " +
					"default (OpenFaaS 1; Knative 0, so a Knative function scales to zero unless the cluster disables it). " +
					"OpenFaaS: 1 or more is `com.openfaas.scale.min`; 0 is `com.openfaas.scale.zero = true` (Pro), with OpenFaaS's minimum of one " +
					"replica while the function is awake, and a function carrying `com.openfaas.scale.zero = true` reads as 0 whatever its " +
					"`com.openfaas.scale.min`. Community Edition: 1 to 5 (0 is a plan-time error: it cannot scale to zero). " +
					"Knative: `autoscaling.knative.dev/min-scale`; 0 with metric `cpu` or `memory` is a plan-time error (the HPA keeps one replica).",
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"max_replicas": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Highest replica count, an integer of at least 1. OpenFaaS: `com.openfaas.scale.max` " +
					"(default 20 on Pro, 5 on the Community Edition, which rejects more). Knative: `max-scale`, capped by the cluster's `max-scale-limit`.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"metric": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "What to scale on: `rps` (requests per second), `concurrency` (in-flight requests per replica), " +
					"`cpu` (millicores) or `memory`. OpenFaaS Pro: `com.openfaas.scale.type` `rps`, `capacity` (our `concurrency`) " +
					"or `cpu`; `memory` is a plan-time error. Community Edition: a plan-time error. Knative: `autoscaling.knative.dev/metric`, " +
					"with class `kpa` for `concurrency` and `rps` and `hpa` for `cpu` and `memory` (the HPA cannot scale to zero nor keep zero replicas).",
				Validators: []validator.String{stringvalidator.OneOf("rps", "concurrency", "cpu", "memory")},
			},
			"target": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Target per replica in the metric's unit (requests per second, in-flight requests, or " +
					"millicores), an integer of at least 1. OpenFaaS Pro: `com.openfaas.scale.target` (default 50).",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"target_utilization_percent": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Share of `target` to aim for, 1 to 100 percent. OpenFaaS Pro: " +
					"`com.openfaas.scale.target-proportion` = percent / 100 (default 90). Knative: `target-utilization-percentage`.",
				Validators: []validator.Int64{int64validator.Between(1, 100)},
			},
			"scale_to_zero_after": schema.StringAttribute{
				CustomType: customtypes.DurationType{},
				Optional:   true,
				MarkdownDescription: "Idle time before scaling to zero, a positive Go duration such as `15m`, for a policy that scales " +
					"to zero: `min_replicas` of 1 or more is a plan-time error. OpenFaaS Pro: `com.openfaas.scale.zero-duration` " +
					"(default 15m); it needs `min_replicas = 0`. Community Edition: a plan-time error. Knative: " +
					"`scale-to-zero-pod-retention-period`, the closest equivalent, at most 1h; `min_replicas` unset or 0; with metric " +
					"`cpu` or `memory` a plan-time error.",
			},
			"wait_for_ready": waitForReadyAttribute("the function has rolled out with the policy and is ready again (OpenFaaS: the Deployment is available; Knative: the new Revision is `Ready`)"),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx,
				"Default `10m`: writing the policy and waiting until the function is ready again.",
				"Default `10m`: rewriting the policy and waiting until the function is ready again.",
				"Default `10m`: removing the policy's keys and waiting until the function is ready again."),
		},
	}
}

// ConfigValidators refuses a policy that sets nothing: it would write no key, so the
// platform would hold no policy to read back.
func (r *scalingPolicyResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{resourcevalidator.AtLeastOneOf(
		path.MatchRoot("min_replicas"), path.MatchRoot("max_replicas"), path.MatchRoot("metric"), path.MatchRoot("target"),
		path.MatchRoot("target_utilization_percent"), path.MatchRoot("scale_to_zero_after"),
	)}
}

// ValidateConfig checks what needs no platform: min <= max, and a retention period
// only with scale to zero.
func (r *scalingPolicyResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg scalingPolicyModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if known(cfg.MinReplicas) && known(cfg.MaxReplicas) && cfg.MinReplicas.ValueInt64() > cfg.MaxReplicas.ValueInt64() {
		resp.Diagnostics.AddAttributeError(path.Root("min_replicas"), "min_replicas is greater than max_replicas",
			fmt.Sprintf("min_replicas (%d) must not be greater than max_replicas (%d).", cfg.MinReplicas.ValueInt64(), cfg.MaxReplicas.ValueInt64()))
	}
	if known(cfg.MinReplicas) && cfg.MinReplicas.ValueInt64() > 0 && !cfg.ScaleToZeroAfter.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("scale_to_zero_after"), "scale_to_zero_after without scale to zero",
			fmt.Sprintf("scale_to_zero_after only applies to a policy that scales to zero, and min_replicas = %d keeps replicas. "+
				"Set min_replicas = 0 (scale to zero), or remove scale_to_zero_after.", cfg.MinReplicas.ValueInt64()))
	}
}

// UpgradeState upgrades the state of schema version 0: scale_to_zero = true becomes
// min_replicas = 0, and scale_to_zero = false (the platform's own default when
// min_replicas is unset) is dropped. The next refresh reads the policy back from the
// platform.
func (r *scalingPolicyResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	var current resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &current)
	prior := current.Schema
	prior.Version = 0
	prior.Attributes = maps.Clone(current.Schema.Attributes)
	prior.Attributes["scale_to_zero"] = schema.BoolAttribute{Optional: true}
	return map[int64]resource.StateUpgrader{0: {
		PriorSchema: &prior,
		StateUpgrader: func(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
			var old scalingPolicyModelV0
			resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
			if resp.Diagnostics.HasError() {
				return
			}
			m := scalingPolicyModel{
				ID: old.ID, FunctionID: old.FunctionID, MinReplicas: old.MinReplicas, MaxReplicas: old.MaxReplicas,
				Metric: old.Metric, Target: old.Target, TargetUtilizationPercent: old.TargetUtilizationPercent,
				ScaleToZeroAfter: old.ScaleToZeroAfter, WaitForReady: old.WaitForReady, Timeouts: old.Timeouts,
			}
			if known(old.ScaleToZero) && old.ScaleToZero.ValueBool() {
				m.MinReplicas = types.Int64Value(0)
			}
			resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
		},
	}}
}

// known reports a value that is neither null nor unknown.
func known(v interface {
	IsNull() bool
	IsUnknown() bool
}) bool {
	return !v.IsNull() && !v.IsUnknown()
}

func int64Ptr(v types.Int64) *int64 {
	if !known(v) {
		return nil
	}
	x := v.ValueInt64()
	return &x
}

func int64Value(p *int64) types.Int64 {
	if p == nil {
		return types.Int64Null()
	}
	return types.Int64Value(*p)
}

// policyFromModel builds the neutral policy. fnKnown is false when function_id is not
// known yet (the function is created in the same apply): the policy then has no
// function, and only the checks that need none can run. ok is false when another value
// is unknown.
func policyFromModel(m *scalingPolicyModel) (p *platform.ScalingPolicy, fnKnown, ok bool) {
	p = &platform.ScalingPolicy{
		MinReplicas: int64Ptr(m.MinReplicas), MaxReplicas: int64Ptr(m.MaxReplicas),
		Metric: m.Metric.ValueString(), Target: int64Ptr(m.Target),
		TargetUtilizationPercent: int64Ptr(m.TargetUtilizationPercent),
		ScaleToZeroAfter:         m.ScaleToZeroAfter.ValueString(),
	}
	if fn, err := parseFunctionRef(m.FunctionID.ValueString()); err == nil && !m.FunctionID.IsUnknown() {
		p.Function, fnKnown = fn, true
	}
	ok = !m.MinReplicas.IsUnknown() && !m.MaxReplicas.IsUnknown() && !m.Metric.IsUnknown() && !m.Target.IsUnknown() &&
		!m.TargetUtilizationPercent.IsUnknown() && !m.ScaleToZeroAfter.IsUnknown()
	return p, fnKnown, ok
}

func policyToModel(p *platform.ScalingPolicy, m *scalingPolicyModel) {
	m.ID = types.StringValue(p.Function.String())
	m.FunctionID = types.StringValue(p.Function.String())
	m.MinReplicas, m.MaxReplicas = int64Value(p.MinReplicas), int64Value(p.MaxReplicas)
	m.Target, m.TargetUtilizationPercent = int64Value(p.Target), int64Value(p.TargetUtilizationPercent)
	m.Metric = types.StringNull()
	if p.Metric != "" {
		m.Metric = types.StringValue(p.Metric)
	}
	m.ScaleToZeroAfter = customtypes.NewDurationNull()
	if p.ScaleToZeroAfter != "" {
		m.ScaleToZeroAfter = customtypes.NewDurationValue(p.ScaleToZeroAfter)
	}
}

func (r *scalingPolicyResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan scalingPolicyModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The id is the function's id: unknown exactly when the function is being replaced.
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.FunctionID)...)
	d := r.configured()
	p, fnKnown, ok := policyFromModel(&plan)
	if d == nil || !ok {
		return
	}
	sd := subDriver[platform.ScalingDriver](ctx, d, "faas_scaling_policy", &resp.Diagnostics)
	if sd == nil {
		return
	}
	// Without a known function only the checks that need no function run; the rest run
	// again at apply.
	problems, err := sd.CheckScalingPolicy(ctx, p, fnKnown && req.State.Raw.IsNull())
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the scaling policy against the platform", err.Error())
		return
	}
	addProblems(&resp.Diagnostics, problems)
	if fnKnown && !resp.Diagnostics.HasError() && r.plansWrite(ctx, req, p, &resp.Diagnostics) {
		checkPolicyWrite(ctx, sd, p.Function, &resp.Diagnostics)
	}
}

// plansWrite reports whether the plan writes the policy: a create, or an update that
// changes one of its settings (wait_for_ready and timeouts write nothing).
func (r *scalingPolicyResource) plansWrite(ctx context.Context, req resource.ModifyPlanRequest, planned *platform.ScalingPolicy, diags *diag.Diagnostics) bool {
	if req.State.Raw.IsNull() {
		return true
	}
	var state scalingPolicyModel
	diags.Append(req.State.Get(ctx, &state)...)
	prior, _, ok := policyFromModel(&state)
	return !ok || !reflect.DeepEqual(prior, planned)
}

// checkPolicyWrite warns, on function_id, when the function as the platform holds it now
// refuses every write of its policy (platform.ScalingWriteChecker: on Knative, a
// function that pins revision_name). A warning, not an error: the same apply may
// change the function first (remove revision_name); the write checks again and
// refuses before sending anything.
func checkPolicyWrite(ctx context.Context, sd platform.ScalingDriver, fn platform.FunctionID, diags *diag.Diagnostics) {
	wc, ok := sd.(platform.ScalingWriteChecker)
	if !ok {
		return
	}
	problems, err := wc.CheckScalingPolicyWrite(ctx, fn)
	if err != nil {
		diags.AddError("Cannot check the scaling policy against the platform", err.Error())
		return
	}
	for _, p := range problems {
		diags.AddAttributeWarning(frameworkPath(p.Attribute), p.Summary, p.Error()+"\n\nThis apply fails on this policy, "+
			"before writing it, unless an earlier change of the same apply removes the function's revision_name.")
	}
}

// apply writes the policy and reports whether plan now describes a policy on the
// platform (also when it was written but the function did not become ready in time).
func (r *scalingPolicyResource) apply(ctx context.Context, plan *scalingPolicyModel, create bool, diags *diag.Diagnostics) bool {
	d := r.driver(diags)
	if d == nil {
		return false
	}
	sd := subDriver[platform.ScalingDriver](ctx, d, "faas_scaling_policy", diags)
	if sd == nil {
		return false
	}
	p, fnKnown, _ := policyFromModel(plan)
	if !fnKnown {
		diags.AddAttributeError(path.Root("function_id"), "Invalid function_id", "function_id must be namespace/name.")
		return false
	}
	if !awaitFunction(ctx, d, p.Function, diags) {
		return false
	}
	problems, err := sd.CheckScalingPolicy(ctx, p, false)
	if err != nil {
		diags.AddError("Cannot check the scaling policy against the platform", err.Error())
		return false
	}
	if addProblems(diags, problems); diags.HasError() {
		return false
	}
	got, err := sd.ApplyScalingPolicy(ctx, p, create)
	if err != nil && got != nil {
		// Written but the function did not become ready again: keep it in the state
		// (tainted on create), never orphan its keys.
		policyToModel(got, plan)
		notReady(diags, fmt.Sprintf("The scaling policy of function %s was written but the function is not ready", p.Function), err)
		return true
	}
	if err != nil {
		diags.AddError(fmt.Sprintf("Error writing the scaling policy of function %s", p.Function), err.Error())
		return false
	}
	policyToModel(got, plan)
	return true
}

func (r *scalingPolicyResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	writePlanned(ctx, req.Plan, &resp.State, &resp.Diagnostics,
		func(m *scalingPolicyModel) timeoutGetter { return m.Timeouts.Create },
		func(ctx context.Context, m *scalingPolicyModel, diags *diag.Diagnostics) bool {
			return r.apply(ctx, m, true, diags)
		})
}

func (r *scalingPolicyResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state scalingPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.configured()
	if resp.Diagnostics.HasError() || d == nil {
		return
	}
	sd := subDriver[platform.ScalingDriver](ctx, d, "faas_scaling_policy", &resp.Diagnostics)
	if sd == nil {
		return
	}
	fn, err := parseFunctionRef(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid scaling policy id", err.Error())
		return
	}
	p, err := sd.ReadScalingPolicy(ctx, fn)
	if errors.Is(err, platform.ErrNotFound) {
		notFoundRemoves(ctx, resp, "Scaling policy of function "+fn.String())
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error reading the scaling policy of function %s", fn), err.Error())
		return
	}
	policyToModel(p, &state)
	readOnlySettings(ctx, &state.WaitForReady, &state.Timeouts)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *scalingPolicyResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updatePlanned(ctx, req, resp,
		func(m *scalingPolicyModel) timeoutGetter { return m.Timeouts.Update },
		func(ctx context.Context, m *scalingPolicyModel, diags *diag.Diagnostics) bool {
			return r.apply(ctx, m, false, diags)
		})
}

func (r *scalingPolicyResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state scalingPolicyModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sd := subDriver[platform.ScalingDriver](ctx, d, "faas_scaling_policy", &resp.Diagnostics)
	if sd == nil {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, state.Timeouts.Delete, defaultChildTimeout, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	fn, err := parseFunctionRef(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid scaling policy id", err.Error())
		return
	}
	childDeleted(&resp.Diagnostics, "The scaling policy of function "+fn.String(), sd.DeleteScalingPolicy(ctx, fn))
}

// ImportState takes the function's id, `namespace/function`, or `function` in the
// provider's default namespace, as faas_function's import does.
func (r *scalingPolicyResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	fn, ok := r.importFunctionID(req.ID, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), fn.String())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("function_id"), fn.String())...)
}
