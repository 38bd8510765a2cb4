package openfaas

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// TestFunctionLimit: the Community Edition (both backends) refuses a 16th function
// before sending it; Pro has no limit; the gateway's own refusal, when creates race
// past the count, is explained the same way.
func TestFunctionLimit(t *testing.T) {
	ctx := context.Background()
	for _, b := range []openfaassim.Backend{openfaassim.FaasNetes, openfaassim.Faasd} {
		d, sim := newTestDriver(t, openfaassim.Options{Backend: b})
		for i := range 15 {
			sim.PutFunction(openfaassim.Function{Service: fmt.Sprintf("f%02d", i), Namespace: DefaultNamespace, Image: "x:1"})
		}
		id := platform.FunctionID{Namespace: DefaultNamespace, Name: "extra"}
		var limit *platform.FunctionLimitError
		if err := d.CheckFunctionLimit(ctx, id); !errors.As(err, &limit) || limit.Limit != 15 || len(limit.Existing) != 15 {
			t.Fatalf("%s: %v", b, err)
		}
		// An existing function's create fails as such, not as over the limit.
		if err := d.CheckFunctionLimit(ctx, platform.FunctionID{Namespace: DefaultNamespace, Name: "f03"}); err != nil {
			t.Fatalf("%s: existing: %v", b, err)
		}
		sim.ResetRequests()
		_, err := d.CreateFunction(ctx, sampleFunction("extra"))
		if !errors.As(err, &limit) || !errors.Is(err, platform.ErrUnsupported) {
			t.Fatalf("%s: create: %v", b, err)
		}
		for _, r := range sim.Requests() {
			if r.Method == "POST" {
				t.Fatalf("%s: sent %v", b, r)
			}
		}
		info, _ := d.Info(ctx)
		refusal := &platform.APIError{Method: "POST", Path: "/system/functions", StatusCode: 400,
			Message: "unable to create function, maximum: 15, visit https://openfaas.com/pricing to upgrade to OpenFaaS Standard"}
		if err := d.explainCreate(info, "x:1", refusal); !strings.Contains(err.Error(), "allows at most 15 functions") || !errors.As(err, new(*platform.APIError)) {
			t.Fatalf("%s: explained %v", b, err)
		}
	}
	d, sim := newTestDriver(t, openfaassim.Options{Edition: openfaassim.Pro})
	for i := range 20 {
		sim.PutFunction(openfaassim.Function{Service: fmt.Sprintf("f%02d", i), Namespace: DefaultNamespace, Image: "x:1"})
	}
	if err := d.CheckFunctionLimit(ctx, platform.FunctionID{Namespace: DefaultNamespace, Name: "extra"}); err != nil {
		t.Fatalf("pro: %v", err)
	}
	if _, err := d.CreateFunction(ctx, sampleFunction("extra")); err != nil {
		t.Fatalf("pro: %v", err)
	}
}

// TestPrivateImageOnCommunityEdition: faas-netes CE refuses an image it cannot fetch
// anonymously, on create with 400 and on update with an empty 200 that changes
// nothing; both are reported as errors that name the image, why, and what to do.
func TestPrivateImageOnCommunityEdition(t *testing.T) {
	ctx := context.Background()
	d, sim := newTestDriver(t, openfaassim.Options{PublicImages: []string{"ghcr.io/openfaas/"}})
	fn := sampleFunction("img")
	fn.Limits = platform.Resources{}
	fn.Image = "registry.example.com/private/app:1"
	_, err := d.CreateFunction(ctx, fn)
	for _, want := range []string{"HTTP 400: the Community Edition license agreement only allows public images",
		`anonymous request for its manifest, and that request failed for image "registry.example.com/private/app:1"`,
		"Use a public image that faas-netes can reach anonymously, or OpenFaaS Standard or Enterprise"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("create: %v\nwant %q", err, want)
		}
	}
	fn.Image = "ghcr.io/openfaas/figlet:latest"
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	fn.Image = "registry.example.com/private/app:2"
	defer func(n int) { updateAttempts = n }(updateAttempts)
	updateAttempts = 2
	_, err = d.UpdateFunction(ctx, fn)
	if err == nil || !strings.Contains(err.Error(), "faas-netes did not apply the update") ||
		!strings.Contains(err.Error(), `failed for image "registry.example.com/private/app:2"`) || !errors.Is(err, platform.ErrInvalid) {
		t.Fatalf("update: %v", err)
	}
	if got, _ := sim.GetFunction(DefaultNamespace, "img"); got.Image != "ghcr.io/openfaas/figlet:latest" {
		t.Fatalf("image %q", got.Image)
	}
}
