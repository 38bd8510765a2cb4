package readcache

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// obj is a test object with a map, so that a missing clone would share state.
type obj struct {
	Name string
	Tags map[string]string
}

func newTestCache() *Cache[*obj] {
	return New(func(o *obj) string { return o.Name }, func(o *obj) *obj {
		c := &obj{Name: o.Name, Tags: map[string]string{}}
		for k, v := range o.Tags {
			c.Tags[k] = v
		}
		return c
	})
}

func list(names ...string) func(context.Context) ([]*obj, error) {
	return func(context.Context) ([]*obj, error) {
		var out []*obj
		for _, n := range names {
			out = append(out, &obj{Name: n, Tags: map[string]string{"v": "1"}})
		}
		return out, nil
	}
}

func TestGetListsOnceThenAnswersFromTheList(t *testing.T) {
	c := newTestCache()
	var lists, ones atomic.Int32
	fetch := func(ctx context.Context) ([]*obj, error) { lists.Add(1); return list("a", "b")(ctx) }
	one := func(context.Context) (*obj, error) { ones.Add(1); return &obj{Name: "x"}, nil }
	for _, n := range []string{"a", "b", "a"} {
		v, found, err := c.Get(context.Background(), "ns", n, fetch, one)
		if err != nil || !found || v.Name != n {
			t.Fatalf("Get(%s) = %+v, %v, %v", n, v, found, err)
		}
	}
	if _, found, err := c.Get(context.Background(), "ns", "missing", fetch, one); found || err != nil {
		t.Fatalf("a name absent from a complete list must be reported absent, got found=%v err=%v", found, err)
	}
	if lists.Load() != 1 || ones.Load() != 0 {
		t.Fatalf("want 1 list and no single reads, got %d lists and %d reads", lists.Load(), ones.Load())
	}
}

func TestAnswersAreClones(t *testing.T) {
	c := newTestCache()
	v, _, _ := c.Get(context.Background(), "ns", "a", list("a"), nil)
	v.Tags["v"] = "changed by a caller"
	again, _, _ := c.Get(context.Background(), "ns", "a", list("a"), nil)
	if again.Tags["v"] != "1" {
		t.Fatalf("a caller's change reached the cache: %v", again.Tags)
	}
}

func TestWriteInvalidatesAndLaterMissesReadOne(t *testing.T) {
	c := newTestCache()
	var lists, ones atomic.Int32
	fetch := func(ctx context.Context) ([]*obj, error) { lists.Add(1); return list("a", "b")(ctx) }
	one := func(name string) func(context.Context) (*obj, error) {
		return func(context.Context) (*obj, error) {
			ones.Add(1)
			tok := c.Begin("ns", name)
			v := &obj{Name: name, Tags: map[string]string{"v": "2"}}
			c.StoreOne("ns", name, tok, v, true)
			return v, nil
		}
	}
	if _, _, err := c.Get(context.Background(), "ns", "a", fetch, one("a")); err != nil {
		t.Fatal(err)
	}
	c.Invalidate("ns", "a")
	if _, found, known := c.Lookup("ns", "a"); found || known {
		t.Fatal("a written object must not be answered from the cache")
	}
	if v, _, _ := c.Lookup("ns", "b"); v == nil {
		t.Fatal("an unwritten sibling keeps its cached answer")
	}
	v, _, err := c.Get(context.Background(), "ns", "a", fetch, one("a"))
	if err != nil || v.Tags["v"] != "2" {
		t.Fatalf("the read after a write must come from the platform: %+v %v", v, err)
	}
	if lists.Load() != 1 || ones.Load() != 1 {
		t.Fatalf("after a write a miss reads one object: %d lists, %d reads", lists.Load(), ones.Load())
	}
	if !c.Written("ns") || c.Written("other") {
		t.Fatal("Written must be per scope")
	}
	// The fresh answer is cached: the next read sends nothing.
	if _, _, err := c.Get(context.Background(), "ns", "a", fetch, one("a")); err != nil || ones.Load() != 1 {
		t.Fatalf("a fresh answer must be cached: %v, %d reads", err, ones.Load())
	}
}

func TestStaleTokensAreDropped(t *testing.T) {
	c := newTestCache()
	tok := c.Begin("ns", "a")
	c.Invalidate("ns", "a")
	c.StoreOne("ns", "a", tok, &obj{Name: "a"}, true)
	if _, found, _ := c.Lookup("ns", "a"); found {
		t.Fatal("a read that started before a write must not be stored")
	}
	ltok := c.Begin("ns", "")
	c.Invalidate("ns", "b")
	c.StoreList("ns", ltok, []*obj{{Name: "a"}})
	if _, ok := c.CompleteList("ns"); ok {
		t.Fatal("a list that started before a write must not be stored")
	}
	stok := c.Begin("ns", "a")
	c.InvalidateScope("ns")
	c.StoreOne("ns", "a", stok, &obj{Name: "a"}, true)
	if _, found, _ := c.Lookup("ns", "a"); found {
		t.Fatal("a read that started before a scope-wide write must not be stored")
	}
	// Absence read one by one drops the entry but is not cached.
	c.StoreOne("ns", "z", c.Begin("ns", "z"), &obj{Name: "z"}, true)
	c.StoreOne("ns", "z", c.Begin("ns", "z"), nil, false)
	if _, found, known := c.Lookup("ns", "z"); found || known {
		t.Fatal("absence of a single read must not be cached")
	}
}

