// Package openfaas is the OpenFaaS driver: it maps the neutral platform model onto the
// OpenFaaS gateway REST API (faas-netes and faasd backends, Community Edition and Pro),
// following platforms.md section 2 and the gateway OpenAPI spec.
package openfaas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// DefaultNamespace is the OpenFaaS function namespace when none is configured.
const DefaultNamespace = "openfaas-fn"

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

var _ platform.Driver = (*Driver)(nil)

// New returns a Driver. It does not contact the gateway: detection happens on first use.
func New(cfg Config) *Driver {
	ns := cfg.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	d := &Driver{client: cfg.Client, namespace: ns, edition: cfg.Edition, cache: newReadCache()}
	caches.Register(d.identity(), d.cache)
	return d
}

// DefaultNamespace implements platform.Driver.
func (d *Driver) DefaultNamespace() string { return d.namespace }

func (d *Driver) endpoint() string { return d.client.BaseURL().String() }

// identity names the gateway for the per-function locks and the read caches: the
// endpoint with the scheme and host in lower case and without a trailing slash, so that
// two spellings of one gateway URL share them.
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

// capabilities lists what each backend and edition honours (platforms.md sections 2.7,
// 2.8 and 7).
func capabilities(backend, edition string) platform.Capabilities {
	c := platform.Capabilities{Supported: []string{
		"faas_function", "faas_function.command", "faas_function.env", "faas_function.secrets",
		"faas_function.labels", "faas_function.annotations", "faas_function.limits.memory",
		"faas_function.timeout", "faas_function.max_concurrency", "faas_function.read_only_root_filesystem",
		"faas_secret", "faas_trigger.cron", "faas_trigger.topic",
	}}
	if backend == BackendFaasNetes {
		c.Supported = append(c.Supported, "faas_function.limits.cpu", "faas_function.requests", "faas_scaling_policy")
		c.ScalingMetrics = []string{}
		c.MaxReplicas = 5
		if edition == EditionPro {
			c.Supported = append(c.Supported, "faas_function.image_pull_secrets", "faas_function.openfaas.constraints",
				"faas_function.namespace.multiple", "faas_scaling_policy.metric", "faas_scaling_policy.scale_to_zero",
				"faas_trigger.topic.multiple", "faas_trigger.cron_and_topic")
			c.MaxReplicas = 0
			c.ScalingMetrics = []string{"rps", "concurrency", "cpu"}
		}
	}
	if backend == BackendFaasd {
		c.MaxReplicas = 1 // one container per function
	}
	if backend == BackendFaasd && edition == EditionPro {
		c.Supported = append(c.Supported, "faas_function.namespace.multiple", "faas_trigger.topic.multiple", "faas_trigger.cron_and_topic")
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
	add := func(attr, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Reason: reason, Instead: instead})
	}
	caps := info.Capabilities
	for _, field := range []struct {
		attr string
		list []string
	}{{"command", fn.Command}, {"args", fn.Args}} {
		attr := field.attr
		for i, e := range field.list {
			if e == "" || strings.ContainsAny(e, " \t\r\n") {
				add(fmt.Sprintf("%s[%d]", attr, i), fmt.Sprintf("%q is empty or contains whitespace, but OpenFaaS joins command and args with spaces into the watchdog's fprocess, so it would split into several words", e), "Write each word as its own element")
			}
		}
	}
	reserved := func(attr, key, owner string) {
		out = append(out, &platform.UnsupportedError{
			Attribute: fmt.Sprintf("%s[%q]", attr, key), Platform: info.Describe(), Summary: "Reserved key",
			Reason: fmt.Sprintf("the key %q is owned by %s", key, owner), Instead: "Remove it from " + attr,
		})
	}
	for _, k := range sortedKeys(fn.Env) {
		if owner := ReservedEnvOwner(k); owner != "" {
			reserved("env", k, "the faas_function attribute "+owner+" (the OpenFaaS watchdog reads it)")
		}
	}
	for _, k := range sortedKeys(fn.Labels) {
		if owner := ReservedLabelOwner(k); owner != "" {
			reserved("labels", k, owner)
		}
	}
	for _, k := range sortedKeys(fn.Annotations) {
		if owner := ReservedAnnotationOwner(k); owner != "" {
			reserved("annotations", k, owner)
		}
	}
	if len(fn.ImagePullSecrets) > 0 && !caps.Has("faas_function.image_pull_secrets") {
		if info.Backend == BackendFaasd {
			add("image_pull_secrets", "faasd reads registry credentials from /var/lib/faasd/.docker/config.json on the host, not per function", "Remove image_pull_secrets and configure the credentials on the faasd host")
		} else {
			add("image_pull_secrets", "private registries are an OpenFaaS Standard/Enterprise feature; the Community Edition only deploys public images", "Use a public image, or OpenFaaS Pro")
		}
	}
	if len(fn.Constraints) > 0 && !caps.Has("faas_function.openfaas.constraints") {
		if info.Backend == BackendFaasd {
			add("openfaas.constraints", "faasd runs every function on its single host", "Remove the constraints")
		} else {
			add("openfaas.constraints", "faas-netes CE ignores constraints (it deploys with an empty node selector), so they would be silently dropped", "Remove the constraints, or use OpenFaaS Pro")
		}
	}
	if fn.Limits.CPU != "" && !caps.Has("faas_function.limits.cpu") {
		add("limits.cpu", "faasd applies only a memory limit to a function's container", "Remove limits.cpu")
	}
	if !fn.Requests.IsZero() && !caps.Has("faas_function.requests") {
		add("requests", "faasd does not reserve resources for a function's container", "Remove requests")
	}
	if info.Backend == BackendFaasd {
		if _, ok := fn.Env["PATH"]; ok {
			reserved("env", "PATH", "faasd (it sets PATH in the container and never returns it, so the value could not be read back)")
		}
	}
	if fn.ID.Namespace != "" && fn.ID.Namespace != d.namespace && !caps.Has("faas_function.namespace.multiple") {
		add("namespace", fmt.Sprintf("the Community Edition serves a single function namespace, %q", d.namespace), "Leave namespace unset, or set it to "+fmt.Sprintf("%q", d.namespace))
	}
	return out, nil
}

