package platformtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The contract of the sub-drivers beyond secrets, scaling policies and cron triggers:
// topic triggers, routes, traffic splits, and writers of one function's children
// running at the same time. Each case runs on the drivers that implement the interface
// it needs and skips, saying so, on the others.

func triggerDriver(t *testing.T, d platform.Driver) platform.TriggerDriver {
	t.Helper()
	td, ok := d.(platform.TriggerDriver)
	if !ok {
		t.Skipf("%T does not implement platform.TriggerDriver: faas_trigger is a plan-time error on this platform", d)
	}
	return td
}

func info(t *testing.T, ctx context.Context, e *Env) platform.Info {
	t.Helper()
	i, err := e.Driver.Info(ctx)
	if err != nil {
		t.Fatalf("Info: %v", err)
	}
	return i
}

func (e *Env) prepareTopic(t *testing.T, tr *platform.Trigger) {
	t.Helper()
	if e.PrepareTopic != nil {
		e.PrepareTopic(t, tr)
	}
}

func (e *Env) prepareRoute(t *testing.T, r *platform.Route) {
	t.Helper()
	if e.PrepareRoute != nil {
		e.PrepareRoute(t, r)
	}
}

// triggerDiffs reports the settings in which got differs from want. Name and Broker,
// which drivers may fill in (a derived object name, the default broker), are compared
// only where want sets them.
func triggerDiffs(got, want *platform.Trigger) []string {
	var d []string
	add := func(what string, ok bool) {
		if !ok {
			d = append(d, what)
		}
	}
	add("function", got.Function == want.Function)
	add("type", got.Type == want.Type)
	add("topic", got.Topic == want.Topic)
	add("schedule", got.Schedule == want.Schedule)
	add("time_zone", got.TimeZone == want.TimeZone)
	add("payload", got.Payload == want.Payload)
	add("name", want.Name == "" || got.Name == want.Name)
	add("broker", want.Broker == "" || got.Broker == want.Broker)
	return d
}

func checkTrigger(t *testing.T, what string, got, want *platform.Trigger) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil trigger", what)
		return
	}
	if d := triggerDiffs(got, want); len(d) > 0 {
		t.Errorf("%s differs from what was written in %s:\n got  %+v\n want %+v", what, strings.Join(d, ", "), *got, *want)
	}
}

func readTrigger(t *testing.T, ctx context.Context, td platform.TriggerDriver, id string) *platform.Trigger {
	t.Helper()
	got, err := td.ReadTrigger(ctx, id)
	if err != nil {
		t.Fatalf("ReadTrigger(%q): %v", id, err)
	}
	return got
}

