package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/customtypes"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

var (
	_ resource.ResourceWithConfigure      = (*triggerResource)(nil)
	_ resource.ResourceWithImportState    = (*triggerResource)(nil)
	_ resource.ResourceWithModifyPlan     = (*triggerResource)(nil)
	_ resource.ResourceWithValidateConfig = (*triggerResource)(nil)
)

func newTriggerResource() resource.Resource { return &triggerResource{} }

// triggerResource is faas_trigger.
type triggerResource struct {
	baseResource
}

type triggerModel struct {
	ID           types.String             `tfsdk:"id"`
	FunctionID   types.String             `tfsdk:"function_id"`
	Type         types.String             `tfsdk:"type"`
	Schedule     customtypes.CronSchedule `tfsdk:"schedule"`
	TimeZone     types.String             `tfsdk:"time_zone"`
	Payload      types.String             `tfsdk:"payload"`
	Topic        types.String             `tfsdk:"topic"`
	Name         types.String             `tfsdk:"name"`
	Broker       types.String             `tfsdk:"broker"`
	WaitForReady types.Bool               `tfsdk:"wait_for_ready"`
	Timeouts     timeouts.Value           `tfsdk:"timeouts"`
}

func (r *triggerResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_trigger"
}

func (r *triggerResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A schedule (`cron`) or a message topic (`topic`) that invokes a function. Knative: an object of its " +
			"own in the function's namespace: a `sources.knative.dev/v1` PingSource for `cron` (sink = the function's Service), an " +
			"`eventing.knative.dev/v1` Trigger for `topic` (on `broker`, filtering the CloudEvent `type` = `topic`, subscriber = the " +
			"Service); writes wait until its `Ready` condition is `True`. OpenFaaS: keys inside the " +
			"function object read by the connectors: a topic trigger owns one element of the comma-separated `topic` annotation; " +
			"a cron trigger owns the `schedule` annotation and the `cron-function` element (openfaas/cron-connector). Writes are " +
			"read-modify-write of the whole function under a per-function lock, roll the function out again, and wait until it " +
			"is ready. One cron trigger per function; on the Community Edition a function has one trigger: cron or one topic. " +
			"When the function is created or replaced in the same plan, the checks that need to read it (another trigger on it) run at apply.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true,
				MarkdownDescription: "The trigger's id. OpenFaaS: `namespace/function/cron`, or `namespace/function/topic/<topic>` " +
					"where the topic takes the rest of the id (so topics containing `/` import correctly). Knative: `namespace/name` of " +
					"the PingSource or Trigger. Import with this id.",
			},
			"function_id": functionIDAttribute("trigger"),
			"name": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Knative: the name of the PingSource or Trigger (a DNS-1123 label). When not set it is derived from " +
					"the function and the type, and stays stable: `<function>-cron` for `cron`, `<function>-<topic>` for `topic` (a topic " +
					"that is not a DNS label, or a name over 63 characters, gets a short hash of the topic). Changing it replaces the " +
					"trigger. OpenFaaS: not set (the trigger is not an object of its own); setting it is a plan-time error.",
			},
			"broker": schema.StringAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Knative, `topic` only: the Knative Eventing Broker of the function's namespace the Trigger " +
					"subscribes to, default `default`. It must exist: a missing Broker is a plan-time error when the trigger is " +
					"created (if the Broker is created in the same apply, create it first), and otherwise the wait ends with " +
					"Knative's `BrokerDoesNotExist`. Knative does not allow changing a Trigger's broker, so changing it replaces the " +
					"trigger. OpenFaaS: a plan-time error (connectors subscribe to topics directly).",
			},
			"type": schema.StringAttribute{
				Required:            true,
				MarkdownDescription: "`cron` (a schedule) or `topic` (messages on a topic). Changing it replaces the trigger.",
				Validators:          []validator.String{stringvalidator.OneOf(platform.TriggerCron, platform.TriggerTopic)},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"schedule": schema.StringAttribute{
				CustomType: customtypes.CronScheduleType{},
				Optional:   true,
				MarkdownDescription: "The cron schedule, a string with no default. Required for `cron`, not allowed for `topic`. Knative: " +
					"the PingSource's `schedule`, in its dialect: five fields, an optional leading seconds field (`0 30 9 * * *`), or a " +
					"descriptor (`@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`); `@every` is rejected by Knative, and an empty " +
					"schedule never sent (Knative would run it every minute). OpenFaaS: the `schedule` annotation, in the " +
					"cron-connector's dialect: robfig/cron's standard parser, five fields (minute hour day-of-month month " +
					"day-of-week, day-of-week 0-6 with Sunday 0, no seconds field) or a descriptor (`@hourly`, `@daily`, `@every 10m`). " +
					"Anything else is a plan-time error naming the dialect. A `TZ=` or `CRON_TZ=` time zone prefix is a plan-time error " +
					"on every platform, on this attribute, saying which `time_zone` to set instead. One schedule per function. " +
					"Schedules compare by the times they run, so `0 22 * * SUN` written outside Terraform is no drift against " +
					"`0 22 * * 0`, nor `@daily` against `0 0 * * *`, and the spelling you wrote is kept.",
			},
			"time_zone": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The time zone of the schedule, a string; `cron` only (a plan-time error for `topic`). Default: " +
					"unset, the schedule runs in the time zone of the process that evaluates it (the cron-connector on OpenFaaS, " +
					"Knative's PingSource adapter; usually UTC). Allowed values: IANA time zone names such as `Europe/Paris`, `America/New_York` or `UTC`, " +
					"checked at plan time on this attribute with Go's `time.LoadLocation` against the IANA database built into the " +
					"provider (not the machine's); `Local`, an empty string and unknown names are plan-time errors. Knative: the " +
					"PingSource's `spec.timezone`. OpenFaaS: written as a `CRON_TZ=<zone> ` prefix of the function's `schedule` " +
					"annotation, which the cron-connector's parser (robfig/cron v3) reads; the connector resolves the zone with its " +
					"own time-zone database, and if its image lacks one, a zone other than `UTC` makes it skip the function (it logs " +
					"`has wrong cron schedule`), which the provider cannot see. Read back from the platform on both (on OpenFaaS, a " +
					"`TZ=` or `CRON_TZ=` prefix of the annotation), so a zone changed outside Terraform shows as drift here and an " +
					"import fills it. Changing it updates the trigger in place.",
				Validators: []validator.String{timeZoneValidator{}},
			},
			"payload": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Body sent to the function on each run; `cron` only. Knative: the PingSource's `data`. " +
					"OpenFaaS: a plan-time error (the " +
					"cron-connector sends an empty body).",
			},
			"topic": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Required for `topic`, not allowed for `cron`. Knative: the CloudEvent `type` the Trigger's " +
					"filter matches exactly. OpenFaaS: one element of the `topic` annotation, " +
					"consumed by the Pro event connectors (Kafka, NATS, SQS, ...); it must not contain `,` nor be `cron-function`. " +
					"Changing it replaces the trigger.",
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"wait_for_ready": waitForReadyAttribute("the trigger is ready (OpenFaaS: the function, which carries the trigger's annotations, has rolled out and is ready again; Knative: the PingSource's or Trigger's `Ready` condition)"),
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeoutsBlock(ctx,
				"Default `10m`: writing the trigger and waiting until it is in effect (OpenFaaS: the function ready again; Knative: the PingSource or Trigger Ready).",
				"Default `10m`: rewriting the trigger and waiting until it is in effect.",
				"Default `10m`: removing the trigger and waiting until it is gone."),
		},
	}
}

