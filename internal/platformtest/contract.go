package platformtest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// timeout bounds each subtest's operations, waits included.
const timeout = 60 * time.Second

// poll is how the contract waits for readiness: quick, since backends are local.
var poll = wait.Backoff{Duration: 5 * time.Millisecond, Factor: 1.5, Jitter: 0.1, Steps: 1 << 30, Cap: 100 * time.Millisecond}

// Run runs the driver contract against the driver and backend the harness starts.
// Every check is a subtest of its own, with a fresh backend.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Setup == nil {
		t.Fatal("platformtest.Harness.Setup is required")
	}
	cases := []struct {
		name string
		run  func(t *testing.T, ctx context.Context, e *Env)
	}{
		{"CapabilitiesAreInTheCatalogue", capabilitiesInCatalogue},
		{"CreateReadRoundTrip", createReadRoundTrip},
		{"ReadMissingIsNotFound", readMissingIsNotFound},
		{"UpdateIsReadBack", updateIsReadBack},
		{"NoOpUpdateWritesNothing", noOpUpdateWritesNothing},
		{"CreateNeverTakesOverAnExistingFunction", createExistingIsConflict},
		{"AmbiguousCreateIsAdoptedNotResent", ambiguousCreateIsAdopted},
		{"DroppedCreateIsSentAgain", droppedCreateIsSentAgain},
		{"DeleteWaitsUntilGone", deleteWaitsUntilGone},
		{"OutOfBandDeleteIsNotFound", outOfBandDelete},
		{"OutOfBandChangeIsDriftAndRepaired", outOfBandChange},
		{"Secrets", secrets},
		{"SecretAmbiguousCreateIsAdopted", secretAmbiguousCreate},
		{"ScalingPolicy", scalingPolicy},
		{"CronTrigger", cronTrigger},
		{"TopicTrigger", topicTrigger},
		{"Route", routes},
		{"TrafficSplit", trafficSplit},
		{"ConcurrentWritersOfOneFunction", concurrentWriters},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := h.Setup(t)
			if e == nil || e.Driver == nil || e.Function == nil || e.Exists == nil {
				t.Fatal("the harness must give Driver, Function and Exists")
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			c.run(t, ctx, e)
		})
	}
}

// capabilitiesInCatalogue: the driver reports only features of the catalogue.
func capabilitiesInCatalogue(t *testing.T, ctx context.Context, e *Env) {
	CheckCapabilities(t, info(t, ctx, e).Capabilities)
}

// CheckCapabilities fails t unless every feature caps lists is one of platform.Features,
// once: a name outside the catalogue is one no check asks for, and the faas_platform data
// source would show it. Drivers whose capabilities vary by backend or edition call it
// for each, beyond the one the contract runs against.
func CheckCapabilities(t testing.TB, caps platform.Capabilities) {
	t.Helper()
	seen := map[platform.Feature]bool{}
	for _, f := range caps.Supported {
		if !slices.Contains(platform.Features(), f) {
			t.Errorf("the driver reports %q, which is not in the catalogue (internal/platform/features.go)", f)
		}
		if seen[f] {
			t.Errorf("the driver reports %q twice", f)
		}
		seen[f] = true
	}
}

// create creates the harness's function named name and waits until it is ready.
func create(t *testing.T, ctx context.Context, e *Env, name string) *platform.Function {
	t.Helper()
	fn := e.Function(name)
	if _, err := e.Driver.CreateFunction(ctx, fn); err != nil {
		t.Fatalf("CreateFunction(%s): %v", fn.ID, err)
	}
	waitReady(t, ctx, e.Driver, fn.ID)
	return fn
}

