package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// TestMetadataValidators_pathAndOnce: each invalid key or null value is reported once,
// on the path of its own map key, whatever order the map's elements come in and
// whether its siblings are known.
func TestMetadataValidators_pathAndOnce(t *testing.T) {
	ctx := context.Background()
	elems := map[string]attr.Value{"a": types.StringNull(), "my key": types.StringValue("v")}
	for i := range 9 {
		elems[fmt.Sprintf("u%d", i)] = types.StringUnknown()
	}
	m := types.MapValueMust(types.StringType, elems)
	for range 20 {
		resp := &validator.MapResponse{}
		for _, v := range labelsValidators() {
			v.ValidateMap(ctx, validator.MapRequest{Path: path.Root("labels"), PathExpression: path.MatchRoot("labels"), ConfigValue: m}, resp)
		}
		if n := resp.Diagnostics.ErrorsCount(); n != 2 {
			t.Fatalf("%d errors, want 2 (the null and the key): %v", n, resp.Diagnostics)
		}
		want := map[string]bool{`labels["a"]`: true, `labels["my key"]`: true}
		for _, d := range resp.Diagnostics {
			withPath, ok := d.(interface{ Path() path.Path })
			if !ok {
				t.Fatalf("error %q has no path", d.Summary())
			}
			p := withPath.Path().String()
			if !want[p] {
				t.Fatalf("error %q on %s", d.Summary(), p)
			}
			delete(want, p)
		}
	}
}

// TestHostRule: a route's host follows Knative's DomainMapping name rule (at least two
// RFC 1123 labels of at most 63 characters, 253 in all) and takes no trailing dot.
func TestHostRule(t *testing.T) {
	label := strings.Repeat("a", 63)
	for host, ok := range map[string]bool{
		"api.example.com": true, "a.b": true, label + ".example.com": true,
		"API.example.com": false, "API_host": false, "localhost": false, "api.example.com.": false,
		label + "a.example.com": false, strings.Repeat(label+".", 4) + "com": false, "-api.example.com": false,
	} {
		resp := &validator.StringResponse{}
		hostRule.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("host"), ConfigValue: types.StringValue(host)}, resp)
		if got := !resp.Diagnostics.HasError(); got != ok {
			t.Errorf("host %q: valid %v, want %v (%v)", host, got, ok, resp.Diagnostics)
		}
	}
}
