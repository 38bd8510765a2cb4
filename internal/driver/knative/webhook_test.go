package knative

import (
	"context"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// webhookText is how every finding taken from Knative's own validation begins.
const webhookText = `Knative would refuse it: admission webhook "validation.webhook.serving.knative.dev" denied the request: validation failed: `

// TestCheckFunctionQuotesKnativeValidation: bad faas_function inputs give, on the
// attribute they come from, the text Knative's own validation gives (knative.dev/serving
// Service.Validate), and the simulated webhook refuses the same Service.
func TestCheckFunctionQuotesKnativeValidation(t *testing.T) {
	d, sim := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	fn := func(mut func(*platform.Function)) *platform.Function {
		f := &platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "f"}, Image: "ghcr.io/acme/f:1"}
		mut(f)
		return f
	}
	cases := []struct {
		name      string
		fn        *platform.Function
		attr, msg string
		simulated bool // the simulated webhook models this rule
	}{
		{"name starts with a digit", fn(func(f *platform.Function) { f.ID.Name = "9lives" }), "name",
			`not a DNS 1035 label: [a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character`, true},
		{"reserved env PORT", fn(func(f *platform.Function) { f.Env = map[string]string{"A": "1", "PORT": "8080"} }), `env["PORT"]`,
			`"PORT" is a reserved environment variable: spec.template.spec.containers[0].env[1].name`, true},
		{"reserved env K_REVISION", fn(func(f *platform.Function) { f.Env = map[string]string{"K_REVISION": "x"} }), `env["K_REVISION"]`,
			`"K_REVISION" is a reserved environment variable: spec.template.spec.containers[0].env[0].name`, true},
		{"image reference", fn(func(f *platform.Function) { f.Image = "ghcr.io/Acme/f:1" }), "image",
			`Failed to parse image reference: spec.template.spec.containers[0].image`, false},
		{"rollout duration", fn(func(f *platform.Function) {
			f.Annotations = map[string]string{"serving.knative.dev/rollout-duration": "soon"}
		}),
			`annotations["serving.knative.dev/rollout-duration"]`, `invalid value: soon: metadata.annotations.serving.knative.dev/rollout-duration`, true},
		{"rollout duration below a second", fn(func(f *platform.Function) {
			f.Annotations = map[string]string{"serving.knative.dev/rollout-duration": "1500ms"}
		}),
			`annotations["serving.knative.dev/rollout-duration"]`, `rollout-duration=1500ms is not at second precision`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(sim.Writes())
			probs, err := d.CheckFunction(ctx, c.fn)
			if err != nil {
				t.Fatal(err)
			}
			if len(sim.Writes()) != before {
				t.Error("CheckFunction wrote")
			}
			if len(probs) != 1 {
				t.Fatalf("want one finding on %s, got %v", c.attr, probs)
			}
			p := probs[0]
			if p.Attribute.String() != c.attr || !strings.Contains(p.Reason, webhookText+c.msg) || p.Platform != "Knative knative-serving" {
				t.Fatalf("got %q: %s\nwant %q: %s%s", p.Attribute.String(), p.Reason, c.attr, webhookText, c.msg)
			}
			if !c.simulated {
				return
			}
			// The simulated webhook, which the acceptance tests run against, refuses it too.
			_, werr := d.dyn.Resource(servicesGVR).Namespace("default").Create(ctx, newServiceObject(c.fn, ""), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if werr == nil {
				t.Errorf("the simulated webhook accepts what Knative's validation refuses")
			}
		})
	}
}

