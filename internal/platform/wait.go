package platform

import (
	"context"
	"fmt"
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

// inWaitKey marks the context WaitFor hands to its checks.
type inWaitKey struct{}

// InWait reports whether ctx is the context of a WaitFor check. Drivers that cache reads
// use it to poll the platform instead of answering from a cached answer that has not
// reached the awaited state yet.
func InWait(ctx context.Context) bool {
	v, _ := ctx.Value(inWaitKey{}).(bool)
	return v
}

// WaitFor polls until poll reports done, poll fails, or ctx ends. The first check runs at
// once, so an object that is already ready costs one check and no sleep. Between checks
// it sleeps backoff.Duration, growing by backoff.Factor up to backoff.Cap (with
// backoff.Jitter), and keeps polling at the cap until ctx ends: reaching the cap never
// ends the wait. A positive backoff.Steps bounds the number of checks. Each check gets a
// context for which InWait is true.
//
// (k8s.io/apimachinery's ExponentialBackoffWithContext is not used: it gives up as soon
// as the grown delay reaches Cap, which turned every wait longer than about 8 s with
// DefaultBackoff into a timeout long before the resource's own timeout.)
func WaitFor(ctx context.Context, what, condition string, backoff wait.Backoff, poll Poll) error {
	start := time.Now()
	var last string
	timeout := func() error {
		return &TimeoutError{What: what, Condition: condition, LastStatus: last, Elapsed: time.Since(start)}
	}
	pctx := context.WithValue(ctx, inWaitKey{}, true)
	delay := backoff.Duration
	for checks := 1; ; checks++ {
		if ctx.Err() != nil {
			return timeout()
		}
		done, status, err := poll(pctx)
		if status != "" {
			last = status
		}
		if err != nil {
			if ctx.Err() != nil {
				// A read cut off by the deadline is a timeout, reported with the last status.
				return timeout()
			}
			return err
		}
		if done {
			return nil
		}
		if backoff.Steps > 0 && checks >= backoff.Steps {
			return timeout()
		}
		sleep := delay
		if backoff.Jitter > 0 {
			sleep = wait.Jitter(delay, backoff.Jitter)
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return timeout()
		case <-t.C:
		}
		if backoff.Factor > 0 {
			delay = time.Duration(float64(delay) * backoff.Factor)
		}
		if backoff.Cap > 0 && delay > backoff.Cap {
			delay = backoff.Cap
		}
	}
}
