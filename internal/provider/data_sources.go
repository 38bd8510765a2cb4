package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// baseDataSource holds the provider data, like baseResource.
type baseDataSource struct {
	data *providerData
}

// Configure stores the provider data.
func (b *baseDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.data = providerDataOf(req.ProviderData, &resp.Diagnostics)
}

func (b *baseDataSource) driver(diags *diag.Diagnostics) platform.Driver {
	if b.data != nil && b.data.driver != nil {
		return b.data.driver
	}
	diags.AddError("Provider not configured",
		"The faas provider's configuration is not known yet, so the platform cannot be read. Apply the resources the provider configuration depends on first.")
	return nil
}

// --- faas_function ---------------------------------------------------------------

var _ datasource.DataSourceWithConfigure = (*functionDataSource)(nil)

func newFunctionDataSource() datasource.DataSource { return &functionDataSource{} }

// functionDataSource is data.faas_function.
type functionDataSource struct {
	baseDataSource
}

type functionDataModel struct {
	ID                     types.String `tfsdk:"id"`
	Name                   types.String `tfsdk:"name"`
	Namespace              types.String `tfsdk:"namespace"`
	Image                  types.String `tfsdk:"image"`
	Command                types.List   `tfsdk:"command"`
	Args                   types.List   `tfsdk:"args"`
	Env                    types.Map    `tfsdk:"env"`
	EnvValueFrom           types.Map    `tfsdk:"env_value_from"`
	Secrets                types.Set    `tfsdk:"secrets"`
	Labels                 types.Map    `tfsdk:"labels"`
	Annotations            types.Map    `tfsdk:"annotations"`
	Limits                 types.Map    `tfsdk:"limits"`
	Requests               types.Map    `tfsdk:"requests"`
	Timeout                types.String `tfsdk:"timeout"`
	MaxConcurrency         types.Int64  `tfsdk:"max_concurrency"`
	ReadOnlyRootFilesystem types.Bool   `tfsdk:"read_only_root_filesystem"`
	ImagePullSecrets       types.Set    `tfsdk:"image_pull_secrets"`
	Constraints            types.List   `tfsdk:"constraints"`
	ReadTimeout            types.String `tfsdk:"read_timeout"`
	WriteTimeout           types.String `tfsdk:"write_timeout"`
	ExecTimeout            types.String `tfsdk:"exec_timeout"`
	InvokeURL              types.String `tfsdk:"invoke_url"`
	Replicas               types.Int64  `tfsdk:"replicas"`
	AvailableReplicas      types.Int64  `tfsdk:"available_replicas"`
	Ready                  types.Bool   `tfsdk:"ready"`
	Unreadable             types.List   `tfsdk:"unreadable"`
	ImageDigest            types.String `tfsdk:"image_digest"`
	RevisionName           types.String `tfsdk:"revision_name"`
	LatestReadyRevision    types.String `tfsdk:"latest_ready_revision"`
	LatestCreatedRevision  types.String `tfsdk:"latest_created_revision"`
}

func (d *functionDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_function"
}

func computedList(desc string) schema.ListAttribute {
	return schema.ListAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: desc}
}

func computedMap(desc string) schema.MapAttribute {
	return schema.MapAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: desc}
}