// CreateFunction implements platform.Driver. It POSTs once; an ambiguous outcome (the
// connection dropped after sending, or a proxy timed out) is resolved by reading back:
// a function carrying this create's token is adopted, a missing one is created again,
// and any other is reported as already existing (design.md section 6).
func (d *Driver) CreateFunction(ctx context.Context, fn *platform.Function) (*platform.Function, error) {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.identity(), fn.ID))
	defer unlock()
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	token := newToken()
	body := toWire(fn, token)
	ambiguous := false
	for attempt := 0; ; attempt++ {
		resp, err := d.write(ctx, fn.ID, httpclient.Request{Method: http.MethodPost, Path: "/system/functions", Body: body, NotIdempotent: true})
		var amb *httpclient.AmbiguousError
		if errors.As(err, &amb) {
			ambiguous = true
			st, rerr := d.freshStatus(ctx, fn.ID)
			switch {
			case rerr == nil && createdBy(st, token):
				return fromWire(st, info, d.endpoint()), nil
			case rerr == nil:
				return nil, alreadyExists(fn.ID)
			case errors.Is(rerr, platform.ErrNotFound) && attempt < 3:
				continue
			case errors.Is(rerr, platform.ErrNotFound):
				return nil, fmt.Errorf("creating function %s: %w", fn.ID, err)
			default:
				return nil, fmt.Errorf("creating function %s: %w; reading it back also failed: %w", fn.ID, err, rerr)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("creating function %s: %w", fn.ID, err)
		}
		if isSuccess(resp.StatusCode) {
			break
		}
		apiErr := d.apiError(http.MethodPost, "/system/functions", resp)
		if errors.Is(apiErr, platform.ErrConflict) {
			if st, rerr := d.freshStatus(ctx, fn.ID); rerr == nil {
				// Ours: this create's earlier attempt, or a create of the same configuration
				// by this provider whose run was interrupted before it was recorded in
				// state (the provider killed mid-apply). Anything else is not taken over.
				if (ambiguous && createdBy(st, token)) || sameRecordedConfig(st, fn, info, d.endpoint()) {
					tflog.Info(ctx, "adopting a function this provider created with the same configuration", map[string]any{"id": fn.ID.String()})
					return fromWire(st, info, d.endpoint()), nil
				}
			}
			return nil, fmt.Errorf("%w (the platform said: %s)", alreadyExists(fn.ID), apiErr.(*platform.APIError).Message) //nolint:forcetypeassert // apiError always returns *platform.APIError
		}
		return nil, fmt.Errorf("creating function %s: %w", fn.ID, d.explain(apiErr))
	}
	got, err := d.ReadFunction(ctx, fn.ID)
	if err != nil {
		// The function exists: return what was sent, so that it is recorded in state
		// (tainted) rather than orphaned.
		sent := *fn
		sent.Status = platform.FunctionStatus{InvokeURL: invokeURL(d.endpoint(), fn.ID)}
		return &sent, fmt.Errorf("function %s was created, but reading it back failed: %w", fn.ID, err)
	}
	return got, nil
}

