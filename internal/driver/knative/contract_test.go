package knative

import (
	"encoding/base64"
	"net/http"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/platformtest"
	"github.com/faasform/terraform-provider-faas/internal/simulator/k8ssim"
)

// TestContract runs the driver contract (internal/platformtest) against the Kubernetes
// simulator with Knative, whose deletes take two more reads (finalizers).
func TestContract(t *testing.T) {
	platformtest.Run(t, platformtest.Harness{Setup: func(t *testing.T) *platformtest.Env {
		d, sim := newTestDriver(t, k8ssim.Options{DeleteAfterPolls: 2})
		exists := func(gvr schema.GroupVersionResource, ns, name string) bool {
			_, ok := sim.Get(gvr, ns, name)
			return ok
		}
		return &platformtest.Env{
			Driver:   d,
			NewRun:   func(t *testing.T) platform.Driver { return driverFor(t, sim.URL()) },
			Function: sampleFunction,
			Exists:   func(id platform.FunctionID) bool { return exists(k8ssim.ServicesGVR, id.Namespace, id.Name) },
			Writes: func() []string {
				var out []string
				for _, r := range sim.Writes() {
					out = append(out, r.Method)
				}
				return out
			},
			DeleteOutOfBand: func(id platform.FunctionID) { sim.Delete(k8ssim.ServicesGVR, id.Namespace, id.Name) },
			SetImageOutOfBand: func(id platform.FunctionID, image string) {
				if err := sim.Modify(k8ssim.ServicesGVR, id.Namespace, id.Name, func(u *unstructured.Unstructured) {
					cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
					if c, ok := cs[0].(map[string]any); ok {
						c["image"] = image
					}
					_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
				}); err != nil {
					t.Fatal(err)
				}
			},
			PutForeign: func(id platform.FunctionID) {
				if err := sim.Put(newServiceObject(&platform.Function{ID: id, Image: "ghcr.io/someone/else:1"}, "their-token")); err != nil {
					t.Fatal(err)
				}
			},
			LoseNextWriteResponse: func() { sim.SetFaults(k8ssim.Faults{LoseResponses: 1}) },
			DropNextWrite: func() {
				sim.SetFaults(k8ssim.Faults{DropConnections: 1, Only: func(m, _ string) bool { return m != http.MethodGet }})
			},
			SecretExists: func(ns, name string) bool { return exists(k8ssim.SecretsGVR, ns, name) },
			SecretValue: func(ns, name string) (string, bool) {
				u, ok := sim.Get(k8ssim.SecretsGVR, ns, name)
				if !ok {
					return "", false
				}
				data, _, _ := unstructured.NestedStringMap(u.Object, "data")
				v, err := base64.StdEncoding.DecodeString(data[name])
				return string(v), err == nil
			},
			// A topic trigger subscribes to a Broker, which Eventing does not create.
			PrepareTopic: func(t *testing.T, tr *platform.Trigger) {
				broker := tr.Broker
				if broker == "" {
					broker = DefaultBroker
				}
				if !exists(brokersGVR, tr.Function.Namespace, broker) {
					putObj(t, sim, "eventing.knative.dev/v1", "Broker", tr.Function.Namespace, broker, nil)
				}
			},
			// A DomainMapping is ready once its namespace holds the host's claim, which
			// Knative creates only with autocreate-cluster-domain-claims (off by default).
			PrepareRoute: func(t *testing.T, r *platform.Route) {
				ns := r.Namespace
				if ns == "" {
					ns = r.Function.Namespace
				}
				if !exists(clusterDomainClaimsGVR, "", r.Host) {
					putObj(t, sim, "networking.internal.knative.dev/v1alpha1", "ClusterDomainClaim", "", r.Host, map[string]any{"namespace": ns})
				}
			},
		}
	}})
}
