package provider

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ resource.ResourceWithConfigure   = (*routeResource)(nil)
	_ resource.ResourceWithImportState = (*routeResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*routeResource)(nil)
)

func newRouteResource() resource.Resource { return &routeResource{} }

// routeResource is faas_route.
type routeResource struct {
	baseResource
}

type routeModel struct {
	ID           types.String   `tfsdk:"id"`
	FunctionID   types.String   `tfsdk:"function_id"`
	Host         types.String   `tfsdk:"host"`
	Path         types.String   `tfsdk:"path"`
	Methods      types.Set      `tfsdk:"methods"`
	TLSSecret    types.String   `tfsdk:"tls_secret"`
	URL          types.String   `tfsdk:"url"`
	WaitForReady types.Bool     `tfsdk:"wait_for_ready"`
	Timeouts     timeouts.Value `tfsdk:"timeouts"`
}

// hostRule is Knative's rule for a DomainMapping's name, which is the host
// (knative.dev/serving pkg/apis/serving/v1beta1 domainmapping_validation.go:
// apimachinery's validation.IsFullyQualifiedDomainName: RFC 1123 labels of at most 63
// characters, at least two, 253 characters in all), without the trailing dot that
// function tolerates, because the name of a Kubernetes object cannot end with one.
var hostRule = k8sString{summary: "Invalid host", rule: "must be a fully qualified lower-case DNS name such as api.example.com",
	check: func(h string) []string {
		if strings.HasSuffix(h, ".") || len(validation.IsFullyQualifiedDomainName(field.NewPath("host"), h)) > 0 {
			return []string{"must be a fully qualified lower-case DNS name such as api.example.com"}
		}
		return nil
	}}

func (r *routeResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_route"
}

func (r *routeResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An HTTP host (and path and methods, where the platform routes them) that reaches a function. " +
			"Knative: a `serving.knative.dev/v1beta1` DomainMapping named `host` in the function's namespace, pointing at the " +
			"function's Service; Knative has no path or method routing, so `path` other than `/` and `methods` are plan-time " +
			"errors. The DomainMapping only becomes ready when a ClusterDomainClaim for `host` exists in the namespace, or when " +
			"`config-network` has `autocreate-cluster-domain-claims: \"true\"`; otherwise the wait times out with an error saying so. " +
			"OpenFaaS: not available through the gateway API, a plan-time error: functions are reached at " +
			"`<gateway_url>/function/<name>.<namespace>` (`faas_function.invoke_url`); custom hosts need the OpenFaaS " +
			"`FunctionIngress` CRD (ingress-operator, created through the Kubernetes API) or your own ingress.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The route's id, as the platform names it. Knative: `namespace/host`. Import with this id.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"function_id": functionIDAttribute("route"),
			"host": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Fully qualified host name, lower case, such as `api.example.com`. Changing it replaces the route. " +
					"A value that is not a fully qualified DNS name is a plan-time error.",
				Validators:    []validator.String{hostRule},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"path": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				Default:             stringdefault.StaticString("/"),
				MarkdownDescription: "Path prefix that reaches the function, starting with `/`. Default `/`. Knative: only `/` (a plan-time error otherwise).",
				Validators:          []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^/`), "must start with /")},
			},
			"methods": schema.SetAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "HTTP methods routed to the function; unset means all. Knative: must be unset (a plan-time error otherwise).",
				Validators: []validator.Set{setvalidator.ValueStringsAre(notNullString{}, stringvalidator.OneOf(
					"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))},
			},
			"tls_secret": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Name of a TLS secret (certificate and key) for `host`, in the function's namespace; unset means plain HTTP or the platform's default certificate. Knative: the DomainMapping's `spec.tls.secretName`.",
			},
			"url": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "URL the platform reports once the route is ready. Knative: the DomainMapping's `status.url` (`https://` with `tls_secret`).",
			},
			"wait_for_ready": waitForReadyAttribute("the platform reports the route ready (Knative: the DomainMapping's `Ready` condition, which needs its certificate when `tls_secret` is set)"),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx,
				"Default `10m`: creating the route and waiting until it is ready.",
				"Default `10m`: rewriting the route and waiting until it is ready.",
				"Default `10m`: deleting the route and waiting until the platform no longer returns it."),
		},
	}
}

func routeFromModel(m *routeModel) (rt *platform.Route, fnKnown, ok bool) {
	rt = &platform.Route{Host: m.Host.ValueString(), Path: m.Path.ValueString(), TLSSecret: m.TLSSecret.ValueString()}
	methods, known := setStrings(m.Methods)
	rt.Methods = methods
	if fn, err := parseFunctionRef(m.FunctionID.ValueString()); err == nil && !m.FunctionID.IsUnknown() {
		rt.Function, rt.Namespace, fnKnown = fn, fn.Namespace, true
	}
	ok = known && !m.Host.IsUnknown() && !m.Path.IsUnknown() && !m.TLSSecret.IsUnknown()
	return rt, fnKnown, ok
}

