package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/driver/openfaas"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformblock"
)

// Environment variables read when the openfaas block leaves the attribute unset; the
// names are faas-cli's (https://docs.openfaas.com/cli/reference/).
const (
	EnvOpenFaaSURL      = "OPENFAAS_URL"
	EnvOpenFaaSUsername = "OPENFAAS_USERNAME"
	EnvOpenFaaSPassword = "OPENFAAS_PASSWORD"
	EnvOpenFaaSToken    = "OPENFAAS_TOKEN"
)

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

// openfaasProviderBlock is the openfaas platform block: an OpenFaaS gateway.
func openfaasProviderBlock() platformblock.Block {
	return platformblock.Block{
		Name:      "openfaas",
		Example:   "openfaas {\n    gateway_url = \"http://127.0.0.1:8080\"\n  }",
		Configure: configureOpenFaaS,
		Schema: schema.SingleNestedBlock{
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
	}
}

// configureOpenFaaS builds the OpenFaaS driver from the openfaas block and the
// OPENFAAS_* environment variables.
func configureOpenFaaS(ctx context.Context, config tfsdk.Config, s platformblock.Settings, diags *diag.Diagnostics) platform.Driver {
	var b *openfaasBlockModel
	diags.Append(config.GetAttribute(ctx, path.Root("openfaas"), &b)...)
	if diags.HasError() || b == nil {
		return nil
	}
	block := path.Root("openfaas")
	gateway := stringOrEnv(b.GatewayURL, EnvOpenFaaSURL)
	username := stringOrEnv(b.Username, EnvOpenFaaSUsername)
	password := stringOrEnv(b.Password, EnvOpenFaaSPassword)
	token := stringOrEnv(b.Token, EnvOpenFaaSToken)

	if gateway == "" {
		diags.AddAttributeError(block.AtName("gateway_url"), "Missing OpenFaaS gateway URL",
			"Set gateway_url in the openfaas block, or the OPENFAAS_URL environment variable, to the gateway's base URL, such as http://127.0.0.1:8080.")
	}
	u, err := parseGatewayURL(gateway)
	if gateway != "" && err != nil {
		diags.AddAttributeError(block.AtName("gateway_url"), "Invalid OpenFaaS gateway URL", err.Error())
	}
	if token != "" && (username != "" || password != "") {
		diags.AddAttributeError(block.AtName("token"), "Conflicting OpenFaaS credentials",
			"Set either token (bearer auth) or username and password (basic auth), not both. Check the OPENFAAS_TOKEN, OPENFAAS_USERNAME and OPENFAAS_PASSWORD environment variables too.")
	}
	if username != "" && password == "" {
		diags.AddAttributeError(block.AtName("password"), "Missing OpenFaaS password",
			"username is set but password is not: set password in the openfaas block or OPENFAAS_PASSWORD.")
	}
	if password != "" && username == "" && token == "" {
		diags.AddAttributeError(block.AtName("username"), "Missing OpenFaaS username",
			"password is set but username is not: set username in the openfaas block or OPENFAAS_USERNAME (usually \"admin\").")
	}
	if diags.HasError() {
		return nil
	}
	client, err := httpclient.New(httpclient.Config{
		BaseURL: u, Username: username, Password: password, Token: token, UserAgent: s.UserAgent,
		Timeout: s.RequestTimeout, MaxRetries: s.MaxRetries,
		CACertPEM: b.CACertPEM.ValueString(), InsecureSkipVerify: b.InsecureSkipVerify.ValueBool(),
	})
	if err != nil {
		diags.AddAttributeError(block.AtName("ca_cert_pem"), "Invalid TLS settings", err.Error())
		return nil
	}
	tflog.Debug(ctx, "configured the OpenFaaS driver", map[string]any{"gateway_url": u.String(), "auth": authKind(username, token)})
	return openfaas.New(openfaas.Config{Client: client, Namespace: b.Namespace.ValueString(), Edition: b.Edition.ValueString()})
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
