package platform

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

func TestParseFunctionID(t *testing.T) {
	good := map[string]FunctionID{
		"openfaas-fn/hello": {Namespace: "openfaas-fn", Name: "hello"},
		"hello":             {Namespace: "dflt", Name: "hello"},
		"a/b-1":             {Namespace: "a", Name: "b-1"},
		// The neutral layer does not apply any platform's name rule.
		"ns/My_Action.v2": {Namespace: "ns", Name: "My_Action.v2"},
		"Hello":           {Namespace: "dflt", Name: "Hello"},
	}
	for in, want := range good {
		got, err := ParseFunctionID(in, "dflt")
		if err != nil || got != want {
			t.Errorf("%q: got %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "a/b/c", "/x", "x/", "/", "a//b"} {
		if _, err := ParseFunctionID(in, "dflt"); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

var fast = wait.Backoff{Duration: time.Millisecond, Factor: 2, Cap: 4 * time.Millisecond}

// TestWaitForKeepsPollingAtTheCap: reaching the cap must not end the wait (apimachinery's
// Backoff zeroes its steps at the cap; the wait must go on until the context ends).
func TestWaitForKeepsPollingAtTheCap(t *testing.T) {
	polls := 0
	err := WaitFor(context.Background(), "x", "ready", fast, func(context.Context) (bool, string, error) {
		polls++
		return polls == 40, "", nil
	})
	if err != nil || polls != 40 {
		t.Fatalf("err %v after %d polls", err, polls)
	}
}

// TestWaitForBacksOffExponentially: the gaps between polls grow up to the cap.
func TestWaitForBacksOffExponentially(t *testing.T) {
	var times []time.Time
	b := wait.Backoff{Duration: 10 * time.Millisecond, Factor: 2, Cap: 40 * time.Millisecond}
	_ = WaitFor(context.Background(), "x", "ready", b, func(context.Context) (bool, string, error) {
		times = append(times, time.Now())
		return len(times) == 5, "", nil
	})
	var gaps []time.Duration
	for i := 1; i < len(times); i++ {
		gaps = append(gaps, times[i].Sub(times[i-1]))
	}
	// Expected gaps 10, 20, 40, 40 ms: each at least its schedule, and the last two capped.
	for i, want := range []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond} {
		if gaps[i] < want {
			t.Fatalf("gap %d = %s, want at least %s (gaps %v)", i, gaps[i], want, gaps)
		}
	}
}

func TestWaitForReadyAtOnceCostsOnePoll(t *testing.T) {
	polls := 0
	err := WaitFor(context.Background(), "x", "ready", fast, func(context.Context) (bool, string, error) {
		polls++
		return true, "", nil
	})
	if err != nil || polls != 1 {
		t.Fatalf("err %v polls %d", err, polls)
	}
}

func TestWaitForTimeoutReportsLastStatus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := WaitFor(ctx, `function "a/b"`, "ready", fast, func(context.Context) (bool, string, error) {
		return false, "0 of 1 replicas available", nil
	})
	var te *TimeoutError
	if !errors.As(err, &te) || te.LastStatus != "0 of 1 replicas available" || !strings.Contains(err.Error(), `function "a/b" to be ready`) {
		t.Fatalf("got %v", err)
	}
}

func TestWaitForStopsOnPollError(t *testing.T) {
	boom := errors.New("boom")
	err := WaitFor(context.Background(), "x", "ready", fast, func(context.Context) (bool, string, error) { return false, "", boom })
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}

func TestLocksSerialisePerKey(t *testing.T) {
	var l Locks
	var mu sync.Mutex
	inside := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			unlock := l.Lock(key)
			mu.Lock()
			inside[key]++
			if inside[key] > 1 {
				t.Errorf("two holders of %s", key)
			}
			mu.Unlock()
			time.Sleep(100 * time.Microsecond)
			mu.Lock()
			inside[key]--
			mu.Unlock()
			unlock()
		}(i)
	}
	wg.Wait()
}

func TestErrorsUnwrap(t *testing.T) {
	if !errors.Is(&APIError{Kind: ErrNotFound}, ErrNotFound) {
		t.Error("APIError must unwrap to its kind")
	}
	u := &UnsupportedError{Attribute: Attr("limits").Name("cpu"), Platform: "OpenFaaS faasd", Reason: "why", Instead: "Do this"}
	if !errors.Is(u, ErrUnsupported) || u.Error() != "limits.cpu is not supported on OpenFaaS faasd: why. Do this" {
		t.Errorf("got %q", u.Error())
	}
	v := ValueNotAllowed(Attr("max_replicas"), "OpenFaaS faas-netes (Community Edition)", "at most 5", "Set 5 or less")
	if !errors.Is(v, ErrUnsupported) || v.Error() != "max_replicas: at most 5. Set 5 or less" || v.Summary != "Value not allowed on OpenFaaS faas-netes (Community Edition)" {
		t.Errorf("got %q (%q)", v.Error(), v.Summary)
	}
	if got := (Info{Platform: "openfaas", Backend: "faasd", Edition: "ce"}).Describe(); got != "OpenFaaS faasd (Community Edition)" {
		t.Errorf("Describe %q", got)
	}
}

// TestParseQuantityBounded: inputs that would hang resource.ParseQuantity are refused,
// ordinary quantities still parse.
func TestParseQuantityBounded(t *testing.T) {
	for _, bad := range []string{"9999999E999999999999999", "1e31", "1E-31", strings.Repeat("9", 65)} {
		if _, err := ParseQuantity(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	for _, good := range []string{"100m", "0.5", "128Mi", "1e3", "5E-2", "1E"} {
		if _, err := ParseQuantity(good); err != nil {
			t.Errorf("%q rejected: %v", good, err)
		}
	}
}
