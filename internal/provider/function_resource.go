package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/customtypes"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ resource.Resource                = (*functionResource)(nil)
	_ resource.ResourceWithConfigure   = (*functionResource)(nil)
	_ resource.ResourceWithImportState = (*functionResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*functionResource)(nil)

	_ resource.ResourceWithValidateConfig = (*functionResource)(nil)
)

const (
	defaultCreateTimeout = 10 * time.Minute
	defaultUpdateTimeout = 10 * time.Minute
	defaultDeleteTimeout = 5 * time.Minute
)

func newFunctionResource() resource.Resource { return &functionResource{} }

// functionResource is faas_function.
type functionResource struct {
	baseResource
}

type functionResourceModel struct {
	ID                     types.String         `tfsdk:"id"`
	Name                   types.String         `tfsdk:"name"`
	Namespace              types.String         `tfsdk:"namespace"`
	Image                  types.String         `tfsdk:"image"`
	Command                types.List           `tfsdk:"command"`
	Args                   types.List           `tfsdk:"args"`
	Env                    types.Map            `tfsdk:"env"`
	EnvValueFrom           types.Map            `tfsdk:"env_value_from"`
	Secrets                types.Set            `tfsdk:"secrets"`
	Labels                 types.Map            `tfsdk:"labels"`
	Annotations            types.Map            `tfsdk:"annotations"`
	Limits                 types.Object         `tfsdk:"limits"`
	Requests               types.Object         `tfsdk:"requests"`
	Timeout                customtypes.Duration `tfsdk:"timeout"`
	MaxConcurrency         types.Int64          `tfsdk:"max_concurrency"`
	ReadOnlyRootFilesystem types.Bool           `tfsdk:"read_only_root_filesystem"`
	ImagePullSecrets       types.Set            `tfsdk:"image_pull_secrets"`
	OpenFaaS               types.Object         `tfsdk:"openfaas"`
	InvokeURL              types.String         `tfsdk:"invoke_url"`
	WaitForReady           types.Bool           `tfsdk:"wait_for_ready"`
	ResolveImageDigest     types.Bool           `tfsdk:"resolve_image_digest"`
	ImageDigest            types.String         `tfsdk:"image_digest"`
	RevisionName           types.String         `tfsdk:"revision_name"`
	LatestReadyRevision    types.String         `tfsdk:"latest_ready_revision"`
	LatestCreatedRevision  types.String         `tfsdk:"latest_created_revision"`
	Timeouts               timeouts.Value       `tfsdk:"timeouts"`
}

// Nested objects are types.Object in the model, never Go structs: a struct cannot hold
// an object that Terraform does not know yet (a variable at validate, another
// resource's output at plan), and decoding one fails. The structs below are the
// known objects' contents, read with As.

// resourcesModel is the content of limits and requests.
type resourcesModel struct {
	CPU    customtypes.Quantity `tfsdk:"cpu"`
	Memory customtypes.Quantity `tfsdk:"memory"`
}

// resourcesAttrTypes is the object type of limits and requests.
var resourcesAttrTypes = map[string]attr.Type{"cpu": customtypes.QuantityType{}, "memory": customtypes.QuantityType{}}

// functionOpenFaaSModel is the content of the openfaas block.
type functionOpenFaaSModel struct {
	Constraints  types.List           `tfsdk:"constraints"`
	ReadTimeout  customtypes.Duration `tfsdk:"read_timeout"`
	WriteTimeout customtypes.Duration `tfsdk:"write_timeout"`
	ExecTimeout  customtypes.Duration `tfsdk:"exec_timeout"`
}

// openfaasAttrTypes is the object type of the openfaas block.
var openfaasAttrTypes = map[string]attr.Type{
	"constraints":   types.ListType{ElemType: types.StringType},
	"read_timeout":  customtypes.DurationType{},
	"write_timeout": customtypes.DurationType{},
	"exec_timeout":  customtypes.DurationType{},
}

// watchdogTimeoutSchema is one of the openfaas block's watchdog timeouts.
func watchdogTimeoutSchema(key, what string) schema.StringAttribute {
	return schema.StringAttribute{
		CustomType: customtypes.DurationType{},
		Optional:   true,
		MarkdownDescription: fmt.Sprintf("The OpenFaaS watchdog's `%s` env var: %s. A positive Go duration such as `30s`, `1m5s` or `300s`, "+
			"compared by value (`300s` equals `5m`) with the spelling you wrote kept; a bare number or a value that is not a positive "+
			"duration is a plan-time error. It overrides `timeout` for this one key: with `timeout = \"5m31s\"` and "+
			"`exec_timeout = \"5m30s\"` the function gets `read_timeout` and `write_timeout` 5m31s and `exec_timeout` 5m30s; keys set "+
			"by neither are left to the watchdog's default. It is an env var of the function, read back as `env` is: faas-netes does "+
			"not return env vars, so from the provider's `faasform.dev/last-applied` record (a function deployed outside Terraform "+
			"has no such record: null in the state, and a plan that changes it is refused until `env` is set); faasd returns them. "+
			"A value changed outside Terraform shows as drift on this attribute (on faasd; on faas-netes only when the record is "+
			"dropped). Plan-time error on Knative, which runs no watchdog: set `timeout` there (the revision's `timeoutSeconds`).", key, what),
	}
}

func (r *functionResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_function"
}

