package openfaassim

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestOutOfBandFunctions(t *testing.T) {
	s, c := newSim(t, Options{ReadyAfterPolls: 5})
	s.PutFunction(Function{
		Service: "x", Image: "img", EnvVars: map[string]string{"A": "1"},
		Labels: map[string]string{"com.openfaas.scale.min": "2"}, Limits: &FunctionResources{Memory: "128Mi"},
	})
	st := c.getStatus()
	if st.Replicas != 2 || st.AvailableReplicas != 2 {
		t.Errorf("PutFunction should be ready at once with replicas from labels: %+v", st)
	}
	if _, ok := st.Labels["uid"]; ok {
		t.Error("a first out-of-band deploy has no uid")
	}

	// Deep copies in and out.
	fn, ok := s.GetFunction("openfaas-fn", "x")
	if !ok {
		t.Fatal("missing")
	}
	fn.EnvVars["A"] = "changed"
	fn.Limits.Memory = "1Gi"
	again, _ := s.GetFunction("", "x")
	if again.EnvVars["A"] != "1" || again.Limits.Memory != "128Mi" {
		t.Error("GetFunction returned shared memory")
	}

	// Replacing out of band behaves like faas-cli deploy: a new uid on faas-netes.
	s.PutFunction(Function{Service: "x", Image: "img:2"})
	st = c.getStatus()
	if st.Labels["uid"] == "" || st.Image != "img:2" || st.Replicas != 2 {
		t.Errorf("after replace: %+v", st)
	}

	var kept map[string]string
	if !s.ModifyFunction("", "x", func(f *Function) {
		f.Image = "img:3"
		f.Labels = map[string]string{"drift": "yes"}
		kept = f.Labels
		f.Service = "renamed"
	}) {
		t.Fatal("ModifyFunction reported missing")
	}
	kept["after"] = "mutation"
	got, _ := s.GetFunction("", "x")
	if got.Image != "img:3" || !reflect.DeepEqual(got.Labels, map[string]string{"drift": "yes"}) || got.Service != "x" {
		t.Errorf("modified: %+v", got)
	}
	if s.ModifyFunction("", "ghost", func(*Function) {}) {
		t.Error("ModifyFunction on a missing function")
	}

	s.SetNotReady("", "x")
	if st := c.getStatus(); st.AvailableReplicas != 0 || st.Replicas != 2 {
		t.Errorf("SetNotReady: %+v", st)
	}
	if st := c.getStatus(); st.AvailableReplicas != 0 {
		t.Errorf("SetNotReady must last until the next update: %+v", st)
	}
	c.expect(http.MethodPut, "/system/functions", dep("x"), 202)
	for range 5 {
		c.getStatus()
	}
	if st := c.getStatus(); st.AvailableReplicas != 2 {
		t.Errorf("ready again after update and polls: %+v", st)
	}

	if !s.DeleteFunction("", "x") || s.DeleteFunction("", "x") {
		t.Error("DeleteFunction results")
	}
	c.expect(http.MethodGet, "/system/function/x", nil, 404)
}

func TestModifyAvailableReplicas(t *testing.T) {
	s, c := newSim(t, Options{})
	s.PutFunction(Function{Service: "x", Image: "img"})
	s.ModifyFunction("", "x", func(f *Function) { f.AvailableReplicas = 0 })
	if st := c.getStatus(); st.AvailableReplicas != 0 {
		t.Errorf("available %d", st.AvailableReplicas)
	}
	s.ModifyFunction("", "x", func(f *Function) { f.AvailableReplicas = 1 })
	if st := c.getStatus(); st.AvailableReplicas != 1 {
		t.Errorf("available %d", st.AvailableReplicas)
	}
}

func TestFunctionsSortedAndNamespaced(t *testing.T) {
	s := New(Options{Edition: Pro, ExtraNamespaces: []string{"team"}})
	for _, n := range []string{"c", "a", "b"} {
		s.PutFunction(Function{Service: n, Image: "img"})
	}
	s.PutFunction(Function{Service: "z", Namespace: "team", Image: "img"})
	var names []string
	for _, f := range s.Functions("") {
		names = append(names, f.Service)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) {
		t.Errorf("names %v", names)
	}
	if fs := s.Functions("team"); len(fs) != 1 || fs[0].Namespace != "team" {
		t.Errorf("team %v", fs)
	}
	if fs := s.Functions("nobody"); fs == nil || len(fs) != 0 {
		t.Errorf("empty namespace %v", fs)
	}
}

