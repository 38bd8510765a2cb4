package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ resource.ResourceWithConfigure   = (*secretResource)(nil)
	_ resource.ResourceWithImportState = (*secretResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*secretResource)(nil)
)

func newSecretResource() resource.Resource { return &secretResource{} }

// secretResource is faas_secret.
type secretResource struct {
	baseResource
}

type secretModel struct {
	ID             types.String `tfsdk:"id"`
	Name           types.String `tfsdk:"name"`
	Namespace      types.String `tfsdk:"namespace"`
	ValueWO        types.String `tfsdk:"value_wo"`
	ValueWOVersion types.Int64  `tfsdk:"value_wo_version"`
}

func (r *secretResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_secret"
}

func (r *secretResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A named secret that functions mount as a file (`faas_function.secrets`). Its value is " +
			"write-only: it is sent to the platform and never stored in the Terraform state or plan, and no platform returns it, " +
			"so a value changed outside Terraform cannot be seen; bump `value_wo_version` to send a new value. OpenFaaS: the " +
			"gateway's `/system/secrets` API (a Kubernetes Secret on faas-netes, a file on faasd). Knative: a core v1 `Opaque` Secret whose one " +
			"key is named after the secret, so functions see the same file path on both platforms. A secret deleted outside " +
			"Terraform is removed from the state and created again by the next apply. Requires Terraform 1.11 or later.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The secret's id, `namespace/name`. Import with this id; the value cannot be imported.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Secret name. Its rule is the platform's, checked at plan time (an error on `name`, \"Value not allowed on " +
					"<platform>\", and nothing is written; an import id with such a name is an \"Invalid import id\"): OpenFaaS, an RFC 1123 label (at most 63 lower-case letters, digits and `-`, starting " +
					"and ending with a letter or digit), one rule for faas-netes and faasd; Knative, a Kubernetes Secret name, a DNS-1123 subdomain " +
					"(at most 253 lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit). Functions mount " +
					"it at `/var/openfaas/secrets/<name>`. Changing it replaces the secret.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Namespace of the secret; it must be the namespace of the functions that mount it. Its rule is the " +
					"platform's, checked at plan time (an error on `namespace`, \"Value not allowed on <platform>\", \"... is not an RFC 1123 label\"): on OpenFaaS and Knative an " +
					"RFC 1123 label, as for `faas_function.namespace`. Default: " +
					"the provider's `namespace` (OpenFaaS: `openfaas-fn`). Changing it replaces the secret.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"value_wo": schema.StringAttribute{
				Required:  true,
				Sensitive: true,
				WriteOnly: true,
				MarkdownDescription: "The secret value (write-only: never in state or plan, never logged, redacted from " +
					"platform errors). It is sent on create, and on update only when `value_wo_version` changes.",
			},
			"value_wo_version": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Any integer of at least 0; change it (for example increment it) to send `value_wo` again. " +
					"Terraform cannot compare write-only values, so without a version change a new value is never sent.",
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
		},
	}
}

// ModifyPlan defaults the namespace from the provider, registers the write-only value
// with the driver's redactor (Terraform sends it in the configuration of every plan, so
// a platform error that echoes it is scrubbed even in a run that does not write it), and
// runs the driver's check of the secret: the name rule is the platform's.
func (r *secretResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	d := r.configured()
	if req.Plan.Raw.IsNull() || d == nil {
		return
	}
	var cfg, plan secretModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if rd, ok := d.(platform.Redactor); ok && known(cfg.ValueWO) {
		rd.AddRedacted(cfg.ValueWO.ValueString())
	}
	plan.Namespace = planDefaultNamespace(ctx, d, req, resp, cfg.Namespace)
	if known(plan.Name) && req.State.Raw.IsNull() {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.Namespace.ValueString()+"/"+plan.Name.ValueString())...)
	}
	sd := subDriver[platform.SecretDriver](ctx, d, "faas_secret", &resp.Diagnostics)
	if sd == nil || !known(plan.Name) || !known(plan.Namespace) {
		return
	}
	problems, err := sd.CheckSecret(ctx, &platform.Secret{Namespace: plan.Namespace.ValueString(), Name: plan.Name.ValueString()})
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the secret against the platform", err.Error())
		return
	}
	addProblems(&resp.Diagnostics, problems)
}

