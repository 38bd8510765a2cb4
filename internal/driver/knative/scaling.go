package knative

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"knative.dev/pkg/kmap"
	"knative.dev/serving/pkg/apis/autoscaling"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Neutral scaling metrics (DESIGN.md section 3.3).
const (
	// MetricConcurrency is in-flight requests per replica (Knative Pod Autoscaler).
	MetricConcurrency = "concurrency"
	// MetricRPS is requests per second per replica (Knative Pod Autoscaler).
	MetricRPS = "rps"
	// MetricCPU is CPU utilisation (Kubernetes HPA class).
	MetricCPU = "cpu"
	// MetricMemory is memory use (Kubernetes HPA class).
	MetricMemory = "memory"
)

// policyKeyLists are the template annotations faas_scaling_policy owns, as Knative's
// own key lists (knative.dev/serving pkg/apis/autoscaling register.go, FACTS.md section
// 4): each list's first key is the one written, the others the legacy camelCase aliases
// Knative still reads, which a read honours in Knative's order and a write or a delete
// removes, so no stale alias survives.
var policyKeyLists = []kmap.KeyPriority{
	autoscaling.ClassAnnotation, autoscaling.MetricAnnotation, autoscaling.MinScaleAnnotation, autoscaling.MaxScaleAnnotation,
	autoscaling.TargetAnnotation, autoscaling.TargetUtilizationPercentageAnnotation, autoscaling.ScaleToZeroPodRetentionPeriodAnnotation,
}

// policyKeys are every key of policyKeyLists: the keys written, then the aliases.
var policyKeys = func() []string {
	var written, aliases []string
	for _, l := range policyKeyLists {
		written, aliases = append(written, l.Key()), append(aliases, l[1:]...)
	}
	return append(written, aliases...)
}()

// metricClass is the autoscaler class each neutral metric needs: the KPA scales on
// concurrency and rps only, the HPA on cpu and memory (annotation_validation.go
// validateMetric; FACTS.md section 4).
var metricClass = map[string]string{MetricConcurrency: autoscaling.KPA, MetricRPS: autoscaling.KPA, MetricCPU: autoscaling.HPA, MetricMemory: autoscaling.HPA}

// CheckScalingPolicy implements platform.ScalingDriver. It rejects what Knative's
// webhook rejects (pkg/apis/autoscaling/annotation_validation.go) and what the HPA class
// would silently ignore (scale to zero), in neutral attribute terms, and with create set
// reports a policy already on the function.
func (d *Driver) CheckScalingPolicy(ctx context.Context, p *platform.ScalingPolicy, create bool) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	out, err := checkPolicy(info.Describe(), p)
	if err != nil {
		return nil, err
	}
	if !create {
		return out, nil
	}
	u, err := d.cachedGet(ctx, servicesGVR, p.Function.Namespace, p.Function.Name)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return out, nil
		}
		return nil, d.apiError("GET", itemPath(servicesGVR, p.Function.Namespace, p.Function.Name), err)
	}
	if policyPresent(u.Object) {
		out = append(out, policyExists(info, p.Function))
	}
	return out, nil
}

// checkPolicy reports what Knative's own validation refuses in the policy's
// annotations (checkPolicyWithWebhook), then the rules that are not the webhook's: a
// retention period on a policy that never scales to zero, and what the HPA class would
// silently ignore (FACTS.md section 4).
func checkPolicy(plat string, p *platform.ScalingPolicy) ([]*platform.UnsupportedError, error) {
	out, err := checkPolicyWithWebhook(plat, p)
	if err != nil {
		return nil, err
	}
	add := func(attr platform.AttrPath, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: plat, Reason: reason, Instead: instead})
	}
	class := metricClass[p.Metric]
	if class == autoscaling.HPA && p.MinReplicas != nil && *p.MinReplicas == 0 {
		// The HPA class leaves the HPA's minReplicas at 1 for min-scale 0
		// (pkg/reconciler/autoscaling/hpa/resources/hpa.go): 0 would be silently ignored.
		add(platform.Attr("min_replicas"), fmt.Sprintf("metric %q uses Kubernetes' HPA (hpa.autoscaling.knative.dev), which keeps at least one replica, so min_replicas = 0 (scale to zero) would be ignored", p.Metric), `Set min_replicas to 1 or more, or use metric "concurrency" or "rps" to scale to zero`)
	}
	if p.ScaleToZeroAfter != "" {
		if p.MinReplicas != nil && *p.MinReplicas > 0 {
			add(platform.Attr("scale_to_zero_after"), fmt.Sprintf("it only applies to a function that scales to zero, and min_replicas = %d keeps replicas", *p.MinReplicas), "Remove scale_to_zero_after, or set min_replicas = 0 (or leave it unset: Knative's default min-scale is 0)")
		} else if class == autoscaling.HPA {
			add(platform.Attr("scale_to_zero_after"), "the HPA class (metric cpu or memory) never scales to zero", "Remove scale_to_zero_after")
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Attribute.String() < out[j].Attribute.String() })
	return out, nil
}

