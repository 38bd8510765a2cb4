package openfaas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/conformance"
	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// newCacheDriver starts a Pro faas-netes simulator, optionally behind wrap, and returns
// a driver for it. Each call to driverFor returns a new Driver: a new provider run.
func newCacheDriver(t *testing.T, opts openfaassim.Options, wrap func(http.Handler) http.Handler) (driverFor func() *Driver, sim *openfaassim.Server) {
	t.Helper()
	opts.Username, opts.Password = "admin", pw
	if opts.Edition == "" {
		opts.Edition = openfaassim.Pro
	}
	opts.Spec = conformance.OpenFaaSSpec(t)
	sim = openfaassim.New(opts)
	conformance.Enforce(t, sim)
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close) // runs before Enforce's cleanup
	u, _ := url.Parse(ts.URL)
	return func() *Driver {
		c, err := httpclient.New(httpclient.Config{BaseURL: u, Username: "admin", Password: pw, UserAgent: "test", MaxRetries: 2,
			RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return New(Config{Client: c})
	}, sim
}

// counts tallies the simulator's requests as "METHOD route", with one function's path
// written as /system/function/{name}.
func counts(sim *openfaassim.Server) map[string]int {
	out := map[string]int{}
	for _, r := range sim.Requests() {
		p := r.Path
		if strings.HasPrefix(p, "/system/function/") {
			p = "/system/function/{name}"
		}
		out[r.Method+" "+p]++
	}
	return out
}

const (
	listRoute = "GET /system/functions"
	getRoute  = "GET /system/function/{name}"
)

func fid(name string) platform.FunctionID {
	return platform.FunctionID{Namespace: DefaultNamespace, Name: name}
}

// deployGroup creates a function with a scaling policy and a cron trigger through d.
func deployGroup(t *testing.T, d *Driver, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.CreateFunction(ctx, sampleFunction(name)); err != nil {
		t.Fatal(err)
	}
	two := int64(2)
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fid(name), MinReplicas: &two, Metric: "rps"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fid(name), Type: platform.TriggerCron, Schedule: "*/5 * * * *"}); err != nil {
		t.Fatal(err)
	}
}

// refreshGroup reads a function and its two children, as a refresh does.
func refreshGroup(ctx context.Context, d *Driver, name string) (*platform.Function, error) {
	fn, err := d.ReadFunction(ctx, fid(name))
	if err != nil {
		return nil, err
	}
	if _, err := d.ReadScalingPolicy(ctx, fid(name)); err != nil {
		return nil, err
	}
	if _, err := d.ReadTrigger(ctx, fid(name).String()+"/cron"); err != nil {
		return nil, err
	}
	return fn, nil
}