func resourcesSchema(kind, openfaasNote string) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: fmt.Sprintf("Compute resource %s of each replica, as Kubernetes quantities. "+
			"OpenFaaS: the function's `%s`; %s "+
			"Knative: the container's `resources.%s`. "+
			"Quantities compare by value, so `0.1` and `100m` never show a diff, and the spelling you wrote is kept.", kind, kind, openfaasNote, kind),
		Attributes: map[string]schema.Attribute{
			"cpu": schema.StringAttribute{
				CustomType:          customtypes.QuantityType{},
				Optional:            true,
				MarkdownDescription: "CPU as a Kubernetes quantity, such as `100m` (0.1 of a core) or `1`. A value that is not a non-negative quantity is a plan-time error.",
			},
			"memory": schema.StringAttribute{
				CustomType:          customtypes.QuantityType{},
				Optional:            true,
				MarkdownDescription: "Memory as a Kubernetes quantity, such as `128Mi` or `1Gi`. A value that is not a non-negative quantity is a plan-time error.",
			},
		},
	}
}

func (r *functionResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A deployed function: its image, process, environment, secrets, labels, annotations and compute resources. " +
			"OpenFaaS: a function deployed through the gateway's `/system/functions` API. " +
			"Create and update wait until the function is ready (OpenFaaS: at least one available replica; or zero replicas when its " +
			"`faas_scaling_policy` allows scale to zero, or when faas-netes reports zero desired replicas, i.e. the function is scaled to zero " +
			"and the gateway starts it on the first request). Knative: a `serving.knative.dev/v1` Service; ready when its `Ready` condition is " +
			"`True` for the current generation (`observedGeneration == generation`); a `Ready=False` stops the wait at once with the " +
			"condition's reason and message. A function deleted outside Terraform during the wait (returned, then not found twice in a row) " +
			"fails the apply at once, saying so. " +
			"The OpenFaaS Community Edition runs at most 15 functions: planning a create when the platform already holds 15 is a warning on " +
			"`name`, and the create then fails before anything is sent, unless the same apply deleted functions first. " +
			"When the platform stores another value than the planned one for an attribute " +
			"(a defaulting or clamping admission webhook, another writer during the wait), the apply keeps the planned value in " +
			"state with a warning that names the attribute and the platform's value, and the next plan shows the difference.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The function's id, `namespace/name`. Children (`faas_scaling_policy`, `faas_trigger`) reference it as `function_id`.",
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "Function name, unique within its namespace. Its rule is the platform's, checked at plan time on `name`, " +
					"with nothing written. OpenFaaS: an RFC 1123 label (at most 63 lower-case letters, digits and `-`, starting and ending with " +
					"a letter or digit), as faas-netes validates it; the error is \"Value not allowed on OpenFaaS ...\", \"... is not an RFC 1123 " +
					"label\". Knative: a DNS-1035 label (the same, starting with a letter), as Knative Serving validates it; the error is " +
					"\"Rejected by Knative's validation\", \"... not a DNS 1035 label\". Changing it replaces the function.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"namespace": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Namespace of the function. Its rule is the platform's, checked at plan time (an error on `namespace`, " +
					"\"Value not allowed on <platform>\", \"... is not an RFC 1123 label\"): on OpenFaaS and Knative a Kubernetes namespace, an " +
					"RFC 1123 label (at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit). Default: the provider's `namespace` (OpenFaaS: `openfaas-fn`; Knative: `default`, " +
					"which must exist). " +
					"Changing it replaces the function. The OpenFaaS Community Edition serves only one namespace: any other is a plan-time error.",
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplaceIfConfigured()},
			},
			"image": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "Container image reference, such as `ghcr.io/openfaas/figlet:latest`. Must not be empty nor contain whitespace (plan-time errors). The OpenFaaS Community Edition deploys only public images.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(noWhitespace, "must not contain whitespace")},
			},
			"command": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "The process to run, as a list of words. Its meaning depends on the platform, because an OpenFaaS image runs the " +
					"OpenFaaS watchdog as its entrypoint, while Knative runs the container's entrypoint itself. " +
					"OpenFaaS: the watchdog's `fprocess`, the process the watchdog starts (per request with the classic watchdog, once " +
					"with the of-watchdog), never the container's entrypoint: `command` and `args` are joined by spaces into the " +
					"function's `envProcess`, so an element that is empty or contains whitespace is a plan-time error there; an image " +
					"without a watchdog ignores it. Knative: the container's `command`, which replaces the image's entrypoint, as given. " +
					"A configuration moving between platforms: without `command` it means the same on both (the image's own " +
					"`fprocess` and entrypoint). With `command` on an OpenFaaS watchdog image it does not: on Knative it replaces the " +
					"watchdog, the container never serves HTTP, and the apply fails when Knative reports the Revision failed. The provider " +
					"does not read images from their registries, so it cannot tell a watchdog image at plan time; on Knative, choose a " +
					"watchdog image's process with `env = { fprocess = ... }` instead (on OpenFaaS `env.fprocess` is a plan-time error that " +
					"points to `command`). Unset: the image's default.",
				Validators: []validator.List{notNullList()},
			},
			"args": schema.ListAttribute{
				ElementType:         types.StringType,
				Optional:            true,
				MarkdownDescription: "Arguments appended to `command`. OpenFaaS: part of `fprocess`, as for `command`. Knative: the container's `args`.",
				Validators:          []validator.List{notNullList()},
			},
			"env": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Environment variables, a map of name to value; order never matters and an empty string is a valid value. " +
					"A name must be non-empty printable ASCII without `=` (Kubernetes' rule since 1.34, checked on every platform); " +
					"a name that breaks it, or a null value, is a plan-time error on that key. " +
					"Do not put secrets here: use `faas_secret` and `secrets`. The keys `fprocess`, `read_timeout`, `write_timeout`, `exec_timeout` " +
					"and `max_inflight` are reserved on OpenFaaS (set `command`, `timeout` or the `openfaas` block's timeouts, and " +
					"`max_concurrency` instead): a plan-time error. " +
					"OpenFaaS faas-netes does not return env vars on read, so the provider keeps what it applied in the function's " +
					"`faasform.dev/last-applied` annotation: a redeploy outside Terraform that drops that annotation shows as drift, " +
					"while a change that keeps it cannot be seen. faasd returns env vars and every change shows as drift. Knative: the container's " +
					"`env` (always read back); `PORT` and the `K_SERVICE`, `K_CONFIGURATION`, `K_REVISION` variables are reserved by Knative. " +
					"Knative entries that take their value from elsewhere (`valueFrom`: a Secret's or ConfigMap's key, the downward API), " +
					"added outside Terraform, are not this map's: they are neither read into it nor removed by an apply, unless `env` sets the same name. " +
					"To declare such entries, use `env_value_from` (Knative only).",
				Validators: envValidators(),
			},
			"env_value_from": envValueFromSchema(),
			"secrets": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Names of platform secrets (`faas_secret`) mounted as files. OpenFaaS: `secrets`, mounted at " +
					"`/var/openfaas/secrets/<name>`; the gateway rejects (HTTP 400) a secret that does not exist in the namespace. Knative: one " +
					"projected volume of these Secrets mounted at `/var/openfaas/secrets`, so each file has the same path as on OpenFaaS.",
				Validators: []validator.Set{notNullSet()},
			},
			"labels": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Labels owned by this resource. Keys and values follow the Kubernetes label rules on every platform: a key is an " +
					"optional DNS subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.` that starts and ends " +
					"with a letter or digit; a value is empty or such a name. A key or value that breaks them, or a null value, is a " +
					"plan-time error on that key. Keys owned elsewhere are plan-time errors that name their owner: " +
					"`com.openfaas.scale.*` (`faas_scaling_policy`), `faas_function` and `uid` (set by faas-netes), " +
					"`com.openfaas.annotations.*` (faasd stores annotations under this prefix). " +
					"Labels the platform or sibling resources add never show as drift.",
				Validators: labelsValidators(),
			},
			"annotations": schema.MapAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Annotations owned by this resource. Keys follow the Kubernetes label key rule (regardless of case) and " +
					"keys and values together must total at most 256 KiB (the Kubernetes limit for one object, which the platform's own " +
					"annotations share), on every platform; a key that breaks the rule, a null value, or a larger total is a plan-time error. " +
					"Keys owned elsewhere are plan-time errors: `topic` and `schedule` " +
					"(`faas_trigger`) and `faasform.dev/last-applied` (the provider's record). `prometheus.io.scrape`, which faas-netes adds " +
					"when absent, is ignored unless you set it.",
				Validators: annotationsValidators(),
			},
			"limits":   resourcesSchema("limits", "faasd honours only `limits.memory`: `limits.cpu` is a plan-time error there."),
			"requests": resourcesSchema("requests", "faasd reserves nothing for a function: any `requests` is a plan-time error there."),
			"timeout": schema.StringAttribute{
				CustomType: customtypes.DurationType{},
				Optional:   true,
				MarkdownDescription: "Request timeout, a positive Go duration such as `30s` or `2m`. Compared by value (`60s` equals `1m`). " +
					"OpenFaaS: sets all three of the watchdog's `read_timeout`, `write_timeout` and `exec_timeout` env vars (the gateway's own " +
					"timeouts must allow it too); to set them one by one, use `openfaas.read_timeout`, `openfaas.write_timeout` and " +
					"`openfaas.exec_timeout`, each of which overrides `timeout` for its own key when both are set. faas-netes does not " +
					"return env vars, so it is read back from the provider's `faasform.dev/last-applied` annotation, as `env` is; a read " +
					"(drift, import) gives the three values back in the shape the configuration used, and a function without that record " +
					"(deployed outside Terraform) reads three equal values as `timeout` and anything else as the `openfaas` keys. Knative: the revision's `timeoutSeconds`, in whole seconds, " +
					"at most the cluster's `max-revision-timeout-seconds` (600 as shipped; an operator may raise it, so the plan does not check it, and a cluster refuses a value above its limit at apply with its webhook's message). Unset: the platform's default.",
			},
			"max_concurrency": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "Hard limit of in-flight requests per replica, an integer of at least 1; further requests get HTTP 429. " +
					"OpenFaaS: the of-watchdog's `max_inflight` env var, read back on faas-netes from the provider's " +
					"`faasform.dev/last-applied` annotation, as `env` is. Knative: the revision's `containerConcurrency`, at most the cluster's `container-concurrency-max-limit` (1000 as shipped; an operator may raise it, so the plan does not check it, and a cluster refuses a value above its limit at apply with its webhook's message). Unset: unlimited.",
				Validators: []validator.Int64{int64validator.AtLeast(1)},
			},
			"read_only_root_filesystem": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Mount the container's root filesystem read-only. Default `false`. On OpenFaaS `/tmp` stays writable; " +
					"on Knative nothing is mounted there (the container's `securityContext.readOnlyRootFilesystem`). " +
					"OpenFaaS: `readOnlyRootFilesystem`, which faas-netes does not return; it is read back from the provider's last-applied record. " +
					"Without that record (a function deployed outside Terraform and imported) its value is unknown: it is null in the state, " +
					"the default does not apply, and a plan that changes the function is refused until the configuration sets it.",
				PlanModifiers: []planmodifier.Bool{defaultUnlessUnreadable{value: false}},
			},
			"image_pull_secrets": schema.SetAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Names of registry credential secrets used to pull `image`. OpenFaaS Pro on faas-netes: added to the " +
					"function's `secrets` (faas-netes uses secrets of type `kubernetes.io/dockerconfigjson` as image pull secrets). " +
					"Plan-time error on the Community Edition (public images only) and on faasd (registry credentials are configured on the host). " +
					"Knative: the pod's `imagePullSecrets` (Secrets of type `kubernetes.io/dockerconfigjson`).",
				Validators: []validator.Set{notNullSet()},
			},
			"resolve_image_digest": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Bool, default `false`. When `true`, every plan asks the image's registry which digest `image`'s tag points to " +
					"(an HTTP `HEAD` of the manifest, with the credentials of the Docker configuration, `~/.docker/config.json` and its credential " +
					"helpers, or anonymous), and the function is deployed as `<image>@<digest>`: when someone pushes a new image under the same " +
					"tag, the plan shows `image_digest` changing and the apply rolls the new image out; while the tag does not move the plan " +
					"stays empty. `image` keeps the tag as written. An `image` that already holds a digest (`...@sha256:...`) is not looked up. " +
					"A registry that cannot be reached, refuses the credentials, or has no such tag is a plan-time error on `image`. " +
					"Registries on a loopback or private address are spoken to over plain HTTP, all others over HTTPS (go-containerregistry's rule). " +
					"Same on every platform. An import reads the deployed `<image>@<digest>` into `image`, so the first plan after an import " +
					"with this set shows `image` going back to the tag (an update that deploys the same image).",
			},
			"image_digest": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "String. The digest (`sha256:...`) of the image the function runs. When the deployed reference pins " +
					"one, that digest: the one `resolve_image_digest` found, or the one written in `image`. For a bare tag (no `@sha256:`) it " +
					"depends on the platform. OpenFaaS: null, since faas-netes reports the image reference only. Knative: the digest " +
					"Knative resolved the tag to when it created the function's latest revision (the Revision's " +
					"`status.containerStatuses[].imageDigest`, read for the revision named by `latest_ready_revision` while it is also " +
					"`latest_created_revision` and the Service is ready); null while that revision is not ready, and when the cluster does " +
					"not resolve the registry's tags (`config-deployment` `registries-skipping-tag-resolving`). On Knative the plan shows it " +
					"as known after apply for a create and for every change of the revision template (image, command, args, env, " +
					"env_value_from, secrets, limits, requests, timeout, max_concurrency, read_only_root_filesystem, image_pull_secrets, " +
					"revision_name), since each new revision resolves the tag again; a change of labels or annotations keeps it. Reading it " +
					"needs `get` and `list` on `revisions.serving.knative.dev`; a refused read is a warning and leaves it null.",
			},
			"revision_name": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "String, no default. Names the revision this configuration deploys, so that a `faas_traffic_split` can pin " +
					"it and shift a share of the traffic to it. Knative: the revision template's `metadata.name` (a bring-your-own " +
					"revision name); it must be a DNS-1035 label that starts with the function's `name` followed by `-`, such as " +
					"`hello-v2` for function `hello` (a plan-time error otherwise, as Knative's webhook requires). Revisions are " +
					"immutable: Knative refuses any change of the revision template (image, command, args, env, secrets, " +
					"limits, requests, timeout, max_concurrency, read_only_root_filesystem, image_pull_secrets) that keeps the same " +
					"`revision_name`, so change it with every such change; a plan that keeps the name the function runs now and " +
					"changes its template is a plan-time error on `revision_name`. A function that sets it cannot have a `faas_scaling_policy` " +
					"written: the policy's annotations live in the same template and are written after the function, under the same " +
					"name, so creating, changing or removing the policy fails at apply before anything is sent, with an error naming " +
					"`revision_name` and `faas_scaling_policy` (the policy's plan warns when the function pins a name already). " +
					"Unset, Knative names each revision `<name>-00001`, `<name>-00002`, ... An empty string is a plan-time " +
					"error (leave the attribute out instead). OpenFaaS: a plan-time error, because an OpenFaaS function has no revisions.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"latest_ready_revision": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "String. The newest revision of the function that became ready, which a `faas_traffic_split` " +
					"can pin. Knative: the Service's `status.latestReadyRevisionName`. Null on OpenFaaS (no revisions), and on " +
					"Knative until a revision is ready. Every change of the revision template makes a new revision, so an update " +
					"of the function shows it as known after apply.",
			},
			"latest_created_revision": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "String. The newest revision Knative created for the function, ready or not (the Service's " +
					"`status.latestCreatedRevisionName`); equal to `revision_name` when that is set. Null on OpenFaaS.",
			},
			"invoke_url": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "URL that invokes the function. OpenFaaS: `<gateway_url>/function/<name>.<namespace>`. Knative: the Service's `status.url`, " +
					"null until Knative has reconciled the Service (for example after `wait_for_ready = false`); an update then shows it as known after apply.",
				// A URL once reported stays the same across updates; one not reported yet
				// (null) must stay unknown in the plan, or the update's answer would be
				// an inconsistent result.
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseNonNullStateForUnknown()},
			},
			"wait_for_ready": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
				MarkdownDescription: "Wait after create and update until the platform reports the function ready, within `timeouts`. " +
					"Default `true`. A function that is created but never becomes ready stays in state, tainted, and the error gives " +
					"the platform's last status. A wait that Terraform interrupts (Ctrl-C) is not a failure: the function stays in " +
					"state untainted, with a warning, and the next plan refreshes it. " +
					"With `false` the apply returns as soon as the platform accepted the deployment.",
			},
		},
		Blocks: map[string]schema.Block{
			"openfaas": schema.SingleNestedBlock{
				MarkdownDescription: "Settings that exist only on OpenFaaS. On other platforms they are plan-time errors, never silently ignored.",
				Attributes: map[string]schema.Attribute{
					"read_timeout":  watchdogTimeoutSchema("read_timeout", "how long the watchdog may take to read a request's body"),
					"write_timeout": watchdogTimeoutSchema("write_timeout", "how long the watchdog may take to write the response (the function's whole run, as the watchdog counts it)"),
					"exec_timeout":  watchdogTimeoutSchema("exec_timeout", "how long the function's process may run for one request before the watchdog stops it"),
					"constraints": schema.ListAttribute{
						ElementType: types.StringType,
						Optional:    true,
						MarkdownDescription: "Placement constraints, such as `node.kubernetes.io/instance-type=m5.large` (node selectors on faas-netes). " +
							"Plan-time error on the Community Edition (faas-netes CE ignores them) and on faasd (one host). faas-netes does " +
							"not return them; they are read back from the provider's last-applied record.",
						Validators: []validator.List{notNullList()},
					},
				},
			},
			"timeouts": timeoutsBlock(ctx,
				"Default `10m`: deploying and waiting until ready.",
				"Default `10m`: redeploying and waiting until the new version is ready.",
				"Default `5m`: deleting and waiting until the platform no longer returns the function."),
		},
	}
}

