package platform

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // time zones validate on machines without /usr/share/zoneinfo
)

// The time zone of a cron trigger is faas_trigger's time_zone on every platform, never a
// prefix of its schedule. robfig/cron v3, which both the OpenFaaS cron-connector and
// Knative's PingSource use, also reads a leading "TZ=<zone> " or "CRON_TZ=<zone> " in
// the schedule (parser.go, Parser.Parse); Knative refuses it there in favour of
// spec.timezone, and the OpenFaaS driver writes time_zone as that very prefix of the
// schedule annotation. These helpers keep the rule in one place.

// cronTZPrefixes are the prefixes robfig/cron v3 reads as a schedule's time zone.
var cronTZPrefixes = []string{"CRON_TZ=", "TZ="}

// cronTZPrefix is the prefix WithCronTimeZone writes: the one robfig/cron documents.
const cronTZPrefix = "CRON_TZ="

// CheckScheduleTimeZone refuses a schedule that carries its own time zone prefix
// ("TZ=Europe/Paris 0 9 * * *" or "CRON_TZ=..."), leading blanks ignored, on every
// platform: the zone belongs in time_zone, where it is validated, shown in plans and
// compared on its own. The error names the time_zone to set and the schedule to keep.
func CheckScheduleTimeZone(schedule string) error {
	s := strings.TrimLeft(schedule, " \t")
	for _, p := range cronTZPrefixes {
		if !strings.HasPrefix(s, p) {
			continue
		}
		zone, rest, ok := strings.Cut(s[len(p):], " ")
		rest = strings.TrimSpace(rest)
		if !ok || zone == "" || rest == "" {
			return fmt.Errorf("%q carries a time zone prefix (%s): set time_zone instead, and write the schedule without it", schedule, strings.TrimSuffix(p, "="))
		}
		return fmt.Errorf("%q carries a time zone prefix (%s): set time_zone = %q instead, and schedule = %q", schedule, strings.TrimSuffix(p, "="), zone, rest)
	}
	return nil
}

// WithCronTimeZone returns schedule with zone as robfig/cron v3's "CRON_TZ=<zone> "
// prefix, or schedule alone (without surrounding blanks) when zone is empty.
func WithCronTimeZone(zone, schedule string) string {
	schedule = strings.TrimSpace(schedule)
	if zone == "" {
		return schedule
	}
	return cronTZPrefix + zone + " " + schedule
}

// SplitCronTimeZone splits a schedule written with a time zone prefix into the zone and
// the schedule, as robfig/cron v3's Parser.Parse does: the string starts with "TZ=" or
// "CRON_TZ=", the zone runs to the first space, and the schedule is the rest without
// surrounding blanks. A schedule without a prefix, or with one robfig/cron cannot read
// (no space after it), is returned whole, with an empty zone.
func SplitCronTimeZone(s string) (zone, schedule string) {
	for _, p := range cronTZPrefixes {
		if !strings.HasPrefix(s, p) {
			continue
		}
		if zone, rest, ok := strings.Cut(s[len(p):], " "); ok && zone != "" {
			return zone, strings.TrimSpace(rest)
		}
	}
	return "", s
}

// ValidateTimeZone checks an IANA time zone name, such as "Europe/Paris" or "UTC", with
// time.LoadLocation against the Go module's copy of the IANA database (time/tzdata), so
// that the check does not depend on the machine running Terraform. "" and "Local" (the
// time zone of whatever process reads it) are refused.
func ValidateTimeZone(tz string) error {
	if tz == "" || tz == "Local" {
		return fmt.Errorf("%q is not an IANA time zone name (such as \"Europe/Paris\" or \"UTC\")", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Errorf("%q is not a time zone of the IANA database (such as \"Europe/Paris\" or \"UTC\")", tz)
	}
	return nil
}
