package knative

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// faas_traffic_split (DESIGN.md section 3.6, FACTS.md section 3.1): the Service's
// spec.traffic, a list of {revisionName | latestRevision, percent, tag}. The split owns
// spec.traffic as a whole and the TrafficAnnotation marker; faas_function never writes
// spec.traffic (applyFunction edits the object as read), so the two never fight.

// TrafficAnnotation, on the Service's metadata, marks a spec.traffic written by
// faas_traffic_split, so that a read can tell a split from Knative's default traffic
// (everything to the latest revision). Changing it creates no Revision.
const TrafficAnnotation = "faasform.dev/traffic-split"

// CheckTrafficSplit implements platform.TrafficDriver: what Knative's webhook rejects
// (revision names outside the Service's prefix, tags that are no DNS-1035 label) and
// what the tag's host name cannot hold; with create set, a split already on the function.
func (d *Driver) CheckTrafficSplit(ctx context.Context, s *platform.TrafficSplit, create bool) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	out := checkSplit(info.Describe(), s)
	if !create || s.Function.Name == "" {
		return out, nil
	}
	u, err := d.cachedGet(ctx, servicesGVR, s.Function.Namespace, s.Function.Name)
	if apierrors.IsNotFound(err) {
		return out, nil
	}
	if err != nil {
		return nil, d.apiError(http.MethodGet, itemPath(servicesGVR, s.Function.Namespace, s.Function.Name), err)
	}
	present, err := splitPresent(u.Object)
	if err != nil {
		return nil, err
	}
	if present {
		out = append(out, splitExists(info, s.Function))
	}
	return out, nil
}

// splitPresent reports a split on a Service object as read: the marker, or traffic
// other than Knative's default (set with kubectl, say).
func splitPresent(obj map[string]any) (bool, error) {
	sv, err := toService(&unstructured.Unstructured{Object: obj})
	if err != nil {
		return false, err
	}
	_, ok := splitFrom(platform.FunctionID{}, sv)
	return ok, nil
}

func splitExists(info platform.Info, id platform.FunctionID) *platform.UnsupportedError {
	return &platform.UnsupportedError{
		Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Function already has a traffic split", Conflict: true,
		Reason:  fmt.Sprintf("function %s already carries spec.traffic of its own, from another faas_traffic_split (in this or another Terraform state) or set outside Terraform, and a function has one split", id),
		Instead: "Manage it with one faas_traffic_split. " + platform.ImportHint(id.String()),
	}
}

func checkSplit(plat string, s *platform.TrafficSplit) []*platform.UnsupportedError {
	var out []*platform.UnsupportedError
	name := s.Function.Name
	for i, t := range s.Targets {
		if t.RevisionName != "" && name != "" && !strings.HasPrefix(t.RevisionName, name+"-") {
			out = append(out, platform.ValueNotAllowed(platform.Attr("targets").Index(i).Name("revision_name"), plat,
				fmt.Sprintf("every revision of Knative Service %q is named %q followed by a suffix, so %q cannot be one of its revisions", name, name+"-", t.RevisionName),
				fmt.Sprintf("Use the function's latest_ready_revision, or a revision_name it set, such as %q", name+"-v1")))
		}
		// The tag's host is "<tag>-<service>" (config-network's tag-template
		// {{.Tag}}-{{.Name}}), one DNS label.
		if t.Tag != "" && name != "" && len(t.Tag+"-"+name) > validation.DNS1035LabelMaxLength {
			out = append(out, platform.ValueNotAllowed(platform.Attr("targets").Index(i).Name("tag"), plat,
				fmt.Sprintf("Knative names the tag's host %q, which is longer than the %d characters of a DNS label", t.Tag+"-"+name, validation.DNS1035LabelMaxLength),
				"Use a shorter tag"))
		}
	}
	return out
}

// defaulted is a Service's spec.traffic or status.traffic (knative.dev/serving's
// servingv1.TrafficTarget) with Knative's own defaults applied to copies of its targets
// (TrafficTarget.SetDefaults: latestRevision is true exactly when the target names no
// revision, percent is 0), so every LatestRevision and Percent is set.
func defaulted(ts []servingv1.TrafficTarget) []servingv1.TrafficTarget {
	out := make([]servingv1.TrafficTarget, len(ts))
	for i, t := range ts {
		t.SetDefaults(context.Background())
		out[i] = t
	}
	return out
}

// isDefaultTraffic reports Knative's default traffic: none, or everything to the latest
// revision without a tag.
func isDefaultTraffic(ts []servingv1.TrafficTarget) bool {
	ts = defaulted(ts)
	return len(ts) == 0 || (len(ts) == 1 && *ts[0].LatestRevision && *ts[0].Percent == 100 && ts[0].Tag == "" && ts[0].RevisionName == "")
}

