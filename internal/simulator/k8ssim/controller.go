package k8ssim

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Condition is a Knative status condition.
type Condition struct {
	// Type is the condition type, such as "Ready".
	Type string `json:"type"`
	// Status is "True", "False" or "Unknown".
	Status string `json:"status"`
	// Reason is a CamelCase reason, such as "RevisionMissing".
	Reason string `json:"reason,omitempty"`
	// Message is a human-readable message.
	Message string `json:"message,omitempty"`
}

// phase is where a simulated controller is with the current generation.
type phase int

const (
	phaseProgressing phase = iota
	phaseReady
	phaseFailed
)

// specChangedLocked restarts the simulated controller after a create or a spec change.
func (s *Server) specChangedLocked(res *resource, e *entry, old map[string]any) {
	if !res.status || res.gvr == NamespacesGVR {
		return
	}
	prev, _, _ := unstructured.NestedMap(e.obj, "status")
	e.ctl.polls = 0
	e.ctl.readyAfter = s.opts.ReadyAfterPolls
	e.ctl.stale = s.opts.StaleStatusPolls
	if old == nil {
		e.ctl.stale = 0
	}
	e.ctl.prevStatus = prev
	e.ctl.override = nil
	e.ctl.failure = nil
	if res.gvr == ServicesGVR {
		var oldTmpl any
		if old != nil {
			oldTmpl = nested(old, "spec")["template"]
		}
		if old == nil || !reflect.DeepEqual(nested(e.obj, "spec")["template"], oldTmpl) {
			e.ctl.revisions++
			// Knative names a revision by the template's metadata.name, or
			// <service>-<configuration generation> (configuration_lifecycle.go).
			rev := str(nested(e.obj, "spec", "template", "metadata"), "name")
			if rev == "" {
				rev = fmt.Sprintf("%s-%05d", str(meta(e.obj), "name"), e.ctl.revisions)
			}
			e.ctl.revisionNames = append(e.ctl.revisionNames, rev)
			s.createRevisionLocked(e.obj, rev, e.ctl.revisions)
		}
		e.ctl.failure = s.failureFor(e.obj)
	}
}

func (s *Server) failureFor(obj map[string]any) *Failure {
	containers, _, _ := unstructured.NestedSlice(obj, "spec", "template", "spec", "containers")
	if len(containers) > 0 {
		if cm, ok := containers[0].(map[string]any); ok {
			if f, ok := s.opts.FailImages[str(cm, "image")]; ok {
				return &f
			}
		}
	}
	if s.opts.Failure != nil {
		f := *s.opts.Failure
		return &f
	}
	return nil
}

// observeLocked advances the simulated controller of an object by one GET and rewrites
// its status; a status change is a write (the resourceVersion moves on).
func (s *Server) observeLocked(k objKey, e *entry) {
	if !k.res.status || k.res.gvr == NamespacesGVR {
		return
	}
	e.ctl.polls++
	if e.ctl.polls <= e.ctl.stale {
		return
	}
	p := e.ctl.polls - e.ctl.stale
	ph := phaseProgressing
	switch {
	case e.ctl.failure != nil:
		ph = phaseFailed
	case e.ctl.readyAfter >= 0 && p > e.ctl.readyAfter:
		ph = phaseReady
	}
	s.reconcileLocked(k, e, ph)
}

// reconcileLocked writes the status the simulated controller computes for phase.
func (s *Server) reconcileLocked(k objKey, e *entry, ph phase) {
	old, _, _ := unstructured.NestedMap(e.obj, "status")
	var st map[string]any
	var conds []Condition
	switch k.res.gvr {
	case ServicesGVR:
		st, conds = s.serviceStatus(e, ph)
	case DomainMappingsGVR:
		st, conds = s.domainMappingStatus(e, ph)
	case TriggersGVR:
		st, conds = s.triggerStatus(e, ph)
	case PingSourcesGVR:
		st, conds = s.pingSourceStatus(e, ph)
	case BrokersGVR:
		st, conds = brokerStatus(e, ph)
	default:
		return
	}
	if o := e.ctl.override; o != nil {
		conds = applyOverride(conds, *o)
	}
	st["observedGeneration"] = meta(e.obj)["generation"]
	st["conditions"] = renderConditions(conds, old)
	if reflect.DeepEqual(st, old) {
		return
	}
	e.obj["status"] = st
	meta(e.obj)["resourceVersion"] = s.nextRVLocked()
}

