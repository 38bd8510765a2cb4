package platform

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FunctionID identifies a function on a platform: its namespace and name.
type FunctionID struct {
	// Namespace is the platform namespace (OpenFaaS namespace, Kubernetes namespace).
	Namespace string
	// Name is the function name, unique within its namespace.
	Name string
}

// String renders the id in its import form, namespace/name.
func (id FunctionID) String() string { return id.Namespace + "/" + id.Name }

// ValidateDNSLabel returns nil when s is an RFC 1123 label of at most 63 characters, the
// form OpenFaaS (faas-netes validate.go) and Kubernetes require for function names and
// namespaces, and otherwise an error that says what is wrong with it. It is a helper for
// drivers that state this rule; the neutral layer does not apply it (a name's rule is
// its platform's, DESIGN.md section 3). The rule is apimachinery's
// validation.IsDNS1123Label; the words are ours, because its message quotes its regular
// expression.
func ValidateDNSLabel(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("must not be empty")
	case len(s) > 63:
		return fmt.Errorf("%q is %d characters long; an RFC 1123 label has at most 63", s, len(s))
	case len(validation.IsDNS1123Label(s)) > 0:
		return fmt.Errorf("%q is not an RFC 1123 label: use lower-case letters, digits and '-', starting and ending with a letter or digit", s)
	}
	return nil
}

// ParseFunctionID parses an import id of the form "namespace/name", or "name" alone,
// which takes defaultNamespace. It only splits: neither part may be empty and the id
// holds at most one '/', but what a name may contain is the platform's rule, which each
// driver checks (CheckFunction, CheckSecret, and its reads).
func ParseFunctionID(s, defaultNamespace string) (FunctionID, error) {
	parts := strings.Split(s, "/")
	var id FunctionID
	switch len(parts) {
	case 1:
		id = FunctionID{Namespace: defaultNamespace, Name: parts[0]}
	case 2:
		id = FunctionID{Namespace: parts[0], Name: parts[1]}
	default:
		return id, fmt.Errorf("%q is not a function id: expected \"namespace/name\" or \"name\"", s)
	}
	if id.Namespace == "" && len(parts) == 2 {
		return id, fmt.Errorf("namespace in %q: must not be empty", s)
	}
	if id.Name == "" {
		return id, fmt.Errorf("name in %q: must not be empty", s)
	}
	return id, nil
}

// Resources is a set of compute resources as Kubernetes quantities. An empty string
// means unset.
type Resources struct {
	// CPU is a Kubernetes CPU quantity such as "100m" or "0.5".
	CPU string
	// Memory is a Kubernetes memory quantity such as "128Mi".
	Memory string
}

// IsZero reports whether no resource is set.
func (r Resources) IsZero() bool { return r.CPU == "" && r.Memory == "" }

// Function is the neutral shape of a deployed function (DESIGN.md section 3.2). Labels
// and Annotations hold only the keys the user owns: drivers keep the keys owned by
// sibling resources (scaling policy, triggers) and the keys the platform injects out of
// this struct, and preserve them on write.
type Function struct {
	// ID is the namespace and name.
	ID FunctionID
	// Image is the container image reference.
	Image string
	// Command and Args are the process to run; nil when unset.
	Command, Args []string
	// Env holds the user's environment variables; nil when none, or when the platform
	// cannot return them and no last-applied record exists.
	Env map[string]string
	// Secrets are the names of platform secrets mounted into the function.
	Secrets []string
	// Labels and Annotations are the user-owned keys only.
	Labels, Annotations map[string]string
	// Limits and Requests are compute resources.
	Limits, Requests Resources
	// Timeout is the request timeout as a Go duration string, such as "30s"; empty means
	// the platform default. Drivers keep the user's spelling where they can.
	Timeout string
	// Watchdog holds the OpenFaaS watchdog's own timeouts (faas_function's
	// openfaas.read_timeout, write_timeout, exec_timeout). Each one set overrides Timeout
	// for its key; the others take Timeout. Other platforms refuse them.
	Watchdog WatchdogTimeouts
	// MaxConcurrency is the hard limit of in-flight requests per replica; 0 means unset.
	MaxConcurrency int64
	// ReadOnlyRootFilesystem mounts the root filesystem read-only.
	ReadOnlyRootFilesystem bool
	// ImagePullSecrets names the registry credentials used to pull Image.
	ImagePullSecrets []string
	// Constraints are OpenFaaS placement constraints (node selectors).
	Constraints []string
	// RevisionName names the revision the next template change creates (Knative's
	// spec.template.metadata.name, which must start with "<name>-"); empty lets the
	// platform name it. Platforms without revisions refuse it.
	RevisionName string
	// EnvFrom holds the environment variables that take their value from a key of a
	// Secret or a ConfigMap of the function's namespace (faas_function.env_value_from),
	// by name; nil when none. Platforms that have no such reference refuse it (OpenFaaS
	// mounts secrets as files only).
	EnvFrom map[string]EnvSource
	// Unset lists which of AttrEnv, AttrReadOnlyRootFilesystem and AttrConstraints the
	// configuration leaves unset. Where the platform cannot read one back and no record
	// holds it, a write must not replace it (WriteUnknowns).
	Unset []string

	// Status is filled in by reads; it is ignored on writes.
	Status FunctionStatus
}

