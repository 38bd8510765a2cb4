package openfaas

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// fastRetries shortens the waits between update attempts for one test.
func fastRetries(t *testing.T) {
	t.Helper()
	old := updateRetry
	updateRetry = wait.Backoff{Duration: time.Millisecond, Factor: 2, Cap: 5 * time.Millisecond}
	t.Cleanup(func() { updateRetry = old })
}

// functionUpdates selects faas-netes' function updates for faults.
var functionUpdates = openfaassim.Faults{OnlyMethod: http.MethodPut, OnlyPath: "/system/functions"}

// puts counts the function updates the simulator received, and those it ignored.
func puts(sim *openfaassim.Server) (all, ignored int) {
	for _, r := range sim.Writes() {
		if r.Method == http.MethodPut && r.Path == "/system/functions" {
			all++
			if r.Status == http.StatusOK {
				ignored++
			}
		}
	}
	return all, ignored
}

// TestBackToBackWritesSurviveIgnoredUpdates: faas-netes answers an update it did not
// apply with 200 and an empty body (every third update here, as conflicts with the
// Deployment controller did on the real server), and its reads lag behind writes. Thirty
// back-to-back writes of one function, alternating the function's own update and its
// children's read-modify-writes, each end applied: the platform holds exactly what the
// write returned, and nothing a write set is undone by a later one.
func TestBackToBackWritesSurviveIgnoredUpdates(t *testing.T) {
	fastRetries(t)
	d, sim := newTestDriver(t, openfaassim.Options{StaleReads: 20 * time.Millisecond})
	ctx := context.Background()
	fn := sampleFunction("busy")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	f := functionUpdates
	f.IgnoreUpdateEvery = 3
	sim.SetFaults(f)
	maxReplicas := int64(1)
	topic := ""
	for i := range 30 {
		switch i % 3 {
		case 0:
			fn.Image = fmt.Sprintf("ghcr.io/acme/busy:%d", i)
			fn.Env = map[string]string{"STEP": fmt.Sprint(i)}
			got, err := d.UpdateFunction(ctx, fn)
			if err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
			if got.Image != fn.Image || got.Env["STEP"] != fmt.Sprint(i) {
				t.Fatalf("write %d returned image %q env %v, not what was written", i, got.Image, got.Env)
			}
		case 1:
			maxReplicas = int64(1 + i%5)
			one := int64(1)
			if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MinReplicas: &one, MaxReplicas: &maxReplicas}, i == 1); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		default:
			if topic != "" {
				if err := d.DeleteTrigger(ctx, &platform.Trigger{Function: fn.ID, Type: platform.TriggerTopic, Topic: topic}); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
			}
			topic = fmt.Sprintf("t%d", i)
			if _, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fn.ID, Type: platform.TriggerTopic, Topic: topic}); err != nil {
				t.Fatalf("write %d: %v", i, err)
			}
		}
		held, _ := sim.GetFunction(DefaultNamespace, "busy")
		if held.Image != fn.Image || held.EnvVars["STEP"] != fn.Env["STEP"] {
			t.Fatalf("after write %d the platform holds image %q env %v, want %q %v", i, held.Image, held.EnvVars, fn.Image, fn.Env)
		}
		if i >= 1 && held.Labels[labelScaleMax] != fmt.Sprint(maxReplicas) {
			t.Fatalf("after write %d the scaling policy is %v, want max %d", i, held.Labels, maxReplicas)
		}
		if i >= 2 && held.Annotations[TopicAnnotation] != topic {
			t.Fatalf("after write %d the topic is %q, want %q", i, held.Annotations[TopicAnnotation], topic)
		}
	}
	all, ignored := puts(sim)
	if ignored < 10 {
		t.Fatalf("%d of %d updates were ignored: the test would prove nothing", ignored, all)
	}
	t.Logf("%d updates sent, %d of them answered 200 without being applied and written again", all, ignored)
}

