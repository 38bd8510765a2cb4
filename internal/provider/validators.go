package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"k8s.io/apimachinery/pkg/api/validate/content"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"

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

// dnsLabelValidator checks an RFC 1123 label: the namespace settings of the platform
// blocks whose platforms require one. Resources and data sources do not use it: the
// rule of a function's or secret's name is its driver's (DESIGN.md section 3).
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

// timeZoneValidator checks an IANA time zone name with time.LoadLocation against the
// provider's own copy of the IANA database (platform.ValidateTimeZone).
type timeZoneValidator struct{}

func (timeZoneValidator) Description(context.Context) string {
	return "must be an IANA time zone name such as Europe/Paris or UTC"
}

func (v timeZoneValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (timeZoneValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := platform.ValidateTimeZone(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid time zone",
			fmt.Sprintf("%s: %v. Use an IANA time zone name, or remove time_zone for the platform's own time zone (usually UTC).", req.Path, err))
	}
}

// noWhitespace matches strings without whitespace.
var noWhitespace = regexp.MustCompile(`^\S*$`)

// notNullString reports a null element of a map, list or set on the element's own path
// (labels["team"], command[1]), whatever its siblings are: a null next to a value that
// is still unknown is reported at plan, not at apply. It is the only place that
// reports nulls, so each null is reported once.
type notNullString struct{}

func (notNullString) Description(context.Context) string {
	return "elements must not be null"
}

func (v notNullString) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (notNullString) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if !req.ConfigValue.IsNull() {
		return
	}
	switch step, _ := req.Path.Steps().LastStep(); s := step.(type) {
	case path.PathStepElementKeyString:
		resp.Diagnostics.AddAttributeError(req.Path, "Null map value",
			fmt.Sprintf("The value of %q is null. Remove the key, or set it to a string (an empty string \"\" is allowed).", string(s)))
	default:
		resp.Diagnostics.AddAttributeError(req.Path, "Null element", "Remove the null element: platforms cannot store it.")
	}
}

// notNullList, notNullSet and notNullMap are the collection validators that apply
// notNullString to every element.
func notNullList() validator.List { return listvalidator.ValueStringsAre(notNullString{}) }

func notNullSet() validator.Set { return setvalidator.ValueStringsAre(notNullString{}) }

func notNullMap() validator.Map { return mapvalidator.ValueStringsAre(notNullString{}) }

// k8sString checks a known string with one of apimachinery's validation functions,
// which return the reasons a value is invalid. Used on map keys (mapvalidator.KeysAre)
// and values (mapvalidator.ValueStringsAre), so the error's path names the key.
type k8sString struct {
	// summary is the diagnostic's summary, such as "Invalid label key".
	summary string
	// rule describes the rule for the schema's documentation.
	rule string
	// check returns the reasons value is invalid, or none.
	check func(value string) []string
}

func (v k8sString) Description(context.Context) string { return v.rule }

func (v k8sString) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v k8sString) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	s := req.ConfigValue.ValueString()
	if msgs := v.check(s); len(msgs) > 0 {
		resp.Diagnostics.AddAttributeError(req.Path, v.summary,
			fmt.Sprintf("%q is not valid: %s.", s, strings.Join(msgs, "; ")))
	}
}

// Kubernetes' rules for label keys and values, annotation keys and environment variable
// names (k8s.io/apimachinery: the API server applies them to every object the
// platforms write: faas-netes' Deployment, Knative's Service and its Pods). They hold on
// every platform, so a function moves between platforms unchanged.
var (
	labelKeyRule = k8sString{summary: "Invalid label key", check: content.IsLabelKey,
		rule: "a label key is an optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"}
	labelValueRule = k8sString{summary: "Invalid label value", check: content.IsLabelValue,
		rule: "a label value is empty or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"}
	// Annotation keys follow the label key rule without regard to case, as
	// apimachinery's ValidateAnnotations checks them.
	annotationKeyRule = k8sString{summary: "Invalid annotation key", check: func(k string) []string { return content.IsLabelKey(strings.ToLower(k)) },
		rule: "an annotation key is an optional DNS subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"}
	// The relaxed rule is the one Kubernetes enforces since RelaxedEnvironmentVariableValidation
	// became GA (1.34); the older strict rule (validation.IsEnvVarName) would refuse
	// names that current clusters and faasd accept, such as "1PASSWORD_TOKEN".
	envNameRule = k8sString{summary: "Invalid environment variable name", check: validation.IsRelaxedEnvVarName,
		rule: "an environment variable name is not empty and consists of printable ASCII characters other than '='"}
)

// labelsValidators are the validators of a labels map.
func labelsValidators() []validator.Map {
	return []validator.Map{mapvalidator.KeysAre(labelKeyRule), mapvalidator.ValueStringsAre(notNullString{}, labelValueRule)}
}

// annotationsSize refuses annotations whose keys and values total more than Kubernetes
// allows on one object (apimachinery's TotalAnnotationSizeLimitB, 256 KiB), once every
// key and value is known. The platform's own annotations count towards the same limit.
type annotationsSize struct{}

func (annotationsSize) Description(context.Context) string {
	return fmt.Sprintf("keys and values must total at most %d bytes", apivalidation.TotalAnnotationSizeLimitB)
}

func (v annotationsSize) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (annotationsSize) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	m, ok := mapStrings(req.ConfigValue)
	if !ok {
		return
	}
	if err := apivalidation.ValidateAnnotationsSize(m); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Annotations too large",
			fmt.Sprintf("The annotations' keys and values total more than Kubernetes allows on one object: %v. "+
				"Keep large data elsewhere, such as in a secret.", err))
	}
}

// annotationsValidators are the validators of an annotations map.
func annotationsValidators() []validator.Map {
	return []validator.Map{mapvalidator.KeysAre(annotationKeyRule), notNullMap(), annotationsSize{}}
}

// envValidators are the validators of an env map.
func envValidators() []validator.Map {
	return []validator.Map{mapvalidator.KeysAre(envNameRule), notNullMap()}
}
