package platform

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// TestWaitForMarksItsChecks: checks run with a context for which InWait is true, so
// caching drivers poll the platform; other contexts are not marked.
func TestWaitForMarksItsChecks(t *testing.T) {
	if InWait(context.Background()) {
		t.Fatal("a plain context is not a wait")
	}
	var marked bool
	_ = WaitFor(context.Background(), "x", "ready", wait.Backoff{Duration: time.Millisecond}, func(ctx context.Context) (bool, string, error) {
		marked = InWait(ctx)
		return true, "", nil
	})
	if !marked {
		t.Fatal("the check's context must be marked")
	}
}

// TestWaitForStopsAtTheFirstReadyCheck: no check after the one that reports ready.
func TestWaitForStopsAtTheFirstReadyCheck(t *testing.T) {
	polls := 0
	start := time.Now()
	err := WaitFor(context.Background(), "x", "ready", wait.Backoff{Duration: 20 * time.Millisecond, Factor: 2, Cap: time.Second}, func(context.Context) (bool, string, error) {
		polls++
		return polls == 3, "", nil
	})
	if err != nil || polls != 3 {
		t.Fatalf("err %v after %d polls", err, polls)
	}
	// Sleeps of 20 and 40 ms between the three checks.
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Fatalf("took %s, want at least 60ms", d)
	}
}

// TestWaitForStepsBoundTheChecks: a positive Steps is a ceiling on checks, reported as a
// timeout with the last status.
func TestWaitForStepsBoundTheChecks(t *testing.T) {
	polls := 0
	err := WaitFor(context.Background(), "x", "ready", wait.Backoff{Duration: time.Millisecond, Factor: 2, Cap: 2 * time.Millisecond, Steps: 5}, func(context.Context) (bool, string, error) {
		polls++
		return false, "still starting", nil
	})
	var te *TimeoutError
	if !errors.As(err, &te) || te.LastStatus != "still starting" || polls != 5 {
		t.Fatalf("err %v after %d polls", err, polls)
	}
}

// TestDefaultBackoffSchedule: the default schedule starts at 250 ms, doubles and is
// capped at 5 s, with jitter of at most 10%.
func TestDefaultBackoffSchedule(t *testing.T) {
	b := DefaultBackoff
	if b.Duration != 250*time.Millisecond || b.Factor != 2 || b.Cap != 5*time.Second || b.Jitter > 0.1 {
		t.Fatalf("DefaultBackoff %+v", b)
	}
}

// TestWaitForEndsWithTheContext: a context that is already done ends the wait without a
// check: as a timeout when its deadline passed, as an interruption when it was cancelled.
func TestWaitForEndsWithTheContext(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	polls := 0
	poll := func(context.Context) (bool, string, error) {
		polls++
		return true, "", nil
	}
	var te *TimeoutError
	if err := WaitFor(expired, "x", "ready", DefaultBackoff, poll); !errors.As(err, &te) || polls != 0 {
		t.Fatalf("err %v, %d polls", err, polls)
	}
	var ie *InterruptedError
	if err := WaitFor(cancelled, "x", "ready", DefaultBackoff, poll); !errors.As(err, &ie) || polls != 0 {
		t.Fatalf("err %v, %d polls", err, polls)
	}
}

// TestWaitForReportsAnInterruption: a wait whose context is cancelled (Terraform stopped
// the provider) says it was interrupted, not that it timed out, and matches
// context.Canceled; one whose deadline passes is a timeout.
func TestWaitForReportsAnInterruption(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	polls := 0
	err := WaitFor(ctx, "function x", "ready", wait.Backoff{Duration: time.Millisecond, Factor: 1}, func(context.Context) (bool, string, error) {
		polls++
		if polls == 3 {
			cancel()
		}
		return false, "0 of 1 replicas available", nil
	})
	var ie *InterruptedError
	if !errors.As(err, &ie) || !Interrupted(err) || ie.LastStatus != "0 of 1 replicas available" {
		t.Fatalf("got %v", err)
	}
	var te *TimeoutError
	if errors.As(err, &te) || !strings.Contains(err.Error(), "interrupted") || strings.Contains(err.Error(), "timed out") {
		t.Fatalf("an interruption reads as a timeout: %v", err)
	}
	// A read that the cancellation cuts short is an interruption too.
	ctx2, cancel2 := context.WithCancel(context.Background())
	err = WaitFor(ctx2, "function x", "ready", wait.Backoff{Duration: time.Millisecond}, func(ctx context.Context) (bool, string, error) {
		cancel2()
		return false, "", ctx.Err()
	})
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	// The deadline is a timeout, not an interruption.
	ctx3, cancel3 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel3()
	err = WaitFor(ctx3, "function x", "ready", wait.Backoff{Duration: time.Millisecond}, func(context.Context) (bool, string, error) {
		return false, "", nil
	})
	if !errors.As(err, &te) || Interrupted(err) {
		t.Fatalf("got %v", err)
	}
}

