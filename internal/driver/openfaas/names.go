package openfaas

import (
	"context"
	"fmt"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The name rule of OpenFaaS (FACTS.md section 4.1): faas-netes refuses a function whose
// name is not an RFC 1123 label of at most 63 characters (validate.go,
// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`), and a namespace is a Kubernetes namespace, an RFC
// 1123 label too. Secrets keep the same rule: faas-netes would pass a DNS-1123 subdomain
// on to Kubernetes (section 4.2), but faasd stores a secret as a file named after it, and
// one rule for every backend keeps a configuration portable between them.

const nameInstead = "Use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit"

// nameFindings reports the namespace and the name of a function or secret that OpenFaaS
// refuses, on the attributes "namespace" and "name", as seen from plat. An empty
// namespace (not known yet, or the default) is not reported.
func nameFindings(plat, namespace, name string) []*platform.UnsupportedError {
	var out []*platform.UnsupportedError
	if namespace != "" {
		if err := platform.ValidateDNSLabel(namespace); err != nil {
			out = append(out, platform.ValueNotAllowed(platform.Attr("namespace"), plat, "the namespace "+err.Error(), nameInstead))
		}
	}
	if err := platform.ValidateDNSLabel(name); err != nil {
		out = append(out, platform.ValueNotAllowed(platform.Attr("name"), plat, "the name "+err.Error()+", as faas-netes requires", nameInstead))
	}
	return out
}

// checkID refuses, before any request, an id whose parts OpenFaaS never accepts (an
// import id such as "ns/Bad_Name"), as platform.ErrInvalidID: such a function cannot
// exist, and the gateway would answer a lookup of it with a plain "not found".
func checkID(what string, id platform.FunctionID) error {
	if bad := nameFindings("OpenFaaS", id.Namespace, id.Name); len(bad) > 0 {
		return fmt.Errorf("%q is not an OpenFaaS %s id: %s: %w", id.String(), what, bad[0].Error(), platform.ErrInvalidID)
	}
	return nil
}

// CheckSecret implements platform.SecretDriver: the secret's name and namespace by the
// OpenFaaS rule. It needs no request, so a plan checks secrets without the gateway.
func (d *Driver) CheckSecret(_ context.Context, s *platform.Secret) ([]*platform.UnsupportedError, error) {
	return nameFindings("OpenFaaS", s.Namespace, s.Name), nil
}