func policyExists(info platform.Info, id platform.FunctionID) *platform.UnsupportedError {
	return &platform.UnsupportedError{
		Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Function already has a scaling policy", Conflict: true,
		Reason:  fmt.Sprintf("function %s already carries autoscaling.knative.dev/* template annotations, from another faas_scaling_policy or set outside Terraform, and a function has one policy", id),
		Instead: "Manage it with one faas_scaling_policy. " + platform.ImportHint(id.String()),
	}
}

func templateAnnotations(obj map[string]any) map[string]string {
	m, _, _ := unstructured.NestedStringMap(obj, "spec", "template", "metadata", "annotations")
	return m
}

// policyPresent reports a policy on a Service: any of the policy's template
// annotations.
func policyPresent(obj map[string]any) bool {
	anns := templateAnnotations(obj)
	for _, k := range policyKeys {
		if _, ok := anns[k]; ok {
			return true
		}
	}
	return false
}

// policyAnnotations renders a policy as template annotations (FACTS.md section 4): one
// annotation per attribute, min_replicas as min-scale (0 is scale to zero), and the
// class that follows the metric. The mapping is one to one, so a read needs no record.
func policyAnnotations(p *platform.ScalingPolicy) map[string]string {
	out := map[string]string{}
	i := func(v int64) string { return strconv.FormatInt(v, 10) }
	if p.MinReplicas != nil {
		out[autoscaling.MinScaleAnnotationKey] = i(*p.MinReplicas)
	}
	if p.MaxReplicas != nil {
		out[autoscaling.MaxScaleAnnotationKey] = i(*p.MaxReplicas)
	}
	if p.Metric != "" {
		out[autoscaling.MetricAnnotationKey] = p.Metric
		if c, ok := metricClass[p.Metric]; ok {
			out[autoscaling.ClassAnnotationKey] = c
		}
	}
	if p.Target != nil {
		out[autoscaling.TargetAnnotationKey] = i(*p.Target)
	}
	if p.TargetUtilizationPercent != nil {
		out[autoscaling.TargetUtilizationPercentageKey] = i(*p.TargetUtilizationPercent)
	}
	if p.ScaleToZeroAfter != "" {
		out[autoscaling.ScaleToZeroPodRetentionPeriodKey] = p.ScaleToZeroAfter
	}
	return out
}

// policyFromAnnotations reads a policy from template annotations, whoever wrote them.
func policyFromAnnotations(fn platform.FunctionID, anns map[string]string) *platform.ScalingPolicy {
	p := &platform.ScalingPolicy{Function: fn}
	get := func(keys kmap.KeyPriority) (string, bool) {
		_, v, ok := keys.Get(anns)
		return v, ok
	}
	intOf := func(v string) *int64 {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			f, ferr := strconv.ParseFloat(v, 64)
			if ferr != nil || f != math.Trunc(f) {
				return nil
			}
			n = int64(f)
		}
		return &n
	}
	if v, ok := get(autoscaling.MinScaleAnnotation); ok {
		p.MinReplicas = intOf(v)
	}
	if v, ok := get(autoscaling.MaxScaleAnnotation); ok {
		p.MaxReplicas = intOf(v)
	}
	if v, ok := get(autoscaling.MetricAnnotation); ok {
		p.Metric = v
	}
	if v, ok := get(autoscaling.TargetAnnotation); ok {
		p.Target = intOf(v)
	}
	if v, ok := get(autoscaling.TargetUtilizationPercentageAnnotation); ok {
		p.TargetUtilizationPercent = intOf(v)
	}
	if v, ok := get(autoscaling.ScaleToZeroPodRetentionPeriodAnnotation); ok {
		p.ScaleToZeroAfter = v
	}
	return p
}