func TestConcurrentListersShareOneFetch(t *testing.T) {
	c := newTestCache()
	var calls atomic.Int32
	release := make(chan struct{})
	fetch := func(ctx context.Context) ([]*obj, error) {
		calls.Add(1)
		<-release
		return list("a")(ctx)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.List(context.Background(), "ns", fetch); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let the callers join the flight
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Fatalf("20 concurrent listers sent %d lists, want 1", calls.Load())
	}
}

func TestListFailureFallsBackToReadOneAndErrorsAreNotCached(t *testing.T) {
	c := newTestCache()
	boom := errors.New("list failed")
	fail := func(context.Context) ([]*obj, error) { return nil, boom }
	v, found, err := c.Get(context.Background(), "ns", "a", fail, func(context.Context) (*obj, error) { return &obj{Name: "a"}, nil })
	if err != nil || !found || v.Name != "a" {
		t.Fatalf("a failed list must fall back to reading one: %+v %v %v", v, found, err)
	}
	oneErr := errors.New("not found")
	if _, _, err := c.Get(context.Background(), "ns", "b", fail, func(context.Context) (*obj, error) { return nil, oneErr }); !errors.Is(err, oneErr) {
		t.Fatalf("the single read's error must be returned, got %v", err)
	}
	if _, ok := c.CompleteList("ns"); ok {
		t.Fatal("a failed list must not be cached")
	}
	// After a failed list, misses read one object without listing again.
	lists := 0
	countFail := func(context.Context) ([]*obj, error) { lists++; return nil, boom }
	if _, _, err := c.Get(context.Background(), "ns", "c", countFail, func(context.Context) (*obj, error) { return &obj{Name: "c"}, nil }); err != nil || lists != 0 {
		t.Fatalf("a scope whose list failed must not be listed again: %d lists, %v", lists, err)
	}
	if _, _, err := c.Get(context.Background(), "other", "c", countFail, func(context.Context) (*obj, error) { return &obj{Name: "c"}, nil }); err != nil || lists != 1 {
		t.Fatalf("another scope still lists: %d lists, %v", lists, err)
	}
}

func TestCancelledCallerStopsWaiting(t *testing.T) {
	c := newTestCache()
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.List(ctx, "ns", func(context.Context) ([]*obj, error) { <-release; return nil, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

func TestRegistryInvalidatesPeersAndForgetsCollectedCaches(t *testing.T) {
	var r Registry[*obj]
	a, b, other := newTestCache(), newTestCache(), newTestCache()
	r.Register("https://gw", a)
	r.Register("https://gw", b)
	r.Register("https://elsewhere", other)
	for _, c := range []*Cache[*obj]{a, b, other} {
		if _, err := c.List(context.Background(), "ns", list("f")); err != nil {
			t.Fatal(err)
		}
	}
	again := Invalidating(r.Peers("https://gw"), "ns", "f")
	for _, c := range []*Cache[*obj]{a, b} {
		if _, found, _ := c.Lookup("ns", "f"); found {
			t.Fatal("a write must invalidate every cache of the endpoint")
		}
		c.StoreOne("ns", "f", c.Begin("ns", "f"), &obj{Name: "f"}, true) // read during the write
	}
	again()
	if _, found, _ := a.Lookup("ns", "f"); found {
		t.Fatal("the second invalidation must drop what was read during the write")
	}
	if _, found, _ := other.Lookup("ns", "f"); !found {
		t.Fatal("another endpoint's cache must keep its entries")
	}
	Invalidating(r.Peers("https://elsewhere"), "ns", "")()
	if _, ok := other.CompleteList("ns"); ok {
		t.Fatal("a scope-wide invalidation must drop the list")
	}

	// A cache nobody references any more is dropped from the registry.
	func() { r.Register("https://gone", newTestCache()) }()
	runtime.GC()
	runtime.GC()
	if n := len(r.Peers("https://gone")); n != 0 {
		t.Fatalf("a collected cache is still listed (%d peers)", n)
	}
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(other)
}

// TestFreshReadsBypassTheCacheAndRefreshIt: with platform.WithFreshReads, Get reads one
// object and List fetches, whatever is cached, and what they read is stored.
func TestFreshReadsBypassTheCacheAndRefreshIt(t *testing.T) {
	c := newTestCache()
	ctx := context.Background()
	if _, err := c.List(ctx, "ns", list("a")); err != nil { // v=1 cached
		t.Fatal(err)
	}
	fresh := platform.WithFreshReads(ctx)
	ones := 0
	v, found, err := c.Get(fresh, "ns", "a", list("a"), func(context.Context) (*obj, error) {
		ones++
		o := &obj{Name: "a", Tags: map[string]string{"v": "2"}}
		c.StoreOne("ns", "a", c.Begin("ns", "a"), o, true)
		return o, nil
	})
	if err != nil || !found || v.Tags["v"] != "2" || ones != 1 {
		t.Fatalf("a fresh Get must read the platform: %+v %v %v (%d reads)", v, found, err, ones)
	}
	if cached, _, _ := c.Lookup("ns", "a"); cached.Tags["v"] != "2" {
		t.Fatalf("the fresh answer must refresh the cache: %v", cached.Tags)
	}
	lists := 0
	got, err := c.List(fresh, "ns", func(ctx context.Context) ([]*obj, error) { lists++; return list("a", "b")(ctx) })
	if err != nil || len(got) != 2 || lists != 1 {
		t.Fatalf("a fresh List must fetch: %d objects, %v, %d lists", len(got), err, lists)
	}
	if all, ok := c.CompleteList("ns"); !ok || len(all) != 2 {
		t.Fatalf("the fresh list must refresh the cache: %d objects", len(all))
	}
}