// ValidateConfig checks the attributes each type requires or forbids.
func (r *triggerResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var cfg triggerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !known(cfg.Type) {
		return
	}
	typ := cfg.Type.ValueString()
	need := func(v types.String, attr string) {
		if v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Missing "+attr, fmt.Sprintf("A %q trigger needs %s.", typ, attr))
		}
	}
	forbid := func(v types.String, attr string) {
		if !v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(attr), "Unexpected "+attr, fmt.Sprintf("%s does not apply to a %q trigger: remove it.", attr, typ))
		}
	}
	switch typ {
	case platform.TriggerCron:
		need(cfg.Schedule.StringValue, "schedule")
		forbid(cfg.Topic, "topic")
	case platform.TriggerTopic:
		need(cfg.Topic, "topic")
		forbid(cfg.Schedule.StringValue, "schedule")
		forbid(cfg.TimeZone, "time_zone")
		forbid(cfg.Payload, "payload")
	}
	if typ == platform.TriggerCron {
		forbid(cfg.Broker, "broker")
	}
}

// triggerFromModel builds the neutral trigger; fnKnown and ok as for policyFromModel.
func triggerFromModel(m *triggerModel) (t *platform.Trigger, fnKnown, ok bool) {
	t = &platform.Trigger{
		Type:     m.Type.ValueString(),
		Schedule: m.Schedule.ValueString(), TimeZone: m.TimeZone.ValueString(), Payload: m.Payload.ValueString(),
		Topic: m.Topic.ValueString(), Name: m.Name.ValueString(), Broker: m.Broker.ValueString(),
	}
	if fn, err := parseFunctionRef(m.FunctionID.ValueString()); err == nil && !m.FunctionID.IsUnknown() {
		t.Function, fnKnown = fn, true
	}
	ok = !m.Type.IsUnknown() && !m.Schedule.IsUnknown() && !m.TimeZone.IsUnknown() && !m.Payload.IsUnknown() && !m.Topic.IsUnknown()
	return t, fnKnown, ok
}

