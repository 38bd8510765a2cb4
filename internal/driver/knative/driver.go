// Package knative is the Knative driver: it maps the neutral platform model onto
// Knative Serving (and, for secrets, core Kubernetes) objects through the Kubernetes
// API, following the facts in FACTS.md beside this file and the Knative column of
// DESIGN.md section 3. It
// talks to the API server only through k8s.io/client-go (the dynamic client and
// discovery). It reads Services (their traffic targets included), the status of
// Revisions and Secrets as the upstream API types (knative.dev/serving's
// servingv1.Service, servingv1.RevisionStatus, k8s.io/api's corev1.Secret) converted by
// runtime.DefaultUnstructuredConverter, and the other kinds (PingSource, Trigger,
// DomainMapping, ClusterDomainClaim) field by field; every write edits the unstructured
// object as read, so fields the driver does not own are never dropped.
//
// A function is a serving.knative.dev/v1 Service. Writes are read-modify-write of the
// object as read, with metadata.resourceVersion and a retry on 409 Conflict, under
// platform.FunctionLocks; the driver never uses server-side apply and never writes a
// field Knative defaults unless the user set it, so a read after a write maps back to
// exactly what was written.
package knative

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"knative.dev/serving/pkg/apis/serving"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/faasform/terraform-provider-faas/internal/circuit"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// DefaultNamespace is the namespace used when neither the resource nor the provider
// sets one.
const DefaultNamespace = "default"

// Platform and backend names in platform.Info.
const (
	// PlatformName is platform.Info.Platform for Knative.
	PlatformName = "knative"
	// BackendName is platform.Info.Backend: Knative Serving on Kubernetes.
	BackendName = "knative-serving"
)

// Config configures a Driver.
type Config struct {
	// RESTConfig locates and authenticates to the API server (see RESTConfigFromOptions).
	// It is copied; the driver adds its User-Agent, retries and rate limits to the copy.
	// Its Timeout bounds each attempt of a request (the provider's request_timeout), not
	// the request with all its retries: the driver moves it into its retry transport.
	RESTConfig *rest.Config
	// Namespace is the default namespace; empty means DefaultNamespace.
	Namespace string
	// UserAgent is sent on every request, such as "terraform-provider-faas/1.0.0".
	UserAgent string
	// MaxRetries bounds the retries of one request that failed with a connection error,
	// 429 or 5xx (see the package's retry rules); 0 means no retry.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the wait between those retries, which doubles
	// with up to 25% jitter (httpclient.Policy); zero values mean 500 ms and 10 s.
	// Retry-After wins.
	RetryWaitMin, RetryWaitMax time.Duration
	// PollBackoff is the readiness polling schedule of the waits the driver runs itself
	// (after a scaling policy write, and while a deletion completes); the zero value
	// means platform.DefaultBackoff.
	PollBackoff wait.Backoff
	// ProbeInterval is how often an open circuit lets one request through to check
	// whether the API server is back (internal/circuit); 0 means
	// circuit.DefaultProbeInterval.
	ProbeInterval time.Duration
}

// Driver implements platform.Driver, platform.ScalingDriver, platform.SecretDriver,
// platform.TriggerDriver, platform.RouteDriver and platform.TrafficDriver for Knative.
type Driver struct {
	dyn         dynamic.Interface
	disco       discovery.DiscoveryInterface
	namespace   string
	endpoint    string
	pollBackoff wait.Backoff

	infoMu sync.Mutex
	info   *platform.Info

	// redacted holds the credentials (also as sent in the Authorization header) and
	// secret values; lastAuthorization is the last header registered from a request.
	redacted          platform.Redactions
	lastAuthorization atomic.Pointer[string]

	servedMu servedCache

	// cache holds the reads of this run (cache.go).
	cache *objectCache
}

var (
	_ platform.Driver              = (*Driver)(nil)
	_ platform.ScalingDriver       = (*Driver)(nil)
	_ platform.ScalingWriteChecker = (*Driver)(nil)
	_ platform.SecretDriver        = (*Driver)(nil)
	_ platform.TriggerDriver       = (*Driver)(nil)
	_ platform.RouteDriver         = (*Driver)(nil)
	_ platform.TrafficDriver       = (*Driver)(nil)
)

