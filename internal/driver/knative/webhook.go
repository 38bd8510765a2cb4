package knative

import (
	"context"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/apis"
	"knative.dev/serving/pkg/apis/autoscaling"
	"knative.dev/serving/pkg/apis/config"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// webhookName is the validating admission webhook of Knative Serving, as its denials
// name it (FACTS.md section 2).
const webhookName = "validation.webhook.serving.knative.dev"

// webhookError is one error Knative's own validation finds in a Service: the paths it
// names (fields of the Service, such as spec.template.spec.timeoutSeconds) and the text
// the webhook would give for it.
type webhookError struct {
	// Paths are the Service fields the error names, as Knative writes them.
	Paths []string
	// Text is the error as the webhook prints it: "<message>: <paths>", then its details.
	Text string
}

// webhookContext is the context Knative's validating webhook validates a create in,
// with the configuration of a cluster whose config-defaults, config-autoscaler and
// config-features ConfigMaps are as shipped (FACTS.md section 10), except for the two
// limits an operator may raise in config-defaults: max-revision-timeout-seconds (600
// as shipped) and container-concurrency-max-limit (1000). The provider does not read
// the cluster's ConfigMaps, so it sets both to their largest allowed value and leaves
// those bounds to the cluster's own webhook, which refuses a value above its limit at
// apply: a plan-time error there would refuse what a cluster with raised limits runs.
func webhookContext() context.Context {
	ctx := context.Background()
	cfg := config.FromContextOrDefaults(ctx)
	defaults := *cfg.Defaults
	defaults.MaxRevisionTimeoutSeconds = math.MaxInt32
	defaults.ContainerConcurrencyMaxLimit = math.MaxInt32
	cfg.Defaults = &defaults
	ctx = config.ToContext(ctx, cfg)
	return apis.WithinCreate(ctx)
}

// validateWithWebhook defaults and validates a Service object with Knative Serving's own
// code (knative.dev/serving pkg/apis/serving/v1: Service.SetDefaults, then
// Service.Validate within a create), as its admission webhooks do, and returns the
// errors (warnings are left out: the webhook admits the object with them).
func validateWithWebhook(obj map[string]any) ([]webhookError, error) {
	var svc servingv1.Service
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &svc); err != nil {
		return nil, fmt.Errorf("converting the Service for validation: %w", err)
	}
	ctx := webhookContext()
	svc.SetDefaults(ctx)
	fe := svc.Validate(ctx).Filter(apis.ErrorLevel)
	if fe == nil {
		return nil, nil
	}
	var out []webhookError
	for _, e := range fe.WrappedErrors() {
		text := fmt.Sprintf("%s: %s", e.Message, strings.Join(e.Paths, ", "))
		if e.Details != "" {
			text += "\n" + e.Details
		}
		out = append(out, webhookError{Paths: e.Paths, Text: text})
	}
	return out, nil
}

// webhookFinding turns an error of Knative's validation into a finding on attr (empty:
// the resource), quoting what the webhook would answer.
func webhookFinding(attr platform.AttrPath, plat string, e webhookError, instead string) *platform.UnsupportedError {
	return &platform.UnsupportedError{
		Attribute: attr, Platform: plat, Summary: "Rejected by Knative's validation",
		Reason:  fmt.Sprintf("Knative would refuse it: admission webhook %q denied the request: validation failed: %s", webhookName, e.Text),
		Instead: instead,
	}
}

// containerField matches a path into the user container (the driver writes one).
var containerField = regexp.MustCompile(`^spec\.template\.spec\.containers\[0\]\.([A-Za-z]+)(?:\[(\d+)\])?(?:\.(.*))?$`)

// functionAttribute maps a Service field that Knative's validation names back to the
// faas_function attribute it was written from (applyFunction); envAttrs are the
// attributes of the env entries (`env_value_from["A"]`, `env["B"]`) in the order the
// driver writes them. It returns the empty path for a field no attribute writes (the
// error is then about the resource).
func functionAttribute(p string, envAttrs []platform.AttrPath) platform.AttrPath {
	if m := containerField.FindStringSubmatch(p); m != nil {
		switch m[1] {
		case "image", "command", "args":
			return platform.Attr(m[1])
		case "env":
			if i, err := strconv.Atoi(m[2]); err == nil && i < len(envAttrs) {
				return envAttrs[i]
			}
			return platform.Attr("env")
		case "resources":
			for _, kind := range []string{"limits", "requests"} {
				if rest, ok := strings.CutPrefix(m[3], kind); ok {
					if k := strings.TrimPrefix(rest, "."); k == "cpu" || k == "memory" {
						return platform.Attr(kind).Name(k)
					}
					return platform.Attr(kind)
				}
			}
			return platform.Attr("limits")
		case "securityContext":
			return platform.Attr("read_only_root_filesystem")
		case "volumeMounts":
			return platform.Attr("secrets")
		}
		return nil
	}
	for _, f := range []struct{ prefix, attr string }{
		{"metadata.name", "name"},
		{"spec.template.metadata.name", "revision_name"},
		{"metadata.labels", "labels"},
		{"metadata.annotations", "annotations"},
		{"spec.template.spec.timeoutSeconds", "timeout"},
		{"spec.template.spec.containerConcurrency", "max_concurrency"},
		{"spec.template.spec.volumes", "secrets"},
		{"spec.template.spec.imagePullSecrets", "image_pull_secrets"},
	} {
		if rest, ok := strings.CutPrefix(p, f.prefix); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			if key, ok := strings.CutPrefix(rest, "."); ok && (f.attr == "labels" || f.attr == "annotations") {
				return platform.Attr(f.attr).Key(key)
			}
			return platform.Attr(f.attr)
		}
	}
	return nil
}

