// Package provider implements the faas Terraform provider on terraform-plugin-framework:
// the provider configuration (one platform block per instance), and every resource and
// data source. Resources speak only the neutral model of package platform; the driver
// chosen by the platform block does the talking.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/customtypes"
	"github.com/faasform/terraform-provider-faas/internal/driver/knative"
	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Environment variables read when the openfaas block leaves the attribute unset; the
// names are faas-cli's (https://docs.openfaas.com/cli/reference/).
const (
	EnvOpenFaaSURL      = "OPENFAAS_URL"
	EnvOpenFaaSUsername = "OPENFAAS_USERNAME"
	EnvOpenFaaSPassword = "OPENFAAS_PASSWORD"
	EnvOpenFaaSToken    = "OPENFAAS_TOKEN"
)

const (
	defaultRequestTimeout = 30 * time.Second
	defaultMaxRetries     = 4
)

var _ provider.Provider = (*faasProvider)(nil)

// faasProvider is the provider; it holds only its version.
type faasProvider struct {
	version string
}

// New returns a factory for the provider, as providerserver.Serve expects.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &faasProvider{version: version} }
}

type providerModel struct {
	RequestTimeout customtypes.Duration `tfsdk:"request_timeout"`
	MaxRetries     types.Int64          `tfsdk:"max_retries"`
	OpenFaaS       *openfaasBlockModel  `tfsdk:"openfaas"`
	Knative        *knativeBlockModel   `tfsdk:"knative"`
}

type knativeBlockModel struct {
	ConfigPath           types.String `tfsdk:"config_path"`
	ConfigPaths          types.List   `tfsdk:"config_paths"`
	ConfigContext        types.String `tfsdk:"config_context"`
	Host                 types.String `tfsdk:"host"`
	Token                types.String `tfsdk:"token"`
	ClientCertificate    types.String `tfsdk:"client_certificate"`
	ClientKey            types.String `tfsdk:"client_key"`
	ClusterCACertificate types.String `tfsdk:"cluster_ca_certificate"`
	Insecure             types.Bool   `tfsdk:"insecure"`
	Namespace            types.String `tfsdk:"namespace"`
}

type openfaasBlockModel struct {
	GatewayURL         types.String `tfsdk:"gateway_url"`
	Username           types.String `tfsdk:"username"`
	Password           types.String `tfsdk:"password"`
	Token              types.String `tfsdk:"token"`
	Namespace          types.String `tfsdk:"namespace"`
	Edition            types.String `tfsdk:"edition"`
	CACertPEM          types.String `tfsdk:"ca_cert_pem"`
	InsecureSkipVerify types.Bool   `tfsdk:"insecure_skip_verify"`
}

// Metadata implements provider.Provider.
func (p *faasProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "faas"
	resp.Version = p.version
}