// New returns a Driver. It does not contact the API server: Info checks on first use
// that Knative Serving is installed.
func New(cfg Config) (*Driver, error) {
	if cfg.RESTConfig == nil {
		return nil, errors.New("knative driver: no Kubernetes client configuration")
	}
	rc := rest.CopyConfig(cfg.RESTConfig)
	if cfg.UserAgent != "" {
		rc.UserAgent = cfg.UserAgent
	}
	if rc.QPS == 0 {
		// client-go's default (5 requests per second) would throttle a refresh of many
		// functions; kubectl uses the same figures.
		rc.QPS, rc.Burst = 50, 300
	}
	if rc.WarningHandler == nil && rc.WarningHandlerWithContext == nil {
		rc.WarningHandlerWithContext = tflogWarnings{}
	}
	// client-go's Timeout covers the whole round trip, retries and backoff included, so
	// that a few retries with backoff could use it up; each attempt gets it instead.
	attemptTimeout := rc.Timeout
	rc.Timeout = 0
	ns := cfg.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	poll := cfg.PollBackoff
	if poll.Duration == 0 {
		poll = platform.DefaultBackoff
	}
	d := &Driver{namespace: ns, endpoint: strings.TrimSuffix(rc.Host, "/"), pollBackoff: poll, cache: newObjectCache()}
	d.addRedacted(rc.BearerToken, rc.Password, string(rc.KeyData))
	// The credentials as client-go sends them: an echo of the header shows
	// base64("user:password"), not the password.
	if rc.Username != "" || rc.Password != "" {
		d.redacted.AddAuthorization(platform.BasicAuthorization(rc.Username, rc.Password))
	}
	// An echoed PEM key may come back line by line: every long line is secret too.
	for _, line := range strings.Split(string(rc.KeyData), "\n") {
		if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			d.addRedacted(line)
		}
	}
	// One circuit for the API server, shared by the dynamic and discovery clients.
	breaker := circuit.New(d.endpoint, cfg.ProbeInterval)
	rc.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return newRetryTransport(rt, httpclient.Policy{
			MaxRetries: max(cfg.MaxRetries, 0), RetryWaitMin: cfg.RetryWaitMin, RetryWaitMax: cfg.RetryWaitMax,
			Timeout: attemptTimeout, Breaker: breaker, Hide: d.redact,
		}, d.sentAuthorization)
	})
	dyn, err := dynamic.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("knative driver: %w", err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("knative driver: %w", err)
	}
	d.dyn, d.disco = dyn, disco
	return d, nil
}

// AddRedacted implements platform.Redactor.
func (d *Driver) AddRedacted(values ...string) { d.addRedacted(values...) }

// addRedacted registers values that must never appear in an error message (the bearer
// token, passwords, secret values), also in their URL-escaped forms.
func (d *Driver) addRedacted(values ...string) { d.redacted.Add(values...) }

// sentAuthorization registers the credentials of an Authorization header a request
// carries. client-go sets it outside the driver's transport, and may take it from where
// the configuration does not show it (a token file it rereads, an exec plugin, an
// auth-provider), so the driver learns it from the requests themselves.
func (d *Driver) sentAuthorization(header string) {
	if header == "" {
		return
	}
	if last := d.lastAuthorization.Load(); last != nil && *last == header {
		return
	}
	d.redacted.AddAuthorization(header)
	d.lastAuthorization.Store(&header)
}

// redact replaces every registered value in s with "***".
func (d *Driver) redact(s string) string { return d.redacted.Redact(s) }

// DefaultNamespace implements platform.Driver.
func (d *Driver) DefaultNamespace() string { return d.namespace }