func TestCacheRefreshOfManyFunctionsListsOnce(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	setup := driverFor()
	const n = 30
	for i := 0; i < n; i++ {
		deployGroup(t, setup, fmt.Sprintf("fn-%02d", i))
	}
	sim.ResetRequests()
	d := driverFor() // the next terraform command: a new provider process
	for i := 0; i < n; i++ {
		if _, err := refreshGroup(context.Background(), d, fmt.Sprintf("fn-%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	// A function that does not exist is answered from the complete list too.
	if _, err := d.ReadFunction(context.Background(), fid("missing")); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("missing function: %v", err)
	}
	if _, err := d.ReadScalingPolicy(context.Background(), fid("missing")); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("missing function's policy: %v", err)
	}
	got := counts(sim)
	want := map[string]int{"GET /system/info": 1, listRoute: 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("a refresh of %d functions with their children sent %v, want %v", n, got, want)
	}
}

func TestCacheConcurrentReadersShareOneList(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	for i := 0; i < 50; i++ {
		sim.PutFunction(openfaassim.Function{Service: fmt.Sprintf("f%d", i), Image: "img:1"})
	}
	sim.SetFaults(openfaassim.Faults{Latency: 50 * time.Millisecond})
	d := driverFor()
	if _, err := d.Info(context.Background()); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	var wg sync.WaitGroup
	errs := make(chan error, 500)
	for i := 0; i < 500; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			fn, err := d.ReadFunction(context.Background(), fid(fmt.Sprintf("f%d", i%50)))
			if err == nil && fn.Image != "img:1" {
				err = fmt.Errorf("image %q", fn.Image)
			}
			if err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := counts(sim); !reflect.DeepEqual(got, map[string]int{listRoute: 1}) {
		t.Fatalf("500 concurrent reads sent %v, want one list", got)
	}
}

// TestCacheListAnswerMapsLikeGetOne: the list's elements and GET one map to the same
// neutral function, on both backends, for functions made by the driver and outside it.
func TestCacheListAnswerMapsLikeGetOne(t *testing.T) {
	for _, backend := range []openfaassim.Backend{openfaassim.FaasNetes, openfaassim.Faasd} {
		t.Run(string(backend), func(t *testing.T) {
			driverFor, sim := newCacheDriver(t, openfaassim.Options{Backend: backend}, nil)
			d := driverFor()
			ctx := context.Background()
			fn := sampleFunction("made")
			fn.Constraints = []string{"node=a"}
			fn.ReadOnlyRootFilesystem = true
			if backend == openfaassim.Faasd {
				fn.Limits.CPU, fn.Constraints = "", nil
			}
			if _, err := d.CreateFunction(ctx, fn); err != nil {
				t.Fatal(err)
			}
			sim.PutFunction(openfaassim.Function{Service: "outside", Image: "img:1", EnvProcess: "node index.js",
				EnvVars: map[string]string{"A": "b"}, Labels: map[string]string{"com.openfaas.scale.min": "2", "team": "x"},
				Annotations: map[string]string{"topic": "a,b"}, Secrets: []string{"s"},
				Limits: &openfaassim.FunctionResources{Memory: "128Mi"}, Requests: &openfaassim.FunctionResources{CPU: "0.1"}})
			info, err := d.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			list, err := d.listNamespace(ctx, DefaultNamespace)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 {
				t.Fatalf("listed %d functions", len(list))
			}
			for i := range list {
				one, err := d.freshStatus(ctx, fid(list[i].Name))
				if err != nil {
					t.Fatal(err)
				}
				fromList := list[i]
				fromList.InvocationCount = 0 // only the list fills it; the driver does not use it
				if !reflect.DeepEqual(&fromList, one) {
					t.Errorf("%s: the list element differs from GET one:\n list %+v\n one  %+v", one.Name, fromList, *one)
				}
				if a, b := fromWire(&list[i], info, d.endpoint()), fromWire(one, info, d.endpoint()); !reflect.DeepEqual(a, b) {
					t.Errorf("%s: mapped differently:\n list %+v\n one  %+v", one.Name, a, b)
				}
			}
		})
	}
}

func TestCacheHitsUntilTheNextRun(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	deployGroup(t, driverFor(), "hit")
	d := driverFor()
	ctx := context.Background()
	if _, err := refreshGroup(ctx, d, "hit"); err != nil {
		t.Fatal(err)
	}
	sim.ModifyFunction(DefaultNamespace, "hit", func(f *openfaassim.Function) { f.Image = "changed:2" })
	sim.ResetRequests()
	fn, err := refreshGroup(ctx, d, "hit")
	if err != nil {
		t.Fatal(err)
	}
	if len(sim.Requests()) != 0 || fn.Image != sampleFunction("hit").Image {
		t.Fatalf("a second read in the same run must be a hit: %v, image %q", counts(sim), fn.Image)
	}
	// The next run (a new provider process) sees the out-of-band change.
	fn, err = driverFor().ReadFunction(ctx, fid("hit"))
	if err != nil || fn.Image != "changed:2" {
		t.Fatalf("the next run must see the change: %v %v", fn, err)
	}
}

// TestCacheEveryWriteInvalidates: after each kind of write, reads in the same run (a
// function, its children, the list) see the write.
func TestCacheEveryWriteInvalidates(t *testing.T) {
	ctx := context.Background()
	three := int64(3)
	cases := []struct {
		name  string
		write func(d *Driver) error
		check func(d *Driver) error
	}{
		{"create", func(d *Driver) error {
			_, err := d.CreateFunction(ctx, sampleFunction("new"))
			return err
		}, func(d *Driver) error {
			if _, err := d.ReadFunction(ctx, fid("new")); err != nil {
				return err
			}
			return listHas(d, "new", true)
		}},
		{"update", func(d *Driver) error {
			fn := sampleFunction("base")
			fn.Image = "ghcr.io/acme/base:2"
			_, err := d.UpdateFunction(ctx, fn)
			return err
		}, func(d *Driver) error {
			fn, err := d.ReadFunction(ctx, fid("base"))
			if err == nil && fn.Image != "ghcr.io/acme/base:2" {
				err = fmt.Errorf("image %q", fn.Image)
			}
			return err
		}},
		{"scaling policy", func(d *Driver) error {
			_, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fid("base"), MinReplicas: &three, Metric: "rps"}, false)
			return err
		}, func(d *Driver) error {
			p, err := d.ReadScalingPolicy(ctx, fid("base"))
			if err == nil && (p.MinReplicas == nil || *p.MinReplicas != 3) {
				err = fmt.Errorf("min replicas %v", p.MinReplicas)
			}
			return err
		}},
		{"scaling policy delete", func(d *Driver) error {
			return d.DeleteScalingPolicy(ctx, fid("base"))
		}, func(d *Driver) error {
			if _, err := d.ReadScalingPolicy(ctx, fid("base")); !errors.Is(err, platform.ErrNotFound) {
				return fmt.Errorf("policy still read after its delete: %v", err)
			}
			return nil
		}},
		{"trigger", func(d *Driver) error {
			_, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fid("base"), Type: platform.TriggerTopic, Topic: "orders"})
			return err
		}, func(d *Driver) error {
			_, err := d.ReadTrigger(ctx, "openfaas-fn/base/topic/orders")
			return err
		}},
		{"trigger delete", func(d *Driver) error {
			return d.DeleteTrigger(ctx, &platform.Trigger{Function: fid("base"), Type: platform.TriggerCron})
		}, func(d *Driver) error {
			if _, err := d.ReadTrigger(ctx, "openfaas-fn/base/cron"); !errors.Is(err, platform.ErrNotFound) {
				return fmt.Errorf("trigger still read after its delete: %v", err)
			}
			return nil
		}},
		{"modify", func(d *Driver) error {
			_, err := d.Modify(ctx, fid("base"), func(cur *functionDeployment) error {
				cur.Labels = setKey(cur.Labels, "extra", "1")
				return nil
			})
			return err
		}, func(d *Driver) error {
			fn, err := d.ReadFunction(ctx, fid("base"))
			if err == nil && fn.Labels["extra"] != "1" {
				err = fmt.Errorf("labels %v", fn.Labels)
			}
			return err
		}},
		{"delete", func(d *Driver) error {
			return d.DeleteFunction(ctx, fid("base"))
		}, func(d *Driver) error {
			if _, err := d.ReadFunction(ctx, fid("base")); !errors.Is(err, platform.ErrNotFound) {
				return fmt.Errorf("function still read after its delete: %v", err)
			}
			if _, err := d.ReadScalingPolicy(ctx, fid("base")); !errors.Is(err, platform.ErrNotFound) {
				return fmt.Errorf("policy still read after the function's delete: %v", err)
			}
			return listHas(d, "base", false)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
			setup := driverFor()
			deployGroup(t, setup, "base")
			d := driverFor()
			// Fill the cache: the list, the function and its children, and an absent name.
			if _, err := refreshGroup(ctx, d, "base"); err != nil {
				t.Fatal(err)
			}
			if _, err := d.ReadFunction(ctx, fid("new")); !errors.Is(err, platform.ErrNotFound) {
				t.Fatal(err)
			}
			if err := c.write(d); err != nil {
				t.Fatal(err)
			}
			if err := c.check(d); err != nil {
				t.Fatalf("stale read after %s: %v (requests %v)", c.name, err, counts(sim))
			}
		})
	}
}

