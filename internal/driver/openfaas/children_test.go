package openfaas

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

func TestParseTriggerID(t *testing.T) {
	good := map[string]platform.Trigger{
		"openfaas-fn/f/cron":            {Function: platform.FunctionID{Namespace: "openfaas-fn", Name: "f"}, Type: "cron"},
		"ns/f/topic/orders":             {Function: platform.FunctionID{Namespace: "ns", Name: "f"}, Type: "topic", Topic: "orders"},
		"ns/f/topic/a/b/+/#":            {Function: platform.FunctionID{Namespace: "ns", Name: "f"}, Type: "topic", Topic: "a/b/+/#"},
		"ns/f/topic/with space/and/sep": {Function: platform.FunctionID{Namespace: "ns", Name: "f"}, Type: "topic", Topic: "with space/and/sep"},
	}
	for in, want := range good {
		got, err := ParseTriggerID(in)
		if err != nil || *got != want {
			t.Errorf("%q: got %+v, %v", in, got, err)
			continue
		}
		if back := triggerID(got); back != in {
			t.Errorf("round trip %q -> %q", in, back)
		}
	}
	for _, in := range []string{"", "ns/f", "ns/f/cron/x", "ns/f/topic", "ns/f/topic/", "ns/f/webhook/x", "NS/f/cron", "f/cron"} {
		if _, err := ParseTriggerID(in); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

func TestValidateCron(t *testing.T) {
	for _, ok := range []string{"*/5 * * * *", "0 9 * * 1-5", "@hourly", "@every 10m", "0 0 1 1 0"} {
		if err := ValidateCron(ok); err != nil {
			t.Errorf("%q rejected: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "  ", "0 */5 * * * *", "0 9 * * 1-7", "0 9 * * *;0 17 * * *", "every day", "61 * * * *"} {
		err := ValidateCron(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.TrimSpace(bad) != "" && !strings.Contains(err.Error(), "cron-connector's dialect") {
			t.Errorf("%q: the error must name the dialect: %v", bad, err)
		}
	}
	// The connector's parser reads these, but the zone belongs in time_zone.
	for _, bad := range []string{"TZ=", "CRON_TZ=", "TZ=UTC 0 * * * *", "CRON_TZ=Europe/Paris @daily", " TZ=UTC @hourly"} {
		if err := ValidateCron(bad); err == nil || !strings.Contains(err.Error(), "set time_zone") {
			t.Errorf("%q: want the time zone prefix refused, naming time_zone: %v", bad, err)
		}
	}
}

func TestPolicyLabelsRoundTrip(t *testing.T) {
	i := func(v int64) *int64 { return &v }
	p := &platform.ScalingPolicy{MinReplicas: i(0), MaxReplicas: i(7), Metric: "concurrency", Target: i(12),
		TargetUtilizationPercent: i(85), ScaleToZeroAfter: "20m"}
	labels := policyLabels(p)
	// Scale to zero is com.openfaas.scale.zero, with no minimum label (OpenFaaS keeps one
	// replica while awake).
	if labels[labelScaleType] != "capacity" || labels[labelScaleProportion] != "0.85" || labels[labelScaleZero] != "true" {
		t.Fatalf("labels %v", labels)
	}
	back := policyFromLabels(p.Function, labels)
	if *back.MinReplicas != 0 || *back.MaxReplicas != 7 || back.Metric != "concurrency" || *back.Target != 12 ||
		*back.TargetUtilizationPercent != 85 || back.ScaleToZeroAfter != "20m" {
		t.Fatalf("round trip %+v", back)
	}
	// Labels set outside Terraform: com.openfaas.scale.zero is scale to zero whatever
	// minimum applies while awake; without it the minimum is min_replicas.
	for _, c := range []struct {
		labels map[string]string
		want   int64
	}{
		{map[string]string{labelScaleZero: "true", labelScaleMin: "3"}, 0},
		{map[string]string{labelScaleZero: "false", labelScaleMin: "3"}, 3},
		{map[string]string{labelScaleMin: "2"}, 2},
	} {
		if got := policyFromLabels(p.Function, c.labels).MinReplicas; got == nil || *got != c.want {
			t.Fatalf("%v: min_replicas %v, want %d", c.labels, got, c.want)
		}
	}
}

func TestTriggersShareTheTopicAnnotation(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	ctx := context.Background()
	fn := sampleFunction("events")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	cron := &platform.Trigger{Function: fn.ID, Type: "cron", Schedule: "@daily"}
	a := &platform.Trigger{Function: fn.ID, Type: "topic", Topic: "a"}
	b := &platform.Trigger{Function: fn.ID, Type: "topic", Topic: "b/c"}
	for _, tr := range []*platform.Trigger{cron, a, b} {
		if _, err := d.CreateTrigger(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fn.ID, Type: "cron", Schedule: "@hourly"}); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("second cron: %v", err)
	}
	stored, _ := sim.GetFunction(DefaultNamespace, "events")
	if stored.Annotations["topic"] != "cron-function,a,b/c" || stored.Annotations["schedule"] != "@daily" {
		t.Fatalf("annotations %v", stored.Annotations)
	}
	if err := d.DeleteTrigger(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteTrigger(ctx, cron); err != nil {
		t.Fatal(err)
	}
	stored, _ = sim.GetFunction(DefaultNamespace, "events")
	if stored.Annotations["topic"] != "b/c" || stored.Annotations["schedule"] != "" {
		t.Fatalf("after deletes: %v", stored.Annotations)
	}
	if _, err := d.ReadTrigger(ctx, triggerID(a)); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("deleted trigger read: %v", err)
	}
	// Deleting from a function that is gone is not an error.
	sim.DeleteFunction(DefaultNamespace, "events")
	if err := d.DeleteTrigger(ctx, b); err != nil {
		t.Fatalf("delete on a missing function: %v", err)
	}
}

func TestSecretsNeverOverwriteAndAdoptLostCreate(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	ctx := context.Background()
	sim.PutSecret(DefaultNamespace, "theirs", "v1")
	if err := d.CreateSecret(ctx, &platform.Secret{Namespace: DefaultNamespace, Name: "theirs", Value: "mine"}); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("got %v", err)
	}
	if v, _ := sim.SecretValue(DefaultNamespace, "theirs"); v != "v1" {
		t.Fatalf("overwritten: %q", v)
	}
	sim.SetFaults(openfaassim.Faults{LoseResponses: 1, Only: func(m, p string) bool { return m == "POST" }})
	if err := d.CreateSecret(ctx, &platform.Secret{Namespace: DefaultNamespace, Name: "mine", Value: "s3cret-value"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := sim.SecretValue(DefaultNamespace, "mine"); v != "s3cret-value" {
		t.Fatalf("value %q", v)
	}
	if err := d.DeleteSecret(ctx, DefaultNamespace, "mine"); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteSecret(ctx, DefaultNamespace, "mine"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
}

// TestCreateNeverAdoptsAnIdenticalFunction: a function this provider created earlier
// (another state, or a run killed before it saved its state) is not adopted because its
// configuration is the same: only the create token of this create's own attempts counts
// (platform.CreateOnce).
func TestCreateNeverAdoptsAnIdenticalFunction(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	ctx := context.Background()
	fn := sampleFunction("interrupted")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	again := sampleFunction("interrupted")
	if _, err := d.CreateFunction(ctx, again); !errors.Is(err, platform.ErrConflict) || !strings.Contains(err.Error(), "import it") {
		t.Fatalf("the same configuration, created by another create, must not be adopted: %v", err)
	}
	// Nor after a create whose answer was lost: the function read back carries the first
	// create's token, not this one's.
	sim.SetFaults(openfaassim.Faults{LoseResponses: 1, Only: func(m, _ string) bool { return m == http.MethodPost }})
	if _, err := d.CreateFunction(ctx, sampleFunction("interrupted")); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("an ambiguous create must not adopt another create's function: %v", err)
	}
	sim.ClearFaults()
	// Nor a function without this provider's record, even with the same settings.
	sim.PutFunction(openfaassim.Function{Service: "foreign", Namespace: DefaultNamespace, Image: "x:1"})
	if _, err := d.CreateFunction(ctx, &platform.Function{ID: platform.FunctionID{Namespace: DefaultNamespace, Name: "foreign"}, Image: "x:1"}); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("a function deployed outside Terraform: %v", err)
	}
	if f, _ := sim.GetFunction(DefaultNamespace, "interrupted"); f.Image != fn.Image {
		t.Fatalf("the existing function was changed: %s", f.Image)
	}
}

// TestRemovingKeysFromAFunctionDeletedMeanwhile: a child's delete that removed its keys
// and waits for the rollout succeeds when the function is deleted during the wait (a
// destroy of a child with a literal function_id runs alongside its function's).
func TestRemovingKeysFromAFunctionDeletedMeanwhile(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	ctx := context.Background()
	if _, err := d.CreateFunction(ctx, sampleFunction("going")); err != nil {
		t.Fatal(err)
	}
	tr := &platform.Trigger{Function: platform.FunctionID{Namespace: DefaultNamespace, Name: "going"}, Type: platform.TriggerCron, Schedule: "@daily"}
	if _, err := d.CreateTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	sim.SetReadyAfterPolls(-1)
	done := make(chan error, 1)
	go func() { done <- d.DeleteTrigger(ctx, tr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if f, _ := sim.GetFunction(DefaultNamespace, "going"); f.Annotations["schedule"] == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the trigger's keys were never removed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	sim.DeleteFunction(DefaultNamespace, "going")
	if err := <-done; err != nil {
		t.Fatalf("a function deleted during the wait is not an error: %v", err)
	}
}

// TestNeverWritesUnknownValues: faas-netes does not return env vars, constraints or
// readOnlyRootFilesystem, so for a function deployed outside Terraform they are unknown.
// An update that leaves one of them unset, and every child write, is refused before
// anything is sent; an update that sets them writes and records them. A child's delete
// leaves its keys and says which (a *platform.KeysRemainError).
func TestNeverWritesUnknownValues(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	ctx := context.Background()
	id := platform.FunctionID{Namespace: DefaultNamespace, Name: "legacy"}
	sim.PutFunction(openfaassim.Function{Service: "legacy", Namespace: DefaultNamespace, Image: "x:1",
		EnvVars: map[string]string{"MODE": "prod"}, ReadOnlyRootFilesystem: true, Constraints: []string{"zone=a"},
		Annotations: map[string]string{"topic": "cron-function", "schedule": "@daily"}})
	got, err := d.ReadFunction(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{platform.AttrEnv, "timeout", "max_concurrency", platform.AttrConstraints, platform.AttrReadOnlyRootFilesystem}; !reflect.DeepEqual(got.Status.Unreadable, want) {
		t.Fatalf("unreadable %v, want %v", got.Status.Unreadable, want)
	}
	sim.ResetRequests()
	change := &platform.Function{ID: id, Image: "x:2", Env: map[string]string{"MODE": "prod"}, Unset: []string{platform.AttrReadOnlyRootFilesystem}}
	var uve *platform.UnknownValuesError
	if _, err := d.UpdateFunction(ctx, change); !errors.As(err, &uve) || !reflect.DeepEqual(uve.Attributes, []string{platform.AttrReadOnlyRootFilesystem}) {
		t.Fatalf("an update that does not know read_only_root_filesystem: %v", err)
	}
	tr := &platform.Trigger{Function: id, Type: platform.TriggerTopic, Topic: "orders"}
	if _, err := d.CreateTrigger(ctx, tr); !errors.As(err, &uve) {
		t.Fatalf("a child write into a function without a record: %v", err)
	}
	var kr *platform.KeysRemainError
	if err := d.DeleteTrigger(ctx, &platform.Trigger{Function: id, Type: platform.TriggerCron}); !errors.As(err, &kr) ||
		!reflect.DeepEqual(kr.Keys, []string{`annotation "schedule"`, `annotation "topic"`}) {
		t.Fatalf("a child delete on a function without a record: %v", err)
	}
	if w := sim.Writes(); len(w) != 0 {
		t.Fatalf("refused writes reached the platform: %+v", w)
	}
	// The way out: set them; the write records them, and children work again.
	change.ReadOnlyRootFilesystem, change.Constraints, change.Unset = true, []string{"zone=a"}, nil
	if _, err := d.UpdateFunction(ctx, change); err != nil {
		t.Fatal(err)
	}
	if f, _ := sim.GetFunction(DefaultNamespace, "legacy"); f.EnvVars["MODE"] != "prod" || !f.ReadOnlyRootFilesystem || len(f.Constraints) != 1 {
		t.Fatalf("the update lost what it was told: %+v", f)
	}
	if _, err := d.CreateTrigger(ctx, tr); err != nil {
		t.Fatalf("a child write after the record exists: %v", err)
	}
}

// TestAcceptedButUnseenChildWriteIsReturned: when faas-netes accepts a child's write
// (202) but its reads do not show it before the deadline, the policy and the trigger come
// back together with the error (the ScalingDriver and TriggerDriver contracts), so that
// the provider keeps them, tainted, instead of leaving their keys on the function with
// nothing in state.
func TestAcceptedButUnseenChildWriteIsReturned(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{})
	if _, err := d.CreateFunction(context.Background(), sampleFunction("slow")); err != nil {
		t.Fatal(err)
	}
	id := platform.FunctionID{Namespace: DefaultNamespace, Name: "slow"}
	sim.SetStaleReads(time.Minute)
	one, four := int64(1), int64(4)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if p, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: id, MinReplicas: &one, MaxReplicas: &four}, true); err == nil || p == nil {
		t.Errorf("ApplyScalingPolicy returned %v, %v; want the policy with the error", p, err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	if tr, err := d.CreateTrigger(ctx2, &platform.Trigger{Function: id, Type: platform.TriggerCron, Schedule: "@daily"}); err == nil || tr == nil {
		t.Errorf("CreateTrigger returned %v, %v; want the trigger with the error", tr, err)
	}
}