// Schema implements provider.Provider.
func (p *faasProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Manages functions, their triggers, routes, scaling policies and secrets on self-hosted " +
			"function platforms. Each provider instance talks to exactly one platform, chosen by its single platform " +
			"block (`openfaas` or `knative`); none or two are configuration errors. Use aliased provider blocks for several platforms.",
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
		Blocks: map[string]schema.Block{
			"knative": schema.SingleNestedBlock{
				MarkdownDescription: "Connects to a Kubernetes cluster running Knative Serving (and Eventing for triggers), through " +
					"the Kubernetes API with client-go. Settings and environment variables are the Terraform Kubernetes provider's; " +
					"like it, the provider never reads a kubeconfig that was not named (no implicit `~/.kube/config` or `KUBECONFIG`). " +
					"Values unknown at plan time (a `host` from the module that creates the cluster) configure the provider at apply.",
				Attributes: map[string]schema.Attribute{
					"config_path": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Path of a kubeconfig file to load. Env `KUBE_CONFIG_PATH`."},
					"config_paths": schema.ListAttribute{ElementType: types.StringType, Optional: true,
						MarkdownDescription: "Kubeconfig files merged in order, the first one winning. Env `KUBE_CONFIG_PATHS` (separated by `:`)."},
					"config_context": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Context of the kubeconfig to use instead of its current context. Env `KUBE_CTX`. An unknown context is an error that lists the available ones."},
					"host": schema.StringAttribute{Optional: true,
						MarkdownDescription: "API server URL, such as `https://10.0.0.1:6443`; overrides the kubeconfig's. Env `KUBE_HOST`. Required when no kubeconfig is named."},
					"token": schema.StringAttribute{Optional: true, Sensitive: true,
						MarkdownDescription: "Bearer token; overrides the kubeconfig's credentials. Env `KUBE_TOKEN`. Never logged or stored."},
					"client_certificate": schema.StringAttribute{Optional: true,
						MarkdownDescription: "PEM-encoded client certificate. Env `KUBE_CLIENT_CERT_DATA`."},
					"client_key": schema.StringAttribute{Optional: true, Sensitive: true,
						MarkdownDescription: "PEM-encoded client key. Env `KUBE_CLIENT_KEY_DATA`. Never logged or stored."},
					"cluster_ca_certificate": schema.StringAttribute{Optional: true,
						MarkdownDescription: "PEM-encoded CA certificate of the API server. Env `KUBE_CLUSTER_CA_CERT_DATA`."},
					"insecure": schema.BoolAttribute{Optional: true,
						MarkdownDescription: "Skip TLS verification of the API server. Default `false`. Env `KUBE_INSECURE`. Only for test clusters."},
					"namespace": schema.StringAttribute{Optional: true,
						MarkdownDescription: "Namespace used when a resource does not set one. Default `default`. Must be an RFC 1123 label.",
						Validators:          []validator.String{dnsLabelValidator{}}},
				},
			},
			"openfaas": schema.SingleNestedBlock{
				MarkdownDescription: "Connects to an OpenFaaS gateway (faas-netes or faasd, Community Edition or Pro). " +
					"The backend and edition are detected from `GET /system/info` and decide which features are accepted at plan time.",
				Attributes: map[string]schema.Attribute{
					"gateway_url": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Base URL of the OpenFaaS gateway, such as `http://127.0.0.1:8080`. Falls back to the " +
							"`OPENFAAS_URL` environment variable. Required (from one or the other); an URL that is not absolute " +
							"`http` or `https` is an error on this attribute.",
						Validators: []validator.String{gatewayURLValidator{}},
					},
					"username": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "User name for HTTP basic auth on the gateway's `/system` API (usually `admin`). " +
							"Falls back to `OPENFAAS_USERNAME`. Set together with `password`; conflicts with `token`.",
					},
					"password": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "Password for HTTP basic auth. Falls back to `OPENFAAS_PASSWORD`. Never logged, " +
							"never written to state, redacted from error messages.",
					},
					"token": schema.StringAttribute{
						Optional:  true,
						Sensitive: true,
						MarkdownDescription: "Bearer token (OpenFaaS for Enterprises with OIDC/IAM), sent as `Authorization: Bearer`. " +
							"Falls back to `OPENFAAS_TOKEN`. Conflicts with `username`/`password`. Never logged or stored.",
					},
					"namespace": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Function namespace used when a resource does not set one. Default `openfaas-fn`. " +
							"Must be an RFC 1123 label. The Community Edition serves only this one namespace.",
						Validators: []validator.String{dnsLabelValidator{}},
					},
					"edition": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "OpenFaaS edition, `ce` (Community Edition) or `pro` (Standard/Enterprise). " +
							"Default: detected from the provider name in `GET /system/info` (`faas-netes-ce` and `faasd-ce` are `ce`). " +
							"The Community Edition rejects at plan time what faas-netes CE would reject or silently ignore " +
							"(image pull secrets, constraints, other namespaces, autoscaling beyond min/max 5).",
						Validators: []validator.String{stringvalidator.OneOf(openfaas.EditionCE, openfaas.EditionPro)},
					},
					"ca_cert_pem": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "PEM-encoded CA certificate(s) trusted for the gateway's TLS certificate, instead of the system roots.",
					},
					"insecure_skip_verify": schema.BoolAttribute{
						Optional:            true,
						MarkdownDescription: "Skip TLS certificate verification. Default `false`. Only for test gateways.",
					},
				},
			},
		},
	}
}

