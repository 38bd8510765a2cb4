package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/openfaassim"
)

// parityTarget is a gateway that the parity test talks to over HTTP.
type parityTarget struct {
	url, user, password, namespace string
	// image is deployable; missingImage is on no registry the gateway can read.
	image, imageAlt, missingImage string
}

// TestFaasNetesCEParity sends one sequence of raw gateway requests, whose answers were
// observed on the real faas-netes Community Edition behind the real gateway (see
// TESTBED.md), to the simulator and, in real-gateway mode with a CE gateway, to the real
// one: the simulator's claims about faas-netes CE are tested against the real server.
func TestFaasNetesCEParity(t *testing.T) {
	t.Run("simulator", func(t *testing.T) {
		sim := openfaassim.New(openfaassim.Options{Username: "admin", Password: "pw", Spec: OpenFaaSSpec(t), PublicImages: []string{"registry.test/"}})
		url := sim.Start()
		t.Cleanup(sim.Close)
		Enforce(t, sim)
		runParity(t, parityTarget{url: url, user: "admin", password: "pw", namespace: "openfaas-fn",
			image: "registry.test/openfaas/alpine:latest", imageAlt: "registry.test/openfaas/figlet:latest",
			missingImage: "private.registry.test/nope/nope:1"})
	})
	t.Run("real", func(t *testing.T) {
		url := os.Getenv("FAAS_TEST_OPENFAAS_URL")
		reg := os.Getenv("FAAS_TESTBED_REGISTRY")
		if url == "" || reg == "" {
			t.Skip("needs the real faas-netes CE on the testbed (FAAS_TEST_OPENFAAS_URL and FAAS_TESTBED_REGISTRY: scripts/testacc-openfaas-real.sh)")
		}
		runParity(t, parityTarget{url: url, user: os.Getenv("FAAS_TEST_OPENFAAS_USERNAME"), password: os.Getenv("FAAS_TEST_OPENFAAS_PASSWORD"),
			namespace: "openfaas-fn", image: reg + "/openfaas/alpine:latest", imageAlt: reg + "/openfaas/figlet:latest",
			missingImage: reg + "/nope/nope:1"})
	})
}

