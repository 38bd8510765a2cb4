package knative

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The name rules of Knative (FACTS.md section 3): a Service's name is a DNS-1035 label,
// which Knative's own validation checks (checkFunctionWithWebhook); a namespace is a
// Kubernetes namespace, an RFC 1123 label, which the API server checks and the webhook
// does not see; a Secret's name is a DNS-1123 subdomain (apimachinery's
// ValidateSecretName), and the driver also uses it as the Secret's one data key, whose
// rule (IsConfigMapKey) every DNS-1123 subdomain meets.

// namespaceFinding reports a namespace Kubernetes refuses, on the attribute "namespace";
// nil for an empty one (the default) or a valid one.
func namespaceFinding(plat, namespace string) *platform.UnsupportedError {
	if namespace == "" {
		return nil
	}
	if err := platform.ValidateDNSLabel(namespace); err != nil {
		return platform.ValueNotAllowed(platform.Attr("namespace"), plat, "the namespace "+err.Error()+", as Kubernetes requires of a namespace",
			"Use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit")
	}
	return nil
}

// CheckSecret implements platform.SecretDriver: the namespace is an RFC 1123 label and
// the name a DNS-1123 subdomain, as the API server requires of a Secret. It needs no
// request.
func (d *Driver) CheckSecret(_ context.Context, s *platform.Secret) ([]*platform.UnsupportedError, error) {
	var out []*platform.UnsupportedError
	if f := namespaceFinding("Knative", s.Namespace); f != nil {
		out = append(out, f)
	}
	if len(validation.IsDNS1123Subdomain(s.Name)) > 0 {
		reason := fmt.Sprintf("the name %q is not a DNS-1123 subdomain, as Kubernetes requires of a Secret's name", s.Name)
		if s.Name == "" {
			reason = "the name must not be empty"
		}
		out = append(out, platform.ValueNotAllowed(platform.Attr("name"), "Knative", reason,
			"Use at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit"))
	}
	return out, nil
}