// defaultUnlessUnreadable plans value for an attribute the configuration leaves unset,
// except on a resource whose state holds null for it: the provider could not read it
// back (a function deployed outside Terraform and imported, on a platform that does not
// return it), so the plan keeps it null instead of claiming a value nobody read. Setting
// it in the configuration plans the configured value as usual.
type defaultUnlessUnreadable struct{ value bool }

func (m defaultUnlessUnreadable) Description(context.Context) string {
	return fmt.Sprintf("defaults to %t, except while the platform's value is unknown (null in the state)", m.value)
}

func (m defaultUnlessUnreadable) MarkdownDescription(ctx context.Context) string {
	return m.Description(ctx)
}

func (m defaultUnlessUnreadable) PlanModifyBool(_ context.Context, req planmodifier.BoolRequest, resp *planmodifier.BoolResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	if !req.State.Raw.IsNull() && req.StateValue.IsNull() {
		resp.PlanValue = types.BoolNull()
		return
	}
	resp.PlanValue = types.BoolValue(m.value)
}

// functionFromModel builds the neutral function; ok is false when a value the platform
// check needs is still unknown. Null map values and list elements are left out (the
// schema's validators report them).
func functionFromModel(ctx context.Context, m *functionResourceModel, defaultNamespace string, diags *diag.Diagnostics) (*platform.Function, bool) {
	known := true
	note := func(ok bool) {
		if !ok {
			known = false
		}
	}
	fn := &platform.Function{
		ID:                     platform.FunctionID{Namespace: m.Namespace.ValueString(), Name: m.Name.ValueString()},
		Image:                  m.Image.ValueString(),
		ReadOnlyRootFilesystem: m.ReadOnlyRootFilesystem.ValueBool(),
		MaxConcurrency:         m.MaxConcurrency.ValueInt64(),
		RevisionName:           m.RevisionName.ValueString(),
	}
	note(!m.RevisionName.IsUnknown())
	if fn.ID.Namespace == "" {
		fn.ID.Namespace = defaultNamespace
	}
	if m.ResolveImageDigest.ValueBool() && !hasDigest(fn.Image) {
		note(!m.ImageDigest.IsUnknown())
		if d := m.ImageDigest.ValueString(); d != "" {
			fn.Image += "@" + d
		}
	}
	if m.Env.IsNull() {
		fn.Unset = append(fn.Unset, platform.AttrEnv)
	}
	if m.ReadOnlyRootFilesystem.IsNull() {
		fn.Unset = append(fn.Unset, platform.AttrReadOnlyRootFilesystem)
	}
	note(!m.Name.IsUnknown() && !m.Namespace.IsUnknown() && !m.Image.IsUnknown() && !m.MaxConcurrency.IsUnknown() && !m.ReadOnlyRootFilesystem.IsUnknown())
	var ok bool
	fn.Command, ok = listStrings(m.Command)
	note(ok)
	fn.Args, ok = listStrings(m.Args)
	note(ok)
	fn.Env, ok = mapStrings(m.Env)
	note(ok)
	fn.EnvFrom, ok = envFromModel(ctx, m.EnvValueFrom, diags)
	note(ok)
	fn.Secrets, ok = setStrings(m.Secrets)
	note(ok)
	fn.Labels, ok = mapStrings(m.Labels)
	note(ok)
	fn.Annotations, ok = mapStrings(m.Annotations)
	note(ok)
	fn.ImagePullSecrets, ok = setStrings(m.ImagePullSecrets)
	note(ok)
	switch {
	case m.OpenFaaS.IsUnknown():
		known = false
	case m.OpenFaaS.IsNull():
		fn.Unset = append(fn.Unset, platform.AttrConstraints)
	default:
		var of functionOpenFaaSModel
		diags.Append(m.OpenFaaS.As(ctx, &of, basetypes.ObjectAsOptions{})...)
		if of.Constraints.IsNull() {
			fn.Unset = append(fn.Unset, platform.AttrConstraints)
		}
		fn.Constraints, ok = listStrings(of.Constraints)
		note(ok)
		for _, d := range []struct {
			v   customtypes.Duration
			out *string
		}{{of.ReadTimeout, &fn.Watchdog.Read}, {of.WriteTimeout, &fn.Watchdog.Write}, {of.ExecTimeout, &fn.Watchdog.Exec}} {
			note(!d.v.IsUnknown())
			*d.out = d.v.ValueString()
		}
	}
	fn.Limits, ok = resourcesFromModel(ctx, m.Limits, diags)
	note(ok)
	fn.Requests, ok = resourcesFromModel(ctx, m.Requests, diags)
	note(ok)
	switch {
	case m.Timeout.IsUnknown():
		known = false
	case !m.Timeout.IsNull():
		fn.Timeout = m.Timeout.ValueString()
	}
	return fn, known
}