func (d *functionDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one function, managed by Terraform or not, with every attribute the platform returns. " +
			"A function that does not exist is an error. Attributes the platform cannot return (faas-netes: env vars, constraints, " +
			"read_only_root_filesystem, unless the provider's last-applied record is present) are null and listed in `unreadable`.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "`namespace/name`."},
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Function name. Its rule is the platform's, as for " +
				"`faas_function.name` (OpenFaaS: an RFC 1123 label; Knative: a DNS-1035 label); a name the platform never accepts is " +
				"an error when the data source is read (OpenFaaS: \"is not an OpenFaaS function id\"), or \"not found\"."},
			"namespace": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Namespace; default the provider's `namespace` (OpenFaaS: `openfaas-fn`). Its rule is the platform's, as for " +
					"`faas_function.namespace` (an RFC 1123 label on OpenFaaS and Knative)."},
			"image":                     schema.StringAttribute{Computed: true, MarkdownDescription: "Container image."},
			"command":                   computedList("Process to run (OpenFaaS: `fprocess` split into words; all words are in `command` unless the provider's record says where `args` start)."),
			"args":                      computedList("Arguments after `command`."),
			"env":                       computedMap("Environment variables, without the reserved keys mapped to `timeout`, the watchdog timeouts and `max_concurrency`; null when unreadable."),
			"env_value_from":            envValueFromDataSchema(),
			"secrets":                   schema.SetAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Secrets mounted into the function."},
			"labels":                    computedMap("User labels (platform-injected keys and keys owned by `faas_scaling_policy` are left out)."),
			"annotations":               computedMap("User annotations (keys owned by `faas_trigger` and the provider's record are left out)."),
			"limits":                    computedMap("Resource limits, `cpu` and `memory`, as Kubernetes quantities."),
			"requests":                  computedMap("Resource requests, `cpu` and `memory`, as Kubernetes quantities."),
			"timeout":                   schema.StringAttribute{Computed: true, MarkdownDescription: "Request timeout (Go duration), null when unset or unreadable."},
			"max_concurrency":           schema.Int64Attribute{Computed: true, MarkdownDescription: "In-flight requests per replica, null when unset or unreadable."},
			"read_only_root_filesystem": schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the root filesystem is read-only; null when unreadable."},
			"image_pull_secrets":        schema.SetAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "Registry credentials used to pull the image."},
			"constraints":               computedList("OpenFaaS placement constraints."),
			"read_timeout":              schema.StringAttribute{Computed: true, MarkdownDescription: "OpenFaaS: the watchdog's `read_timeout` where it differs from `timeout` (as `faas_function`'s `openfaas.read_timeout`); null otherwise, and on Knative."},
			"write_timeout":             schema.StringAttribute{Computed: true, MarkdownDescription: "OpenFaaS: the watchdog's `write_timeout` where it differs from `timeout` (as `faas_function`'s `openfaas.write_timeout`); null otherwise, and on Knative."},
			"exec_timeout":              schema.StringAttribute{Computed: true, MarkdownDescription: "OpenFaaS: the watchdog's `exec_timeout` where it differs from `timeout` (as `faas_function`'s `openfaas.exec_timeout`); null otherwise, and on Knative."},
			"invoke_url":                schema.StringAttribute{Computed: true, MarkdownDescription: "URL that invokes the function."},
			"replicas":                  schema.Int64Attribute{Computed: true, MarkdownDescription: "Desired replicas (OpenFaaS; 0 on Knative, whose replicas belong to Revisions)."},
			"available_replicas":        schema.Int64Attribute{Computed: true, MarkdownDescription: "Replicas ready to serve."},
			"ready":                     schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the function is ready, by the same rule `faas_function` waits for."},
			"unreadable":                computedList("Attributes the platform did not return and no provider record restored."),
			"image_digest": schema.StringAttribute{Computed: true, MarkdownDescription: "String. The digest (`sha256:...`) of the " +
				"image the function runs: the one its deployed reference pins (`repo@sha256:...`, as " +
				"`faas_function.resolve_image_digest` deploys it or as written in `image`), the part of `image` after `@`. For a " +
				"bare tag: null on OpenFaaS (faas-netes reports the image reference only); on Knative the digest Knative resolved " +
				"the tag to for the function's latest revision, as `faas_function.image_digest` (null while that revision is not " +
				"ready, or when the cluster skips the registry's tag resolution)."},
			"revision_name": schema.StringAttribute{Computed: true, MarkdownDescription: "String. The revision name the function " +
				"pins, as `faas_function.revision_name` sets it. Knative: the Service's `spec.template.metadata.name`; null " +
				"when Knative names the revisions itself. Null on OpenFaaS, whose functions have no revisions."},
			"latest_ready_revision": schema.StringAttribute{Computed: true, MarkdownDescription: "String. The newest revision " +
				"of the function that became ready, which a `faas_traffic_split` can pin. Knative: the Service's " +
				"`status.latestReadyRevisionName`; null until a revision is ready. Null on OpenFaaS (no revisions)."},
			"latest_created_revision": schema.StringAttribute{Computed: true, MarkdownDescription: "String. The newest revision " +
				"Knative created for the function, ready or not (the Service's `status.latestCreatedRevisionName`). Null on " +
				"OpenFaaS (no revisions)."},
		},
	}
}

