package memdriver

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The children of a memfake function: its scaling policy and its triggers live inside
// the function's entry, as OpenFaaS keeps them in the function's labels and
// annotations, so that they go with it when it is deleted and every write of one is a
// write ("PUT") of the function under its lock. Routes are objects of their own, as
// Knative's DomainMappings are, created through platform.CreateOnce with a token.

var (
	_ platform.ScalingDriver = (*Driver)(nil)
	_ platform.TriggerDriver = (*Driver)(nil)
	_ platform.RouteDriver   = (*Driver)(nil)
)

// scalingMetrics are the faas_scaling_policy metrics memfake accepts.
var scalingMetrics = []string{"rps", "concurrency"}

type routeKey struct{ namespace, host string }

type routeEntry struct {
	route platform.Route
	token string
}

// lockFunction takes the per-function lock every write of a function's object takes
// (DESIGN.md section 5.2).
func (d *Driver) lockFunction(id platform.FunctionID) func() {
	return platform.FunctionLocks.Lock(platform.FunctionLockKey(d.endpoint(), id))
}

// liveLocked returns the entry of a function that exists and is not being deleted.
func (s *Store) liveLocked(id platform.FunctionID) (*entry, bool) {
	e, ok := s.readLocked(id)
	if !ok || e.gone > 0 {
		return nil, false
	}
	return e, true
}

func clonePolicy(p platform.ScalingPolicy) *platform.ScalingPolicy {
	c := p
	for _, v := range []**int64{&c.MinReplicas, &c.MaxReplicas, &c.Target, &c.TargetUtilizationPercent} {
		if *v != nil {
			n := **v
			*v = &n
		}
	}
	return &c
}

func samePolicy(a, b *platform.ScalingPolicy) bool {
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Function == b.Function && eq(a.MinReplicas, b.MinReplicas) && eq(a.MaxReplicas, b.MaxReplicas) &&
		a.Metric == b.Metric && eq(a.Target, b.Target) && eq(a.TargetUtilizationPercent, b.TargetUtilizationPercent) &&
		a.ScaleToZeroAfter == b.ScaleToZeroAfter
}

// CheckScalingPolicy implements platform.ScalingDriver: bounds, metric and, with create
// set, a policy the function already carries (a conflict, which the same apply may
// resolve).
func (d *Driver) CheckScalingPolicy(_ context.Context, p *platform.ScalingPolicy, create bool) ([]*platform.UnsupportedError, error) {
	var out []*platform.UnsupportedError
	add := func(attr, reason string) {
		out = append(out, &platform.UnsupportedError{Attribute: platform.Attr(attr), Platform: Platform, Reason: reason})
	}
	if p.MinReplicas != nil && p.MaxReplicas != nil && *p.MinReplicas > *p.MaxReplicas {
		add("min_replicas", "min_replicas is greater than max_replicas")
	}
	if p.Metric != "" && !slices.Contains(scalingMetrics, p.Metric) {
		add("metric", fmt.Sprintf("memfake scales on %s only", strings.Join(scalingMetrics, " or ")))
	}
	if p.TargetUtilizationPercent != nil && (*p.TargetUtilizationPercent < 1 || *p.TargetUtilizationPercent > 100) {
		add("target_utilization_percent", "must be 1 to 100")
	}
	if !create || len(out) > 0 {
		return out, nil
	}
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.liveLocked(p.Function); ok && e.policy != nil {
		out = append(out, &platform.UnsupportedError{Attribute: platform.Attr("function_id"), Platform: Platform, Conflict: true,
			Summary: "Scaling policy already exists", Reason: fmt.Sprintf("function %s already has a scaling policy", p.Function),
			Instead: platform.ImportHint(p.Function.String())})
	}
	return out, nil
}

// ReadScalingPolicy implements platform.ScalingDriver.
func (d *Driver) ReadScalingPolicy(_ context.Context, fn platform.FunctionID) (*platform.ScalingPolicy, error) {
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveLocked(fn)
	if !ok || e.policy == nil {
		return nil, fmt.Errorf("scaling policy of function %s: %w", fn, platform.ErrNotFound)
	}
	return clonePolicy(*e.policy), nil
}

