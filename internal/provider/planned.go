package provider

import (
	"context"
	"fmt"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

// keepPlannedState makes the state an apply returns agree with the plan, the way Terraform
// requires (every value known in the plan must be in the new state, or the apply fails
// with "Provider produced inconsistent result after apply" and taints the resource),
// without hiding what the platform holds.
//
// state holds what the platform returned after the write (and the readiness wait).
// Where the platform stores a value other than the planned one (a defaulting or
// clamping admission webhook, a LimitRange, another writer during the wait), the
// planned value stays in the state and a warning names the attribute and the
// platform's value; the next refresh reads the platform's value, so the next plan shows
// the difference as drift. Attributes the plan leaves unknown (computed ones: ids,
// URLs, values the platform derives) take the platform's value. Values that are
// semantically equal (quantities, durations, schedules) are not differences.
//
// It is the one place, for every resource, where a written object's values go into the
// state: resources write the platform's answer into state, then call it.
func keepPlannedState(ctx context.Context, plan tfsdk.Plan, state *tfsdk.State, diags *diag.Diagnostics) {
	if plan.Raw.IsNull() || state.Raw.IsNull() {
		return
	}
	names := []string{}
	for name := range state.Schema.GetAttributes() {
		names = append(names, name)
	}
	for name := range state.Schema.GetBlocks() {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := path.Root(name)
		var planned, got attr.Value
		if d := plan.GetAttribute(ctx, p, &planned); d.HasError() {
			continue
		}
		if d := state.GetAttribute(ctx, p, &got); d.HasError() {
			continue
		}
		var found []valueDiff
		diffValues(ctx, p, planned, got, &found)
		if len(found) == 0 {
			continue
		}
		for _, d := range found {
			diags.AddAttributeWarning(d.path, fmt.Sprintf("The platform stores another %s", d.path),
				fmt.Sprintf("%s was planned as %s, but the platform stores %s (set by the platform, for example a defaulting or "+
					"clamping admission webhook or a LimitRange, or by another writer while the apply waited). The state keeps the "+
					"planned value so the apply succeeds; the next plan reads the platform's value and shows the difference as "+
					"drift. Set the value the platform accepts in the configuration, or find out what changes it.",
					d.path, render(d.planned), render(d.got)))
		}
		if raw, err := planned.ToTerraformValue(ctx); err == nil && raw.IsFullyKnown() {
			diags.Append(state.SetAttribute(ctx, p, planned)...)
			continue
		}
		for _, d := range found {
			if d.planned != nil {
				diags.Append(state.SetAttribute(ctx, d.path, d.planned)...)
			}
		}
	}
}

// valueDiff is one attribute (or map key) whose planned value the platform did not keep.
type valueDiff struct {
	path         path.Path
	planned, got attr.Value
}

// diffValues appends the differences between a planned value and the value the
// platform returned, at the finest path that names them: the nested attribute of an
// object, the key of a map. Unknown planned values (computed) are never differences.
func diffValues(ctx context.Context, p path.Path, planned, got attr.Value, out *[]valueDiff) {
	if planned == nil || planned.IsUnknown() || got == nil || planned.Equal(got) || semanticallyEqual(ctx, planned, got) {
		return
	}
	if !planned.IsNull() && !got.IsNull() && !got.IsUnknown() {
		switch pv := planned.(type) {
		case basetypes.ObjectValuable:
			po, d1 := pv.ToObjectValue(ctx)
			gv, ok := got.(basetypes.ObjectValuable)
			if ok && !d1.HasError() {
				if gobj, d2 := gv.ToObjectValue(ctx); !d2.HasError() {
					before := len(*out)
					for name, a := range po.Attributes() {
						diffValues(ctx, p.AtName(name), a, gobj.Attributes()[name], out)
					}
					if len(*out) > before {
						return
					}
				}
			}
		case basetypes.MapValue:
			if gm, ok := got.(basetypes.MapValue); ok {
				before := len(*out)
				keys := map[string]bool{}
				for k := range pv.Elements() {
					keys[k] = true
				}
				for k := range gm.Elements() {
					keys[k] = true
				}
				for k := range keys {
					pe, pok := pv.Elements()[k]
					ge, gok := gm.Elements()[k]
					switch {
					case pok && gok:
						diffValues(ctx, p.AtMapKey(k), pe, ge, out)
					case pok || gok:
						*out = append(*out, valueDiff{path: p.AtMapKey(k), planned: pe, got: ge})
					}
				}
				if len(*out) > before {
					sort.Slice((*out)[before:], func(i, j int) bool {
						return (*out)[before+i].path.String() < (*out)[before+j].path.String()
					})
					return
				}
			}
		}
	}
	*out = append(*out, valueDiff{path: p, planned: planned, got: got})
}

// semanticallyEqual reports values of a custom string type that compare by meaning
// ("0.1" and "100m").
func semanticallyEqual(ctx context.Context, planned, got attr.Value) bool {
	ps, ok := planned.(basetypes.StringValuableWithSemanticEquals)
	if !ok {
		return false
	}
	gs, ok := got.(basetypes.StringValuable)
	if !ok {
		return false
	}
	eq, d := ps.StringSemanticEquals(ctx, gs)
	return eq && !d.HasError()
}

// render shows a value in a warning; an absent map key or a null value reads "nothing".
func render(v attr.Value) string {
	if v == nil || v.IsNull() {
		return "nothing (unset)"
	}
	return v.String()
}