// envValueFromDataSchema is data.faas_function.env_value_from, faas_function's
// env_value_from as read.
func envValueFromDataSchema() schema.MapNestedAttribute {
	keyRef := func(kind string) schema.SingleNestedAttribute {
		return schema.SingleNestedAttribute{
			Computed:            true,
			MarkdownDescription: fmt.Sprintf("The %s key the variable takes its value from; null when the source is the other kind.", kind),
			Attributes: map[string]schema.Attribute{
				"name":     schema.StringAttribute{Computed: true, MarkdownDescription: fmt.Sprintf("String. The %s's name.", kind)},
				"key":      schema.StringAttribute{Computed: true, MarkdownDescription: fmt.Sprintf("String. The key within the %s.", kind)},
				"optional": schema.BoolAttribute{Computed: true, MarkdownDescription: "Bool. Kubernetes' `optional`; null when not set."},
			},
		}
	}
	return schema.MapNestedAttribute{
		Computed: true,
		MarkdownDescription: "Map of variable name to source: the environment variables that `faas_function.env_value_from` " +
			"wrote, which take their value from a key of a Secret (`secret_key_ref`) or a ConfigMap (`config_map_key_ref`). " +
			"Knative: the container's `env` entries with `valueFrom` whose names the provider recorded; `valueFrom` entries " +
			"added outside Terraform are not listed. Null when there are none, and always on OpenFaaS (no such variables).",
		NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
			"secret_key_ref":     keyRef("Secret"),
			"config_map_key_ref": keyRef("ConfigMap"),
		}},
	}
}

func resourcesMap(ctx context.Context, r platform.Resources) types.Map {
	m := map[string]string{}
	if r.CPU != "" {
		m["cpu"] = r.CPU
	}
	if r.Memory != "" {
		m["memory"] = r.Memory
	}
	return mapValue(ctx, types.MapNull(types.StringType), m)
}

