package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// TestFrameworkPath: a driver's attribute path becomes the framework path of the same
// attribute, step by step, and renders as the same text.
func TestFrameworkPath(t *testing.T) {
	cases := []struct {
		in   platform.AttrPath
		want path.Path
	}{
		{nil, path.Empty()},
		{platform.Attr("image"), path.Root("image")},
		{platform.Attr("limits").Name("cpu"), path.Root("limits").AtName("cpu")},
		{platform.Attr("command").Index(2), path.Root("command").AtListIndex(2)},
		{platform.Attr("labels").Key("com.openfaas.x"), path.Root("labels").AtMapKey("com.openfaas.x")},
		{platform.Attr("labels").Key("a]b"), path.Root("labels").AtMapKey("a]b")},
		{platform.Attr("openfaas").Name("constraints"), path.Root("openfaas").AtName("constraints")},
		{platform.Attr("targets").Index(1).Name("tag"), path.Root("targets").AtListIndex(1).AtName("tag")},
		{platform.Attr("annotations").Key(`x"y`).Name("nested"), path.Root("annotations").AtMapKey(`x"y`).AtName("nested")},
	}
	for _, c := range cases {
		got := frameworkPath(c.in)
		if !got.Equal(c.want) {
			t.Errorf("frameworkPath(%s) = %s, want %s", c.in, got, c.want)
		}
		if got.String() != c.in.String() {
			t.Errorf("frameworkPath(%s) renders as %s", c.in, got)
		}
	}
}
