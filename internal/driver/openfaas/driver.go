// Package openfaas is the OpenFaaS driver: it maps the neutral platform model onto the
// OpenFaaS gateway REST API (faas-netes and faasd backends, Community Edition and Pro),
// following the facts in FACTS.md beside this file and the gateway OpenAPI spec.
package openfaas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// DefaultNamespace is the OpenFaaS function namespace when none is configured.
const DefaultNamespace = "openfaas-fn"

// CEMaxFunctions is the Community Edition's function limit: faas-netes refuses a create
// once its namespace holds that many (MaxFunctions in pkg/handlers/replica_reader.go,
// checked in pkg/handlers/deploy.go), and faasd CE has the same limit.
const CEMaxFunctions = 15

// Backends and editions as the driver names them.
const (
	BackendFaasNetes = "faas-netes"
	BackendFaasd     = "faasd"
	EditionCE        = "ce"
	EditionPro       = "pro"
)

// Config configures a Driver.
type Config struct {
	// Client talks to the gateway.
	Client *httpclient.Client
	// Namespace is the default function namespace; empty means DefaultNamespace.
	Namespace string
	// Edition forces "ce" or "pro"; empty means detect it from /system/info.
	Edition string
}

// Driver implements platform.Driver for OpenFaaS.
type Driver struct {
	client    *httpclient.Client
	namespace string
	edition   string

	infoMu sync.Mutex
	info   *platform.Info

	// cache holds the function reads of this run (cache.go).
	cache *readCache
}

var (
	_ platform.Driver          = (*Driver)(nil)
	_ platform.FunctionLimiter = (*Driver)(nil)
)

// New returns a Driver. It does not contact the gateway: detection happens on first use.
func New(cfg Config) *Driver {
	ns := cfg.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	return &Driver{client: cfg.Client, namespace: ns, edition: cfg.Edition, cache: newReadCache()}
}

// DefaultNamespace implements platform.Driver.
func (d *Driver) DefaultNamespace() string { return d.namespace }

func (d *Driver) endpoint() string { return d.client.BaseURL().String() }

