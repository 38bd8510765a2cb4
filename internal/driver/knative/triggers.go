package knative

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/robfig/cron/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// The faas_trigger mapping (DESIGN.md section 3.4, Knative column; FACTS.md section 6):
//
//	type = "cron"    a sources.knative.dev/v1 PingSource: spec.schedule, spec.timezone,
//	                 spec.data (payload), spec.sink.ref = the function's Service
//	type = "topic"   an eventing.knative.dev/v1 Trigger: spec.broker (immutable),
//	                 spec.filter.attributes.type = topic, spec.subscriber.ref = the Service
//	name             the object's name, DeriveTriggerName when not given; id namespace/name

// DefaultBroker is the Broker a topic trigger subscribes to when none is given.
const DefaultBroker = "default"

// PingDialect names the cron syntax a PingSource accepts, for error messages.
const PingDialect = "the Knative PingSource dialect (robfig/cron: five fields minute hour day-of-month month day-of-week, " +
	"an optional leading seconds field, or a descriptor such as @hourly, @daily or @weekly; @every is not accepted; " +
	"the time zone goes in time_zone, not in the schedule)"

// pingParser is the PingSource schedule syntax (knative/eventing
// pkg/apis/sources/v1/ping_validation.go): standard fields, an optional seconds field and
// descriptors; @every is rejected separately (FACTS.md section 6).
var pingParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ValidatePingSchedule checks a schedule as Knative's PingSource webhook does. Knative
// turns an empty schedule into "* * * * *", so an empty one is an error here, and a
// time zone prefix is refused as on every platform (platform.CheckScheduleTimeZone): it
// belongs in time_zone, the PingSource's spec.timezone.
func ValidatePingSchedule(schedule string) error {
	s := strings.TrimSpace(schedule)
	switch {
	case s == "":
		return errors.New("the schedule is empty (Knative would run it every minute)")
	case strings.Contains(s, "@every"):
		return fmt.Errorf("%q uses @every, which Knative's PingSource rejects (\"unsupported schedule\"); write it as a cron expression, such as \"*/10 * * * *\" for every 10 minutes", schedule)
	}
	if err := platform.CheckScheduleTimeZone(schedule); err != nil {
		return err
	}
	if err := parsePing(s); err != nil {
		return fmt.Errorf("%q is not valid in %s: %v", schedule, PingDialect, err)
	}
	return nil
}

// parsePing runs the parser, turning its panics on malformed input into errors.
func parsePing(s string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the schedule cannot be parsed (%v)", r)
		}
	}()
	_, err = pingParser.Parse(s)
	return err
}

// DeriveTriggerName is the object name of a trigger without one: "<function>-cron" for
// a cron trigger, "<function>-<topic>" for a topic trigger with the topic lowered and
// every run of characters outside [a-z0-9] turned into '-', as a DNS-1123 label. A
// name that would be too long, a topic with no letter or digit, and the topic "cron"
// (which would collide with the cron name) get a short hash of the topic instead, so
// the name is stable and distinct.
func DeriveTriggerName(t *platform.Trigger) string {
	fn := t.Function.Name
	if t.Type == platform.TriggerCron {
		return fitLabel(fn+"-cron", "cron", false)
	}
	clean := sanitizeLabel(t.Topic)
	lossy := clean == "" || clean == "cron"
	return fitLabel(fn+"-"+clean, t.Topic, lossy)
}