func (r *secretResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan, cfg secretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sd := subDriver[platform.SecretDriver](ctx, d, "faas_secret", &resp.Diagnostics)
	if sd == nil {
		return
	}
	s := &platform.Secret{Namespace: plan.Namespace.ValueString(), Name: plan.Name.ValueString(), Value: cfg.ValueWO.ValueString()}
	if s.Namespace == "" {
		s.Namespace = d.DefaultNamespace()
	}
	if err := sd.CreateSecret(ctx, s); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error creating secret %s/%s", s.Namespace, s.Name), err.Error())
		return
	}
	plan.ID = types.StringValue(s.Namespace + "/" + s.Name)
	plan.Namespace = types.StringValue(s.Namespace)
	plan.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *secretResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state secretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.configured()
	if resp.Diagnostics.HasError() || d == nil {
		return
	}
	sd := subDriver[platform.SecretDriver](ctx, d, "faas_secret", &resp.Diagnostics)
	if sd == nil {
		return
	}
	id, err := platform.ParseFunctionID(state.ID.ValueString(), d.DefaultNamespace())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid secret id", err.Error())
		return
	}
	exists, err := sd.SecretExists(ctx, id.Namespace, id.Name)
	if err != nil {
		resp.Diagnostics.AddError("Error reading secret "+id.String(), err.Error())
		return
	}
	if !exists {
		notFoundRemoves(ctx, resp, "Secret "+id.String())
		return
	}
	state.ID = types.StringValue(id.String())
	state.Namespace, state.Name = types.StringValue(id.Namespace), types.StringValue(id.Name)
	state.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *secretResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state, cfg secretModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sd := subDriver[platform.SecretDriver](ctx, d, "faas_secret", &resp.Diagnostics)
	if sd == nil {
		return
	}
	if !plan.ValueWOVersion.Equal(state.ValueWOVersion) {
		s := &platform.Secret{Namespace: plan.Namespace.ValueString(), Name: plan.Name.ValueString(), Value: cfg.ValueWO.ValueString()}
		if err := sd.UpdateSecret(ctx, s); err != nil {
			resp.Diagnostics.AddError(fmt.Sprintf("Error updating secret %s/%s", s.Namespace, s.Name), err.Error())
			return
		}
	}
	plan.ValueWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *secretResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state secretModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	sd := subDriver[platform.SecretDriver](ctx, d, "faas_secret", &resp.Diagnostics)
	if sd == nil {
		return
	}
	if err := sd.DeleteSecret(ctx, state.Namespace.ValueString(), state.Name.ValueString()); err != nil {
		resp.Diagnostics.AddError("Error deleting secret "+state.ID.ValueString(), err.Error())
	}
}

// ImportState takes namespace/name (or name in the default namespace). The value and
// value_wo_version cannot be imported.
func (r *secretResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ns := ""
	if d := r.configured(); d != nil {
		ns = d.DefaultNamespace()
	}
	id, err := platform.ParseFunctionID(req.ID, ns)
	if err != nil || id.Namespace == "" {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid import id", fmt.Sprintf("Expected \"namespace/name\" or \"name\": %v", err))
		return
	}
	if sd, ok := r.configured().(platform.SecretDriver); ok {
		// A name the platform never accepts cannot name an existing secret: say why,
		// rather than that it does not exist.
		problems, err := sd.CheckSecret(ctx, &platform.Secret{Namespace: id.Namespace, Name: id.Name})
		if err == nil && len(problems) > 0 {
			for _, p := range problems {
				resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid import id", fmt.Sprintf("%q: %s", req.ID, p.Error()))
			}
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id.String())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id.Name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), id.Namespace)...)
}