// topicTrigger: create, read back, a no-op update, a second identical create is a
// conflict, a second topic on the same function as the platform's capabilities say
// (faas_trigger.topic.multiple), delete of exactly the one trigger, not found after.
func topicTrigger(t *testing.T, ctx context.Context, e *Env) {
	td := triggerDriver(t, e.Driver)
	caps := info(t, ctx, e).Capabilities
	if !caps.Has(platform.FeatureTriggerTopic) {
		t.Skip("the platform does not report faas_trigger.topic")
	}
	fn := create(t, ctx, e, "topics")
	tr := &platform.Trigger{Function: fn.ID, Type: platform.TriggerTopic, Topic: "orders.created"}
	e.prepareTopic(t, tr)
	if probs, err := td.CheckTrigger(ctx, tr, true); err != nil || len(probs) > 0 {
		t.Fatalf("CheckTrigger of a plain topic trigger on a platform with faas_trigger.topic: %v, %v", probs, err)
	}
	if _, err := td.ReadTrigger(ctx, td.TriggerID(tr)); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadTrigger before the trigger exists: %v, want platform.ErrNotFound", err)
	}
	created, err := td.CreateTrigger(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	checkTrigger(t, "the trigger CreateTrigger returned", created, tr)
	id := td.TriggerID(created)
	// Each read of the next run is a fresh driver: a run's read cache sees its own
	// writes only.
	next := func() platform.TriggerDriver { return triggerDriver(t, e.newRun(t)) }
	checkTrigger(t, "the trigger read by the next run", readTrigger(t, ctx, next(), id), created)

	// Create never upserts.
	if _, err := td.CreateTrigger(ctx, tr); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("creating the same topic trigger again: %v, want platform.ErrConflict", err)
	}
	checkTrigger(t, "the trigger after a second create was refused", readTrigger(t, ctx, next(), id), created)

	// The topic is the trigger's identity on some platforms (OpenFaaS: the element of
	// the topic annotation), so the update every driver allows is a rewrite of the
	// same settings: accepted, read back equal, and with nothing to change, no write.
	before, counted := e.writes()
	updated, err := td.UpdateTrigger(ctx, created)
	if err != nil {
		t.Fatalf("UpdateTrigger with the settings it has: %v", err)
	}
	checkTrigger(t, "the trigger UpdateTrigger returned", updated, created)
	if counted {
		if after := e.Writes(); len(after) != len(before) {
			t.Errorf("an update of a topic trigger with nothing to change wrote %v", after[len(before):])
		}
	}
	checkTrigger(t, "the trigger read after update", readTrigger(t, ctx, next(), id), created)

	// A second topic on the same function.
	other := &platform.Trigger{Function: fn.ID, Type: platform.TriggerTopic, Topic: "orders.cancelled"}
	e.prepareTopic(t, other)
	otherID := td.TriggerID(other)
	_, err = td.CreateTrigger(ctx, other)
	multiple := caps.Has(platform.FeatureTriggerTopicMultiple)
	switch {
	case multiple && err != nil:
		t.Fatalf("a second topic on a platform with faas_trigger.topic.multiple: %v", err)
	case !multiple && !errors.Is(err, platform.ErrConflict):
		t.Fatalf("a second topic on a platform without faas_trigger.topic.multiple: %v, want platform.ErrConflict", err)
	case !multiple:
		if _, err := next().ReadTrigger(ctx, otherID); !errors.Is(err, platform.ErrNotFound) {
			t.Errorf("the refused second topic reads %v, want platform.ErrNotFound", err)
		}
	}
	checkTrigger(t, "the first trigger after a second topic was created", readTrigger(t, ctx, next(), id), created)

	if err := td.DeleteTrigger(ctx, created); err != nil {
		t.Fatal(err)
	}
	if _, err := next().ReadTrigger(ctx, id); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadTrigger after delete: %v, want platform.ErrNotFound", err)
	}
	if err := td.DeleteTrigger(ctx, created); err != nil {
		t.Errorf("deleting a missing topic trigger: %v, want success", err)
	}
	if multiple {
		checkTrigger(t, "the other topic's trigger after the first was deleted", readTrigger(t, ctx, next(), otherID), other)
	}
	// A trigger of a deleted function is gone or deletable.
	if err := e.Driver.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if err := td.DeleteTrigger(ctx, other); err != nil {
		t.Errorf("deleting a topic trigger of a deleted function: %v, want success", err)
	}
	if _, err := next().ReadTrigger(ctx, otherID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadTrigger of a deleted function's trigger after its delete: %v, want platform.ErrNotFound", err)
	}
}

func sameMethods(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func checkRoute(t *testing.T, what string, got, want *platform.Route) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil route", what)
		return
	}
	path := func(p string) string {
		if p == "" {
			return "/"
		}
		return p
	}
	if got.Function != want.Function || got.Host != want.Host || path(got.Path) != path(want.Path) ||
		!sameMethods(got.Methods, want.Methods) || got.TLSSecret != want.TLSSecret {
		t.Errorf("%s differs from what was written:\n got  %+v\n want %+v", what, *got, *want)
	}
}

