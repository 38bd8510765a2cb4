package platform

import (
	"fmt"
	"slices"
	"strings"
)

// Attributes a platform may be unable to read back: OpenFaaS faas-netes returns neither a
// function's env vars, its constraints nor readOnlyRootFilesystem (faas-netes
// pkg/k8s/function_status.go), and only the provider's record of what it applied
// restores them. They are named as faas_function's attributes.
const (
	// AttrEnv is faas_function.env (on OpenFaaS also timeout and max_concurrency, which
	// are environment variables there).
	AttrEnv = "env"
	// AttrReadOnlyRootFilesystem is faas_function.read_only_root_filesystem.
	AttrReadOnlyRootFilesystem = "read_only_root_filesystem"
	// AttrConstraints is faas_function.openfaas.constraints.
	AttrConstraints = "openfaas.constraints"
)

// WriteUnknowns is the rule that keeps a write from replacing what nobody knows. It
// returns the attributes of the function as read (cur) that the platform did not return
// and no record restored (cur.Status.Unreadable), and that the function about to be
// written (fn) leaves unset (fn.Unset): a platform that replaces the whole function on
// every write would replace their values with nothing. With fn nil (a child writing its
// own keys into the function, which sets none of the function's attributes) every
// unreadable attribute counts. Drivers refuse such a write (UnknownValuesError) and plans
// report each attribute with the way out: set it in the configuration.
func WriteUnknowns(cur, fn *Function) []string {
	var out []string
	for _, a := range cur.Status.Unreadable {
		if fn == nil || slices.Contains(fn.Unset, a) {
			out = append(out, a)
		}
	}
	return out
}

// UnknownValuesError reports a write refused because it would replace values of a
// function that the provider does not know (WriteUnknowns). Nothing was written.
type UnknownValuesError struct {
	// Function is the function.
	Function FunctionID
	// Platform names the platform, such as "OpenFaaS faas-netes (Community Edition)".
	Platform string
	// Attributes are the faas_function attributes whose value is unknown.
	Attributes []string
}

// Error implements error.
func (e *UnknownValuesError) Error() string {
	return fmt.Sprintf("function %s carries no record of this provider (it was deployed outside Terraform, or redeployed without "+
		"the faasform.dev/last-applied annotation), and %s does not return its %s, so their values are unknown; every write "+
		"replaces the whole function, so writing it would replace them with nothing. Set them in the faas_function that "+
		"manages it and apply it once: that apply writes them and records them",
		e.Function, e.Platform, strings.Join(e.Attributes, ", "))
}

// Unwrap makes errors.Is(err, ErrUnsupported) true.
func (e *UnknownValuesError) Unwrap() error { return ErrUnsupported }

// KeysRemainError reports a child's delete that left the child's keys on its function:
// removing them means writing the function, which Cause refused (an
// *UnknownValuesError; on Knative also a template that pins its revision name).
// Nothing was written. Resources drop the child from the
// state with a warning that says what remains and how to remove it.
type KeysRemainError struct {
	// Function is the function that keeps the keys.
	Function FunctionID
	// Keys names the keys left, such as `annotation "schedule"`.
	Keys []string
	// Cause is why they could not be removed.
	Cause error
	// Remedy, when set, says how to remove the keys; empty means the way out of an
	// *UnknownValuesError (set the unknown attributes, then import and destroy again).
	Remedy string
}

// Error implements error.
func (e *KeysRemainError) Error() string {
	return fmt.Sprintf("%s remain on function %s: %v", strings.Join(e.Keys, ", "), e.Function, e.Cause)
}

// Unwrap returns Cause.
func (e *KeysRemainError) Unwrap() error { return e.Cause }