// identity names the gateway for the per-function locks: the endpoint with the scheme
// and host in lower case and without a trailing slash, so that two spellings of one
// gateway URL share them.
func (d *Driver) identity() string {
	u := *d.client.BaseURL()
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// Info implements platform.Driver: GET /system/info once, then cached. The backend is
// faasd when the provider name contains "faasd" (orchestration "containerd"), else
// faas-netes; the edition is "ce" when the provider name ends in "-ce" (faas-netes-ce,
// faasd-ce), else "pro", unless the configuration forces it.
func (d *Driver) Info(ctx context.Context) (platform.Info, error) {
	d.infoMu.Lock()
	defer d.infoMu.Unlock()
	if d.info != nil {
		return *d.info, nil
	}
	var gi gatewayInfo
	if err := d.getJSON(ctx, "/system/info", nil, &gi); err != nil {
		return platform.Info{}, fmt.Errorf("detecting the OpenFaaS backend and edition: %w", err)
	}
	name := strings.ToLower(gi.Provider.Provider)
	info := platform.Info{Platform: "openfaas", Backend: BackendFaasNetes, Edition: EditionPro, Version: gi.Provider.Version.Release, Endpoint: d.endpoint()}
	if strings.Contains(name, "faasd") || gi.Provider.Orchestration == "containerd" {
		info.Backend = BackendFaasd
	}
	if strings.HasSuffix(name, "-ce") {
		info.Edition = EditionCE
	}
	if d.edition != "" {
		info.Edition = d.edition
	}
	info.Capabilities = capabilities(info.Backend, info.Edition)
	d.info = &info
	return info, nil
}

var _ platform.UnsupportedExplainer = (*Driver)(nil)

// WhyUnsupported implements platform.UnsupportedExplainer: OpenFaaS has neither routes
// nor revisions, and each has its OpenFaaS alternative.
func (d *Driver) WhyUnsupported(resourceType string) string {
	switch resourceType {
	case "faas_route":
		return "The OpenFaaS gateway API has no routes: every function is reached at <gateway_url>/function/<name>.<namespace> " +
			"(faas_function.invoke_url). For a custom host or path, use the OpenFaaS FunctionIngress CRD (ingress-operator, " +
			"created through the Kubernetes API, for example with the kubernetes provider) or your own ingress, and remove this faas_route."
	case "faas_traffic_split":
		return "An OpenFaaS function has no revisions: each deployment replaces the running version, so there is nothing to " +
			"split its traffic across, and the gateway routes each function name to one Deployment. For a canary on OpenFaaS, " +
			"deploy the new version as a second faas_function and weight the two with a service mesh or an ingress in front of " +
			"the gateway (outside this provider), and remove this faas_traffic_split."
	}
	return ""
}

// capabilities lists what each backend and edition honours (FACTS.md sections 6 to 8;
// the matrix is in DESIGN.md section 4).
func capabilities(backend, edition string) platform.Capabilities {
	c := platform.Capabilities{Supported: []platform.Feature{
		platform.FeatureFunction, platform.FeatureFunctionCommand, platform.FeatureFunctionEnv, platform.FeatureFunctionSecrets,
		platform.FeatureFunctionLabels, platform.FeatureFunctionAnnotations, platform.FeatureFunctionLimitsMemory,
		platform.FeatureFunctionTimeout, platform.FeatureFunctionMaxConcurrency, platform.FeatureFunctionReadOnlyRootFilesystem,
		platform.FeatureSecret, platform.FeatureTriggerCron, platform.FeatureTriggerTopic,
		// args without whitespace, joined into fprocess; time_zone as the CRON_TZ= prefix.
		platform.FeatureFunctionArgs, platform.FeatureTriggerTimeZone,
	}}
	if backend == BackendFaasNetes {
		c.Supported = append(c.Supported, platform.FeatureFunctionLimitsCPU, platform.FeatureFunctionRequests, platform.FeatureScalingPolicy)
		c.ScalingMetrics = []string{}
		c.MaxReplicas = 5
		if edition == EditionPro {
			c.Supported = append(c.Supported, platform.FeatureFunctionImagePullSecrets, platform.FeatureFunctionOpenFaaSConstraints,
				platform.FeatureFunctionNamespaceMultiple, platform.FeatureScalingPolicyMetric, platform.FeatureScalingPolicyMinReplicasZero,
				platform.FeatureTriggerTopicMultiple, platform.FeatureTriggerCronAndTopic)
			c.MaxReplicas = 0
			c.ScalingMetrics = []string{"rps", "concurrency", "cpu"}
		}
	}
	if backend == BackendFaasd {
		c.MaxReplicas = 1 // one container per function
	}
	if edition == EditionCE {
		c.MaxFunctions = CEMaxFunctions
	}
	if backend == BackendFaasd && edition == EditionPro {
		c.Supported = append(c.Supported, platform.FeatureFunctionNamespaceMultiple, platform.FeatureTriggerTopicMultiple, platform.FeatureTriggerCronAndTopic)
	}
	return c
}

// CheckFunction implements platform.Driver.
func (d *Driver) CheckFunction(ctx context.Context, fn *platform.Function) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Reason: reason, Instead: instead})
	}
	caps := info.Capabilities
	out = append(out, nameFindings(info.Describe(), fn.ID.Namespace, fn.ID.Name)...)
	for _, field := range []struct {
		attr string
		list []string
	}{{"command", fn.Command}, {"args", fn.Args}} {
		attr := field.attr
		for i, e := range field.list {
			if e == "" || strings.ContainsAny(e, " \t\r\n") {
				add(platform.Attr(attr).Index(i), fmt.Sprintf("%q is empty or contains whitespace, but OpenFaaS joins command and args with spaces into the watchdog's fprocess, so it would split into several words", e), "Write each word as its own element")
			}
		}
	}
	reserved := func(attr, key, owner string) {
		out = append(out, &platform.UnsupportedError{
			Attribute: platform.Attr(attr).Key(key), Platform: info.Describe(), Summary: "Reserved key",
			Reason: fmt.Sprintf("the key %q is owned by %s", key, owner), Instead: "Remove it from " + attr,
		})
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Env)) {
		if owner := ReservedEnvOwner(k); owner != "" {
			reserved("env", k, "the faas_function attribute "+owner+" (the OpenFaaS watchdog reads it)")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Labels)) {
		if owner := ReservedLabelOwner(k); owner != "" {
			reserved("labels", k, owner)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Annotations)) {
		if owner := ReservedAnnotationOwner(k); owner != "" {
			reserved("annotations", k, owner)
		}
	}
	if fn.RevisionName != "" {
		add(platform.Attr("revision_name"), "an OpenFaaS function has no revisions: each deployment replaces the running one, with nothing named to pin or to split traffic across",
			"Remove revision_name; the image tag or digest is what identifies a version on OpenFaaS")
	}
	for _, k := range slices.Sorted(maps.Keys(fn.EnvFrom)) {
		add(platform.Attr("env_value_from").Key(k), "an OpenFaaS function has no environment variables that take their value from a Secret or "+
			"a ConfigMap: the gateway's API carries literal values only, and OpenFaaS secrets are mounted as files",
			"Remove env_value_from; list the secret in secrets and read /var/openfaas/secrets/<name> in the function, or set a literal value in env")
	}
	if len(fn.ImagePullSecrets) > 0 && !caps.Has(platform.FeatureFunctionImagePullSecrets) {
		if info.Backend == BackendFaasd {
			add(platform.Attr("image_pull_secrets"), "faasd reads registry credentials from /var/lib/faasd/.docker/config.json on the host, not per function", "Remove image_pull_secrets and configure the credentials on the faasd host")
		} else {
			add(platform.Attr("image_pull_secrets"), "private registries are an OpenFaaS Standard/Enterprise feature; the Community Edition only deploys public images", "Use a public image, or OpenFaaS Pro")
		}
	}
	if len(fn.Constraints) > 0 && !caps.Has(platform.FeatureFunctionOpenFaaSConstraints) {
		if info.Backend == BackendFaasd {
			add(platform.Attr("openfaas").Name("constraints"), "faasd runs every function on its single host", "Remove the constraints")
		} else {
			add(platform.Attr("openfaas").Name("constraints"), "faas-netes CE ignores constraints (it deploys with an empty node selector), so they would be silently dropped", "Remove the constraints, or use OpenFaaS Pro")
		}
	}
	if fn.Limits.CPU != "" && !caps.Has(platform.FeatureFunctionLimitsCPU) {
		add(platform.Attr("limits").Name("cpu"), "faasd applies only a memory limit to a function's container", "Remove limits.cpu")
	}
	if !fn.Requests.IsZero() && !caps.Has(platform.FeatureFunctionRequests) {
		add(platform.Attr("requests"), "faasd does not reserve resources for a function's container", "Remove requests")
	}
	if info.Backend == BackendFaasd {
		if _, ok := fn.Env["PATH"]; ok {
			reserved("env", "PATH", "faasd (it sets PATH in the container and never returns it, so the value could not be read back)")
		}
	}
	if fn.ID.Namespace != "" && fn.ID.Namespace != d.namespace && !caps.Has(platform.FeatureFunctionNamespaceMultiple) {
		add(platform.Attr("namespace"), fmt.Sprintf("the Community Edition serves a single function namespace, %q", d.namespace), "Leave namespace unset, or set it to "+fmt.Sprintf("%q", d.namespace))
	}
	return out, nil
}

