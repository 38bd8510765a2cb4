package openfaas

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Confirming writes on faas-netes.
//
// faas-netes answers an update that it did not apply with 200 and an empty body: its
// update handler (faas-netes pkg/handlers/update.go) logs any Kubernetes error other
// than not-found and returns without writing a status. On the real server that happens
// on ordinary update conflicts with the Deployment controller, which writes the
// Deployment's status while a rollout progresses, and on the Community Edition when the
// image cannot be checked anonymously (isAnonymous in pkg/handlers/validate.go). A
// successful update answers 202. And its reads come from an informer cache (the
// Deployment lister in pkg/handlers/reader.go), so a read right after a write may still
// show the function as it was before: a new function not found, a deleted one still
// returned, an updated one with its previous configuration.
//
// So on faas-netes every update is confirmed by reading the function back: after a 202
// the driver polls until the read shows what was sent (sameDeployment), and after a 200
// it reads once and, when the function does not hold the update, runs the
// read-modify-write again from what the platform holds now, a bounded number of times,
// before failing with ErrNotApplied. A create is confirmed by polling until the read
// shows the function with this create's token. Confirming also keeps the driver's own
// later reads consistent: the next read-modify-write of the function (a child resource's
// keys) starts from a read that already shows this write, never from a stale one that
// would undo it. faasd applies writes synchronously and answers 200 on success, so its
// writes are not read back.

// ErrNotApplied reports an update that faas-netes answered with 200 and did not apply,
// again and again.
var ErrNotApplied = errors.New("the gateway answered 200 without applying the update")

var (
	// updateAttempts bounds the writes of one update that faas-netes answers with 200
	// without applying it. Conflicts with the Deployment controller cluster while a
	// rollout progresses (9 of 30 back-to-back updates on the real server), so the
	// attempts are spaced by updateRetry.
	updateAttempts = 8
	// updateRetry spaces those attempts (its DelayFunc, one per attempt): 200 ms
	// doubling to a cap of 3 s, about 12 s from the first to the last. Steps lets the
	// delay grow until the cap.
	updateRetry = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Cap: 3 * time.Second, Steps: math.MaxInt32}
	// visibleWithin bounds the wait for faas-netes' reads to show a write it accepted.
	visibleWithin = 30 * time.Second
	// visibleBackoff is the schedule of those reads: an informer usually catches up
	// within milliseconds.
	visibleBackoff = wait.Backoff{Duration: 25 * time.Millisecond, Factor: 2, Jitter: 0.1, Cap: time.Second}
)

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// statusNotReturned is awaitVisible's last status while the gateway does not return the
// function at all.
const statusNotReturned = "not returned yet"

// awaitVisible polls the platform (never the cache) until a read of the function
// satisfies holds, for at most visibleWithin, and returns that read. A read that fails
// other than with not-found ends the wait with its error. want says what is awaited, for
// the timeout's message.
func (d *Driver) awaitVisible(ctx context.Context, id platform.FunctionID, want string, holds func(*functionStatus) bool) (*functionStatus, error) {
	wctx, cancel := context.WithTimeout(ctx, visibleWithin)
	defer cancel()
	var got *functionStatus
	err := platform.WaitFor(wctx, "the gateway's reads of function "+id.String(), want, visibleBackoff, func(ctx context.Context) (bool, string, error) {
		st, err := d.freshStatus(ctx, id)
		switch {
		case errors.Is(err, platform.ErrNotFound):
			return false, statusNotReturned, nil
		case err != nil:
			return false, "", err
		case holds(st):
			got = st
			return true, "", nil
		}
		return false, "still as before the write", nil
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// notApplied is the error of an update that faas-netes answered with 200 and did not
// apply on any of its attempts. On the Community Edition, when the update changes the
// image (from before), the likely cause is its anonymous image check (imageRefusal), and
// the error matches platform.ErrInvalid; otherwise update conflicts that did not clear.
func notApplied(info platform.Info, before, image string, attempts int, elapsed time.Duration) error {
	head := fmt.Sprintf("%s, on all %d attempts over %s (an empty response body: faas-netes did not apply the update), and the "+
		"function keeps its previous configuration", ErrNotApplied.Error(), attempts, elapsed.Round(time.Second))
	if info.Edition == EditionCE && image != before {
		return fmt.Errorf("%w: %s. faas-netes answers so when its update of the function's Deployment fails, on the Community "+
			"Edition most often because of its image check (%w): %s. (It answers the same way when update conflicts with the "+
			"Deployment controller did not clear: if the image is public, apply again; the faas-netes log names the cause.)",
			ErrNotApplied, head[len(ErrNotApplied.Error()):], platform.ErrInvalid, imageRefusal(info, image))
	}
	return fmt.Errorf("%w%s. faas-netes answers so when Kubernetes refuses its update of the function's Deployment, for "+
		"example on update conflicts with the Deployment controller that did not clear; the faas-netes log names the cause",
		ErrNotApplied, head[len(ErrNotApplied.Error()):])
}

// sameDeployment reports whether the platform holds the deployment that was sent: got
// is deploymentFromStatus of a read, sent what the driver wrote. Empty and absent are
// the same, secrets and constraints are sets, and quantities compare by value (the
// platform returns them normalised, an unset one as "0").
func sameDeployment(got, sent functionDeployment) bool {
	if got.Service != sent.Service || got.Namespace != sent.Namespace || got.Image != sent.Image ||
		got.EnvProcess != sent.EnvProcess || got.ReadOnlyRootFilesystem != sent.ReadOnlyRootFilesystem {
		return false
	}
	for _, pair := range [][2]map[string]string{{got.EnvVars, sent.EnvVars}, {got.Labels, sent.Labels}, {got.Annotations, sent.Annotations}} {
		if !sameMap(pair[0], pair[1]) {
			return false
		}
	}
	return sameSet(got.Secrets, sent.Secrets) && sameSet(got.Constraints, sent.Constraints) &&
		sameResources(got.Limits, sent.Limits) && sameResources(got.Requests, sent.Requests)
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func sameSet(a, b []string) bool {
	a, b = slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b)))
	return slices.Equal(a, b)
}

func sameResources(a, b *functionResources) bool {
	var x, y functionResources
	if a != nil {
		x = *a
	}
	if b != nil {
		y = *b
	}
	return sameAmount(x.Memory, y.Memory) && sameAmount(x.CPU, y.CPU)
}

// sameAmount compares two quantities by value; empty is zero.
func sameAmount(a, b string) bool {
	if a == b {
		return true
	}
	if a == "" {
		a = "0"
	}
	if b == "" {
		b = "0"
	}
	qa, errA := platform.ParseQuantity(a)
	qb, errB := platform.ParseQuantity(b)
	return errA == nil && errB == nil && qa.Cmp(qb) == 0
}
