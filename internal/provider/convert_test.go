package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
)

func TestAttributePath(t *testing.T) {
	cases := map[string]path.Path{
		"image":                      path.Root("image"),
		"limits.cpu":                 path.Root("limits").AtName("cpu"),
		"command[2]":                 path.Root("command").AtListIndex(2),
		`labels["com.openfaas.x"]`:   path.Root("labels").AtMapKey("com.openfaas.x"),
		`labels["a]b"]`:              path.Root("labels").AtMapKey("a]b"),
		"openfaas.constraints":       path.Root("openfaas").AtName("constraints"),
		`env["read_timeout"]`:        path.Root("env").AtMapKey("read_timeout"),
		`annotations["x\"y"].nested`: path.Root("annotations").AtMapKey(`x"y`).AtName("nested"),
	}
	for in, want := range cases {
		if got := attributePath(in); !got.Equal(want) {
			t.Errorf("attributePath(%q) = %s, want %s", in, got, want)
		}
	}
}
