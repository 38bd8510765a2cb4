package memdriver

import (
	"context"
	"fmt"
	"regexp"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// nameRule is memfake's rule for the names and namespaces of functions and secrets,
// wider than any Kubernetes rule and modelled on Apache OpenWhisk's entity names
// (letters, digits, '_', '@', '.', '-' and inner spaces): it shows that the neutral layer
// leaves the rule to the driver.
var nameRule = regexp.MustCompile(`^[A-Za-z0-9_@.-][A-Za-z0-9_@. -]*$`)

// maxNameLength is the longest name or namespace memfake accepts.
const maxNameLength = 256

// nameFindings reports the namespace and name memfake refuses, on the attributes
// "namespace" and "name"; an empty namespace (the default) is not reported.
func nameFindings(namespace, name string) []*platform.UnsupportedError {
	var out []*platform.UnsupportedError
	for _, p := range []struct{ attr, value string }{{"namespace", namespace}, {"name", name}} {
		if p.attr == "namespace" && p.value == "" {
			continue
		}
		if len(p.value) > maxNameLength || !nameRule.MatchString(p.value) {
			out = append(out, platform.ValueNotAllowed(platform.Attr(p.attr), Platform,
				fmt.Sprintf("%q is not a memfake name: use at most %d letters, digits, '_', '@', '.', '-' and spaces, not starting with a space", p.value, maxNameLength),
				""))
		}
	}
	return out
}

// CheckSecret implements platform.SecretDriver: the secret's name and namespace by
// memfake's rule.
func (d *Driver) CheckSecret(_ context.Context, s *platform.Secret) ([]*platform.UnsupportedError, error) {
	return nameFindings(s.Namespace, s.Name), nil
}