func listHas(d *Driver, name string, want bool) error {
	fns, err := d.ListFunctions(context.Background(), DefaultNamespace)
	if err != nil {
		return err
	}
	for _, f := range fns {
		if f.ID.Name == name {
			if !want {
				return fmt.Errorf("%s still listed", name)
			}
			return nil
		}
	}
	if want {
		return fmt.Errorf("%s not listed", name)
	}
	return nil
}

func TestCacheSecretWriteInvalidatesTheNamespace(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	deployGroup(t, driverFor(), "base")
	d := driverFor()
	ctx := context.Background()
	if _, err := d.ReadFunction(ctx, fid("base")); err != nil {
		t.Fatal(err)
	}
	sim.ModifyFunction(DefaultNamespace, "base", func(f *openfaassim.Function) { f.Image = "changed:2" })
	if err := d.CreateSecret(ctx, &platform.Secret{Namespace: DefaultNamespace, Name: "s", Value: "value-1"}); err != nil {
		t.Fatal(err)
	}
	fn, err := d.ReadFunction(ctx, fid("base"))
	if err != nil || fn.Image != "changed:2" {
		t.Fatalf("a secret write must drop the namespace's cached reads: %+v %v", fn, err)
	}
}

// TestCacheReadModifyWriteReadsThePlatform: a child's write starts from what the
// platform holds, never from the cache, so it keeps an out-of-band change.
func TestCacheReadModifyWriteReadsThePlatform(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	deployGroup(t, driverFor(), "rmw")
	d := driverFor()
	ctx := context.Background()
	if _, err := refreshGroup(ctx, d, "rmw"); err != nil {
		t.Fatal(err)
	}
	sim.ModifyFunction(DefaultNamespace, "rmw", func(f *openfaassim.Function) { f.Labels["oob"] = "kept" })
	five := int64(5)
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fid("rmw"), MinReplicas: &five, Metric: "rps"}, false); err != nil {
		t.Fatal(err)
	}
	stored, _ := sim.GetFunction(DefaultNamespace, "rmw")
	if stored.Labels["oob"] != "kept" || stored.Labels[labelScaleMin] != "5" {
		t.Fatalf("the write must start from the platform's labels, got %v", stored.Labels)
	}
}