// waitReady polls ReadFunction as the provider's readiness wait does.
func waitReady(t *testing.T, ctx context.Context, d platform.Driver, id platform.FunctionID) *platform.Function {
	t.Helper()
	var last *platform.Function
	err := platform.WaitFor(ctx, "function "+id.String(), "ready", poll, func(ctx context.Context) (bool, string, error) {
		fn, err := d.ReadFunction(ctx, id)
		if err != nil {
			return false, "", err
		}
		last = fn
		return fn.Status.Ready, fn.Status.Reason, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s to be ready: %v", id, err)
	}
	return last
}

// sameFunction reports the user-owned settings in which got differs from want: what a
// read must give back unchanged for a plan after apply to be empty. Empty and absent
// collections are the same; secrets are sets.
func sameFunction(got, want *platform.Function) []string {
	var diffs []string
	add := func(what string, ok bool) {
		if !ok {
			diffs = append(diffs, what)
		}
	}
	add("id", got.ID == want.ID)
	add("image", got.Image == want.Image)
	add("command", slices.Equal(got.Command, want.Command))
	add("args", slices.Equal(got.Args, want.Args))
	add("env", sameMap(got.Env, want.Env))
	add("labels", sameMap(got.Labels, want.Labels))
	add("annotations", sameMap(got.Annotations, want.Annotations))
	add("secrets", slices.Equal(slices.Sorted(slices.Values(got.Secrets)), slices.Sorted(slices.Values(want.Secrets))))
	add("limits", got.Limits == want.Limits)
	add("requests", got.Requests == want.Requests)
	add("timeout", got.Timeout == want.Timeout)
	add("max_concurrency", got.MaxConcurrency == want.MaxConcurrency)
	add("read_only_root_filesystem", got.ReadOnlyRootFilesystem == want.ReadOnlyRootFilesystem)
	return diffs
}

func sameMap(a, b map[string]string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return maps.Equal(a, b)
}

func checkSame(t *testing.T, what string, got, want *platform.Function) {
	t.Helper()
	if d := sameFunction(got, want); len(d) > 0 {
		t.Errorf("%s differs from what was written in %s:\n got  %+v\n want %+v", what, strings.Join(d, ", "), *got, *want)
	}
}

func createReadRoundTrip(t *testing.T, ctx context.Context, e *Env) {
	fn := e.Function("round")
	created, err := e.Driver.CreateFunction(ctx, fn)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, "the function CreateFunction returned", created, fn)
	if !e.Exists(fn.ID) {
		t.Fatal("CreateFunction returned, but the backend does not hold the function")
	}
	got := waitReady(t, ctx, e.Driver, fn.ID)
	checkSame(t, "the function read after create", got, fn)
	got = waitReady(t, ctx, e.newRun(t), fn.ID)
	checkSame(t, "the function read by the next run", got, fn)
	list, err := e.newRun(t).ListFunctions(ctx, fn.ID.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range list {
		if l.ID == fn.ID {
			found = true
			checkSame(t, "the listed function", l, fn)
		}
	}
	if !found {
		t.Errorf("ListFunctions(%q) does not return %s", fn.ID.Namespace, fn.ID)
	}
	// Reads never write.
	if before, ok := e.writes(); ok {
		if _, err := e.Driver.ReadFunction(ctx, fn.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Driver.ListFunctions(ctx, fn.ID.Namespace); err != nil {
			t.Fatal(err)
		}
		if after := e.Writes(); len(after) != len(before) {
			t.Errorf("reads wrote: %v", after[len(before):])
		}
	}
}

func readMissingIsNotFound(t *testing.T, ctx context.Context, e *Env) {
	id := e.Function("missing").ID
	if _, err := e.Driver.ReadFunction(ctx, id); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadFunction of a function that never existed: %v, want an error matching platform.ErrNotFound", err)
	}
	if err := e.Driver.DeleteFunction(ctx, id); err != nil {
		t.Errorf("DeleteFunction of a function that never existed: %v, want success", err)
	}
	if _, err := e.Driver.UpdateFunction(ctx, e.Function("missing")); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("UpdateFunction of a function that does not exist: %v, want an error matching platform.ErrNotFound", err)
	}
	if e.Exists(id) {
		t.Error("UpdateFunction of a missing function created it")
	}
}

// changed returns fn with the settings every platform honours changed.
func changed(fn *platform.Function) *platform.Function {
	c := *fn
	c.Image = strings.TrimSuffix(fn.Image, ":1") + ":2"
	c.Env = map[string]string{"MODE": "changed", "ADDED": "1"}
	c.Labels = map[string]string{"team": "b"}
	c.Annotations = nil
	return &c
}

func updateIsReadBack(t *testing.T, ctx context.Context, e *Env) {
	fn := create(t, ctx, e, "upd")
	next := changed(fn)
	got, err := e.Driver.UpdateFunction(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, "the function UpdateFunction returned", got, next)
	got = waitReady(t, ctx, e.newRun(t), fn.ID)
	checkSame(t, "the function read after update", got, next)
}

func noOpUpdateWritesNothing(t *testing.T, ctx context.Context, e *Env) {
	if e.Writes == nil {
		t.Skip("the harness cannot count writes (Env.Writes is nil)")
	}
	fn := create(t, ctx, e, "same")
	before := e.Writes()
	if _, err := e.Driver.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	if after := e.Writes(); len(after) != len(before) {
		t.Errorf("an update with nothing to change wrote %v (each write can roll the function out again)", after[len(before):])
	}
	// The same from the next run, which has only the platform's answers.
	before = e.Writes()
	if _, err := e.newRun(t).UpdateFunction(ctx, e.Function("same")); err != nil {
		t.Fatal(err)
	}
	if after := e.Writes(); len(after) != len(before) {
		t.Errorf("the next run's update with nothing to change wrote %v", after[len(before):])
	}
}