func routeToModel(ctx context.Context, rd platform.RouteDriver, rt *platform.Route, m *routeModel) {
	m.ID = types.StringValue(rd.RouteID(rt))
	m.FunctionID = types.StringValue(rt.Function.String())
	m.Host, m.Path = types.StringValue(rt.Host), types.StringValue(rt.Path)
	m.Methods = setValue(ctx, m.Methods, rt.Methods)
	m.TLSSecret = stringOrNull(rt.TLSSecret)
	m.URL = types.StringValue(rt.URL)
	readOnlySettings(ctx, &m.WaitForReady, &m.Timeouts)
}

// ModifyPlan refuses routes on platforms without them and runs the platform's checks.
func (r *routeResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	d := r.configured()
	if req.Plan.Raw.IsNull() || d == nil {
		return
	}
	rd := subDriver[platform.RouteDriver](ctx, d, "faas_route", &resp.Diagnostics)
	if rd == nil {
		return
	}
	var plan routeModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	rt, _, ok := routeFromModel(&plan)
	if resp.Diagnostics.HasError() || !ok {
		return
	}
	problems, err := rd.CheckRoute(ctx, rt)
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the route against the platform", err.Error())
		return
	}
	addProblems(&resp.Diagnostics, problems)
}

// write creates or updates the route and reports whether plan now describes an object
// that exists (also when it was written but did not become ready: it then stays in the
// state, tainted on create, never orphaned).
func (r *routeResource) write(ctx context.Context, plan *routeModel, create bool, diags *diag.Diagnostics) bool {
	d := r.driver(diags)
	if d == nil {
		return false
	}
	rd := subDriver[platform.RouteDriver](ctx, d, "faas_route", diags)
	if rd == nil {
		return false
	}
	rt, fnKnown, _ := routeFromModel(plan)
	if !fnKnown {
		diags.AddAttributeError(path.Root("function_id"), "Invalid function_id", "function_id must be namespace/name.")
		return false
	}
	if !awaitFunction(ctx, d, rt.Function, diags) {
		return false
	}
	problems, err := rd.CheckRoute(ctx, rt)
	if err != nil {
		diags.AddError("Cannot check the route against the platform", err.Error())
		return false
	}
	if addProblems(diags, problems); diags.HasError() {
		return false
	}
	var got *platform.Route
	if create {
		got, err = rd.CreateRoute(ctx, rt)
	} else {
		got, err = rd.UpdateRoute(ctx, rt)
	}
	if err != nil && got != nil {
		routeToModel(ctx, rd, got, plan)
		notReady(diags, fmt.Sprintf("The route %s to function %s was written but is not ready", rt.Host, rt.Function), err)
		return true
	}
	if err != nil {
		diags.AddError(fmt.Sprintf("Error writing the route %s to function %s", rt.Host, rt.Function), err.Error())
		return false
	}
	routeToModel(ctx, rd, got, plan)
	return true
}

func (r *routeResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	writePlanned(ctx, req.Plan, &resp.State, &resp.Diagnostics,
		func(m *routeModel) timeoutGetter { return m.Timeouts.Create }, func(ctx context.Context, m *routeModel, diags *diag.Diagnostics) bool {
			return r.write(ctx, m, true, diags)
		})
}

func (r *routeResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state routeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.configured()
	if resp.Diagnostics.HasError() || d == nil {
		return
	}
	rd := subDriver[platform.RouteDriver](ctx, d, "faas_route", &resp.Diagnostics)
	if rd == nil {
		return
	}
	rt, err := rd.ReadRoute(ctx, state.ID.ValueString())
	if errors.Is(err, platform.ErrNotFound) {
		notFoundRemoves(ctx, resp, "Route "+state.ID.ValueString())
		return
	}
	if err != nil {
		readError(&resp.Diagnostics, "route", state.ID.ValueString(), err)
		return
	}
	routeToModel(ctx, rd, rt, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *routeResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updatePlanned(ctx, req, resp,
		func(m *routeModel) timeoutGetter { return m.Timeouts.Update }, func(ctx context.Context, m *routeModel, diags *diag.Diagnostics) bool {
			return r.write(ctx, m, false, diags)
		})
}

func (r *routeResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state routeModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	rd := subDriver[platform.RouteDriver](ctx, d, "faas_route", &resp.Diagnostics)
	if rd == nil {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, state.Timeouts.Delete, defaultChildTimeout, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	rt, _, _ := routeFromModel(&state)
	if err := rd.DeleteRoute(ctx, rt); err != nil {
		resp.Diagnostics.AddError("Error deleting route "+state.ID.ValueString(), err.Error())
	}
}

// ImportState takes the platform's route id; Read fills the rest.
func (r *routeResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
