package openfaas

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Scaling labels (https://docs.openfaas.com/architecture/autoscaling/, FACTS.md section 6).
const (
	labelScaleMin        = ScaleLabelPrefix + "min"
	labelScaleMax        = ScaleLabelPrefix + "max"
	labelScaleType       = ScaleLabelPrefix + "type"
	labelScaleTarget     = ScaleLabelPrefix + "target"
	labelScaleProportion = ScaleLabelPrefix + "target-proportion"
	labelScaleZero       = ScaleLabelPrefix + "zero"
	labelScaleZeroAfter  = ScaleLabelPrefix + "zero-duration"
)

// ceMaxReplicas is the Community Edition's replica ceiling (faas-netes validate.go).
const ceMaxReplicas = 5

var _ platform.ScalingDriver = (*Driver)(nil)

// metricToType maps the neutral metric to OpenFaaS's scale type: "concurrency" (in-flight
// requests per replica) is OpenFaaS's "capacity".
var metricToType = map[string]string{"rps": "rps", "concurrency": "capacity", "cpu": "cpu"}

// CheckScalingPolicy implements platform.ScalingDriver.
func (d *Driver) CheckScalingPolicy(ctx context.Context, p *platform.ScalingPolicy, create bool) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Reason: reason, Instead: instead})
	}
	if info.Backend == BackendFaasd {
		add(nil, "faasd runs exactly one container per function and has no autoscaling", "Remove the faas_scaling_policy, or use faas-netes")
		return out, nil
	}
	if info.Edition == EditionCE {
		for attr, set := range map[string]bool{
			"metric":                     p.Metric != "",
			"target":                     p.Target != nil,
			"target_utilization_percent": p.TargetUtilizationPercent != nil,
			"scale_to_zero_after":        p.ScaleToZeroAfter != "",
		} {
			if set {
				add(platform.Attr(attr), "the Community Edition honours only com.openfaas.scale.min and max (faas-netes CE rejects the other scaling labels)", "Remove "+attr+", or use OpenFaaS Pro")
			}
		}
		for attr, v := range map[string]*int64{"min_replicas": p.MinReplicas, "max_replicas": p.MaxReplicas} {
			if v != nil && *v > ceMaxReplicas {
				out = append(out, platform.ValueNotAllowed(platform.Attr(attr), info.Describe(), fmt.Sprintf("the Community Edition allows at most %d replicas", ceMaxReplicas),
					fmt.Sprintf("Set %s to %d or less, or use OpenFaaS Pro", attr, ceMaxReplicas)))
			}
		}
		if p.MinReplicas != nil && *p.MinReplicas == 0 {
			out = append(out, platform.ValueNotAllowed(platform.Attr("min_replicas"), info.Describe(), "the Community Edition cannot scale to zero", "Set min_replicas to 1 or more"))
		}
	} else {
		if p.Metric == "memory" {
			add(platform.Attr("metric"), "OpenFaaS autoscaling has no memory metric (scale types are rps, capacity and cpu)", `Use "rps", "concurrency" or "cpu"`)
		}
		if p.ScaleToZeroAfter != "" && (p.MinReplicas == nil || *p.MinReplicas != 0) {
			add(platform.Attr("scale_to_zero_after"), "it only applies to a function that scales to zero (min_replicas = 0; OpenFaaS keeps at least one replica by default)", "Set min_replicas = 0, or remove scale_to_zero_after")
		}
	}
	sortProblems(out)
	if !create {
		return out, nil
	}
	st, err := d.readStatus(ctx, p.Function)
	if errors.Is(err, platform.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if hasScaling(st.Labels) {
		out = append(out, policyExists(info, p.Function))
	}
	return out, nil
}

func policyExists(info platform.Info, id platform.FunctionID) *platform.UnsupportedError {
	return &platform.UnsupportedError{
		Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Function already has a scaling policy", Conflict: true,
		Reason:  fmt.Sprintf("function %s already carries com.openfaas.scale.* labels, from another faas_scaling_policy or set outside Terraform, and a function has one policy", id),
		Instead: "Manage it with one faas_scaling_policy. " + platform.ImportHint(id.String()),
	}
}