// readPolicy maps a Service to its policy, or reports that it carries none.
func readPolicy(fn platform.FunctionID, obj map[string]any) (*platform.ScalingPolicy, bool) {
	if !policyPresent(obj) {
		return nil, false
	}
	return policyFromAnnotations(fn, templateAnnotations(obj)), true
}

// ReadScalingPolicy implements platform.ScalingDriver; ErrNotFound when the function is
// gone or carries none of the policy's annotations.
func (d *Driver) ReadScalingPolicy(ctx context.Context, fn platform.FunctionID) (*platform.ScalingPolicy, error) {
	u, err := d.cachedGet(ctx, servicesGVR, fn.Namespace, fn.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the scaling policy of function %s: %w", fn, d.apiError("GET", itemPath(servicesGVR, fn.Namespace, fn.Name), err))
	}
	p, ok := readPolicy(fn, u.Object)
	if !ok {
		return nil, fmt.Errorf("function %s carries no autoscaling.knative.dev/* template annotations: %w", fn, platform.ErrNotFound)
	}
	return p, nil
}

// setPolicy replaces the owned template annotations in obj, and removes the policy
// record that versions before 0.1.0 kept in ScalingAnnotation.
func setPolicy(obj map[string]any, p *platform.ScalingPolicy) {
	tmeta := mapAt(obj, "spec", "template", "metadata")
	anns, _ := tmeta["annotations"].(map[string]any)
	if anns == nil {
		anns = map[string]any{}
	}
	for _, k := range policyKeys {
		delete(anns, k)
	}
	svcAnns, _ := mapAt(obj, "metadata")["annotations"].(map[string]any)
	if svcAnns == nil {
		svcAnns = map[string]any{}
	}
	delete(svcAnns, ScalingAnnotation)
	if p != nil {
		for k, v := range policyAnnotations(p) {
			anns[k] = v
		}
	}
	setOrDelete(tmeta, "annotations", anns, len(anns) == 0)
	setOrDelete(mapAt(obj, "metadata"), "annotations", svcAnns, len(svcAnns) == 0)
}

// ApplyScalingPolicy implements platform.ScalingDriver: under the function's lock it
// replaces the policy's template annotations (a new Revision), re-checking on create
// that no other policy exists, then waits until the new Revision is Ready. Like every
// write of a driver, it takes p as CheckScalingPolicy passed it (the provider runs the
// check at plan and again at apply, DESIGN.md section 6), and does not check it again.
func (d *Driver) ApplyScalingPolicy(ctx context.Context, p *platform.ScalingPolicy, create bool) (*platform.ScalingPolicy, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	u, wrote, err := d.modify(ctx, p.Function, func(obj map[string]any) error {
		if create && policyPresent(obj) {
			return fmt.Errorf("%s: %w", policyExists(info, p.Function).Error(), platform.ErrConflict)
		}
		return setPolicyUnpinned(obj, p.Function, p)
	})
	if err != nil {
		return nil, fmt.Errorf("writing the scaling policy of function %s: %w", p.Function, err)
	}
	if wrote {
		if u, err = d.WaitReady(ctx, p.Function); err != nil {
			// Written: the caller keeps it (tainted), so its annotations are never orphaned.
			return p, err
		}
	}
	got, ok := readPolicy(p.Function, u.Object)
	if !ok {
		return nil, fmt.Errorf("function %s lost its scaling policy while it rolled out: %w", p.Function, platform.ErrNotFound)
	}
	return got, nil
}

// PinnedRevisionError refuses a scaling policy write on a function whose revision
// template pins its revision name (faas_function.revision_name, the template's
// metadata.name): Knative refuses every change of the template that keeps that name
// (revision_validation.go VerifyNameChange, FACTS.md section 3.1), and the policy's
// keys are template annotations. It unwraps to platform.ErrUnsupported.
type PinnedRevisionError struct {
	// Function is the function.
	Function platform.FunctionID
	// Revision is the pinned revision name.
	Revision string
}

// Error implements error.
func (e *PinnedRevisionError) Error() string {
	return fmt.Sprintf("function %s pins its revision name (faas_function.revision_name = %q), and Knative refuses every change of "+
		"the revision template that keeps the revision's name, because a revision is immutable. A faas_scaling_policy writes "+
		"its autoscaling.knative.dev/* annotations into that template, so it cannot be created, changed or removed while "+
		"revision_name is set: each such write would be a second write of the template under the same name. Nothing was "+
		"written. Either remove revision_name from the faas_function (Knative then names every revision itself, and "+
		"faas_function.latest_ready_revision names the newest for a faas_traffic_split), or manage the function without a "+
		"faas_scaling_policy", e.Function, e.Revision)
}

