package main

import (
	"reflect"
	"testing"
)

func TestQuietLogsWhenUnread(t *testing.T) {
	cases := []struct {
		name    string
		environ []string
		debug   bool
		quiet   bool
	}{
		{"no TF_LOG variable", []string{"PATH=/bin", "TF_IN_AUTOMATION=1"}, false, true},
		{"empty TF_LOG", []string{"TF_LOG="}, false, true},
		{"TF_LOG set", []string{"TF_LOG=DEBUG"}, false, false},
		{"TF_LOG_PROVIDER set", []string{"TF_LOG_PROVIDER=TRACE"}, false, false},
		{"an SDK level set", []string{"TF_LOG_SDK_FRAMEWORK=TRACE"}, false, false},
		{"core logging only", []string{"TF_LOG_CORE=TRACE"}, false, false},
		{"debug mode", nil, true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := map[string]string{}
			if err := quietLogsWhenUnread(c.environ, c.debug, func(k, v string) error { set[k] = v; return nil }); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			if c.quiet {
				for _, k := range quietLogLevels {
					want[k] = "OFF"
				}
			}
			if !reflect.DeepEqual(set, want) {
				t.Fatalf("set %v, want %v", set, want)
			}
		})
	}
}
