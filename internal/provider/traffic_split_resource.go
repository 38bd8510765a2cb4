package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ resource.ResourceWithConfigure      = (*trafficSplitResource)(nil)
	_ resource.ResourceWithImportState    = (*trafficSplitResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*trafficSplitResource)(nil)
	_ resource.ResourceWithValidateConfig = (*trafficSplitResource)(nil)
)

func newTrafficSplitResource() resource.Resource { return &trafficSplitResource{} }

// trafficSplitResource is faas_traffic_split.
type trafficSplitResource struct {
	baseResource
}

type trafficSplitModel struct {
	ID           types.String   `tfsdk:"id"`
	FunctionID   types.String   `tfsdk:"function_id"`
	Targets      types.List     `tfsdk:"targets"`
	TagURLs      types.Map      `tfsdk:"tag_urls"`
	WaitForReady types.Bool     `tfsdk:"wait_for_ready"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

// trafficTargetModel is one element of targets, read with As once the list is known.
type trafficTargetModel struct {
	RevisionName   types.String `tfsdk:"revision_name"`
	LatestRevision types.Bool   `tfsdk:"latest_revision"`
	Percent        types.Int64  `tfsdk:"percent"`
	Tag            types.String `tfsdk:"tag"`
}

var trafficTargetAttrTypes = map[string]attr.Type{
	"revision_name": types.StringType, "latest_revision": types.BoolType, "percent": types.Int64Type, "tag": types.StringType,
}

func (r *trafficSplitResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_traffic_split"
}

func (r *trafficSplitResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "How a function's requests are shared among its revisions: canary releases, blue/green switches and " +
			"roll-backs, with the percentages in the plan. A function has at most one split. " +
			"Knative: the Service's `spec.traffic` (https://knative.dev/docs/serving/traffic-management/), which this resource " +
			"owns as a whole (`faas_function` never writes it), marked by the Service annotation `faasform.dev/traffic-split`; " +
			"changing it creates no revision, and the apply waits until the Service's Route serves exactly the split " +
			"(`Ready` and `status.traffic` equal to `spec.traffic`). Name revisions with `faas_function.revision_name` (or refer to " +
			"`faas_function.latest_ready_revision`, which moves with every new revision). Destroying the split sends all traffic to the latest revision again. " +
			"OpenFaaS: a plan-time error, because an OpenFaaS function has no revisions to split traffic across (weighted " +
			"routing needs a service mesh or an ingress in front of two functions).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The split's id, equal to its function's id: `namespace/function`. Import with this id, or with " +
					"`function` alone for a function in the provider's default namespace (as `faas_function` imports).",
			},
			"function_id": functionIDAttribute("traffic split"),
			"targets": schema.ListNestedAttribute{
				Required: true,
				MarkdownDescription: "The shares of traffic, in order, at least one. Their `percent` must add up to 100 (a plan-time " +
					"error on `targets` otherwise); tags must be unique; at most one target may be `latest_revision`. Knative: " +
					"`spec.traffic`, one entry per target.",
				Validators: []validator.List{listvalidator.SizeAtLeast(1)},
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"revision_name": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "String. The revision that receives this share, such as `faas_function.api.revision_name` or " +
							"`faas_function.api.latest_ready_revision`. Set exactly one of `revision_name` and `latest_revision = true` " +
							"(a plan-time error otherwise). A DNS-1035 label; on Knative it starts with the function's name and `-` " +
							"(a plan-time error otherwise). A revision that does not exist is an apply-time error naming it (it may be " +
							"created by the function's update in the same apply, so the plan cannot know), and the function's previous " +
							"traffic is kept. Knative: `revisionName`.",
					},
					"latest_revision": schema.BoolAttribute{
						Optional: true,
						Computed: true,
						Default:  booldefault.StaticBool(false),
						MarkdownDescription: "Bool, default `false`. `true` sends this share to the newest ready revision, whichever it " +
							"is, so each new revision of the function receives it as soon as it is ready. Knative: `latestRevision`.",
					},
					"percent": schema.Int64Attribute{
						Required:            true,
						MarkdownDescription: "Integer, 0 to 100: the share of requests this target receives. Knative: `percent`. A target with 0 receives no traffic but keeps its tag's URL.",
						Validators:          []validator.Int64{int64validator.Between(0, 100)},
					},
					"tag": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "String, no default. Gives this target a URL of its own, which reaches it whatever its " +
							"percent (for testing a canary before it gets traffic); see `tag_urls`. A DNS-1035 label (lower-case letters, " +
							"digits and `-`, starting with a letter), unique within the split (plan-time errors otherwise). Knative: `tag`; " +
							"the URL's host is `<tag>-<function>` in the function's domain, so `tag`, `-` and the function's name " +
							"together have at most 63 characters.",
					},
				}},
			},
			"tag_urls": schema.MapAttribute{
				ElementType: types.StringType,
				Computed:    true,
				MarkdownDescription: "Map of tag to URL: the URL of each tagged target as the platform reports it once routed. " +
					"Knative: the `url` of each tagged entry of the Service's `status.traffic`, such as " +
					"`http://canary-hello.default.example.com` with the default `config-network` tag template.",
			},
			"wait_for_ready": waitForReadyAttribute("the platform routes the split (Knative: the Service is `Ready` and its `status.traffic` equals `spec.traffic`)"),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx,
				"Default `10m`: writing the split and waiting until it is routed.",
				"Default `10m`: rewriting the split and waiting until it is routed.",
				"Default `10m`: giving all traffic back to the latest revision and waiting until that is routed."),
		},
	}
}

