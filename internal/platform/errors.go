package platform

import (
	"errors"
	"fmt"
)

// ErrNotFound reports that the object does not exist on the platform. Read removes the
// resource from state on it; Delete treats it as success.
var ErrNotFound = errors.New("not found")

// ErrConflict reports that the object already exists, or that a concurrent writer changed
// it (Kubernetes 409 Conflict).
var ErrConflict = errors.New("conflict")

// ErrUnsupported reports that the configured platform, backend or edition cannot honour
// the request. Plan-time checks should have caught it; drivers return it as a last guard.
var ErrUnsupported = errors.New("unsupported by the platform")

// ErrInvalidID reports that an id (an import id, or an id in state) does not have the
// form the driver's ids have; nothing was sent to the platform.
var ErrInvalidID = errors.New("invalid id")

// ErrInvalid reports that the platform rejected the request as invalid (HTTP 400 or an
// admission webhook denial).
var ErrInvalid = errors.New("rejected by the platform")

// APIError is an error answered by a platform, with the HTTP status and the (already
// redacted) message the platform gave. It wraps one of the sentinel errors where the
// status maps to one, so callers test it with errors.Is.
type APIError struct {
	// Method and Path name the request that failed, without query or credentials.
	Method, Path string
	// StatusCode is the HTTP status the platform answered.
	StatusCode int
	// Message is the platform's own message (response body), redacted and trimmed.
	Message string
	// Kind is the sentinel this status maps to (ErrNotFound, ErrConflict, ErrInvalid), or nil.
	Kind error
}

// Error implements error.
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(empty response body)"
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, msg)
}

// Unwrap lets errors.Is match the sentinel the status maps to.
func (e *APIError) Unwrap() error { return e.Kind }

// UnsupportedError explains why a platform cannot honour a setting: the attribute path in
// Terraform terms, the platform as configured, the reason, and what to use instead.
type UnsupportedError struct {
	// Attribute is the Terraform attribute the finding is about, for example
	// Attr("limits").Name("cpu"); empty for the resource as a whole.
	Attribute AttrPath
	// Platform names the platform, backend and edition, for example "OpenFaaS faasd (Community Edition)".
	Platform string
	// Reason says why the platform cannot honour it.
	Reason string
	// Instead says what to use instead; it may be empty.
	Instead string
	// Summary, when set, replaces the default diagnostic summary ("Unsupported on <platform>").
	Summary string
	// Conflict marks a finding about what the platform holds now (another policy or
	// trigger already on the function) rather than about the configuration. The same
	// apply may resolve it (replacing a tainted or -replace'd child deletes the old one
	// first), so a plan reports it as a warning; the write checks it again under the
	// function's lock and refuses before writing anything.
	Conflict bool
}

// Error implements error. A finding with its own Summary (an invalid value, a reserved
// key, a conflict) reads "attribute: reason"; a plain capability gap reads "attribute is
// not supported on platform: reason".
func (e *UnsupportedError) Error() string {
	what := e.Attribute.String()
	if what == "" {
		what = "This resource"
	}
	var s string
	if e.Summary != "" {
		s = fmt.Sprintf("%s: %s", what, e.Reason)
	} else {
		s = fmt.Sprintf("%s is not supported on %s: %s", what, e.Platform, e.Reason)
	}
	if e.Instead != "" {
		s += ". " + e.Instead
	}
	return s
}

// ValueNotAllowed is a finding about a value the platform refuses for an attribute it
// does support (a replica count above an edition's limit, a timeout that is not a whole
// number of seconds): it reads "attribute: reason", under the summary "Value not allowed
// on <platform>", rather than calling the attribute unsupported.
func ValueNotAllowed(attr AttrPath, platform, reason, instead string) *UnsupportedError {
	return &UnsupportedError{Attribute: attr, Platform: platform, Reason: reason, Instead: instead, Summary: "Value not allowed on " + platform}
}

// Unwrap makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Unwrap() error { return ErrUnsupported }

// ImportHint says how to bring an existing object with import id id under the resource
// that reported it. It cannot name that resource's address: Terraform sends no address
// to providers (no plan, apply or import request carries one), but it prints the address
// above every diagnostic ("with faas_function.hello,"), so the hint points there.
func ImportHint(id string) string {
	return fmt.Sprintf("To manage it with Terraform, import it into the resource this message is about, whose address Terraform "+
		"shows above (after \"with\"): add an import block with that address\n\nimport {\n  to = <address shown above>\n  id = %q\n}\n\n"+
		"and apply, or run: terraform import <address shown above> %s", id, id)
}