// TestCacheErrorsAreNotCached: a failed list falls back to GET one (and the run does not
// list that namespace again: a list that failed after the client's retries is likely to
// fail again, such as a 403), and a failed read is not remembered.
func TestCacheErrorsAreNotCached(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	sim.PutFunction(openfaassim.Function{Service: "f", Image: "img:1"})
	d := driverFor()
	ctx := context.Background()
	if _, err := d.Info(ctx); err != nil {
		t.Fatal(err)
	}
	onlyList := func(method, path string) bool { return method == http.MethodGet && path == "/system/functions" }
	sim.SetFaults(openfaassim.Faults{PersistentStatus: 500, PersistentMessage: "list broken", Only: onlyList})
	sim.ResetRequests()
	if fn, err := d.ReadFunction(ctx, fid("f")); err != nil || fn.Image != "img:1" {
		t.Fatalf("a failed list must fall back to GET one: %v %v", fn, err)
	}
	if got := counts(sim); got[listRoute] != 1 || got[getRoute] != 1 {
		t.Fatalf("requests %v", got)
	}
	sim.SetFaults(openfaassim.Faults{PersistentStatus: 500, PersistentMessage: "all broken"})
	if _, err := d.ReadFunction(ctx, fid("g")); err == nil || !strings.Contains(err.Error(), "all broken") {
		t.Fatalf("want the platform's error, got %v", err)
	}
	sim.ClearFaults()
	sim.PutFunction(openfaassim.Function{Service: "g", Image: "img:2"})
	sim.ResetRequests()
	if fn, err := d.ReadFunction(ctx, fid("g")); err != nil || fn.Image != "img:2" {
		t.Fatalf("after the failure the read must reach the platform again: %v %v", fn, err)
	}
	if got := counts(sim); got[listRoute] != 0 || got[getRoute] != 1 {
		t.Fatalf("after a failed list, reads of the namespace must GET one: %v", got)
	}
}

