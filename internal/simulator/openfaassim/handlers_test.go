package openfaassim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	_, c := newSim(t, Options{Token: "tok"})
	tests := []struct {
		name   string
		path   string
		header func(*http.Request)
		want   int
	}{
		{"no credentials", "/system/functions", func(*http.Request) {}, 401},
		{"wrong password", "/system/functions", func(r *http.Request) { r.SetBasicAuth(testUser, "nope") }, 401},
		{"wrong user", "/system/info", func(r *http.Request) { r.SetBasicAuth("root", testPass) }, 401},
		{"basic ok", "/system/functions", func(r *http.Request) { r.SetBasicAuth(testUser, testPass) }, 200},
		{"bearer ok", "/system/namespaces", func(r *http.Request) { r.Header.Set("Authorization", "Bearer tok") }, 200},
		{"bearer wrong", "/system/namespaces", func(r *http.Request) { r.Header.Set("Authorization", "Bearer bad") }, 401},
		{"healthz open", "/healthz", func(*http.Request) {}, 200},
		{"invoke open", "/function/missing", func(*http.Request) {}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, c.base+tt.path, nil)
			tt.header(req)
			res, err := c.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == 401 {
				if got := res.Header.Get("WWW-Authenticate"); got != `Basic realm="Restricted"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
				if got := strings.TrimSpace(string(body)); got != "invalid credentials" {
					t.Errorf("body %q", got)
				}
			}
		})
	}
}

func TestNoAuthWhenUnconfigured(t *testing.T) {
	s := New(Options{})
	base := s.Start()
	defer s.Close()
	res, err := http.Get(base + "/system/functions")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
}

func TestRoutingMethodsAndNotFound(t *testing.T) {
	_, c := newSim(t, Options{})
	c.expect(http.MethodPatch, "/system/functions", "{}", 405)
	c.expect(http.MethodPost, "/system/function/x", "{}", 405)
	c.expect(http.MethodGet, "/system/scale-function/x", nil, 405)
	c.expect(http.MethodPost, "/system/info", nil, 405)
	c.expect(http.MethodGet, "/system/nothing", nil, 404)
	c.auth = false
	// The router answers 405 before authentication, as gorilla/mux does in the gateway.
	c.expect(http.MethodPatch, "/system/functions", nil, 405)
}

func TestCreateStatusPerBackend(t *testing.T) {
	tests := []struct {
		backend    Backend
		create     int
		dup        int
		dupMessage string
	}{
		{FaasNetes, 202, 500, `unable create Deployment: deployments.apps "hello" already exists`},
		{Faasd, 200, 400, "already exists"},
	}
	for _, tt := range tests {
		t.Run(string(tt.backend), func(t *testing.T) {
			_, c := newSim(t, Options{Backend: tt.backend})
			c.expect(http.MethodPost, "/system/functions", dep("hello"), tt.create)
			r := c.expect(http.MethodPost, "/system/functions", dep("hello"), tt.dup)
			if !strings.Contains(r.text(), tt.dupMessage) {
				t.Errorf("duplicate body %q, want it to contain %q", r.text(), tt.dupMessage)
			}
		})
	}
}

func TestCreateValidation(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		body    any
		status  int
		message string
	}{
		{"bad json", Options{}, "{", 400, "failed to unmarshal request"},
		{"uppercase name", Options{}, dep("Hello"), 400, "(Hello) must be a valid DNS entry for service name"},
		{"underscore name", Options{}, dep("a_b"), 400, "valid DNS entry"},
		{"trailing dash", Options{}, dep("ab-"), 400, "valid DNS entry"},
		{"empty name", Options{}, dep(""), 400, "valid DNS entry"},
		{"64 chars", Options{}, dep(strings.Repeat("a", 64)), 400, "valid DNS entry"},
		{"63 chars ok", Options{}, dep(strings.Repeat("a", 63)), 202, ""},
		{"no image", Options{}, map[string]any{"service": "x"}, 400, "image is required"},
		{"missing secret netes", Options{}, with(dep("x"), "secrets", []string{"api-key"}), 400, `unable to fetch secrets: secrets "api-key" not found`},
		{"missing secret faasd", Options{Backend: Faasd}, with(dep("x"), "secrets", []string{"api-key"}), 400, "unable to find secret: api-key"},
		{"ce wrong namespace", Options{}, with(dep("x"), "namespace", "team-a"), 400, "namespace must be: openfaas-fn"},
		{"ce custom default namespace", Options{Namespace: "fns"}, with(dep("x"), "namespace", "openfaas-fn"), 400, "namespace must be: fns"},
		{"faasd wrong namespace", Options{Backend: Faasd}, with(dep("x"), "namespace", "team-a"), 400, "namespace not valid"},
		{"pro unknown namespace", Options{Edition: Pro, ExtraNamespaces: []string{"team-a"}}, with(dep("x"), "namespace", "team-b"), 400, "namespace not valid"},
		{"pro extra namespace ok", Options{Edition: Pro, ExtraNamespaces: []string{"team-a"}}, with(dep("x"), "namespace", "team-a"), 202, ""},
		{"ce scale zero", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.zero": "true"}), 400, "com.openfaas.scale.zero"},
		{"ce scale zero false ok", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.zero": "false"}), 202, ""},
		{"ce zero duration", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.zero-duration": "5m"}), 400, "com.openfaas.scale.zero-duration"},
		{"ce target", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.target": "10"}), 400, "com.openfaas.scale.target"},
		{"ce type", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.type": "rps"}), 400, "com.openfaas.scale.type"},
		{"ce max 6", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.max": "6"}), 400, "com.openfaas.scale.max"},
		{"ce min 6", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.min": "6"}), 400, "com.openfaas.scale.min"},
		{"ce max 5 ok", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.max": "5"}), 202, ""},
		{"pro scale labels ok", Options{Edition: Pro}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.zero": "true", "com.openfaas.scale.target": "50", "com.openfaas.scale.max": "20"}), 202, ""},
		{"faasd ignores scale labels", Options{Backend: Faasd}, with(dep("x"), "labels", map[string]string{"com.openfaas.scale.zero": "true"}), 200, ""},
		{"ce comma topic", Options{}, with(dep("x"), "annotations", map[string]string{"topic": "a,b"}), 400, "the topic annotation may only support one value in the Community Edition"},
		{"ce single topic ok", Options{}, with(dep("x"), "annotations", map[string]string{"topic": "cron-function", "schedule": "*/5 * * * *"}), 202, ""},
		{"pro comma topic ok", Options{Edition: Pro}, with(dep("x"), "annotations", map[string]string{"topic": "a,b"}), 202, ""},
		{"ce cloud annotation", Options{}, with(dep("x"), "annotations", map[string]string{"eks.amazonaws.com/role-arn": "r"}), 400, "not supported in the Community Edition"},
		{"faasd annotation-prefix label", Options{Backend: Faasd}, with(dep("x"), "labels", map[string]string{"com.openfaas.annotations.topic": "t"}), 400, "com.openfaas.annotations."},
		{"netes annotation-prefix label ok", Options{}, with(dep("x"), "labels", map[string]string{"com.openfaas.annotations.topic": "t"}), 202, ""},
		{"bad memory", Options{}, with(dep("x"), "limits", map[string]string{"memory": "lots"}), 400, "invalid memory limit"},
		{"bad cpu request", Options{}, with(dep("x"), "requests", map[string]string{"cpu": "1x"}), 400, "invalid cpu request"},
		{"faasd ignores cpu", Options{Backend: Faasd}, with(dep("x"), "requests", map[string]string{"cpu": "1x"}), 200, ""},
		{"netes invalid label value", Options{}, with(dep("x"), "labels", map[string]string{"team": "a b"}), 500, `Deployment.apps "x" is invalid`},
		{"faasd free label value", Options{Backend: Faasd}, with(dep("x"), "labels", map[string]string{"team": "a b"}), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newSim(t, tt.opts)
			r := c.expect(http.MethodPost, "/system/functions", tt.body, tt.status)
			if !strings.Contains(r.text(), tt.message) {
				t.Errorf("body %q, want it to contain %q", r.text(), tt.message)
			}
			if tt.status >= 400 && len(s.Functions("")) != 0 {
				t.Errorf("a rejected create stored a function")
			}
		})
	}
}

func TestCreateWithExistingSecret(t *testing.T) {
	s, c := newSim(t, Options{})
	s.PutSecret("", "api-key", "v")
	c.expect(http.MethodPost, "/system/functions", with(dep("x"), "secrets", []string{"api-key"}), 202)
	if got := c.getStatus().Secrets; !reflect.DeepEqual(got, []string{"api-key"}) {
		t.Errorf("secrets %v", got)
	}
}

func TestCEFunctionLimit(t *testing.T) {
	for _, b := range []Backend{FaasNetes, Faasd} {
		t.Run(string(b), func(t *testing.T) {
			_, c := newSim(t, Options{Backend: b})
			ok := http.StatusAccepted
			if b == Faasd {
				ok = http.StatusOK
			}
			for i := range 15 {
				c.expect(http.MethodPost, "/system/functions", dep(fmt.Sprintf("f%d", i)), ok)
			}
			want := "only allows 15 functions"
			if b == FaasNetes {
				// faas-netes pkg/handlers/deploy.go
				want = "unable to create function, maximum: 15, visit https://openfaas.com/pricing to upgrade to OpenFaaS Standard"
			}
			r := c.expect(http.MethodPost, "/system/functions", dep("f15"), 400)
			if strings.TrimSpace(r.text()) != want && !strings.Contains(r.text(), want) {
				t.Errorf("body %q, want %q", r.text(), want)
			}
			// At the limit, faas-netes refuses a duplicate as over the limit too: it counts first.
			if b == FaasNetes {
				if r := c.expect(http.MethodPost, "/system/functions", dep("f0"), 400); !strings.Contains(r.text(), want) {
					t.Errorf("duplicate at the limit: %q", r.text())
				}
			}
		})
	}
	_, c := newSim(t, Options{Edition: Pro})
	for i := range 16 {
		c.expect(http.MethodPost, "/system/functions", dep(fmt.Sprintf("f%d", i)), 202)
	}
}

func TestReadinessAfterPolls(t *testing.T) {
	tests := []struct {
		name  string
		opts  Options
		avail []uint64 // availableReplicas seen by successive reads
	}{
		{"netes immediate", Options{}, []uint64{1, 1}},
		{"netes after 2", Options{ReadyAfterPolls: 2}, []uint64{0, 0, 1, 1}},
		{"netes never", Options{ReadyAfterPolls: -1}, []uint64{0, 0, 0, 0}},
		{"faasd ignores polls", Options{Backend: Faasd, ReadyAfterPolls: 3}, []uint64{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newSim(t, tt.opts)
			c.do(http.MethodPost, "/system/functions", dep("x"))
			for i, want := range tt.avail {
				var got uint64
				if i%2 == 0 {
					got = c.getStatus().AvailableReplicas
				} else {
					// The list counts as a read too.
					var list []functionStatus
					_ = json.Unmarshal(c.expect(http.MethodGet, "/system/functions", nil, 200).body, &list)
					if len(list) != 1 {
						t.Fatalf("list %v", list)
					}
					got = list[0].AvailableReplicas
				}
				if got != want {
					t.Fatalf("read %d: availableReplicas %d, want %d", i+1, got, want)
				}
			}
		})
	}
}

func TestReadinessRestartsOnUpdate(t *testing.T) {
	_, c := newSim(t, Options{ReadyAfterPolls: 1})
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	c.getStatus()
	if got := c.getStatus().AvailableReplicas; got != 1 {
		t.Fatalf("not ready after one poll: %d", got)
	}
	c.expect(http.MethodPut, "/system/functions", dep("x"), 202)
	if got := c.getStatus().AvailableReplicas; got != 0 {
		t.Fatalf("ready right after update: %d", got)
	}
	if got := c.getStatus().AvailableReplicas; got != 1 {
		t.Fatalf("not ready after update poll: %d", got)
	}
}

func TestAvailableReplicasOmittedWhenZero(t *testing.T) {
	_, c := newSim(t, Options{ReadyAfterPolls: -1})
	c.do(http.MethodPost, "/system/functions", dep("x"))
	m := c.get("x")
	if _, ok := m["availableReplicas"]; ok {
		t.Errorf("availableReplicas 0 should be omitted (omitempty in faas-provider): %v", m)
	}
	if m["replicas"] != float64(1) {
		t.Errorf("replicas %v", m["replicas"])
	}
}

func TestUpdate(t *testing.T) {
	t.Run("missing is 404", func(t *testing.T) {
		for _, b := range []Backend{FaasNetes, Faasd} {
			_, c := newSim(t, Options{Backend: b})
			c.expect(http.MethodPut, "/system/functions", dep("nope"), 404)
		}
	})
	t.Run("netes full replace with uid", func(t *testing.T) {
		s, c := newSim(t, Options{})
		first := with(with(dep("x"), "labels", map[string]string{"a": "1", "b": "2"}), "annotations", map[string]string{"topic": "t"})
		c.expect(http.MethodPost, "/system/functions", first, 202)
		created := c.getStatus()
		if _, ok := created.Labels["uid"]; ok {
			t.Fatalf("uid label before any update: %v", created.Labels)
		}
		second := with(dep("x"), "labels", map[string]string{"b": "3"})
		second["image"] = "ghcr.io/acme/x:2.0"
		c.expect(http.MethodPut, "/system/functions", second, 202)
		st := c.getStatus()
		uid1 := st.Labels["uid"]
		if uid1 == "" {
			t.Fatalf("no uid label after update: %v", st.Labels)
		}
		wantLabels := map[string]string{"faas_function": "x", "uid": uid1, "b": "3"}
		if !reflect.DeepEqual(st.Labels, wantLabels) {
			t.Errorf("labels %v, want %v (replace, not merge)", st.Labels, wantLabels)
		}
		if !reflect.DeepEqual(st.Annotations, map[string]string{"prometheus.io.scrape": "false"}) {
			t.Errorf("annotations %v: the old topic should be gone", st.Annotations)
		}
		if st.Image != "ghcr.io/acme/x:2.0" || !st.CreatedAt.Equal(created.CreatedAt) {
			t.Errorf("image %q createdAt %v (was %v)", st.Image, st.CreatedAt, created.CreatedAt)
		}
		fn, _ := s.GetFunction("", "x")
		if !reflect.DeepEqual(fn.Labels, map[string]string{"b": "3"}) {
			t.Errorf("stored labels %v should be as deployed", fn.Labels)
		}
		c.expect(http.MethodPut, "/system/functions", second, 202)
		if uid2 := c.getStatus().Labels["uid"]; uid2 == uid1 {
			// Random numbers below 1e9 collide with negligible probability.
			t.Errorf("uid did not change on a second update: %s", uid2)
		}
	})
	t.Run("netes update keeps replicas without min label", func(t *testing.T) {
		_, c := newSim(t, Options{})
		c.expect(http.MethodPost, "/system/functions", with(dep("x"), "labels", map[string]string{"com.openfaas.scale.min": "3"}), 202)
		c.expect(http.MethodPut, "/system/functions", dep("x"), 202)
		if got := c.getStatus().Replicas; got != 3 {
			t.Errorf("replicas %d, want 3", got)
		}
		c.expect(http.MethodPut, "/system/functions", with(dep("x"), "labels", map[string]string{"com.openfaas.scale.min": "2"}), 202)
		if got := c.getStatus().Replicas; got != 2 {
			t.Errorf("replicas %d, want 2", got)
		}
	})
	t.Run("netes invalid label on update is an empty 200 and no change", func(t *testing.T) {
		_, c := newSim(t, Options{})
		c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
		r := c.expect(http.MethodPut, "/system/functions", with(dep("x"), "labels", map[string]string{"k": "bad value"}), 200)
		if len(r.body) != 0 {
			t.Errorf("body %q", r.body)
		}
		if _, ok := c.getStatus().Labels["k"]; ok {
			t.Errorf("update applied")
		}
	})
	t.Run("faasd 200 replace", func(t *testing.T) {
		_, c := newSim(t, Options{Backend: Faasd})
		c.expect(http.MethodPost, "/system/functions", with(dep("x"), "envVars", map[string]string{"A": "1"}), 200)
		c.expect(http.MethodPut, "/system/functions", with(dep("x"), "envVars", map[string]string{"B": "2"}), 200)
		st := c.getStatus()
		if !reflect.DeepEqual(st.EnvVars, map[string]string{"B": "2"}) {
			t.Errorf("envVars %v", st.EnvVars)
		}
		if _, ok := st.Labels["uid"]; ok {
			t.Errorf("faasd injects no uid")
		}
	})
	t.Run("validation applies", func(t *testing.T) {
		_, c := newSim(t, Options{})
		c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
		c.expect(http.MethodPut, "/system/functions", with(dep("x"), "labels", map[string]string{"com.openfaas.scale.type": "rps"}), 400)
		c.expect(http.MethodPut, "/system/functions", with(dep("x"), "image", ""), 400)
	})
}

func TestDelete(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		path    string
		body    any
		status  int
		message string
	}{
		{"netes body namespace", Options{}, "/system/functions", map[string]string{"functionName": "x", "namespace": "openfaas-fn"}, 202, ""},
		{"netes query namespace", Options{}, "/system/functions?namespace=openfaas-fn", map[string]string{"functionName": "x"}, 202, ""},
		{"netes no namespace", Options{}, "/system/functions", map[string]string{"functionName": "x"}, 202, ""},
		{"faasd body namespace", Options{Backend: Faasd}, "/system/functions", map[string]string{"functionName": "x", "namespace": "openfaas-fn"}, 200, ""},
		{"faasd query namespace", Options{Backend: Faasd}, "/system/functions?namespace=openfaas-fn", map[string]string{"functionName": "x"}, 200, ""},
		{"netes missing", Options{}, "/system/functions", map[string]string{"functionName": "nope"}, 404, `deployments.apps "nope" not found`},
		{"faasd missing", Options{Backend: Faasd}, "/system/functions", map[string]string{"functionName": "nope"}, 404, "function nope.openfaas-fn not found"},
		{"netes wrong namespace", Options{}, "/system/functions?namespace=other", map[string]string{"functionName": "x"}, 400, "namespace must be: openfaas-fn"},
		{"no function name", Options{}, "/system/functions", map[string]string{}, 400, "functionName"},
		{"pro namespaced via query", Options{Edition: Pro, ExtraNamespaces: []string{"team"}}, "/system/functions?namespace=team", map[string]string{"functionName": "y"}, 202, ""},
		{"pro namespaced via body", Options{Edition: Pro, ExtraNamespaces: []string{"team"}}, "/system/functions", map[string]string{"functionName": "y", "namespace": "team"}, 202, ""},
		{"netes query wins over body", Options{Edition: Pro, ExtraNamespaces: []string{"team"}}, "/system/functions?namespace=team", map[string]string{"functionName": "y", "namespace": "openfaas-fn"}, 202, ""},
		{"faasd body wins over query", Options{Backend: Faasd, Edition: Pro, ExtraNamespaces: []string{"team"}}, "/system/functions?namespace=openfaas-fn", map[string]string{"functionName": "y", "namespace": "team"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newSim(t, tt.opts)
			s.PutFunction(Function{Service: "x", Image: "img"})
			if tt.opts.Edition == Pro {
				s.PutFunction(Function{Service: "y", Namespace: "team", Image: "img"})
			}
			r := c.expect(http.MethodDelete, tt.path, tt.body, tt.status)
			if !strings.Contains(r.text(), tt.message) {
				t.Errorf("body %q, want %q", r.text(), tt.message)
			}
			if tt.status < 300 {
				for _, k := range []key{{"openfaas-fn", "x"}, {"team", "y"}} {
					if b, ok := tt.body.(map[string]string); ok && b["functionName"] == k.name {
						if _, exists := s.GetFunction(k.ns, k.name); exists {
							t.Errorf("%v still stored", k)
						}
					}
				}
			}
		})
	}
}

func TestDeleteAfterPolls(t *testing.T) {
	s, c := newSim(t, Options{DeleteAfterPolls: 2})
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)
	c.expect(http.MethodDelete, "/system/functions", map[string]string{"functionName": "x"}, 202)
	c.expect(http.MethodGet, "/system/function/x", nil, 200)
	// A duplicate create while the Deployment is terminating still collides.
	c.expect(http.MethodPost, "/system/functions", dep("x"), 500)
	// A second delete of a terminating Deployment is accepted.
	c.expect(http.MethodDelete, "/system/functions", map[string]string{"functionName": "x"}, 202)
	var list []functionStatus
	_ = json.Unmarshal(c.expect(http.MethodGet, "/system/functions", nil, 200).body, &list)
	if len(list) != 1 {
		t.Fatalf("second read should still list it: %v", list)
	}
	r := c.expect(http.MethodGet, "/system/function/x", nil, 404)
	if len(r.body) != 0 {
		t.Errorf("faas-netes 404 body %q, want empty", r.body)
	}
	if _, ok := s.GetFunction("", "x"); ok {
		t.Error("still stored")
	}
	c.expect(http.MethodPost, "/system/functions", dep("x"), 202)

	// faasd deletes synchronously whatever DeleteAfterPolls says.
	_, d := newSim(t, Options{Backend: Faasd, DeleteAfterPolls: 3})
	d.expect(http.MethodPost, "/system/functions", dep("x"), 200)
	d.expect(http.MethodDelete, "/system/functions", map[string]string{"functionName": "x"}, 200)
	d.expect(http.MethodGet, "/system/function/x", nil, 404)
}

func TestNetesReadView(t *testing.T) {
	_, c := newSim(t, Options{})
	body := map[string]any{
		"service": "x", "image": "img", "envProcess": "./handler",
		"envVars":                map[string]string{"MODE": "prod"},
		"constraints":            []string{"node=a"},
		"readOnlyRootFilesystem": true,
		"labels":                 map[string]string{"team": "a"},
		"annotations":            map[string]string{"topic": "cron-function"},
		"limits":                 map[string]string{"cpu": "0.1"},
		"requests":               map[string]string{"memory": "128Mi", "cpu": "0.5"},
	}
	c.expect(http.MethodPost, "/system/functions", body, 202)
	m := c.get("x")
	for _, absent := range []string{"envVars", "constraints", "readOnlyRootFilesystem", "service", "invocationCount"} {
		if _, ok := m[absent]; ok {
			t.Errorf("faas-netes should not return %q: %v", absent, m)
		}
	}
	st := c.getStatus()
	wantLabels := map[string]string{"faas_function": "x", "team": "a"}
	if !reflect.DeepEqual(st.Labels, wantLabels) {
		t.Errorf("labels %v, want %v", st.Labels, wantLabels)
	}
	wantAnn := map[string]string{"topic": "cron-function", "prometheus.io.scrape": "false"}
	if !reflect.DeepEqual(st.Annotations, wantAnn) {
		t.Errorf("annotations %v, want %v", st.Annotations, wantAnn)
	}
	if st.Name != "x" || st.EnvProcess != "./handler" || st.Namespace != "openfaas-fn" || st.CreatedAt.IsZero() {
		t.Errorf("status %+v", st)
	}
	if want := (&FunctionResources{Memory: "0", CPU: "100m"}); !reflect.DeepEqual(st.Limits, want) {
		t.Errorf("limits %+v, want %+v", st.Limits, want)
	}
	if want := (&FunctionResources{Memory: "128Mi", CPU: "500m"}); !reflect.DeepEqual(st.Requests, want) {
		t.Errorf("requests %+v, want %+v", st.Requests, want)
	}
}

func TestNetesScrapeAnnotationKeptWhenSet(t *testing.T) {
	_, c := newSim(t, Options{})
	c.expect(http.MethodPost, "/system/functions", with(dep("x"), "annotations", map[string]string{"prometheus.io.scrape": "true"}), 202)
	if got := c.getStatus().Annotations["prometheus.io.scrape"]; got != "true" {
		t.Errorf("scrape %q", got)
	}
}

func TestQuantityNormalisation(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"0.1", "100m"}, {"100m", "100m"}, {"1", "1"}, {"1000m", "1"}, {"128Mi", "128Mi"},
		{"134217728", "134217728"}, {"1Gi", "1Gi"}, {"1024Mi", "1Gi"}, {"0.5Gi", "512Mi"}, {"100M", "100M"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, c := newSim(t, Options{})
			c.expect(http.MethodPost, "/system/functions", with(dep("x"), "limits", map[string]string{"memory": tt.in, "cpu": tt.in}), 202)
			st := c.getStatus()
			if st.Limits.Memory != tt.want || st.Limits.CPU != tt.want {
				t.Errorf("limits %+v, want %q", st.Limits, tt.want)
			}
		})
	}
}

func TestFaasdReadView(t *testing.T) {
	_, c := newSim(t, Options{Backend: Faasd})
	body := map[string]any{
		"service": "x", "image": "img", "envProcess": "python index.py",
		"envVars":                map[string]string{"MODE": "prod", "PATH": "/usr/bin", "fprocess": "other"},
		"constraints":            []string{"node=a"},
		"readOnlyRootFilesystem": true,
		"labels":                 map[string]string{"team": "a", "com.openfaas.scale.min": "3"},
		"annotations":            map[string]string{"topic": "cron-function"},
		"limits":                 map[string]string{"memory": "128Mi", "cpu": "0.5"},
		"requests":               map[string]string{"memory": "64Mi"},
	}
	c.expect(http.MethodPost, "/system/functions", body, 200)
	m := c.get("x")
	for _, absent := range []string{"requests", "constraints", "readOnlyRootFilesystem"} {
		if _, ok := m[absent]; ok {
			t.Errorf("faasd should not return %q: %v", absent, m)
		}
	}
	st := c.getStatus()
	if !reflect.DeepEqual(st.EnvVars, map[string]string{"MODE": "prod"}) {
		t.Errorf("envVars %v, want MODE only (no PATH, no fprocess)", st.EnvVars)
	}
	if !reflect.DeepEqual(st.Labels, map[string]string{"team": "a", "com.openfaas.scale.min": "3"}) {
		t.Errorf("labels %v (no injected keys on faasd)", st.Labels)
	}
	if !reflect.DeepEqual(st.Annotations, map[string]string{"topic": "cron-function"}) {
		t.Errorf("annotations %v", st.Annotations)
	}
	if want := (&FunctionResources{Memory: "128Mi"}); !reflect.DeepEqual(st.Limits, want) {
		t.Errorf("limits %+v, want memory only", st.Limits)
	}
	if st.Replicas != 1 || st.AvailableReplicas != 1 || st.EnvProcess != "python index.py" {
		t.Errorf("status %+v", st)
	}
}

func TestReplicasFromLabels(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		labels map[string]string
		want   uint64
	}{
		{"default", Options{}, nil, 1},
		{"min 3", Options{}, map[string]string{"com.openfaas.scale.min": "3"}, 3},
		{"min 0 means default", Options{}, map[string]string{"com.openfaas.scale.min": "0"}, 1},
		{"garbage min", Options{}, map[string]string{"com.openfaas.scale.min": "two"}, 1},
		{"pro scale to zero", Options{Edition: Pro}, map[string]string{"com.openfaas.scale.min": "0", "com.openfaas.scale.zero": "true"}, 0},
		{"pro min 10", Options{Edition: Pro}, map[string]string{"com.openfaas.scale.min": "10"}, 10},
		{"faasd one container", Options{Backend: Faasd}, map[string]string{"com.openfaas.scale.min": "3"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newSim(t, tt.opts)
			b := dep("x")
			if tt.labels != nil {
				b["labels"] = tt.labels
			}
			c.do(http.MethodPost, "/system/functions", b)
			st := c.getStatus()
			if st.Replicas != tt.want || st.AvailableReplicas != tt.want {
				t.Errorf("replicas %d/%d, want %d", st.Replicas, st.AvailableReplicas, tt.want)
			}
		})
	}
}

func TestGetFunctionNamespaces(t *testing.T) {
	s, c := newSim(t, Options{})
	s.PutFunction(Function{Service: "x", Image: "img"})
	c.expect(http.MethodGet, "/system/function/x?namespace=openfaas-fn", nil, 200)
	r := c.expect(http.MethodGet, "/system/function/x?namespace=kube-system", nil, 400)
	if !strings.Contains(r.text(), "namespace must be: openfaas-fn") {
		t.Errorf("body %q", r.text())
	}
	c.expect(http.MethodGet, "/system/functions?namespace=kube-system", nil, 400)
	c.expect(http.MethodGet, "/system/function/nope", nil, 404)

	_, p := newSim(t, Options{Edition: Pro, ExtraNamespaces: []string{"team"}})
	p.expect(http.MethodGet, "/system/functions?namespace=team", nil, 200)
	p.expect(http.MethodGet, "/system/function/x?namespace=team", nil, 404)
	p.expect(http.MethodGet, "/system/function/x?namespace=ghost", nil, 400)
}

func TestListSortedWithInvocationCount(t *testing.T) {
	s, c := newSim(t, Options{})
	for _, n := range []string{"b", "c", "a"} {
		s.PutFunction(Function{Service: n, Image: "img"})
	}
	c.expect(http.MethodPost, "/function/b", "hi", 200)
	var list []map[string]any
	_ = json.Unmarshal(c.expect(http.MethodGet, "/system/functions", nil, 200).body, &list)
	var names []string
	for _, f := range list {
		name, _ := f["name"].(string)
		names = append(names, name)
	}
	if !reflect.DeepEqual(names, []string{"a", "b", "c"}) {
		t.Fatalf("names %v", names)
	}
	if list[1]["invocationCount"] != float64(1) {
		t.Errorf("invocationCount %v", list[1]["invocationCount"])
	}
	if _, ok := c.get("b")["invocationCount"]; ok {
		t.Errorf("GET one should not carry invocationCount")
	}
	// An empty namespace lists as [], not null.
	s.DeleteFunction("", "a")
	s.DeleteFunction("", "b")
	s.DeleteFunction("", "c")
	if got := strings.TrimSpace(c.expect(http.MethodGet, "/system/functions", nil, 200).text()); got != "[]" {
		t.Errorf("empty list %q", got)
	}
}

func TestInfoAndNamespaces(t *testing.T) {
	tests := []struct {
		opts     Options
		provider string
		orch     string
		release  string
		ns       []string
	}{
		{Options{}, "faas-netes-ce", "kubernetes", "0.18.10", []string{"openfaas-fn"}},
		{Options{Backend: Faasd}, "faasd-ce", "containerd", "0.19.6", []string{"openfaas-fn"}},
		{Options{Edition: Pro, ExtraNamespaces: []string{"a", "b"}, Version: "1.2.3"}, "faas-netes", "kubernetes", "1.2.3", []string{"openfaas-fn", "a", "b"}},
		{Options{Backend: Faasd, Edition: Pro}, "faasd", "containerd", "0.19.6", []string{"openfaas-fn"}},
		{Options{ExtraNamespaces: []string{"ignored-in-ce"}}, "faas-netes-ce", "kubernetes", "0.18.10", []string{"openfaas-fn"}},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			_, c := newSim(t, tt.opts)
			var info gatewayInfo
			if err := json.Unmarshal(c.expect(http.MethodGet, "/system/info", nil, 200).body, &info); err != nil {
				t.Fatal(err)
			}
			if info.Provider.Provider != tt.provider || info.Provider.Orchestration != tt.orch ||
				info.Provider.Version.Release != tt.release || info.Arch != "x86_64" || info.Version.Release == "" {
				t.Errorf("info %+v", info)
			}
			var ns []string
			_ = json.Unmarshal(c.expect(http.MethodGet, "/system/namespaces", nil, 200).body, &ns)
			if !reflect.DeepEqual(ns, tt.ns) {
				t.Errorf("namespaces %v, want %v", ns, tt.ns)
			}
		})
	}
}

func TestNamespaceEndpoint(t *testing.T) {
	_, c := newSim(t, Options{})
	c.expect(http.MethodGet, "/system/namespace/openfaas-fn", nil, 501)
	_, p := newSim(t, Options{Edition: Pro, ExtraNamespaces: []string{"team"}})
	p.expect(http.MethodGet, "/system/namespace/team", nil, 200)
	p.expect(http.MethodGet, "/system/namespace/ghost", nil, 404)
}

func TestSecrets(t *testing.T) {
	// The answers that differ: faas-netes refuses duplicates, missing secrets and
	// invalid names; faasd writes files (see secretsHTTP).
	type answers struct {
		ok, duplicate, badName, traversal, otherNS, putMissing, deleteMissing int
		list                                                                  []secretDescription
	}
	for b, want := range map[Backend]answers{
		FaasNetes: {ok: 202, duplicate: 409, badName: 422, traversal: 422, otherNS: 400, putMissing: 404, deleteMissing: 404,
			list: []secretDescription{{"api-key", "openfaas-fn"}, {"bin", "openfaas-fn"}}},
		Faasd: {ok: 200, duplicate: 200, badName: 200, traversal: 400, otherNS: 200, putMissing: 200, deleteMissing: 500,
			list: []secretDescription{{"Bad_Name", "openfaas-fn"}, {"api-key", "openfaas-fn"}, {"bin", "openfaas-fn"}}},
	} {
		t.Run(string(b), func(t *testing.T) {
			s, c := newSim(t, Options{Backend: b})
			c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": "api-key", "value": "v1"}, want.ok)
			r := c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": "api-key", "value": "v2"}, want.duplicate)
			if strings.Contains(r.text(), "v2") {
				t.Errorf("secret value echoed: %q", r.text())
			}
			wantValue := "v1"
			if want.duplicate == want.ok {
				wantValue = "v2" // overwritten
			}
			if v, _ := s.SecretValue("", "api-key"); v != wantValue {
				t.Errorf("value %q after a duplicate create, want %q", v, wantValue)
			}
			c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": ""}, 400)
			c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": "Bad_Name"}, want.badName)
			c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": "../etc"}, want.traversal)
			c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": "x", "namespace": "other"}, want.otherNS)
			// rawValue is base64 of "raw".
			c.expect(http.MethodPost, "/system/secrets", map[string]string{"name": "bin", "rawValue": "cmF3"}, want.ok)
			if v, _ := s.SecretValue("", "bin"); v != "raw" {
				t.Errorf("rawValue decoded to %q", v)
			}
			r = c.expect(http.MethodGet, "/system/secrets", nil, 200)
			if strings.Contains(r.text(), "v1") || strings.Contains(r.text(), "value") {
				t.Errorf("list leaks values: %s", r.body)
			}
			var list []secretDescription
			_ = json.Unmarshal(r.body, &list)
			if !reflect.DeepEqual(list, want.list) {
				t.Errorf("list %v, want %v", list, want.list)
			}
			c.expect(http.MethodPut, "/system/secrets", map[string]string{"name": "api-key", "value": "v3"}, want.ok)
			if v, _ := s.SecretValue("", "api-key"); v != "v3" {
				t.Errorf("value %q after PUT", v)
			}
			c.expect(http.MethodPut, "/system/secrets", map[string]string{"name": "nope", "value": "v"}, want.putMissing)
			c.expect(http.MethodDelete, "/system/secrets", map[string]string{"name": "api-key"}, want.ok)
			r = c.expect(http.MethodDelete, "/system/secrets", map[string]string{"name": "api-key"}, want.deleteMissing)
			if b == Faasd && !strings.Contains(r.text(), "no such file or directory") {
				t.Errorf("faasd's answer to deleting a missing secret: %q", r.text())
			}
			if _, exists := s.SecretValue("", "api-key"); exists {
				t.Error("secret still stored")
			}
			for _, q := range s.Requests() {
				if strings.Contains(string(q.Body), "v1") || strings.Contains(string(q.Body), "v3") || strings.Contains(string(q.Body), "cmF3") {
					t.Errorf("request log holds a secret value: %s", q.Body)
				}
			}
		})
	}
}

func TestScale(t *testing.T) {
	tests := []struct {
		name   string
		opts   Options
		req    map[string]any
		status int
		want   uint64
	}{
		{"netes ce 3", Options{}, map[string]any{"serviceName": "x", "replicas": 3}, 202, 3},
		{"netes ce clamps to 5", Options{}, map[string]any{"serviceName": "x", "replicas": 9}, 202, 5},
		{"netes ce zero rejected", Options{}, map[string]any{"serviceName": "x", "replicas": 0}, 400, 1},
		{"netes pro zero", Options{Edition: Pro}, map[string]any{"serviceName": "x", "replicas": 0}, 202, 0},
		{"netes pro 9", Options{Edition: Pro}, map[string]any{"serviceName": "x", "replicas": 9}, 202, 9},
		{"faasd zero rejected", Options{Backend: Faasd}, map[string]any{"serviceName": "x", "replicas": 0}, 400, 1},
		{"faasd stays one", Options{Backend: Faasd}, map[string]any{"serviceName": "x", "replicas": 3}, 200, 1},
		{"negative is bad json", Options{}, map[string]any{"serviceName": "x", "replicas": -1}, 400, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newSim(t, tt.opts)
			s.PutFunction(Function{Service: "x", Image: "img"})
			c.expect(http.MethodPost, "/system/scale-function/x", tt.req, tt.status)
			st := c.getStatus()
			if st.Replicas != tt.want || st.AvailableReplicas != tt.want {
				t.Errorf("replicas %d/%d, want %d", st.Replicas, st.AvailableReplicas, tt.want)
			}
		})
	}
	_, c := newSim(t, Options{})
	c.expect(http.MethodPost, "/system/scale-function/nope", map[string]any{"serviceName": "nope", "replicas": 1}, 404)
}

func TestInvoke(t *testing.T) {
	s, c := newSim(t, Options{Edition: Pro, ExtraNamespaces: []string{"team"}, ReadyAfterPolls: 1})
	c.auth = false
	s.PutFunction(Function{Service: "echo", Image: "img"})
	s.PutFunction(Function{Service: "other", Namespace: "team", Image: "img"})
	r := c.expect(http.MethodPost, "/function/echo", "hello", 200)
	if r.text() != "hello" {
		t.Errorf("echo %q", r.text())
	}
	c.expect(http.MethodGet, "/function/other.team/sub/path?x=1", nil, 200)
	c.expect(http.MethodGet, "/function/other", nil, 404)
	c.expect(http.MethodGet, "/function/ghost", nil, 404)
	c.expect(http.MethodPost, "/async-function/echo", "x", 202)
	c.expect(http.MethodGet, "/async-function/echo", nil, 405)

	s.SetNotReady("", "echo")
	r = c.expect(http.MethodPost, "/function/echo", "x", 503)
	if !strings.Contains(r.text(), "No endpoints available for: echo.") {
		t.Errorf("body %q", r.text())
	}
}

// TestCEPublicImages: faas-netes CE checks every image with an anonymous registry
// request (pkg/handlers/validate.go): a deploy of an image it cannot reach gets 400
// with its message, an update an empty 200 that changes nothing (pkg/handlers/update.go).
// faasd and Pro do not check; without PublicImages every image is public.
func TestCEPublicImages(t *testing.T) {
	public := []string{"127.0.0.1:5000/", "ghcr.io/openfaas/"}
	s, c := newSim(t, Options{PublicImages: public})
	r := c.expect(http.MethodPost, "/system/functions", with(dep("priv"), "image", "registry.example.com/private/app:1"), 400)
	if strings.TrimSpace(r.text()) != "the Community Edition license agreement only allows public images" {
		t.Errorf("body %q", r.text())
	}
	if _, ok := s.GetFunction("openfaas-fn", "priv"); ok {
		t.Fatal("a refused image was deployed")
	}
	c.expect(http.MethodPost, "/system/functions", with(dep("pub"), "image", "127.0.0.1:5000/fn/echo:1"), 202)
	r = c.expect(http.MethodPut, "/system/functions", with(dep("pub"), "image", "registry.example.com/private/app:2"), 200)
	if len(r.body) != 0 {
		t.Errorf("update body %q, want empty", r.text())
	}
	if fn, _ := s.GetFunction("openfaas-fn", "pub"); fn.Image != "127.0.0.1:5000/fn/echo:1" {
		t.Fatalf("a refused update changed the image to %q", fn.Image)
	}
	c.expect(http.MethodPut, "/system/functions", with(dep("pub"), "image", "ghcr.io/openfaas/figlet:latest"), 202)
	// An update of a missing function is still a 404: the Deployment is read first.
	c.expect(http.MethodPut, "/system/functions", with(dep("nope"), "image", "registry.example.com/private/app:2"), 404)

	for _, opts := range []Options{{}, {Edition: Pro, PublicImages: public}, {Backend: Faasd, PublicImages: public}} {
		_, c := newSim(t, opts)
		want := http.StatusAccepted
		if opts.Backend == Faasd {
			want = http.StatusOK
		}
		c.expect(http.MethodPost, "/system/functions", with(dep("any"), "image", "registry.example.com/private/app:1"), want)
	}
}
