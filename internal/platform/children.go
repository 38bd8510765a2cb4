package platform

import "context"

// ScalingPolicy is the neutral faas_scaling_policy (DESIGN.md section 3.3). Nil pointers
// and empty strings mean "not set": the platform default applies.
type ScalingPolicy struct {
	// Function is the function the policy scales.
	Function FunctionID
	// MinReplicas and MaxReplicas bound the replica count. MinReplicas 0 is scale to
	// zero: the function may have no replica while idle (Knative min-scale 0, OpenFaaS
	// com.openfaas.scale.zero, Fission and Nuclio minimum 0).
	MinReplicas, MaxReplicas *int64
	// Metric is "rps", "concurrency", "cpu" or "memory".
	Metric string
	// Target is the per-replica target in the metric's unit.
	Target *int64
	// TargetUtilizationPercent is the share of Target aimed for, 1 to 100.
	TargetUtilizationPercent *int64
	// ScaleToZeroAfter is the idle time before scaling to zero, as a Go duration string;
	// it applies to a policy that scales to zero.
	ScaleToZeroAfter string
}

// ScalingDriver is implemented by drivers that support faas_scaling_policy.
type ScalingDriver interface {
	// CheckScalingPolicy returns every setting the platform cannot honour. It may read
	// the function (to find another policy on it when create is true) but never writes.
	CheckScalingPolicy(ctx context.Context, p *ScalingPolicy, create bool) ([]*UnsupportedError, error)
	// ReadScalingPolicy reads the policy of a function; ErrNotFound when the function is
	// gone or carries no policy.
	ReadScalingPolicy(ctx context.Context, fn FunctionID) (*ScalingPolicy, error)
	// ApplyScalingPolicy writes the policy's keys into the function under its lock and
	// waits for the rollout the write causes. With create set it fails with ErrConflict
	// when the function already carries a policy. When the keys were written but the
	// wait fails, it returns the policy as written together with the error, so that the
	// caller keeps it instead of orphaning the keys.
	ApplyScalingPolicy(ctx context.Context, p *ScalingPolicy, create bool) (*ScalingPolicy, error)
	// DeleteScalingPolicy removes exactly the policy's keys; a missing function is not an error.
	DeleteScalingPolicy(ctx context.Context, fn FunctionID) error
}

// ScalingWriteChecker is implemented by a ScalingDriver on which the function as the
// platform holds it can refuse every write of its policy (Knative: a revision template
// that pins its revision name). The scaling policy's plan calls it when it writes.
type ScalingWriteChecker interface {
	// CheckScalingPolicyWrite reports, as Conflict findings, what in the function now
	// would refuse a write of its policy; nothing for a function that does not exist.
	// It never writes.
	CheckScalingPolicyWrite(ctx context.Context, fn FunctionID) ([]*UnsupportedError, error)
}

// Trigger types.
const (
	TriggerCron  = "cron"
	TriggerTopic = "topic"
)

// Trigger is the neutral faas_trigger: a schedule or a topic that invokes a function.
type Trigger struct {
	// Function is the function invoked.
	Function FunctionID
	// Name is the trigger object's name where the platform has one (Knative); drivers
	// derive it when empty.
	Name string
	// Type is TriggerCron or TriggerTopic.
	Type string
	// Schedule, TimeZone and Payload configure a cron trigger.
	Schedule, TimeZone, Payload string
	// Topic names the topic or CloudEvent type of a topic trigger.
	Topic string
	// Broker is the Knative Eventing broker of a topic trigger.
	Broker string
}

// TriggerDriver is implemented by drivers that support faas_trigger.
type TriggerDriver interface {
	// TriggerID is the import id of t on this platform.
	TriggerID(t *Trigger) string
	// CheckTrigger returns every setting the platform cannot honour (reading the function
	// for cross-trigger rules when create is true); it never writes.
	CheckTrigger(ctx context.Context, t *Trigger, create bool) ([]*UnsupportedError, error)
	// CreateTrigger creates t, failing with ErrConflict when it exists, and waits until
	// ready. When t was written but the wait fails, it returns t as written together with
	// the error (as UpdateTrigger does), so that the caller keeps it.
	CreateTrigger(ctx context.Context, t *Trigger) (*Trigger, error)
	// ReadTrigger reads a trigger by its id; ErrNotFound when it or its function is gone.
	ReadTrigger(ctx context.Context, id string) (*Trigger, error)
	// UpdateTrigger rewrites t in place and waits until ready.
	UpdateTrigger(ctx context.Context, t *Trigger) (*Trigger, error)
	// DeleteTrigger removes t; a missing trigger or function is not an error.
	DeleteTrigger(ctx context.Context, t *Trigger) error
}

// Secret is the neutral faas_secret. Value is write-only: reads never fill it.
type Secret struct {
	// Namespace and Name identify the secret.
	Namespace, Name string
	// Value is the secret value; never logged, never stored in state.
	Value string
}