// sanitizeLabel lowers s and turns every run of characters outside [a-z0-9] into one '-'.
func sanitizeLabel(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// fitLabel makes name a DNS-1123 label of at most 63 characters, adding "-<hash of
// seed>" when hashed is set or when it had to shorten the name.
func fitLabel(name, seed string, hashed bool) string {
	name = strings.Trim(sanitizeLabel(name), "-")
	if !hashed && len(name) <= validation.DNS1123LabelMaxLength {
		return name
	}
	sum := sha256.Sum256([]byte(seed))
	suffix := "-" + hex.EncodeToString(sum[:])[:8]
	if limit := validation.DNS1123LabelMaxLength - len(suffix); len(name) > limit {
		name = strings.TrimRight(name[:limit], "-")
	}
	return name + suffix
}

// TriggerDefaults returns a copy of t with the name and broker Knative uses when t does
// not set them (DeriveTriggerName, DefaultBroker for topic triggers). The provider shows
// them in the plan.
func (d *Driver) TriggerDefaults(t *platform.Trigger) *platform.Trigger {
	out := *t
	if out.Name == "" && out.Function.Name != "" {
		out.Name = DeriveTriggerName(&out)
	}
	if out.Type == platform.TriggerTopic && out.Broker == "" {
		out.Broker = DefaultBroker
	}
	return &out
}

// TriggerSettingsReadBack reports that ReadTrigger returns every setting of a trigger
// (time zone and payload included), so a refresh detects changes made outside Terraform.
func (d *Driver) TriggerSettingsReadBack() bool { return true }

// TriggerID implements platform.TriggerDriver: namespace/name of the PingSource or
// Trigger.
func (d *Driver) TriggerID(t *platform.Trigger) string {
	t = d.TriggerDefaults(t)
	return t.Function.Namespace + "/" + t.Name
}

func triggerKind(typ string) childKind {
	if typ == platform.TriggerCron {
		return pingSourceKind
	}
	return eventTriggerKind
}

// CheckTrigger implements platform.TriggerDriver: the PingSource dialect and time zone,
// the Eventing APIs being installed, and with create set, a missing Broker. An object
// of the same name is reported by CreateTrigger, not here: Terraform plans the create
// half of a replacement while the old object still exists.
func (d *Driver) CheckTrigger(ctx context.Context, t *platform.Trigger, create bool) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	t = d.TriggerDefaults(t)
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, summary, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Summary: summary, Reason: reason, Instead: instead})
	}
	if t.Name != "" {
		if msgs := validation.IsDNS1123Label(t.Name); len(msgs) > 0 {
			add(platform.Attr("name"), "Invalid trigger name", fmt.Sprintf("%q is not a valid Kubernetes object name: %s", t.Name, strings.Join(msgs, "; ")), "Use lower-case letters, digits and '-', at most 63 characters")
		}
	}
	k := triggerKind(t.Type)
	switch t.Type {
	case platform.TriggerCron:
		if err := ValidatePingSchedule(t.Schedule); err != nil {
			add(platform.Attr("schedule"), "Invalid cron schedule", err.Error(), "Write a schedule such as \"*/5 * * * *\", \"0 30 9 * * *\" (with seconds) or \"@daily\"")
		}
		if t.TimeZone != "" {
			// As the PingSource webhook checks spec.timezone (time.LoadLocation).
			if err := platform.ValidateTimeZone(t.TimeZone); err != nil {
				add(platform.Attr("time_zone"), "Invalid time zone", err.Error(), "Use an IANA time zone name such as \"Europe/Paris\", or remove time_zone for the cluster's time zone")
			}
		}
		if t.Broker != "" {
			add(platform.Attr("broker"), "", "a cron trigger is a PingSource that sends straight to the function; it has no broker", "Remove broker")
		}
	case platform.TriggerTopic:
		if t.Broker != "" {
			if msgs := validation.IsDNS1123Subdomain(t.Broker); len(msgs) > 0 {
				add(platform.Attr("broker"), "Invalid broker name", fmt.Sprintf("%q is not a valid Broker name: %s", t.Broker, strings.Join(msgs, "; ")), "")
			}
		}
	}
	ok, err := d.served(ctx, k.gvr)
	if err != nil {
		return nil, err
	}
	if !ok {
		add(platform.Attr("type"), "Knative Eventing is not installed", fmt.Sprintf("the cluster does not serve %s (%s), which a %q trigger needs", k.gvr.GroupResource(), k.gvr.GroupVersion(), t.Type),
			"Install Knative Eventing (and its PingSource and Broker components) on the cluster")
	}
	if !create || len(out) > 0 || t.Function.Namespace == "" {
		return out, nil
	}
	ns := t.Function.Namespace
	if t.Type == platform.TriggerTopic {
		_, err := d.client(brokersGVR, ns).Get(ctx, t.Broker, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			add(platform.Attr("broker"), "Broker does not exist", fmt.Sprintf("there is no Knative Eventing Broker %q in namespace %q, so the Trigger would never become ready (Knative reports BrokerDoesNotExist)", t.Broker, ns),
				fmt.Sprintf("Create the Broker first (for example: kn broker create %s -n %s), or set broker to an existing one", t.Broker, ns))
		case err != nil && !apierrors.IsForbidden(err):
			return nil, fmt.Errorf("checking Broker %s/%s: %w", ns, t.Broker, d.apiError(http.MethodGet, itemPath(brokersGVR, ns, t.Broker), err))
		}
	}
	return out, nil
}