// routes: create, read back with a URL, a second create is a conflict, update, not
// found before create and after delete, delete of a missing route succeeds.
func routes(t *testing.T, ctx context.Context, e *Env) {
	rd, ok := e.Driver.(platform.RouteDriver)
	if !ok {
		t.Skipf("%T does not implement platform.RouteDriver: faas_route is a plan-time error on this platform", e.Driver)
	}
	caps := info(t, ctx, e).Capabilities
	fn := create(t, ctx, e, "routed")
	r := &platform.Route{Function: fn.ID, Host: "api.example.org", Path: "/"}
	if probs, err := rd.CheckRoute(ctx, r); err != nil || len(probs) > 0 {
		t.Fatalf("CheckRoute of a route of a whole host: %v, %v", probs, err)
	}
	id := rd.RouteID(r)
	if _, err := rd.ReadRoute(ctx, id); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadRoute before the route exists: %v, want platform.ErrNotFound", err)
	}
	e.prepareRoute(t, r)
	created, err := rd.CreateRoute(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, "the route CreateRoute returned", created, r)
	next := func() platform.RouteDriver { d, _ := e.newRun(t).(platform.RouteDriver); return d }
	got, err := next().ReadRoute(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, "the route read by the next run", got, r)
	if got.URL == "" {
		t.Errorf("a ready route reads without a URL: %+v", *got)
	}

	_, err = rd.CreateRoute(ctx, r)
	if !errors.Is(err, platform.ErrConflict) {
		t.Errorf("creating the same route again: %v, want platform.ErrConflict", err)
	} else if !strings.Contains(err.Error(), "import") {
		t.Errorf("the conflict does not say how to import the route: %v", err)
	}

	up := *r
	if caps.Has(platform.FeatureRouteTLSSecret) {
		up.TLSSecret = "api-tls"
	} else {
		t.Log("the platform does not report faas_route.tls_secret: the update rewrites the same settings")
	}
	e.prepareRoute(t, &up)
	if got, err := rd.UpdateRoute(ctx, &up); err != nil {
		t.Fatal(err)
	} else {
		checkRoute(t, "the route UpdateRoute returned", got, &up)
	}
	if got, err := next().ReadRoute(ctx, id); err != nil {
		t.Fatal(err)
	} else {
		checkRoute(t, "the route read after update", got, &up)
	}

	if err := rd.DeleteRoute(ctx, &up); err != nil {
		t.Fatal(err)
	}
	if _, err := next().ReadRoute(ctx, id); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadRoute after delete: %v, want platform.ErrNotFound", err)
	}
	if err := rd.DeleteRoute(ctx, &up); err != nil {
		t.Errorf("deleting a missing route: %v, want success", err)
	}
}

func checkSplit(t *testing.T, what string, got, want *platform.TrafficSplit) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil split", what)
		return
	}
	same := got.Function == want.Function && len(got.Targets) == len(want.Targets)
	for i := 0; same && i < len(got.Targets); i++ {
		a, b := got.Targets[i], want.Targets[i]
		same = a.RevisionName == b.RevisionName && a.LatestRevision == b.LatestRevision && a.Percent == b.Percent && a.Tag == b.Tag
	}
	if !same {
		t.Errorf("%s differs from what was written:\n got  %+v\n want %+v", what, *got, *want)
	}
}