// TestCheckScalingPolicyQuotesKnativeValidation: bad faas_scaling_policy values give, on
// the attribute that wrote the annotation, the text of Knative's annotation validation
// (pkg/apis/autoscaling ValidateAnnotations, run by Service.Validate).
func TestCheckScalingPolicyQuotesKnativeValidation(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{})
	const ann = "spec.template.metadata.annotations.autoscaling.knative.dev/"
	cases := []struct {
		name      string
		p         platform.ScalingPolicy
		attr, msg string
	}{
		{"negative min", platform.ScalingPolicy{MinReplicas: i64(-1)}, "min_replicas", `expected 0 <= -1 <= 2147483647: ` + ann + `min-scale`},
		{"max above int32", platform.ScalingPolicy{MaxReplicas: i64(1 << 33)}, "max_replicas", `expected 0 <= 8589934592 <= 2147483647: ` + ann + `max-scale`},
		{"max below min", platform.ScalingPolicy{MinReplicas: i64(5), MaxReplicas: i64(2)}, "max_replicas",
			`max-scale=2 is less than min-scale=5: ` + ann + `max-scale, ` + ann + `min-scale`},
		{"unknown metric", platform.ScalingPolicy{Metric: "queue"}, "metric", `invalid value: queue: ` + ann + `metric`},
		{"target 0", platform.ScalingPolicy{Target: i64(0)}, "target", `target 0 should be at least 0.01: ` + ann + `target`},
		{"utilization 0", platform.ScalingPolicy{TargetUtilizationPercent: i64(0)}, "target_utilization_percent", `expected 1 <= 0 <= 100: ` + ann + `target-utilization-percentage`},
		{"utilization 101", platform.ScalingPolicy{TargetUtilizationPercent: i64(101)}, "target_utilization_percent", `expected 1 <= 101 <= 100: ` + ann + `target-utilization-percentage`},
		{"retention too long", platform.ScalingPolicy{ScaleToZeroAfter: "2h"}, "scale_to_zero_after", `expected 0s <= 2h <= 1h0m0s: ` + ann + `scale-to-zero-pod-retention-period`},
		{"retention not a duration", platform.ScalingPolicy{ScaleToZeroAfter: "soon"}, "scale_to_zero_after", `invalid value: soon: ` + ann + `scale-to-zero-pod-retention-period`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.Function = platform.FunctionID{Namespace: "default", Name: "f"}
			probs, err := d.CheckScalingPolicy(context.Background(), &p, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(probs) != 1 {
				t.Fatalf("want one finding on %s, got %v", c.attr, probs)
			}
			if got := probs[0]; got.Attribute.String() != c.attr || !strings.Contains(got.Reason, webhookText+c.msg) {
				t.Fatalf("got %q: %s\nwant %q: %s%s", got.Attribute.String(), got.Reason, c.attr, webhookText, c.msg)
			}
		})
	}
}