// EnvSource is where one environment variable takes its value from: exactly one of
// SecretKeyRef and ConfigMapKeyRef is set on a write. A read of a reference of another
// kind (a field of the pod, set outside Terraform) has neither.
type EnvSource struct {
	// SecretKeyRef names a key of a Secret.
	SecretKeyRef *KeyRef
	// ConfigMapKeyRef names a key of a ConfigMap.
	ConfigMapKeyRef *KeyRef
}

// KeyRef names one key of a Secret or a ConfigMap in the function's namespace.
type KeyRef struct {
	// Name is the Secret's or ConfigMap's name.
	Name string
	// Key is the key within it.
	Key string
	// Optional, when set, says whether the function may start without the key
	// (Kubernetes' optional); nil leaves the platform's default (required).
	Optional *bool
}

// WatchdogTimeouts are the OpenFaaS watchdog's read_timeout, write_timeout and
// exec_timeout, each a Go duration string such as "30s"; empty means unset.
type WatchdogTimeouts struct {
	// Read is read_timeout: how long the watchdog may take to read a request.
	Read string
	// Write is write_timeout: how long the watchdog may take to write the response.
	Write string
	// Exec is exec_timeout: how long the function's process may run for one request.
	Exec string
}

// IsZero reports whether none of the three is set.
func (w WatchdogTimeouts) IsZero() bool { return w.Read == "" && w.Write == "" && w.Exec == "" }

// FunctionStatus is what a platform reports about a running function.
type FunctionStatus struct {
	// InvokeURL is the URL that invokes the function.
	InvokeURL string
	// Replicas is the desired number of replicas; AvailableReplicas the ready ones.
	Replicas, AvailableReplicas int64
	// ScaleToZero is true when the function's scaling policy allows zero replicas, so a
	// function with no available replica still counts as ready.
	ScaleToZero bool
	// Ready is the driver's verdict: the function serves requests, or may scale from zero.
	Ready bool
	// Failed reports that the platform gave up on the current version (Knative: Ready is
	// False for the observed generation), so a readiness wait stops at once with Reason.
	Failed bool
	// Reason is the platform's last status reason or message, used in timeout errors.
	Reason string
	// LatestCreatedRevision and LatestReadyRevision name the newest revision the
	// platform created and the newest that became ready (Knative's
	// status.latestCreatedRevisionName and latestReadyRevisionName); empty on platforms
	// without revisions.
	LatestCreatedRevision, LatestReadyRevision string
	// ImageDigest is the digest ("sha256:...") the platform resolved the image's tag to,
	// for an image that pins none. ReadFunction leaves it empty: the provider fills it
	// from ImageDigestDriver.RunningImageDigest where it reports image_digest, so that
	// reads that do not need it (readiness polls, plan-time checks) cost nothing more.
	ImageDigest string
	// Unreadable lists the attributes (faas_function's names, such as AttrEnv) the
	// platform did not return and that no last-applied record restored: their values are
	// unknown, and a write must not replace them (WriteUnknowns).
	Unreadable []string
}