func invokeURL(endpoint string, id platform.FunctionID) string {
	return strings.TrimSuffix(endpoint, "/") + "/function/" + id.Name + "." + id.Namespace
}

func alreadyExists(id platform.FunctionID) error {
	return fmt.Errorf("function %s already exists on the platform and is not managed by this resource (%w). %s", id, platform.ErrConflict, platform.ImportHint(id.String()))
}

// sameRecordedConfig reports a function that carries this provider's last-applied
// record and whose every setting equals fn's.
func sameRecordedConfig(st *functionStatus, fn *platform.Function, info platform.Info, endpoint string) bool {
	if _, ok := decodeLastApplied(st.Annotations[LastAppliedAnnotation]); !ok {
		return false
	}
	return sameFunction(fromWire(st, info, endpoint), fn)
}

// sameFunction compares the settings of two functions, ignoring status, the order of
// sets and the difference between empty and absent.
func sameFunction(a, b *platform.Function) bool {
	norm := func(f *platform.Function) platform.Function {
		c := *f
		c.Status = platform.FunctionStatus{}
		c.Secrets, c.ImagePullSecrets, c.Constraints = sortedCopy(c.Secrets), sortedCopy(c.ImagePullSecrets), sortedCopy(c.Constraints)
		for _, p := range []*[]string{&c.Command, &c.Args} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		for _, m := range []*map[string]string{&c.Env, &c.Labels, &c.Annotations} {
			if len(*m) == 0 {
				*m = nil
			}
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func createdBy(st *functionStatus, token string) bool {
	la, ok := decodeLastApplied(st.Annotations[LastAppliedAnnotation])
	return ok && la.Token == token
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
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	if platform.InWait(ctx) {
		if st, found, _ := d.cache.Lookup(id.Namespace, id.Name); found && !platform.FreshReads(ctx) {
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
	err := d.modify(ctx, fn.ID, false, func(cur *functionDeployment) error {
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
// when mutate leaves it unchanged. Child resources use it for the keys they own.
func (d *Driver) Modify(ctx context.Context, id platform.FunctionID, mutate func(cur *functionDeployment) error) error {
	return d.modify(ctx, id, true, mutate)
}

func (d *Driver) modify(ctx context.Context, id platform.FunctionID, requireRecord bool, mutate func(cur *functionDeployment) error) error {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.identity(), id))
	defer unlock()
	// Never from the cache: the write must start from what the platform holds now.
	st, err := d.freshStatus(ctx, id)
	if err != nil {
		return err
	}
	cur, complete := deploymentFromStatus(st)
	if requireRecord && !complete {
		return fmt.Errorf("function %s was deployed outside Terraform and faas-netes does not return its environment variables, so writing it would drop them; apply a faas_function that manages it first, so that the provider records them: %w", id, platform.ErrUnsupported)
	}
	before, _ := json.Marshal(cur)
	if err := mutate(&cur); err != nil {
		return err
	}
	after, _ := json.Marshal(cur)
	if string(before) == string(after) {
		return nil
	}
	resp, err := d.write(ctx, id, httpclient.Request{Method: http.MethodPut, Path: "/system/functions", Body: cur})
	if err != nil {
		return err
	}
	if !isSuccess(resp.StatusCode) {
		return d.apiError(http.MethodPut, "/system/functions", resp)
	}
	return nil
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
	// go-sdk treats 200, 201 and 202 alike (platforms.md 2.4); faasd answers 200, faas-netes 202.
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
