package customtypes

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr/xattr"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestQuantitySemanticEquals(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"0.1", "100m", true},
		{"1", "1000m", true},
		{"128Mi", "134217728", true},
		{"1Gi", "1024Mi", true},
		{"1G", "1Gi", false},
		{"100m", "200m", false},
	}
	for _, c := range cases {
		got, _ := NewQuantityValue(c.a).StringSemanticEquals(context.Background(), NewQuantityValue(c.b))
		if got != c.want {
			t.Errorf("%q == %q: got %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestDurationSemanticEquals(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"60s", "1m", true},
		{"1m0s", "1m", true},
		{"90s", "1m30s", true},
		{"1m", "61s", false},
	}
	for _, c := range cases {
		got, _ := NewDurationValue(c.a).StringSemanticEquals(context.Background(), NewDurationValue(c.b))
		if got != c.want {
			t.Errorf("%q == %q: got %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func() *xattr.ValidateAttributeResponse{
		"quantity abc": func() *xattr.ValidateAttributeResponse {
			r := &xattr.ValidateAttributeResponse{}
			NewQuantityValue("abc").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
			return r
		},
		"quantity negative": func() *xattr.ValidateAttributeResponse {
			r := &xattr.ValidateAttributeResponse{}
			NewQuantityValue("-1").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
			return r
		},
		"quantity with a huge exponent": func() *xattr.ValidateAttributeResponse {
			// resource.ParseQuantity hangs on this (found by FuzzSemanticEquals).
			r := &xattr.ValidateAttributeResponse{}
			NewQuantityValue("9999999E999999999999999").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
			return r
		},
		"duration 30": func() *xattr.ValidateAttributeResponse {
			r := &xattr.ValidateAttributeResponse{}
			NewDurationValue("30").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
			return r
		},
		"duration zero": func() *xattr.ValidateAttributeResponse {
			r := &xattr.ValidateAttributeResponse{}
			NewDurationValue("0s").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
			return r
		},
	}
	for name, f := range bad {
		if !f().Diagnostics.HasError() {
			t.Errorf("%s: expected an error", name)
		}
	}
	r := &xattr.ValidateAttributeResponse{}
	NewQuantityValue("250m").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
	NewDurationValue("1m30s").ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
	NewQuantityNull().ValidateAttribute(context.Background(), xattr.ValidateAttributeRequest{Path: path.Root("x")}, r)
	if r.Diagnostics.HasError() {
		t.Errorf("valid values rejected: %v", r.Diagnostics)
	}
}

func TestCronScheduleSemanticEquals(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		a, b string
		want bool
	}{
		{"0 22 * * SUN", "0 22 * * 0", true},
		{"0 22 * * sun", "0 22 * * 0", true},
		{"0 9 1 JAN *", "0 9 1 1 *", true},
		{"0 0 * * *", "@daily", true},
		{"0 30 9 * * *", "30 9 * * *", true},
		{"*/15 * * * *", "0,15,30,45 * * * *", true},
		{"@every 10m", "@every 600s", true},
		{"0 22 * * SUN", "0 22 * * 1", false},
		{"@every 10m", "@every 5m", false},
		{"TZ=Europe/Paris 0 22 * * 0", "0 22 * * 0", false},
		{"not a schedule", "not a schedule", true},
		{"not a schedule", "0 22 * * 0", false},
	}
	for _, c := range cases {
		got, _ := NewCronScheduleValue(c.a).StringSemanticEquals(ctx, NewCronScheduleValue(c.b))
		if got != c.want {
			t.Errorf("%q == %q: got %v, want %v", c.a, c.b, got, c.want)
		}
	}
	if eq, _ := NewCronScheduleValue("TZ=").StringSemanticEquals(ctx, NewCronScheduleValue("0 0 * * *")); eq {
		t.Error("a schedule that cannot be parsed equals a valid one")
	}
}

func TestCronScheduleRefusesTimeZonePrefix(t *testing.T) {
	ctx := context.Background()
	for s, bad := range map[string]bool{
		"TZ=Europe/Paris 0 22 * * 0": true, "CRON_TZ=UTC @daily": true, "CRON_TZ=": true, "  TZ=UTC @hourly": true,
		"0 22 * * 0": false, "@daily": false, "0 30 9 * * *": false,
	} {
		var resp xattr.ValidateAttributeResponse
		NewCronScheduleValue(s).ValidateAttribute(ctx, xattr.ValidateAttributeRequest{Path: path.Root("schedule")}, &resp)
		if resp.Diagnostics.HasError() != bad {
			t.Errorf("%q: error %v, want %v: %v", s, resp.Diagnostics.HasError(), bad, resp.Diagnostics)
			continue
		}
		if bad && !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), "time_zone") {
			t.Errorf("%q: the error must name time_zone: %v", s, resp.Diagnostics)
		}
	}
}
