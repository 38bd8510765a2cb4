package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// TestKeepRunningDigest: a refresh reuses the state's digest only while the function
// runs the same bare tag in the same ready revision, which is also the latest created.
func TestKeepRunningDigest(t *testing.T) {
	const d = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	state := func() *functionResourceModel {
		return &functionResourceModel{Image: types.StringValue("reg/acme/orders:1"), ImageDigest: types.StringValue(d),
			LatestReadyRevision: types.StringValue("orders-00001")}
	}
	read := func() *platform.Function {
		return &platform.Function{Image: "reg/acme/orders:1", Status: platform.FunctionStatus{Ready: true,
			LatestReadyRevision: "orders-00001", LatestCreatedRevision: "orders-00001"}}
	}
	fn := read()
	if !keepRunningDigest(state(), fn) || fn.Status.ImageDigest != d {
		t.Errorf("same revision: not kept (%q)", fn.Status.ImageDigest)
	}
	for name, c := range map[string]struct {
		state func(*functionResourceModel)
		read  func(*platform.Function)
	}{
		"no state":             {state: nil},
		"null digest in state": {state: func(m *functionResourceModel) { m.ImageDigest = types.StringNull() }},
		"new revision": {read: func(f *platform.Function) {
			f.Status.LatestReadyRevision, f.Status.LatestCreatedRevision = "orders-00002", "orders-00002"
		}},
		"newer revision not ready": {read: func(f *platform.Function) { f.Status.LatestCreatedRevision = "orders-00002" }},
		"not ready":                {read: func(f *platform.Function) { f.Status.Ready = false }},
		"other image":              {read: func(f *platform.Function) { f.Image = "reg/acme/orders:2" }},
		"pinned image":             {read: func(f *platform.Function) { f.Image = "reg/acme/orders:1@" + d }},
	} {
		var m *functionResourceModel
		if name != "no state" {
			m = state()
			if c.state != nil {
				c.state(m)
			}
		}
		fn := read()
		if c.read != nil {
			c.read(fn)
		}
		if keepRunningDigest(m, fn) || fn.Status.ImageDigest != "" {
			t.Errorf("%s: kept %q", name, fn.Status.ImageDigest)
		}
	}
}
