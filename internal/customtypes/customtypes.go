// Package customtypes holds terraform-plugin-framework string types whose values the
// platforms normalise, with semantic equality so that a plan after apply is empty
// (DESIGN.md section 6.1): Kubernetes quantities ("0.1" == "100m"), Go durations
// ("60s" == "1m" == "1m0s") and cron schedules ("0 22 * * SUN" == "0 22 * * 0").
package customtypes

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// kind describes one normalised string kind: how to parse it and compare two values.
type kind struct {
	name  string
	parse func(string) (any, error)
	equal func(a, b any) bool
	help  string
}

var quantityKind = kind{
	name: "QuantityType",
	parse: func(s string) (any, error) {
		q, err := platform.ParseQuantity(s)
		if err != nil {
			return nil, err
		}
		if q.Sign() < 0 {
			return nil, fmt.Errorf("must not be negative")
		}
		return q, nil
	},
	equal: func(a, b any) bool {
		qa, qb := a.(resource.Quantity), b.(resource.Quantity) //nolint:forcetypeassert // parse returns resource.Quantity
		return qa.Cmp(qb) == 0
	},
	help: `a Kubernetes quantity such as "100m", "0.5", "128Mi" or "1G" (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)`,
}

var durationKind = kind{
	name: "DurationType",
	parse: func(s string) (any, error) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return nil, err
		}
		if d <= 0 {
			return nil, fmt.Errorf("must be positive")
		}
		return d, nil
	},
	equal: func(a, b any) bool { return a.(time.Duration) == b.(time.Duration) }, //nolint:forcetypeassert // parse returns time.Duration
	help:  `a Go duration such as "30s", "1m30s" or "2h" (units ns, us, ms, s, m, h)`,
}

func semanticEquals(k kind, a, b basetypes.StringValue) bool {
	if a.IsNull() || a.IsUnknown() || b.IsNull() || b.IsUnknown() {
		return a.Equal(b)
	}
	pa, errA := k.parse(a.ValueString())
	pb, errB := k.parse(b.ValueString())
	if errA != nil || errB != nil {
		return a.ValueString() == b.ValueString()
	}
	return k.equal(pa, pb)
}

func validate(k kind, v basetypes.StringValue, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if _, err := k.parse(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid value",
			fmt.Sprintf("%s: %q is not valid: %v. Expected %s.", req.Path, v.ValueString(), err, k.help))
	}
}

func fromTerraform(ctx context.Context, in tftypes.Value, wrap func(basetypes.StringValue) attr.Value) (attr.Value, error) {
	v, err := basetypes.StringType{}.ValueFromTerraform(ctx, in)
	if err != nil {
		return nil, err
	}
	sv, ok := v.(basetypes.StringValue)
	if !ok {
		return nil, fmt.Errorf("unexpected value type %T", v)
	}
	return wrap(sv), nil
}

// QuantityType is a string attribute type holding a Kubernetes quantity.
type QuantityType struct{ basetypes.StringType }

var _ basetypes.StringTypable = QuantityType{}

// String implements attr.Type.
func (t QuantityType) String() string { return "customtypes." + quantityKind.name }

// ValueType implements attr.Type.
func (t QuantityType) ValueType(context.Context) attr.Value { return Quantity{} }

// Equal implements attr.Type.
func (t QuantityType) Equal(o attr.Type) bool { _, ok := o.(QuantityType); return ok }

// ValueFromString implements basetypes.StringTypable.
func (t QuantityType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return Quantity{StringValue: in}, nil
}

// ValueFromTerraform implements attr.Type.
func (t QuantityType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	return fromTerraform(ctx, in, func(sv basetypes.StringValue) attr.Value { return Quantity{StringValue: sv} })
}

// Quantity is a Kubernetes quantity value; "0.1" and "100m" are semantically equal.
type Quantity struct{ basetypes.StringValue }

var (
	_ basetypes.StringValuableWithSemanticEquals = Quantity{}
	_ xattr.ValidateableAttribute                = Quantity{}
)

