package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestScalingPolicyUpgradeStateV0 upgrades states written by schema version 0, which had
// scale_to_zero besides min_replicas: scale_to_zero = true becomes min_replicas = 0, and
// everything else is kept as it was.
func TestScalingPolicyUpgradeStateV0(t *testing.T) {
	ctx := context.Background()
	r := &scalingPolicyResource{}
	up, ok := r.UpgradeState(ctx)[0]
	if !ok || up.PriorSchema == nil {
		t.Fatal("no upgrader from version 0")
	}
	objType, ok := up.PriorSchema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the prior schema is not an object")
	}
	for _, c := range []struct {
		name        string
		scaleToZero tftypes.Value
		minReplicas tftypes.Value
		want        types.Int64
	}{
		{"zero", tftypes.NewValue(tftypes.Bool, true), tftypes.NewValue(tftypes.Number, nil), types.Int64Value(0)},
		{"zero with min 0", tftypes.NewValue(tftypes.Bool, true), tftypes.NewValue(tftypes.Number, 0), types.Int64Value(0)},
		{"no zero", tftypes.NewValue(tftypes.Bool, false), tftypes.NewValue(tftypes.Number, 2), types.Int64Value(2)},
		{"unset", tftypes.NewValue(tftypes.Bool, nil), tftypes.NewValue(tftypes.Number, nil), types.Int64Null()},
	} {
		t.Run(c.name, func(t *testing.T) {
			vals := map[string]tftypes.Value{}
			for name, typ := range objType.AttributeTypes {
				vals[name] = tftypes.NewValue(typ, nil)
			}
			vals["id"] = tftypes.NewValue(tftypes.String, "openfaas-fn/api")
			vals["function_id"] = tftypes.NewValue(tftypes.String, "openfaas-fn/api")
			vals["max_replicas"] = tftypes.NewValue(tftypes.Number, 5)
			vals["scale_to_zero_after"] = tftypes.NewValue(tftypes.String, "15m")
			vals["wait_for_ready"] = tftypes.NewValue(tftypes.Bool, true)
			vals["scale_to_zero"], vals["min_replicas"] = c.scaleToZero, c.minReplicas
			req := resource.UpgradeStateRequest{State: &tfsdk.State{Schema: *up.PriorSchema, Raw: tftypes.NewValue(objType, vals)}}
			var current resource.SchemaResponse
			r.Schema(ctx, resource.SchemaRequest{}, &current)
			resp := resource.UpgradeStateResponse{State: tfsdk.State{Schema: current.Schema}}
			up.StateUpgrader(ctx, req, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatal(resp.Diagnostics)
			}
			var got scalingPolicyModel
			if d := resp.State.Get(ctx, &got); d.HasError() {
				t.Fatal(d)
			}
			if !got.MinReplicas.Equal(c.want) || got.MaxReplicas.ValueInt64() != 5 || got.ScaleToZeroAfter.ValueString() != "15m" ||
				got.ID.ValueString() != "openfaas-fn/api" || !got.WaitForReady.ValueBool() {
				t.Fatalf("upgraded to %+v, want min_replicas %s", got, c.want)
			}
		})
	}
}
