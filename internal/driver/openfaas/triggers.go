package openfaas

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// cronTopic is the element of the topic annotation that the cron-connector subscribes
// to (openfaas/cron-connector types/cron_function.go).
const cronTopic = "cron-function"

// CronDialect names the cron syntax OpenFaaS accepts, for error messages.
const CronDialect = "the OpenFaaS cron-connector's dialect (robfig/cron standard parser: five fields minute hour day-of-month month day-of-week with day-of-week 0-6 and Sunday = 0, no seconds field, or a descriptor such as @hourly or @every 10m; the time zone goes in time_zone, not in the schedule)"

var _ platform.TriggerDriver = (*Driver)(nil)

// ValidateCron checks a schedule with robfig/cron's standard parser, the one the
// cron-connector uses (openfaas/cron-connector types/scheduler.go). A time zone prefix
// ("TZ=" or "CRON_TZ="), which that parser would read, is refused as on every platform
// (platform.CheckScheduleTimeZone): the driver writes time_zone as that prefix itself.
func ValidateCron(schedule string) error {
	if strings.TrimSpace(schedule) == "" {
		return errors.New("the schedule is empty")
	}
	if err := platform.CheckScheduleTimeZone(schedule); err != nil {
		return err
	}
	if err := parseStandard(schedule); err != nil {
		return fmt.Errorf("%q is not valid in %s: %v", schedule, CronDialect, err)
	}
	return nil
}

// parseStandard runs robfig/cron's standard parser, turning its panics into errors: it
// panics on some malformed input such as "TZ=" (found by FuzzValidateCron), and a plan
// must never crash on a user's typo.
func parseStandard(schedule string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the schedule cannot be parsed (%v)", r)
		}
	}()
	_, err = cron.ParseStandard(schedule)
	return err
}

// TriggerID implements platform.TriggerDriver: namespace/function/cron, or
// namespace/function/topic/<topic> where the topic takes the rest of the id.
func (d *Driver) TriggerID(t *platform.Trigger) string { return triggerID(t) }

func triggerID(t *platform.Trigger) string {
	if t.Type == platform.TriggerCron {
		return t.Function.String() + "/cron"
	}
	return t.Function.String() + "/topic/" + t.Topic
}

// ParseTriggerID parses a trigger id (see TriggerID).
func ParseTriggerID(id string) (*platform.Trigger, error) {
	parts := strings.SplitN(id, "/", 4)
	bad := fmt.Errorf("%q is not an OpenFaaS trigger id: expected \"namespace/function/cron\" or \"namespace/function/topic/<topic>\": %w", id, platform.ErrInvalidID)
	if len(parts) < 3 {
		return nil, bad
	}
	fn, err := platform.ParseFunctionID(parts[0]+"/"+parts[1], "")
	if err == nil {
		err = checkID("function", fn)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", bad, err)
	}
	switch {
	case parts[2] == platform.TriggerCron && len(parts) == 3:
		return &platform.Trigger{Function: fn, Type: platform.TriggerCron}, nil
	case parts[2] == platform.TriggerTopic && len(parts) == 4 && parts[3] != "":
		return &platform.Trigger{Function: fn, Type: platform.TriggerTopic, Topic: parts[3]}, nil
	}
	return nil, bad
}