// CreateFunction implements platform.Driver. It POSTs once, with a random create token
// in the last-applied record, and resolves an ambiguous outcome by the rule every driver
// shares (platform.CreateOnce): a function carrying this create's token is adopted, a
// missing one is created again, and any other is reported as already existing, however
// equal its settings are.
func (d *Driver) CreateFunction(ctx context.Context, fn *platform.Function) (*platform.Function, error) {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.identity(), fn.ID))
	defer unlock()
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.functionLimit(ctx, info, fn.ID, true); err != nil {
		var limit *platform.FunctionLimitError
		if errors.As(err, &limit) {
			return nil, fmt.Errorf("creating function %s: %w", fn.ID, err)
		}
		// The gateway enforces the limit too, and its refusal is explained below.
		tflog.Debug(ctx, "could not count the functions before a create", map[string]any{"error": err.Error()})
	}
	token := newToken()
	body := toWire(fn, token)
	adopted, err := platform.CreateOnce(ctx, platform.Create[*platform.Function]{
		Send: func(ctx context.Context) (*platform.Function, error) {
			resp, err := d.write(ctx, fn.ID, httpclient.Request{Method: http.MethodPost, Path: "/system/functions", Body: body, NotIdempotent: true})
			switch {
			case err != nil:
				return nil, fmt.Errorf("creating function %s: %w", fn.ID, err)
			case isSuccess(resp.StatusCode):
				return nil, nil
			}
			apiErr := d.apiError(http.MethodPost, "/system/functions", resp)
			if errors.Is(apiErr, platform.ErrConflict) {
				return nil, apiErr
			}
			return nil, fmt.Errorf("creating function %s: %w", fn.ID, d.explainCreate(info, fn.Image, apiErr))
		},
		ReadBack: func(ctx context.Context) (*platform.Function, bool, error) {
			st, err := d.freshStatus(ctx, fn.ID)
			if err != nil {
				return nil, false, err
			}
			return fromWire(st, info, d.endpoint()), createdBy(st, token), nil
		},
		Exists: func(cause error) error {
			var api *platform.APIError
			if errors.As(cause, &api) && errors.Is(cause, platform.ErrConflict) {
				return fmt.Errorf("%w (the platform said: %s)", alreadyExists(fn.ID), api.Message)
			}
			return alreadyExists(fn.ID)
		},
	})
	if err != nil || adopted != nil {
		return adopted, err
	}
	// faas-netes reads lag behind writes (verify.go): wait until the read shows this
	// create's function, not a 404 or a function of the same name just deleted.
	st, err := d.awaitVisible(ctx, fn.ID, "showing the function just created", func(st *functionStatus) bool { return createdBy(st, token) })
	sent := *fn
	sent.Status = platform.FunctionStatus{InvokeURL: invokeURL(d.endpoint(), fn.ID)}
	var timeout *platform.TimeoutError
	switch {
	case errors.As(err, &timeout) && timeout.LastStatus == statusNotReturned:
		// Accepted (2xx), and the gateway still does not return it: its informer cache
		// lags. The create succeeded; the readiness wait polls until the gateway
		// returns the function.
		sent.Status.Reason = "accepted; the gateway does not return it yet"
		return &sent, nil
	case err != nil:
		// The function exists: return what was sent, so that it is recorded in state
		// (tainted) rather than orphaned.
		return &sent, fmt.Errorf("function %s was created, but reading it back failed: %w", fn.ID, err)
	}
	return fromWire(st, info, d.endpoint()), nil
}