func stringOrNull(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

func triggerToModel(td platform.TriggerDriver, t *platform.Trigger, m *triggerModel) {
	m.ID = types.StringValue(td.TriggerID(t))
	m.FunctionID = types.StringValue(t.Function.String())
	m.Type = types.StringValue(t.Type)
	m.Schedule = customtypes.NewCronScheduleNull()
	if t.Schedule != "" {
		m.Schedule = customtypes.NewCronScheduleValue(t.Schedule)
	}
	m.TimeZone, m.Payload, m.Topic = stringOrNull(t.TimeZone), stringOrNull(t.Payload), stringOrNull(t.Topic)
	m.Name, m.Broker = stringOrNull(t.Name), stringOrNull(t.Broker)
}

// triggerDefaulter is implemented by drivers whose triggers are objects of their own
// (Knative): they fill the derived name and the default broker, shown in the plan.
type triggerDefaulter interface {
	TriggerDefaults(t *platform.Trigger) *platform.Trigger
}

// triggerSettingsReader is implemented by drivers whose ReadTrigger returns every
// setting, time zone and payload included (Knative, and OpenFaaS, where the time zone is
// the schedule annotation's prefix and there is never a payload); on the others Read
// keeps them from the state.
type triggerSettingsReader interface {
	TriggerSettingsReadBack() bool
}

// sameTrigger reports whether the plan addresses the same trigger as the state, so
// that a name derived earlier (or imported) is kept.
func sameTrigger(state, plan *triggerModel) bool {
	return known(state.FunctionID) && known(plan.FunctionID) && state.FunctionID.Equal(plan.FunctionID) &&
		state.Type.Equal(plan.Type) && state.Topic.Equal(plan.Topic)
}

// planNameAndBroker fills the computed name and broker of the plan: kept from the state
// for the same trigger, otherwise derived by a Knative-like driver, null elsewhere; and
// requires a replacement when either changes.
func planNameAndBroker(ctx context.Context, td platform.TriggerDriver, cfg, plan *triggerModel, state *triggerModel, resp *resource.ModifyPlanResponse) {
	defaulter, objects := td.(triggerDefaulter)
	if !objects {
		if !cfg.Name.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root("name"), "Unsupported on this platform",
				"name applies to platforms whose triggers are objects of their own (Knative); this platform's triggers are keys inside the function and have no name: remove it.")
		}
		plan.Name = types.StringNull()
		if cfg.Broker.IsNull() {
			plan.Broker = types.StringNull()
		}
	} else {
		t, fnKnown, ok := triggerFromModel(plan)
		if cfg.Name.IsNull() {
			switch {
			case state != nil && sameTrigger(state, plan) && known(state.Name) && !state.Name.IsNull():
				plan.Name = state.Name
			case fnKnown && ok:
				t.Name = ""
				plan.Name = types.StringValue(defaulter.TriggerDefaults(t).Name)
			default:
				plan.Name = types.StringUnknown()
			}
		}
		if cfg.Broker.IsNull() {
			if plan.Type.ValueString() == platform.TriggerTopic {
				plan.Broker = types.StringValue(defaulter.TriggerDefaults(&platform.Trigger{Type: platform.TriggerTopic}).Broker)
			} else {
				plan.Broker = types.StringNull()
			}
		}
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("name"), plan.Name)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("broker"), plan.Broker)...)
	if state == nil {
		return
	}
	for _, a := range []struct {
		name         string
		old, planned types.String
	}{{"name", state.Name, plan.Name}, {"broker", state.Broker, plan.Broker}} {
		if known(a.old) && known(a.planned) && !a.old.Equal(a.planned) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root(a.name))
		}
	}
}

func (r *triggerResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, cfg triggerModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	var state *triggerModel
	if !req.State.Raw.IsNull() {
		state = &triggerModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	d := r.configured()
	if d == nil {
		return
	}
	td := subDriver[platform.TriggerDriver](ctx, d, "faas_trigger", &resp.Diagnostics)
	if td == nil {
		return
	}
	planNameAndBroker(ctx, td, &cfg, &plan, state, resp)
	t, fnKnown, ok := triggerFromModel(&plan)
	if !ok || resp.Diagnostics.HasError() {
		return
	}
	if fnKnown {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), td.TriggerID(t))...)
	}
	// Without a known function only the checks that need no function run; the rest run
	// again at apply.
	problems, err := td.CheckTrigger(ctx, t, fnKnown && req.State.Raw.IsNull())
	if err != nil {
		resp.Diagnostics.AddError("Cannot check the trigger against the platform", err.Error())
		return
	}
	addProblems(&resp.Diagnostics, problems)
}