// ApplyScalingPolicy implements platform.ScalingDriver: under the function's lock, a
// conflict with create set when the function has a policy, and no write when nothing
// would change.
func (d *Driver) ApplyScalingPolicy(_ context.Context, p *platform.ScalingPolicy, create bool) (*platform.ScalingPolicy, error) {
	defer d.lockFunction(p.Function)()
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveLocked(p.Function)
	if !ok {
		return nil, fmt.Errorf("writing the scaling policy of function %s: %w", p.Function, platform.ErrNotFound)
	}
	if create && e.policy != nil {
		return nil, fmt.Errorf("function %s already has a scaling policy (%w). %s", p.Function, platform.ErrConflict, platform.ImportHint(p.Function.String()))
	}
	if e.policy != nil && samePolicy(e.policy, p) {
		return clonePolicy(*e.policy), nil
	}
	e.policy = clonePolicy(*p)
	if s.writeLocked("PUT") {
		return nil, lostAnswer("writing the scaling policy of function " + p.Function.String())
	}
	return clonePolicy(*e.policy), nil
}

// DeleteScalingPolicy implements platform.ScalingDriver: a missing function or policy
// is not an error.
func (d *Driver) DeleteScalingPolicy(_ context.Context, fn platform.FunctionID) error {
	defer d.lockFunction(fn)()
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.liveLocked(fn); ok && e.policy != nil {
		e.policy = nil
		s.writeLocked("PUT")
	}
	return nil
}

// TriggerID implements platform.TriggerDriver: namespace/function/cron, or
// namespace/function/topic/<topic> where the topic takes the rest of the id.
func (d *Driver) TriggerID(t *platform.Trigger) string {
	return t.Function.String() + "/" + triggerKey(t)
}

// triggerKey is what keys a trigger within its function: one cron trigger, one per topic.
func triggerKey(t *platform.Trigger) string {
	if t.Type == platform.TriggerCron {
		return platform.TriggerCron
	}
	return platform.TriggerTopic + "/" + t.Topic
}

// parseTriggerID parses an id of TriggerID's form.
func parseTriggerID(id string) (platform.FunctionID, string, error) {
	parts := strings.SplitN(id, "/", 4)
	bad := fmt.Errorf("%q is not a memfake trigger id: expected \"namespace/function/cron\" or \"namespace/function/topic/<topic>\": %w", id, platform.ErrInvalidID)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return platform.FunctionID{}, "", bad
	}
	fn := platform.FunctionID{Namespace: parts[0], Name: parts[1]}
	switch {
	case parts[2] == platform.TriggerCron && len(parts) == 3:
		return fn, platform.TriggerCron, nil
	case parts[2] == platform.TriggerTopic && len(parts) == 4 && parts[3] != "":
		return fn, platform.TriggerTopic + "/" + parts[3], nil
	}
	return platform.FunctionID{}, "", bad
}

// CheckTrigger implements platform.TriggerDriver: a type, a schedule or a topic, no
// broker; with create set, the same trigger already on the function.
func (d *Driver) CheckTrigger(_ context.Context, t *platform.Trigger, create bool) ([]*platform.UnsupportedError, error) {
	var out []*platform.UnsupportedError
	add := func(attr, reason string) {
		out = append(out, &platform.UnsupportedError{Attribute: platform.Attr(attr), Platform: Platform, Reason: reason})
	}
	switch t.Type {
	case platform.TriggerCron:
		if strings.TrimSpace(t.Schedule) == "" {
			add("schedule", "a cron trigger needs a schedule")
		}
	case platform.TriggerTopic:
		if t.Topic == "" {
			add("topic", "a topic trigger needs a topic")
		}
	default:
		add("type", fmt.Sprintf("%q is not a trigger type", t.Type))
	}
	if t.Broker != "" {
		add("broker", "memfake delivers topics itself; it has no broker")
	}
	if !create || len(out) > 0 {
		return out, nil
	}
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.liveLocked(t.Function); ok {
		if _, taken := e.triggers[triggerKey(t)]; taken {
			out = append(out, &platform.UnsupportedError{Attribute: platform.Attr("function_id"), Platform: Platform, Conflict: true,
				Summary: "Trigger already exists", Reason: fmt.Sprintf("function %s already has trigger %s", t.Function, d.TriggerID(t)),
				Instead: platform.ImportHint(d.TriggerID(t))})
		}
	}
	return out, nil
}