func hasScaling(labels map[string]string) bool {
	for k := range labels {
		if strings.HasPrefix(k, ScaleLabelPrefix) {
			return true
		}
	}
	return false
}

// ReadScalingPolicy implements platform.ScalingDriver.
func (d *Driver) ReadScalingPolicy(ctx context.Context, fn platform.FunctionID) (*platform.ScalingPolicy, error) {
	st, err := d.readStatus(ctx, fn)
	if err != nil {
		return nil, err
	}
	if !hasScaling(st.Labels) {
		return nil, fmt.Errorf("function %s carries no scaling labels: %w", fn, platform.ErrNotFound)
	}
	return policyFromLabels(fn, st.Labels), nil
}

func policyFromLabels(fn platform.FunctionID, l map[string]string) *platform.ScalingPolicy {
	p := &platform.ScalingPolicy{Function: fn}
	intLabel := func(k string) *int64 {
		if v, err := strconv.ParseInt(l[k], 10, 64); err == nil {
			return &v
		}
		return nil
	}
	p.MinReplicas, p.MaxReplicas, p.Target = intLabel(labelScaleMin), intLabel(labelScaleMax), intLabel(labelScaleTarget)
	if t, ok := l[labelScaleType]; ok {
		p.Metric = t
		for metric, typ := range metricToType {
			if typ == t {
				p.Metric = metric
			}
		}
	}
	if v, err := strconv.ParseFloat(l[labelScaleProportion], 64); err == nil {
		pct := int64(v*100 + 0.5)
		p.TargetUtilizationPercent = &pct
	}
	if zero, _ := strconv.ParseBool(l[labelScaleZero]); zero {
		// Scale to zero is min_replicas 0, whatever minimum applies while awake.
		var none int64
		p.MinReplicas = &none
	}
	p.ScaleToZeroAfter = l[labelScaleZeroAfter]
	return p
}

func policyLabels(p *platform.ScalingPolicy) map[string]string {
	out := map[string]string{}
	switch {
	case p.MinReplicas != nil && *p.MinReplicas == 0:
		// Scale to zero: com.openfaas.scale.zero, with OpenFaaS's default minimum of one
		// replica while the function is awake.
		out[labelScaleZero] = "true"
	case p.MinReplicas != nil:
		out[labelScaleMin] = strconv.FormatInt(*p.MinReplicas, 10)
	}
	if p.MaxReplicas != nil {
		out[labelScaleMax] = strconv.FormatInt(*p.MaxReplicas, 10)
	}
	if p.Metric != "" {
		out[labelScaleType] = metricToType[p.Metric]
	}
	if p.Target != nil {
		out[labelScaleTarget] = strconv.FormatInt(*p.Target, 10)
	}
	if p.TargetUtilizationPercent != nil {
		out[labelScaleProportion] = strconv.FormatFloat(float64(*p.TargetUtilizationPercent)/100, 'f', -1, 64)
	}
	if p.ScaleToZeroAfter != "" {
		out[labelScaleZeroAfter] = p.ScaleToZeroAfter
	}
	return out
}

