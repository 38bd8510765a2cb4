package readcache

import (
	"context"
	"errors"
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

// platformSim is a scope of objects behind a counter of requests, as a driver sees it.
type platformSim struct {
	mu           sync.Mutex
	v            map[string]string // name -> version; absent names do not exist
	lists, reads atomic.Int32
}

var errNotFound = errors.New("not found")

func newPlatform(names ...string) *platformSim {
	p := &platformSim{v: map[string]string{}}
	for _, n := range names {
		p.v[n] = "1"
	}
	return p
}

func (p *platformSim) set(name, v string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.v[name] = v
}

func (p *platformSim) list(context.Context) ([]*obj, error) {
	p.lists.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*obj
	for n, v := range p.v {
		out = append(out, &obj{Name: n, Tags: map[string]string{"v": v}})
	}
	return out, nil
}

func (p *platformSim) one(name string) func(context.Context) (*obj, error) {
	return func(context.Context) (*obj, error) {
		p.reads.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		v, ok := p.v[name]
		if !ok {
			return nil, errNotFound
		}
		return &obj{Name: name, Tags: map[string]string{"v": v}}, nil
	}
}

// get is Get against p, failing the test on an unexpected error.
func (p *platformSim) get(t *testing.T, c *Cache[*obj], ctx context.Context, name string) (string, bool) {
	t.Helper()
	v, found, err := c.Get(ctx, "ns", name, p.list, p.one(name))
	if errors.Is(err, errNotFound) {
		return "", false
	}
	if err != nil {
		t.Fatalf("Get(%s): %v", name, err)
	}
	if !found {
		return "", false
	}
	return v.Tags["v"], true
}

func (p *platformSim) counts() (lists, reads int32) { return p.lists.Load(), p.reads.Load() }

func TestGetListsOnceThenAnswersFromTheList(t *testing.T) {
	c, p := newTestCache(), newPlatform("a", "b")
	ctx := context.Background()
	for _, n := range []string{"a", "b", "a"} {
		if v, found := p.get(t, c, ctx, n); !found || v != "1" {
			t.Fatalf("Get(%s) = %q, %v", n, v, found)
		}
	}
	if _, found := p.get(t, c, ctx, "missing"); found {
		t.Fatal("a name absent from the list must be reported absent")
	}
	if l, r := p.counts(); l != 1 || r != 0 {
		t.Fatalf("want 1 list and no single reads, got %d lists and %d reads", l, r)
	}
	if _, err := c.List(ctx, "ns", p.list); err != nil {
		t.Fatal(err)
	}
	if l, _ := p.counts(); l != 1 {
		t.Fatalf("List must answer from the kept list, got %d lists", l)
	}
}

func TestAnswersAreClones(t *testing.T) {
	c, p := newTestCache(), newPlatform("a")
	v, _, _ := c.Get(context.Background(), "ns", "a", p.list, p.one("a"))
	v.Tags["v"] = "changed by a caller"
	if again, _ := p.get(t, c, context.Background(), "a"); again != "1" {
		t.Fatalf("a caller's change reached the cache: %q", again)
	}
}

// TestAWriteMarksTheScopeWritten: after a write the written object is read from the
// platform, a name the old list lacked is no longer taken as absent, the scope is never
// listed again, and other scopes are untouched.
func TestAWriteMarksTheScopeWritten(t *testing.T) {
	c, p := newTestCache(), newPlatform("a", "b")
	ctx := context.Background()
	p.get(t, c, ctx, "a")
	done := c.Writing("ns", "a")
	p.set("a", "2")
	p.set("new", "1")
	done()
	if v, _ := p.get(t, c, ctx, "a"); v != "2" {
		t.Fatalf("the read after a write saw %q", v)
	}
	if v, found := p.get(t, c, ctx, "new"); !found || v != "1" {
		t.Fatal("after a write the list must not answer for a name it lacks")
	}
	if v, _ := p.get(t, c, ctx, "b"); v != "1" {
		t.Fatal("an unwritten object keeps its listed answer")
	}
	if l, r := p.counts(); l != 1 || r != 2 {
		t.Fatalf("after a write, misses read one object: %d lists, %d reads", l, r)
	}
	// The answer read after the write is kept: the next read sends nothing.
	if p.get(t, c, ctx, "a"); p.reads.Load() != 2 {
		t.Fatalf("an answer read after the write must be kept: %d reads", p.reads.Load())
	}
	other := newPlatform("x")
	if _, _, err := c.Get(ctx, "other", "x", other.list, other.one("x")); err != nil || other.lists.Load() != 1 {
		t.Fatalf("another scope still lists: %d lists, %v", other.lists.Load(), err)
	}
}

// TestAListInFlightDuringAWriteIsNeverServedAfterIt: a list that was sent before a
// write and answers after it (with the old data) is not kept, and reads after the
// write go to the platform.
func TestAListInFlightDuringAWriteIsNeverServedAfterIt(t *testing.T) {
	c, p := newTestCache(), newPlatform("a")
	ctx := context.Background()
	sent, release := make(chan struct{}), make(chan struct{})
	slow := func(ctx context.Context) ([]*obj, error) {
		list, err := p.list(ctx) // the platform's answer before the write
		close(sent)
		<-release
		return list, err
	}
	got := make(chan string)
	go func() {
		v, _, _ := c.Get(ctx, "ns", "a", slow, p.one("a"))
		got <- v.Tags["v"]
	}()
	<-sent
	done := c.Writing("ns", "a")
	p.set("a", "2")
	done()
	close(release)
	<-got // read concurrently with the write: either answer is right
	if v, _ := p.get(t, c, ctx, "a"); v != "2" {
		t.Fatalf("a read after the write was answered from a list sent before it: %q", v)
	}
	if all, err := c.List(ctx, "ns", p.list); err != nil || len(all) != 1 || all[0].Tags["v"] != "2" {
		t.Fatalf("List after the write must list the platform again: %+v %v", all, err)
	}
}

// TestAReadOverlappedByAWriteIsNotKept: a single read sent before a write and answered
// after it is returned to its caller but not kept; nor is one sent during it.
func TestAReadOverlappedByAWriteIsNotKept(t *testing.T) {
	for _, whole := range []bool{false, true} {
		c, p := newTestCache(), newPlatform("a")
		ctx := context.Background()
		c.Writing("ns", "b")() // the scope is written: misses read one object
		sent, release := make(chan struct{}), make(chan struct{})
		slow := func(ctx context.Context) (*obj, error) {
			v, err := p.one("a")(ctx)
			close(sent)
			<-release
			return v, err
		}
		got := make(chan error)
		go func() { _, err := c.Read(ctx, "ns", "a", slow); got <- err }()
		<-sent
		name := "a"
		if whole {
			name = "" // a write to the whole scope
		}
		done := c.Writing("ns", name)
		p.set("a", "2")
		done()
		close(release) // the old answer arrives after the write has returned
		if err := <-got; err != nil {
			t.Fatal(err)
		}
		if v, _ := p.get(t, c, ctx, "a"); v != "2" {
			t.Fatalf("write of %q: a read sent before the write and answered after it was kept: %q", name, v)
		}
	}

	// A read sent and answered while the write is in flight (the platform has not
	// applied it yet) is dropped when the write returns.
	c, p := newTestCache(), newPlatform("a")
	ctx := context.Background()
	done := c.Writing("ns", "a")
	if _, err := c.Read(ctx, "ns", "a", p.one("a")); err != nil {
		t.Fatal(err)
	}
	p.set("a", "2")
	done()
	if v, _ := p.get(t, c, ctx, "a"); v != "2" {
		t.Fatalf("a read sent during the write was kept after it: %q", v)
	}
}

func TestConcurrentListersShareOneFetch(t *testing.T) {
	c, p := newTestCache(), newPlatform("a")
	release := make(chan struct{})
	fetch := func(ctx context.Context) ([]*obj, error) { <-release; return p.list(ctx) }
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
	if l, _ := p.counts(); l != 1 {
		t.Fatalf("20 concurrent listers sent %d lists, want 1", l)
	}
}

// TestErrorsAndSingleAbsencesAreNotKept: a failed list falls back to single reads and is
// not retried for each miss; errors and absences read one at a time are never served
// from the cache, and a failed read stops the list from answering for names it lacks.
func TestErrorsAndSingleAbsencesAreNotKept(t *testing.T) {
	ctx := context.Background()
	c, p := newTestCache(), newPlatform("a", "c")
	boom := errors.New("list failed")
	var lists atomic.Int32
	fail := func(context.Context) ([]*obj, error) { lists.Add(1); return nil, boom }
	if v, found, err := c.Get(ctx, "ns", "a", fail, p.one("a")); err != nil || !found || v.Name != "a" {
		t.Fatalf("a failed list must fall back to reading one: %+v %v %v", v, found, err)
	}
	if _, _, err := c.Get(ctx, "ns", "b", fail, p.one("b")); !errors.Is(err, errNotFound) {
		t.Fatalf("the single read's error must be returned, got %v", err)
	}
	if _, _, err := c.Get(ctx, "ns", "c", fail, p.one("c")); err != nil || lists.Load() != 1 {
		t.Fatalf("a scope whose list failed must not be listed again: %d lists, %v", lists.Load(), err)
	}
	p.set("b", "1")
	if v, found := p.get(t, c, ctx, "b"); !found || v != "1" {
		t.Fatal("an absence read one object at a time must not be kept")
	}

	// A failing read is not kept, and the list stops answering for missing names.
	c, p = newTestCache(), newPlatform("a")
	p.get(t, c, ctx, "a")
	flaky := errors.New("503")
	if _, err := c.Read(ctx, "ns", "z", func(context.Context) (*obj, error) { return nil, flaky }); !errors.Is(err, flaky) {
		t.Fatal(err)
	}
	p.set("z", "1")
	if v, found := p.get(t, c, ctx, "z"); !found || v != "1" {
		t.Fatal("after a failed read the list must not answer that the object is absent")
	}
	if _, err := c.Read(ctx, "ns", "a", func(context.Context) (*obj, error) { return nil, flaky }); !errors.Is(err, flaky) {
		t.Fatal(err)
	}
	if _, found := c.Lookup("ns", "a"); found {
		t.Fatal("a failed read must drop the object's kept answer")
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

// TestFreshReadsReadThePlatform: with platform.WithFreshReads, Get reads one object and
// List fetches, whatever the cache holds.
func TestFreshReadsReadThePlatform(t *testing.T) {
	c, p := newTestCache(), newPlatform("a")
	ctx := context.Background()
	p.get(t, c, ctx, "a")
	p.set("a", "2")
	p.set("b", "1")
	fresh := platform.WithFreshReads(ctx)
	if v, found := p.get(t, c, fresh, "a"); !found || v != "2" {
		t.Fatalf("a fresh Get must read the platform: %q", v)
	}
	got, err := c.List(fresh, "ns", p.list)
	if l, _ := p.counts(); err != nil || len(got) != 2 || l != 2 {
		t.Fatalf("a fresh List must fetch: %d objects, %v, %d lists", len(got), err, l)
	}
}