// checkFunctionWithWebhook validates the Service the driver would create for fn with
// Knative's own validation, and reports each error on the attribute it comes from.
// Annotations the provider refuses as reserved (CheckFunction) are left out, so that a
// key is reported once, with its owner.
func checkFunctionWithWebhook(plat string, fn *platform.Function) ([]*platform.UnsupportedError, error) {
	own := *fn
	own.Annotations = map[string]string{}
	for k, v := range fn.Annotations {
		if ReservedAnnotationOwner(k) == "" {
			own.Annotations[k] = v
		}
	}
	errs, err := validateWithWebhook(newServiceObject(&own, "").Object)
	if err != nil {
		return nil, err
	}
	var envAttrs []platform.AttrPath
	for _, k := range slices.Sorted(maps.Keys(fn.EnvFrom)) {
		envAttrs = append(envAttrs, platform.Attr("env_value_from").Key(k))
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Env)) {
		envAttrs = append(envAttrs, platform.Attr("env").Key(k))
	}
	var out []*platform.UnsupportedError
	for _, e := range errs {
		var attr platform.AttrPath
		if len(e.Paths) > 0 {
			attr = functionAttribute(e.Paths[0], envAttrs)
		}
		out = append(out, webhookFinding(attr, plat, e, ""))
	}
	return out, nil
}

// policyAttribute maps a template annotation key back to the faas_scaling_policy
// attribute that wrote it (policyAnnotations).
func policyAttribute(key string) string {
	switch key {
	case autoscaling.ClassAnnotationKey, autoscaling.MetricAnnotationKey:
		return "metric"
	case autoscaling.MinScaleAnnotationKey:
		return "min_replicas"
	case autoscaling.MaxScaleAnnotationKey:
		return "max_replicas"
	case autoscaling.TargetAnnotationKey:
		return "target"
	case autoscaling.TargetUtilizationPercentageKey:
		return "target_utilization_percent"
	case autoscaling.ScaleToZeroPodRetentionPeriodKey:
		return "scale_to_zero_after"
	}
	return ""
}

// policyHints say what to do instead, for the webhook's answers that name no allowed
// value themselves.
var policyHints = map[string]string{
	"metric":              `Use "concurrency" or "rps" (Knative Pod Autoscaler), or "cpu" or "memory" (HPA)`,
	"scale_to_zero_after": `Write a duration of at most 1h, such as "10m"`,
}

// checkPolicyWithWebhook validates a policy's template annotations with Knative's own
// validation (pkg/apis/autoscaling annotation_validation.go, run by the Service's
// validation), on an otherwise minimal Service, and reports each error on the policy
// attribute that wrote the annotation.
func checkPolicyWithWebhook(plat string, p *platform.ScalingPolicy) ([]*platform.UnsupportedError, error) {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service"}}
	applyFunction(u.Object, &platform.Function{ID: platform.FunctionID{Namespace: "default", Name: "policy"}, Image: "registry.invalid/policy:1"}, "")
	tmeta := mapAt(u.Object, "spec", "template", "metadata")
	anns := map[string]any{}
	for k, v := range policyAnnotations(p) {
		anns[k] = v
	}
	tmeta["annotations"] = anns
	errs, err := validateWithWebhook(u.Object)
	if err != nil {
		return nil, err
	}
	const prefix = "spec.template.metadata.annotations."
	var out []*platform.UnsupportedError
	for _, e := range errs {
		var attr platform.AttrPath
		hint := ""
		if len(e.Paths) > 0 {
			if key, ok := strings.CutPrefix(e.Paths[0], prefix); ok {
				if name := policyAttribute(key); name != "" {
					attr, hint = platform.Attr(name), policyHints[name]
				}
			}
		}
		out = append(out, webhookFinding(attr, plat, e, hint))
	}
	return out, nil
}