// applyOverride replaces (or adds) the overridden condition; a Ready override is also
// what Ready reports, and a non-Ready one that is not True makes Ready follow it.
func applyOverride(conds []Condition, o Condition) []Condition {
	found := false
	for i := range conds {
		if conds[i].Type == o.Type {
			conds[i], found = o, true
		}
	}
	if !found {
		conds = append(conds, o)
	}
	if o.Type != "Ready" && o.Status != "True" {
		for i := range conds {
			if conds[i].Type == "Ready" {
				conds[i] = Condition{Type: "Ready", Status: o.Status, Reason: o.Reason, Message: o.Message}
			}
		}
	}
	return conds
}

// renderConditions sorts conditions by type (Knative's ConditionSet keeps them sorted)
// and keeps lastTransitionTime when a condition's status did not change.
func renderConditions(conds []Condition, oldStatus map[string]any) []any {
	prevTimes := map[string]string{}
	prevStatus := map[string]string{}
	if olds, ok := oldStatus["conditions"].([]any); ok {
		for _, c := range olds {
			if cm, ok := c.(map[string]any); ok {
				prevTimes[str(cm, "type")] = str(cm, "lastTransitionTime")
				prevStatus[str(cm, "type")] = str(cm, "status")
			}
		}
	}
	now := nowString(time.Now())
	byType := map[string]Condition{}
	for _, c := range conds {
		byType[c.Type] = c
	}
	out := make([]any, 0, len(byType))
	for _, t := range slices.Sorted(maps.Keys(byType)) {
		c := byType[t]
		m := map[string]any{"type": c.Type, "status": c.Status}
		if c.Reason != "" {
			m["reason"] = c.Reason
		}
		if c.Message != "" {
			m["message"] = c.Message
		}
		if c.Type != "Ready" && c.Status != "True" {
			m["severity"] = "Error"
		}
		if prevStatus[t] == c.Status && prevTimes[t] != "" {
			m["lastTransitionTime"] = prevTimes[t]
		} else {
			m["lastTransitionTime"] = now
		}
		out = append(out, m)
	}
	return out
}

