package k8ssim

import (
	"context"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

func TestServiceDefaulting(t *testing.T) {
	_, dc := newSim(t, Options{User: "alice"})
	ctx := context.Background()
	u := ksvc("defaults", "img:1")
	c := map[string]any{"image": "img:1",
		"env":          []any{map[string]any{"name": "EMPTY", "value": ""}, map[string]any{"name": "A", "value": "1"}},
		"resources":    map[string]any{"limits": map[string]any{"cpu": "0.5", "memory": "128Mi"}, "requests": map[string]any{"cpu": int64(1)}},
		"volumeMounts": []any{map[string]any{"name": "s", "mountPath": "/var/openfaas/secrets"}},
	}
	_ = unstructured.SetNestedSlice(u.Object, []any{c}, "spec", "template", "spec", "containers")
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"name": "s", "secret": map[string]any{"secretName": "x"}}}, "spec", "template", "spec", "volumes")
	got, err := dc.Resource(ServicesGVR).Namespace("default").Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		path []string
		want any
	}{
		{[]string{"spec", "template", "spec", "timeoutSeconds"}, int64(300)},
		{[]string{"spec", "template", "spec", "containerConcurrency"}, int64(0)},
		{[]string{"spec", "template", "spec", "enableServiceLinks"}, false},
		{[]string{"metadata", "annotations", CreatorAnnotation}, "alice"},
		{[]string{"metadata", "annotations", LastModifierAnnotation}, "alice"},
	}
	for _, c := range checks {
		v, _, _ := unstructured.NestedFieldNoCopy(got.Object, c.path...)
		if !reflect.DeepEqual(v, c.want) {
			t.Errorf("%s = %#v, want %#v", strings.Join(c.path, "."), v, c.want)
		}
	}
	containers, _, _ := unstructured.NestedSlice(got.Object, "spec", "template", "spec", "containers")
	cm, _ := containers[0].(map[string]any)
	if cm["name"] != "user-container" {
		t.Errorf("container name %v", cm["name"])
	}
	if !reflect.DeepEqual(cm["readinessProbe"], map[string]any{"successThreshold": int64(1), "tcpSocket": map[string]any{"port": int64(0)}}) {
		t.Errorf("readiness probe %v", cm["readinessProbe"])
	}
	if cpu, mem := at(cm, "resources", "limits", "cpu"), at(cm, "resources", "limits", "memory"); cpu != "500m" || mem != "128Mi" {
		t.Errorf("quantities not canonical: %v %v", cpu, mem)
	}
	if cpu := at(cm, "resources", "requests", "cpu"); cpu != "1" {
		t.Errorf("integer quantity not canonical: %v", cpu)
	}
	if env := at(cm, "env", "0"); !reflect.DeepEqual(env, map[string]any{"name": "EMPTY"}) {
		t.Errorf("empty env value kept: %v", env)
	}
	if ro := at(cm, "volumeMounts", "0", "readOnly"); ro != true {
		t.Errorf("volume mount not read-only: %v", cm["volumeMounts"])
	}
	traffic, _, _ := unstructured.NestedSlice(got.Object, "spec", "traffic")
	if !reflect.DeepEqual(traffic, []any{map[string]any{"latestRevision": true, "percent": int64(100)}}) {
		t.Errorf("traffic %v", traffic)
	}
	if _, ok := got.Object["status"]; ok {
		t.Errorf("a create answers no status yet: %v", got.Object["status"])
	}
	// lastModifier moves only with the spec; creator never.
	sim2, dc2 := newSim(t, Options{User: "bob"})
	_ = sim2
	created, err := dc2.Resource(ServicesGVR).Namespace("default").Create(ctx, ksvc("mod", "img:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.SetLabels(map[string]string{"x": "y"})
	up, err := dc2.Resource(ServicesGVR).Namespace("default").Update(ctx, created, metav1.UpdateOptions{})
	if err != nil || up.GetAnnotations()[LastModifierAnnotation] != "bob" {
		t.Fatalf("metadata update: %v %v", up, err)
	}
	ann := up.GetAnnotations()
	ann[CreatorAnnotation] = "mallory"
	up.SetAnnotations(ann)
	if _, err := dc2.Resource(ServicesGVR).Namespace("default").Update(ctx, up, metav1.UpdateOptions{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "annotation value is immutable") {
		t.Errorf("changing the creator: %v", err)
	}
	ann[CreatorAnnotation] = "bob"
	delete(ann, LastModifierAnnotation)
	ann[LastModifierAnnotation] = "mallory"
	up.SetAnnotations(ann)
	if _, err := dc2.Resource(ServicesGVR).Namespace("default").Update(ctx, up, metav1.UpdateOptions{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), LastModifierAnnotation) {
		t.Errorf("changing lastModifier without a spec change: %v", err)
	}
}

func getSvc(t *testing.T, dc dynamic.Interface, name string) *unstructured.Unstructured {
	t.Helper()
	u, err := dc.Resource(ServicesGVR).Namespace("default").Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestServiceReadinessStateMachine(t *testing.T) {
	_, dc := newSim(t, Options{ReadyAfterPolls: 2, StaleStatusPolls: 1})
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	if _, err := ri.Create(ctx, ksvc("ready", "img:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Create: no stale phase; two polls Unknown, then True.
	for i, want := range []string{"Unknown", "Unknown", "True", "True"} {
		u := getSvc(t, dc, "ready")
		st, reason, _ := condition(u, "Ready")
		og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		if st != want || og != 1 {
			t.Fatalf("poll %d: Ready=%s (%s) observedGeneration=%d, want %s/1", i, st, reason, og, want)
		}
	}
	u := getSvc(t, dc, "ready")
	if got, _, _ := unstructured.NestedString(u.Object, "status", "latestReadyRevisionName"); got != "ready-00001" {
		t.Errorf("latestReadyRevisionName %q", got)
	}
	if got, _, _ := unstructured.NestedString(u.Object, "status", "url"); got != "http://ready.default.example.com" {
		t.Errorf("url %q", got)
	}
	for _, c := range []string{"ConfigurationsReady", "RoutesReady"} {
		if st, _, _ := condition(u, c); st != "True" {
			t.Errorf("%s=%s", c, st)
		}
	}
	// A template change: one stale poll (old generation, still Ready True), two
	// Unknown, then True with revision 2.
	if err := setImage(u, "img:2"); err != nil {
		t.Fatal(err)
	}
	if _, err := ri.Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	type step struct {
		ready string
		og    int64
	}
	for i, want := range []step{{"True", 1}, {"Unknown", 2}, {"Unknown", 2}, {"True", 2}} {
		u := getSvc(t, dc, "ready")
		st, _, _ := condition(u, "Ready")
		og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		if st != want.ready || og != want.og || u.GetGeneration() != 2 {
			t.Fatalf("poll %d after update: Ready=%s og=%d gen=%d, want %+v", i, st, og, u.GetGeneration(), want)
		}
	}
	u = getSvc(t, dc, "ready")
	if got, _, _ := unstructured.NestedString(u.Object, "status", "latestCreatedRevisionName"); got != "ready-00002" {
		t.Errorf("second revision %q", got)
	}
	// A traffic-only change bumps generation but creates no revision.
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"latestRevision": true, "percent": int64(100), "tag": "current"}}, "spec", "traffic")
	if _, err := ri.Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		u = getSvc(t, dc, "ready")
	}
	if got, _, _ := unstructured.NestedString(u.Object, "status", "latestCreatedRevisionName"); got != "ready-00002" || u.GetGeneration() != 3 {
		t.Errorf("traffic change: revision %q generation %d", got, u.GetGeneration())
	}
	tr, _, _ := unstructured.NestedSlice(u.Object, "status", "traffic")
	if len(tr) != 1 || at(tr, "0", "url") != "http://current-ready.default.example.com" {
		t.Errorf("status traffic %v", tr)
	}
}

func TestServiceFailureAndConditionOverride(t *testing.T) {
	s, dc := newSim(t, Options{FailImages: map[string]Failure{"ghcr.io/acme/missing:1": {Reason: "RevisionMissing", Message: "Unable to fetch image \"ghcr.io/acme/missing:1\""}}})
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	if _, err := ri.Create(ctx, ksvc("broken", "ghcr.io/acme/missing:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	u := getSvc(t, dc, "broken")
	st, reason, msg := condition(u, "Ready")
	// As on the real Serving: Ready tells the Route's text; the cause is in
	// ConfigurationsReady.
	if st != "False" || reason != "RevisionMissing" || msg != `Configuration "broken" does not have any ready Revision.` {
		t.Fatalf("Ready=%s %s %s", st, reason, msg)
	}
	if st, reason, msg := condition(u, "ConfigurationsReady"); st != "False" || reason != "RevisionFailed" || !containsAll(msg, "broken-00001", "Unable to fetch image") {
		t.Errorf("ConfigurationsReady=%s %s %s", st, reason, msg)
	}
	// Fixing the image clears the failure.
	if err := setImage(u, "ghcr.io/acme/ok:1"); err != nil {
		t.Fatal(err)
	}
	if _, err := ri.Update(ctx, u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := condition(getSvc(t, dc, "broken"), "Ready"); st != "True" {
		t.Errorf("after the fix Ready=%s", st)
	}
	// An out-of-band condition holds until the next spec change.
	if err := s.SetCondition(ServicesGVR, "default", "broken", Condition{Type: "Ready", Status: "False", Reason: "ExternalProblem", Message: "node pool drained"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if st, reason, _ := condition(getSvc(t, dc, "broken"), "Ready"); st != "False" || reason != "ExternalProblem" {
			t.Fatalf("override poll %d: %s %s", i, st, reason)
		}
	}
	// A failing sub-condition makes Ready follow it.
	if err := s.SetCondition(ServicesGVR, "default", "broken", Condition{Type: "RoutesReady", Status: "False", Reason: "IngressNotReady", Message: "x"}); err != nil {
		t.Fatal(err)
	}
	if st, reason, _ := condition(getSvc(t, dc, "broken"), "Ready"); st != "False" || reason != "IngressNotReady" {
		t.Errorf("Ready follows RoutesReady: %s %s", st, reason)
	}
	// Global failure.
	_, dc2 := newSim(t, Options{Failure: &Failure{Reason: "RevisionMissing", Message: "quota exceeded"}})
	if _, err := dc2.Resource(ServicesGVR).Namespace("default").Create(ctx, ksvc("f", "img:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _, msg := condition(getSvc(t, dc2, "f"), "ConfigurationsReady"); st != "False" || msg != `Revision "f-00001" failed with message: quota exceeded.` {
		t.Errorf("global failure: %s %s", st, msg)
	}
	// Never ready.
	_, dc3 := newSim(t, Options{ReadyAfterPolls: -1})
	if _, err := dc3.Resource(ServicesGVR).Namespace("default").Create(ctx, ksvc("n", "img:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		if st, _, _ := condition(getSvc(t, dc3, "n"), "Ready"); st != "Unknown" {
			t.Fatalf("never-ready service: %s", st)
		}
	}
}

func TestWebhookValidation(t *testing.T) {
	_, dc := newSim(t, Options{})
	ctx := context.Background()
	tmpl := func(anns map[string]any) *unstructured.Unstructured {
		return withTemplateAnnotations(ksvc("v", "img:1"), anns)
	}
	container := func(c map[string]any) *unstructured.Unstructured {
		u := ksvc("v", "img:1")
		c["image"] = "img:1"
		_ = unstructured.SetNestedSlice(u.Object, []any{c}, "spec", "template", "spec", "containers")
		return u
	}
	withSpec := func(field string, v any) *unstructured.Unstructured {
		u := ksvc("v", "img:1")
		_ = unstructured.SetNestedField(u.Object, v, "spec", "template", "spec", field)
		return u
	}
	svcMeta := ksvc("v", "img:1")
	svcMeta.SetAnnotations(map[string]string{"autoscaling.knative.dev/min-scale": "1"})
	digitName := ksvc("1abc", "img:1")
	vis := ksvc("v", "img:1")
	vis.SetLabels(map[string]string{visibilityLabel: "public"})
	cases := []struct {
		name string
		obj  *unstructured.Unstructured
		want string // "" = accepted
	}{
		{"autoscaling on service metadata", svcMeta, `autoscaling annotations must be put under "spec.template.metadata.annotations" to work`},
		{"min > max", tmpl(map[string]any{"autoscaling.knative.dev/min-scale": "5", "autoscaling.knative.dev/max-scale": "2"}), "max-scale=2 is less than min-scale=5"},
		{"legacy aliases", tmpl(map[string]any{"autoscaling.knative.dev/minScale": "5", "autoscaling.knative.dev/maxScale": "2"}), "max-scale=2 is less than min-scale=5"},
		{"negative min", tmpl(map[string]any{"autoscaling.knative.dev/min-scale": "-1"}), "expected 0 <= -1 <= 2147483647"},
		{"non-integer max", tmpl(map[string]any{"autoscaling.knative.dev/max-scale": "two"}), `invalid value: two`},
		{"target too small", tmpl(map[string]any{"autoscaling.knative.dev/target": "0.001"}), "target 0.001 should be at least 0.01"},
		{"utilization 0", tmpl(map[string]any{"autoscaling.knative.dev/target-utilization-percentage": "0"}), "expected 1 <= 0 <= 100"},
		{"utilization 101", tmpl(map[string]any{"autoscaling.knative.dev/target-utilization-percentage": "101"}), "expected 1 <= 101 <= 100"},
		{"window too short", tmpl(map[string]any{"autoscaling.knative.dev/window": "5s"}), "expected 6s <= 5s <= 1h0m0s"},
		{"window too long", tmpl(map[string]any{"autoscaling.knative.dev/window": "2h"}), "expected 6s <= 2h <= 1h0m0s"},
		{"window sub-second", tmpl(map[string]any{"autoscaling.knative.dev/window": "6500ms"}), "at most second precision"},
		{"retention too long", tmpl(map[string]any{"autoscaling.knative.dev/scale-to-zero-pod-retention-period": "2h"}), "expected 0s <= 2h <= 1h0m0s"},
		{"unknown kpa metric", tmpl(map[string]any{"autoscaling.knative.dev/metric": "cpu"}), "invalid value: cpu"},
		{"hpa cpu", tmpl(map[string]any{"autoscaling.knative.dev/class": hpaClass, "autoscaling.knative.dev/metric": "cpu"}), ""},
		{"unknown class", tmpl(map[string]any{"autoscaling.knative.dev/class": "foo.autoscaling.knative.dev"}), "invalid value: foo.autoscaling.knative.dev"},
		{"initial scale zero", tmpl(map[string]any{"autoscaling.knative.dev/initial-scale": "0"}), "not allowed by cluster"},
		{"activation scale 1", tmpl(map[string]any{"autoscaling.knative.dev/activation-scale": "1"}), "must be greater than 1"},
		{"valid kpa", tmpl(map[string]any{"autoscaling.knative.dev/min-scale": "0", "autoscaling.knative.dev/max-scale": "10", "autoscaling.knative.dev/metric": "rps",
			"autoscaling.knative.dev/target": "150", "autoscaling.knative.dev/target-utilization-percentage": "70", "autoscaling.knative.dev/scale-to-zero-pod-retention-period": "10m"}), ""},
		{"reserved env", container(map[string]any{"env": []any{map[string]any{"name": "PORT", "value": "1"}}}), `"PORT" is a reserved environment variable`},
		{"timeout too long", withSpec("timeoutSeconds", int64(601)), "expected 0 <= 601 <= 600: spec.template.spec.timeoutSeconds"},
		{"concurrency too high", withSpec("containerConcurrency", int64(1001)), "expected 0 <= 1001 <= 1000"},
		{"unmounted volume", withSpec("volumes", []any{map[string]any{"name": "v", "secret": map[string]any{"secretName": "s"}}}), `volume with name "v" not mounted`},
		{"mount without volume", container(map[string]any{"volumeMounts": []any{map[string]any{"name": "v", "mountPath": "/x"}}}), "volumeMount has no matching volume"},
		{"reserved mount path", func() *unstructured.Unstructured {
			u := container(map[string]any{"volumeMounts": []any{map[string]any{"name": "v", "mountPath": "/dev"}}})
			_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"name": "v", "secret": map[string]any{"secretName": "s"}}}, "spec", "template", "spec", "volumes")
			return u
		}(), `mountPath "/dev" is a reserved path`},
		{"name not DNS-1035", digitName, "not a DNS 1035 label"},
		// Knative 1.23's webhook admits any value (the hand-written model refused it).
		{"visibility label", vis, ""},
		{"traffic sum", func() *unstructured.Unstructured {
			u := ksvc("v", "img:1")
			_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{"latestRevision": true, "percent": int64(90)}}, "spec", "traffic")
			return u
		}(), "Traffic targets sum to 90, want 100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			obj := c.obj.DeepCopy()
			_, err := dc.Resource(ServicesGVR).Namespace("default").Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if c.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `admission webhook "validation.webhook.serving.knative.dev" denied the request`) {
				t.Fatalf("got %v\nwant a 400 mentioning %q", err, c.want)
			}
		})
	}
}

