package knative

import (
	"context"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/readcache"
)

// Reads of Services and child objects, and the per-run cache behind them (DESIGN.md
// section 9; the rules are in package readcache). A scope is one kind in one namespace
// ("services.serving.knative.dev/default"), so a refresh of N functions, each with a
// scaling policy (annotations of the same Service), a cron trigger (a PingSource) and a
// route (a DomainMapping), costs one list per kind and namespace instead of 3N reads.
//
// Every write goes through the ResourceInterface that client and services return,
// which marks the scope written and forgets the object before the request is sent and
// again once it has returned, so no write can bypass the cache. Deleting a Service also
// forgets the namespace's child kinds: the Kubernetes garbage collector may delete
// objects that name it as their owner.
//
// Reads that never use the cache: read-modify-writes and the read-backs of ambiguous
// creates (they call Get on the client directly), readiness polls of child objects, and
// the polls that wait for a deletion. Readiness waits of functions (platform.InWait)
// accept a cached Service only when it already reports the current generation ready.
// Secrets are never cached: a list of a namespace's Secrets would hold every secret's
// data in memory, including those Terraform does not manage.

// objectCache holds the objects read during one provider run.
type objectCache = readcache.Cache[*unstructured.Unstructured]

func newObjectCache() *objectCache {
	return readcache.New((*unstructured.Unstructured).GetName, (*unstructured.Unstructured).DeepCopy)
}

// cachedKinds are the kinds whose reads the cache answers.
var cachedKinds = []schema.GroupVersionResource{servicesGVR, pingSourcesGVR, triggersGVR, domainMappingsGVR, revisionsGVR}

// scopeOf is the cache scope of a kind in a namespace.
func scopeOf(gvr schema.GroupVersionResource, ns string) string {
	return gvr.GroupResource().String() + "/" + ns
}

// cachedGet reads one object for a refresh or a plan-time check: from this run's cache,
// one list of its kind in its namespace while the provider has not written there, or a
// GET of the object. Absence is the API server's NotFound error, as from Get.
func (d *Driver) cachedGet(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	u, found, err := d.cache.Get(ctx, scopeOf(gvr, ns), name,
		func(ctx context.Context) ([]*unstructured.Unstructured, error) { return d.listFromServer(ctx, gvr, ns) },
		d.getFromServer(gvr, ns, name))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, apierrors.NewNotFound(gvr.GroupResource(), name)
	}
	return u, nil
}

// freshGet reads one object from the API server, never from the cache, and caches the
// answer for later reads.
func (d *Driver) freshGet(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	return d.cache.Read(ctx, scopeOf(gvr, ns), name, d.getFromServer(gvr, ns, name))
}

// getFromServer returns the GET of one object, which the cache runs when it must read
// the API server.
func (d *Driver) getFromServer(gvr schema.GroupVersionResource, ns, name string) func(context.Context) (*unstructured.Unstructured, error) {
	return func(ctx context.Context) (*unstructured.Unstructured, error) {
		return d.client(gvr, ns).Get(ctx, name, metav1.GetOptions{})
	}
}

// cachedList returns the objects of a kind in a namespace from this run's cache or one
// list request. The objects may be shared with the cache: callers must not modify them.
func (d *Driver) cachedList(ctx context.Context, gvr schema.GroupVersionResource, ns string) ([]*unstructured.Unstructured, error) {
	return d.cache.List(ctx, scopeOf(gvr, ns), func(ctx context.Context) ([]*unstructured.Unstructured, error) {
		return d.listFromServer(ctx, gvr, ns)
	})
}