// targetsFromList reads targets; ok is false while the list or a value in it is unknown.
func targetsFromList(ctx context.Context, l types.List, diags *diag.Diagnostics) ([]platform.TrafficTarget, bool) {
	if l.IsUnknown() || l.IsNull() {
		return nil, !l.IsUnknown()
	}
	var ms []trafficTargetModel
	diags.Append(l.ElementsAs(ctx, &ms, false)...)
	if diags.HasError() {
		return nil, false
	}
	out := make([]platform.TrafficTarget, 0, len(ms))
	ok := true
	for _, m := range ms {
		if m.RevisionName.IsUnknown() || m.LatestRevision.IsUnknown() || m.Percent.IsUnknown() || m.Tag.IsUnknown() {
			ok = false
		}
		out = append(out, platform.TrafficTarget{RevisionName: m.RevisionName.ValueString(), LatestRevision: m.LatestRevision.ValueBool(),
			Percent: m.Percent.ValueInt64(), Tag: m.Tag.ValueString()})
	}
	return out, ok
}

// ValidateConfig checks the rules that need no platform: one kind of target each, at
// most one latest_revision target, tags that are unique DNS-1035 labels, revision names
// that are DNS-1035 labels, and percentages that add up to 100.
func (r *trafficSplitResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg trafficSplitModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || cfg.Targets.IsUnknown() || cfg.Targets.IsNull() {
		return
	}
	var ms []trafficTargetModel
	resp.Diagnostics.Append(cfg.Targets.ElementsAs(ctx, &ms, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	at := func(i int, attr string) path.Path { return path.Root("targets").AtListIndex(i).AtName(attr) }
	sum, sumKnown, latest := int64(0), true, -1
	tags := map[string]int{}
	for i, m := range ms {
		named := !m.RevisionName.IsNull() && !m.RevisionName.IsUnknown()
		isLatest := m.LatestRevision.ValueBool()
		switch {
		case m.RevisionName.IsUnknown() || m.LatestRevision.IsUnknown():
		case named && isLatest:
			resp.Diagnostics.AddAttributeError(at(i, "revision_name"), "Target names a revision and the latest revision",
				fmt.Sprintf("targets[%d] sets revision_name %q and latest_revision = true: a target is either one named revision or the latest one. Remove one of them.", i, m.RevisionName.ValueString()))
		case !named && !isLatest:
			resp.Diagnostics.AddAttributeError(path.Root("targets").AtListIndex(i), "Target names no revision",
				fmt.Sprintf("targets[%d] sets neither revision_name nor latest_revision = true: set revision_name to the revision that receives %s percent, or latest_revision = true.", i, m.Percent.String()))
		}
		if isLatest && !m.LatestRevision.IsUnknown() {
			if latest >= 0 {
				resp.Diagnostics.AddAttributeError(at(i, "latest_revision"), "More than one latest_revision target",
					fmt.Sprintf("targets[%d] and targets[%d] both set latest_revision = true: both would send their share to the same revision. Merge them into one target.", latest, i))
			} else {
				latest = i
			}
		}
		if named {
			if msgs := validation.IsDNS1035Label(m.RevisionName.ValueString()); len(msgs) > 0 {
				resp.Diagnostics.AddAttributeError(at(i, "revision_name"), "Invalid revision name",
					fmt.Sprintf("%q is not a DNS-1035 label: %s.", m.RevisionName.ValueString(), strings.Join(msgs, "; ")))
			}
		}
		if !m.Tag.IsNull() && !m.Tag.IsUnknown() {
			tag := m.Tag.ValueString()
			if msgs := validation.IsDNS1035Label(tag); len(msgs) > 0 {
				resp.Diagnostics.AddAttributeError(at(i, "tag"), "Invalid tag",
					fmt.Sprintf("%q is not a DNS-1035 label, which a tag must be because it becomes part of a host name: %s.", tag, strings.Join(msgs, "; ")))
			} else if j, dup := tags[tag]; dup {
				resp.Diagnostics.AddAttributeError(at(i, "tag"), "Duplicate tag",
					fmt.Sprintf("targets[%d] and targets[%d] both have tag %q: a tag names one target's URL, so tags must be unique.", j, i, tag))
			} else {
				tags[tag] = i
			}
		}
		if m.Percent.IsUnknown() || m.Percent.IsNull() {
			sumKnown = false
		}
		sum += m.Percent.ValueInt64()
	}
	if sumKnown && sum != 100 {
		resp.Diagnostics.AddAttributeError(path.Root("targets"), "Percentages do not add up to 100",
			fmt.Sprintf("The targets' percent values add up to %d; every request must go somewhere, so they must add up to exactly 100.", sum))
	}
}

// splitFromModel builds the neutral split; fnKnown is false when function_id is not
// known yet, ok when a target value is.
func splitFromModel(ctx context.Context, m *trafficSplitModel, diags *diag.Diagnostics) (s *platform.TrafficSplit, fnKnown, ok bool) {
	s = &platform.TrafficSplit{}
	s.Targets, ok = targetsFromList(ctx, m.Targets, diags)
	if fn, err := parseFunctionRef(m.FunctionID.ValueString()); err == nil && !m.FunctionID.IsUnknown() {
		s.Function, fnKnown = fn, true
	}
	return s, fnKnown, ok
}

func splitToModel(ctx context.Context, s *platform.TrafficSplit, m *trafficSplitModel, diags *diag.Diagnostics) {
	m.ID = types.StringValue(s.Function.String())
	m.FunctionID = types.StringValue(s.Function.String())
	elems := make([]trafficTargetModel, 0, len(s.Targets))
	urls := map[string]string{}
	for _, t := range s.Targets {
		elems = append(elems, trafficTargetModel{RevisionName: stringOrNull(t.RevisionName), LatestRevision: types.BoolValue(t.LatestRevision),
			Percent: types.Int64Value(t.Percent), Tag: stringOrNull(t.Tag)})
		if t.Tag != "" && t.URL != "" {
			urls[t.Tag] = t.URL
		}
	}
	var d diag.Diagnostics
	m.Targets, d = types.ListValueFrom(ctx, types.ObjectType{AttrTypes: trafficTargetAttrTypes}, elems)
	diags.Append(d...)
	m.TagURLs, d = types.MapValueFrom(ctx, types.StringType, urls)
	diags.Append(d...)
}

func (r *trafficSplitResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan trafficSplitModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The id is the function's id: unknown exactly when the function is being replaced.
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.FunctionID)...)
	if !req.State.Raw.IsNull() && plan.TagURLs.IsUnknown() {
		// A tag's URL depends on the tag and the function only: while the function and
		// the tags stay, so do the URLs.
		var state trafficSplitModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		planned, pok := targetsFromList(ctx, plan.Targets, &resp.Diagnostics)
		prior, sok := targetsFromList(ctx, state.Targets, &resp.Diagnostics)
		if pok && sok && state.FunctionID.Equal(plan.FunctionID) && sameTags(planned, prior) && !state.TagURLs.IsNull() {
			resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("tag_urls"), state.TagURLs)...)
		}
	}
	d := r.configured()
	if d == nil {
		return
	}
	td := subDriver[platform.TrafficDriver](ctx, d, "faas_traffic_split", &resp.Diagnostics)
	if td == nil {
		return
	}
	s, fnKnown, ok := splitFromModel(ctx, &plan, &resp.Diagnostics)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	if !fnKnown {
		// The function is created in this apply: the checks that need its name run there.
		s.Function = platform.FunctionID{}
	}
	problems, err := td.CheckTrafficSplit(ctx, s, fnKnown && req.State.Raw.IsNull())
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the traffic split against the platform", err.Error())
		return
	}
	addProblems(&resp.Diagnostics, problems)
}