func (d *functionDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	// Never from the run's read cache: Terraform may read a data source after a write
	// through another provider block, which runs in another process (platform.WithFreshReads).
	ctx = platform.WithFreshReads(ctx)
	var m functionDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	drv := d.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := platform.FunctionID{Namespace: m.Namespace.ValueString(), Name: m.Name.ValueString()}
	if id.Namespace == "" {
		id.Namespace = drv.DefaultNamespace()
	}
	fn, err := drv.ReadFunction(ctx, id)
	if errors.Is(err, platform.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("name"), "Function not found",
			fmt.Sprintf("Function %s does not exist on the platform. Check the name and namespace.", id))
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Error reading function "+id.String(), err.Error())
		return
	}
	null := types.ListNull(types.StringType)
	nullSet := types.SetNull(types.StringType)
	nullMap := types.MapNull(types.StringType)
	m.ID, m.Namespace, m.Image = types.StringValue(id.String()), types.StringValue(id.Namespace), types.StringValue(fn.Image)
	m.Command, m.Args = listValue(ctx, null, fn.Command), listValue(ctx, null, fn.Args)
	m.Env = mapValue(ctx, nullMap, fn.Env)
	m.EnvValueFrom = envFromToModel(ctx, types.MapNull(types.ObjectType{AttrTypes: envSourceAttrTypes}), fn.EnvFrom)
	m.Secrets, m.ImagePullSecrets = setValue(ctx, nullSet, fn.Secrets), setValue(ctx, nullSet, fn.ImagePullSecrets)
	m.Labels, m.Annotations = mapValue(ctx, nullMap, fn.Labels), mapValue(ctx, nullMap, fn.Annotations)
	m.Limits, m.Requests = resourcesMap(ctx, fn.Limits), resourcesMap(ctx, fn.Requests)
	m.Timeout = stringOrNull(fn.Timeout)
	m.MaxConcurrency = types.Int64Null()
	if fn.MaxConcurrency > 0 {
		m.MaxConcurrency = types.Int64Value(fn.MaxConcurrency)
	}
	m.ReadOnlyRootFilesystem = boolOrUnreadable(fn, platform.AttrReadOnlyRootFilesystem, fn.ReadOnlyRootFilesystem)
	m.Constraints = listValue(ctx, null, fn.Constraints)
	m.ReadTimeout, m.WriteTimeout, m.ExecTimeout = stringOrNull(fn.Watchdog.Read), stringOrNull(fn.Watchdog.Write), stringOrNull(fn.Watchdog.Exec)
	m.InvokeURL = types.StringValue(fn.Status.InvokeURL)
	m.Replicas, m.AvailableReplicas = types.Int64Value(fn.Status.Replicas), types.Int64Value(fn.Status.AvailableReplicas)
	m.Ready = types.BoolValue(fn.Status.Ready)
	m.Unreadable, _ = types.ListValueFrom(ctx, types.StringType, append([]string{}, fn.Status.Unreadable...))
	readRunningDigest(ctx, drv, fn, &resp.Diagnostics)
	m.ImageDigest = stringOrNull(fn.Status.ImageDigest)
	if _, digest := splitDigest(fn.Image); digest != "" {
		m.ImageDigest = types.StringValue(digest)
	}
	m.RevisionName = stringOrNull(fn.RevisionName)
	m.LatestReadyRevision = stringOrNull(fn.Status.LatestReadyRevision)
	m.LatestCreatedRevision = stringOrNull(fn.Status.LatestCreatedRevision)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// --- faas_functions --------------------------------------------------------------

var _ datasource.DataSourceWithConfigure = (*functionsDataSource)(nil)

func newFunctionsDataSource() datasource.DataSource { return &functionsDataSource{} }

// functionsDataSource is data.faas_functions.
type functionsDataSource struct {
	baseDataSource
}

type functionsDataModel struct {
	Namespace types.String `tfsdk:"namespace"`
	Labels    types.Map    `tfsdk:"labels"`
	Functions types.List   `tfsdk:"functions"`
}

var functionSummaryType = types.ObjectType{AttrTypes: map[string]attr.Type{
	"id": types.StringType, "name": types.StringType, "namespace": types.StringType, "image": types.StringType,
	"labels": types.MapType{ElemType: types.StringType}, "annotations": types.MapType{ElemType: types.StringType},
	"invoke_url": types.StringType, "replicas": types.Int64Type, "available_replicas": types.Int64Type, "ready": types.BoolType,
}}

func (d *functionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_functions"
}