// serviceStatus is what knative/serving's service reconciler reports (service_lifecycle.go,
// configuration and route propagation): revisions <name>-00001 and up, the URL from
// config-domain (or cluster-local with the visibility label), traffic to the latest
// ready revision.
func (s *Server) serviceStatus(e *entry, ph phase) (map[string]any, []Condition) {
	m := meta(e.obj)
	name, ns := str(m, "name"), str(m, "namespace")
	rev := fmt.Sprintf("%s-%05d", name, e.ctl.revisions)
	if n := len(e.ctl.revisionNames); n > 0 {
		rev = e.ctl.revisionNames[n-1]
	}
	host := fmt.Sprintf("%s.%s.%s", name, ns, s.opts.Domain)
	if stringMap(nested(e.obj, "metadata", "labels"))[visibilityLabel] == "cluster-local" {
		host = fmt.Sprintf("%s.%s.%s", name, ns, clusterLocalDomain)
	}
	st := map[string]any{
		"latestCreatedRevisionName": rev,
		"url":                       "http://" + host,
		"address":                   map[string]any{"url": fmt.Sprintf("http://%s.%s.%s", name, ns, clusterLocalDomain)},
	}
	waiting := fmt.Sprintf("Configuration %q is waiting for a Revision to become ready.", name)
	var conds []Condition
	switch ph {
	case phaseReady:
		e.ctl.lastReadyRevision = rev
		conds = []Condition{{Type: "ConfigurationsReady", Status: "True"}, {Type: "Ready", Status: "True"}, {Type: "RoutesReady", Status: "True"}}
	case phaseFailed:
		f := e.ctl.failure
		conds = []Condition{
			{Type: "ConfigurationsReady", Status: "False", Reason: "RevisionFailed", Message: fmt.Sprintf("Revision %q failed with message: %s.", rev, f.Message)},
			// As on the real Serving (observed on the testbed, TESTBED.md): Ready carries
			// the Route's text, the last condition the reconciler propagates; the cause
			// is only in ConfigurationsReady.
			{Type: "Ready", Status: "False", Reason: "RevisionMissing", Message: fmt.Sprintf("Configuration %q does not have any ready Revision.", name)},
			{Type: "RoutesReady", Status: "False", Reason: "RevisionMissing", Message: fmt.Sprintf("Configuration %q does not have any ready Revision.", name)},
		}
	default:
		conds = []Condition{
			{Type: "ConfigurationsReady", Status: "Unknown"},
			{Type: "Ready", Status: "Unknown", Reason: "RevisionMissing", Message: waiting},
			{Type: "RoutesReady", Status: "Unknown", Reason: "RevisionMissing", Message: waiting},
		}
	}
	if e.ctl.lastReadyRevision != "" {
		st["latestReadyRevisionName"] = e.ctl.lastReadyRevision
		if ph != phaseReady {
			conds[2] = Condition{Type: "RoutesReady", Status: "True"}
		}
		if ph == phaseFailed {
			// The Route still serves the last ready revision: Ready tells the
			// Configuration's failure.
			conds[1] = Condition{Type: "Ready", Status: "False", Reason: conds[0].Reason, Message: conds[0].Message}
		}
		// A target naming a revision the Service does not have: the Route keeps
		// serving what it served and reports it (route/traffic/errors.go,
		// route_lifecycle.go MarkMissingTrafficTarget, propagated to the Service).
		tr, _, _ := unstructured.NestedSlice(e.obj, "spec", "traffic")
		for _, t := range tr {
			tm, _ := t.(map[string]any)
			if latest, _ := tm["latestRevision"].(bool); latest || slices.Contains(e.ctl.revisionNames, str(tm, "revisionName")) {
				continue
			}
			msg := fmt.Sprintf("Revision %q referenced in traffic not found.", str(tm, "revisionName"))
			conds[len(conds)-1] = Condition{Type: "RoutesReady", Status: "False", Reason: "RevisionMissing", Message: msg}
			for i := range conds {
				if conds[i].Type == "Ready" {
					conds[i] = Condition{Type: "Ready", Status: "False", Reason: "RevisionMissing", Message: msg}
				}
			}
			if prev, ok := e.ctl.prevStatus["traffic"]; ok {
				st["traffic"] = prev
			} else if cur, ok := nested(e.obj, "status")["traffic"]; ok {
				st["traffic"] = cur
			}
			return st, conds
		}
		var traffic []any
		for _, t := range tr {
			tm, _ := t.(map[string]any)
			out := map[string]any{"percent": tm["percent"]}
			if latest, _ := tm["latestRevision"].(bool); latest {
				out["latestRevision"] = true
				out["revisionName"] = e.ctl.lastReadyRevision
			} else {
				out["latestRevision"] = false
				out["revisionName"] = str(tm, "revisionName")
			}
			if tag := str(tm, "tag"); tag != "" {
				out["tag"] = tag
				// config-network's tag-template {{.Tag}}-{{.Name}} within the domain.
				out["url"] = fmt.Sprintf("http://%s-%s", tag, host)
			}
			traffic = append(traffic, out)
		}
		st["traffic"] = traffic
	}
	return st, conds
}

func readyConds(ph phase, types []string, reason, message string) []Condition {
	status := "Unknown"
	switch ph {
	case phaseReady:
		status = "True"
	case phaseFailed:
		status = "False"
	}
	out := make([]Condition, 0, len(types)+1)
	for _, t := range append([]string{"Ready"}, types...) {
		c := Condition{Type: t, Status: status}
		if status != "True" {
			c.Reason, c.Message = reason, message
		}
		out = append(out, c)
	}
	return out
}

// failCond marks one condition False and makes Ready follow it.
func failCond(conds []Condition, typ, reason, message string) []Condition {
	return applyOverride(conds, Condition{Type: typ, Status: "False", Reason: reason, Message: message})
}

// serviceURL resolves a Destination ref to a Knative Service's address URL, as
// Knative's addressable resolver does; "" when it cannot.
func (s *Server) resolveRef(ref map[string]any, defaultNS string) (string, bool) {
	if ref == nil {
		return "", false
	}
	ns := str(ref, "namespace")
	if ns == "" {
		ns = defaultNS
	}
	if str(ref, "kind") != "Service" || str(ref, "apiVersion") != "serving.knative.dev/v1" {
		return "", false
	}
	e, ok := s.objects[objKey{res: resourceFor(ServicesGVR), namespace: ns, name: str(ref, "name")}]
	if !ok {
		return "", false
	}
	u, _, _ := unstructured.NestedString(e.obj, "status", "address", "url")
	if u == "" {
		u = fmt.Sprintf("http://%s.%s.%s", str(ref, "name"), ns, clusterLocalDomain)
	}
	return u, true
}