// Configure implements provider.Provider. Values still unknown at plan time configure
// the provider lazily: plan-time checks that need the platform are skipped, and run at
// apply instead (DESIGN.md section 4).
func (p *faasProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	switch {
	case cfg.OpenFaaS == nil && cfg.Knative == nil:
		resp.Diagnostics.AddError("No platform block",
			"Configure exactly one platform block in the provider, openfaas or knative, for example:\n\n"+
				"provider \"faas\" {\n  openfaas {\n    gateway_url = \"http://127.0.0.1:8080\"\n  }\n}\n\n"+
				"Use aliased provider blocks to manage several platforms.")
		return
	case cfg.OpenFaaS != nil && cfg.Knative != nil:
		resp.Diagnostics.AddAttributeError(path.Root("knative"), "Conflicting platform blocks",
			"A provider instance talks to exactly one platform, but both openfaas and knative are configured. "+
				"Use one aliased provider block per platform:\n\nprovider \"faas\" {\n  alias = \"knative\"\n  knative { ... }\n}")
		return
	}
	if !req.Config.Raw.IsFullyKnown() {
		tflog.Info(ctx, "provider configuration has values unknown until apply; platform checks are deferred to apply")
		data := &providerData{}
		resp.ResourceData, resp.DataSourceData = data, data
		return
	}
	var d platform.Driver
	if cfg.Knative != nil {
		d = p.configureKnative(ctx, req.TerraformVersion, &cfg, resp)
	} else {
		d = p.configureOpenFaaS(ctx, req.TerraformVersion, &cfg, resp)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	data := &providerData{driver: d}
	resp.ResourceData, resp.DataSourceData = data, data
}

func (p *faasProvider) configureOpenFaaS(ctx context.Context, tfVersion string, cfg *providerModel, resp *provider.ConfigureResponse) platform.Driver {
	b := cfg.OpenFaaS
	block := path.Root("openfaas")
	gateway := stringOrEnv(b.GatewayURL, EnvOpenFaaSURL)
	username := stringOrEnv(b.Username, EnvOpenFaaSUsername)
	password := stringOrEnv(b.Password, EnvOpenFaaSPassword)
	token := stringOrEnv(b.Token, EnvOpenFaaSToken)

	if gateway == "" {
		resp.Diagnostics.AddAttributeError(block.AtName("gateway_url"), "Missing OpenFaaS gateway URL",
			"Set gateway_url in the openfaas block, or the OPENFAAS_URL environment variable, to the gateway's base URL, such as http://127.0.0.1:8080.")
	}
	u, err := parseGatewayURL(gateway)
	if gateway != "" && err != nil {
		resp.Diagnostics.AddAttributeError(block.AtName("gateway_url"), "Invalid OpenFaaS gateway URL", err.Error())
	}
	if token != "" && (username != "" || password != "") {
		resp.Diagnostics.AddAttributeError(block.AtName("token"), "Conflicting OpenFaaS credentials",
			"Set either token (bearer auth) or username and password (basic auth), not both. Check the OPENFAAS_TOKEN, OPENFAAS_USERNAME and OPENFAAS_PASSWORD environment variables too.")
	}
	if username != "" && password == "" {
		resp.Diagnostics.AddAttributeError(block.AtName("password"), "Missing OpenFaaS password",
			"username is set but password is not: set password in the openfaas block or OPENFAAS_PASSWORD.")
	}
	if password != "" && username == "" && token == "" {
		resp.Diagnostics.AddAttributeError(block.AtName("username"), "Missing OpenFaaS username",
			"password is set but username is not: set username in the openfaas block or OPENFAAS_USERNAME (usually \"admin\").")
	}
	timeout := defaultRequestTimeout
	if !cfg.RequestTimeout.IsNull() {
		if d, err := cfg.RequestTimeout.ParseDuration(); err == nil && d > 0 {
			timeout = d
		}
	}
	retries := maxRetries(cfg)
	if resp.Diagnostics.HasError() {
		return nil
	}
	ua := p.userAgent(tfVersion)
	client, err := httpclient.New(httpclient.Config{
		BaseURL: u, Username: username, Password: password, Token: token, UserAgent: ua,
		Timeout: timeout, MaxRetries: retries,
		CACertPEM: b.CACertPEM.ValueString(), InsecureSkipVerify: b.InsecureSkipVerify.ValueBool(),
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(block.AtName("ca_cert_pem"), "Invalid TLS settings", err.Error())
		return nil
	}
	tflog.Debug(ctx, "configured the OpenFaaS driver", map[string]any{"gateway_url": u.String(), "auth": authKind(username, token)})
	return openfaas.New(openfaas.Config{Client: client, Namespace: b.Namespace.ValueString(), Edition: b.Edition.ValueString()})
}

// userAgent is the User-Agent of every request: terraform-provider-faas/<version>.
func (p *faasProvider) userAgent(tfVersion string) string {
	return fmt.Sprintf("terraform-provider-faas/%s (+https://registry.terraform.io/providers/faasform/faas) Terraform/%s", p.version, tfVersion)
}

// maxRetries is the configured retry budget.
func maxRetries(cfg *providerModel) int {
	if cfg.MaxRetries.IsNull() {
		return defaultMaxRetries
	}
	return int(cfg.MaxRetries.ValueInt64())
}

func (p *faasProvider) configureKnative(ctx context.Context, tfVersion string, cfg *providerModel, resp *provider.ConfigureResponse) platform.Driver {
	b := cfg.Knative
	block := path.Root("knative")
	opts := knative.KubeOptions{
		ConfigPath: b.ConfigPath.ValueString(), ConfigContext: b.ConfigContext.ValueString(),
		Host: b.Host.ValueString(), Token: b.Token.ValueString(),
		ClientCertificate: b.ClientCertificate.ValueString(), ClientKey: b.ClientKey.ValueString(),
		ClusterCACertificate: b.ClusterCACertificate.ValueString(), Insecure: b.Insecure.ValueBool(),
	}
	if !b.ConfigPaths.IsNull() {
		resp.Diagnostics.Append(b.ConfigPaths.ElementsAs(ctx, &opts.ConfigPaths, false)...)
	}
	if err := opts.ApplyEnv(os.LookupEnv); err != nil {
		resp.Diagnostics.AddAttributeError(block.AtName("insecure"), "Invalid Kubernetes settings", err.Error())
		return nil
	}
	if opts.Host == "" && opts.ConfigPath == "" && len(opts.ConfigPaths) == 0 {
		resp.Diagnostics.AddAttributeError(block.AtName("host"), "Missing Kubernetes API server",
			"Set host (or KUBE_HOST), or name a kubeconfig with config_path or config_paths (or KUBE_CONFIG_PATH). "+
				"The provider never reads ~/.kube/config or KUBECONFIG implicitly.")
		return nil
	}
	rc, err := knative.RESTConfigFromOptions(opts)
	if err != nil {
		resp.Diagnostics.AddAttributeError(block, "Invalid Kubernetes settings", err.Error())
		return nil
	}
	if !cfg.RequestTimeout.IsNull() {
		if d, err := cfg.RequestTimeout.ParseDuration(); err == nil && d > 0 {
			rc.Timeout = d
		}
	} else {
		rc.Timeout = defaultRequestTimeout
	}
	d, err := knative.New(knative.Config{RESTConfig: rc, Namespace: b.Namespace.ValueString(), UserAgent: p.userAgent(tfVersion), MaxRetries: maxRetries(cfg)})
	if err != nil {
		resp.Diagnostics.AddAttributeError(block, "Invalid Kubernetes settings", err.Error())
		return nil
	}
	tflog.Debug(ctx, "configured the Knative driver", map[string]any{"host": rc.Host})
	return d
}

func authKind(username, token string) string {
	switch {
	case token != "":
		return "bearer"
	case username != "":
		return "basic"
	}
	return "none"
}

func stringOrEnv(v types.String, env string) string {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString()
	}
	return os.Getenv(env)
}

// parseGatewayURL accepts an absolute http or https URL with a host.
func parseGatewayURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %v", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q must start with http:// or https://, such as http://127.0.0.1:8080", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host, such as http://127.0.0.1:8080", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not have a query or fragment", s)
	}
	return u, nil
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
