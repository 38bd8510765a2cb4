package customtypes

import (
	"context"
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