// resourcesFromModel reads limits or requests; ok is false while a part is unknown.
func resourcesFromModel(ctx context.Context, o types.Object, diags *diag.Diagnostics) (platform.Resources, bool) {
	if o.IsUnknown() {
		return platform.Resources{}, false
	}
	if o.IsNull() {
		return platform.Resources{}, true
	}
	var m resourcesModel
	diags.Append(o.As(ctx, &m, basetypes.ObjectAsOptions{})...)
	return platform.Resources{CPU: m.CPU.ValueString(), Memory: m.Memory.ValueString()}, !m.CPU.IsUnknown() && !m.Memory.IsUnknown()
}

// resourcesToModel renders r, keeping a prior object whose parts are all null (the
// configuration wrote limits = {}).
func resourcesToModel(ctx context.Context, prior types.Object, r platform.Resources) types.Object {
	if r.IsZero() {
		var pm resourcesModel
		if known(prior) && !prior.As(ctx, &pm, basetypes.ObjectAsOptions{}).HasError() && pm.CPU.IsNull() && pm.Memory.IsNull() {
			return prior
		}
		return types.ObjectNull(resourcesAttrTypes)
	}
	out := resourcesModel{CPU: customtypes.NewQuantityNull(), Memory: customtypes.NewQuantityNull()}
	if r.CPU != "" {
		out.CPU = customtypes.NewQuantityValue(r.CPU)
	}
	if r.Memory != "" {
		out.Memory = customtypes.NewQuantityValue(r.Memory)
	}
	o, _ := types.ObjectValueFrom(ctx, resourcesAttrTypes, out)
	return o
}