func TestOutOfBandSecrets(t *testing.T) {
	s := New(Options{})
	s.PutSecret("", "k", "v")
	if v, ok := s.SecretValue("openfaas-fn", "k"); !ok || v != "v" {
		t.Errorf("%q %v", v, ok)
	}
	if !s.DeleteSecret("", "k") || s.DeleteSecret("", "k") {
		t.Error("DeleteSecret results")
	}
	if _, ok := s.SecretValue("", "k"); ok {
		t.Error("still there")
	}
}

func TestStartURLClose(t *testing.T) {
	s := New(Options{})
	if s.URL() != "" {
		t.Error("URL before Start")
	}
	u := s.Start()
	if u == "" || s.Start() != u || s.URL() != u {
		t.Errorf("URL %q", u)
	}
	s.Close()
	if s.URL() != "" {
		t.Error("URL after Close")
	}
	if _, err := http.Get(u + "/healthz"); err == nil {
		t.Error("still serving after Close")
	}
	s.Close()
}

// TestStaleReads: with StaleReads, faas-netes reads show a function as it was before a
// write until the window ends (informer cache lag): a new function is not found, an
// updated one shows its previous image, a deleted one is still returned, in GET one and
// in the list alike. The out-of-band view is always current; faasd ignores the option.
func TestStaleReads(t *testing.T) {
	const lag = 300 * time.Millisecond
	s, c := newSim(t, Options{StaleReads: lag})
	listed := func() int {
		var list []functionStatus
		_ = json.Unmarshal(c.expect(http.MethodGet, "/system/functions", nil, 200).body, &list)
		return len(list)
	}
	start := time.Now()
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	if _, ok := s.GetFunction("", "x"); !ok {
		t.Fatal("the out-of-band view must see the create at once")
	}
	c.expect(http.MethodGet, "/system/function/x", nil, 404)
	if n := listed(); n != 0 {
		t.Errorf("the list shows %d functions right after the create", n)
	}
	waitUntil(t, start.Add(lag))
	if c.getStatus().Image != "ghcr.io/acme/x:1.0" || listed() != 1 {
		t.Fatal("the create is not visible after the window")
	}

	start = time.Now()
	c.expect(http.MethodPut, "/system/functions", with(dep("x"), "image", "ghcr.io/acme/x:2"), 202)
	c.expect(http.MethodPut, "/system/functions", with(dep("x"), "image", "ghcr.io/acme/x:3"), 202)
	if img := c.getStatus().Image; img != "ghcr.io/acme/x:1.0" {
		t.Errorf("a read right after the updates shows %q, want the image before them", img)
	}
	waitUntil(t, start.Add(lag))
	if img := c.getStatus().Image; img != "ghcr.io/acme/x:3" {
		t.Errorf("after the window the read shows %q", img)
	}

	start = time.Now()
	c.expect(http.MethodDelete, "/system/functions", map[string]any{"functionName": "x"}, 202)
	if _, ok := s.GetFunction("", "x"); ok {
		t.Error("the out-of-band view must see the delete at once")
	}
	c.expect(http.MethodGet, "/system/function/x", nil, 200)
	if n := listed(); n != 1 {
		t.Errorf("the list shows %d functions right after the delete, want the deleted one", n)
	}
	waitUntil(t, start.Add(lag))
	c.expect(http.MethodGet, "/system/function/x", nil, 404)
	if n := listed(); n != 0 {
		t.Errorf("the list shows %d functions after the window", n)
	}

	_, cd := newSim(t, Options{Backend: Faasd, StaleReads: time.Hour})
	cd.expect(http.MethodPost, "/system/functions", dep("y"), 200)
	cd.expect(http.MethodGet, "/system/function/y", nil, 200)
}

// waitUntil sleeps until t, plus a little.
func waitUntil(tb testing.TB, t time.Time) {
	tb.Helper()
	time.Sleep(time.Until(t) + 20*time.Millisecond)
}
