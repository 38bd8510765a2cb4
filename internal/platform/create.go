package platform

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrAmbiguous marks the error of a create whose outcome is unknown: the request may
// have been applied although no answer arrived (the connection failed after the request
// was sent, or a proxy answered 502 or 504). The drivers' transports return errors that
// match it with errors.Is; such a create is never blindly sent again.
var ErrAmbiguous = errors.New("outcome unknown")

// maxAmbiguousResends bounds how often CreateOnce sends a create again after an
// ambiguous attempt whose read-back found nothing.
const maxAmbiguousResends = 3

// lagReads and lagDelay bound how long CreateOnce keeps reading back an object that the
// platform just called a duplicate but does not return yet: reads of some platforms lag
// behind their writes (faas-netes reads through an informer cache, FACTS.md), so "already
// exists" followed by "not found" means "not visible yet". The waits double from lagDelay:
// about 6 seconds in all.
var (
	lagReads = 6
	lagDelay = 100 * time.Millisecond
)

// Create describes one create for CreateOnce.
type Create[T any] struct {
	// Send sends the create once and returns the object created. Its error matches
	// ErrAmbiguous when the outcome is unknown, and ErrConflict when the platform says
	// the object already exists.
	Send func(ctx context.Context) (T, error)
	// ReadBack reads the object as the platform holds it now and reports whether it
	// carries the marker (the random create token) that this create sent: only this
	// provider process can know that token. Its error matches ErrNotFound when the
	// object does not exist.
	ReadBack func(ctx context.Context) (obj T, mine bool, err error)
	// Exists renders the error for an object that exists and was not made by this
	// create; cause is what the platform answered. It must wrap ErrConflict.
	Exists func(cause error) error
}

// CreateOnce is the one rule every driver follows to create an object, so that it never
// takes over an object it did not create (DESIGN.md section 5.4):
//
//   - a create the platform answers is done, or an error (already exists: Exists);
//   - a create whose outcome is unknown is resolved by reading the object back: an object
//     carrying this create's marker is this create's and is returned; any other object
//     is someone else's (another Terraform state, another tool, an earlier run of this
//     provider that was killed before it saved its state) and is reported by Exists;
//     no object means the create was not applied, and it is sent again; after the last
//     resend, "no object" is read again for a few seconds (reads may lag) before the
//     create fails as ambiguous;
//   - an "already exists" that follows an ambiguous attempt is resolved the same way,
//     because that earlier attempt may have been applied after all; as the platform has
//     just said the object exists, a read that does not show it is read again for a few
//     seconds (reads may lag behind writes) before the object is reported as existing.
//
// An object is never adopted because its settings match: two states with identical
// configurations must not both believe they manage one object.
func CreateOnce[T any](ctx context.Context, c Create[T]) (T, error) {
	var zero T
	ambiguous := false
	for resends := 0; ; resends++ {
		got, err := c.Send(ctx)
		if err == nil {
			return got, nil
		}
		switch {
		case errors.Is(err, ErrAmbiguous):
			ambiguous = true
		case errors.Is(err, ErrConflict) && ambiguous:
			// An earlier attempt of this create may have been applied: read back.
		case errors.Is(err, ErrConflict):
			return zero, c.Exists(err)
		default:
			return zero, err
		}
		obj, mine, rerr := c.ReadBack(ctx)
		if errors.Is(err, ErrConflict) {
			// The platform says the object exists: a read that does not show it lags.
			obj, mine, rerr = readPastLag(ctx, c, obj, mine, rerr)
		}
		switch {
		case rerr == nil && mine:
			return obj, nil
		case rerr == nil:
			return zero, c.Exists(err)
		case errors.Is(rerr, ErrNotFound) && errors.Is(err, ErrAmbiguous):
			if resends < maxAmbiguousResends {
				continue
			}
			// The last try: one of the attempts may have landed where reads do not show
			// it yet (an informer cache). Read past the lag before giving up, so that an
			// object this create made is adopted, not left behind as nobody's.
			obj, mine, rerr = readPastLag(ctx, c, obj, mine, rerr)
			switch {
			case rerr == nil && mine:
				return obj, nil
			case rerr == nil:
				return zero, c.Exists(err)
			}
			return zero, err
		case errors.Is(rerr, ErrNotFound):
			// The platform said it exists, and no read has shown it since: it was
			// deleted meanwhile, or it never shows. Nothing proves it is this create's.
			return zero, c.Exists(err)
		default:
			return zero, fmt.Errorf("%w; reading it back also failed: %w", err, rerr)
		}
	}
}

// readPastLag reads the object back again, with doubling waits, while the read says it
// does not exist although the platform has just answered that it does.
func readPastLag[T any](ctx context.Context, c Create[T], obj T, mine bool, rerr error) (T, bool, error) {
	delay := lagDelay
	for i := 0; i < lagReads && errors.Is(rerr, ErrNotFound); i++ {
		select {
		case <-ctx.Done():
			return obj, mine, rerr
		case <-time.After(delay):
		}
		delay *= 2
		obj, mine, rerr = c.ReadBack(ctx)
	}
	return obj, mine, rerr
}
