package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// faas_function.env_value_from: environment variables that take their value from a key
// of a Secret or a ConfigMap, the shape of the Kubernetes provider's
// env { value_from { secret_key_ref | config_map_key_ref } } keyed by name, as env is.

// keyRefModel is the content of secret_key_ref and config_map_key_ref.
type keyRefModel struct {
	Name     types.String `tfsdk:"name"`
	Key      types.String `tfsdk:"key"`
	Optional types.Bool   `tfsdk:"optional"`
}

// envSourceModel is one element of env_value_from.
type envSourceModel struct {
	SecretKeyRef    types.Object `tfsdk:"secret_key_ref"`
	ConfigMapKeyRef types.Object `tfsdk:"config_map_key_ref"`
}

var keyRefAttrTypes = map[string]attr.Type{"name": types.StringType, "key": types.StringType, "optional": types.BoolType}

var envSourceAttrTypes = map[string]attr.Type{
	"secret_key_ref":     types.ObjectType{AttrTypes: keyRefAttrTypes},
	"config_map_key_ref": types.ObjectType{AttrTypes: keyRefAttrTypes},
}

func keyRefSchema(kind string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("A key of a %[1]s in the function's namespace (Kubernetes' `%[2]s`). Exactly one of "+
			"`secret_key_ref` and `config_map_key_ref` per variable: a plan-time error otherwise.", kind, map[string]string{"Secret": "secretKeyRef", "ConfigMap": "configMapKeyRef"}[kind]),
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: fmt.Sprintf("String, required. The %s's name. It is not checked at plan time: a missing one fails the revision at apply (unless `optional = true`), with Knative's message.", kind),
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"key": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: fmt.Sprintf("String, required. The key within the %s whose value the variable takes.", kind),
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"optional": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("Bool, no default. `true` lets the function start when the %s or its key does not "+
					"exist (the variable is then unset); unset or `false`, Kubernetes requires them (its `optional`).", kind),
			},
		},
	}
}

// envValueFromSchema is faas_function.env_value_from.
func envValueFromSchema() schema.MapNestedAttribute {
	return schema.MapNestedAttribute{
		Optional: true,
		MarkdownDescription: "Environment variables that take their value from a key of a Secret or a ConfigMap, a map of variable " +
			"name to its source, as the Kubernetes provider's `env { value_from { secret_key_ref { ... } } }`: " +
			"`env_value_from = { DB_PASSWORD = { secret_key_ref = { name = \"db\", key = \"password\" } } }`. The value never " +
			"passes through Terraform. Names follow `env`'s rule (plan-time error on the key), and a name may not be in both " +
			"`env` and `env_value_from` (plan-time error). Knative: entries of the container's `env` with `valueFrom` " +
			"(`secretKeyRef` or `configMapKeyRef`: `name`, `key`, `optional`), written before `env`'s entries, so an `env` " +
			"value may refer to them as `$(NAME)`; Knative's reserved names (`PORT`, `K_SERVICE`, `K_CONFIGURATION`, " +
			"`K_REVISION`) are plan-time errors. The provider records the names it wrote in its `faasform.dev/last-applied` " +
			"annotation: a change of one of them outside Terraform shows as drift, while `valueFrom` entries added outside " +
			"Terraform are left alone (neither read nor removed), unless this map or `env` sets the same name. OpenFaaS: a " +
			"plan-time error on each entry, because the gateway's API carries literal values only and OpenFaaS secrets are " +
			"mounted as files (use `secrets` and read `/var/openfaas/secrets/<name>`).",
		Validators: []validator.Map{mapvalidator.KeysAre(envNameRule)},
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"secret_key_ref":     keyRefSchema("Secret"),
			"config_map_key_ref": keyRefSchema("ConfigMap"),
		}},
	}
}

