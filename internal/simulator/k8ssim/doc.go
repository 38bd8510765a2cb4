// Package k8ssim is an in-process simulator of a Kubernetes API server that serves the
// Knative kinds terraform-provider-faas manages, for tests, the demo and the benchmark
// (DESIGN.md section 10). It answers k8s.io/client-go's dynamic client and discovery
// like a real API server with Knative Serving and Eventing installed:
//
//   - serving.knative.dev/v1 services (and their status subresource),
//     serving.knative.dev/v1beta1 domainmappings,
//     networking.internal.knative.dev/v1alpha1 clusterdomainclaims (cluster scoped),
//     sources.knative.dev/v1 pingsources, eventing.knative.dev/v1 triggers and brokers,
//     core v1 secrets and namespaces;
//   - discovery (/api, /apis, /apis/<group>/<version>) and /version;
//   - create (201, duplicate 409 AlreadyExists), get (404 NotFound), list with label and
//     field selectors, update (PUT, optimistic concurrency on metadata.resourceVersion,
//     stale 409 Conflict), merge and JSON patch, delete (then gone, with ownerReference
//     garbage collection of dependants), errors as metav1.Status objects;
//   - metadata as the API server keeps it: uid, resourceVersion bumped on every write,
//     generation bumped on spec changes only, creationTimestamp;
//   - CRD schema pruning, defaulting and validation against the openAPIV3Schema of the
//     upstream CRDs kept in shared/specs/knative (read at run time, never copied);
//   - the Knative admission webhooks, answering 400 BadRequest: Serving's (Service and
//     DomainMapping defaulting and validation) are Knative Serving's own code run on the
//     typed object (serving.go); Eventing's are modelled by hand (knative.go), since
//     knative.dev/eventing is not on the Go module proxy;
//   - the Knative controllers, simulated: a Service's status (observedGeneration,
//     Ready/ConfigurationsReady/RoutesReady, revision names, url) becomes Ready after a
//     configurable number of GET polls per object, restarting on each spec change, or
//     fails with a configurable reason and message.
//
// What it is for, now that the testbed runs the real Kubernetes and Knative (TESTBED.md):
// what the real platform cannot do on demand. make test runs on it only the Knative
// acceptance tests that need readiness control, a failure injected at a chosen moment or
// its request log (the tests that ask for newKube in internal/provider: a readiness wait
// that children share, a Service deleted during a wait, a status without a URL yet, a
// change behind the provider's back during an apply, readiness after many polls among the
// faults, and tag resolution by the provider against an in-memory registry); every other
// Knative acceptance test runs on the real Knative (FAAS_TEST_SIMULATOR_ONLY). It also
// serves the Knative driver's unit and contract tests (fast, no testbed), the simulated
// half of the benchmark (request counts with injected latency), and cmd/faas-simulator.
// TestKnativeServingParity and TestKnativeEventingParity in internal/conformance hold it
// to the real Knative.
//
// Tests start a Server with New and Start, point client-go at URL (or at the kubeconfig
// Kubeconfig renders), inject faults with SetFaults, inspect what was sent with Requests
// (never Authorization headers; Secret values redacted), and change objects behind the
// client's back with Get, Put, Modify, Delete and SetCondition. The same operations are
// reachable over HTTP under /_sim/ (see AdminHandler) for cmd/faas-simulator.
package k8ssim
