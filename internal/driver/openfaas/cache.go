package openfaas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"weak"

	"golang.org/x/sync/singleflight"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Reads of function objects, and the per-run cache behind them (design.md section 9).
//
// The provider process lives for one Terraform command, and so does its Driver: the
// cache lives as long as one plan, apply or refresh, and nothing survives to the next
// command, so a change made outside Terraform between two commands is always seen.
//
// A refresh of N functions in one namespace costs one list request instead of N reads:
// the first read in a namespace the provider has not written lists the namespace
// (GET /system/functions, one request however many readers ask at once), and every
// later read of that namespace, including the scaling policy and trigger reads that
// look into the same function object, is answered from that list. The list returns
// exactly what GET /system/function/{name} returns for each function (faas-netes
// AsFunctionStatus and faasd both build the two answers the same way; platforms.md
// 2.5), plus invocationCount, which the driver does not use.
//
// Invalidation is strict. Every write the driver sends (create, update, a child's
// read-modify-write, delete) drops the function's cached answer and marks the
// namespace's list incomplete, before the request is sent and again once it has
// returned, and a read that was in flight while a write ran is not stored. A read after
// a write therefore never sees data from before it. Once the provider has written in a
// namespace, its cache misses read one function (GET one) instead of listing again:
// during an apply nearly every read follows a write, and a list per read would cost a
// request of N functions each time. Writes to secrets invalidate the whole namespace.
//
// Aliased provider blocks may point at the same gateway (as platform.FunctionLocks
// assumes), so a write through one Driver invalidates the caches of every Driver in the
// process that talks to the same endpoint URL.
//
// Three kinds of read never use the cache: the read inside a read-modify-write (under
// the function's lock), the read-backs that resolve a create's ambiguous or conflicting
// outcome, and the polls that wait for a deletion. Readiness waits (platform.InWait) accept a cached answer only
// when it already reports the function ready: every cached answer was read after the
// provider's last write to that function, so a ready one is what the wait's first check
// would see; one that is not ready is never trusted and the platform is polled. Errors
// are never cached.

// readCache holds the function statuses read during one provider run.
type readCache struct {
	mu     sync.Mutex
	ns     map[string]*nsCache
	flight singleflight.Group
}

// nsCache is the cache of one namespace.
type nsCache struct {
	// gen counts every write in the namespace; a list is stored only when it is unchanged.
	gen uint64
	// epoch counts namespace-wide invalidations; fnGen counts writes to each function.
	// A single read is stored only when both are unchanged.
	epoch uint64
	fnGen map[string]uint64
	// entries are the cached answers by function name.
	entries map[string]*functionStatus
	// complete: entries hold the whole namespace as listed, so a missing name does not exist.
	complete bool
	// written: the provider wrote in this namespace, so misses read one function.
	written bool
}

// readToken records the generations a read started at.
type readToken struct {
	gen, epoch, fnGen uint64
}

func (c *readCache) nsLocked(ns string) *nsCache {
	if c.ns == nil {
		c.ns = map[string]*nsCache{}
	}
	n, ok := c.ns[ns]
	if !ok {
		n = &nsCache{fnGen: map[string]uint64{}, entries: map[string]*functionStatus{}}
		c.ns[ns] = n
	}
	return n
}

// lookup returns a copy of the cached answer for a function. known reports whether the
// cache answers at all: found, or known to be absent from a complete list.
func (c *readCache) lookup(id platform.FunctionID) (st *functionStatus, found, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(id.Namespace)
	if e, ok := n.entries[id.Name]; ok {
		return e.clone(), true, true
	}
	return nil, false, n.complete
}

// begin starts a read of one function, or of the namespace when name is empty.
func (c *readCache) begin(ns, name string) readToken {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(ns)
	return readToken{gen: n.gen, epoch: n.epoch, fnGen: n.fnGen[name]}
}

