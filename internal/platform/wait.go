package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// DefaultBackoff is the readiness polling schedule: 250 ms doubling up to 5 s, with
// 10% jitter, until the context ends.
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

// WaitFor polls until poll reports done, poll fails, or ctx ends. The first check runs at
// once, so an object that is already ready costs one request. The backoff grows
// exponentially up to its cap (never a fixed sleep).
func WaitFor(ctx context.Context, what, condition string, backoff wait.Backoff, poll Poll) error {
	start := time.Now()
	var last string
	var pollErr error
	err := wait.ExponentialBackoffWithContext(ctx, backoff, func(ctx context.Context) (bool, error) {
		done, status, err := poll(ctx)
		if status != "" {
			last = status
		}
		if err != nil {
			pollErr = err
			return false, err
		}
		return done, nil
	})
	if err == nil {
		return nil
	}
	if pollErr != nil {
		return pollErr
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || wait.Interrupted(err) {
		return &TimeoutError{What: what, Condition: condition, LastStatus: last, Elapsed: time.Since(start)}
	}
	return err
}