// NewQuantityValue returns a known Quantity.
func NewQuantityValue(s string) Quantity { return Quantity{StringValue: basetypes.NewStringValue(s)} }

// NewQuantityNull returns a null Quantity.
func NewQuantityNull() Quantity { return Quantity{StringValue: basetypes.NewStringNull()} }

// Type implements attr.Value.
func (v Quantity) Type(context.Context) attr.Type { return QuantityType{} }

// Equal implements attr.Value.
func (v Quantity) Equal(o attr.Value) bool {
	other, ok := o.(Quantity)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals implements basetypes.StringValuableWithSemanticEquals.
func (v Quantity) StringSemanticEquals(_ context.Context, n basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := n.(Quantity)
	return ok && semanticEquals(quantityKind, v.StringValue, other.StringValue), nil
}

// ValidateAttribute implements xattr.ValidateableAttribute.
func (v Quantity) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	validate(quantityKind, v.StringValue, req, resp)
}

// DurationType is a string attribute type holding a Go duration.
type DurationType struct{ basetypes.StringType }

var _ basetypes.StringTypable = DurationType{}

// String implements attr.Type.
func (t DurationType) String() string { return "customtypes." + durationKind.name }

// ValueType implements attr.Type.
func (t DurationType) ValueType(context.Context) attr.Value { return Duration{} }

// Equal implements attr.Type.
func (t DurationType) Equal(o attr.Type) bool { _, ok := o.(DurationType); return ok }

// ValueFromString implements basetypes.StringTypable.
func (t DurationType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return Duration{StringValue: in}, nil
}

// ValueFromTerraform implements attr.Type.
func (t DurationType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	return fromTerraform(ctx, in, func(sv basetypes.StringValue) attr.Value { return Duration{StringValue: sv} })
}

// Duration is a Go duration value; "60s", "1m" and "1m0s" are semantically equal.
type Duration struct{ basetypes.StringValue }

var (
	_ basetypes.StringValuableWithSemanticEquals = Duration{}
	_ xattr.ValidateableAttribute                = Duration{}
)

// NewDurationValue returns a known Duration.
func NewDurationValue(s string) Duration { return Duration{StringValue: basetypes.NewStringValue(s)} }

// NewDurationNull returns a null Duration.
func NewDurationNull() Duration { return Duration{StringValue: basetypes.NewStringNull()} }

// Type implements attr.Value.
func (v Duration) Type(context.Context) attr.Type { return DurationType{} }

// Equal implements attr.Value.
func (v Duration) Equal(o attr.Value) bool {
	other, ok := o.(Duration)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals implements basetypes.StringValuableWithSemanticEquals.
func (v Duration) StringSemanticEquals(_ context.Context, n basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := n.(Duration)
	return ok && semanticEquals(durationKind, v.StringValue, other.StringValue), nil
}

// ValidateAttribute implements xattr.ValidateableAttribute.
func (v Duration) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	validate(durationKind, v.StringValue, req, resp)
}

// ParseDuration parses a known Duration value.
func (v Duration) ParseDuration() (time.Duration, error) { return time.ParseDuration(v.ValueString()) }

// cronParser reads both platforms' schedule dialects: five fields or six with a leading
// seconds field (Knative), and descriptors (@daily, @every 10m). Which dialect a
// platform accepts is the driver's check; equality only needs to read both.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// cronSchedule is a parsed schedule in a comparable form.
type cronSchedule struct {
	spec     cron.SpecSchedule
	location string
	every    time.Duration
}

var cronKind = kind{
	name: "CronScheduleType",
	parse: func(s string) (out any, err error) {
		// robfig/cron panics on some malformed input (such as "TZ="): a plan must not.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("the schedule cannot be parsed (%v)", r)
			}
		}()
		sched, err := cronParser.Parse(s)
		if err != nil {
			return nil, err
		}
		switch v := sched.(type) {
		case *cron.SpecSchedule:
			c := cronSchedule{spec: *v}
			if v.Location != nil {
				c.location = v.Location.String()
			}
			c.spec.Location = nil
			return c, nil
		case cron.ConstantDelaySchedule:
			return cronSchedule{every: v.Delay}, nil
		}
		return nil, fmt.Errorf("unexpected schedule %T", sched)
	},
	equal: func(a, b any) bool { return a.(cronSchedule) == b.(cronSchedule) }, //nolint:forcetypeassert // parse returns cronSchedule
}