// Unwrap makes errors.Is(err, platform.ErrUnsupported) true.
func (e *PinnedRevisionError) Unwrap() error { return platform.ErrUnsupported }

// pinnedRevision is the revision name a Service's template pins, or "".
func pinnedRevision(obj map[string]any) string {
	name, _, _ := unstructured.NestedString(obj, "spec", "template", "metadata", "name")
	return name
}

// presentPolicyKeys names the policy's keys a Service carries, as a
// *platform.KeysRemainError lists them.
func presentPolicyKeys(obj map[string]any) []string {
	var out []string
	anns := templateAnnotations(obj)
	for _, k := range policyKeys {
		if _, ok := anns[k]; ok {
			out = append(out, fmt.Sprintf("template annotation %q", k))
		}
	}
	if _, ok, _ := unstructured.NestedString(obj, "metadata", "annotations", ScalingAnnotation); ok {
		out = append(out, fmt.Sprintf("annotation %q", ScalingAnnotation))
	}
	return out
}

// setPolicyUnpinned is setPolicy, refused with a *PinnedRevisionError, before
// anything is written, when it would change the revision template of a Service that
// pins its revision name. A write that leaves the template as it is (the policy is
// already there, or only the record changes) goes through.
func setPolicyUnpinned(obj map[string]any, fn platform.FunctionID, p *platform.ScalingPolicy) error {
	rev := pinnedRevision(obj)
	if rev == "" {
		setPolicy(obj, p)
		return nil
	}
	before := runtime.DeepCopyJSONValue(mapAt(obj, "spec", "template"))
	setPolicy(obj, p)
	if !reflect.DeepEqual(before, mapAt(obj, "spec", "template")) {
		return &PinnedRevisionError{Function: fn, Revision: rev}
	}
	return nil
}

// CheckScalingPolicyWrite implements platform.ScalingWriteChecker: a function whose
// template pins its revision name refuses every write of a policy
// (*PinnedRevisionError). A plan reports it as a conflict (a warning), because the same
// apply may remove revision_name first; the write refuses it for good.
func (d *Driver) CheckScalingPolicyWrite(ctx context.Context, fn platform.FunctionID) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	u, err := d.cachedGet(ctx, servicesGVR, fn.Namespace, fn.Name)
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, d.apiError("GET", itemPath(servicesGVR, fn.Namespace, fn.Name), err)
	}
	rev := pinnedRevision(u.Object)
	if rev == "" {
		return nil, nil
	}
	return []*platform.UnsupportedError{{
		Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Function pins its revision name", Conflict: true,
		Reason: (&PinnedRevisionError{Function: fn, Revision: rev}).Error(),
	}}, nil
}

// DeleteScalingPolicy implements platform.ScalingDriver: it removes exactly the
// policy's annotations, then waits for the Revision that write
// creates; a missing function is not an error. A function that pins its revision name
// keeps them: nothing is written, and a *platform.KeysRemainError (caused by a
// *PinnedRevisionError) says so, so that a destroy of the whole configuration, which
// deletes the Service next, does not fail on Knative's webhook.
func (d *Driver) DeleteScalingPolicy(ctx context.Context, fn platform.FunctionID) error {
	var left []string
	_, wrote, err := d.modify(ctx, fn, func(obj map[string]any) error {
		left = presentPolicyKeys(obj)
		return setPolicyUnpinned(obj, fn, nil)
	})
	if errors.Is(err, platform.ErrNotFound) {
		return nil
	}
	var pinned *PinnedRevisionError
	if errors.As(err, &pinned) {
		return &platform.KeysRemainError{Function: fn, Keys: left, Cause: pinned,
			Remedy: "Once the function no longer sets faas_function.revision_name (apply that first), import this faas_scaling_policy again " +
				"and destroy it; or remove the keys with kubectl in a change that also gives spec.template.metadata.name a new value."}
	}
	if err != nil {
		return fmt.Errorf("removing the scaling policy of function %s: %w", fn, err)
	}
	if wrote {
		_, err = d.WaitReady(ctx, fn)
	}
	var deleted *platform.DeletedError
	if errors.As(err, &deleted) {
		// A function deleted during the rollout no longer holds the policy either.
		return nil
	}
	return err
}