// SecretDriver is implemented by drivers that support faas_secret.
type SecretDriver interface {
	// CheckSecret reports, without writing anything, what the platform refuses in s at
	// plan time: a name or namespace outside the platform's rule (the neutral layer
	// applies none), on the attribute "name" or "namespace". s.Value may be empty.
	CheckSecret(ctx context.Context, s *Secret) ([]*UnsupportedError, error)
	// CreateSecret creates s; ErrConflict when it exists.
	CreateSecret(ctx context.Context, s *Secret) error
	// UpdateSecret replaces the value of s; ErrNotFound when it does not exist.
	UpdateSecret(ctx context.Context, s *Secret) error
	// SecretExists reports whether the secret exists (its value cannot be read).
	SecretExists(ctx context.Context, namespace, name string) (bool, error)
	// DeleteSecret deletes a secret; a missing one is not an error.
	DeleteSecret(ctx context.Context, namespace, name string) error
}

// Route is the neutral faas_route: an HTTP host and path that reach a function.
type Route struct {
	// Function is the function served.
	Function FunctionID
	// Namespace is where the route object lives.
	Namespace string
	// Host is the fully qualified host name; Path the path prefix ("/" by default).
	Host, Path string
	// Methods restricts the HTTP methods; empty means all.
	Methods []string
	// TLSSecret names a TLS secret for Host; empty means none.
	TLSSecret string
	// URL is the URL the platform reports once the route is ready (read only).
	URL string
}

// RouteDriver is implemented by drivers that support faas_route.
type RouteDriver interface {
	// RouteID is the import id of r on this platform.
	RouteID(r *Route) string
	// CheckRoute returns every setting the platform cannot honour; it never writes.
	CheckRoute(ctx context.Context, r *Route) ([]*UnsupportedError, error)
	// CreateRoute creates r and waits until ready.
	CreateRoute(ctx context.Context, r *Route) (*Route, error)
	// ReadRoute reads a route by its id; ErrNotFound when gone.
	ReadRoute(ctx context.Context, id string) (*Route, error)
	// UpdateRoute rewrites r in place and waits until ready.
	UpdateRoute(ctx context.Context, r *Route) (*Route, error)
	// DeleteRoute removes r; a missing route is not an error.
	DeleteRoute(ctx context.Context, r *Route) error
}

// TrafficTarget is one entry of a traffic split: a share of the function's requests
// sent to one revision.
type TrafficTarget struct {
	// RevisionName names the revision; empty when LatestRevision is set.
	RevisionName string
	// LatestRevision sends the share to the newest ready revision, whatever its name.
	LatestRevision bool
	// Percent is the share of requests, 0 to 100; the targets of a split add up to 100.
	Percent int64
	// Tag gives the target its own URL; empty means none.
	Tag string
	// URL is the tag's URL as the platform reports it once routed (read only).
	URL string
}

// TrafficSplit is the neutral faas_traffic_split: how a function's requests are shared
// among its revisions.
type TrafficSplit struct {
	// Function is the function whose traffic is split.
	Function FunctionID
	// Targets are the shares, in order.
	Targets []TrafficTarget
}

// TrafficDriver is implemented by drivers of platforms with named revisions and
// weighted traffic among them (Knative).
type TrafficDriver interface {
	// CheckTrafficSplit returns every setting the platform cannot honour and, with
	// create set, a split the function already carries (made by another Terraform
	// state or by hand: a create never takes it over); it never writes.
	CheckTrafficSplit(ctx context.Context, s *TrafficSplit, create bool) ([]*UnsupportedError, error)
	// ReadTrafficSplit reads the split of a function; ErrNotFound when the function is
	// gone or carries no split written by this provider.
	ReadTrafficSplit(ctx context.Context, fn FunctionID) (*TrafficSplit, error)
	// ApplyTrafficSplit writes the split into the function under its lock and waits
	// until the platform routes it. A target naming a revision that does not exist is
	// an error naming it, and the function's previous traffic is restored. When the
	// split was written but the wait fails otherwise, it returns the split as written
	// together with the error, so that the caller keeps it.
	// With create set it fails with ErrConflict, writing nothing, when the function
	// already carries a split (checked again in the same read-modify-write, so two
	// creates racing from two states cannot both succeed).
	ApplyTrafficSplit(ctx context.Context, s *TrafficSplit, create bool) (*TrafficSplit, error)
	// DeleteTrafficSplit gives all traffic back to the latest revision; a missing
	// function is not an error.
	DeleteTrafficSplit(ctx context.Context, fn FunctionID) error
}

// ImageDigestDriver is implemented by drivers of platforms that resolve an image's tag
// to a digest themselves and record which digest a running revision uses (Knative: each
// Revision's status.containerStatuses[].imageDigest). faas_function.image_digest shows
// it for an image that pins no digest; on other platforms it stays null for a bare tag.
type ImageDigestDriver interface {
	// RunningImageDigest returns the digest ("sha256:...") the platform resolved the
	// image of fn's current revision to, as fn was just read (fn.Status names the
	// revision). It returns "" without error when there is none to report: no revision
	// of the current template is ready yet, or the platform skipped the resolution.
	RunningImageDigest(ctx context.Context, fn *Function) (string, error)
	// NewRevision reports whether writing next over a function that holds prior creates
	// a new revision, which resolves the image's tag again. It sends no request.
	NewRevision(prior, next *Function) bool
}