func runParity(t *testing.T, g parityTarget) {
	name := fmt.Sprintf("tfacc-parity-%d", time.Now().UnixNano()%100000)
	secret := name + "-s"
	do := func(method, path string, body any) (int, string) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, g.url+path, r)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(g.user, g.password)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	expect := func(what string, code int, body string, wantCode int, wantBody string) {
		t.Helper()
		if code != wantCode || !strings.Contains(body, wantBody) {
			t.Errorf("%s: got %d %q; the real faas-netes CE answers %d with %q", what, code, body, wantCode, wantBody)
		}
	}
	readFn := func() (int, map[string]any) {
		code, body := do(http.MethodGet, "/system/function/"+name, nil)
		var fn map[string]any
		_ = json.Unmarshal([]byte(body), &fn)
		return code, fn
	}
	t.Cleanup(func() {
		do(http.MethodDelete, "/system/functions", map[string]string{"functionName": name})
		do(http.MethodDelete, "/system/secrets", map[string]string{"name": secret})
	})

	code, body := do(http.MethodGet, "/system/info", nil)
	expect("info", code, body, 200, `"provider":"faas-netes-ce"`)
	code, body = do(http.MethodGet, "/system/namespaces", nil)
	expect("namespaces", code, body, 200, `["openfaas-fn"]`)

	// Creates.
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": name, "image": g.image,
		"envVars": map[string]string{"K": "v"}, "labels": map[string]string{"x": "y"},
		"limits": map[string]string{"memory": "64Mi"}, "readOnlyRootFilesystem": true})
	expect("create", code, body, 202, "")
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": name, "image": g.image})
	expect("duplicate create", code, body, 500, "already exists")
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": name + "-b", "namespace": "other", "image": g.image})
	expect("create in another namespace", code, body, 400, "namespace must be: openfaas-fn")
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": name + "-b", "image": g.image, "secrets": []string{name + "-missing"}})
	expect("create with a missing secret", code, body, 400, "unable to fetch secrets")
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": name + "-b", "image": g.missingImage})
	expect("create with an image CE cannot read anonymously", code, body, 400, "the Community Edition license agreement only allows public images")
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": name + "-b", "image": g.image, "labels": map[string]string{"com.openfaas.scale.target": "5"}})
	expect("create with a Pro scaling label", code, body, 400, "com.openfaas.scale.target not available for Community Edition")
	code, body = do(http.MethodPost, "/system/functions", map[string]any{"service": "Bad_Name", "image": g.image})
	expect("create with an invalid name", code, body, 400, "must be a valid DNS entry")

	// Reads: what faas-netes returns and what it injects.
	var fn map[string]any
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		if code, fn = readFn(); code == 200 && fn["availableReplicas"] != nil {
			break
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("the function did not become available: %d %v", code, fn)
		}
	}
	for _, field := range []string{"envVars", "readOnlyRootFilesystem", "constraints"} {
		if _, ok := fn[field]; ok {
			t.Errorf("read returned %s; faas-netes does not", field)
		}
	}
	if l, _ := fn["labels"].(map[string]any); l["faas_function"] != name || l["x"] != "y" {
		t.Errorf("labels %v; faas-netes injects faas_function=<name> beside the deployed ones", fn["labels"])
	}
	if a, _ := fn["annotations"].(map[string]any); a["prometheus.io.scrape"] != "false" {
		t.Errorf("annotations %v; faas-netes injects prometheus.io.scrape=false", fn["annotations"])
	}
	if l, _ := fn["limits"].(map[string]any); l["memory"] != "64Mi" || l["cpu"] != "0" {
		t.Errorf("limits %v; faas-netes returns the unset half as \"0\"", fn["limits"])
	}

	// Updates: 202 when applied, a uid label added, limits gone when none were sent.
	update := map[string]any{"service": name, "image": g.imageAlt, "labels": map[string]string{"x": "z"}}
	for i := 0; ; i++ {
		// A conflict with the Deployment controller is answered 200 and dropped.
		if code, body = do(http.MethodPut, "/system/functions", update); code != 200 || i == 5 {
			break
		}
	}
	expect("update", code, body, 202, "")
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		if _, fn = readFn(); fn["image"] == g.imageAlt || time.Since(start) > 10*time.Second {
			break
		}
	}
	if l, _ := fn["labels"].(map[string]any); l["x"] != "z" || l["uid"] == nil {
		t.Errorf("labels after an update %v; faas-netes adds a uid label on every update", fn["labels"])
	}
	if _, ok := fn["limits"]; ok {
		t.Errorf("limits after an update without them: %v; faas-netes omits them", fn["limits"])
	}
	code, body = do(http.MethodPut, "/system/functions", map[string]any{"service": name, "image": g.missingImage})
	expect("update with an image CE cannot read anonymously", code, body, 200, "")
	if strings.TrimSpace(body) != "" {
		t.Errorf("a refused update answered %q; faas-netes answers an empty body", body)
	}
	if _, fn = readFn(); fn["image"] != g.imageAlt {
		t.Errorf("a refused update changed the image to %v", fn["image"])
	}
	code, body = do(http.MethodPut, "/system/functions", map[string]any{"service": name + "-missing", "image": g.image})
	expect("update of a missing function", code, body, 404, "not found")
	code, body = do(http.MethodGet, "/system/function/"+name+"-missing", nil)
	expect("read of a missing function", code, body, 404, "")

	// Deletes.
	code, body = do(http.MethodDelete, "/system/functions", map[string]string{"functionName": name})
	expect("delete", code, body, 202, "")
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		if code, _ = readFn(); code == 404 {
			break
		}
		if time.Since(start) > time.Minute {
			t.Fatalf("the deleted function is still read: %d", code)
		}
	}
	code, body = do(http.MethodDelete, "/system/functions", map[string]string{"functionName": name})
	expect("delete of a missing function", code, body, 404, "not found")

	// Secrets.
	code, body = do(http.MethodPost, "/system/secrets", map[string]string{"name": secret, "value": "v"})
	expect("secret create", code, body, 202, "")
	code, body = do(http.MethodPost, "/system/secrets", map[string]string{"name": secret, "value": "v"})
	expect("secret duplicate create", code, body, 409, "")
	code, body = do(http.MethodPut, "/system/secrets", map[string]string{"name": secret, "value": "w"})
	expect("secret update", code, body, 202, "")
	code, body = do(http.MethodPut, "/system/secrets", map[string]string{"name": secret + "-missing", "value": "w"})
	expect("update of a missing secret", code, body, 404, "")
	code, body = do(http.MethodPost, "/system/secrets", map[string]string{"name": secret + "-o", "value": "v", "namespace": "other"})
	expect("secret in another namespace", code, body, 400, "")
	code, body = do(http.MethodPost, "/system/secrets", map[string]string{"name": "Bad_Name", "value": "v"})
	expect("secret with an invalid name", code, body, 422, "")
	code, body = do(http.MethodDelete, "/system/secrets", map[string]string{"name": secret})
	expect("secret delete", code, body, 202, "")
	code, body = do(http.MethodDelete, "/system/secrets", map[string]string{"name": secret})
	expect("delete of a missing secret", code, body, 404, "")
}
