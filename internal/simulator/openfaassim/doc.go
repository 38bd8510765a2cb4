// Package openfaassim is an in-process simulator of the OpenFaaS gateway REST API.
//
// It reproduces the management API as the real providers behave (see
// internal/driver/openfaas/FACTS.md): faas-netes answers writes with 202,
// reports readiness asynchronously, maps a duplicate create to 500, injects the
// faas_function and uid labels and the prometheus.io.scrape annotation, and
// does not return envVars, constraints or readOnlyRootFilesystem; faasd
// answers 200, is ready at once and returns envVars without PATH and fprocess.
// The Community Edition restrictions (one namespace, 15 functions, 5 replicas,
// no scale-to-zero or autoscaling knobs, one topic) are enforced in CE mode.
//
// Two faas-netes behaviours seen on the real server can be switched on: Faults.IgnoreUpdates
// and IgnoreUpdateEvery answer updates 200 with an empty body without applying them (what
// faas-netes pkg/handlers/update.go does when its Kubernetes update fails, for example on
// a conflict with the Deployment controller), and Options.StaleReads makes reads lag
// behind writes, as faas-netes' informer cache does.
//
// Tests use a Server through HTTP like a real gateway, change its state behind
// the client's back with the out-of-band methods (PutFunction, ModifyFunction,
// DeleteFunction, ...), inject faults with SetFaults and inspect what was sent
// with Requests and Writes. The same operations are reachable over HTTP under
// /_sim/ (see AdminHandler) for demo scripts driving cmd/faas-simulator.
//
// With Options.Spec set (see LoadSpec), every gateway request and the simulator's own
// answer are checked against the upstream OpenAPI spec; SpecViolations lists what
// departs from it beyond the documented KnownDifferences.
package openfaassim