// CronScheduleType is a string attribute type holding a cron schedule.
type CronScheduleType struct{ basetypes.StringType }

var _ basetypes.StringTypable = CronScheduleType{}

// String implements attr.Type.
func (t CronScheduleType) String() string { return "customtypes." + cronKind.name }

// ValueType implements attr.Type.
func (t CronScheduleType) ValueType(context.Context) attr.Value { return CronSchedule{} }

// Equal implements attr.Type.
func (t CronScheduleType) Equal(o attr.Type) bool { _, ok := o.(CronScheduleType); return ok }

// ValueFromString implements basetypes.StringTypable.
func (t CronScheduleType) ValueFromString(_ context.Context, in basetypes.StringValue) (basetypes.StringValuable, diag.Diagnostics) {
	return CronSchedule{StringValue: in}, nil
}

// ValueFromTerraform implements attr.Type.
func (t CronScheduleType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	return fromTerraform(ctx, in, func(sv basetypes.StringValue) attr.Value { return CronSchedule{StringValue: sv} })
}

// CronSchedule is a cron schedule; two schedules that run at the same times are
// semantically equal: "0 22 * * SUN" and "0 22 * * 0", "0 0 * * *" and "@daily",
// "0 30 9 * * *" and "30 9 * * *". Only the rule every platform shares is validated
// here: no "TZ=" or "CRON_TZ=" time zone prefix (platform.CheckScheduleTimeZone), since
// the zone is faas_trigger's time_zone. Each platform's dialect is checked by its driver
// at plan time.
type CronSchedule struct{ basetypes.StringValue }

var (
	_ basetypes.StringValuableWithSemanticEquals = CronSchedule{}
	_ xattr.ValidateableAttribute                = CronSchedule{}
)

// NewCronScheduleValue returns a known CronSchedule.
func NewCronScheduleValue(s string) CronSchedule {
	return CronSchedule{StringValue: basetypes.NewStringValue(s)}
}

// NewCronScheduleNull returns a null CronSchedule.
func NewCronScheduleNull() CronSchedule { return CronSchedule{StringValue: basetypes.NewStringNull()} }

// Type implements attr.Value.
func (v CronSchedule) Type(context.Context) attr.Type { return CronScheduleType{} }

// Equal implements attr.Value.
func (v CronSchedule) Equal(o attr.Value) bool {
	other, ok := o.(CronSchedule)
	return ok && v.StringValue.Equal(other.StringValue)
}

// StringSemanticEquals implements basetypes.StringValuableWithSemanticEquals.
func (v CronSchedule) StringSemanticEquals(_ context.Context, n basetypes.StringValuable) (bool, diag.Diagnostics) {
	other, ok := n.(CronSchedule)
	return ok && semanticEquals(cronKind, v.StringValue, other.StringValue), nil
}

// ValidateAttribute implements xattr.ValidateableAttribute: a schedule that carries its
// own time zone prefix is an error on the attribute, which names the time_zone to set.
func (v CronSchedule) ValidateAttribute(_ context.Context, req xattr.ValidateAttributeRequest, resp *xattr.ValidateAttributeResponse) {
	if v.IsNull() || v.IsUnknown() {
		return
	}
	if err := platform.CheckScheduleTimeZone(v.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Time zone in schedule",
			fmt.Sprintf("%s: %v. The time zone of a schedule is the time_zone attribute on every platform (Knative: the "+
				"PingSource's spec.timezone; OpenFaaS: the provider writes it as the CRON_TZ= prefix of the schedule annotation).", req.Path, err))
	}
}
