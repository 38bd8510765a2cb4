package platform

import (
	"fmt"
	"regexp"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// quantityExponent finds a decimal exponent ("1e3", "5E-2") at the end of a quantity.
var quantityExponent = regexp.MustCompile(`[eE]([+-]?[0-9]+)$`)

// ParseQuantity parses a Kubernetes quantity with resource.ParseQuantity, after rejecting
// the inputs on which that does not return in reasonable time: it scales by the decimal
// exponent digit by digit, so "9999999E999999999999999" hangs it (found by fuzzing). No
// real CPU or memory amount needs more than 64 characters or an exponent beyond ±30.
func ParseQuantity(s string) (resource.Quantity, error) {
	if len(s) > 64 {
		return resource.Quantity{}, fmt.Errorf("is %d characters long; a quantity has at most 64", len(s))
	}
	if m := quantityExponent.FindStringSubmatch(s); m != nil {
		if e, err := strconv.Atoi(m[1]); err != nil || e > 30 || e < -30 {
			return resource.Quantity{}, fmt.Errorf("has the exponent %s; quantities allow -30 to 30", m[1])
		}
	}
	return resource.ParseQuantity(s)
}