func (d *functionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the functions in one namespace, managed by Terraform or not, optionally filtered by labels. " +
			"One list request to the platform (OpenFaaS: `GET /system/functions?namespace=`).",
		Attributes: map[string]schema.Attribute{
			"namespace": schema.StringAttribute{Optional: true, Computed: true,
				MarkdownDescription: "Namespace to list; default the provider's `namespace` (OpenFaaS: `openfaas-fn`). Its rule is the " +
					"platform's, as for `faas_function.namespace` (an RFC 1123 label on OpenFaaS and Knative): the " +
					"provider does not check it, and lists what the platform answers."},
			"labels": schema.MapAttribute{ElementType: types.StringType, Optional: true,
				MarkdownDescription: "Only functions carrying every one of these labels with exactly these values (an empty value matches an empty label). " +
					"Keys and values follow the Kubernetes label rules, as on `faas_function`; a key or value that breaks them, or a null value, is a plan-time error.",
				Validators: labelsValidators()},
			"functions": schema.ListNestedAttribute{
				Computed:            true,
				MarkdownDescription: "The functions, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                 schema.StringAttribute{Computed: true, MarkdownDescription: "`namespace/name`."},
					"name":               schema.StringAttribute{Computed: true, MarkdownDescription: "Function name."},
					"namespace":          schema.StringAttribute{Computed: true, MarkdownDescription: "Namespace."},
					"image":              schema.StringAttribute{Computed: true, MarkdownDescription: "Container image."},
					"labels":             schema.MapAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "User labels."},
					"annotations":        schema.MapAttribute{ElementType: types.StringType, Computed: true, MarkdownDescription: "User annotations."},
					"invoke_url":         schema.StringAttribute{Computed: true, MarkdownDescription: "URL that invokes the function."},
					"replicas":           schema.Int64Attribute{Computed: true, MarkdownDescription: "Desired replicas."},
					"available_replicas": schema.Int64Attribute{Computed: true, MarkdownDescription: "Replicas ready to serve."},
					"ready":              schema.BoolAttribute{Computed: true, MarkdownDescription: "Whether the function is ready."},
				}},
			},
		},
	}
}

