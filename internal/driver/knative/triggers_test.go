package knative

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

func TestValidatePingSchedule(t *testing.T) {
	for _, ok := range []string{"*/5 * * * *", "0 30 9 * * 1-5", "@daily", "@hourly", "0 0 1 JAN *", "0 0 * * SUN"} {
		if err := ValidatePingSchedule(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"":                     "empty",
		"@every 5m":            "@every",
		"61 * * * * *":         "PingSource dialect",
		"* * * *":              "PingSource dialect",
		"TZ=UTC * * * * *":     "time zone prefix",
		"CRON_TZ=":             "time zone prefix",
		"* * * * * * *":        "PingSource dialect",
		"@fortnightly":         "PingSource dialect",
		"0 0 32 * *":           "PingSource dialect",
		"CRON_TZ=Europe/Paris": "time zone prefix",
	} {
		err := ValidatePingSchedule(bad)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", bad, err, want)
		}
	}
}

func TestDeriveTriggerName(t *testing.T) {
	fn := platform.FunctionID{Namespace: "default", Name: "hello"}
	long := strings.Repeat("x", 80)
	cases := []struct {
		t    platform.Trigger
		want string
	}{
		{platform.Trigger{Function: fn, Type: platform.TriggerCron}, "hello-cron"},
		{platform.Trigger{Function: fn, Type: platform.TriggerTopic, Topic: "orders"}, "hello-orders"},
		{platform.Trigger{Function: fn, Type: platform.TriggerTopic, Topic: "com.Acme.Order/Created"}, "hello-com-acme-order-created"},
	}
	for _, c := range cases {
		if got := DeriveTriggerName(&c.t); got != c.want {
			t.Errorf("%+v: %q, want %q", c.t, got, c.want)
		}
	}
	seen := map[string]string{}
	for _, topic := range []string{"cron", "...", long, long + "y", "a.b"} {
		tr := platform.Trigger{Function: fn, Type: platform.TriggerTopic, Topic: topic}
		name := DeriveTriggerName(&tr)
		if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
			t.Errorf("topic %q: %q is not a DNS label: %v", topic, name, msgs)
		}
		if name == "hello-cron" {
			t.Errorf("topic %q collides with the cron name", topic)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("topics %q and %q both derive %q", prev, topic, name)
		}
		seen[name] = topic
		if again := DeriveTriggerName(&tr); again != name {
			t.Errorf("not stable: %q then %q", name, again)
		}
	}
}

func putObj(t *testing.T, sim *k8ssim.Server, apiVersion, kind, ns, name string, spec map[string]any) {
	t.Helper()
	meta := map[string]any{"name": name}
	if ns != "" {
		meta["namespace"] = ns
	}
	obj := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": meta}
	if spec != nil {
		obj["spec"] = spec
	}
	if err := sim.Put(&unstructured.Unstructured{Object: obj}); err != nil {
		t.Fatal(err)
	}
}

func TestTriggerLifecycle(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: 1})
	ctx := context.Background()
	if _, err := d.CreateFunction(ctx, sampleFunction("hello")); err != nil {
		t.Fatal(err)
	}
	fn := platform.FunctionID{Namespace: "default", Name: "hello"}
	cronT := &platform.Trigger{Function: fn, Type: platform.TriggerCron, Schedule: "@hourly", TimeZone: "UTC", Payload: `{"a":1}`}
	got, err := d.CreateTrigger(ctx, cronT)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "hello-cron" || got.Schedule != "@hourly" || got.TimeZone != "UTC" || got.Payload != `{"a":1}` || got.Function != fn {
		t.Fatalf("created %+v", got)
	}
	if _, err := d.CreateTrigger(ctx, cronT); !errors.Is(err, platform.ErrConflict) {
		t.Fatalf("second create: %v", err)
	}
	read, err := d.ReadTrigger(ctx, "default/hello-cron")
	if err != nil || *read != *got {
		t.Fatalf("read %+v, %v", read, err)
	}
	cronT.Schedule, cronT.TimeZone, cronT.Payload = "0 0 9 * * *", "", ""
	if got, err = d.UpdateTrigger(ctx, cronT); err != nil || got.Schedule != "0 0 9 * * *" || got.TimeZone != "" || got.Payload != "" {
		t.Fatalf("update %+v, %v", got, err)
	}
	if err := d.DeleteTrigger(ctx, cronT); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadTrigger(ctx, "default/hello-cron"); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
	if err := d.DeleteTrigger(ctx, cronT); err != nil {
		t.Fatalf("second delete: %v", err)
	}

	// A topic trigger on a missing Broker: a plan-time problem, and at apply a wait that
	// ends with Knative's reason and a hint.
	topicT := &platform.Trigger{Function: fn, Type: platform.TriggerTopic, Topic: "com.acme.x"}
	probs, err := d.CheckTrigger(ctx, topicT, true)
	if err != nil || len(probs) != 1 || probs[0].Attribute.String() != "broker" {
		t.Fatalf("check without a broker: %v %v", probs, err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second) // a write and a first status read, even on a loaded machine
	defer cancel()
	got, err = d.CreateTrigger(short, topicT)
	var nr *NotReadyChildError
	if !errors.As(err, &nr) || got == nil || !strings.Contains(err.Error(), "BrokerDoesNotExist") || !strings.Contains(err.Error(), "kn broker create default") {
		t.Fatalf("create on a missing broker: %+v, %v", got, err)
	}
	putObj(t, sim, "eventing.knative.dev/v1", "Broker", "default", "default", nil)
	if probs, err := d.CheckTrigger(ctx, topicT, true); err != nil || len(probs) != 0 {
		t.Fatalf("check with the broker: %v %v", probs, err)
	}
	if got, err = d.UpdateTrigger(ctx, topicT); err != nil || got.Broker != "default" || got.Topic != "com.acme.x" {
		t.Fatalf("update once the broker exists: %+v, %v", got, err)
	}
	topicT.Broker = "other"
	if _, err := d.UpdateTrigger(ctx, topicT); !errors.Is(err, platform.ErrInvalid) {
		t.Fatalf("broker change in place: %v", err)
	}
}

