// Package readcache is the per-run read cache the drivers share (DESIGN.md section 9):
// a refresh of N objects of one scope (an OpenFaaS namespace, or one Kubernetes kind in
// one namespace) costs one list request instead of N reads, and a read after a write in
// the same run never sees data from before the write.
//
// The provider process lives for one Terraform command, and so does each Driver and
// its Cache: nothing survives to the next command, so a change made outside Terraform
// between two commands is always seen.
//
// The rules, which both drivers rely on:
//
//   - The first read in a scope the provider has not written lists the scope (one
//     request however many readers ask at once, through singleflight), and every later
//     read of that scope is answered from that list, including the reads of child
//     resources that look into the same object.
//   - Invalidation is strict. Every write drops the object's cached answer and marks the
//     scope's list incomplete, before the request is sent and again once it has
//     returned (Invalidating), and a read that was in flight while a write ran is not
//     stored (the Token generations). Writes that may touch several objects of a scope
//     drop the whole scope (InvalidateScope).
//   - Once the provider has written in a scope, its misses read one object instead of
//     listing again: during an apply nearly every read follows a write, and a list per
//     read would cost a request of N objects each time.
//   - Errors and absences read one by one are never cached; absence from a complete
//     list is, until the next write in the scope.
//   - Aliased provider blocks may point at the same platform, so a write through one
//     Driver must invalidate the caches of every Driver of that endpoint in the process
//     (Registry). Terraform runs each provider block in a process of its own, though,
//     and no invalidation crosses processes: reads that Terraform may order after a
//     write through another block (data sources) carry platform.WithFreshReads, which
//     makes Get and List read the platform (and refresh the cache) instead of answering
//     from it.
//
// Values are handed out as clones (the Clone function given to New), so no caller
// shares maps or slices with the cache.
package readcache

import (
	"context"
	"strconv"
	"sync"
	"weak"

	"golang.org/x/sync/singleflight"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Cache holds the objects of type T read during one provider run, by scope and name.
// The zero value is not usable: call New.
type Cache[T any] struct {
	name   func(T) string
	clone  func(T) T
	mu     sync.Mutex
	scopes map[string]*scopeCache[T]
	flight singleflight.Group
}

// New returns an empty Cache. name gives an object's name within its scope; clone
// returns a deep copy of an object.
func New[T any](name func(T) string, clone func(T) T) *Cache[T] {
	return &Cache[T]{name: name, clone: clone, scopes: map[string]*scopeCache[T]{}}
}

// scopeCache is the cache of one scope.
type scopeCache[T any] struct {
	// gen counts every write in the scope; a list is stored only when it is unchanged.
	gen uint64
	// epoch counts scope-wide invalidations; objGen counts writes to each object. A
	// single read is stored only when both are unchanged.
	epoch  uint64
	objGen map[string]uint64
	// entries are the cached answers by name.
	entries map[string]T
	// complete: entries hold the whole scope as listed, so a missing name does not exist.
	complete bool
	// written: the provider wrote in this scope, so misses read one object.
	written bool
	// listFailed: a list of this scope failed (for example 403 where the identity may
	// get but not list), so misses read one object instead of failing a list each time.
	listFailed bool
}

// Token records the generations a read started at (Begin); a store with a stale token
// is dropped.
type Token struct {
	gen, epoch, objGen uint64
}

func (c *Cache[T]) scopeLocked(scope string) *scopeCache[T] {
	s, ok := c.scopes[scope]
	if !ok {
		s = &scopeCache[T]{objGen: map[string]uint64{}, entries: map[string]T{}}
		c.scopes[scope] = s
	}
	return s
}

// Lookup returns a clone of the cached answer for an object. known reports whether the
// cache answers at all: found, or known to be absent from a complete list.
func (c *Cache[T]) Lookup(scope, name string) (v T, found, known bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	if e, ok := s.entries[name]; ok {
		return c.clone(e), true, true
	}
	return v, false, s.complete
}

// Begin starts a read of one object, or of the whole scope when name is empty; pass the
// token to StoreOne or StoreList.
func (c *Cache[T]) Begin(scope, name string) Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	return Token{gen: s.gen, epoch: s.epoch, objGen: s.objGen[name]}
}

// Written reports whether the provider has written in the scope during this run.
func (c *Cache[T]) Written(scope string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scopeLocked(scope).written
}

// listsScope reports whether a miss in the scope should list it: the provider has not
// written in it and no list of it has failed.
func (c *Cache[T]) listsScope(scope string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	return !s.written && !s.listFailed
}

func (c *Cache[T]) setListFailed(scope string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scopeLocked(scope).listFailed = true
}

// StoreOne records the answer of a single read started at tok. exists false records
// that the object was not found: only its cached answer is dropped (absence read one by
// one is not cached).
func (c *Cache[T]) StoreOne(scope, name string, tok Token, v T, exists bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	if s.epoch != tok.epoch || s.objGen[name] != tok.objGen {
		return // a write ran while reading: the answer may predate it
	}
	if !exists {
		delete(s.entries, name)
		return
	}
	s.entries[name] = c.clone(v)
}

// StoreList records a list of the whole scope started at tok (Begin with no name).
func (c *Cache[T]) StoreList(scope string, tok Token, list []T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	if s.gen != tok.gen {
		return
	}
	s.entries = make(map[string]T, len(list))
	for _, v := range list {
		s.entries[c.name(v)] = c.clone(v)
	}
	s.complete = true
}