// CheckFunctionLimit implements platform.FunctionLimiter from this run's read of the
// namespace (one list for every create a plan checks).
func (d *Driver) CheckFunctionLimit(ctx context.Context, id platform.FunctionID) error {
	info, err := d.Info(ctx)
	if err != nil {
		return err
	}
	return d.functionLimit(ctx, info, id, false)
}

// functionLimit returns a *platform.FunctionLimitError when the edition limits the
// number of functions and id's namespace already holds that many, id not among them (a
// create of an existing function fails as such). fresh lists the namespace from the
// gateway instead of this run's cache.
func (d *Driver) functionLimit(ctx context.Context, info platform.Info, id platform.FunctionID, fresh bool) error {
	limit := info.Capabilities.MaxFunctions
	if limit == 0 {
		return nil
	}
	var names []string
	if fresh {
		list, err := d.listFromPlatform(ctx, id.Namespace)
		if err != nil {
			return err
		}
		for _, st := range list {
			names = append(names, st.Name)
		}
	} else {
		list, err := d.listNamespace(ctx, id.Namespace)
		if err != nil {
			return err
		}
		for _, st := range list {
			names = append(names, st.Name)
		}
	}
	if len(names) < limit || slices.Contains(names, id.Name) {
		return nil
	}
	sort.Strings(names)
	return &platform.FunctionLimitError{Platform: info.Describe(), Limit: limit, Function: id, Existing: names,
		Instead: "Delete functions that are no longer needed, or use OpenFaaS Standard or Enterprise, which have no such limit"}
}

