package provider

import (
	"context"
	"slices"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Conversions between framework collections and Go values. Reads keep the prior
// representation of an empty collection (an empty map stays empty, an omitted one stays
// null), so `env = {}` and no env both plan empty after apply.

// Null elements never reach these conversions' callers as errors: the schema's
// validators (notNullString) report each one on its own path, once, in
// ValidateResourceConfig, which Terraform runs at validate, at plan and again at apply
// once every value is known. The conversions skip them.

// stringsFromCollection returns the known, non-null string elements of a list or set;
// ok is false when an element is unknown.
func stringsFromCollection(elems []attr.Value) ([]string, bool) {
	out := make([]string, 0, len(elems))
	for _, e := range elems {
		s, isStr := e.(types.String)
		if !isStr || s.IsNull() {
			continue
		}
		if s.IsUnknown() {
			return nil, false
		}
		out = append(out, s.ValueString())
	}
	return out, true
}

// listStrings returns a list's strings; ok is false while the list or an element is
// unknown.
func listStrings(l types.List) ([]string, bool) {
	if l.IsUnknown() {
		return nil, false
	}
	if l.IsNull() {
		return nil, true
	}
	return stringsFromCollection(l.Elements())
}

// setStrings returns a set's strings, sorted; ok as for listStrings.
func setStrings(s types.Set) ([]string, bool) {
	if s.IsUnknown() {
		return nil, false
	}
	if s.IsNull() {
		return nil, true
	}
	out, ok := stringsFromCollection(s.Elements())
	sort.Strings(out)
	return out, ok
}

// mapStrings returns a map's non-null entries; ok is false while the map or a value is
// unknown.
func mapStrings(m types.Map) (map[string]string, bool) {
	if m.IsUnknown() {
		return nil, false
	}
	if m.IsNull() {
		return nil, true
	}
	out := make(map[string]string, len(m.Elements()))
	for k, e := range m.Elements() {
		s, isStr := e.(types.String)
		if !isStr || s.IsNull() {
			continue
		}
		if s.IsUnknown() {
			return nil, false
		}
		out[k] = s.ValueString()
	}
	return out, true
}

func listValue(ctx context.Context, prior types.List, v []string) types.List {
	if len(v) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() && len(prior.Elements()) == 0 {
			return prior
		}
		return types.ListNull(types.StringType)
	}
	l, _ := types.ListValueFrom(ctx, types.StringType, v)
	return l
}

func setValue(ctx context.Context, prior types.Set, v []string) types.Set {
	if len(v) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() && len(prior.Elements()) == 0 {
			return prior
		}
		return types.SetNull(types.StringType)
	}
	s, _ := types.SetValueFrom(ctx, types.StringType, v)
	return s
}

func mapValue(ctx context.Context, prior types.Map, v map[string]string) types.Map {
	if len(v) == 0 {
		if !prior.IsNull() && !prior.IsUnknown() && len(prior.Elements()) == 0 {
			return prior
		}
		return types.MapNull(types.StringType)
	}
	m, _ := types.MapValueFrom(ctx, types.StringType, v)
	return m
}

// frameworkPath is the framework path of a driver's attribute path; the empty path is
// the resource itself (path.Empty).
func frameworkPath(p platform.AttrPath) path.Path {
	out := path.Empty()
	for _, s := range p {
		switch s.Kind {
		case platform.StepName:
			out = out.AtName(s.Name)
		case platform.StepKey:
			out = out.AtMapKey(s.Name)
		case platform.StepIndex:
			out = out.AtListIndex(s.Index)
		}
	}
	return out
}

// boolOrUnreadable is v, or null when the platform could not read attr back
// (fn.Status.Unreadable): its value is unknown, and false would be invented.
func boolOrUnreadable(fn *platform.Function, attr string, v bool) types.Bool {
	if slices.Contains(fn.Status.Unreadable, attr) {
		return types.BoolNull()
	}
	return types.BoolValue(v)
}