// Info implements platform.Driver: the Kubernetes version from /version and a check
// through discovery that Knative Serving's Service API is served, once, then cached.
func (d *Driver) Info(ctx context.Context) (platform.Info, error) {
	d.infoMu.Lock()
	defer d.infoMu.Unlock()
	if d.info != nil {
		return *d.info, nil
	}
	// The discovery calls that honour ctx.
	disco := discovery.ToDiscoveryInterfaceWithContext(d.disco)
	v, err := disco.ServerVersionWithContext(ctx)
	if err != nil {
		return platform.Info{}, fmt.Errorf("contacting the Kubernetes API server at %s: %w", d.endpoint, d.apiError(http.MethodGet, "/version", err))
	}
	gv := servicesGVR.GroupVersion().String()
	list, err := disco.ServerResourcesForGroupVersionWithContext(ctx, gv)
	if err != nil && !apierrors.IsNotFound(err) {
		return platform.Info{}, fmt.Errorf("discovering Knative Serving at %s: %w", d.endpoint, d.apiError(http.MethodGet, "/apis/"+gv, err))
	}
	served := false
	if err == nil {
		for _, r := range list.APIResources {
			served = served || r.Name == servicesGVR.Resource
		}
	}
	if !served {
		return platform.Info{}, fmt.Errorf("knative Serving is not installed on the cluster at %s: the API server does not serve %s (install Knative Serving, or point the provider's knative block at the right cluster): %w",
			d.endpoint, servicesGVR.GroupResource(), platform.ErrUnsupported)
	}
	info := platform.Info{Platform: PlatformName, Backend: BackendName, Version: v.GitVersion, Endpoint: d.endpoint, Capabilities: capabilities()}
	d.info = &info
	return info, nil
}

// capabilities lists what the Knative driver honours (DESIGN.md sections 3 and 4,
// FACTS.md sections 3 to 6).
func capabilities() platform.Capabilities {
	return platform.Capabilities{
		Supported: []platform.Feature{
			platform.FeatureFunction, platform.FeatureFunctionCommand, platform.FeatureFunctionArgs, platform.FeatureFunctionEnv,
			platform.FeatureFunctionSecrets, platform.FeatureFunctionLabels, platform.FeatureFunctionAnnotations,
			platform.FeatureFunctionLimitsCPU, platform.FeatureFunctionLimitsMemory, platform.FeatureFunctionRequests,
			platform.FeatureFunctionTimeout, platform.FeatureFunctionMaxConcurrency, platform.FeatureFunctionReadOnlyRootFilesystem,
			platform.FeatureFunctionImagePullSecrets, platform.FeatureFunctionNamespaceMultiple,
			platform.FeatureSecret, platform.FeatureScalingPolicy, platform.FeatureScalingPolicyMetric,
			platform.FeatureScalingPolicyMinReplicasZero, platform.FeatureTriggerCron, platform.FeatureTriggerTopic,
			platform.FeatureTriggerTopicMultiple, platform.FeatureTriggerCronAndTopic, platform.FeatureTriggerTimeZone,
			platform.FeatureTriggerPayload, platform.FeatureTriggerBroker, platform.FeatureRoute, platform.FeatureRouteTLSSecret,
			platform.FeatureFunctionRevisionName, platform.FeatureTrafficSplit, platform.FeatureTrafficSplitTag,
			platform.FeatureFunctionEnvValueFrom,
		},
		ScalingMetrics: []string{MetricConcurrency, MetricRPS, MetricCPU, MetricMemory},
	}
}

// services is the Services of a namespace; its writes invalidate this run's cache.
func (d *Driver) services(ns string) dynamic.ResourceInterface {
	return d.client(servicesGVR, ns)
}

func (d *Driver) lock(id platform.FunctionID) func() {
	return platform.FunctionLocks.Lock(platform.FunctionLockKey(d.endpoint, id))
}

