package platform

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// DefaultBackoff is the readiness polling schedule: the first check at once, then 250 ms
// doubling up to a cap of 5 s, with 10% jitter, until the platform reports the object
// ready or the context ends (Steps is a ceiling on the number of checks, not a limit
// that the cap reaches).
var DefaultBackoff = wait.Backoff{Duration: 250 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 1 << 30, Cap: 5 * time.Second}

// Poll is one readiness check: done when the object is ready, with the platform's last
// status in words for a timeout error. A non-nil error stops the wait.
type Poll func(ctx context.Context) (done bool, status string, err error)

// TimeoutError reports a wait that ran out of time, with the platform's last status.
type TimeoutError struct {
	// What names the object waited for, such as `function "openfaas-fn/hello"`.
	What string
	// Condition is what was waited for, such as "ready".
	Condition string
	// LastStatus is the platform's last reason or message.
	LastStatus string
	// Elapsed is how long the wait ran.
	Elapsed time.Duration
}

// Error implements error.
func (e *TimeoutError) Error() string {
	last := e.LastStatus
	if last == "" {
		last = "no status reported"
	}
	return fmt.Sprintf("timed out after %s waiting for %s to be %s; last status: %s", e.Elapsed.Round(time.Second), e.What, e.Condition, last)
}

// InterruptedError reports a wait cut short because its operation was cancelled
// (Terraform was interrupted, for example with Ctrl-C, and stopped the provider), not
// because its time ran out: the object waited for may well become ready.
type InterruptedError struct {
	// What names the object waited for, such as `function "openfaas-fn/hello"`.
	What string
	// Condition is what was waited for, such as "ready".
	Condition string
	// LastStatus is the platform's last reason or message.
	LastStatus string
	// Elapsed is how long the wait ran.
	Elapsed time.Duration
}

// Error implements error.
func (e *InterruptedError) Error() string {
	last := e.LastStatus
	if last == "" {
		last = "no status reported"
	}
	return fmt.Sprintf("interrupted after %s while waiting for %s to be %s; last status: %s", e.Elapsed.Round(time.Second), e.What, e.Condition, last)
}

// Unwrap makes errors.Is(err, context.Canceled) true.
func (e *InterruptedError) Unwrap() error { return context.Canceled }

// Interrupted reports whether err ends an operation that was cancelled (an
// *InterruptedError, or any error of a cancelled context) rather than one that failed
// or ran out of time.
func Interrupted(err error) bool { return errors.Is(err, context.Canceled) }

// inWaitKey marks the context WaitFor hands to its checks.
type inWaitKey struct{}

// InWait reports whether ctx is the context of a WaitFor check. Drivers that cache reads
// use it to poll the platform instead of answering from a cached answer that has not
// reached the awaited state yet.
func InWait(ctx context.Context) bool {
	v, _ := ctx.Value(inWaitKey{}).(bool)
	return v
}

// ConditionReady is the condition of the waits for readiness after a write, the waits
// that a resource's wait_for_ready = false skips (WithoutReadyWait).
const ConditionReady = "ready"

// noReadyWaitKey marks a context in which waits for ConditionReady do not wait.
type noReadyWaitKey struct{}

// WithoutReadyWait returns a context in which WaitFor, for ConditionReady, checks once
// and returns without waiting for the answer it wants: the resource's wait_for_ready is
// false. The single check still reads the object (callers report what it returned) and
// still fails when that read fails or shows a failure the platform already reports.
// Waits for other conditions (an object gone, a write visible) are never skipped: they
// are what makes the write itself correct.
func WithoutReadyWait(ctx context.Context) context.Context {
	return context.WithValue(ctx, noReadyWaitKey{}, true)
}

// ReadyWaitSkipped reports whether ctx comes from WithoutReadyWait.
func ReadyWaitSkipped(ctx context.Context) bool {
	v, _ := ctx.Value(noReadyWaitKey{}).(bool)
	return v
}