// listFromServer lists a kind in a namespace, never from the cache.
func (d *Driver) listFromServer(ctx context.Context, gvr schema.GroupVersionResource, ns string) ([]*unstructured.Unstructured, error) {
	list, err := d.client(gvr, ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing %s in %q: %w", gvr.Resource, ns, d.apiError(http.MethodGet, collectionPath(gvr, ns), err))
	}
	out := make([]*unstructured.Unstructured, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

// invalidatingResource is a dynamic.ResourceInterface whose writes mark their scope
// written and forget the object they write, before and after the request. Reads pass
// through untouched (uncached).
type invalidatingResource struct {
	dynamic.ResourceInterface
	d   *Driver
	gvr schema.GroupVersionResource
	ns  string
}

// around forgets name (or the whole scope when name is empty) and returns the function
// that forgets it again. A write of a Service also forgets the namespace's revisions:
// a template change makes Knative create a revision that a list read before the write
// does not hold (revisions.go).
func (r invalidatingResource) around(name string) func() {
	again := r.d.cache.Writing(scopeOf(r.gvr, r.ns), name)
	if r.gvr != servicesGVR {
		return again
	}
	revs := r.d.cache.Writing(scopeOf(revisionsGVR, r.ns), "")
	return func() { again(); revs() }
}

// Create implements dynamic.ResourceInterface.
func (r invalidatingResource) Create(ctx context.Context, obj *unstructured.Unstructured, options metav1.CreateOptions, subresources ...string) (*unstructured.Unstructured, error) {
	defer r.around(obj.GetName())()
	return r.ResourceInterface.Create(ctx, obj, options, subresources...)
}

// Update implements dynamic.ResourceInterface.
func (r invalidatingResource) Update(ctx context.Context, obj *unstructured.Unstructured, options metav1.UpdateOptions, subresources ...string) (*unstructured.Unstructured, error) {
	defer r.around(obj.GetName())()
	return r.ResourceInterface.Update(ctx, obj, options, subresources...)
}

// UpdateStatus implements dynamic.ResourceInterface.
func (r invalidatingResource) UpdateStatus(ctx context.Context, obj *unstructured.Unstructured, options metav1.UpdateOptions) (*unstructured.Unstructured, error) {
	defer r.around(obj.GetName())()
	return r.ResourceInterface.UpdateStatus(ctx, obj, options)
}

// Delete implements dynamic.ResourceInterface. Deleting a Service also drops the
// namespace's cached child kinds: the garbage collector may delete objects it owns.
func (r invalidatingResource) Delete(ctx context.Context, name string, options metav1.DeleteOptions, subresources ...string) error {
	defer r.around(name)()
	if r.gvr == servicesGVR {
		for _, k := range cachedKinds {
			if k != servicesGVR {
				defer r.d.cache.Writing(scopeOf(k, r.ns), "")()
			}
		}
	}
	return r.ResourceInterface.Delete(ctx, name, options, subresources...)
}

// DeleteCollection implements dynamic.ResourceInterface.
func (r invalidatingResource) DeleteCollection(ctx context.Context, options metav1.DeleteOptions, listOptions metav1.ListOptions) error {
	defer r.around("")()
	return r.ResourceInterface.DeleteCollection(ctx, options, listOptions)
}

// Patch implements dynamic.ResourceInterface.
func (r invalidatingResource) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, options metav1.PatchOptions, subresources ...string) (*unstructured.Unstructured, error) {
	defer r.around(name)()
	return r.ResourceInterface.Patch(ctx, name, pt, data, options, subresources...)
}

// Apply implements dynamic.ResourceInterface.
func (r invalidatingResource) Apply(ctx context.Context, name string, obj *unstructured.Unstructured, options metav1.ApplyOptions, subresources ...string) (*unstructured.Unstructured, error) {
	defer r.around(name)()
	return r.ResourceInterface.Apply(ctx, name, obj, options, subresources...)
}

// ApplyStatus implements dynamic.ResourceInterface.
func (r invalidatingResource) ApplyStatus(ctx context.Context, name string, obj *unstructured.Unstructured, options metav1.ApplyOptions) (*unstructured.Unstructured, error) {
	defer r.around(name)()
	return r.ResourceInterface.ApplyStatus(ctx, name, obj, options)
}

// readService is ReadFunction's read: cached, except that inside a readiness wait only a
// cached answer that is already ready is trusted.
func (d *Driver) readService(ctx context.Context, id platform.FunctionID) (*unstructured.Unstructured, error) {
	if platform.InWait(ctx) {
		if u, found := d.cache.Lookup(scopeOf(servicesGVR, id.Namespace), id.Name); found && !platform.FreshReads(ctx) {
			if s, err := toService(u); err == nil {
				if bad, _ := failed(s); !bad && statusFrom(s).Ready {
					return u, nil
				}
			}
		}
		return d.freshGet(ctx, servicesGVR, id.Namespace, id.Name)
	}
	return d.cachedGet(ctx, servicesGVR, id.Namespace, id.Name)
}