// setTriggerSpec writes the fields faas_trigger owns into obj, keeping the rest.
func setTriggerSpec(obj map[string]any, t *platform.Trigger) {
	spec := mapAt(obj, "spec")
	ref := map[string]any{"ref": serviceRef(t.Function)}
	if t.Type == platform.TriggerCron {
		spec["schedule"] = t.Schedule
		setOrDelete(spec, "timezone", t.TimeZone, t.TimeZone == "")
		setOrDelete(spec, "data", t.Payload, t.Payload == "")
		delete(spec, "dataBase64")
		spec["sink"] = ref
		return
	}
	if _, ok := spec["broker"]; !ok {
		spec["broker"] = t.Broker
	}
	spec["filter"] = map[string]any{"attributes": map[string]any{"type": t.Topic}}
	spec["subscriber"] = ref
}

func newTriggerObject(t *platform.Trigger) *unstructured.Unstructured {
	k := triggerKind(t.Type)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": k.gvr.GroupVersion().String(), "kind": k.kind,
		"metadata": map[string]any{
			"name": t.Name, "namespace": t.Function.Namespace,
			"labels":      map[string]any{ManagedByLabel: managedBy},
			"annotations": map[string]any{CreateTokenAnnotation: newToken()},
		},
		"spec": map[string]any{},
	}}
	if t.Type == platform.TriggerTopic {
		u.Object["spec"] = map[string]any{"broker": t.Broker}
	}
	setTriggerSpec(u.Object, t)
	return u
}

// triggerFrom maps a PingSource or an Eventing Trigger to the neutral trigger.
func triggerFrom(u *unstructured.Unstructured) (*platform.Trigger, error) {
	ns, name := u.GetNamespace(), u.GetName()
	spec, _, _ := unstructured.NestedMap(u.Object, "spec")
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	if u.GetKind() == pingSourceKind.kind {
		ref, _, _ := unstructured.NestedMap(spec, "sink", "ref")
		fn, ok := refFunction(ref, ns)
		if !ok {
			return nil, fmt.Errorf("PingSource %s/%s does not send to a Knative Service (its sink is %v): faas_trigger manages PingSources whose sink is a function", ns, name, spec["sink"])
		}
		t := &platform.Trigger{Function: fn, Name: name, Type: platform.TriggerCron, Schedule: str(spec, "schedule"), TimeZone: str(spec, "timezone"), Payload: str(spec, "data")}
		if b := str(spec, "dataBase64"); b != "" && t.Payload == "" {
			if raw, err := base64.StdEncoding.DecodeString(b); err == nil {
				t.Payload = string(raw)
			}
		}
		return t, nil
	}
	ref, _, _ := unstructured.NestedMap(spec, "subscriber", "ref")
	fn, ok := refFunction(ref, ns)
	if !ok {
		return nil, fmt.Errorf("trigger %s/%s does not deliver to a Knative Service (its subscriber is %v): faas_trigger manages Triggers whose subscriber is a function", ns, name, spec["subscriber"])
	}
	topic, _, _ := unstructured.NestedString(spec, "filter", "attributes", "type")
	return &platform.Trigger{Function: fn, Name: name, Type: platform.TriggerTopic, Topic: topic, Broker: str(spec, "broker")}, nil
}

// triggerHint explains a trigger that did not become ready.
func triggerHint(u *unstructured.Unstructured) string {
	if u == nil {
		return ""
	}
	_, why := childReadiness(u)
	ns := u.GetNamespace()
	switch {
	case strings.Contains(why, "BrokerDoesNotExist"):
		b, _, _ := unstructured.NestedString(u.Object, "spec", "broker")
		return fmt.Sprintf("The Broker %q does not exist in namespace %q: create it (for example: kn broker create %s -n %s) or set broker to an existing Broker", b, ns, b, ns)
	case strings.Contains(why, "SinkProvided=False") || strings.Contains(why, "SubscriberResolved=False"):
		return "The function's Knative Service could not be resolved: check that it exists and is ready"
	}
	return ""
}

