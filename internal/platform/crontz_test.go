package platform

import (
	"errors"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
)

// standardParser is the OpenFaaS cron-connector's parser (types/scheduler.go).
var standardParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func TestCheckScheduleTimeZone(t *testing.T) {
	for _, ok := range []string{"0 9 * * *", "@daily", "0 30 9 * * *", "", "* * * * * TZ=UTC"} {
		if err := CheckScheduleTimeZone(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"TZ=UTC 0 9 * * *":                 `set time_zone = "UTC" instead, and schedule = "0 9 * * *"`,
		"CRON_TZ=Europe/Paris @daily":      `set time_zone = "Europe/Paris" instead, and schedule = "@daily"`,
		"  CRON_TZ=Asia/Tokyo  30 8 * * *": `set time_zone = "Asia/Tokyo" instead, and schedule = "30 8 * * *"`,
		"TZ=":                              "set time_zone instead",
		"CRON_TZ=Europe/Paris":             "set time_zone instead",
	} {
		err := CheckScheduleTimeZone(bad)
		if err == nil || !strings.Contains(err.Error(), "time zone prefix") || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", bad, err, want)
		}
	}
}

func TestCronTimeZoneRoundTrip(t *testing.T) {
	if got := WithCronTimeZone("", " @daily "); got != "@daily" {
		t.Errorf("no zone: %q", got)
	}
	if got := WithCronTimeZone("Europe/Paris", "0 9 * * 1-5"); got != "CRON_TZ=Europe/Paris 0 9 * * 1-5" {
		t.Errorf("with a zone: %q", got)
	}
	for in, want := range map[string][2]string{
		"CRON_TZ=Europe/Paris 0 9 * * 1-5": {"Europe/Paris", "0 9 * * 1-5"},
		"TZ=Asia/Tokyo   @daily":           {"Asia/Tokyo", "@daily"},
		"0 9 * * *":                        {"", "0 9 * * *"},
		"TZ=Europe/Paris":                  {"", "TZ=Europe/Paris"}, // robfig/cron cannot read it either
		" TZ=UTC 0 9 * * *":                {"", " TZ=UTC 0 9 * * *"},
	} {
		zone, schedule := SplitCronTimeZone(in)
		if zone != want[0] || schedule != want[1] {
			t.Errorf("%q splits into %q %q, want %q %q", in, zone, schedule, want[0], want[1])
		}
	}
}

func TestValidateTimeZone(t *testing.T) {
	for _, ok := range []string{"UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"} {
		if err := ValidateTimeZone(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"Mars/Olympus", "Local", "", "europe/paris "} {
		if err := ValidateTimeZone(bad); err == nil || !strings.Contains(err.Error(), "IANA") {
			t.Errorf("%q: got %v, want an error naming the IANA database", bad, err)
		}
	}
}

// FuzzCronTimeZone: what WithCronTimeZone writes splits back into the same zone and
// schedule, and robfig/cron (the cron-connector's parser) reads the zone from it.
func FuzzCronTimeZone(f *testing.F) {
	for _, c := range [][2]string{{"Europe/Paris", "0 9 * * 1-5"}, {"UTC", "@daily"}, {"", "*/5 * * * *"}, {"Asia/Tokyo", "@every 1h"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, zone, schedule string) {
		if ValidateTimeZone(zone) != nil || CheckScheduleTimeZone(schedule) != nil || strings.TrimSpace(schedule) == "" {
			return
		}
		if _, err := parseNoPanic(schedule); err != nil {
			return
		}
		written := WithCronTimeZone(zone, schedule)
		z, s := SplitCronTimeZone(written)
		if z != zone || s != strings.TrimSpace(schedule) {
			t.Fatalf("%q splits into %q %q, want %q %q", written, z, s, zone, strings.TrimSpace(schedule))
		}
		sched, err := parseNoPanic(written)
		if err != nil {
			t.Fatalf("%q: robfig/cron cannot read what was written: %v", written, err)
		}
		if spec, ok := sched.(*cron.SpecSchedule); ok && spec.Location.String() != zone {
			t.Fatalf("%q runs in %s, want %s", written, spec.Location, zone)
		}
	})
}

func parseNoPanic(s string) (sched cron.Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errPanicked
		}
	}()
	return standardParser.Parse(s)
}

var errPanicked = errors.New("robfig/cron panicked")