// CheckFunction implements platform.Driver: every setting Knative's webhook would reject
// or that has no Knative equivalent, as attribute errors.
func (d *Driver) CheckFunction(ctx context.Context, fn *platform.Function) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Reason: reason, Instead: instead})
	}
	reserved := func(attr, key, owner string) {
		out = append(out, &platform.UnsupportedError{
			Attribute: platform.Attr(attr).Key(key), Platform: info.Describe(), Summary: "Reserved key",
			Reason: fmt.Sprintf("the key %q is owned by %s", key, owner), Instead: "Remove it from " + attr,
		})
	}
	// What Knative's webhook refuses (the name, reserved env vars, the image reference,
	// the timeout and concurrency bounds, ...) comes from Knative's own validation.
	upstream, err := checkFunctionWithWebhook(info.Describe(), fn)
	if err != nil {
		return nil, err
	}
	out = append(out, upstream...)
	if f := namespaceFinding(info.Describe(), fn.ID.Namespace); f != nil {
		out = append(out, f)
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Annotations)) {
		if owner := ReservedAnnotationOwner(k); owner != "" {
			reserved("annotations", k, owner)
		}
	}
	if v, ok := fn.Labels[VisibilityLabel]; ok && v != serving.VisibilityClusterLocal {
		out = append(out, platform.ValueNotAllowed(platform.Attr("labels").Key(VisibilityLabel), info.Describe(),
			fmt.Sprintf("the only value Knative accepts is \"cluster-local\", not %q", v), "Set it to \"cluster-local\" for a private Service, or remove it"))
	}
	if fn.Timeout != "" {
		if _, err := timeoutSeconds(fn.Timeout); err != nil {
			out = append(out, platform.ValueNotAllowed(platform.Attr("timeout"), info.Describe(), fmt.Sprintf("Knative's timeoutSeconds is a whole number of seconds: %v", err), "Round the timeout to whole seconds"))
		}
	}
	for _, w := range []struct{ attr, value string }{
		{"read_timeout", fn.Watchdog.Read}, {"write_timeout", fn.Watchdog.Write}, {"exec_timeout", fn.Watchdog.Exec},
	} {
		if w.value != "" {
			add(platform.Attr("openfaas").Name(w.attr), "a Knative Service runs no OpenFaaS watchdog, so there are no separate read, write and exec timeouts: a revision "+
				"has one request timeout, timeoutSeconds", "Remove openfaas."+w.attr+" and set timeout, which becomes the revision's timeoutSeconds")
		}
	}
	// revision_name (a DNS-1035 label starting with "<name>-") is checked by Knative's own
	// validation (webhook.go: spec.template.metadata.name).
	if len(fn.Constraints) > 0 {
		add(platform.Attr("openfaas").Name("constraints"), "OpenFaaS placement constraints have no equivalent on a Knative Service (node selectors are behind the kubernetes.podspec-nodeselector feature flag)", "Remove openfaas.constraints")
	}
	if fn.RevisionName != "" {
		u, err := d.cachedGet(ctx, servicesGVR, fn.ID.Namespace, fn.ID.Name)
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, d.apiError(http.MethodGet, itemPath(servicesGVR, fn.ID.Namespace, fn.ID.Name), err)
		}
		if err == nil && pinnedTemplateChange(u.Object, fn) {
			out = append(out, platform.ValueNotAllowed(platform.Attr("revision_name"), info.Describe(), fmt.Sprintf("the function runs revision %q already, and this change rewrites its revision template "+
				"(image, command, env, resources and the other template settings); Knative's webhook refuses a template change that keeps the "+
				"revision's name, because revisions are immutable", fn.RevisionName),
				"Give revision_name a new value with this change, such as the next version"))
		}
	}
	return out, nil
}

// CreateFunction implements platform.Driver: one POST of a new Service carrying a random
// create token in its last-applied record. An ambiguous outcome is resolved by the rule
// every driver shares (platform.CreateOnce): a Service carrying this create's token is
// adopted, a missing one is created again, any other is reported as already existing.
// It never takes over an existing Service.
func (d *Driver) CreateFunction(ctx context.Context, fn *platform.Function) (*platform.Function, error) {
	unlock := d.lock(fn.ID)
	defer unlock()
	token := newToken()
	obj := newServiceObject(fn, token)
	created, err := d.createOnce(ctx, servicesGVR, obj, func(u *unstructured.Unstructured) bool { return createdBy(u, token) },
		func(error) error { return alreadyExists(fn.ID) })
	if err != nil {
		return nil, fmt.Errorf("creating function %s: %w", fn.ID, err)
	}
	return fromService(created)
}