// TestPresence: an object not seen yet may be missing for as long as the wait runs (an
// informer cache that does not return it yet); one that was seen is deleted after
// GoneAfter misses in a row, and a sighting in between starts the count again.
func TestPresence(t *testing.T) {
	p := NewPresence("function a/b", "ready", false)
	for range 10 {
		if status, err := p.Missing(); err != nil || status == "" {
			t.Fatalf("unseen: %q %v", status, err)
		}
	}
	p.Found()
	if _, err := p.Missing(); err != nil {
		t.Fatalf("one miss after a sighting: %v", err)
	}
	p.Found()
	if _, err := p.Missing(); err != nil {
		t.Fatalf("the count must restart after a sighting: %v", err)
	}
	_, err := p.Missing()
	var deleted *DeletedError
	if !errors.As(err, &deleted) || deleted.Misses != GoneAfter || err.Error()[:len("function a/b was deleted while waiting for it to be ready")] != "function a/b was deleted while waiting for it to be ready" {
		t.Fatalf("got %v", err)
	}
	seen := NewPresence("x", "ready", true)
	_, _ = seen.Missing()
	if _, err := seen.Missing(); !errors.As(err, &deleted) {
		t.Fatalf("seen by the caller: %v", err)
	}
}

// TestWithoutReadyWaitChecksOnce: under WithoutReadyWait a wait for ConditionReady checks
// once and returns, still failing when that check fails; a wait for another condition
// (an object gone) is never skipped.
func TestWithoutReadyWaitChecksOnce(t *testing.T) {
	ctx := WithoutReadyWait(context.Background())
	notReady := func(polls *int, err error) Poll {
		return func(context.Context) (bool, string, error) {
			*polls++
			return false, "0 of 1 replicas available", err
		}
	}
	var polls int
	if err := WaitFor(ctx, "x", ConditionReady, wait.Backoff{Duration: time.Millisecond, Steps: 5}, notReady(&polls, nil)); err != nil || polls != 1 {
		t.Fatalf("ready wait skipped: err %v after %d polls, want nil after 1", err, polls)
	}
	polls = 0
	failed := errors.New("revision failed")
	if err := WaitFor(ctx, "x", ConditionReady, wait.Backoff{Duration: time.Millisecond, Steps: 5}, notReady(&polls, failed)); !errors.Is(err, failed) || polls != 1 {
		t.Fatalf("a failing check: err %v after %d polls", err, polls)
	}
	polls = 0
	var te *TimeoutError
	if err := WaitFor(ctx, "x", "gone", wait.Backoff{Duration: time.Millisecond, Steps: 3}, notReady(&polls, nil)); !errors.As(err, &te) || polls != 3 {
		t.Fatalf("a wait for another condition must not be skipped: err %v after %d polls", err, polls)
	}
}

// TestReadyCheck: the one readiness rule. Failed wins over Ready and ends the wait with
// a *FailedError that carries the reason; Ready is done; anything else keeps waiting.
func TestReadyCheck(t *testing.T) {
	id := FunctionID{Namespace: "ns", Name: "f"}
	done, status, err := ReadyCheck(id, &FunctionStatus{Failed: true, Ready: true, Reason: "RevisionFailed: bad image"})
	var fe *FailedError
	if done || status != "RevisionFailed: bad image" || !errors.As(err, &fe) || fe.Function != id ||
		err.Error() != "function ns/f failed to become ready: RevisionFailed: bad image" {
		t.Errorf("failed: %v %q %v", done, status, err)
	}
	if done, status, err := ReadyCheck(id, &FunctionStatus{Ready: true, Reason: "Ready"}); !done || status != "Ready" || err != nil {
		t.Errorf("ready: %v %q %v", done, status, err)
	}
	if done, status, err := ReadyCheck(id, &FunctionStatus{Reason: "0 of 1 replicas available"}); done || status != "0 of 1 replicas available" || err != nil {
		t.Errorf("waiting: %v %q %v", done, status, err)
	}
}