func (d *functionsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	// Never from the run's read cache: Terraform may read a data source after a write
	// through another provider block, which runs in another process (platform.WithFreshReads).
	ctx = platform.WithFreshReads(ctx)
	var m functionsDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	drv := d.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ns := m.Namespace.ValueString()
	if ns == "" {
		ns = drv.DefaultNamespace()
	}
	filter, _ := mapStrings(m.Labels)
	fns, err := drv.ListFunctions(ctx, ns)
	if err != nil {
		resp.Diagnostics.AddError("Error listing functions in "+ns, err.Error())
		return
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].ID.Name < fns[j].ID.Name })
	elems := []attr.Value{}
	nullMap := types.MapNull(types.StringType)
	for _, fn := range fns {
		if !matchesLabels(fn.Labels, filter) {
			continue
		}
		labels, annotations := fn.Labels, fn.Annotations
		if labels == nil {
			labels = map[string]string{}
		}
		if annotations == nil {
			annotations = map[string]string{}
		}
		obj, diags := types.ObjectValue(functionSummaryType.AttrTypes, map[string]attr.Value{
			"id": types.StringValue(fn.ID.String()), "name": types.StringValue(fn.ID.Name), "namespace": types.StringValue(fn.ID.Namespace),
			"image": types.StringValue(fn.Image), "labels": mapValue(ctx, nullMap, labels), "annotations": mapValue(ctx, nullMap, annotations),
			"invoke_url": types.StringValue(fn.Status.InvokeURL), "replicas": types.Int64Value(fn.Status.Replicas),
			"available_replicas": types.Int64Value(fn.Status.AvailableReplicas), "ready": types.BoolValue(fn.Status.Ready),
		})
		resp.Diagnostics.Append(diags...)
		elems = append(elems, obj)
	}
	list, diags := types.ListValue(functionSummaryType, elems)
	resp.Diagnostics.Append(diags...)
	m.Namespace, m.Functions = types.StringValue(ns), list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func matchesLabels(labels, filter map[string]string) bool {
	for k, v := range filter {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// --- faas_platform ---------------------------------------------------------------

var _ datasource.DataSourceWithConfigure = (*platformDataSource)(nil)

func newPlatformDataSource() datasource.DataSource { return &platformDataSource{} }

// platformDataSource is data.faas_platform.
type platformDataSource struct {
	baseDataSource
}

type platformDataModel struct {
	Platform         types.String `tfsdk:"platform"`
	Backend          types.String `tfsdk:"backend"`
	Edition          types.String `tfsdk:"edition"`
	Version          types.String `tfsdk:"version"`
	Endpoint         types.String `tfsdk:"endpoint"`
	DefaultNamespace types.String `tfsdk:"default_namespace"`
	Capabilities     types.List   `tfsdk:"capabilities"`
	MaxReplicas      types.Int64  `tfsdk:"max_replicas"`
	ScalingMetrics   types.List   `tfsdk:"scaling_metrics"`
}

func (d *platformDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_platform"
}

func (d *platformDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The platform this provider instance talks to, as detected, and the capability set the provider derives " +
			"from it and uses for its plan-time checks. OpenFaaS: from `GET /system/info`; Knative: from the API server's discovery and `/version`.",
		Attributes: map[string]schema.Attribute{
			"platform":          schema.StringAttribute{Computed: true, MarkdownDescription: "Platform family: `openfaas` or `knative`."},
			"backend":           schema.StringAttribute{Computed: true, MarkdownDescription: "OpenFaaS: `faas-netes` or `faasd`; Knative: `knative-serving`."},
			"edition":           schema.StringAttribute{Computed: true, MarkdownDescription: "OpenFaaS: `ce` (Community Edition) or `pro`; empty on Knative."},
			"version":           schema.StringAttribute{Computed: true, MarkdownDescription: "The backend's version as it reports it (OpenFaaS: the provider's release; Knative: the Kubernetes API server's version)."},
			"endpoint":          schema.StringAttribute{Computed: true, MarkdownDescription: "The management API's base URL."},
			"default_namespace": schema.StringAttribute{Computed: true, MarkdownDescription: "Namespace used when a resource sets none."},
			"capabilities": computedList("Supported features, as resource or attribute paths such as `faas_scaling_policy`, " +
				"`faas_function.image_pull_secrets` or `faas_trigger.cron_and_topic`, sorted. What is not listed fails at plan time. " +
				"The names a platform may list: " + featureNames() + "."),
			"max_replicas":    schema.Int64Attribute{Computed: true, MarkdownDescription: "Highest replica count the platform runs per function (OpenFaaS CE 5, faasd 1); 0 means no limit."},
			"scaling_metrics": computedList("Accepted `faas_scaling_policy.metric` values; empty when only min/max are honoured."),
		},
	}
}

// featureNames is every feature of the catalogue, sorted, as Markdown code spans.
func featureNames() string {
	features := platform.Features()
	slices.Sort(features)
	names := make([]string, 0, len(features))
	for _, f := range features {
		names = append(names, "`"+f.String()+"`")
	}
	return strings.Join(names, ", ")
}

func (d *platformDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	drv := d.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	info, err := drv.Info(ctx)
	if err != nil {
		resp.Diagnostics.AddError("Error reading the platform", err.Error())
		return
	}
	caps := make([]string, 0, len(info.Capabilities.Supported))
	for _, f := range info.Capabilities.Supported {
		caps = append(caps, f.String())
	}
	sort.Strings(caps)
	m := platformDataModel{
		Platform: types.StringValue(info.Platform), Backend: types.StringValue(info.Backend), Edition: types.StringValue(info.Edition),
		Version: types.StringValue(info.Version), Endpoint: types.StringValue(info.Endpoint),
		DefaultNamespace: types.StringValue(drv.DefaultNamespace()), MaxReplicas: types.Int64Value(info.Capabilities.MaxReplicas),
	}
	m.Capabilities, _ = types.ListValueFrom(ctx, types.StringType, caps)
	m.ScalingMetrics, _ = types.ListValueFrom(ctx, types.StringType, append([]string{}, info.Capabilities.ScalingMetrics...))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