func splitTopics(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// element is the topic-annotation element a trigger owns.
func element(t *platform.Trigger) string {
	if t.Type == platform.TriggerCron {
		return cronTopic
	}
	return t.Topic
}

// CheckTrigger implements platform.TriggerDriver.
func (d *Driver) CheckTrigger(ctx context.Context, t *platform.Trigger, create bool) ([]*platform.UnsupportedError, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, summary, reason, instead string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: info.Describe(), Summary: summary, Reason: reason, Instead: instead})
	}
	switch t.Type {
	case platform.TriggerCron:
		if err := ValidateCron(t.Schedule); err != nil {
			instead := "Write a five-field schedule such as \"*/5 * * * *\""
			if platform.CheckScheduleTimeZone(t.Schedule) != nil {
				instead = "Move the zone to time_zone: the provider writes it as the CRON_TZ= prefix of the schedule annotation"
			}
			add(platform.Attr("schedule"), "Invalid cron schedule", err.Error(), instead)
		}
		if t.TimeZone != "" {
			if err := platform.ValidateTimeZone(t.TimeZone); err != nil {
				add(platform.Attr("time_zone"), "Invalid time zone", err.Error(), "Use an IANA time zone name such as \"Europe/Paris\", or remove time_zone for the cron-connector's own time zone (usually UTC)")
			}
		}
		if t.Payload != "" {
			add(platform.Attr("payload"), "", "the cron-connector invokes the function with an empty body", "Remove payload, or read the data the function needs from its environment")
		}
	case platform.TriggerTopic:
		if strings.Contains(t.Topic, ",") {
			add(platform.Attr("topic"), "Invalid topic", fmt.Sprintf("%q contains ',', the separator of the function's topic annotation", t.Topic), "Use one faas_trigger per topic")
		}
		if t.Topic == cronTopic {
			add(platform.Attr("topic"), "Reserved topic", fmt.Sprintf("%q is the cron-connector's topic", cronTopic), `Use type = "cron" with a schedule`)
		}
	}
	if t.Broker != "" {
		add(platform.Attr("broker"), "", "OpenFaaS connectors subscribe to topics directly; there is no broker", "Remove broker")
	}
	if !create || len(out) > 0 {
		return out, nil
	}
	st, err := d.readStatus(ctx, t.Function)
	if errors.Is(err, platform.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if p := triggerConflict(info, t, st.Annotations); p != nil {
		out = append(out, p)
	}
	return out, nil
}

// triggerConflict applies the cross-trigger rules to a function's annotations: one cron
// trigger per function, one subscription per topic, and on the Community Edition one
// element in the topic annotation (faas-netes CE rejects a comma list, and CE's only
// connector is the cron-connector, so a function is on cron or one topic, not both).
func triggerConflict(info platform.Info, t *platform.Trigger, ann map[string]string) *platform.UnsupportedError {
	topics := splitTopics(ann[TopicAnnotation])
	el := element(t)
	for _, existing := range topics {
		if existing == el {
			what := fmt.Sprintf("function %s is already subscribed to topic %q", t.Function, t.Topic)
			if t.Type == platform.TriggerCron {
				what = fmt.Sprintf("function %s already has a cron trigger (OpenFaaS allows one schedule per function)", t.Function)
			}
			return &platform.UnsupportedError{Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Trigger already exists", Conflict: true,
				Reason:  what + ", from another faas_trigger or set outside Terraform",
				Instead: platform.ImportHint(triggerID(t))}
		}
	}
	if t.Type == platform.TriggerCron && ann[ScheduleAnnotation] != "" {
		return &platform.UnsupportedError{Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Trigger already exists", Conflict: true,
			Reason:  fmt.Sprintf("function %s already has a schedule annotation (OpenFaaS allows one schedule per function)", t.Function),
			Instead: platform.ImportHint(triggerID(t))}
	}
	if info.Edition == EditionCE && len(topics) > 0 {
		return &platform.UnsupportedError{Attribute: platform.Attr("function_id"), Platform: info.Describe(), Summary: "Community Edition allows one trigger per function", Conflict: true,
			Reason:  fmt.Sprintf("function %s is already subscribed to %q, and the Community Edition's topic annotation holds one value, so a function is on cron or one topic, not both", t.Function, strings.Join(topics, ",")),
			Instead: "Remove the other trigger, use another function, or use OpenFaaS Pro"}
	}
	return nil
}

// CreateTrigger implements platform.TriggerDriver: under the function's lock it re-checks
// the cross-trigger rules, adds the trigger's element (and the schedule), and waits until
// the function is ready again.
func (d *Driver) CreateTrigger(ctx context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	return d.writeTrigger(ctx, t, true)
}

