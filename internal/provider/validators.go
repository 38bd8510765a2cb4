package provider

import (
	"context"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"regexp"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// gatewayURLValidator checks an OpenFaaS gateway URL when it is known.
type gatewayURLValidator struct{}

func (gatewayURLValidator) Description(context.Context) string {
	return "must be an absolute http or https URL"
}

func (v gatewayURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (gatewayURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseGatewayURL(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid OpenFaaS gateway URL", err.Error())
	}
}

// dnsLabelValidator checks an RFC 1123 label (function names, namespaces).
type dnsLabelValidator struct{}

func (dnsLabelValidator) Description(context.Context) string {
	return "must be an RFC 1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"
}

func (v dnsLabelValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (dnsLabelValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := platform.ValidateDNSLabel(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid name", err.Error())
	}
}

// noWhitespace matches strings without whitespace.
var noWhitespace = regexp.MustCompile(`^\S*$`)