func TestEventingAndDomainMapping(t *testing.T) {
	s, dc := newSim(t, Options{})
	ctx := context.Background()
	create := func(u *unstructured.Unstructured) error {
		gvr := ServicesGVR
		for g, o := range samples() {
			if o.GetKind() == u.GetKind() {
				gvr = g
			}
		}
		_, err := dc.Resource(gvr).Namespace("default").Create(ctx, u, metav1.CreateOptions{})
		return err
	}
	get := func(gvr interface{ String() string }, name string) *unstructured.Unstructured {
		for g := range samples() {
			if g.String() == gvr.String() {
				u, err := dc.Resource(g).Namespace("default").Get(ctx, name, metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				return u
			}
		}
		return nil
	}
	sm := samples()
	// Trigger without a broker, PingSource and DomainMapping without their Service.
	for _, gvr := range []interface{ String() string }{TriggersGVR, PingSourcesGVR, DomainMappingsGVR} {
		for g, o := range sm {
			if g.String() == gvr.String() {
				if err := create(o.DeepCopy()); err != nil {
					t.Fatalf("%s: %v", g.Resource, err)
				}
			}
		}
	}
	if st, reason, _ := condition(get(TriggersGVR, "orders"), "Ready"); st != "False" || reason != "BrokerDoesNotExist" {
		t.Errorf("trigger without broker: %s %s", st, reason)
	}
	if st, reason, _ := condition(get(PingSourcesGVR, "every-minute"), "Ready"); st != "False" || reason != "NotFound" {
		t.Errorf("pingsource without sink: %s %s", st, reason)
	}
	if st, reason, _ := condition(get(DomainMappingsGVR, "hello.example.org"), "Ready"); st != "False" || reason != "DomainAlreadyClaimed" {
		t.Errorf("domain mapping without claim: %s %s", st, reason)
	}
	for _, o := range []*unstructured.Unstructured{sm[BrokersGVR], ksvc("hello", "img:1")} {
		if err := create(o); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := dc.Resource(ClusterDomainClaimsGVR).Create(ctx, sm[ClusterDomainClaimsGVR], metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tr := get(TriggersGVR, "orders")
	if st, _, _ := condition(tr, "Ready"); st != "True" {
		t.Errorf("trigger: %v", tr.Object["status"])
	}
	if u, _, _ := unstructured.NestedString(tr.Object, "status", "subscriberUri"); u != "http://hello.default.svc.cluster.local" {
		t.Errorf("subscriberUri %q", u)
	}
	if tr.GetLabels()["eventing.knative.dev/broker"] != "default" {
		t.Errorf("trigger broker label: %v", tr.GetLabels())
	}
	ps := get(PingSourcesGVR, "every-minute")
	if st, _, _ := condition(ps, "Ready"); st != "True" {
		t.Errorf("pingsource: %v", ps.Object["status"])
	}
	// As on the real Eventing: the sink's namespace stays unset, the user info is set.
	if ns, found, _ := unstructured.NestedString(ps.Object, "spec", "sink", "ref", "namespace"); found {
		t.Errorf("sink namespace defaulted to %q; the real webhook leaves it unset", ns)
	}
	if ps.GetAnnotations()["sources.knative.dev/creator"] == "" || tr.GetAnnotations()["eventing.knative.dev/creator"] == "" {
		t.Errorf("no creator annotations: PingSource %v, Trigger %v", ps.GetAnnotations(), tr.GetAnnotations())
	}
	dm := get(DomainMappingsGVR, "hello.example.org")
	if st, _, _ := condition(dm, "Ready"); st != "True" {
		t.Errorf("domain mapping: %v", dm.Object["status"])
	}
	if u, _, _ := unstructured.NestedString(dm.Object, "status", "url"); u != "http://hello.example.org" {
		t.Errorf("domain mapping url %q", u)
	}
	// Webhook rules of the eventing and domain mapping kinds.
	_ = unstructured.SetNestedField(tr.Object, "other", "spec", "broker")
	if _, err := dc.Resource(TriggersGVR).Namespace("default").Update(ctx, tr, metav1.UpdateOptions{}); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "Immutable fields changed") {
		t.Errorf("changing a trigger's broker: %v", err)
	}
	bad := []struct {
		obj  *unstructured.Unstructured
		want string
	}{
		{func() *unstructured.Unstructured {
			u := sm[PingSourcesGVR].DeepCopy()
			u.SetName("every")
			_ = unstructured.SetNestedField(u.Object, "@every 1m", "spec", "schedule")
			return u
		}(), "@every"},
		{func() *unstructured.Unstructured {
			u := sm[PingSourcesGVR].DeepCopy()
			u.SetName("tz")
			_ = unstructured.SetNestedField(u.Object, "Mars/Olympus", "spec", "timezone")
			return u
		}(), "spec.timezone"},
		{func() *unstructured.Unstructured {
			u := sm[PingSourcesGVR].DeepCopy()
			u.SetName("nosink")
			unstructured.RemoveNestedField(u.Object, "spec", "sink")
			return u
		}(), "expected at least one, got none"},
		{func() *unstructured.Unstructured {
			u := sm[DomainMappingsGVR].DeepCopy()
			u.SetName("localhost")
			return u
		}(), "invalid name"},
		{func() *unstructured.Unstructured {
			u := sm[DomainMappingsGVR].DeepCopy()
			u.SetName("x.default.svc.cluster.local")
			return u
		}(), "cluster local domain"},
	}
	for _, b := range bad {
		if err := create(b.obj); !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s %s: %v, want 400 with %q", b.obj.GetKind(), b.obj.GetName(), err, b.want)
		}
	}
	// PingSource schedule default.
	noSched := sm[PingSourcesGVR].DeepCopy()
	noSched.SetName("defaulted")
	unstructured.RemoveNestedField(noSched.Object, "spec", "schedule")
	if err := create(noSched); err != nil {
		t.Fatal(err)
	}
	if sched, _, _ := unstructured.NestedString(get(PingSourcesGVR, "defaulted").Object, "spec", "schedule"); sched != "* * * * *" {
		t.Errorf("schedule default %q", sched)
	}
	_ = s
}

// TestListsAdvanceControllers: a real controller reconciles whether clients get or list,
// so an API list counts as a read of every object it returns.
func TestListsAdvanceControllers(t *testing.T) {
	_, dc := newSim(t, Options{ReadyAfterPolls: 1})
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	if _, err := ri.Create(ctx, ksvc("listed", "img:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Unknown", "True"} {
		list, err := ri.List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) != 1 {
			t.Fatalf("list: %v", err)
		}
		if st, _, _ := condition(&list.Items[0], "Ready"); st != want {
			t.Fatalf("list %d: Ready=%s, want %s", i, st, want)
		}
	}
}
