// Package readcache is the per-run read cache the drivers share (DESIGN.md section 9):
// a refresh of N objects of one scope (an OpenFaaS namespace, or one Kubernetes kind in
// one namespace) costs one list request instead of N reads, and a read after a write
// never sees data from before the write.
//
// A Cache belongs to one Driver, and a Driver to one provider process, which Terraform
// starts for one provider block and one command. So nothing survives to the next
// command, and no other provider block shares the cache: a write through another block
// is invisible here whatever this package does, which is why data sources read with
// platform.WithFreshReads.
//
// The rules:
//
//   - While the provider has not written in a scope, the first read lists it (once,
//     however many readers ask at the same time) and later reads are answered from the
//     list, a name missing from it included.
//   - A write marks its scope written, for the rest of the process, before the request
//     is sent. From then on the scope is never listed again and its list is never
//     trusted for a name it lacks: a list that was in flight during the write cannot
//     be served after it.
//   - In a written scope a miss reads the one object. That answer is kept until the
//     next write to the object starts, unless a write to it overlapped the read: during
//     an apply, a child's checks and waits read the function its parent has just read,
//     and reading it again each time would cost a request per read.
//   - Errors are never kept, and neither is an absence read one object at a time. A
//     failed read or list makes the scope behave as written, so that each miss costs
//     one read, and not a failed list first nor an answer from a list that the failure
//     may contradict.
//
// Answers are handed out as clones (the clone function given to New), so no caller
// shares maps or slices with the cache.
package readcache

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Cache holds the objects of type T read during one provider run, by scope and name.
// The zero value is not usable: call New.
type Cache[T any] struct {
	name   func(T) string
	clone  func(T) T
	mu     sync.Mutex
	scopes map[string]*scope[T]
	flight singleflight.Group
}

// scope is what the cache knows of one scope.
type scope[T any] struct {
	entries map[string]T
	// listed: entries came from a list taken before any write in the scope, so a
	// name missing from them does not exist.
	listed bool
	// direct: the provider wrote in the scope or could not list it; it is never listed
	// again.
	direct bool
	// writes counts the starts and ends of writes to each object, and under "" of
	// writes to the whole scope: a read keeps its answer only when neither moved while
	// it ran.
	writes map[string]uint64
}

// New returns an empty Cache. name gives an object's name within its scope; clone
// returns a deep copy of an object.
func New[T any](name func(T) string, clone func(T) T) *Cache[T] {
	return &Cache[T]{name: name, clone: clone, scopes: map[string]*scope[T]{}}
}

func (c *Cache[T]) scopeLocked(name string) *scope[T] {
	s, ok := c.scopes[name]
	if !ok {
		s = &scope[T]{entries: map[string]T{}, writes: map[string]uint64{}}
		c.scopes[name] = s
	}
	return s
}

// Lookup returns a clone of the answer the cache holds for an object, without reading
// the platform. Readiness waits use it: a kept answer that already shows the awaited
// state ends the wait without a request, and any other answer is polled for.
func (c *Cache[T]) Lookup(scopeName, name string) (v T, found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.scopeLocked(scopeName).entries[name]
	if !ok {
		return v, false
	}
	return c.clone(e), true
}

// Read reads one object from the platform with read, never from the cache, and keeps
// the answer for later reads unless a write to the object overlapped it. An error
// (the platform's not-found included) drops what the cache held for the object, and
// the scope's list stops answering for names it lacks: a transient failure must not
// turn into a kept absence.
func (c *Cache[T]) Read(ctx context.Context, scopeName, name string, read func(context.Context) (T, error)) (T, error) {
	c.mu.Lock()
	s := c.scopeLocked(scopeName)
	before := s.writes[""] + s.writes[name]
	c.mu.Unlock()
	v, err := read(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil:
		delete(s.entries, name)
		s.listed, s.direct = false, true
	case s.writes[""]+s.writes[name] == before:
		s.entries[name] = c.clone(v)
	}
	return v, err
}

// Get is the read every refresh path uses: a clone of the object from the cache, else
// from one list of the scope while the provider has not written there, else from read
// (through Read). found is false, with a nil error, when the list says the object does
// not exist; read reports absence its own way (the platform's not-found error). When
// the list fails, Get falls back to read, which reports the platform's own error if it
// fails too. With platform.WithFreshReads, Get reads the object at once.
func (c *Cache[T]) Get(ctx context.Context, scopeName, name string, list func(context.Context) ([]T, error), read func(context.Context) (T, error)) (v T, found bool, err error) {
	if !platform.FreshReads(ctx) {
		c.mu.Lock()
		s := c.scopeLocked(scopeName)
		e, ok := s.entries[name]
		listed, direct := s.listed, s.direct
		c.mu.Unlock()
		switch {
		case ok:
			return c.clone(e), true, nil
		case listed:
			return v, false, nil
		case !direct:
			objs, err := c.List(ctx, scopeName, list)
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
		}
	}
	v, err = c.Read(ctx, scopeName, name, read)
	return v, err == nil, err
}

// List returns the objects of a scope: from the cache when it holds the scope's list,
// else, while the provider has not written there, from one call of fetch shared by
// every concurrent caller, whose answer is kept for later reads. In a written scope,
// and with platform.WithFreshReads, fetch runs for this caller alone and its answer is
// not kept. A failed list is not kept either, but the scope is not listed again. fetch
// runs without the caller's cancellation (another caller may be waiting for it); a
// cancelled caller stops waiting. The returned slice may be shared: callers must not
// modify it or its objects, and clone what they hand out.
func (c *Cache[T]) List(ctx context.Context, scopeName string, fetch func(context.Context) ([]T, error)) ([]T, error) {
	if platform.FreshReads(ctx) {
		return fetch(ctx)
	}
	c.mu.Lock()
	s := c.scopeLocked(scopeName)
	if s.listed {
		out := make([]T, 0, len(s.entries))
		for _, e := range s.entries {
			out = append(out, e)
		}
		c.mu.Unlock()
		return out, nil
	}
	direct := s.direct
	c.mu.Unlock()
	if direct {
		return fetch(ctx)
	}
	ch := c.flight.DoChan(scopeName, func() (any, error) {
		list, err := fetch(context.WithoutCancel(ctx))
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case err != nil:
			s.direct = true
		case !s.direct:
			// No write started since the list did (it would have set direct).
			s.entries = make(map[string]T, len(list))
			for _, v := range list {
				s.entries[c.name(v)] = c.clone(v)
			}
			s.listed = true
		}
		return list, err
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

// Writing marks the scope written and forgets the object (with an empty name, every
// object of the scope), and returns a function that forgets it again. Call it before
// sending a write and defer the result, so that no answer read before or during the
// write is served after it, whatever its outcome:
//
//	defer cache.Writing(scope, name)()
func (c *Cache[T]) Writing(scopeName, name string) (done func()) {
	forget := func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		s := c.scopeLocked(scopeName)
		s.listed, s.direct = false, true
		s.writes[name]++
		if name == "" {
			clear(s.entries)
		} else {
			delete(s.entries, name)
		}
	}
	forget()
	return forget
}