// CreateTrigger implements platform.TriggerDriver: ErrConflict when the function already
// has the trigger, ErrNotFound when the function is gone.
func (d *Driver) CreateTrigger(_ context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	return d.writeTrigger(t, true)
}

// UpdateTrigger implements platform.TriggerDriver. It adds the trigger again to a
// function that lost it, and writes nothing when nothing would change.
func (d *Driver) UpdateTrigger(_ context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	return d.writeTrigger(t, false)
}

func (d *Driver) writeTrigger(t *platform.Trigger, create bool) (*platform.Trigger, error) {
	defer d.lockFunction(t.Function)()
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveLocked(t.Function)
	if !ok {
		return nil, fmt.Errorf("writing the %s trigger of function %s: %w", t.Type, t.Function, platform.ErrNotFound)
	}
	k := triggerKey(t)
	cur, exists := e.triggers[k]
	if create && exists {
		return nil, fmt.Errorf("trigger %s already exists (%w). %s", d.TriggerID(t), platform.ErrConflict, platform.ImportHint(d.TriggerID(t)))
	}
	next := *t
	next.Name = ""
	if exists && cur == next {
		return &cur, nil
	}
	if e.triggers == nil {
		e.triggers = map[string]platform.Trigger{}
	}
	e.triggers[k] = next
	if s.writeLocked("PUT") {
		return nil, lostAnswer("writing trigger " + d.TriggerID(t))
	}
	return &next, nil
}

// ReadTrigger implements platform.TriggerDriver: ErrNotFound when the trigger or its
// function is gone.
func (d *Driver) ReadTrigger(_ context.Context, id string) (*platform.Trigger, error) {
	fn, k, err := parseTriggerID(id)
	if err != nil {
		return nil, err
	}
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.liveLocked(fn)
	if !ok {
		return nil, fmt.Errorf("trigger %s: function %s: %w", id, fn, platform.ErrNotFound)
	}
	t, ok := e.triggers[k]
	if !ok {
		return nil, fmt.Errorf("trigger %s: %w", id, platform.ErrNotFound)
	}
	return &t, nil
}

// TriggerSettingsReadBack reports that ReadTrigger returns every setting of a trigger.
func (d *Driver) TriggerSettingsReadBack() bool { return true }

// DeleteTrigger implements platform.TriggerDriver: a missing trigger or function is not
// an error.
func (d *Driver) DeleteTrigger(_ context.Context, t *platform.Trigger) error {
	defer d.lockFunction(t.Function)()
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.liveLocked(t.Function); ok {
		if _, ok := e.triggers[triggerKey(t)]; ok {
			delete(e.triggers, triggerKey(t))
			s.writeLocked("PUT")
		}
	}
	return nil
}

// RouteID implements platform.RouteDriver: namespace/host.
func (d *Driver) RouteID(r *platform.Route) string { return routeNamespace(r) + "/" + r.Host }

func routeNamespace(r *platform.Route) string {
	if r.Namespace != "" {
		return r.Namespace
	}
	return r.Function.Namespace
}

// normalRoute is r as memfake stores it: its namespace filled in, path "/" by default,
// methods sorted, no URL.
func normalRoute(r *platform.Route) platform.Route {
	c := *r
	c.Namespace = routeNamespace(r)
	if c.Path == "" {
		c.Path = "/"
	}
	c.Methods = slices.Sorted(slices.Values(r.Methods))
	if len(c.Methods) == 0 {
		c.Methods = nil
	}
	c.URL = ""
	return c
}

// routeView is what a read returns of a stored route: with its URL.
func routeView(r platform.Route) *platform.Route {
	r.Methods = slices.Clone(r.Methods)
	scheme := "http"
	if r.TLSSecret != "" {
		scheme = "https"
	}
	r.URL = scheme + "://" + r.Host + strings.TrimSuffix(r.Path, "/")
	return &r
}

// CheckRoute implements platform.RouteDriver: a host, and a path that starts with '/'.
func (d *Driver) CheckRoute(_ context.Context, r *platform.Route) ([]*platform.UnsupportedError, error) {
	var out []*platform.UnsupportedError
	if r.Host == "" || strings.ContainsAny(r.Host, "/ ") {
		out = append(out, &platform.UnsupportedError{Attribute: platform.Attr("host"), Platform: Platform, Reason: fmt.Sprintf("%q is not a host name", r.Host)})
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		out = append(out, &platform.UnsupportedError{Attribute: platform.Attr("path"), Platform: Platform, Reason: fmt.Sprintf("%q does not start with '/'", r.Path)})
	}
	return out, nil
}

