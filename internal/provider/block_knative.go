package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/driver/knative"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformblock"
)

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

// knativeProviderBlock is the knative platform block: a Kubernetes cluster with Knative.
func knativeProviderBlock() platformblock.Block {
	return platformblock.Block{
		Name:      "knative",
		Example:   "knative {\n    host = \"https://127.0.0.1:6443\"\n  }",
		Configure: configureKnative,
		Schema: schema.SingleNestedBlock{
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
	}
}

// configureKnative builds the Knative driver from the knative block and the KUBE_*
// environment variables, as the Terraform Kubernetes provider reads them.
func configureKnative(ctx context.Context, config tfsdk.Config, s platformblock.Settings, diags *diag.Diagnostics) platform.Driver {
	var b *knativeBlockModel
	diags.Append(config.GetAttribute(ctx, path.Root("knative"), &b)...)
	if diags.HasError() || b == nil {
		return nil
	}
	block := path.Root("knative")
	opts := knative.KubeOptions{
		ConfigPath: b.ConfigPath.ValueString(), ConfigContext: b.ConfigContext.ValueString(),
		Host: b.Host.ValueString(), Token: b.Token.ValueString(),
		ClientCertificate: b.ClientCertificate.ValueString(), ClientKey: b.ClientKey.ValueString(),
		ClusterCACertificate: b.ClusterCACertificate.ValueString(), Insecure: b.Insecure.ValueBool(),
	}
	if !b.ConfigPaths.IsNull() {
		diags.Append(b.ConfigPaths.ElementsAs(ctx, &opts.ConfigPaths, false)...)
	}
	if err := opts.ApplyEnv(os.LookupEnv); err != nil {
		diags.AddAttributeError(block.AtName("insecure"), "Invalid Kubernetes settings", err.Error())
		return nil
	}
	if opts.Host == "" && opts.ConfigPath == "" && len(opts.ConfigPaths) == 0 {
		diags.AddAttributeError(block.AtName("host"), "Missing Kubernetes API server",
			"Set host (or KUBE_HOST), or name a kubeconfig with config_path or config_paths (or KUBE_CONFIG_PATH). "+
				"The provider never reads ~/.kube/config or KUBECONFIG implicitly.")
		return nil
	}
	rc, err := knative.RESTConfigFromOptions(opts)
	if err != nil {
		diags.AddAttributeError(block, "Invalid Kubernetes settings", err.Error())
		return nil
	}
	rc.Timeout = s.RequestTimeout
	d, err := knative.New(knative.Config{RESTConfig: rc, Namespace: b.Namespace.ValueString(), UserAgent: s.UserAgent, MaxRetries: s.MaxRetries})
	if err != nil {
		diags.AddAttributeError(block, "Invalid Kubernetes settings", err.Error())
		return nil
	}
	tflog.Debug(ctx, "configured the Knative driver", map[string]any{"host": rc.Host})
	return d
}