func TestRouteLifecycleAndClaims(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{ReadyAfterPolls: 1})
	ctx := context.Background()
	fn := platform.FunctionID{Namespace: "default", Name: "hello"}
	if _, err := d.CreateFunction(ctx, sampleFunction("hello")); err != nil {
		t.Fatal(err)
	}
	r := &platform.Route{Function: fn, Host: "api.example.org", Path: "/"}
	probs, err := d.CheckRoute(ctx, &platform.Route{Function: fn, Host: "x.example.org", Path: "/v1", Methods: []string{"GET"}})
	if err != nil || len(probs) != 2 {
		t.Fatalf("check: %v %v", probs, err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second) // a write and a first status read, even on a loaded machine
	defer cancel()
	got, err := d.CreateRoute(short, r)
	if err == nil || got == nil || !strings.Contains(err.Error(), "No ClusterDomainClaim exists for \"api.example.org\"") {
		t.Fatalf("create without a claim: %+v, %v", got, err)
	}
	// A claim owned by another namespace is reported as such.
	putObj(t, sim, "networking.internal.knative.dev/v1alpha1", "ClusterDomainClaim", "", "api.example.org", map[string]any{"namespace": "other"})
	short2, cancel2 := context.WithTimeout(ctx, 2*time.Second) // a write and a first status read, even on a loaded machine
	defer cancel2()
	if _, err := d.UpdateRoute(short2, r); err == nil || !strings.Contains(err.Error(), `belongs to namespace "other"`) {
		t.Fatalf("update with another namespace's claim: %v", err)
	}
	putObj(t, sim, "networking.internal.knative.dev/v1alpha1", "ClusterDomainClaim", "", "api.example.org", map[string]any{"namespace": "default"})
	r.TLSSecret = "api-tls"
	if got, err = d.UpdateRoute(ctx, r); err != nil || got.URL != "https://api.example.org" || got.TLSSecret != "api-tls" || got.Path != "/" {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if read, err := d.ReadRoute(ctx, d.RouteID(r)); err != nil || read.Function != fn || read.TLSSecret != "api-tls" {
		t.Fatalf("read: %+v, %v", read, err)
	}
	if err := d.DeleteRoute(ctx, r); err != nil {
		t.Fatal(err)
	}
	if _, err := d.ReadRoute(ctx, "default/api.example.org"); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("read after delete: %v", err)
	}
}

// TestTriggerNameUsedByTheOtherKind: a trigger id (namespace/name) must name one object,
// so a PingSource cannot take the name of an Eventing Trigger (or the reverse); the
// check costs one list of the other kind per run, not a read per trigger.
func TestTriggerNameUsedByTheOtherKind(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := platform.FunctionID{Namespace: "default", Name: "clash"}
	if _, err := d.CreateFunction(ctx, sampleFunction("clash")); err != nil {
		t.Fatal(err)
	}
	putObj(t, sim, "eventing.knative.dev/v1", "Broker", "default", "default", nil)
	topic := &platform.Trigger{Function: fn, Type: platform.TriggerTopic, Topic: "orders", Name: "clash-cron"}
	if _, err := d.CreateTrigger(ctx, topic); err != nil {
		t.Fatal(err)
	}
	_, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fn, Type: platform.TriggerCron, Schedule: "@hourly"})
	if !errors.Is(err, platform.ErrConflict) || !strings.Contains(err.Error(), "a Trigger named default/clash-cron already exists") {
		t.Fatalf("a PingSource taking a Trigger's name: %v", err)
	}
	if n := len(sim.List(k8ssim.PingSourcesGVR, "default")); n != 0 {
		t.Fatalf("%d PingSources written", n)
	}
	// The next run, which has not written Triggers: one list answers every check.
	next := driverFor(t, sim.URL())
	sim.ResetRequests()
	for i := range 5 {
		cron := &platform.Trigger{Function: fn, Type: platform.TriggerCron, Schedule: "@hourly", Name: fmt.Sprintf("clash-cron-%d", i)}
		if _, err := next.CreateTrigger(ctx, cron); err != nil {
			t.Fatal(err)
		}
	}
	if got := requestCounts(sim); got["list triggers"] != 1 || got["get triggers"] != 0 {
		t.Fatalf("five creates checked the other kind with %v, want one list of Triggers", got)
	}
}