// CreateRoute implements platform.RouteDriver through platform.CreateOnce: a route of
// the same host in the namespace is ErrConflict, whoever made it; a missing function
// is ErrNotFound.
func (d *Driver) CreateRoute(ctx context.Context, r *platform.Route) (*platform.Route, error) {
	next := normalRoute(r)
	k := routeKey{next.Namespace, next.Host}
	id := d.RouteID(r)
	token := newToken()
	return platform.CreateOnce(ctx, platform.Create[*platform.Route]{
		Send: func(context.Context) (*platform.Route, error) {
			s := d.store
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.dropLocked("POST") {
				return nil, lostAnswer("creating route " + id)
			}
			if _, ok := s.liveLocked(r.Function); !ok {
				return nil, fmt.Errorf("creating route %s: function %s: %w", id, r.Function, platform.ErrNotFound)
			}
			lost := s.writeLocked("POST")
			if _, ok := s.routes[k]; ok {
				return nil, fmt.Errorf("route %s already exists: %w", id, platform.ErrConflict)
			}
			s.routes[k] = &routeEntry{route: next, token: token}
			if lost {
				return nil, lostAnswer("creating route " + id)
			}
			return routeView(next), nil
		},
		ReadBack: func(context.Context) (*platform.Route, bool, error) {
			s := d.store
			s.mu.Lock()
			defer s.mu.Unlock()
			e, ok := s.routes[k]
			if !ok {
				return nil, false, fmt.Errorf("route %s: %w", id, platform.ErrNotFound)
			}
			return routeView(e.route), e.token == token, nil
		},
		Exists: func(error) error {
			return fmt.Errorf("route %s already exists and is not managed by this resource (%w). %s", id, platform.ErrConflict, platform.ImportHint(id))
		},
	})
}

// ReadRoute implements platform.RouteDriver: id is namespace/host.
func (d *Driver) ReadRoute(_ context.Context, id string) (*platform.Route, error) {
	ns, host, ok := strings.Cut(id, "/")
	if !ok || ns == "" || host == "" {
		return nil, fmt.Errorf("%q is not a memfake route id: expected \"namespace/host\": %w", id, platform.ErrInvalidID)
	}
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.routes[routeKey{ns, host}]
	if !ok {
		return nil, fmt.Errorf("route %s: %w", id, platform.ErrNotFound)
	}
	return routeView(e.route), nil
}

// UpdateRoute implements platform.RouteDriver: it rewrites the route in place, writing
// nothing when nothing would change, and creates it again when it is gone.
func (d *Driver) UpdateRoute(ctx context.Context, r *platform.Route) (*platform.Route, error) {
	next := normalRoute(r)
	s := d.store
	s.mu.Lock()
	e, ok := s.routes[routeKey{next.Namespace, next.Host}]
	if !ok {
		s.mu.Unlock()
		return d.CreateRoute(ctx, r)
	}
	defer s.mu.Unlock()
	if _, ok := s.liveLocked(r.Function); !ok {
		return nil, fmt.Errorf("updating route %s: function %s: %w", d.RouteID(r), r.Function, platform.ErrNotFound)
	}
	if !sameRoute(e.route, next) {
		e.route = next
		if s.writeLocked("PUT") {
			return nil, lostAnswer("updating route " + d.RouteID(r))
		}
	}
	return routeView(e.route), nil
}

func sameRoute(a, b platform.Route) bool {
	return a.Function == b.Function && a.Namespace == b.Namespace && a.Host == b.Host && a.Path == b.Path &&
		slices.Equal(a.Methods, b.Methods) && a.TLSSecret == b.TLSSecret
}

// DeleteRoute implements platform.RouteDriver: a missing route is not an error.
func (d *Driver) DeleteRoute(_ context.Context, r *platform.Route) error {
	s := d.store
	k := routeKey{routeNamespace(r), r.Host}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.routes[k]; ok {
		delete(s.routes, k)
		s.writeLocked("DELETE")
	}
	return nil
}
