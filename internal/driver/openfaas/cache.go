package openfaas

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"sort"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/readcache"
)

// Reads of function objects, and the per-run cache behind them (DESIGN.md section 9;
// the cache's rules are in package readcache, and its scopes here are namespaces).
//
// A refresh of N functions in one namespace costs one list request instead of N reads:
// the first read in a namespace the provider has not written lists the namespace
// (GET /system/functions, one request however many readers ask at once), and every
// later read of that namespace, including the scaling policy and trigger reads that
// look into the same function object, is answered from that list. The list returns
// exactly what GET /system/function/{name} returns for each function (faas-netes
// AsFunctionStatus and faasd both build the two answers the same way; FACTS.md
// section 5), plus invocationCount, which the driver does not use.
//
// Every write the driver sends (create, update, a child's read-modify-write, delete)
// marks the namespace written before the request is sent, and forgets the function
// before and after it; a write to a secret forgets the whole namespace. A read after a
// write therefore never sees data from before it. Once the provider has written in a
// namespace, its misses read one function (GET one) instead of listing again.
//
// Three kinds of read never use the cache: the read inside a read-modify-write (under
// the function's lock), the read-backs that resolve a create's ambiguous or conflicting
// outcome, and the polls that wait for a deletion. Readiness waits (platform.InWait)
// accept a cached answer only when it already reports the function ready: every cached
// answer was read after the provider's last write to that function, so a ready one is
// what the wait's first check would see; one that is not ready is never trusted and the
// platform is polled. Errors are never cached.

// readCache holds the function statuses read during one provider run, by namespace.
type readCache = readcache.Cache[*functionStatus]

// newReadCache returns an empty cache of function statuses.
func newReadCache() *readCache {
	return readcache.New(func(s *functionStatus) string { return s.Name }, (*functionStatus).clone)
}

// cachedStatus is the read every refresh path uses (ReadFunction and the children's
// reads): from the cache, else from one list of the namespace while the provider has not
// written in it, else from GET one.
func (d *Driver) cachedStatus(ctx context.Context, id platform.FunctionID) (*functionStatus, error) {
	st, found, err := d.cache.Get(ctx, id.Namespace, id.Name,
		func(ctx context.Context) ([]*functionStatus, error) { return d.listFromPlatform(ctx, id.Namespace) },
		d.getStatus(id))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, notFoundError(id)
	}
	return st, nil
}

// freshStatus reads one function from the platform (GET one), never from the cache,
// and caches the answer for later reads.
func (d *Driver) freshStatus(ctx context.Context, id platform.FunctionID) (*functionStatus, error) {
	return d.cache.Read(ctx, id.Namespace, id.Name, d.getStatus(id))
}

// getStatus returns the GET of one function, which the cache runs when it must read
// the gateway.
func (d *Driver) getStatus(id platform.FunctionID) func(context.Context) (*functionStatus, error) {
	return func(ctx context.Context) (*functionStatus, error) {
		var st functionStatus
		if err := d.getJSON(ctx, "/system/function/"+url.PathEscape(id.Name), url.Values{"namespace": {id.Namespace}}, &st); err != nil {
			return nil, err
		}
		if st.Namespace == "" {
			st.Namespace = id.Namespace
		}
		return &st, nil
	}
}

// listNamespace returns copies of the functions of a namespace, sorted by name, from
// this run's cache or one list request.
func (d *Driver) listNamespace(ctx context.Context, ns string) ([]functionStatus, error) {
	shared, err := d.cache.List(ctx, ns, func(ctx context.Context) ([]*functionStatus, error) { return d.listFromPlatform(ctx, ns) })
	if err != nil {
		return nil, err
	}
	out := make([]functionStatus, len(shared))
	for i := range shared {
		out[i] = *shared[i].clone()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// listFromPlatform lists a namespace with GET /system/functions, never from the cache.
func (d *Driver) listFromPlatform(ctx context.Context, ns string) ([]*functionStatus, error) {
	var list []functionStatus
	if err := d.getJSON(ctx, "/system/functions", url.Values{"namespace": {ns}}, &list); err != nil {
		return nil, fmt.Errorf("listing functions in %q: %w", ns, err)
	}
	out := make([]*functionStatus, len(list))
	for i := range list {
		if list[i].Namespace == "" {
			list[i].Namespace = ns
		}
		out[i] = &list[i]
	}
	return out, nil
}

// notFoundError reports a function missing from its namespace's list, as the 404 of
// GET /system/function/{name} would.
func notFoundError(id platform.FunctionID) error {
	return &platform.APIError{Method: http.MethodGet, Path: "/system/functions?namespace=" + url.QueryEscape(id.Namespace),
		StatusCode: http.StatusNotFound, Kind: platform.ErrNotFound,
		Message: fmt.Sprintf("function %q is not in the list of namespace %q", id.Name, id.Namespace)}
}

// clone returns a deep copy, so that no caller shares maps or slices with the cache.
func (s *functionStatus) clone() *functionStatus {
	c := *s
	c.EnvVars = maps.Clone(s.EnvVars)
	c.Labels = maps.Clone(s.Labels)
	c.Annotations = maps.Clone(s.Annotations)
	c.Constraints = append([]string(nil), s.Constraints...)
	c.Secrets = append([]string(nil), s.Secrets...)
	if s.Limits != nil {
		l := *s.Limits
		c.Limits = &l
	}
	if s.Requests != nil {
		r := *s.Requests
		c.Requests = &r
	}
	return &c
}

// write sends a write to one function object, forgetting its cached reads before the
// request is sent and again once it has returned, whatever the outcome.
func (d *Driver) write(ctx context.Context, id platform.FunctionID, req httpclient.Request) (*httpclient.Response, error) {
	defer d.cache.Writing(id.Namespace, id.Name)()
	return d.client.Do(ctx, req)
}

// writeSecret sends a write to a secret, forgetting every cached read of its namespace
// before and after (the cache does not know which functions mount the secret).
func (d *Driver) writeSecret(ctx context.Context, ns string, req httpclient.Request) (*httpclient.Response, error) {
	defer d.cache.Writing(ns, "")()
	return d.client.Do(ctx, req)
}
