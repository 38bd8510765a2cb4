package platform

import (
	"reflect"
	"testing"
)

// TestWriteUnknowns: a write may not leave unset what the platform did not return; a
// child (no function) knows none of it; a function with nothing unreadable is free.
func TestWriteUnknowns(t *testing.T) {
	cur := &Function{Status: FunctionStatus{Unreadable: []string{AttrEnv, "timeout", AttrReadOnlyRootFilesystem}}}
	for _, tc := range []struct {
		name string
		cur  *Function
		fn   *Function
		want []string
	}{
		{"all set", cur, &Function{}, nil},
		{"env and read_only_root_filesystem unset", cur, &Function{Unset: []string{AttrEnv, AttrReadOnlyRootFilesystem, AttrConstraints}}, []string{AttrEnv, AttrReadOnlyRootFilesystem}},
		{"a child", cur, nil, []string{AttrEnv, "timeout", AttrReadOnlyRootFilesystem}},
		{"recorded", &Function{}, &Function{Unset: []string{AttrEnv}}, nil},
	} {
		if got := WriteUnknowns(tc.cur, tc.fn); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
