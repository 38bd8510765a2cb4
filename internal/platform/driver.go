package platform

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Info describes the platform a provider instance talks to, as configured or detected.
type Info struct {
	// Platform is the platform family: "openfaas" or "knative".
	Platform string
	// Backend is the implementation: "faas-netes" or "faasd" for OpenFaaS.
	Backend string
	// Edition is "ce" (Community Edition) or "pro" for OpenFaaS; empty elsewhere.
	Edition string
	// Version is the provider or server version the platform reports.
	Version string
	// Endpoint is the management API base URL; it also keys the per-function locks.
	Endpoint string
	// Capabilities are the features this platform, backend and edition support.
	Capabilities Capabilities
}

// Describe renders the platform for error messages, such as
// "OpenFaaS faas-netes (Community Edition)".
func (i Info) Describe() string {
	name := i.Platform
	switch i.Platform {
	case "openfaas":
		name = "OpenFaaS"
	case "knative":
		name = "Knative"
	}
	if i.Backend != "" {
		name += " " + i.Backend
	}
	switch i.Edition {
	case "ce":
		name += " (Community Edition)"
	case "pro":
		name += " (Pro)"
	}
	return name
}

// Capabilities lists what a platform supports, for plan-time checks and for the
// faas_platform data source.
type Capabilities struct {
	// Supported lists the features this platform honours, each one of the Feature
	// constants (features.go).
	Supported []Feature
	// MaxReplicas is the highest replica count a scaling policy may ask for; 0 means no limit.
	MaxReplicas int64
	// MaxFunctions is how many functions the platform runs at most (the OpenFaaS Community
	// Edition's licence limit); 0 means no limit.
	MaxFunctions int
	// ScalingMetrics lists the accepted faas_scaling_policy metric values.
	ScalingMetrics []string
}

// Has reports whether feature is in Supported.
func (c Capabilities) Has(feature Feature) bool {
	return slices.Contains(c.Supported, feature)
}

// Driver is the interface every platform driver implements. Methods return errors that
// wrap ErrNotFound, ErrConflict, ErrInvalid or ErrUnsupported where those apply.
type Driver interface {
	// Info returns the platform description, detecting backend and edition on first use.
	Info(ctx context.Context) (Info, error)
	// DefaultNamespace is the namespace used when a resource does not set one.
	DefaultNamespace() string
	// CheckFunction returns every setting of fn the platform cannot honour, for plan-time
	// attribute errors. It must not write anything.
	CheckFunction(ctx context.Context, fn *Function) ([]*UnsupportedError, error)
	// CreateFunction creates fn; it never takes over an existing function. An ambiguous
	// outcome is resolved by CreateOnce: a function carrying this create's token is
	// adopted, any other is reported as already existing (ErrConflict), whatever its
	// settings. When the create succeeded but a later
	// step failed, it returns the function together with the error, so that the caller
	// records it (tainted) instead of orphaning it.
	CreateFunction(ctx context.Context, fn *Function) (*Function, error)
	// ReadFunction reads one function; ErrNotFound when it does not exist.
	ReadFunction(ctx context.Context, id FunctionID) (*Function, error)
	// UpdateFunction replaces the user-owned settings of fn, preserving keys owned by
	// sibling resources, under the per-function lock.
	UpdateFunction(ctx context.Context, fn *Function) (*Function, error)
	// DeleteFunction deletes a function; a missing function is not an error.
	DeleteFunction(ctx context.Context, id FunctionID) error
	// ListFunctions lists every function in a namespace.
	ListFunctions(ctx context.Context, namespace string) ([]*Function, error)
}

// UnsupportedExplainer is implemented by drivers whose platform has a reason of its own
// for lacking a resource type (its driver does not implement the resource's interface,
// such as RouteDriver) and an alternative to offer. The provider's error is then
// "<resource type> is not supported on <platform>" with this text as its detail; without
// one, a generic detail says to remove the resource.
type UnsupportedExplainer interface {
	// WhyUnsupported returns the explanation for resourceType (such as "faas_route"), or
	// "" for the generic one.
	WhyUnsupported(resourceType string) string
}

// FunctionLimiter is implemented by drivers of platforms that cap the number of
// functions (Capabilities.MaxFunctions).
type FunctionLimiter interface {
	// CheckFunctionLimit returns a *FunctionLimitError when creating function id would
	// exceed the limit as the platform stands now, and nil when it would not. It reads the
	// platform and writes nothing.
	CheckFunctionLimit(ctx context.Context, id FunctionID) error
}

// FunctionLimitError reports a create that the platform's function limit refuses.
type FunctionLimitError struct {
	// Platform names the platform and edition, such as "OpenFaaS faas-netes (Community Edition)".
	Platform string
	// Limit is the platform's maximum number of functions.
	Limit int
	// Function is the function that would be created.
	Function FunctionID
	// Existing names the functions the platform holds now.
	Existing []string
	// Instead says what to do, such as which edition has no limit.
	Instead string
}

// Error implements error.
func (e *FunctionLimitError) Error() string {
	s := fmt.Sprintf("%s allows at most %d functions, and namespace %q already holds %d (%s), so creating function %s would be refused",
		e.Platform, e.Limit, e.Function.Namespace, len(e.Existing), strings.Join(e.Existing, ", "), e.Function)
	if e.Instead != "" {
		s += ". " + e.Instead
	}
	return s
}

// Unwrap makes errors.Is(err, ErrUnsupported) true.
func (e *FunctionLimitError) Unwrap() error { return ErrUnsupported }

// Redactor is implemented by drivers that scrub values from everything they log or
// return. Resources register secret values with it as soon as they see them (a write-only
// value is in the configuration of every plan), so that a platform echoing a value in an
// error never carries it into a diagnostic, even in a run that does not write it.
type Redactor interface {
	// AddRedacted registers values that must never appear in a log line or an error.
	AddRedacted(values ...string)
}