// sameTags reports whether two splits have the same tags, in any order.
func sameTags(a, b []platform.TrafficTarget) bool {
	tags := func(ts []platform.TrafficTarget) map[string]bool {
		m := map[string]bool{}
		for _, t := range ts {
			if t.Tag != "" {
				m[t.Tag] = true
			}
		}
		return m
	}
	ta, tb := tags(a), tags(b)
	if len(ta) != len(tb) {
		return false
	}
	for t := range ta {
		if !tb[t] {
			return false
		}
	}
	return true
}

// apply writes the split and reports whether plan now describes a split on the platform
// (also when it was written but not routed in time).
func (r *trafficSplitResource) apply(ctx context.Context, plan *trafficSplitModel, create bool, diags *diag.Diagnostics) bool {
	d := r.driver(diags)
	if d == nil {
		return false
	}
	td := subDriver[platform.TrafficDriver](ctx, d, "faas_traffic_split", diags)
	if td == nil {
		return false
	}
	s, fnKnown, _ := splitFromModel(ctx, plan, diags)
	if !fnKnown {
		diags.AddAttributeError(path.Root("function_id"), "Invalid function_id", "function_id must be namespace/name.")
		return false
	}
	if diags.HasError() || !awaitFunction(ctx, d, s.Function, diags) {
		return false
	}
	// A split already on the function is checked by the write itself, under the lock
	// (create), as the scaling policy does: no second read here.
	problems, err := td.CheckTrafficSplit(ctx, s, false)
	if err != nil {
		diags.AddError("Cannot check the traffic split against the platform", err.Error())
		return false
	}
	if addProblems(diags, problems); diags.HasError() {
		return false
	}
	got, err := td.ApplyTrafficSplit(ctx, s, create)
	if err != nil && got != nil {
		// Written but not routed: keep it in the state (tainted on create).
		splitToModel(ctx, got, plan, diags)
		notReady(diags, fmt.Sprintf("The traffic split of function %s was written but is not routed", s.Function), err)
		return true
	}
	if err != nil {
		diags.AddAttributeError(path.Root("targets"), fmt.Sprintf("Error writing the traffic split of function %s", s.Function), err.Error())
		return false
	}
	splitToModel(ctx, got, plan, diags)
	return true
}

