package platform

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// createScript plays a platform for CreateOnce: the answers of successive sends, and
// what a read-back finds.
type createScript struct {
	sends  []error
	sent   int
	exists bool
	// foundFrom, when positive, is the read-back from which the object exists.
	foundFrom int
	mine      bool
	readErr   error
	readBack  int
}

func (c *createScript) create() Create[string] {
	return Create[string]{
		Send: func(context.Context) (string, error) {
			err := c.sends[c.sent]
			c.sent++
			if err == nil {
				return "created", nil
			}
			return "", err
		},
		ReadBack: func(context.Context) (string, bool, error) {
			c.readBack++
			switch {
			case c.readErr != nil:
				return "", false, c.readErr
			case !c.exists && (c.foundFrom == 0 || c.readBack < c.foundFrom):
				return "", false, ErrNotFound
			}
			return "read back", c.mine, nil
		},
		Exists: func(cause error) error { return fmt.Errorf("already exists, import it (%v): %w", cause, ErrConflict) },
	}
}

var (
	errAmbiguous = fmt.Errorf("connection reset after sending: %w", ErrAmbiguous)
	errDuplicate = fmt.Errorf("HTTP 409: %w", ErrConflict)
)

// TestCreateOnce covers the one rule every driver follows to create an object: an
// object is adopted only when it carries this create's marker, never because it exists
// or matches.
func TestCreateOnce(t *testing.T) {
	defer func(d time.Duration) { lagDelay = d }(lagDelay)
	lagDelay = time.Millisecond
	for _, tc := range []struct {
		name      string
		script    createScript
		want      string
		wantErr   error
		sends     int
		readBacks int
	}{
		{name: "created", script: createScript{sends: []error{nil}}, want: "created", sends: 1},
		{name: "a duplicate is never read back nor adopted", script: createScript{sends: []error{errDuplicate}, exists: true, mine: true}, wantErr: ErrConflict, sends: 1},
		{name: "ambiguous, then found with this create's marker", script: createScript{sends: []error{errAmbiguous}, exists: true, mine: true}, want: "read back", sends: 1, readBacks: 1},
		{name: "ambiguous, then found without it", script: createScript{sends: []error{errAmbiguous}, exists: true}, wantErr: ErrConflict, sends: 1, readBacks: 1},
		{name: "ambiguous, not found, sent again", script: createScript{sends: []error{errAmbiguous, nil}}, want: "created", sends: 2, readBacks: 1},
		{name: "ambiguous, then a duplicate carrying the marker (the first attempt landed late)", script: createScript{sends: []error{errAmbiguous, errDuplicate}, foundFrom: 2, mine: true}, want: "read back", sends: 2, readBacks: 2},
		{name: "ambiguous, a duplicate, and reads that lag behind it (the first attempt landed; the read shows it later)", script: createScript{sends: []error{errAmbiguous, errDuplicate}, foundFrom: 4, mine: true}, want: "read back", sends: 2, readBacks: 4},
		{name: "a duplicate after an ambiguous attempt that never shows up is not adopted", script: createScript{sends: []error{errAmbiguous, errDuplicate}}, wantErr: ErrConflict, sends: 2, readBacks: 2 + lagReads},
		{name: "ambiguous every time", script: createScript{sends: []error{errAmbiguous, errAmbiguous, errAmbiguous, errAmbiguous}}, wantErr: ErrAmbiguous, sends: 4, readBacks: 4 + lagReads},
		// Every answer lost, and the reads lag behind the first attempt, which landed: the
		// last read-back waits past the lag and adopts it instead of leaving it behind.
		{name: "ambiguous every time, the object shows up late", script: createScript{sends: []error{errAmbiguous, errAmbiguous, errAmbiguous, errAmbiguous}, foundFrom: 6, mine: true}, want: "read back", sends: 4, readBacks: 6},
		{name: "ambiguous every time, someone else's object shows up late", script: createScript{sends: []error{errAmbiguous, errAmbiguous, errAmbiguous, errAmbiguous}, foundFrom: 6}, wantErr: ErrConflict, sends: 4, readBacks: 6},
		{name: "read-back fails", script: createScript{sends: []error{errAmbiguous}, readErr: errors.New("HTTP 500")}, wantErr: ErrAmbiguous, sends: 1, readBacks: 1},
		{name: "another error", script: createScript{sends: []error{ErrInvalid}}, wantErr: ErrInvalid, sends: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CreateOnce(context.Background(), tc.script.create())
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %q, %v; want an error matching %v", got, err, tc.wantErr)
				}
			} else if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if tc.script.sent != tc.sends || tc.script.readBack != tc.readBacks {
				t.Fatalf("%d sends and %d read-backs; want %d and %d", tc.script.sent, tc.script.readBack, tc.sends, tc.readBacks)
			}
		})
	}
}