// splitFrom maps a Service to its split: spec.traffic, with each tag's URL from
// status.traffic. ok is false when the Service carries neither the marker nor traffic
// other than Knative's default.
func splitFrom(fn platform.FunctionID, sv *servingv1.Service) (*platform.TrafficSplit, bool) {
	spec := defaulted(sv.Spec.Traffic)
	_, marked := sv.Annotations[TrafficAnnotation]
	if !marked && isDefaultTraffic(spec) {
		return nil, false
	}
	urls := map[string]string{}
	for _, t := range sv.Status.Traffic {
		if u := t.URL.String(); t.Tag != "" && u != "" {
			urls[t.Tag] = u
		}
	}
	s := &platform.TrafficSplit{Function: fn}
	for _, t := range spec {
		tt := platform.TrafficTarget{LatestRevision: *t.LatestRevision, Percent: *t.Percent, Tag: t.Tag, URL: urls[t.Tag]}
		if !tt.LatestRevision {
			tt.RevisionName = t.RevisionName
		}
		s.Targets = append(s.Targets, tt)
	}
	return s, true
}

// setTraffic replaces spec.traffic and the marker; nil restores Knative's default
// (everything to the latest revision) by removing both.
func setTraffic(obj map[string]any, s *platform.TrafficSplit) {
	spec := mapAt(obj, "spec")
	m := mapAt(obj, "metadata")
	anns, _ := m["annotations"].(map[string]any)
	if anns == nil {
		anns = map[string]any{}
	}
	if s == nil {
		delete(spec, "traffic")
		delete(anns, TrafficAnnotation)
		setOrDelete(m, "annotations", anns, len(anns) == 0)
		return
	}
	spec["traffic"] = trafficSpec(s)
	anns[TrafficAnnotation] = "managed"
	m["annotations"] = anns
}

// trafficSpec renders a split as spec.traffic, servingv1.TrafficTargets with every
// field Knative defaults (latestRevision, percent) written out, so the object read back
// equals the object written.
func trafficSpec(s *platform.TrafficSplit) []any {
	out := make([]any, 0, len(s.Targets))
	for _, t := range s.Targets {
		tt := servingv1.TrafficTarget{Tag: t.Tag, LatestRevision: &t.LatestRevision, Percent: &t.Percent}
		if !t.LatestRevision {
			tt.RevisionName = t.RevisionName
		}
		out = append(out, toUnstructured(&tt))
	}
	return out
}

// ReadTrafficSplit implements platform.TrafficDriver.
func (d *Driver) ReadTrafficSplit(ctx context.Context, fn platform.FunctionID) (*platform.TrafficSplit, error) {
	u, err := d.cachedGet(ctx, servicesGVR, fn.Namespace, fn.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the traffic split of function %s: %w", fn, d.apiError(http.MethodGet, itemPath(servicesGVR, fn.Namespace, fn.Name), err))
	}
	sv, err := toService(u)
	if err != nil {
		return nil, fmt.Errorf("reading the traffic split of function %s: %w", fn, err)
	}
	s, ok := splitFrom(fn, sv)
	if !ok {
		return nil, fmt.Errorf("function %s sends all traffic to its latest revision (no spec.traffic of its own): %w", fn, platform.ErrNotFound)
	}
	return s, nil
}