// toModel writes what the platform returned into m, keeping m's representation of empty
// collections and its settings that live only in Terraform (wait_for_ready, timeouts).
func toModel(ctx context.Context, fn *platform.Function, m *functionResourceModel) {
	m.ID = types.StringValue(fn.ID.String())
	m.Name = types.StringValue(fn.ID.Name)
	m.Namespace = types.StringValue(fn.ID.Namespace)
	m.Image, m.ImageDigest = imageToModel(m.Image, m.ResolveImageDigest, fn.Image, fn.Status.ImageDigest)
	m.Command = listValue(ctx, m.Command, fn.Command)
	m.Args = listValue(ctx, m.Args, fn.Args)
	m.Env = mapValue(ctx, m.Env, fn.Env)
	if slices.Contains(fn.Status.Unreadable, platform.AttrEnv) {
		m.Env = types.MapNull(types.StringType)
	}
	m.EnvValueFrom = envFromToModel(ctx, m.EnvValueFrom, fn.EnvFrom)
	m.Secrets = setValue(ctx, m.Secrets, fn.Secrets)
	m.Labels = mapValue(ctx, m.Labels, fn.Labels)
	m.Annotations = mapValue(ctx, m.Annotations, fn.Annotations)
	m.ImagePullSecrets = setValue(ctx, m.ImagePullSecrets, fn.ImagePullSecrets)
	m.Limits = resourcesToModel(ctx, m.Limits, fn.Limits)
	m.Requests = resourcesToModel(ctx, m.Requests, fn.Requests)
	m.Timeout = durationValue(fn.Timeout)
	if fn.MaxConcurrency > 0 {
		m.MaxConcurrency = types.Int64Value(fn.MaxConcurrency)
	} else {
		m.MaxConcurrency = types.Int64Null()
	}
	m.ReadOnlyRootFilesystem = boolOrUnreadable(fn, platform.AttrReadOnlyRootFilesystem, fn.ReadOnlyRootFilesystem)
	prior := functionOpenFaaSModel{Constraints: types.ListNull(types.StringType)}
	if known(m.OpenFaaS) {
		_ = m.OpenFaaS.As(ctx, &prior, basetypes.ObjectAsOptions{})
	}
	of := functionOpenFaaSModel{
		Constraints:  listValue(ctx, prior.Constraints, fn.Constraints),
		ReadTimeout:  durationValue(fn.Watchdog.Read),
		WriteTimeout: durationValue(fn.Watchdog.Write),
		ExecTimeout:  durationValue(fn.Watchdog.Exec),
	}
	if slices.Contains(fn.Status.Unreadable, platform.AttrConstraints) {
		of.Constraints = types.ListNull(types.StringType)
	}
	if of.Constraints.IsNull() && fn.Watchdog.IsZero() && !known(m.OpenFaaS) {
		m.OpenFaaS = types.ObjectNull(openfaasAttrTypes)
	} else {
		m.OpenFaaS, _ = types.ObjectValueFrom(ctx, openfaasAttrTypes, of)
	}
	m.InvokeURL = stringOrNull(fn.Status.InvokeURL)
	m.RevisionName = stringOrNull(fn.RevisionName)
	m.LatestReadyRevision = stringOrNull(fn.Status.LatestReadyRevision)
	m.LatestCreatedRevision = stringOrNull(fn.Status.LatestCreatedRevision)
	readOnlySettings(ctx, &m.WaitForReady, &m.Timeouts)
}