// write creates or updates the trigger and reports whether plan now describes an object
// that exists (also when it was written but did not become ready: it then stays in the
// state, tainted on create, never orphaned).
func (r *triggerResource) write(ctx context.Context, plan *triggerModel, create bool, diags *diag.Diagnostics) bool {
	d := r.driver(diags)
	if d == nil {
		return false
	}
	td := subDriver[platform.TriggerDriver](ctx, d, "faas_trigger", diags)
	if td == nil {
		return false
	}
	t, fnKnown, _ := triggerFromModel(plan)
	if !fnKnown {
		diags.AddAttributeError(path.Root("function_id"), "Invalid function_id", "function_id must be namespace/name.")
		return false
	}
	if !awaitFunction(ctx, d, t.Function, diags) {
		return false
	}
	problems, err := td.CheckTrigger(ctx, t, false)
	if err != nil {
		diags.AddError("Cannot check the trigger against the platform", err.Error())
		return false
	}
	if addProblems(diags, problems); diags.HasError() {
		return false
	}
	var got *platform.Trigger
	if create {
		got, err = td.CreateTrigger(ctx, t)
	} else {
		got, err = td.UpdateTrigger(ctx, t)
	}
	if err != nil && got != nil {
		// Written but not ready: keep it in the state with what the platform holds.
		keepPlanned(td, got, t)
		triggerToModel(td, got, plan)
		notReady(diags, fmt.Sprintf("The %s trigger %s of function %s was written but is not ready", t.Type, td.TriggerID(t), t.Function), err)
		return true
	}
	if err != nil {
		diags.AddError(fmt.Sprintf("Error writing the %s trigger of function %s", t.Type, t.Function), err.Error())
		return false
	}
	keepPlanned(td, got, t)
	triggerToModel(td, got, plan)
	return true
}

// keepPlanned gives settings a driver does not read back (one that is not a
// triggerSettingsReader) their planned values.
func keepPlanned(td platform.TriggerDriver, got, t *platform.Trigger) {
	if _, full := td.(triggerSettingsReader); full {
		return
	}
	if got.TimeZone == "" {
		got.TimeZone = t.TimeZone
	}
	if got.Payload == "" {
		got.Payload = t.Payload
	}
}

func (r *triggerResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	writePlanned(ctx, req.Plan, &resp.State, &resp.Diagnostics,
		func(m *triggerModel) timeoutGetter { return m.Timeouts.Create }, func(ctx context.Context, m *triggerModel, diags *diag.Diagnostics) bool {
			return r.write(ctx, m, true, diags)
		})
}

func (r *triggerResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state triggerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.configured()
	if resp.Diagnostics.HasError() || d == nil {
		return
	}
	td := subDriver[platform.TriggerDriver](ctx, d, "faas_trigger", &resp.Diagnostics)
	if td == nil {
		return
	}
	t, err := td.ReadTrigger(ctx, state.ID.ValueString())
	if errors.Is(err, platform.ErrNotFound) {
		notFoundRemoves(ctx, resp, "Trigger "+state.ID.ValueString())
		return
	}
	if err != nil {
		readError(&resp.Diagnostics, "trigger", state.ID.ValueString(), err)
		return
	}
	if _, full := td.(triggerSettingsReader); !full {
		t.TimeZone, t.Payload = state.TimeZone.ValueString(), state.Payload.ValueString()
	}
	triggerToModel(td, t, &state)
	readOnlySettings(ctx, &state.WaitForReady, &state.Timeouts)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *triggerResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	updatePlanned(ctx, req, resp,
		func(m *triggerModel) timeoutGetter { return m.Timeouts.Update }, func(ctx context.Context, m *triggerModel, diags *diag.Diagnostics) bool {
			return r.write(ctx, m, false, diags)
		})
}

func (r *triggerResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state triggerModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	d := r.driver(&resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	td := subDriver[platform.TriggerDriver](ctx, d, "faas_trigger", &resp.Diagnostics)
	if td == nil {
		return
	}
	ctx, cancel, ok := withTimeout(ctx, state.Timeouts.Delete, defaultChildTimeout, &resp.Diagnostics)
	if !ok {
		return
	}
	defer cancel()
	t, fnKnown, _ := triggerFromModel(&state)
	if !fnKnown {
		resp.Diagnostics.AddAttributeError(path.Root("function_id"), "Invalid trigger state", "The trigger's function_id is not namespace/name.")
		return
	}
	childDeleted(&resp.Diagnostics, "Trigger "+state.ID.ValueString(), td.DeleteTrigger(ctx, t))
}

// ImportState takes the platform's trigger id; Read fills the rest.
func (r *triggerResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	resource.ImportStatePassthroughID(ctx, path.Root("id"), req, resp)
}