// WaitFor polls until poll reports done, poll fails, or ctx ends: a *TimeoutError when
// its deadline passed, an *InterruptedError when it was cancelled. The first check runs at
// once, so an object that is already ready costs one check and no sleep. Between checks
// it sleeps backoff.Duration, growing by backoff.Factor up to backoff.Cap (with
// backoff.Jitter), and keeps polling at the cap until ctx ends: reaching the cap never
// ends the wait. A positive backoff.Steps bounds the number of checks. Each check gets a
// context for which InWait is true. Under WithoutReadyWait a wait for ConditionReady
// checks once.
//
// The loop and its schedule are k8s.io/apimachinery's: Backoff.DelayFunc, which stays at
// the cap once it reaches it, run by DelayFunc.Until. (ExponentialBackoffWithContext is
// not used: it gives up as soon as the grown delay reaches Cap, which turned every wait
// longer than about 8 s with DefaultBackoff into a timeout long before the resource's own
// timeout.)
func WaitFor(ctx context.Context, what, condition string, backoff wait.Backoff, poll Poll) error {
	start := time.Now()
	var last string
	pctx := context.WithValue(ctx, inWaitKey{}, true)
	// Steps is a bound on the checks here, not on the schedule's growth: the schedule
	// grows until the cap whatever Steps is.
	schedule := backoff
	schedule.Steps = math.MaxInt32
	checks := 0
	err := schedule.DelayFunc().Until(ctx, true, true, func(context.Context) (bool, error) {
		if ctx.Err() != nil {
			// Until checks once even when ctx has already ended; WaitFor does not.
			return false, errWaitEnded
		}
		checks++
		done, status, err := poll(pctx)
		if status != "" {
			last = status
		}
		if err != nil {
			if ctx.Err() != nil {
				// A read cut off by the deadline is a timeout, reported with the last
				// status; one cut off by a cancellation is an interruption.
				return false, errWaitEnded
			}
			return false, err
		}
		if done || (condition == ConditionReady && ReadyWaitSkipped(ctx)) {
			return true, nil
		}
		if backoff.Steps > 0 && checks >= backoff.Steps {
			return false, errWaitEnded
		}
		return false, nil
	})
	// Besides the errors of the checks, Until returns ctx.Err() when ctx ended between
	// checks.
	if err == nil || (!errors.Is(err, errWaitEnded) && (ctx.Err() == nil || err != ctx.Err())) { //nolint:errorlint // Until returns ctx.Err() itself
		return err
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return &InterruptedError{What: what, Condition: condition, LastStatus: last, Elapsed: time.Since(start)}
	}
	return &TimeoutError{What: what, Condition: condition, LastStatus: last, Elapsed: time.Since(start)}
}

// errWaitEnded ends WaitFor's loop for a reason WaitFor reports itself: its context
// ended, or its checks ran out.
var errWaitEnded = errors.New("wait ended")

// GoneAfter is how many checks in a row must answer "not found", after a wait has seen
// its object, before the wait takes it as deleted. One is not enough on OpenFaaS:
// faas-netes answers reads from an informer cache, and behind the gateway several
// faas-netes replicas may each have their own, so a single 404 can be a replica that
// has not caught up yet; two in a row, a backoff interval apart, are a deletion. The
// cost is one more check (at most DefaultBackoff's cap) before the wait fails.
const GoneAfter = 2

// Presence follows, across the checks of one readiness wait, whether its object exists,
// to tell an object the platform's reads do not return yet (right after a create, an
// informer cache may answer 404 for a moment) from one that was deleted while the wait
// ran: only an object that was seen and then is missing for GoneAfter checks in a row
// has been deleted. Its zero value is a wait that has not seen its object yet.
type Presence struct {
	// What names the object, as in WaitFor.
	What string
	// Condition is what the wait waits for, such as "ready".
	Condition string
	seen      int
	misses    int
}