// explainCreate adds plain words to a refused create of image: the edition's function
// limit (faas-netes answers 400 "unable to create function, maximum: 15, ..." when
// creates raced past the provider's own count), an image the Community Edition cannot
// reach anonymously, a missing secret.
func (d *Driver) explainCreate(info platform.Info, image string, err error) error {
	var api *platform.APIError
	if errors.As(err, &api) && api.StatusCode == http.StatusBadRequest && info.Edition == EditionCE {
		msg := strings.ToLower(api.Message)
		switch {
		case strings.Contains(msg, "only allows public images"):
			return fmt.Errorf("%w. %s", err, imageRefusal(info, image))
		case info.Capabilities.MaxFunctions > 0 && (strings.Contains(msg, "maximum:") || (strings.Contains(msg, "only allows") && strings.Contains(msg, "functions"))):
			return fmt.Errorf("%w. %s allows at most %d functions and already holds that many: delete functions that are no longer needed, "+
				"or use OpenFaaS Standard or Enterprise, which have no such limit", err, info.Describe(), info.Capabilities.MaxFunctions)
		}
	}
	return d.explain(err)
}

// imageRefusal explains faas-netes Community Edition's image check: on every deploy and
// update it asks the image's registry for the manifest anonymously (isAnonymous in
// pkg/handlers/validate.go, called by deploy.go and update.go), and refuses the image
// when that request fails.
func imageRefusal(info platform.Info, image string) string {
	return fmt.Sprintf("%s deploys only images that it can fetch from their registry without credentials: it checks every image "+
		"on deploy and update with an anonymous request for its manifest, and that request failed for image %q. The image is private, "+
		"does not exist (check the name and tag), or its registry cannot be reached from faas-netes. Use a public image that faas-netes "+
		"can reach anonymously, or OpenFaaS Standard or Enterprise for images in private registries", info.Describe(), image)
}

func invokeURL(endpoint string, id platform.FunctionID) string {
	return strings.TrimSuffix(endpoint, "/") + "/function/" + id.Name + "." + id.Namespace
}

func alreadyExists(id platform.FunctionID) error {
	return fmt.Errorf("function %s already exists on the platform and is not managed by this resource (%w). %s", id, platform.ErrConflict, platform.ImportHint(id.String()))
}

// createdBy reports whether a function carries token, the create token of this
// provider process's create.
func createdBy(st *functionStatus, token string) bool {
	la, ok := decodeLastApplied(st.Annotations[LastAppliedAnnotation])
	return ok && token != "" && la.Token == token
}

func newToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// ReadFunction implements platform.Driver. Reads come from this run's cache (cache.go).
// Inside a readiness wait (platform.InWait) a cached answer is used only when it already
// reports the function ready; otherwise the platform is polled.
func (d *Driver) ReadFunction(ctx context.Context, id platform.FunctionID) (*platform.Function, error) {
	if err := checkID("function", id); err != nil {
		return nil, err
	}
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	if platform.InWait(ctx) {
		if st, found := d.cache.Lookup(id.Namespace, id.Name); found && !platform.FreshReads(ctx) {
			if fn := fromWire(st, info, d.endpoint()); fn.Status.Ready {
				return fn, nil
			}
		}
		st, err := d.freshStatus(ctx, id)
		if err != nil {
			return nil, err
		}
		return fromWire(st, info, d.endpoint()), nil
	}
	st, err := d.readStatus(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromWire(st, info, d.endpoint()), nil
}

// readStatus reads a function for a refresh or a check: from this run's cache, one
// list per namespace, or GET one (cache.go). Read-modify-writes use freshStatus.
func (d *Driver) readStatus(ctx context.Context, id platform.FunctionID) (*functionStatus, error) {
	return d.cachedStatus(ctx, id)
}

// UpdateFunction implements platform.Driver: a full replace (PUT) that keeps the keys
// owned by sibling resources, under the per-function lock. It skips the write when
// nothing would change, because every faas-netes update rolls the pods.
func (d *Driver) UpdateFunction(ctx context.Context, fn *platform.Function) (*platform.Function, error) {
	_, err := d.modify(ctx, fn.ID, fn, func(cur *functionDeployment) error {
		// Keep the create token: it identifies this instance of the function, and an
		// unchanged record lets a no-op update skip the write.
		token := ""
		if la, ok := decodeLastApplied(cur.Annotations[LastAppliedAnnotation]); ok {
			token = la.Token
		}
		want := toWire(fn, token)
		for k, v := range cur.Labels {
			if strings.HasPrefix(k, ScaleLabelPrefix) {
				want.Labels = setKey(want.Labels, k, v)
			}
		}
		for _, k := range []string{TopicAnnotation, ScheduleAnnotation} {
			if v, ok := cur.Annotations[k]; ok {
				want.Annotations = setKey(want.Annotations, k, v)
			}
		}
		*cur = want
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("updating function %s: %w", fn.ID, d.explain(err))
	}
	return d.ReadFunction(ctx, fn.ID)
}

// Modify runs a read-modify-write of one function under its lock: mutate receives the
// whole deployment as it would be sent again (with the fields faas-netes does not
// return restored from the last-applied annotation) and edits it; nothing is written
// when mutate leaves it unchanged (compared as the platform compares quantities), and it
// reports whether it wrote: whether the platform accepted a write (202, or a read after
// a 200 showed it applied), with or without an error after it; an update faas-netes
// never applied, or a request whose answer was lost, is not reported as written. Child
// resources use it for the keys they own; a change to a function whose unreadable fields are unknown is refused
// (platform.WriteUnknowns with no function: a child knows none of them).
func (d *Driver) Modify(ctx context.Context, id platform.FunctionID, mutate func(cur *functionDeployment) error) (bool, error) {
	return d.modify(ctx, id, nil, mutate)
}

// modify is Modify for a write of fn (nil for a child's keys): the write is refused with
// a *platform.UnknownValuesError when it would replace values faas-netes does not
// return and no record holds (platform.WriteUnknowns), before anything is sent.
//
// On faas-netes the write is confirmed by reading it back (verify.go): after a 202 until
// the read shows it; after a 200, which faas-netes answers when it did not apply the
// update, the read-modify-write runs again from what the platform holds, up to
// updateAttempts times, and then fails with ErrNotApplied.
func (d *Driver) modify(ctx context.Context, id platform.FunctionID, fn *platform.Function, mutate func(cur *functionDeployment) error) (bool, error) {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.identity(), id))
	defer unlock()
	info, err := d.Info(ctx)
	if err != nil {
		return false, err
	}
	// Never from the cache: the write must start from what the platform holds now.
	st, err := d.freshStatus(ctx, id)
	if err != nil {
		return false, err
	}
	verify := info.Backend == BackendFaasNetes
	start := time.Now()
	delay := updateRetry.DelayFunc()
	for attempt := 1; ; attempt++ {
		cur := deploymentFromStatus(st)
		image := cur.Image
		before, _ := json.Marshal(cur)
		if err := mutate(&cur); err != nil {
			return false, err
		}
		// Nothing to write when the platform would hold the same: compared as the
		// read-back check compares (verify.go), because the platform returns quantities
		// normalised ("0.5" as "500m") while a function's update sends the user's spelling.
		var orig functionDeployment
		_ = json.Unmarshal(before, &orig) // what json.Marshal just wrote always decodes
		if sameDeployment(orig, cur) {
			return false, nil
		}
		if unknown := platform.WriteUnknowns(fromWire(st, info, d.endpoint()), fn); len(unknown) > 0 {
			return false, &platform.UnknownValuesError{Function: id, Platform: info.Describe(), Attributes: unknown}
		}
		resp, err := d.write(ctx, id, httpclient.Request{Method: http.MethodPut, Path: "/system/functions", Body: cur})
		if err != nil {
			return false, err
		}
		if !isSuccess(resp.StatusCode) {
			return false, d.apiError(http.MethodPut, "/system/functions", resp)
		}
		if !verify {
			return true, nil
		}
		holds := func(st *functionStatus) bool { return sameDeployment(deploymentFromStatus(st), cur) }
		if resp.StatusCode != http.StatusOK {
			// Accepted (written, whatever the wait says): wait until the gateway's reads
			// show it.
			if _, err := d.awaitVisible(ctx, id, "showing the update it accepted", holds); err != nil {
				return true, fmt.Errorf("the gateway accepted the update (HTTP %d), but reading the function back did not show it: %w", resp.StatusCode, err)
			}
			return true, nil
		}
		// 200: faas-netes did not apply it. The read shows what the platform holds now.
		if st, err = d.freshStatus(ctx, id); err != nil {
			return false, fmt.Errorf("the gateway answered the update with 200, which faas-netes answers when it did not apply it, and reading the function back failed: %w", err)
		}
		if holds(st) {
			return true, nil
		}
		if attempt >= updateAttempts {
			return false, notApplied(info, image, cur.Image, attempt, time.Since(start))
		}
		tflog.Debug(ctx, "faas-netes answered an update with 200 without applying it; writing it again", map[string]any{"id": id.String(), "attempt": attempt})
		if err := sleep(ctx, delay()); err != nil {
			return false, notApplied(info, image, cur.Image, attempt, time.Since(start))
		}
	}
}

