package main

import (
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.2:8080", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"192.168.1.5:8080", false},
		{"example.com:80", false},
		{"127.0.0.1", false},
	}
	for _, tt := range tests {
		if err := simcore.CheckLoopbackAddr(tt.addr); (err == nil) != tt.ok {
			t.Errorf("CheckLoopbackAddr(%q) = %v, want ok=%v", tt.addr, err, tt.ok)
		}
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-listen", "0.0.0.0:0"}, "refusing to listen"},
		{[]string{"-platform", "lambda", "-listen", "127.0.0.1:0"}, "unsupported -platform"},
		{[]string{"-platform", "knative", "-listen", "0.0.0.0:0"}, "refusing to listen"},
		{[]string{"-backend", "swarm", "-listen", "127.0.0.1:0"}, "unsupported -backend"},
		{[]string{"-edition", "enterprise", "-listen", "127.0.0.1:0"}, "unsupported -edition"},
	}
	for _, tt := range tests {
		err := run(tt.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("run(%v) = %v, want %q", tt.args, err, tt.want)
		}
	}
}

// TestHelpListsEveryAdminRoute: -h prints every route each simulator's admin API
// serves, from the same list the routes are registered from, so it cannot go stale.
func TestHelpListsEveryAdminRoute(t *testing.T) {
	var out strings.Builder
	if err := run([]string{"-h"}, &out); err == nil {
		t.Fatal("-h returned no error")
	}
	routes := append(openfaassim.AdminRoutes(), k8ssim.AdminRoutes()...)
	if len(routes) < 20 {
		t.Fatalf("only %d admin routes registered", len(routes))
	}
	for _, r := range routes {
		method, path, _ := strings.Cut(r.Pattern, " ")
		line := regexp.MustCompile(regexp.QuoteMeta(method) + `\s+` + regexp.QuoteMeta(path) + `\s+` + regexp.QuoteMeta(r.Help))
		if r.Help == "" || !line.MatchString(out.String()) {
			t.Errorf("-h does not list %s with its help line:\n%s", r.Pattern, out.String())
		}
	}
}