// ModifyPlan defaults the namespace from the provider and runs the platform's
// capability checks, so that nothing unsupported is ever written (DESIGN.md section 4).
func (r *functionResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	d := r.configured()
	if req.Plan.Raw.IsNull() || d == nil {
		return
	}
	var plan, cfg functionResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.Namespace = planDefaultNamespace(ctx, d, req, resp, cfg.Namespace)
	planNoRevisions(ctx, d, resp)
	planImageDigest(ctx, d, req.State, &plan, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	fn, allKnown := functionFromModel(ctx, &plan, d.DefaultNamespace(), &resp.Diagnostics)
	if !allKnown {
		checkUnsupportedWhileUnknown(ctx, d, &plan, &resp.Diagnostics)
	}
	if !allKnown || resp.Diagnostics.HasError() {
		return
	}
	checkFunction(ctx, d, fn, &resp.Diagnostics)
	if req.State.Raw.IsNull() && !resp.Diagnostics.HasError() {
		checkFunctionLimit(ctx, d, fn.ID, &resp.Diagnostics)
	}
	if !req.State.Raw.IsNull() && !resp.Plan.Raw.Equal(req.State.Raw) {
		var state functionResourceModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		if !resp.Diagnostics.HasError() && state.Name.Equal(plan.Name) && state.Namespace.Equal(plan.Namespace) {
			checkUnknownValues(ctx, d, fn, &resp.Diagnostics)
		}
	}
}

// planNoRevisions plans the revision attributes as null on a platform without
// revisions (no platform.TrafficDriver: OpenFaaS), so that an update does not show them
// as known after apply.
func planNoRevisions(ctx context.Context, d platform.Driver, resp *resource.ModifyPlanResponse) {
	if _, ok := d.(platform.TrafficDriver); ok {
		return
	}
	for _, attr := range []string{"latest_ready_revision", "latest_created_revision"} {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root(attr), types.StringNull())...)
	}
}