// createOnce POSTs obj through platform.CreateOnce: mine tells whether an object read
// back carries this create's token, and exists renders the error for one that does not.
// Errors are mapped to *platform.APIError (ambiguous ones stay as they are).
func (d *Driver) createOnce(ctx context.Context, gvr schema.GroupVersionResource, obj *unstructured.Unstructured,
	mine func(*unstructured.Unstructured) bool, exists func(cause error) error,
) (*unstructured.Unstructured, error) {
	ns, name := obj.GetNamespace(), obj.GetName()
	return platform.CreateOnce(ctx, platform.Create[*unstructured.Unstructured]{
		Send: func(ctx context.Context) (*unstructured.Unstructured, error) {
			created, err := d.client(gvr, ns).Create(ctx, obj.DeepCopy(), metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict})
			if err != nil {
				return nil, d.apiError(http.MethodPost, collectionPath(gvr, ns), err)
			}
			return created, nil
		},
		ReadBack: func(ctx context.Context) (*unstructured.Unstructured, bool, error) {
			cur, err := d.client(gvr, ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, false, d.apiError(http.MethodGet, itemPath(gvr, ns, name), err)
			}
			return cur, mine(cur), nil
		},
		Exists: exists,
	})
}

func alreadyExists(id platform.FunctionID) error {
	return fmt.Errorf("function %s already exists on the platform (a Knative Service) and is not managed by this resource (%w). %s", id, platform.ErrConflict, platform.ImportHint(id.String()))
}