// TestKeptRulesAreNotKnativeValidation: the plan-time rules the driver keeps as its own
// are the ones Knative's validation cannot give: for each, Knative's validation admits
// the Service the driver would write (so the webhook agrees with the write, and the rule
// is the provider's: an attribute with no Knative equivalent, a value Knative would
// silently ignore, or a key another resource owns), while CheckFunction or
// CheckScalingPolicy still refuses it on the attribute.
func TestKeptRulesAreNotKnativeValidation(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{})
	ctx := context.Background()
	base := func(mut func(*platform.Function)) *platform.Function {
		f := &platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "f"}, Image: "ghcr.io/acme/f:1"}
		mut(f)
		return f
	}
	for _, c := range []struct {
		name, attr string
		fn         *platform.Function
	}{
		// The networking.knative.dev/visibility label is read by the route reconciler (any
		// value but cluster-local means public); the webhook does not validate it.
		{"visibility other than cluster-local", `labels["networking.knative.dev/visibility"]`, base(func(f *platform.Function) { f.Labels = map[string]string{VisibilityLabel: "public"} })},
		// timeoutSeconds is an integer: a fraction of a second cannot reach the webhook.
		{"timeout not whole seconds", "timeout", base(func(f *platform.Function) { f.Timeout = "1500ms" })},
		{"watchdog timeout", "openfaas.write_timeout", base(func(f *platform.Function) { f.Watchdog.Write = "60s" })},
		{"placement constraints", "openfaas.constraints", base(func(f *platform.Function) { f.Constraints = []string{"node=a"} })},
		// Keys other resources own; the webhook itself admits a creator annotation on a create.
		{"creator annotation", `annotations["serving.knative.dev/creator"]`, base(func(f *platform.Function) { f.Annotations = map[string]string{CreatorAnnotation: "me"} })},
		{"provider's record", `annotations["faasform.dev/last-applied"]`, base(func(f *platform.Function) { f.Annotations = map[string]string{LastAppliedAnnotation: "{}"} })},
	} {
		t.Run(c.name, func(t *testing.T) {
			obj := newServiceObject(c.fn, "")
			if errs, err := validateWithWebhook(obj.Object); err != nil || len(errs) != 0 {
				t.Fatalf("Knative's validation refuses it (%v %v): take the rule from upstream", errs, err)
			}
			probs, err := d.CheckFunction(ctx, c.fn)
			if err != nil || len(probs) != 1 || probs[0].Attribute.String() != c.attr || strings.Contains(probs[0].Reason, webhookText) {
				t.Fatalf("want the driver's own finding on %s, got %v %v", c.attr, probs, err)
			}
		})
	}
	for _, c := range []struct {
		name, attr string
		p          platform.ScalingPolicy
	}{
		// The HPA class reads min-scale 0 as one replica (hpa.go): admitted, then ignored.
		{"hpa with min 0", "min_replicas", platform.ScalingPolicy{Metric: "cpu", MinReplicas: i64(0)}},
		{"hpa scale to zero", "min_replicas", platform.ScalingPolicy{Metric: "memory", MinReplicas: i64(0)}},
		// scale_to_zero and min_replicas are two neutral spellings of one annotation.
		{"retention without zero", "scale_to_zero_after", platform.ScalingPolicy{MinReplicas: i64(1), ScaleToZeroAfter: "5m"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := c.p
			p.Function = platform.FunctionID{Namespace: "default", Name: "f"}
			u := newServiceObject(base(func(*platform.Function) {}), "")
			setPolicy(u.Object, &p)
			unstructured.RemoveNestedField(u.Object, "metadata", "annotations")
			if errs, err := validateWithWebhook(u.Object); err != nil || len(errs) != 0 {
				t.Fatalf("Knative's validation refuses it (%v %v): take the rule from upstream", errs, err)
			}
			probs, err := d.CheckScalingPolicy(ctx, &p, false)
			if err != nil || len(probs) != 1 || probs[0].Attribute.String() != c.attr || strings.Contains(probs[0].Reason, webhookText) {
				t.Fatalf("want the driver's own finding on %s, got %v %v", c.attr, probs, err)
			}
		})
	}
}

// TestClusterRaisableLimitsPassThePlan: the bounds an operator may raise in
// config-defaults (max-revision-timeout-seconds, container-concurrency-max-limit) are
// not checked at plan, since the driver does not read the cluster's ConfigMaps; above
// the shipped values the cluster's own webhook decides.
func TestClusterRaisableLimitsPassThePlan(t *testing.T) {
	d, _ := newTestDriver(t, k8ssim.Options{})
	for name, mut := range map[string]func(*platform.Function){
		"timeout 15m":          func(f *platform.Function) { f.Timeout = "15m" },
		"max_concurrency 1001": func(f *platform.Function) { f.MaxConcurrency = 1001 },
	} {
		f := &platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "f"}, Image: "ghcr.io/acme/f:1"}
		mut(f)
		probs, err := d.CheckFunction(context.Background(), f)
		if err != nil || len(probs) != 0 {
			t.Errorf("%s: %v %v, want no finding", name, probs, err)
		}
	}
}

// TestFunctionAttributeSteps: the Service fields Knative's validation names map to
// attribute paths step by step (a nested attribute, a map key, an env entry), not to a
// single name that only reads like one.
func TestFunctionAttributeSteps(t *testing.T) {
	env := []platform.AttrPath{platform.Attr("env_value_from").Key("PORT"), platform.Attr("env").Key("A.B")}
	cases := map[string]platform.AttrPath{
		"spec.template.spec.containers[0].resources.limits.cpu": platform.Attr("limits").Name("cpu"),
		"spec.template.spec.containers[0].env[0].name":          env[0],
		"spec.template.spec.containers[0].env[1].value":         env[1],
		"metadata.labels.a.b/c":                                 platform.Attr("labels").Key("a.b/c"),
		"spec.template.spec.timeoutSeconds":                     platform.Attr("timeout"),
		"spec.template.spec.nodeSelector":                       nil,
	}
	for field, want := range cases {
		if got := functionAttribute(field, env); !slices.Equal(got, want) {
			t.Errorf("functionAttribute(%q) = %#v, want %#v", field, got, want)
		}
	}
}