// UpdateTrigger implements platform.TriggerDriver. It also re-adds the trigger's keys to
// a function that was replaced and lost them.
func (d *Driver) UpdateTrigger(ctx context.Context, t *platform.Trigger) (*platform.Trigger, error) {
	return d.writeTrigger(ctx, t, false)
}

func (d *Driver) writeTrigger(ctx context.Context, t *platform.Trigger, create bool) (*platform.Trigger, error) {
	info, err := d.Info(ctx)
	if err != nil {
		return nil, err
	}
	wrote, err := d.modify(ctx, t.Function, nil, func(cur *functionDeployment) error {
		topics := splitTopics(cur.Annotations[TopicAnnotation])
		present := false
		for _, el := range topics {
			present = present || el == element(t)
		}
		if create || !present {
			probe := *t
			ann := cur.Annotations
			if !create && t.Type == platform.TriggerCron {
				// Our own schedule may be left over: only the topic rules apply.
				ann = map[string]string{TopicAnnotation: cur.Annotations[TopicAnnotation]}
			}
			if p := triggerConflict(info, &probe, ann); p != nil {
				return fmt.Errorf("%s: %w", p.Error(), platform.ErrConflict)
			}
		}
		if !present {
			topics = append(topics, element(t))
		}
		cur.Annotations = setKey(cur.Annotations, TopicAnnotation, strings.Join(topics, ","))
		if t.Type == platform.TriggerCron {
			// The cron-connector's parser (robfig/cron v3) reads the zone from this
			// prefix and runs the schedule in it.
			cur.Annotations[ScheduleAnnotation] = platform.WithCronTimeZone(t.TimeZone, t.Schedule)
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("writing the %s trigger of function %s: %w", t.Type, t.Function, d.explain(err))
		if wrote {
			// Accepted, then not seen in time: the caller keeps it (tainted).
			return t, err
		}
		return nil, err
	}
	if wrote {
		if err := d.WaitReady(ctx, t.Function); err != nil {
			// Written: the caller keeps it (tainted), so its keys are never orphaned.
			return t, err
		}
	}
	return d.ReadTrigger(ctx, triggerID(t))
}

// ReadTrigger implements platform.TriggerDriver.
func (d *Driver) ReadTrigger(ctx context.Context, id string) (*platform.Trigger, error) {
	t, err := ParseTriggerID(id)
	if err != nil {
		return nil, err
	}
	st, err := d.readStatus(ctx, t.Function)
	if err != nil {
		return nil, err
	}
	found := false
	for _, el := range splitTopics(st.Annotations[TopicAnnotation]) {
		found = found || el == element(t)
	}
	if !found {
		return nil, fmt.Errorf("trigger %s: %w", id, platform.ErrNotFound)
	}
	if t.Type == platform.TriggerCron {
		// A zone written by this driver (CRON_TZ=) or outside Terraform (TZ= too) is
		// time_zone, so that its drift and its import show there.
		t.TimeZone, t.Schedule = platform.SplitCronTimeZone(st.Annotations[ScheduleAnnotation])
	}
	return t, nil
}

// TriggerSettingsReadBack reports that ReadTrigger returns every setting of a trigger:
// the time zone from the schedule annotation's prefix, and no payload, which the
// cron-connector never sends (a payload is refused at plan time).
func (d *Driver) TriggerSettingsReadBack() bool { return true }

// DeleteTrigger implements platform.TriggerDriver: it removes exactly the trigger's
// element of the topic annotation (and the schedule for cron).
func (d *Driver) DeleteTrigger(ctx context.Context, t *platform.Trigger) error {
	return d.removeKeys(ctx, t.Function, "the "+t.Type+" trigger", func(cur *functionDeployment) {
		var keep []string
		for _, el := range splitTopics(cur.Annotations[TopicAnnotation]) {
			if el != element(t) {
				keep = append(keep, el)
			}
		}
		if len(keep) == 0 {
			delete(cur.Annotations, TopicAnnotation)
		} else {
			cur.Annotations[TopicAnnotation] = strings.Join(keep, ",")
		}
		if t.Type == platform.TriggerCron {
			delete(cur.Annotations, ScheduleAnnotation)
		}
	})
}