// TestUpdateNeverAppliedFailsClearly: an update that faas-netes keeps answering with 200
// without applying (as it does on the Community Edition for an image it cannot check
// anonymously) fails after a bounded number of attempts, says so and names the image,
// and the function keeps its previous configuration. The same holds for a child's
// read-modify-write.
func TestUpdateNeverAppliedFailsClearly(t *testing.T) {
	fastRetries(t)
	d, sim := newTestDriver(t, openfaassim.Options{})
	ctx := context.Background()
	fn := sampleFunction("stuck")
	if _, err := d.CreateFunction(ctx, fn); err != nil {
		t.Fatal(err)
	}
	f := functionUpdates
	f.IgnoreUpdates = 1000
	sim.SetFaults(f)
	sim.ResetRequests()
	fn.Image = "registry.example.com/private/stuck:2"
	_, err := d.UpdateFunction(ctx, fn)
	if !errors.Is(err, ErrNotApplied) || !strings.Contains(err.Error(), "the gateway answered 200 without applying the update") ||
		!strings.Contains(err.Error(), fn.Image) {
		t.Fatalf("want a clear error naming the image, got %v", err)
	}
	if all, _ := puts(sim); all != updateAttempts {
		t.Errorf("%d updates sent, want %d", all, updateAttempts)
	}
	if held, _ := sim.GetFunction(DefaultNamespace, "stuck"); held.Image != "ghcr.io/acme/stuck:1" {
		t.Errorf("the platform holds %q", held.Image)
	}
	two := int64(2)
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MaxReplicas: &two}, true); !errors.Is(err, ErrNotApplied) {
		t.Fatalf("scaling policy: want ErrNotApplied, got %v", err)
	}
	if _, err := d.CreateTrigger(ctx, &platform.Trigger{Function: fn.ID, Type: platform.TriggerCron, Schedule: "@daily"}); !errors.Is(err, ErrNotApplied) {
		t.Fatalf("trigger: want ErrNotApplied, got %v", err)
	}
	// faasd answers every successful write with 200: it is not read back.
	fd, fsim := newTestDriver(t, openfaassim.Options{Backend: openfaassim.Faasd})
	ffn := sampleFunction("plain")
	ffn.Limits.CPU = ""
	if _, err := fd.CreateFunction(ctx, ffn); err != nil {
		t.Fatal(err)
	}
	ffn.Image = "ghcr.io/acme/plain:2"
	if _, err := fd.UpdateFunction(ctx, ffn); err != nil {
		t.Fatal(err)
	}
	if all, _ := puts(fsim); all != 1 {
		t.Errorf("faasd: %d updates, want 1", all)
	}
}

// TestReadsThatLagBehindWrites: faas-netes reads come from an informer cache, so a read
// right after a write can still show the function as it was before. A create returns the
// function it created (not a 404), an update returns what it wrote, a child's write right
// after an update does not undo it from a stale read, a delete returns only once reads no
// longer return the function, and a create of the same name right after it returns the
// new function, not the deleted one.
func TestReadsThatLagBehindWrites(t *testing.T) {
	d, sim := newTestDriver(t, openfaassim.Options{StaleReads: 150 * time.Millisecond})
	ctx := context.Background()
	fn := sampleFunction("lag")
	got, err := d.CreateFunction(ctx, fn)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if got.Image != fn.Image {
		t.Fatalf("create returned image %q", got.Image)
	}
	fn.Image = "ghcr.io/acme/lag:2"
	if got, err = d.UpdateFunction(ctx, fn); err != nil || got.Image != fn.Image {
		t.Fatalf("update returned %v, %v", got, err)
	}
	three := int64(3)
	if _, err := d.ApplyScalingPolicy(ctx, &platform.ScalingPolicy{Function: fn.ID, MaxReplicas: &three}, true); err != nil {
		t.Fatal(err)
	}
	if held, _ := sim.GetFunction(DefaultNamespace, "lag"); held.Image != fn.Image || held.Labels[labelScaleMax] != "3" {
		t.Fatalf("the scaling policy's write undid the update: image %q labels %v", held.Image, held.Labels)
	}
	if err := d.DeleteFunction(ctx, fn.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.freshStatus(ctx, fn.ID); !errors.Is(err, platform.ErrNotFound) {
		t.Fatalf("the delete returned while reads still returned the function: %v", err)
	}
	fn.Image = "ghcr.io/acme/lag:3"
	if got, err = d.CreateFunction(ctx, fn); err != nil || got.Image != fn.Image {
		t.Fatalf("create after delete returned %v, %v", got, err)
	}
}

// TestSecretUpdateConflictIsWrittenAgain: faas-netes replaces a secret with a Kubernetes
// get and update and answers a conflict with a concurrent writer 409 with an empty body
// (pkg/handlers/secrets.go, ProcessErrorReasons); the replace is written again.
func TestSecretUpdateConflictIsWrittenAgain(t *testing.T) {
	fastRetries(t)
	_, sim := newTestDriver(t, openfaassim.Options{})
	target, _ := url.Parse(sim.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var conflicts atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && r.URL.Path == "/system/secrets" && conflicts.Add(1) <= 2 {
			w.WriteHeader(http.StatusConflict)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	u, _ := url.Parse(front.URL)
	c, err := httpclient.New(httpclient.Config{BaseURL: u, Username: "admin", Password: pw, UserAgent: "test", MaxRetries: 2,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d := New(Config{Client: c})
	ctx := context.Background()
	sim.PutSecret(DefaultNamespace, "key", "old")
	if err := d.UpdateSecret(ctx, &platform.Secret{Namespace: DefaultNamespace, Name: "key", Value: "new"}); err != nil {
		t.Fatal(err)
	}
	if v, _ := sim.SecretValue(DefaultNamespace, "key"); v != "new" {
		t.Fatalf("secret holds %q", v)
	}
}
