package platform

import "testing"

// TestAttrPathString: paths render as the attribute strings diagnostics have always
// quoted, and paths built from one prefix do not share steps.
func TestAttrPathString(t *testing.T) {
	base := Attr("labels")
	a, b := base.Key("a.b/c"), base.Key(`x"]y`)
	cases := map[string]AttrPath{
		"":                         nil,
		"image":                    Attr("image"),
		"limits.cpu":               Attr("limits").Name("cpu"),
		"command[2]":               Attr("command").Index(2),
		`labels["a.b/c"]`:          a,
		`labels["x\"]y"]`:          b,
		"targets[1].revision_name": Attr("targets").Index(1).Name("revision_name"),
		`env_value_from["PORT"]`:   Attr("env_value_from").Key("PORT"),
		`annotations["k"].nested`:  Attr("annotations").Key("k").Name("nested"),
	}
	for want, p := range cases {
		if got := p.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}