// ApplyScalingPolicy implements platform.ScalingDriver: under the function's lock it
// replaces every com.openfaas.scale.* label with the policy's, re-checking that no other
// policy exists on create, then waits until the function is ready again.
func (d *Driver) ApplyScalingPolicy(ctx context.Context, p *platform.ScalingPolicy, create bool) (*platform.ScalingPolicy, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	wrote, err := d.modify(ctx, p.Function, nil, func(cur *functionDeployment) error {
		if create && hasScaling(cur.Labels) {
			return fmt.Errorf("%s: %w", policyExists(info, p.Function).Error(), platform.ErrConflict)
		}
		for k := range cur.Labels {
			if strings.HasPrefix(k, ScaleLabelPrefix) {
				delete(cur.Labels, k)
			}
		}
		for k, v := range policyLabels(p) {
			cur.Labels = setKey(cur.Labels, k, v)
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("writing the scaling policy of function %s: %w", p.Function, d.explain(err))
		if wrote {
			// Accepted, then not seen in time: the caller keeps it (tainted).
			return p, err
		}
		return nil, err
	}
	if wrote {
		if err := d.WaitReady(ctx, p.Function); err != nil {
			// Written: the caller keeps it (tainted), so its keys are never orphaned.
			return p, err
		}
	}
	return d.ReadScalingPolicy(ctx, p.Function)
}

// DeleteScalingPolicy implements platform.ScalingDriver.
func (d *Driver) DeleteScalingPolicy(ctx context.Context, fn platform.FunctionID) error {
	return d.removeKeys(ctx, fn, "the scaling policy", func(cur *functionDeployment) {
		for k := range cur.Labels {
			if strings.HasPrefix(k, ScaleLabelPrefix) {
				delete(cur.Labels, k)
			}
		}
	})
}

// removeKeys deletes a child's keys from a function and waits for the rollout; a
// missing function, also one deleted during the wait, is not an error. When the function
// has values the provider does not know, so that writing it would replace them
// (platform.WriteUnknowns), nothing is written and the error is a
// *platform.KeysRemainError naming the keys left.
func (d *Driver) removeKeys(ctx context.Context, fn platform.FunctionID, what string, remove func(cur *functionDeployment)) error {
	var left []string
	wrote, err := d.modify(ctx, fn, nil, func(cur *functionDeployment) error {
		labels, annotations := maps.Clone(cur.Labels), maps.Clone(cur.Annotations)
		remove(cur)
		left = append(changedKeys("label", labels, cur.Labels), changedKeys("annotation", annotations, cur.Annotations)...)
		return nil
	})
	var unknown *platform.UnknownValuesError
	switch {
	case errors.Is(err, platform.ErrNotFound):
		return nil
	case errors.As(err, &unknown):
		return &platform.KeysRemainError{Function: fn, Keys: left, Cause: err}
	case err != nil:
		return fmt.Errorf("removing %s from function %s: %w", what, fn, d.explain(err))
	}
	if wrote {
		// A function deleted during the rollout no longer holds the keys either.
		if err := d.WaitReady(ctx, fn); err != nil && !isDeleted(err) {
			return err
		}
	}
	return nil
}

// changedKeys names the keys of before that after drops or changes, such as
// `annotation "schedule"` or `part of annotation "topic"`, sorted.
func changedKeys(kind string, before, after map[string]string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(before)) {
		v, ok := after[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s %q", kind, k))
		case v != before[k]:
			out = append(out, fmt.Sprintf("part of %s %q", kind, k))
		}
	}
	return out
}

// isDeleted reports a wait that ended because its object was deleted.
func isDeleted(err error) bool {
	var deleted *platform.DeletedError
	return errors.As(err, &deleted)
}

// WaitReady waits until the function is ready again after a write that rolled it out
// (platform.WaitFunctionReady); a function whose policy allows scale to zero is ready
// with zero replicas. The write has just read the function, so one that the gateway no
// longer returns (platform.GoneAfter reads in a row) was deleted meanwhile: a
// *platform.DeletedError.
func (d *Driver) WaitReady(ctx context.Context, id platform.FunctionID) error {
	_, err := platform.WaitFunctionReady(ctx, d, id, true)
	return err
}

// explain adds plain words to the platform errors a child write can meet.
func (d *Driver) explain(err error) error {
	var api *platform.APIError
	if errors.As(err, &api) && api.StatusCode == 400 && strings.Contains(strings.ToLower(api.Message), "secret") {
		return fmt.Errorf("%w. The function references a secret that does not exist in its namespace: create it with faas_secret, and reference faas_secret.<name>.name in secrets so that Terraform creates it first", err)
	}
	return err
}

// sortProblems orders problems by attribute, so diagnostics come out deterministically.
func sortProblems(p []*platform.UnsupportedError) {
	sort.SliceStable(p, func(i, j int) bool { return p[i].Attribute.String() < p[j].Attribute.String() })
}