// CreateTrigger implements platform.TriggerDriver: one POST of a PingSource (cron) or
// an Eventing Trigger (topic), then a wait until its Ready condition is True. When the
// object was created but does not become ready in time it returns the trigger as
// created together with a *NotReadyChildError, so that the provider keeps it (tainted).
func (d *Driver) CreateTrigger(ctx context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	t = d.TriggerDefaults(t)
	k := triggerKind(t.Type)
	id := d.TriggerID(t)
	// A trigger id (namespace/name) must name one object: the other kind must not use
	// the name. The check reads through this run's cache: creating N triggers of one
	// kind costs one list of the other kind, not N reads.
	other := pingSourceKind
	if k == pingSourceKind {
		other = eventTriggerKind
	}
	if _, err := d.cachedGet(ctx, other.gvr, t.Function.Namespace, t.Name); err == nil {
		return nil, fmt.Errorf("creating the %s trigger of function %s: a %s named %s already exists, and a trigger id (namespace/name) must name one object: set another name: %w", t.Type, t.Function, other.what, id, platform.ErrConflict)
	}
	if err := d.createChild(ctx, k, newTriggerObject(t), func() error {
		return fmt.Errorf("%s %s already exists and is not managed by this resource (%w). %s", k.what, id, platform.ErrConflict, platform.ImportHint(id))
	}); err != nil {
		return nil, fmt.Errorf("creating the %s trigger of function %s (%s %s): %w", t.Type, t.Function, k.what, id, err)
	}
	return d.awaitTrigger(ctx, t)
}

func (d *Driver) awaitTrigger(ctx context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	k := triggerKind(t.Type)
	u, err := d.waitChildReady(ctx, k, t.Function.Namespace, t.Name)
	var got *platform.Trigger
	if u != nil {
		var merr error
		if got, merr = triggerFrom(u); merr != nil {
			return nil, merr
		}
	}
	if err != nil {
		if got == nil {
			got = t
		}
		return got, &NotReadyChildError{What: fmt.Sprintf("%s %s", k.what, d.TriggerID(t)), Err: err, Hint: triggerHint(u)}
	}
	return got, nil
}

// ReadTrigger implements platform.TriggerDriver: id is namespace/name of a PingSource
// or, when there is none, an Eventing Trigger; ErrNotFound when neither exists.
func (d *Driver) ReadTrigger(ctx context.Context, id string) (*platform.Trigger, error) {
	ns, name, err := splitNamespaced(id, "trigger", "namespace/name")
	if err != nil {
		return nil, err
	}
	for _, k := range []childKind{pingSourceKind, eventTriggerKind} {
		u, err := d.cachedGet(ctx, k.gvr, ns, name)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading trigger %s: %w", id, d.apiError(http.MethodGet, itemPath(k.gvr, ns, name), err))
		}
		return triggerFrom(u)
	}
	return nil, fmt.Errorf("no PingSource nor Trigger %s: %w", id, platform.ErrNotFound)
}

// UpdateTrigger implements platform.TriggerDriver: a read-modify-write of the fields
// faas_trigger owns (the broker is immutable: the provider replaces the trigger to
// change it), creating the object again when it is gone, then a wait until ready.
func (d *Driver) UpdateTrigger(ctx context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	t = d.TriggerDefaults(t)
	k := triggerKind(t.Type)
	err := d.modifyChild(ctx, k, t.Function.Namespace, t.Name, func(obj map[string]any) error {
		if t.Type == platform.TriggerTopic {
			if b, _, _ := unstructured.NestedString(obj, "spec", "broker"); b != t.Broker {
				return fmt.Errorf("trigger %s subscribes to Broker %q, not %q, and Knative does not allow changing it: %w", d.TriggerID(t), b, t.Broker, platform.ErrInvalid)
			}
		}
		setTriggerSpec(obj, t)
		return nil
	})
	if errors.Is(err, platform.ErrNotFound) {
		return d.CreateTrigger(ctx, t)
	}
	if err != nil {
		return nil, fmt.Errorf("updating the %s trigger of function %s (%s %s): %w", t.Type, t.Function, k.what, d.TriggerID(t), err)
	}
	return d.awaitTrigger(ctx, t)
}

// DeleteTrigger implements platform.TriggerDriver: it deletes the PingSource or Trigger
// and waits until it is gone; a missing one is not an error.
func (d *Driver) DeleteTrigger(ctx context.Context, t *platform.Trigger) error {
	t = d.TriggerDefaults(t)
	return d.deleteChild(ctx, triggerKind(t.Type), t.Function.Namespace, t.Name)
}