// written reports whether the provider has written in the namespace during this run.
func (c *readCache) written(ns string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nsLocked(ns).written
}

// storeOne records the answer of a single read started at tok; nil records that the
// function does not exist (only its cached answer is dropped: absence is not cached).
func (c *readCache) storeOne(id platform.FunctionID, tok readToken, st *functionStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(id.Namespace)
	if n.epoch != tok.epoch || n.fnGen[id.Name] != tok.fnGen {
		return // a write ran while reading: the answer may predate it
	}
	if st == nil {
		delete(n.entries, id.Name)
		return
	}
	n.entries[id.Name] = st.clone()
}

// storeList records a list of the namespace started at tok.
func (c *readCache) storeList(ns string, tok readToken, list []functionStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(ns)
	if n.gen != tok.gen {
		return
	}
	n.entries = make(map[string]*functionStatus, len(list))
	for i := range list {
		n.entries[list[i].Name] = list[i].clone()
	}
	n.complete = true
}

// invalidate forgets what is cached about one function and that the namespace's list is
// complete. Writers call it before sending a write and again once it has returned.
func (c *readCache) invalidate(id platform.FunctionID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(id.Namespace)
	n.gen++
	n.fnGen[id.Name]++
	delete(n.entries, id.Name)
	n.complete, n.written = false, true
}

// invalidateNamespace forgets everything cached about a namespace.
func (c *readCache) invalidateNamespace(ns string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(ns)
	n.gen++
	n.epoch++
	n.entries = map[string]*functionStatus{}
	n.complete, n.written = false, true
}

// cachedStatus is the read every refresh path uses (ReadFunction and the children's
// reads): from the cache, else from one list of the namespace while the provider has not
// written in it, else from GET one.
func (d *Driver) cachedStatus(ctx context.Context, id platform.FunctionID) (*functionStatus, error) {
	if st, found, known := d.cache.lookup(id); known {
		if !found {
			return nil, notFoundError(id)
		}
		return st, nil
	}
	if !d.cache.written(id.Namespace) {
		list, err := d.fetchList(ctx, id.Namespace)
		if err == nil {
			for i := range list {
				if list[i].Name == id.Name {
					return list[i].clone(), nil
				}
			}
			return nil, notFoundError(id)
		}
		if ctx.Err() != nil {
			return nil, err
		}
		// The list failed: fall back to reading the one function, which reports the
		// platform's own error if it fails too.
	}
	return d.freshStatus(ctx, id)
}

// freshStatus reads one function from the platform (GET one), never from the cache,
// and caches the answer for later reads.
func (d *Driver) freshStatus(ctx context.Context, id platform.FunctionID) (*functionStatus, error) {
	tok := d.cache.begin(id.Namespace, id.Name)
	var st functionStatus
	if err := d.getJSON(ctx, "/system/function/"+url.PathEscape(id.Name), url.Values{"namespace": {id.Namespace}}, &st); err != nil {
		if errors.Is(err, platform.ErrNotFound) {
			d.cache.storeOne(id, tok, nil)
		}
		return nil, err
	}
	if st.Namespace == "" {
		st.Namespace = id.Namespace
	}
	d.cache.storeOne(id, tok, &st)
	return &st, nil
}