// validateEnvValueFrom reports, on each entry of env_value_from, a source that sets
// not exactly one reference, and a name env sets too.
func validateEnvValueFrom(ctx context.Context, cfg *functionResourceModel, diags *diag.Diagnostics) {
	if !known(cfg.EnvValueFrom) {
		return
	}
	literal := map[string]bool{}
	if known(cfg.Env) {
		for k := range cfg.Env.Elements() {
			literal[k] = true
		}
	}
	elems := cfg.EnvValueFrom.Elements()
	names := make([]string, 0, len(elems))
	for k := range elems {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		at := path.Root("env_value_from").AtMapKey(name)
		if literal[name] {
			diags.AddAttributeError(at, "Variable set twice",
				fmt.Sprintf("%q is in both env and env_value_from; a variable has one value: keep it in one of them.", name))
		}
		o, ok := elems[name].(types.Object)
		if !ok || !known(o) {
			continue
		}
		var src envSourceModel
		if d := o.As(ctx, &src, basetypes.ObjectAsOptions{}); d.HasError() {
			continue
		}
		if src.SecretKeyRef.IsUnknown() || src.ConfigMapKeyRef.IsUnknown() {
			continue
		}
		if src.SecretKeyRef.IsNull() == src.ConfigMapKeyRef.IsNull() {
			diags.AddAttributeError(at, "Exactly one source per variable",
				fmt.Sprintf("env_value_from[%q] must set exactly one of secret_key_ref and config_map_key_ref.", name))
		}
	}
}

// ValidateConfig checks env_value_from against env without the platform.
func (r *functionResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg functionResourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	validateEnvValueFrom(ctx, &cfg, &resp.Diagnostics)
}

// envFromModel reads env_value_from; ok is false while a part is unknown.
func envFromModel(ctx context.Context, m types.Map, diags *diag.Diagnostics) (map[string]platform.EnvSource, bool) {
	if m.IsUnknown() {
		return nil, false
	}
	if m.IsNull() || len(m.Elements()) == 0 {
		return nil, true
	}
	out := map[string]platform.EnvSource{}
	ok := true
	ref := func(o types.Object) *platform.KeyRef {
		if o.IsUnknown() {
			ok = false
			return nil
		}
		if o.IsNull() {
			return nil
		}
		var km keyRefModel
		diags.Append(o.As(ctx, &km, basetypes.ObjectAsOptions{})...)
		if km.Name.IsUnknown() || km.Key.IsUnknown() || km.Optional.IsUnknown() {
			ok = false
		}
		r := &platform.KeyRef{Name: km.Name.ValueString(), Key: km.Key.ValueString()}
		if !km.Optional.IsNull() && !km.Optional.IsUnknown() {
			v := km.Optional.ValueBool()
			r.Optional = &v
		}
		return r
	}
	for name, v := range m.Elements() {
		o, isObj := v.(types.Object)
		if !isObj || o.IsUnknown() {
			ok = false
			continue
		}
		if o.IsNull() {
			continue
		}
		var src envSourceModel
		diags.Append(o.As(ctx, &src, basetypes.ObjectAsOptions{})...)
		out[name] = platform.EnvSource{SecretKeyRef: ref(src.SecretKeyRef), ConfigMapKeyRef: ref(src.ConfigMapKeyRef)}
	}
	return out, ok
}

// envFromToModel renders what the platform returned, keeping a prior empty map.
func envFromToModel(ctx context.Context, prior types.Map, from map[string]platform.EnvSource) types.Map {
	elemType := types.ObjectType{AttrTypes: envSourceAttrTypes}
	if len(from) == 0 {
		if known(prior) && len(prior.Elements()) == 0 {
			return prior
		}
		return types.MapNull(elemType)
	}
	ref := func(r *platform.KeyRef) types.Object {
		if r == nil {
			return types.ObjectNull(keyRefAttrTypes)
		}
		km := keyRefModel{Name: types.StringValue(r.Name), Key: types.StringValue(r.Key), Optional: types.BoolNull()}
		if r.Optional != nil {
			km.Optional = types.BoolValue(*r.Optional)
		}
		o, _ := types.ObjectValueFrom(ctx, keyRefAttrTypes, km)
		return o
	}
	elems := map[string]attr.Value{}
	for name, src := range from {
		o, _ := types.ObjectValueFrom(ctx, envSourceAttrTypes, envSourceModel{SecretKeyRef: ref(src.SecretKeyRef), ConfigMapKeyRef: ref(src.ConfigMapKeyRef)})
		elems[name] = o
	}
	m, _ := types.MapValue(elemType, elems)
	return m
}
