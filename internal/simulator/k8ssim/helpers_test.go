package k8ssim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

const testToken = "sim-test-token-123"

// newSim starts a simulator with bearer auth and returns it with a dynamic client.
func newSim(t *testing.T, opts Options) (*Server, dynamic.Interface) {
	t.Helper()
	opts.Token = testToken
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(s.Close)
	dc, err := dynamic.NewForConfig(restConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	return s, dc
}

func restConfig(s *Server) *rest.Config {
	return &rest.Config{Host: s.URL(), BearerToken: testToken, WarningHandler: rest.NoWarnings{}, QPS: 1000, Burst: 1000}
}

// do sends a raw request with the test token and returns status, headers and body.
func do(t *testing.T, s *Server, method, path, contentType string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, resp.Header, out
}

func ksvc(name, image string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "serving.knative.dev/v1", "kind": "Service",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"team": "a"}},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"image": image}},
		}}},
	}}
}

func withTemplateAnnotations(u *unstructured.Unstructured, anns map[string]any) *unstructured.Unstructured {
	_ = unstructured.SetNestedMap(u.Object, anns, "spec", "template", "metadata", "annotations")
	return u
}

func condition(u *unstructured.Unstructured, typ string) (status, reason, message string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm["type"] == typ {
			status, _ = cm["status"].(string)
			reason, _ = cm["reason"].(string)
			message, _ = cm["message"].(string)
		}
	}
	return
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

type ksvcObj = unstructured.Unstructured

func setImage(u *unstructured.Unstructured, image string) error {
	containers, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if err != nil {
		return err
	}
	c, ok := containers[0].(map[string]any)
	if !ok {
		return errors.New("container is not an object")
	}
	c["image"] = image
	return unstructured.SetNestedSlice(u.Object, containers, "spec", "template", "spec", "containers")
}

// at returns the value at path, where a path element is a map key or, for a slice,
// an index like "0"; nil when absent.
func at(v any, path ...string) any {
	for _, p := range path {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(cur) {
				return nil
			}
			v = cur[i]
		default:
			return nil
		}
	}
	return v
}