// unknownValues says, per attribute that fn.Unset may name, where it is in the schema and
// what to set it to.
var unknownValues = map[string]struct {
	at   path.Path
	hint string
}{
	platform.AttrEnv: {path.Root("env"), "the environment variables the function must keep, or `{}` for none (`timeout`, the `openfaas` block's " +
		"timeouts and `max_concurrency` are environment variables on OpenFaaS too: set them as well if the function has them)"},
	platform.AttrReadOnlyRootFilesystem: {path.Root("read_only_root_filesystem"), "`true` or `false`"},
	platform.AttrConstraints:            {path.Root("openfaas").AtName("constraints"), "the placement constraints the function must keep, or `[]` for none"},
}

// checkUnknownValues warns, on each attribute, of an update of a function whose value
// the provider does not know and the configuration leaves unset (platform.WriteUnknowns):
// the platform replaces the whole function on every update, so the apply would replace
// that value with nothing, and the driver refuses that write at apply. A warning, not an
// error: an error here would also fail `terraform destroy` (whose first walk plans the
// configuration) and turn a drift check's exit 2 into 1, for the most common drift of
// all, a redeploy with faas-cli.
func checkUnknownValues(ctx context.Context, d platform.Driver, fn *platform.Function, diags *diag.Diagnostics) {
	if len(fn.Unset) == 0 {
		return
	}
	cur, err := d.ReadFunction(ctx, fn.ID)
	if errors.Is(err, platform.ErrNotFound) {
		return
	}
	if err != nil {
		diags.AddError("Cannot check the function against the platform", err.Error())
		return
	}
	unknown := platform.WriteUnknowns(cur, fn)
	if len(unknown) == 0 {
		return
	}
	name := "the platform"
	if info, err := d.Info(ctx); err == nil {
		name = info.Describe()
	}
	for _, attr := range unknown {
		// One summary per attribute: the CLI folds warnings that share a summary.
		diags.AddAttributeWarning(unknownValues[attr].at, fmt.Sprintf("Value unknown to the provider: %s (the apply will refuse this change)", attr),
			fmt.Sprintf("Function %s carries no record of this provider: it was deployed outside Terraform (or redeployed without "+
				"the faasform.dev/last-applied annotation), and %s does not return `%s`, so its current value is unknown. "+
				"This plan changes the function, and every update replaces the whole function, so the apply would replace "+
				"that value with nothing. Set `%s` in the configuration to %s: the first apply writes it and records it, "+
				"and later plans show its drift.", fn.ID, name, attr, attr, unknownValues[attr].hint))
	}
}

// checkFunctionLimit warns, when the plan creates a function, that the platform's
// function limit (the OpenFaaS Community Edition's 15) is already reached. A warning, not
// an error: the plan cannot see whether the same apply deletes other functions first;
// the create checks again before it sends anything and fails there.
func checkFunctionLimit(ctx context.Context, d platform.Driver, id platform.FunctionID, diags *diag.Diagnostics) {
	limiter, ok := d.(platform.FunctionLimiter)
	if !ok {
		return
	}
	err := limiter.CheckFunctionLimit(ctx, id)
	var limit *platform.FunctionLimitError
	switch {
	case errors.As(err, &limit):
		diags.AddAttributeWarning(path.Root("name"), "Function limit reached", err.Error()+
			".\n\nThis create fails at apply, before anything is sent, unless the same apply deletes functions first.")
	case err != nil:
		// Counting is a courtesy at plan time; the create counts again.
		tflog.Debug(ctx, "could not count the functions at plan time", map[string]any{"error": err.Error()})
	}
}

// checkUnsupportedWhileUnknown refuses env_value_from on a platform without it while
// some value of the function is still unknown (one from another resource's output):
// checkFunction, which names each entry, runs only once every value is known, and the
// refusal must not wait for the apply.
func checkUnsupportedWhileUnknown(ctx context.Context, d platform.Driver, plan *functionResourceModel, diags *diag.Diagnostics) {
	if plan.EnvValueFrom.IsNull() || (known(plan.EnvValueFrom) && len(plan.EnvValueFrom.Elements()) == 0) {
		return
	}
	info, err := d.Info(ctx)
	if err != nil || info.Capabilities.Has(platform.FeatureFunctionEnvValueFrom) {
		return
	}
	diags.AddAttributeError(path.Root("env_value_from"), "Unsupported on "+info.Describe(),
		info.Describe()+" has no environment variables that take their value from a Secret or ConfigMap key, so "+
			"env_value_from is refused even before its values are known.\n\nRemove env_value_from; set a literal value in env, "+
			"or use the platform's own way to pass secrets (secrets).")
}

// checkFunction adds one attribute error per setting the platform cannot honour.
func checkFunction(ctx context.Context, d platform.Driver, fn *platform.Function, diags *diag.Diagnostics) {
	problems, err := d.CheckFunction(ctx, fn)
	if err != nil {
		diags.AddError("Cannot check the function against the platform", err.Error())
		return
	}
	addProblems(diags, problems)
}

