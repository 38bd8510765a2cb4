// Package platformtest is the contract every platform driver passes, written once
// against the platform.Driver interface and its optional sub-driver interfaces
// (DESIGN.md section 11). A driver package runs it from a TestContract with a Harness
// that starts its test backend (a simulator, or an in-memory store) and gives the hooks
// the contract needs to observe and change that backend behind the driver's back.
//
// The contract checks what every driver promises to the resources, whatever the
// platform: that the features it reports are in the catalogue (platform.Features),
// create, read, update and delete of functions, "not found" semantics, the
// create rule (DESIGN.md section 5.4: an existing function is never taken over, a create
// whose answer was lost is resolved by reading back, not by sending it again), that an
// update with nothing to change writes nothing, that a delete returns only once the
// object is gone, and the secrets, scaling policy, trigger (cron and topic), route and
// traffic split sub-drivers where the driver implements them, and that writers of one
// function's children running at the same time all land (DESIGN.md section 5.2). A hook the harness leaves nil skips the checks that need it,
// with the reason.
package platformtest

import (
	"testing"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Harness tells the contract how to start a driver and its backend.
type Harness struct {
	// Setup starts a fresh backend and returns the driver under test with its hooks.
	// Each subtest of the contract calls it once; the backend must be stopped by
	// t.Cleanup. Backends should make deletes asynchronous (an object still returned
	// for a few reads after its DELETE) where they can, so that "delete waits until
	// gone" is tested against a delay.
	Setup func(t *testing.T) *Env
}

// Env is one driver and the hooks on its backend.
type Env struct {
	// Driver is the driver under test, configured against the backend. Required.
	Driver platform.Driver
	// NewRun returns another driver on the same backend, as the next Terraform command
	// would configure it (no per-run read cache shared with Driver). Nil means Driver.
	NewRun func(t *testing.T) platform.Driver
	// Function returns a function the platform accepts, named name, in the driver's
	// default namespace. It should set a CPU limit in a spelling the platform
	// normalises (such as "0.5" where the platform returns "500m"), so that the
	// no-op update check covers it. Required.
	Function func(name string) *platform.Function
	// Exists reports whether the backend holds the function now, read on the backend
	// itself (no driver, no cache); a function being deleted that reads still return
	// counts as existing. Required.
	Exists func(id platform.FunctionID) bool
	// Writes lists the write requests the backend received so far, in order, each as
	// its HTTP method or the equivalent (POST creates, PUT or PATCH updates, DELETE
	// deletes). Nil skips the checks that count writes.
	Writes func() []string
	// DeleteOutOfBand deletes a function on the backend behind the driver's back. Nil
	// skips the out-of-band delete checks.
	DeleteOutOfBand func(id platform.FunctionID)
	// SetImageOutOfBand changes a function's image on the backend behind the driver's
	// back. Nil skips the drift checks.
	SetImageOutOfBand func(id platform.FunctionID, image string)
	// PutForeign creates a function on the backend as another tool would: not made by
	// this driver, carrying none of its create tokens. Nil skips the conflict checks.
	PutForeign func(id platform.FunctionID)
	// LoseNextWriteResponse makes the backend apply the next write and then close the
	// connection without an answer, so the driver sees an ambiguous outcome. Nil skips
	// the adoption checks.
	LoseNextWriteResponse func()
	// DropNextWrite makes the backend close the connection of the next write without
	// applying it or answering, so the driver sees an ambiguous outcome of a write that
	// was not applied. Nil skips the resend checks.
	DropNextWrite func()
	// SecretExists reports whether the backend holds the secret now, read on the
	// backend itself; a secret being deleted that reads still return counts as
	// existing. Required when the driver implements platform.SecretDriver.
	SecretExists func(namespace, name string) bool
	// SecretValue returns the value the backend holds for a secret. Nil skips the
	// value checks.
	SecretValue func(namespace, name string) (string, bool)
	// PrepareTopic makes the backend ready to deliver a topic trigger's events to its
	// function, besides the function itself (Knative: the Broker the trigger names, or
	// the default one). The contract calls it before it creates a topic trigger. Nil
	// means a topic trigger needs nothing else.
	PrepareTopic func(t *testing.T, tr *platform.Trigger)
	// PrepareRoute makes the backend ready to serve a route's host, besides the
	// function itself (Knative: a ClusterDomainClaim of the host for the route's
	// namespace). The contract calls it before it creates a route. Nil means a route
	// needs nothing else.
	PrepareRoute func(t *testing.T, r *platform.Route)
}

func (e *Env) newRun(t *testing.T) platform.Driver {
	if e.NewRun == nil {
		return e.Driver
	}
	return e.NewRun(t)
}

// writes returns the write requests so far, and false when the harness cannot list
// them.
func (e *Env) writes() ([]string, bool) {
	if e.Writes == nil {
		return nil, false
	}
	return e.Writes(), true
}