// trafficSplit: everything to the latest revision, then to that revision by name, read
// back each time; a second create is a conflict; the function's own update keeps the
// split; removal gives the function back its default traffic (not found).
func trafficSplit(t *testing.T, ctx context.Context, e *Env) {
	xd, ok := e.Driver.(platform.TrafficDriver)
	if !ok {
		t.Skipf("%T does not implement platform.TrafficDriver: the platform has no revisions, and faas_traffic_split is a plan-time error", e.Driver)
	}
	fn := create(t, ctx, e, "split")
	rev := waitReady(t, ctx, e.Driver, fn.ID).Status.LatestReadyRevision
	if rev == "" {
		t.Fatal("a ready function reads without Status.LatestReadyRevision, which a driver with revisions reports")
	}
	next := func() platform.TrafficDriver { d, _ := e.newRun(t).(platform.TrafficDriver); return d }
	if _, err := xd.ReadTrafficSplit(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadTrafficSplit of a function with its default traffic: %v, want platform.ErrNotFound", err)
	}
	latest := &platform.TrafficSplit{Function: fn.ID, Targets: []platform.TrafficTarget{{LatestRevision: true, Percent: 100}}}
	if probs, err := xd.CheckTrafficSplit(ctx, latest, true); err != nil || len(probs) > 0 {
		t.Fatalf("CheckTrafficSplit of everything to the latest revision: %v, %v", probs, err)
	}
	got, err := xd.ApplyTrafficSplit(ctx, latest, true)
	if err != nil {
		t.Fatal(err)
	}
	checkSplit(t, "the split ApplyTrafficSplit returned", got, latest)
	if got, err = next().ReadTrafficSplit(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	checkSplit(t, "the split read by the next run", got, latest)
	if _, err := xd.ApplyTrafficSplit(ctx, latest, true); !errors.Is(err, platform.ErrConflict) {
		t.Errorf("creating a split on a function that has one: %v, want platform.ErrConflict", err)
	}

	pinned := &platform.TrafficSplit{Function: fn.ID, Targets: []platform.TrafficTarget{{RevisionName: rev, Percent: 100}}}
	if _, err := xd.ApplyTrafficSplit(ctx, pinned, false); err != nil {
		t.Fatalf("everything to revision %s: %v", rev, err)
	}
	if got, err = next().ReadTrafficSplit(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	checkSplit(t, "the split read after update", got, pinned)
	// The function's settings survive the split's writes, and its update keeps the split.
	read, err := e.newRun(t).ReadFunction(ctx, fn.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkSame(t, "the function after its split was written", read, fn)
	if _, err := e.Driver.UpdateFunction(ctx, changed(fn)); err != nil {
		t.Fatal(err)
	}
	if got, err = next().ReadTrafficSplit(ctx, fn.ID); err != nil {
		t.Fatalf("the split after a function update: %v", err)
	}
	checkSplit(t, "the split after a function update", got, pinned)

	if err := xd.DeleteTrafficSplit(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := next().ReadTrafficSplit(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Errorf("ReadTrafficSplit after delete: %v, want platform.ErrNotFound", err)
	}
	if err := xd.DeleteTrafficSplit(ctx, fn.ID); err != nil {
		t.Errorf("deleting a missing split: %v, want success", err)
	}
	if err := e.Driver.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if err := xd.DeleteTrafficSplit(ctx, fn.ID); err != nil {
		t.Errorf("DeleteTrafficSplit of a deleted function: %v, want success", err)
	}
}

// concurrentWriters: an update of a function, its scaling policy and its triggers,
// written at the same time by two drivers of one process (as aliased provider blocks
// on one platform), all land: the per-function lock orders them and each keeps the
// keys the others own (DESIGN.md sections 5.1 and 5.2).
func concurrentWriters(t *testing.T, ctx context.Context, e *Env) {
	caps := info(t, ctx, e).Capabilities
	fn := create(t, ctx, e, "busy")
	drivers := []platform.Driver{e.Driver, e.newRun(t)}
	type writer struct {
		name  string
		write func(ctx context.Context) error
		check func(t *testing.T, ctx context.Context, d platform.Driver)
	}
	nextFn := changed(fn)
	writers := []writer{{
		name: "function update",
		write: func(ctx context.Context) error {
			_, err := drivers[0].UpdateFunction(ctx, nextFn)
			return err
		},
		check: func(t *testing.T, ctx context.Context, d platform.Driver) {
			got, err := d.ReadFunction(ctx, fn.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkSame(t, "the function written beside its children", got, nextFn)
		},
	}}
	if sd, ok := drivers[1].(platform.ScalingDriver); ok {
		four := int64(4)
		p := &platform.ScalingPolicy{Function: fn.ID, MaxReplicas: &four}
		if probs, err := sd.CheckScalingPolicy(ctx, p, true); err != nil {
			t.Fatal(err)
		} else if len(probs) == 0 {
			writers = append(writers, writer{
				name: "scaling policy",
				write: func(ctx context.Context) error {
					_, err := sd.ApplyScalingPolicy(ctx, p, true)
					return err
				},
				check: func(t *testing.T, ctx context.Context, d platform.Driver) {
					sd, _ := d.(platform.ScalingDriver)
					got, err := sd.ReadScalingPolicy(ctx, fn.ID)
					if err != nil {
						t.Errorf("the scaling policy written beside the others: %v", err)
					} else if got.MaxReplicas == nil || *got.MaxReplicas != 4 {
						t.Errorf("the scaling policy written beside the others reads max replicas %v, want 4", got.MaxReplicas)
					}
				},
			})
		} else {
			t.Logf("no scaling policy among the writers: the platform refuses max_replicas = 4 (%v)", probs[0])
		}
	}
	if _, ok := e.Driver.(platform.TriggerDriver); ok {
		var triggers []*platform.Trigger
		topic := func(name string) *platform.Trigger {
			return &platform.Trigger{Function: fn.ID, Type: platform.TriggerTopic, Topic: name}
		}
		cron := &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "*/5 * * * *"}
		switch {
		case caps.Has(platform.FeatureTriggerTopicMultiple):
			triggers = append(triggers, topic("busy.one"), topic("busy.two"))
		case caps.Has(platform.FeatureTriggerCronAndTopic) && caps.Has(platform.FeatureTriggerTopic):
			triggers = append(triggers, cron, topic("busy.one"))
		case caps.Has(platform.FeatureTriggerTopic):
			triggers = append(triggers, topic("busy.one"))
		case caps.Has(platform.FeatureTriggerCron):
			triggers = append(triggers, cron)
		}
		for i, tr := range triggers {
			td, _ := drivers[(i+1)%len(drivers)].(platform.TriggerDriver)
			if tr.Type == platform.TriggerTopic {
				e.prepareTopic(t, tr)
			}
			if probs, err := td.CheckTrigger(ctx, tr, true); err != nil || len(probs) > 0 {
				t.Fatalf("CheckTrigger(%+v): %v, %v", *tr, probs, err)
			}
			writers = append(writers, writer{
				name: fmt.Sprintf("%s trigger %d", tr.Type, i+1),
				write: func(ctx context.Context) error {
					_, err := td.CreateTrigger(ctx, tr)
					return err
				},
				check: func(t *testing.T, ctx context.Context, d platform.Driver) {
					id := td.TriggerID(tr)
					got, err := triggerDriver(t, d).ReadTrigger(ctx, id)
					if err != nil {
						t.Errorf("trigger %s written beside the others: %v", id, err)
						return
					}
					checkTrigger(t, "trigger "+id+" written beside the others", got, tr)
				},
			})
		}
	}
	if len(writers) < 2 {
		t.Skip("the driver implements no sub-driver whose writes go to a function: nothing writes beside the function's update")
	}
	names := make([]string, len(writers))
	for i, w := range writers {
		names[i] = w.name
	}
	t.Logf("writing at the same time: %s", strings.Join(names, ", "))
	errs := make([]error, len(writers))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = w.write(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i, w := range writers {
		if errs[i] != nil {
			t.Errorf("%s, written at the same time as the others: %v", w.name, errs[i])
		}
	}
	if t.Failed() {
		return
	}
	waitReady(t, ctx, e.Driver, fn.ID)
	check := e.newRun(t)
	for _, w := range writers {
		w.check(t, ctx, check)
	}
}