func (r *functionResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan functionResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, fn := prepareWrite(ctx, d, &plan, plan.Timeouts.Create, defaultCreateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	created, err := d.CreateFunction(ctx, fn)
	if err != nil && created != nil {
		// Created on the platform: keep it in state (tainted unless interrupted), never orphaned.
		notReady(&resp.Diagnostics, fmt.Sprintf("Function %s was created but could not be read back", fn.ID), err)
		toModel(ctx, created, &plan)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error creating function %s", fn.ID), err.Error())
		return
	}
	tflog.Debug(ctx, "created function", map[string]any{"id": fn.ID.String()})
	toModel(ctx, created, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.WaitForReady.ValueBool() {
		keepPlannedState(ctx, req.Plan, &resp.State, &resp.Diagnostics)
		return
	}
	ready, err := platform.WaitFunctionReady(ctx, d, fn.ID, false)
	if err != nil {
		// The function exists: it stays in state, and Terraform marks it tainted unless
		// the wait was interrupted. (One deleted meanwhile is dropped from state by the
		// next refresh.)
		notReady(&resp.Diagnostics, notReadySummary(fn.ID, "created", err), err)
		return
	}
	readRunningDigest(ctx, d, ready, &resp.Diagnostics)
	toModel(ctx, ready, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	keepPlannedState(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

// prepareWrite bounds ctx by the operation's timeout, builds the function from the plan
// and runs the platform's checks again (the provider may have been configured lazily,
// after the plan). Callers stop when diags has an error; cancel is always safe to call.
func prepareWrite(ctx context.Context, d platform.Driver, plan *functionResourceModel,
	timeout timeoutGetter, dflt time.Duration, diags *diag.Diagnostics,
) (context.Context, context.CancelFunc, *platform.Function) {
	ctx, cancel, ok := withTimeout(ctx, timeout, dflt, diags)
	if !ok {
		return ctx, cancel, nil
	}
	fn, _ := functionFromModel(ctx, plan, d.DefaultNamespace(), diags)
	checkFunction(ctx, d, fn, diags)
	return ctx, cancel, fn
}

// notReadySummary is the summary of a failed readiness wait after a create or update.
func notReadySummary(id platform.FunctionID, done string, err error) string {
	var deleted *platform.DeletedError
	if errors.As(err, &deleted) {
		return fmt.Sprintf("Function %s was deleted while it was being %s", id, done)
	}
	return fmt.Sprintf("Function %s was %s but is not ready", id, done)
}

func (r *functionResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state functionResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.configured()
	if resp.Diagnostics.HasError() || d == nil {
		return
	}
	id, err := platform.ParseFunctionID(state.ID.ValueString(), d.DefaultNamespace())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("id"), "Invalid function id", err.Error())
		return
	}
	fn, err := d.ReadFunction(ctx, id)
	if errors.Is(err, platform.ErrInvalidID) {
		// An import id whose name the platform never accepts (its driver's rule).
		readError(&resp.Diagnostics, "function", id.String(), err)
		return
	}
	if errors.Is(err, platform.ErrNotFound) {
		resp.Diagnostics.AddWarning("Function not found",
			fmt.Sprintf("Function %s no longer exists on the platform; it was removed from the state and the next apply will create it again.", id))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error reading function %s", id), err.Error())
		return
	}
	if state.Image.IsNull() && len(fn.Status.Unreadable) > 0 {
		// Only an import leaves image null: say which attributes cannot be read back.
		resp.Diagnostics.AddWarning("Some attributes cannot be read back",
			fmt.Sprintf("Function %s was deployed outside Terraform and the platform does not return %s, so their values are "+
				"unknown: they are imported as null, not as empty or false. A plan that changes the function is refused until "+
				"the configuration sets %s, because every update replaces the whole function. Set them to the values the "+
				"function must keep; the first apply writes them and records them.",
				id, strings.Join(fn.Status.Unreadable, ", "), strings.Join(platform.WriteUnknowns(fn, &platform.Function{
					Unset: []string{platform.AttrEnv, platform.AttrReadOnlyRootFilesystem, platform.AttrConstraints},
				}), ", ")))
	}
	if !keepRunningDigest(&state, fn) {
		readRunningDigest(ctx, d, fn, &resp.Diagnostics)
	}
	toModel(ctx, fn, &state)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *functionResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan functionResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, fn := prepareWrite(ctx, d, &plan, plan.Timeouts.Update, defaultUpdateTimeout, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	updated, err := d.UpdateFunction(ctx, fn)
	if err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error updating function %s", fn.ID), err.Error())
		return
	}
	if plan.WaitForReady.ValueBool() {
		ready, err := platform.WaitFunctionReady(ctx, d, fn.ID, true)
		if err != nil {
			notReady(&resp.Diagnostics, notReadySummary(fn.ID, "updated", err), err)
		} else {
			updated = ready
		}
	}
	var prior functionResourceModel
	if req.State.Get(ctx, &prior).HasError() || !keepRunningDigest(&prior, updated) {
		readRunningDigest(ctx, d, updated, &resp.Diagnostics)
	}
	toModel(ctx, updated, &plan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	keepPlannedState(ctx, req.Plan, &resp.State, &resp.Diagnostics)
}

func (r *functionResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state functionResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, state.Timeouts.Delete, defaultDeleteTimeout, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	id := platform.FunctionID{Namespace: state.Namespace.ValueString(), Name: state.Name.ValueString()}
	if err := d.DeleteFunction(ctx, id); err != nil {
		resp.Diagnostics.AddError(fmt.Sprintf("Error deleting function %s", id), err.Error())
	}
}

// ImportState accepts `namespace/name`, or `name` in the provider's default namespace.
func (r *functionResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id, ok := r.importFunctionID(req.ID, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id.String())...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("name"), id.Name)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("namespace"), id.Namespace)...)
}

// durationValue is s as a Duration, null when empty.
func durationValue(s string) customtypes.Duration {
	if s == "" {
		return customtypes.NewDurationNull()
	}
	return customtypes.NewDurationValue(s)
}