// domainMappingStatus follows knative/serving's domainmapping reconciler: the
// ClusterDomainClaim check (MarkDomainClaimNotOwned when it is missing: the simulator
// models config-network's autocreate-cluster-domain-claims off, as Knative ships it),
// reference resolution, then ingress readiness.
func (s *Server) domainMappingStatus(e *entry, ph phase) (map[string]any, []Condition) {
	m := meta(e.obj)
	name, ns := str(m, "name"), str(m, "namespace")
	scheme := "http"
	if str(nested(e.obj, "spec", "tls"), "secretName") != "" {
		scheme = "https"
	}
	st := map[string]any{"url": scheme + "://" + name, "address": map[string]any{"url": scheme + "://" + name}}
	conds := readyConds(ph, []string{"CertificateProvisioned", "DomainClaimed", "IngressReady", "ReferenceResolved"}, "IngressNotConfigured", "Ingress has not yet been reconciled.")
	if scheme == "http" {
		conds = applyOverride(conds, Condition{Type: "CertificateProvisioned", Status: "True", Reason: "TLSNotEnabled", Message: "External domain TLS is not enabled"})
	}
	claim, hasClaim := s.objects[objKey{res: resourceFor(ClusterDomainClaimsGVR), name: name}]
	switch {
	case hasClaim && str(nested(claim.obj, "spec"), "namespace") == ns:
	default:
		conds = failCond(conds, "DomainClaimed", "DomainAlreadyClaimed", "The domain name is already in use by another DomainMapping")
		return st, conds
	}
	ref := nested(e.obj, "spec", "ref")
	if _, ok := s.resolveRef(ref, ns); !ok {
		conds = failCond(conds, "ReferenceResolved", "ResolveFailed", fmt.Sprintf("services.serving.knative.dev %q not found", str(ref, "name")))
	}
	return st, conds
}

// triggerStatus follows knative/eventing's trigger reconciler: the broker must exist
// (BrokerDoesNotExist) and the subscriber must resolve.
func (s *Server) triggerStatus(e *entry, ph phase) (map[string]any, []Condition) {
	ns := str(meta(e.obj), "namespace")
	spec := nested(e.obj, "spec")
	st := map[string]any{}
	conds := readyConds(ph, []string{"BrokerReady", "DependencyReady", "SubscriberResolved", "SubscriptionReady"}, "", "")
	broker := str(spec, "broker")
	if _, ok := s.objects[objKey{res: resourceFor(BrokersGVR), namespace: ns, name: broker}]; !ok {
		return st, failCond(conds, "BrokerReady", "BrokerDoesNotExist", fmt.Sprintf("Broker %q does not exist", broker))
	}
	sub := nested(spec, "subscriber")
	if u := str(sub, "uri"); u != "" {
		st["subscriberUri"] = u
	} else if u, ok := s.resolveRef(nested(sub, "ref"), ns); ok {
		st["subscriberUri"] = u
	} else {
		return st, failCond(conds, "SubscriberResolved", "Unable to get the Subscriber's URI",
			fmt.Sprintf("failed to get object %s/%s: services.serving.knative.dev %q not found", ns, str(nested(sub, "ref"), "name"), str(nested(sub, "ref"), "name")))
	}
	return st, conds
}

// pingSourceStatus follows knative/eventing's pingsource reconciler: the sink must
// resolve (SinkProvided), then the source is deployed.
func (s *Server) pingSourceStatus(e *entry, ph phase) (map[string]any, []Condition) {
	ns := str(meta(e.obj), "namespace")
	sink := nested(e.obj, "spec", "sink")
	st := map[string]any{}
	conds := readyConds(ph, []string{"Deployed", "SinkProvided"}, "", "")
	if u := str(sink, "uri"); u != "" {
		st["sinkUri"] = u
	} else if u, ok := s.resolveRef(nested(sink, "ref"), ns); ok {
		st["sinkUri"] = u
	} else {
		return st, failCond(conds, "SinkProvided", "NotFound", fmt.Sprintf("Sink not found: %v", nested(sink, "ref")))
	}
	return st, conds
}

func brokerStatus(e *entry, ph phase) (map[string]any, []Condition) {
	m := meta(e.obj)
	st := map[string]any{"address": map[string]any{
		"url": fmt.Sprintf("http://broker-ingress.knative-eventing.svc.cluster.local/%s/%s", str(m, "namespace"), str(m, "name"))}}
	return st, readyConds(ph, []string{"Addressable", "FilterReady", "IngressReady", "TriggerChannelReady"}, "", "")
}