func (r *trafficSplitResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	writePlanned(ctx, req.Plan, &resp.State, &resp.Diagnostics,
		func(m *trafficSplitModel) timeoutGetter { return m.Timeouts.Create },
		func(ctx context.Context, m *trafficSplitModel, diags *diag.Diagnostics) bool {
			return r.apply(ctx, m, true, diags)
		})
}

func (r *trafficSplitResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state trafficSplitModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.configured()
	if resp.Diagnostics.HasError() || d == nil {
		return
	}
	td := subDriver[platform.TrafficDriver](ctx, d, "faas_traffic_split", &resp.Diagnostics)
	if td == nil {
		return
	}
	fn, err := parseFunctionRef(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid traffic split id", err.Error())
		return
	}
	s, err := td.ReadTrafficSplit(ctx, fn)
	if errors.Is(err, platform.ErrNotFound) {
		notFoundRemoves(ctx, resp, "Traffic split of function "+fn.String())
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error reading the traffic split of function %s", fn), err.Error())
		return
	}
	splitToModel(ctx, s, &state, &resp.Diagnostics)
	readOnlySettings(ctx, &state.WaitForReady, &state.Timeouts)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *trafficSplitResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updatePlanned(ctx, req, resp,
		func(m *trafficSplitModel) timeoutGetter { return m.Timeouts.Update },
		func(ctx context.Context, m *trafficSplitModel, diags *diag.Diagnostics) bool {
			return r.apply(ctx, m, false, diags)
		})
}

func (r *trafficSplitResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state trafficSplitModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	td := subDriver[platform.TrafficDriver](ctx, d, "faas_traffic_split", &resp.Diagnostics)
	if td == nil {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, state.Timeouts.Delete, defaultChildTimeout, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	fn, err := parseFunctionRef(state.ID.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid traffic split id", err.Error())
		return
	}
	childDeleted(&resp.Diagnostics, "The traffic split of function "+fn.String(), td.DeleteTrafficSplit(ctx, fn))
}

// ImportState takes the function's id, `namespace/function`, or `function` in the
// provider's default namespace, as faas_function's import does.
func (r *trafficSplitResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	fn, ok := r.importFunctionID(req.ID, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), fn.String())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("function_id"), fn.String())...)
}