// DeleteFunction implements platform.Driver. The namespace goes in the query
// (faas-netes) and in the body (faasd, go-sdk); 404 means already gone. It then waits
// until the function is no longer returned (faas-netes deletes in the foreground).
func (d *Driver) DeleteFunction(ctx context.Context, id platform.FunctionID) error {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.identity(), id))
	defer unlock()
	resp, err := d.write(ctx, id, httpclient.Request{
		Method: http.MethodDelete, Path: "/system/functions",
		Query: url.Values{"namespace": {id.Namespace}},
		Body:  deleteFunctionRequest{FunctionName: id.Name, Namespace: id.Namespace},
	})
	if err != nil {
		return fmt.Errorf("deleting function %s: %w", id, err)
	}
	if !isSuccess(resp.StatusCode) {
		apiErr := d.apiError(http.MethodDelete, "/system/functions", resp)
		if !errors.Is(apiErr, platform.ErrNotFound) {
			return fmt.Errorf("deleting function %s: %w", id, apiErr)
		}
	}
	return platform.WaitFor(ctx, "function "+id.String(), "deleted", platform.DefaultBackoff, func(ctx context.Context) (bool, string, error) {
		_, err := d.freshStatus(ctx, id)
		if errors.Is(err, platform.ErrNotFound) {
			return true, "", nil
		}
		if err != nil {
			return false, "", err
		}
		return false, "still returned by the gateway (deletion in progress)", nil
	})
}

// ListFunctions implements platform.Driver, through this run's cache: one list request
// per namespace until the provider writes in it (cache.go).
func (d *Driver) ListFunctions(ctx context.Context, namespace string) ([]*platform.Function, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	list, err := d.listNamespace(ctx, namespace)
	if err != nil {
		return nil, err
	}
	out := make([]*platform.Function, 0, len(list))
	for i := range list {
		out = append(out, fromWire(&list[i], info, d.endpoint()))
	}
	return out, nil
}

func (d *Driver) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	resp, err := d.client.Do(ctx, httpclient.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return d.apiError(http.MethodGet, path, resp)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("GET %s: decoding the answer: %w", path, err)
	}
	return nil
}

func isSuccess(code int) bool {
	// go-sdk treats 200, 201 and 202 alike (FACTS.md sections 3 and 4); faasd answers 200, faas-netes 202.
	return code == http.StatusOK || code == http.StatusCreated || code == http.StatusAccepted || code == http.StatusNoContent
}

// apiError maps a failed answer to a *platform.APIError wrapping the matching sentinel.
// faas-netes answers a duplicate create with 500 "... already exists" and faasd with 400
// "... already exists"; both map to ErrConflict.
func (d *Driver) apiError(method, path string, resp *httpclient.Response) error {
	msg := d.client.ReadBody(resp.Body)
	e := &platform.APIError{Method: method, Path: path, StatusCode: resp.StatusCode, Message: msg}
	lower := strings.ToLower(msg)
	switch {
	case resp.StatusCode == http.StatusNotFound:
		e.Kind = platform.ErrNotFound
	case resp.StatusCode == http.StatusConflict, strings.Contains(lower, "already exists") && method == http.MethodPost:
		e.Kind = platform.ErrConflict
	case resp.StatusCode == http.StatusBadRequest:
		e.Kind = platform.ErrInvalid
	case resp.StatusCode == http.StatusUnauthorized:
		e.Message = "authentication failed: check the provider's username and password (or token)"
	case resp.StatusCode == http.StatusNotImplemented:
		e.Kind = platform.ErrUnsupported
	}
	return e
}

func setKey(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}
