// Package platform holds the platform-neutral model of terraform-provider-faas: the
// function, scaling policy, trigger, route and secret shapes that resources speak, the
// Driver interface every platform (OpenFaaS, Knative, ...) implements, the capability set
// a driver declares for plan-time checks, the sentinel errors drivers return, and the
// per-function lock that serialises read-modify-write of a function object.
//
// The model was drafted against OpenFaaS and Knative together (DESIGN.md section 3), so
// that adding the second platform does not force a rename. Resources never build URLs or
// parse HTTP: they call a Driver.
package platform