// ApplyTrafficSplit implements platform.TrafficDriver: under the function's lock it
// replaces spec.traffic (no new Revision), then waits until the Route serves it. A
// target naming a revision that does not exist makes Knative's Route report
// RevisionMissing; the previous traffic is then written back and the error names the
// revision.
func (d *Driver) ApplyTrafficSplit(ctx context.Context, s *platform.TrafficSplit, create bool) (*platform.TrafficSplit, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	var prevTraffic any
	var prevMarker *string
	_, wrote, err := d.modify(ctx, s.Function, func(obj map[string]any) error {
		prevTraffic = nil
		prevMarker = nil
		if v, ok := mapAt(obj, "spec")["traffic"]; ok {
			prevTraffic = v
		}
		if v, ok, _ := unstructured.NestedString(obj, "metadata", "annotations", TrafficAnnotation); ok {
			prevMarker = &v
		}
		if create {
			present, err := splitPresent(obj)
			if err != nil {
				return err
			}
			if present {
				return fmt.Errorf("%s: %w", splitExists(info, s.Function).Error(), platform.ErrConflict)
			}
		}
		setTraffic(obj, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("writing the traffic split of function %s: %w", s.Function, err)
	}
	// Also when nothing changed: the split is only applied once Knative routes it.
	sv, err := d.waitTraffic(ctx, s.Function)
	var missing *MissingRevisionError
	if errors.As(err, &missing) && wrote {
		// Nothing of this split is kept: the Service routes as before.
		if _, _, rerr := d.modify(context.WithoutCancel(ctx), s.Function, func(obj map[string]any) error {
			spec := mapAt(obj, "spec")
			setOrDelete(spec, "traffic", prevTraffic, prevTraffic == nil)
			m := mapAt(obj, "metadata")
			anns, _ := m["annotations"].(map[string]any)
			if anns == nil {
				anns = map[string]any{}
			}
			if prevMarker != nil {
				anns[TrafficAnnotation] = *prevMarker
			} else {
				delete(anns, TrafficAnnotation)
			}
			setOrDelete(m, "annotations", anns, len(anns) == 0)
			return nil
		}); rerr != nil {
			return s, fmt.Errorf("%w; restoring the previous traffic failed too: %v", err, rerr)
		}
		return nil, err
	}
	if err != nil {
		// Written: the caller keeps it (tainted), never losing track of it.
		return s, err
	}
	got, ok := splitFrom(s.Function, sv)
	if !ok {
		return nil, fmt.Errorf("function %s lost its traffic split while it was routed: %w", s.Function, platform.ErrNotFound)
	}
	return got, nil
}

// MissingRevisionError reports a traffic target naming a revision the function does not
// have (Knative's Route condition reason RevisionMissing).
type MissingRevisionError struct {
	// Function is the function.
	Function platform.FunctionID
	// Message is Knative's message, which names the revision.
	Message string
}

// Error implements error.
func (e *MissingRevisionError) Error() string {
	return fmt.Sprintf("the traffic split of function %s names a revision the function does not have: %s "+
		"(a revision exists once faas_function has deployed it: reference faas_function's revision_name or latest_ready_revision "+
		"so that Terraform writes the function first)", e.Function, e.Message)
}

// Unwrap makes errors.Is(err, platform.ErrInvalid) true.
func (e *MissingRevisionError) Unwrap() error { return platform.ErrInvalid }

// waitTraffic waits until Knative routes the Service's spec.traffic: the current
// generation observed, Ready True, and status.traffic holding the same targets; it
// returns the Service read then. A Route that reports a missing revision ends the wait
// at once with *MissingRevisionError.
func (d *Driver) waitTraffic(ctx context.Context, id platform.FunctionID) (*servingv1.Service, error) {
	what := "traffic split of function " + id.String()
	var routed *servingv1.Service
	_, err := d.pollService(ctx, id, what, "routed", func(sv *servingv1.Service) (bool, string, error) {
		if sv.Status.ObservedGeneration != sv.Generation {
			return false, statusFrom(sv).Reason, nil
		}
		if c := sv.Status.GetCondition(servingv1.ServiceConditionRoutesReady); c.IsFalse() && c.Reason == "RevisionMissing" && strings.Contains(c.Message, "referenced in traffic") {
			return false, conditionText(c), &MissingRevisionError{Function: id, Message: c.Message}
		}
		st := statusFrom(sv)
		if ready, why, err := platform.ReadyCheck(id, &st); !ready || err != nil {
			return false, why, err
		}
		if !trafficRouted(sv.Spec.Traffic, sv.Status.Traffic) {
			return false, "the Route does not serve spec.traffic yet (status.traffic differs)", nil
		}
		routed = sv
		return true, "", nil
	})
	return routed, err
}

// trafficRouted reports whether status.traffic serves spec.traffic: the same targets
// in order, by percent, tag, and revision (status names the revision a latestRevision
// target resolved to), Knative's defaults applied to both.
func trafficRouted(spec, status []servingv1.TrafficTarget) bool {
	if len(spec) != len(status) {
		return false
	}
	spec, status = defaulted(spec), defaulted(status)
	for i := range spec {
		a, b := spec[i], status[i]
		if *a.Percent != *b.Percent || a.Tag != b.Tag || *a.LatestRevision != *b.LatestRevision {
			return false
		}
		if !*a.LatestRevision && a.RevisionName != b.RevisionName {
			return false
		}
	}
	return true
}

// DeleteTrafficSplit implements platform.TrafficDriver: it removes spec.traffic and the
// marker, so Knative sends everything to the latest revision again, and waits until
// the Route does; a missing function is not an error.
func (d *Driver) DeleteTrafficSplit(ctx context.Context, fn platform.FunctionID) error {
	_, wrote, err := d.modify(ctx, fn, func(obj map[string]any) error {
		setTraffic(obj, nil)
		return nil
	})
	if errors.Is(err, platform.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing the traffic split of function %s: %w", fn, err)
	}
	if wrote {
		_, err = d.waitTraffic(ctx, fn)
	}
	var deleted *platform.DeletedError
	if errors.As(err, &deleted) {
		return nil
	}
	return err
}