func createExistingIsConflict(t *testing.T, ctx context.Context, e *Env) {
	if e.PutForeign == nil {
		t.Skip("the harness cannot create a function behind the driver's back (Env.PutForeign is nil)")
	}
	fn := e.Function("taken")
	e.PutForeign(fn.ID)
	theirs, err := e.newRun(t).ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.Driver.CreateFunction(ctx, fn)
	if !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("CreateFunction over an existing function: %v, want an error matching platform.ErrConflict", err)
	}
	if !strings.Contains(err.Error(), "import") {
		t.Errorf("the conflict does not say how to import the function: %v", err)
	}
	after, err := e.newRun(t).ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Image != theirs.Image {
		t.Errorf("the existing function was changed: image %q, was %q", after.Image, theirs.Image)
	}
	// Its own function, created a second time, is a conflict too: create never upserts.
	own := create(t, ctx, e, "twice")
	if _, err := e.Driver.CreateFunction(ctx, own); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("a second CreateFunction of the same function: %v, want platform.ErrConflict", err)
	}
}

func countMethod(writes []string, method string) int {
	n := 0
	for _, w := range writes {
		if w == method {
			n++
		}
	}
	return n
}

func ambiguousCreateIsAdopted(t *testing.T, ctx context.Context, e *Env) {
	if e.LoseNextWriteResponse == nil {
		t.Skip("the harness cannot lose a write's answer (Env.LoseNextWriteResponse is nil)")
	}
	fn := e.Function("lost")
	before, counted := e.writes()
	e.LoseNextWriteResponse()
	got, err := e.Driver.CreateFunction(ctx, fn)
	if err != nil {
		t.Fatalf("a create whose answer was lost, but which was applied: %v, want it adopted", err)
	}
	if got == nil || got.ID != fn.ID {
		t.Fatalf("CreateFunction returned %+v", got)
	}
	if counted {
		if n := countMethod(e.Writes()[len(before):], "POST"); n != 1 {
			t.Errorf("%d creates sent, want 1: a create whose outcome is unknown is read back, never sent again blindly", n)
		}
	}
	waitReady(t, ctx, e.Driver, fn.ID)
}

func droppedCreateIsSentAgain(t *testing.T, ctx context.Context, e *Env) {
	if e.DropNextWrite == nil {
		t.Skip("the harness cannot drop a write (Env.DropNextWrite is nil)")
	}
	fn := e.Function("dropped")
	before, counted := e.writes()
	e.DropNextWrite()
	if _, err := e.Driver.CreateFunction(ctx, fn); err != nil {
		t.Fatalf("a create whose first attempt was dropped before it was applied: %v", err)
	}
	if !e.Exists(fn.ID) {
		t.Fatal("the function was not created")
	}
	if counted {
		if n := countMethod(e.Writes()[len(before):], "POST"); n != 2 {
			t.Errorf("%d creates sent, want 2: the dropped one was not applied, so the read-back finds nothing and it is sent again", n)
		}
	}
	waitReady(t, ctx, e.Driver, fn.ID)
}

func deleteWaitsUntilGone(t *testing.T, ctx context.Context, e *Env) {
	fn := create(t, ctx, e, "del")
	if err := e.Driver.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if e.Exists(fn.ID) {
		t.Fatal("DeleteFunction returned while the backend still held the function")
	}
	if _, err := e.Driver.ReadFunction(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadFunction after delete: %v, want platform.ErrNotFound", err)
	}
	if err := e.Driver.DeleteFunction(ctx, fn.ID); err != nil {
		t.Errorf("deleting it again: %v, want success", err)
	}
	// Gone means gone for a create too: the name can be used again at once.
	if _, err := e.Driver.CreateFunction(ctx, fn); err != nil {
		t.Errorf("creating it again after the delete: %v", err)
	}
}

