package openfaas

import (
	"context"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// connectorParser is the cron-connector's parser (openfaas/cron-connector
// types/scheduler.go): what it accepts in the schedule annotation, zone prefix included.
var connectorParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// TestCronTimeZone: time_zone is written as a CRON_TZ= prefix of the schedule
// annotation, which the cron-connector's parser (robfig/cron v3) honours, and read back
// split into time zone and schedule; a zone set outside Terraform, with TZ= or CRON_TZ=,
// imports the same way, and removing the zone removes the prefix.
func TestCronTimeZone(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	ctx := context.Background()
	fn := sampleFunction("report")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	annotation := func() string {
		stored, _ := sim.GetFunction(DefaultNamespace, "report")
		return stored.Annotations[ScheduleAnnotation]
	}
	tr := &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "0 9 * * 1-5", TimeZone: "Europe/Paris"}
	problems, err := d.CheckTrigger(ctx, tr, true)
	if err != nil || len(problems) != 0 {
		t.Fatalf("a time zone must be accepted on OpenFaaS: %v %v", problems, err)
	}
	got, err := d.CreateTrigger(ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if a := annotation(); a != "CRON_TZ=Europe/Paris 0 9 * * 1-5" {
		t.Fatalf("schedule annotation %q, want the CRON_TZ= prefix", a)
	}
	if got.TimeZone != "Europe/Paris" || got.Schedule != "0 9 * * 1-5" {
		t.Fatalf("written trigger reads back as zone %q schedule %q", got.TimeZone, got.Schedule)
	}
	sched, err := connectorParser.Parse(annotation())
	if err != nil {
		t.Fatalf("the cron-connector would skip the function: %v", err)
	}
	if spec, ok := sched.(*cron.SpecSchedule); !ok || spec.Location.String() != "Europe/Paris" {
		t.Fatalf("the connector would not run it in Europe/Paris: %#v", sched)
	}

	tr.TimeZone = "America/New_York"
	if _, err := d.UpdateTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if a := annotation(); a != "CRON_TZ=America/New_York 0 9 * * 1-5" {
		t.Fatalf("after changing the zone: %q", a)
	}

	// Set outside Terraform: both prefixes robfig/cron reads, and a descriptor.
	for annot, want := range map[string][2]string{
		"TZ=Asia/Tokyo @daily":             {"Asia/Tokyo", "@daily"},
		"CRON_TZ=Europe/Berlin 30 8 * * *": {"Europe/Berlin", "30 8 * * *"},
		"*/5 * * * *":                      {"", "*/5 * * * *"},
	} {
		sim.ModifyFunction(DefaultNamespace, "report", func(f *openfaassim.Function) { f.Annotations[ScheduleAnnotation] = annot })
		// A new run (terraform import): a driver whose cache has not seen the function.
		got, err := New(Config{Client: d.client}).ReadTrigger(ctx, DefaultNamespace+"/report/cron")
		if err != nil {
			t.Fatal(err)
		}
		if got.TimeZone != want[0] || got.Schedule != want[1] {
			t.Errorf("annotation %q imports as zone %q schedule %q, want %q %q", annot, got.TimeZone, got.Schedule, want[0], want[1])
		}
	}

	tr.TimeZone = ""
	if _, err := d.UpdateTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if a := annotation(); a != "0 9 * * 1-5" {
		t.Fatalf("after removing the zone: %q", a)
	}
	if err := d.DeleteTrigger(ctx, tr); err != nil {
		t.Fatal(err)
	}
	if a := annotation(); a != "" {
		t.Fatalf("after the delete: %q", a)
	}
}

// TestCronTimeZoneChecks: a zone prefix inside the schedule is refused on schedule,
// naming time_zone; a time zone outside the IANA database is refused on time_zone.
func TestCronTimeZoneChecks(t *testing.T) {
	d, _ := newTestDriver(t, openfaassim.Options{})
	ctx := context.Background()
	fn := platform.FunctionID{Namespace: DefaultNamespace, Name: "x"}
	for _, c := range []struct {
		schedule, zone, attr, want string
	}{
		{"TZ=UTC 0 * * * *", "", "schedule", "time_zone"},
		{"CRON_TZ=Europe/Paris @daily", "", "schedule", "time_zone"},
		{"CRON_TZ=Europe/Paris", "", "schedule", "time_zone"},
		{"@daily", "Mars/Olympus_Mons", "time_zone", "IANA"},
		{"@daily", "Local", "time_zone", "IANA"},
	} {
		problems, err := d.CheckTrigger(ctx, &platform.Trigger{Function: fn, Type: platform.TriggerCron, Schedule: c.schedule, TimeZone: c.zone}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(problems) != 1 || problems[0].Attribute.String() != c.attr || !strings.Contains(problems[0].Error(), c.want) {
			t.Errorf("schedule %q zone %q: want one problem on %s naming %q, got %v", c.schedule, c.zone, c.attr, c.want, problems)
		}
	}
}