// delayAnswers answers the requests match selects only after pause returns (the
// request is handled at once: the answer is what the platform held before the pause).
func delayAnswers(match func(*http.Request) bool, pause func()) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				h.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			pause()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// TestCacheReadInFlightDuringAWriteIsNotStored: a list (and a GET one) that the platform
// answered before a write, but that arrives after it, must not be cached.
func TestCacheReadInFlightDuringAWriteIsNotStored(t *testing.T) {
	for _, route := range []string{"list", "get one"} {
		t.Run(route, func(t *testing.T) {
			release := make(chan struct{})
			handled := make(chan struct{}, 1)
			match := func(r *http.Request) bool {
				if r.Method != http.MethodGet {
					return false
				}
				if route == "list" {
					return r.URL.Path == "/system/functions"
				}
				return r.URL.Path == "/system/function/other"
			}
			var armed atomic.Bool // pause only the read under test, not the setup's
			driverFor, _ := newCacheDriver(t, openfaassim.Options{}, delayAnswers(match, func() {
				if armed.CompareAndSwap(true, false) {
					handled <- struct{}{}
					<-release
				}
			}))
			setup := driverFor()
			deployGroup(t, setup, "target")
			deployGroup(t, setup, "other")
			d := driverFor()
			ctx := context.Background()
			if _, err := d.Info(ctx); err != nil {
				t.Fatal(err)
			}
			if route == "get one" {
				// A write elsewhere in the namespace makes misses read one function.
				if _, err := d.Modify(ctx, fid("target"), func(cur *functionDeployment) error {
					cur.Labels = setKey(cur.Labels, "step", "0")
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			done := make(chan error, 1)
			armed.Store(true)
			go func() {
				_, err := d.ReadFunction(ctx, fid("other"))
				done <- err
			}()
			select {
			case <-handled: // the platform has answered the read; the answer is held back
			case <-time.After(10 * time.Second):
				t.Fatal("the read never reached the platform")
			}
			write := func() error {
				fn := sampleFunction("other")
				fn.Image = "ghcr.io/acme/other:2"
				_, err := d.UpdateFunction(ctx, fn)
				return err
			}
			if err := write(); err != nil {
				t.Fatal(err)
			}
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			fn, err := d.ReadFunction(ctx, fid("other"))
			if err != nil {
				t.Fatal(err)
			}
			if fn.Image != "ghcr.io/acme/other:2" {
				t.Fatalf("a read after the write saw %q: the answer from before the write was cached", fn.Image)
			}
		})
	}
}

// TestCacheReadinessWaitPollsUntilReady: a wait never trusts a cached answer that is
// not ready, polls with GET one, and stops at the first ready answer.
func TestCacheReadinessWaitPollsUntilReady(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{ReadyAfterPolls: 2}, nil)
	d := driverFor()
	ctx := context.Background()
	if _, err := d.Info(ctx); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	got, err := d.CreateFunction(ctx, sampleFunction("slow")) // read back: not ready (1)
	if err != nil || got.Status.Ready {
		t.Fatalf("%+v %v", got, err)
	}
	if err := d.WaitReady(ctx, fid("slow")); err != nil { // polls: not ready (2), ready (3)
		t.Fatal(err)
	}
	want := map[string]int{"POST /system/functions": 1, getRoute: 3}
	if c := counts(sim); !reflect.DeepEqual(c, want) {
		t.Fatalf("requests %v, want %v", c, want)
	}
	// The ready answer is cached: another wait, and a read, cost nothing.
	sim.ResetRequests()
	if err := d.WaitReady(ctx, fid("slow")); err != nil {
		t.Fatal(err)
	}
	if fn, err := d.ReadFunction(ctx, fid("slow")); err != nil || !fn.Status.Ready {
		t.Fatalf("%+v %v", fn, err)
	}
	if n := len(sim.Requests()); n != 0 {
		t.Fatalf("a wait on a function already seen ready after the last write sent %d requests", n)
	}
	// A cached answer that is not ready (from the list) is never trusted by a wait.
	sim.SetNotReady(DefaultNamespace, "slow")
	d2 := driverFor()
	if fn, err := d2.ReadFunction(ctx, fid("slow")); err != nil || fn.Status.Ready {
		t.Fatalf("%+v %v", fn, err)
	}
	sim.ModifyFunction(DefaultNamespace, "slow", func(f *openfaassim.Function) { f.AvailableReplicas = f.Replicas })
	sim.ResetRequests()
	if err := d2.WaitReady(ctx, fid("slow")); err != nil {
		t.Fatal(err)
	}
	if c := counts(sim); c[getRoute] != 1 {
		t.Fatalf("the wait must poll the platform once: %v", c)
	}
}

// TestCacheConcurrentWritersReadTheirOwnWrites runs writers and readers of many
// functions at once (with -race): every read after a write sees that write.
func TestCacheConcurrentWritersReadTheirOwnWrites(t *testing.T) {
	driverFor, sim := newCacheDriver(t, openfaassim.Options{}, nil)
	setup := driverFor()
	const n = 8
	for i := 0; i < n; i++ {
		if _, err := setup.CreateFunction(context.Background(), sampleFunction(fmt.Sprintf("c%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	sim.SetFaults(openfaassim.Faults{Latency: time.Millisecond})
	d := driverFor()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("c%d", i)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for v := 2; v <= 5; v++ {
				fn := sampleFunction(name)
				fn.Image = fmt.Sprintf("ghcr.io/acme/%s:%d", name, v)
				if _, err := d.UpdateFunction(ctx, fn); err != nil {
					errs <- err
					return
				}
				got, err := d.ReadFunction(ctx, fid(name))
				if err != nil {
					errs <- err
					return
				}
				if got.Image != fn.Image {
					errs <- fmt.Errorf("%s: read %q after writing %q", name, got.Image, fn.Image)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if _, err := d.ReadFunction(ctx, fid(fmt.Sprintf("c%d", (j+1)%n))); err != nil {
					errs <- err
					return
				}
				if _, err := d.ListFunctions(ctx, DefaultNamespace); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestCacheReadDuringAWriteIsNotStored: a read that starts while a write is in flight
// (sent, not yet applied) gets the old function; that answer must not be cached for the
// reads after the write.
func TestCacheReadDuringAWriteIsNotStored(t *testing.T) {
	release := make(chan struct{})
	arrived := make(chan struct{}, 1)
	var armed atomic.Bool
	hold := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && armed.CompareAndSwap(true, false) {
				arrived <- struct{}{}
				<-release // the platform has not applied the write yet
			}
			h.ServeHTTP(w, r)
		})
	}
	driverFor, _ := newCacheDriver(t, openfaassim.Options{}, hold)
	deployGroup(t, driverFor(), "w")
	d := driverFor()
	ctx := context.Background()
	if _, err := d.ReadFunction(ctx, fid("w")); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	done := make(chan error, 1)
	go func() {
		fn := sampleFunction("w")
		fn.Image = "ghcr.io/acme/w:2"
		got, err := d.UpdateFunction(ctx, fn)
		if err == nil && got.Image != fn.Image {
			err = fmt.Errorf("the update read back %q", got.Image)
		}
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the write never reached the platform")
	}
	// While the write is in flight, another resource reads the function: old image.
	if fn, err := d.ReadFunction(ctx, fid("w")); err != nil || fn.Image != sampleFunction("w").Image {
		t.Fatalf("read during the write: %+v %v", fn, err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fn, err := d.ReadFunction(ctx, fid("w"))
	if err != nil || fn.Image != "ghcr.io/acme/w:2" {
		t.Fatalf("a read after the write saw %+v (%v): the answer read during the write was cached", fn, err)
	}
}

// TestOneGatewayWhateverItsSpelling: "http://HOST:port/" and "http://host:port" are
// one gateway, so aliased provider blocks that spell it differently share the
// per-function locks.
func TestOneGatewayWhateverItsSpelling(t *testing.T) {
	driverFor, _ := newCacheDriver(t, openfaassim.Options{}, nil)
	a := driverFor()
	u := *a.client.BaseURL()
	u.Path, u.Host = "/", strings.ToUpper(u.Host)
	c, err := httpclient.New(httpclient.Config{BaseURL: &u, Username: "admin", Password: pw, UserAgent: "test", MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if b := New(Config{Client: c}); a.identity() != b.identity() {
		t.Fatalf("%q and %q are one gateway", a.identity(), b.identity())
	}
}