func outOfBandDelete(t *testing.T, ctx context.Context, e *Env) {
	if e.DeleteOutOfBand == nil {
		t.Skip("the harness cannot delete behind the driver's back (Env.DeleteOutOfBand is nil)")
	}
	fn := create(t, ctx, e, "oob")
	e.DeleteOutOfBand(fn.ID)
	for e.Exists(fn.ID) {
		// The backend's own deletion may take a few reads.
		if _, err := e.newRun(t).ReadFunction(ctx, fn.ID); err != nil && !errors.Is(err, platform.ErrNotFound) {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatal("the backend never finished the out-of-band delete")
		}
	}
	next := e.newRun(t)
	if _, err := next.ReadFunction(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("the next run's ReadFunction after an out-of-band delete: %v, want platform.ErrNotFound", err)
	}
	if err := next.DeleteFunction(ctx, fn.ID); err != nil {
		t.Errorf("DeleteFunction of a function deleted out of band: %v, want success", err)
	}
}

func outOfBandChange(t *testing.T, ctx context.Context, e *Env) {
	if e.SetImageOutOfBand == nil {
		t.Skip("the harness cannot change a function behind the driver's back (Env.SetImageOutOfBand is nil)")
	}
	fn := create(t, ctx, e, "drift")
	const other = "ghcr.io/someone/else:6"
	e.SetImageOutOfBand(fn.ID, other)
	next := e.newRun(t)
	got, err := next.ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Image != other {
		t.Fatalf("the next run reads image %q after it was changed to %q out of band: drift hidden", got.Image, other)
	}
	if _, err := next.UpdateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	got = waitReady(t, ctx, e.newRun(t), fn.ID)
	checkSame(t, "the function read after repairing the drift", got, fn)
}

func secretDriver(t *testing.T, e *Env) platform.SecretDriver {
	t.Helper()
	sd, ok := e.Driver.(platform.SecretDriver)
	if !ok {
		t.Skipf("%T does not implement platform.SecretDriver: faas_secret is a plan-time error on this platform", e.Driver)
	}
	if e.SecretExists == nil {
		t.Fatal("the driver implements platform.SecretDriver, so the harness must give Env.SecretExists")
	}
	return sd
}

func secrets(t *testing.T, ctx context.Context, e *Env) {
	sd := secretDriver(t, e)
	ns := e.Driver.DefaultNamespace()
	s := &platform.Secret{Namespace: ns, Name: "api-key", Value: "first-value-1"}
	if ok, err := sd.SecretExists(ctx, ns, s.Name); err != nil || ok {
		t.Fatalf("SecretExists before create: %v, %v", ok, err)
	}
	if err := sd.CreateSecret(ctx, s); err != nil {
		t.Fatal(err)
	}
	if !e.SecretExists(ns, s.Name) {
		t.Fatal("CreateSecret returned, but the backend does not hold the secret")
	}
	checkValue := func(want string) {
		t.Helper()
		if e.SecretValue == nil {
			return
		}
		if v, ok := e.SecretValue(ns, s.Name); !ok || v != want {
			t.Errorf("the backend holds value %q (%v), want %q", v, ok, want)
		}
	}
	checkValue("first-value-1")
	if ok, err := sd.SecretExists(ctx, ns, s.Name); err != nil || !ok {
		t.Fatalf("SecretExists after create: %v, %v", ok, err)
	}
	if err := sd.CreateSecret(ctx, &platform.Secret{Namespace: ns, Name: s.Name, Value: "other-value-2"}); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("creating an existing secret: %v, want platform.ErrConflict", err)
	}
	checkValue("first-value-1")
	s.Value = "rotated-value-3"
	if err := sd.UpdateSecret(ctx, s); err != nil {
		t.Fatal(err)
	}
	checkValue("rotated-value-3")
	if err := sd.UpdateSecret(ctx, &platform.Secret{Namespace: ns, Name: "missing", Value: "x-value-4"}); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("updating a missing secret: %v, want platform.ErrNotFound", err)
	}
	if e.SecretExists(ns, "missing") {
		t.Error("updating a missing secret created it")
	}
	if err := sd.DeleteSecret(ctx, ns, s.Name); err != nil {
		t.Fatal(err)
	}
	if e.SecretExists(ns, s.Name) {
		t.Error("DeleteSecret returned while the backend still held the secret")
	}
	if ok, err := sd.SecretExists(ctx, ns, s.Name); err != nil || ok {
		t.Errorf("SecretExists after delete: %v, %v", ok, err)
	}
	if err := sd.DeleteSecret(ctx, ns, s.Name); err != nil {
		t.Errorf("deleting a missing secret: %v, want success", err)
	}
	// Gone means gone for a create too.
	if err := sd.CreateSecret(ctx, s); err != nil {
		t.Errorf("creating the secret again after its delete: %v", err)
	}
}