func createdBy(u *unstructured.Unstructured, token string) bool {
	la, ok := decodeLastApplied(u.GetAnnotations()[LastAppliedAnnotation])
	return ok && la.Token != "" && la.Token == token
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// ReadFunction implements platform.Driver, through this run's cache (cache.go).
func (d *Driver) ReadFunction(ctx context.Context, id platform.FunctionID) (*platform.Function, error) {
	u, err := d.readService(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("reading function %s: %w", id, d.apiError(http.MethodGet, itemPath(servicesGVR, id.Namespace, id.Name), err))
	}
	return fromService(u)
}

// UpdateFunction implements platform.Driver: a read-modify-write of the Service that
// replaces the settings faas_function owns and keeps everything else (sibling
// resources' keys, injected annotations, server defaults), under the per-function lock,
// retried on 409 Conflict. Nothing is written when nothing changes.
func (d *Driver) UpdateFunction(ctx context.Context, fn *platform.Function) (*platform.Function, error) {
	u, _, err := d.modify(ctx, fn.ID, func(obj map[string]any) error {
		applyFunction(obj, fn, "")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("updating function %s: %w", fn.ID, err)
	}
	return fromService(u)
}

// pinnedTemplateChange reports whether writing fn over the Service cur would change its
// revision template while keeping its revision name, which Knative's webhook refuses
// ("Saw the following changes without a name change"). It applies fn as
// UpdateFunction would and compares the templates.
func pinnedTemplateChange(cur map[string]any, fn *platform.Function) bool {
	if name, _, _ := unstructured.NestedString(cur, "spec", "template", "metadata", "name"); name != fn.RevisionName {
		return false
	}
	next := runtime.DeepCopyJSON(cur)
	applyFunction(next, fn, "")
	before, _, _ := unstructured.NestedFieldNoCopy(cur, "spec", "template")
	after, _, _ := unstructured.NestedFieldNoCopy(next, "spec", "template")
	return !reflect.DeepEqual(before, after)
}

// Modify runs a read-modify-write of one Service under the function's lock: mutate
// edits the object as read; it is written back with its resourceVersion, and re-read
// and re-applied on 409 Conflict. Nothing is written when mutate changes nothing. It
// returns the Service as last read or written, and whether it wrote. Child resources
// (scaling policy) use it for the keys they own.
func (d *Driver) Modify(ctx context.Context, id platform.FunctionID, mutate func(obj map[string]any) error) (*unstructured.Unstructured, bool, error) {
	return d.modify(ctx, id, mutate)
}

// conflictBackoff bounds the re-reads after 409 Conflict: concurrent writers (the
// Knative controller's own status writes do not conflict with spec updates on a real
// cluster, but another Terraform run or kubectl may).
var conflictBackoff = wait.Backoff{Steps: 20, Duration: 5 * time.Millisecond, Factor: 1.5, Jitter: 0.2, Cap: time.Second}

func (d *Driver) modify(ctx context.Context, id platform.FunctionID, mutate func(obj map[string]any) error) (*unstructured.Unstructured, bool, error) {
	unlock := d.lock(id)
	defer unlock()
	var out *unstructured.Unstructured
	wrote := false
	path := itemPath(servicesGVR, id.Namespace, id.Name)
	method := http.MethodGet
	err := retry.OnError(conflictBackoff, func(err error) bool { return apierrors.IsConflict(err) && ctx.Err() == nil }, func() error {
		method = http.MethodGet
		cur, err := d.services(id.Namespace).Get(ctx, id.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		next := cur.DeepCopy()
		if err := mutate(next.Object); err != nil {
			method = ""
			return err
		}
		if reflect.DeepEqual(cur.Object, next.Object) {
			out, wrote = cur, false
			return nil
		}
		method = http.MethodPut
		upd, err := d.services(id.Namespace).Update(ctx, next, metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict})
		if err != nil {
			return err
		}
		out, wrote = upd, true
		return nil
	})
	if err != nil {
		if method != "" {
			err = d.apiError(method, path, err)
		}
		return nil, false, err
	}
	return out, wrote, nil
}

// DeleteFunction implements platform.Driver: DELETE with foreground propagation, where
// not found is success, then a wait until the API server no longer returns the Service.
// The Service's Configuration, Route and Revisions are garbage-collected through their
// ownerReferences; foreground propagation keeps the Service until they are gone, so a
// Service of the same name created next (a replacement) does not find the old Route:
// on the real Serving that fails at once with "NotOwned: There is an existing Route
// "NAME" that we do not own" (observed on the testbed with background propagation).
func (d *Driver) DeleteFunction(ctx context.Context, id platform.FunctionID) error {
	unlock := d.lock(id)
	defer unlock()
	foreground := metav1.DeletePropagationForeground
	err := d.services(id.Namespace).Delete(ctx, id.Name, metav1.DeleteOptions{PropagationPolicy: &foreground})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting function %s: %w", id, d.apiError(http.MethodDelete, itemPath(servicesGVR, id.Namespace, id.Name), err))
	}
	return d.waitGone(ctx, "function "+id.String(), itemPath(servicesGVR, id.Namespace, id.Name), func(ctx context.Context) error {
		_, err := d.services(id.Namespace).Get(ctx, id.Name, metav1.GetOptions{})
		return err
	})
}

func (d *Driver) waitGone(ctx context.Context, what, path string, get func(context.Context) error) error {
	return platform.WaitFor(ctx, what, "deleted", d.pollBackoff, func(ctx context.Context) (bool, string, error) {
		err := get(ctx)
		switch {
		case apierrors.IsNotFound(err):
			return true, "", nil
		case err != nil:
			return d.pollError(http.MethodGet, path, err)
		}
		return false, "still returned by the API server (finalizers or garbage collection pending)", nil
	})
}

// ListFunctions implements platform.Driver: one list call for the namespace, shared
// with this run's cache (cache.go).
func (d *Driver) ListFunctions(ctx context.Context, namespace string) ([]*platform.Function, error) {
	list, err := d.cachedList(ctx, servicesGVR, namespace)
	if err != nil {
		return nil, err
	}
	out := make([]*platform.Function, 0, len(list))
	for _, u := range list {
		fn, err := fromService(u)
		if err != nil {
			return nil, err
		}
		out = append(out, fn)
	}
	return out, nil
}

// WaitReady waits until the function's current generation is Ready (observedGeneration
// == generation and Ready True, FACTS.md section 3) and returns the last read. It judges
// each read by platform.ReadyCheck, the rule of every function readiness wait: a
// generation that failed (Ready False once observed, statusFrom) ends the wait at once
// with a *platform.FailedError carrying the condition's reason and message; a wait that runs out of time returns a
// *platform.TimeoutError with the last one. The caller has just written the Service, so
// one the API server no longer returns was deleted: a *platform.DeletedError.
func (d *Driver) WaitReady(ctx context.Context, id platform.FunctionID) (*unstructured.Unstructured, error) {
	return d.pollService(ctx, id, "function "+id.String(), "ready", func(s *servingv1.Service) (bool, string, error) {
		st := statusFrom(s)
		return platform.ReadyCheck(id, &st)
	})
}

// pollService waits (platform.WaitFor, named what) until check accepts the Service of
// function id, and returns the last Service read. state names what the wait waits for
// ("ready", "routed"). The caller has just written the Service, so one the API server
// no longer returns was deleted: a *platform.DeletedError.
func (d *Driver) pollService(ctx context.Context, id platform.FunctionID, what, state string,
	check func(s *servingv1.Service) (bool, string, error)) (*unstructured.Unstructured, error) {
	var last *unstructured.Unstructured
	presence := platform.NewPresence("function "+id.String(), state, true)
	err := platform.WaitFor(ctx, what, platform.ConditionReady, d.pollBackoff, func(ctx context.Context) (bool, string, error) {
		u, err := d.services(id.Namespace).Get(ctx, id.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			status, err := presence.Missing()
			return false, status, err
		}
		if err != nil {
			return d.pollError(http.MethodGet, itemPath(servicesGVR, id.Namespace, id.Name), err)
		}
		presence.Found()
		last = u
		s, err := toService(u)
		if err != nil {
			return false, "", err
		}
		return check(s)
	})
	return last, err
}

// pollError decides what a failed read does to a wait: an answer of the API server
// (403, 404, ...) ends it, and so does a read the open circuit refused (the API server
// failed persistently: internal/circuit), while a read that got no answer (the
// deadline or the client's rate limiter cut it short, or the connection failed after
// the retries) leaves the wait to its deadline, which then reports the platform's last
// status.
func (d *Driver) pollError(method, path string, err error) (bool, string, error) { //nolint:unparam // every wait polls with GET today; method names the request in the error
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		return false, "", d.apiError(method, path, err)
	}
	if circuit.IsOpenError(err) {
		return false, "", err
	}
	return false, "", nil //nolint:nilerr // not an answer: keep waiting until the deadline
}