// NewPresence returns the Presence of a wait for what to reach condition; seen is true
// when the caller has just read the object (after an update, or a child's write).
func NewPresence(what, condition string, seen bool) *Presence {
	p := &Presence{What: what, Condition: condition}
	if seen {
		p.seen = 1
	}
	return p
}

// Found records a check that returned the object.
func (p *Presence) Found() { p.seen++; p.misses = 0 }

// Missing records a check that answered "not found". It returns a *DeletedError once the
// object, having been seen, has been missing for GoneAfter checks in a row; before that
// it returns nil and a status for the wait's timeout error.
func (p *Presence) Missing() (string, error) {
	p.misses++
	if p.seen == 0 {
		return "the platform does not return it yet", nil
	}
	if p.misses >= GoneAfter {
		return "", &DeletedError{What: p.What, Condition: p.Condition, Misses: p.misses}
	}
	return "the platform no longer returns it", nil
}

// DeletedError reports an object that was deleted while a wait for it ran: it was seen,
// then the platform answered "not found" Misses times in a row.
type DeletedError struct {
	// What names the object.
	What string
	// Condition is what the wait waited for.
	Condition string
	// Misses is how many checks in a row answered "not found".
	Misses int
}

// Error implements error.
func (e *DeletedError) Error() string {
	return fmt.Sprintf("%s was deleted while waiting for it to be %s: the platform returned it, then answered \"not found\" %d times in a row. "+
		"Something outside this Terraform run (another tool, another Terraform state, a person) deleted it; find out what, then apply again to recreate it",
		e.What, e.Condition, e.Misses)
}

// FailedError reports a function whose current version the platform gave up on
// (FunctionStatus.Failed; on Knative the Ready condition is False for the generation
// it observed): a readiness wait ends with it at once instead of at its timeout.
type FailedError struct {
	// Function is the function.
	Function FunctionID
	// Reason is the platform's reason, such as the Ready condition's reason and message.
	Reason string
}

// Error implements error.
func (e *FailedError) Error() string {
	return fmt.Sprintf("function %s failed to become ready: %s", e.Function, e.Reason)
}

// ReadyCheck is the one rule by which every readiness wait for a function judges a
// status its driver read (DESIGN.md section 6.2): a status that is Failed ends the wait
// with a *FailedError, one that is Ready ends it done, and any other keeps it waiting.
// The status's Reason is what a timeout reports. Drivers decide Ready and Failed from
// the platform's own signal; only Knative reports Failed today.
func ReadyCheck(id FunctionID, st *FunctionStatus) (done bool, status string, err error) {
	if st.Failed {
		return false, st.Reason, &FailedError{Function: id, Reason: st.Reason}
	}
	return st.Ready, st.Reason, nil
}

// WaitFunctionReady waits (WaitFor, with DefaultBackoff) until d reports function id
// ready by ReadyCheck, and returns the last read. Any error of a read other than
// ErrNotFound ends the wait. A function that was seen (seen: the caller has just read
// it, as an update has) and then is no longer returned was deleted behind the wait's
// back: the wait fails at once with a *DeletedError (Presence) instead of running to
// its timeout. After a create it starts unseen, because faas-netes answers reads from
// an informer cache that may not return a new function for a moment.
func WaitFunctionReady(ctx context.Context, d Driver, id FunctionID, seen bool) (*Function, error) {
	var last *Function
	what := "function " + id.String()
	presence := NewPresence(what, ConditionReady, seen)
	err := WaitFor(ctx, what, ConditionReady, DefaultBackoff, func(ctx context.Context) (bool, string, error) {
		fn, err := d.ReadFunction(ctx, id)
		if errors.Is(err, ErrNotFound) {
			status, err := presence.Missing()
			return false, status, err
		}
		if err != nil {
			return false, "", err
		}
		presence.Found()
		last = fn
		return ReadyCheck(id, &fn.Status)
	})
	return last, err
}