// listNamespace returns copies of the functions of a namespace, sorted by name.
func (d *Driver) listNamespace(ctx context.Context, ns string) ([]functionStatus, error) {
	shared, err := d.fetchList(ctx, ns)
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

// fetchList returns the functions of a namespace from the cache when it holds a complete
// list, else from one GET /system/functions shared by every concurrent caller. The slice
// may be shared: callers must not modify it, and clone what they hand out.
func (d *Driver) fetchList(ctx context.Context, ns string) ([]functionStatus, error) {
	if list, ok := d.cache.completeList(ns); ok {
		return list, nil
	}
	tok := d.cache.begin(ns, "")
	// Callers that start after a write must not share a list that started before it:
	// the namespace's write generation is part of the key.
	key := ns + "\x00" + strconv.FormatUint(tok.gen, 10)
	ch := d.cache.flight.DoChan(key, func() (any, error) {
		// Shared by every waiting caller: one caller's cancellation must not fail the others.
		var list []functionStatus
		if err := d.getJSON(context.WithoutCancel(ctx), "/system/functions", url.Values{"namespace": {ns}}, &list); err != nil {
			return nil, fmt.Errorf("listing functions in %q: %w", ns, err)
		}
		for i := range list {
			if list[i].Namespace == "" {
				list[i].Namespace = ns
			}
		}
		d.cache.storeList(ns, tok, list)
		return list, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]functionStatus), nil //nolint:forcetypeassert // the flight above only returns this type
	}
}

// completeList returns copies of a complete cached list.
func (c *readCache) completeList(ns string) ([]functionStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.nsLocked(ns)
	if !n.complete {
		return nil, false
	}
	out := make([]functionStatus, 0, len(n.entries))
	for _, e := range n.entries {
		out = append(out, *e.clone())
	}
	return out, true
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
	c.EnvVars = cloneMap(s.EnvVars)
	c.Labels = cloneMap(s.Labels)
	c.Annotations = cloneMap(s.Annotations)
	c.Constraints = cloneSlice(s.Constraints)
	c.Secrets = cloneSlice(s.Secrets)
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

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func cloneSlice(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// write sends a write to one function object, invalidating its cached reads in every
// Driver of this endpoint before the request is sent and again once it has returned,
// whatever the outcome.
func (d *Driver) write(ctx context.Context, id platform.FunctionID, req httpclient.Request) (*httpclient.Response, error) {
	peers := peerCaches(d.endpoint())
	for _, c := range peers {
		c.invalidate(id)
	}
	defer func() {
		for _, c := range peers {
			c.invalidate(id)
		}
	}()
	return d.client.Do(ctx, req)
}

// writeSecret sends a write to a secret, invalidating every cached read of its namespace
// in every Driver of this endpoint, before and after.
func (d *Driver) writeSecret(ctx context.Context, ns string, req httpclient.Request) (*httpclient.Response, error) {
	peers := peerCaches(d.endpoint())
	for _, c := range peers {
		c.invalidateNamespace(ns)
	}
	defer func() {
		for _, c := range peers {
			c.invalidateNamespace(ns)
		}
	}()
	return d.client.Do(ctx, req)
}

// caches lists the read caches of this process's Drivers by endpoint. Weak pointers let
// the caches of finished runs (in-process test servers configure a Driver per command)
// be collected.
var caches struct {
	mu         sync.Mutex
	byEndpoint map[string][]weak.Pointer[readCache]
}

// registerCache adds a Driver's cache to the caches of its endpoint.
func registerCache(endpoint string, c *readCache) {
	caches.mu.Lock()
	defer caches.mu.Unlock()
	if caches.byEndpoint == nil {
		caches.byEndpoint = map[string][]weak.Pointer[readCache]{}
	}
	caches.byEndpoint[endpoint] = append(liveCaches(endpoint, nil), weak.Make(c))
}

// peerCaches returns the live caches of an endpoint.
func peerCaches(endpoint string) []*readCache {
	caches.mu.Lock()
	defer caches.mu.Unlock()
	var out []*readCache
	caches.byEndpoint[endpoint] = liveCaches(endpoint, func(c *readCache) { out = append(out, c) })
	return out
}

// liveCaches drops the collected caches of an endpoint, calling each for the live ones.
// The caller holds caches.mu.
func liveCaches(endpoint string, each func(*readCache)) []weak.Pointer[readCache] {
	var kept []weak.Pointer[readCache]
	for _, p := range caches.byEndpoint[endpoint] {
		if c := p.Value(); c != nil {
			kept = append(kept, p)
			if each != nil {
				each(c)
			}
		}
	}
	return kept
}