// ---- errors ------------------------------------------------------------------------------

func collectionPath(gvr schema.GroupVersionResource, ns string) string {
	prefix := "/apis/" + gvr.Group + "/" + gvr.Version
	if gvr.Group == "" {
		prefix = "/api/" + gvr.Version
	}
	if ns != "" {
		prefix += "/namespaces/" + ns
	}
	return prefix + "/" + gvr.Resource
}

func itemPath(gvr schema.GroupVersionResource, ns, name string) string {
	return collectionPath(gvr, ns) + "/" + name
}

// apiError maps a client-go error to a *platform.APIError wrapping the matching
// sentinel (NotFound → ErrNotFound, AlreadyExists and Conflict → ErrConflict,
// BadRequest and Invalid (webhook and schema rejections) → ErrInvalid). Transport
// errors are returned as they are.
func (d *Driver) apiError(method, path string, err error) error {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		return err
	}
	st := se.Status()
	e := &platform.APIError{Method: method, Path: path, StatusCode: int(st.Code), Message: d.redact(st.Message)}
	switch {
	case apierrors.IsNotFound(err):
		e.Kind = platform.ErrNotFound
	case apierrors.IsAlreadyExists(err), apierrors.IsConflict(err):
		e.Kind = platform.ErrConflict
	case apierrors.IsBadRequest(err), apierrors.IsInvalid(err):
		e.Kind = platform.ErrInvalid
	case apierrors.IsUnauthorized(err):
		e.Message = "authentication failed: check the token, client certificate or kubeconfig credentials of the provider's knative block (" + e.Message + ")"
	case apierrors.IsForbidden(err):
		e.Message += " (the provider's Kubernetes identity lacks RBAC permission for this request)"
	}
	return e
}
