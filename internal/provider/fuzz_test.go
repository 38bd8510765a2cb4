package provider

import "testing"

// FuzzAttributePath: attribute paths from drivers never panic the conversion.
func FuzzAttributePath(f *testing.F) {
	for _, s := range []string{"limits.cpu", `labels["a.b/c"]`, "command[3]", `x["unterminated`, "[", "]", `a[""]`, ".a..b", `a["\"]"]`} {
		f.Add(s)
	}
	f.Fuzz(func(_ *testing.T, s string) {
		_ = attributePath(s).String()
	})
}