// CompleteList returns clones of the scope's objects when the cache holds a complete
// list of it.
func (c *Cache[T]) CompleteList(scope string) ([]T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	if !s.complete {
		return nil, false
	}
	out := make([]T, 0, len(s.entries))
	for _, e := range s.entries {
		out = append(out, c.clone(e))
	}
	return out, true
}

// Invalidate forgets what is cached about one object and that the scope's list is
// complete. Writers call it before sending a write and again once it has returned (see
// Invalidating).
func (c *Cache[T]) Invalidate(scope, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	s.gen++
	s.objGen[name]++
	delete(s.entries, name)
	s.complete, s.written = false, true
}

// InvalidateScope forgets everything cached about a scope.
func (c *Cache[T]) InvalidateScope(scope string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.scopeLocked(scope)
	s.gen++
	s.epoch++
	s.entries = map[string]T{}
	s.complete, s.written = false, true
}

// List returns the objects of a scope: from the cache when it holds a complete list,
// else from one call of fetch shared by every concurrent caller of the same scope, whose
// answer is stored unless a write ran meanwhile (with platform.WithFreshReads, fetch
// runs for this caller alone and its answer refreshes the cache). fetch runs without the caller's
// cancellation (another caller may be waiting for it); a cancelled caller stops waiting.
// The returned slice may be shared: callers must not modify it or its objects, and
// clone what they hand out.
func (c *Cache[T]) List(ctx context.Context, scope string, fetch func(context.Context) ([]T, error)) ([]T, error) {
	if platform.FreshReads(ctx) {
		tok := c.Begin(scope, "")
		list, err := fetch(ctx)
		if err != nil {
			return nil, err
		}
		c.StoreList(scope, tok, list)
		return list, nil
	}
	if list, ok := c.CompleteList(scope); ok {
		return list, nil
	}
	tok := c.Begin(scope, "")
	// Callers that start after a write must not share a list that started before it:
	// the scope's write generation is part of the key.
	key := scope + "\x00" + strconv.FormatUint(tok.gen, 10)
	ch := c.flight.DoChan(key, func() (any, error) {
		list, err := fetch(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		c.StoreList(scope, tok, list)
		return list, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]T), nil //nolint:forcetypeassert // the flight above only returns this type
	}
}

// Get is the read every refresh path uses: a clone of the object from the cache, else
// from one list of the scope (List) while the provider has not written in it, else from
// readOne. found is false, with a nil error, when the cache or the list says the object
// does not exist; readOne reports absence its own way (the platform's not-found error)
// and is expected to store what it reads (StoreOne). When the list fails, Get falls
// back to readOne, which reports the platform's own error if it fails too, and later
// misses in the scope read one object without trying to list again. With
// platform.WithFreshReads, Get calls readOne at once.
func (c *Cache[T]) Get(ctx context.Context, scope, name string, list func(context.Context) ([]T, error), readOne func(context.Context) (T, error)) (v T, found bool, err error) {
	if platform.FreshReads(ctx) {
		v, err = readOne(ctx)
		return v, err == nil, err
	}
	if e, found, known := c.Lookup(scope, name); known {
		return e, found, nil
	}
	if c.listsScope(scope) {
		objs, err := c.List(ctx, scope, list)
		if err == nil {
			for _, o := range objs {
				if c.name(o) == name {
					return c.clone(o), true, nil
				}
			}
			return v, false, nil
		}
		if ctx.Err() != nil {
			return v, false, err
		}
		c.setListFailed(scope)
	}
	v, err = readOne(ctx)
	if err != nil {
		return v, false, err
	}
	return v, true, nil
}

// Registry lists the live caches of the process by platform endpoint, so that a write
// through one Driver invalidates every Driver's cache of the same endpoint. Weak
// pointers let the caches of finished runs be collected (in-process test servers
// configure a Driver per command). The zero value is ready to use.
type Registry[T any] struct {
	mu         sync.Mutex
	byEndpoint map[string][]weak.Pointer[Cache[T]]
}

// Register adds a Driver's cache to the caches of its endpoint.
func (r *Registry[T]) Register(endpoint string, c *Cache[T]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byEndpoint == nil {
		r.byEndpoint = map[string][]weak.Pointer[Cache[T]]{}
	}
	r.byEndpoint[endpoint] = append(r.liveLocked(endpoint, nil), weak.Make(c))
}

// Peers returns the live caches of an endpoint.
func (r *Registry[T]) Peers(endpoint string) []*Cache[T] {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*Cache[T]
	kept := r.liveLocked(endpoint, func(c *Cache[T]) { out = append(out, c) })
	if r.byEndpoint != nil {
		r.byEndpoint[endpoint] = kept
	}
	return out
}

// liveLocked drops the collected caches of an endpoint, calling each for the live ones.
func (r *Registry[T]) liveLocked(endpoint string, each func(*Cache[T])) []weak.Pointer[Cache[T]] {
	var kept []weak.Pointer[Cache[T]]
	for _, p := range r.byEndpoint[endpoint] {
		if c := p.Value(); c != nil {
			kept = append(kept, p)
			if each != nil {
				each(c)
			}
		}
	}
	return kept
}

// Invalidating invalidates one object (or, with an empty name, the whole scope) in
// every cache of peers, and returns a function that does it again: call it before a
// write and defer the result, so that reads neither before nor during the write are
// trusted afterwards, whatever its outcome.
//
//	defer readcache.Invalidating(registry.Peers(endpoint), scope, name)()
func Invalidating[T any](peers []*Cache[T], scope, name string) func() {
	inv := func() {
		for _, c := range peers {
			if name == "" {
				c.InvalidateScope(scope)
			} else {
				c.Invalidate(scope, name)
			}
		}
	}
	inv()
	return inv
}