func secretAmbiguousCreate(t *testing.T, ctx context.Context, e *Env) {
	sd := secretDriver(t, e)
	if e.LoseNextWriteResponse == nil {
		t.Skip("the harness cannot lose a write's answer (Env.LoseNextWriteResponse is nil)")
	}
	ns := e.Driver.DefaultNamespace()
	before, counted := e.writes()
	e.LoseNextWriteResponse()
	if err := sd.CreateSecret(ctx, &platform.Secret{Namespace: ns, Name: "lost", Value: "lost-value-1"}); err != nil {
		t.Fatalf("a secret create whose answer was lost, but which was applied: %v, want it adopted", err)
	}
	if counted {
		if n := countMethod(e.Writes()[len(before):], "POST"); n != 1 {
			t.Errorf("%d creates sent, want 1", n)
		}
	}
	if !e.SecretExists(ns, "lost") {
		t.Error("the secret is not on the backend")
	}
}

func scalingPolicy(t *testing.T, ctx context.Context, e *Env) {
	sd, ok := e.Driver.(platform.ScalingDriver)
	if !ok {
		t.Skipf("%T does not implement platform.ScalingDriver: faas_scaling_policy is a plan-time error on this platform", e.Driver)
	}
	fn := create(t, ctx, e, "scaled")
	three, two := int64(3), int64(2)
	p := &platform.ScalingPolicy{Function: fn.ID, MaxReplicas: &three}
	probs, err := sd.CheckScalingPolicy(ctx, p, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Skipf("this backend refuses a policy with max_replicas = 3: %v", probs[0])
	}
	if _, err := sd.ReadScalingPolicy(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadScalingPolicy before any: %v, want platform.ErrNotFound", err)
	}
	if _, err := sd.ApplyScalingPolicy(ctx, p, true); err != nil {
		t.Fatal(err)
	}
	got, err := sd.ReadScalingPolicy(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxReplicas == nil || *got.MaxReplicas != 3 {
		t.Errorf("max replicas read back: %v", got.MaxReplicas)
	}
	if _, err := sd.ApplyScalingPolicy(ctx, p, true); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("a second policy on the same function: %v, want platform.ErrConflict", err)
	}
	p.MaxReplicas = &two
	if _, err := sd.ApplyScalingPolicy(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	// The function's own settings survive the policy's writes, and its update keeps the policy.
	read, err := e.newRun(t).ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, "the function after its policy was written", read, fn)
	if _, err := e.Driver.UpdateFunction(ctx, changed(fn)); err != nil {
		t.Fatal(err)
	}
	got, err = sd.ReadScalingPolicy(ctx, fn.ID)
	if err != nil {
		t.Fatalf("the policy after a function update: %v", err)
	}
	if got.MaxReplicas == nil || *got.MaxReplicas != 2 {
		t.Errorf("the function's update lost its policy: max replicas %v", got.MaxReplicas)
	}
	if err := sd.DeleteScalingPolicy(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sd.ReadScalingPolicy(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadScalingPolicy after delete: %v, want platform.ErrNotFound", err)
	}
	if err := e.Driver.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if err := sd.DeleteScalingPolicy(ctx, fn.ID); err != nil {
		t.Errorf("DeleteScalingPolicy of a deleted function: %v, want success", err)
	}
}

func cronTrigger(t *testing.T, ctx context.Context, e *Env) {
	td, ok := e.Driver.(platform.TriggerDriver)
	if !ok {
		t.Skipf("%T does not implement platform.TriggerDriver: faas_trigger is a plan-time error on this platform", e.Driver)
	}
	fn := create(t, ctx, e, "cron")
	tr := &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "*/5 * * * *"}
	probs, err := td.CheckTrigger(ctx, tr, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) > 0 {
		t.Skipf("this backend refuses a cron trigger: %v", probs[0])
	}
	created, err := td.CreateTrigger(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	id := td.TriggerID(created)
	got, err := td.ReadTrigger(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != platform.TriggerCron || got.Schedule != tr.Schedule || got.Function != fn.ID {
		t.Errorf("trigger read back: %+v", got)
	}
	if _, err := td.CreateTrigger(ctx, tr); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("creating the same trigger again: %v, want platform.ErrConflict", err)
	}
	up := *created
	up.Schedule = "0 * * * *"
	if _, err := td.UpdateTrigger(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if got, err := td.ReadTrigger(ctx, id); err != nil || got.Schedule != "0 * * * *" {
		t.Errorf("after update: %+v, %v", got, err)
	}
	if err := td.DeleteTrigger(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if _, err := td.ReadTrigger(ctx, id); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadTrigger after delete: %v, want platform.ErrNotFound", err)
	}
	if err := td.DeleteTrigger(ctx, &up); err != nil {
		t.Errorf("deleting a missing trigger: %v, want success", err)
	}
}
