package k8ssim

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/restmapper"
)

func TestDiscoveryAndRESTMapping(t *testing.T) {
	s, _ := newSim(t, Options{})
	dc, err := discovery.NewDiscoveryClientForConfig(restConfig(s))
	if err != nil {
		t.Fatal(err)
	}
	v, err := dc.ServerVersion()
	if err != nil || v.GitVersion != DefaultKubernetesVersion {
		t.Fatalf("version %+v, %v", v, err)
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDiscoveryRESTMapper(groups)
	cases := []struct {
		gk         schema.GroupKind
		want       schema.GroupVersionResource
		namespaced bool
	}{
		{schema.GroupKind{Group: "serving.knative.dev", Kind: "Service"}, ServicesGVR, true},
		{schema.GroupKind{Group: "serving.knative.dev", Kind: "DomainMapping"}, DomainMappingsGVR, true},
		{schema.GroupKind{Group: "networking.internal.knative.dev", Kind: "ClusterDomainClaim"}, ClusterDomainClaimsGVR, false},
		{schema.GroupKind{Group: "sources.knative.dev", Kind: "PingSource"}, PingSourcesGVR, true},
		{schema.GroupKind{Group: "eventing.knative.dev", Kind: "Trigger"}, TriggersGVR, true},
		{schema.GroupKind{Group: "eventing.knative.dev", Kind: "Broker"}, BrokersGVR, true},
		{schema.GroupKind{Kind: "Secret"}, SecretsGVR, true},
		{schema.GroupKind{Kind: "Namespace"}, NamespacesGVR, false},
	}
	for _, c := range cases {
		m, err := mapper.RESTMapping(c.gk)
		if err != nil {
			t.Errorf("%s: %v", c.gk, err)
			continue
		}
		if m.Resource != c.want || (m.Scope.Name() == "namespace") != c.namespaced {
			t.Errorf("%s: got %s scope %s", c.gk, m.Resource, m.Scope.Name())
		}
	}
	// Short names resolve like kubectl's.
	if gvr, err := mapper.ResourceFor(schema.GroupVersionResource{Resource: "ksvc"}); err == nil {
		t.Logf("ksvc resolves to %s", gvr)
	}
	// An unknown group version is 404.
	if code, _, _ := do(t, s, http.MethodGet, "/apis/serving.knative.dev/v9", "", nil); code != http.StatusNotFound {
		t.Errorf("unknown group version: %d", code)
	}
}

// sample returns a minimal valid object of each served resource.
func samples() map[schema.GroupVersionResource]*unstructured.Unstructured {
	return map[schema.GroupVersionResource]*unstructured.Unstructured{
		ServicesGVR: ksvc("hello", "ghcr.io/acme/hello:1"),
		DomainMappingsGVR: {Object: map[string]any{"apiVersion": "serving.knative.dev/v1beta1", "kind": "DomainMapping",
			"metadata": map[string]any{"name": "hello.example.org", "labels": map[string]any{"team": "a"}},
			"spec":     map[string]any{"ref": map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "hello"}}}},
		ClusterDomainClaimsGVR: {Object: map[string]any{"apiVersion": "networking.internal.knative.dev/v1alpha1", "kind": "ClusterDomainClaim",
			"metadata": map[string]any{"name": "hello.example.org", "labels": map[string]any{"team": "a"}},
			"spec":     map[string]any{"namespace": "default"}}},
		PingSourcesGVR: {Object: map[string]any{"apiVersion": "sources.knative.dev/v1", "kind": "PingSource",
			"metadata": map[string]any{"name": "every-minute", "labels": map[string]any{"team": "a"}},
			"spec": map[string]any{"schedule": "*/5 * * * *", "timezone": "Europe/Paris", "data": `{"x":1}`, "contentType": "application/json",
				"sink": map[string]any{"ref": map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "hello"}}}}},
		TriggersGVR: {Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Trigger",
			"metadata": map[string]any{"name": "orders", "labels": map[string]any{"team": "a"}},
			"spec": map[string]any{"broker": "default", "filter": map[string]any{"attributes": map[string]any{"type": "orders.created"}},
				"subscriber": map[string]any{"ref": map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "hello"}}}}},
		BrokersGVR: {Object: map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker",
			"metadata": map[string]any{"name": "default", "labels": map[string]any{"team": "a"}}}},
		SecretsGVR: {Object: map[string]any{"apiVersion": "v1", "kind": "Secret",
			"metadata":   map[string]any{"name": "api-key", "labels": map[string]any{"team": "a"}},
			"stringData": map[string]any{"api-key": "s3cr3t-value"}}},
		NamespacesGVR: {Object: map[string]any{"apiVersion": "v1", "kind": "Namespace",
			"metadata": map[string]any{"name": "team-a", "labels": map[string]any{"team": "a"}}}},
	}
}

func TestCRUDEveryResource(t *testing.T) {
	for gvr, obj := range samples() {
		t.Run(gvr.Resource, func(t *testing.T) {
			s, dc := newSim(t, Options{})
			ctx := context.Background()
			res := resourceFor(gvr)
			var ri interface {
				Create(context.Context, *unstructured.Unstructured, metav1.CreateOptions, ...string) (*unstructured.Unstructured, error)
				Get(context.Context, string, metav1.GetOptions, ...string) (*unstructured.Unstructured, error)
				List(context.Context, metav1.ListOptions) (*unstructured.UnstructuredList, error)
				Update(context.Context, *unstructured.Unstructured, metav1.UpdateOptions, ...string) (*unstructured.Unstructured, error)
				Patch(context.Context, string, types.PatchType, []byte, metav1.PatchOptions, ...string) (*unstructured.Unstructured, error)
				Delete(context.Context, string, metav1.DeleteOptions, ...string) error
			}
			if res.namespaced {
				ri = dc.Resource(gvr).Namespace("default")
			} else {
				ri = dc.Resource(gvr)
			}
			name := obj.GetName()
			created, err := ri.Create(ctx, obj.DeepCopy(), metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			if created.GetUID() == "" || created.GetResourceVersion() == "" || created.GetCreationTimestamp().Time.IsZero() {
				t.Fatalf("server metadata missing: %+v", created.Object["metadata"])
			}
			if res.crd && created.GetGeneration() != 1 {
				t.Errorf("generation %d, want 1", created.GetGeneration())
			}
			if _, err := ri.Create(ctx, obj.DeepCopy(), metav1.CreateOptions{}); !apierrors.IsAlreadyExists(err) {
				t.Errorf("duplicate create: %v, want AlreadyExists", err)
			}
			got, err := ri.Get(ctx, name, metav1.GetOptions{})
			if err != nil || got.GetUID() != created.GetUID() {
				t.Fatalf("get: %v", err)
			}
			if _, err := ri.Get(ctx, "missing", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("get missing: %v, want NotFound", err)
			}
			for sel, want := range map[string]int{"team=a": 1, "team=b": 0, "team in (a,b)": 1, "!team": 0} {
				list, err := ri.List(ctx, metav1.ListOptions{LabelSelector: sel})
				if err != nil {
					t.Fatalf("list %q: %v", sel, err)
				}
				n := 0
				for _, it := range list.Items {
					if it.GetName() == name {
						n++
					}
				}
				if n != want {
					t.Errorf("list %q: %d of %s, want %d", sel, n, name, want)
				}
			}
			// Update with the current resourceVersion, then a stale one.
			got, _ = ri.Get(ctx, name, metav1.GetOptions{})
			stale := got.DeepCopy()
			labels := got.GetLabels()
			labels["updated"] = "yes"
			got.SetLabels(labels)
			updated, err := ri.Update(ctx, got, metav1.UpdateOptions{})
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if updated.GetResourceVersion() == stale.GetResourceVersion() {
				t.Errorf("update did not move the resourceVersion")
			}
			if updated.GetGeneration() != stale.GetGeneration() {
				t.Errorf("a metadata-only update bumped generation %d -> %d", stale.GetGeneration(), updated.GetGeneration())
			}
			stale.SetLabels(map[string]string{"team": "a", "stale": "yes"})
			if _, err := ri.Update(ctx, stale, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
				t.Errorf("stale update: %v, want Conflict", err)
			}
			// Merge patch, JSON patch.
			p, err := ri.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"annotations":{"m":"1"}}}`), metav1.PatchOptions{})
			if err != nil || p.GetAnnotations()["m"] != "1" {
				t.Fatalf("merge patch: %v", err)
			}
			p, err = ri.Patch(ctx, name, types.JSONPatchType, []byte(`[{"op":"add","path":"/metadata/labels/j","value":"2"}]`), metav1.PatchOptions{})
			if err != nil || p.GetLabels()["j"] != "2" {
				t.Fatalf("json patch: %v", err)
			}
			if _, err := ri.Patch(ctx, name, types.StrategicMergePatchType, []byte(`{}`), metav1.PatchOptions{}); !apierrors.IsUnsupportedMediaType(err) {
				t.Errorf("strategic merge patch: %v, want 415", err)
			}
			// A merge patch that carries a stale resourceVersion is a conflict.
			if _, err := ri.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"resourceVersion":"1","labels":{"x":"y"}}}`), metav1.PatchOptions{}); !apierrors.IsConflict(err) {
				t.Errorf("patch with a stale resourceVersion: %v, want Conflict", err)
			}
			if err := ri.Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := ri.Get(ctx, name, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("get after delete: %v, want NotFound", err)
			}
			if err := ri.Delete(ctx, name, metav1.DeleteOptions{}); !apierrors.IsNotFound(err) {
				t.Errorf("second delete: %v, want NotFound", err)
			}
			if _, ok := s.Get(gvr, "default", name); ok {
				t.Errorf("still stored after delete")
			}
		})
	}
}

func TestUpdateRulesAndGeneration(t *testing.T) {
	_, dc := newSim(t, Options{})
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	svc, err := ri.Create(ctx, ksvc("gen", "img:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A custom resource cannot be updated without a resourceVersion.
	noRV := svc.DeepCopy()
	noRV.SetResourceVersion("")
	if _, err := ri.Update(ctx, noRV, metav1.UpdateOptions{}); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "must be specified for an update") {
		t.Errorf("update without resourceVersion: %v", err)
	}
	// A no-op update does not move the resourceVersion.
	same, err := ri.Update(ctx, svc.DeepCopy(), metav1.UpdateOptions{})
	if err != nil || same.GetResourceVersion() != svc.GetResourceVersion() {
		t.Errorf("no-op update: rv %s -> %s, %v", svc.GetResourceVersion(), same.GetResourceVersion(), err)
	}
	// A spec change bumps generation; a status write does not.
	if err := setImage(svc, "img:2"); err != nil {
		t.Fatal(err)
	}
	svc2, err := ri.Update(ctx, svc, metav1.UpdateOptions{})
	if err != nil || svc2.GetGeneration() != 2 {
		t.Fatalf("spec update: generation %d, %v", svc2.GetGeneration(), err)
	}
	_ = unstructured.SetNestedField(svc2.Object, "hand-written", "status", "url")
	svc3, err := ri.UpdateStatus(ctx, svc2, metav1.UpdateOptions{})
	if err != nil || svc3.GetGeneration() != 2 || svc3.GetResourceVersion() == svc2.GetResourceVersion() {
		t.Fatalf("status update: generation %d rv %s, %v", svc3.GetGeneration(), svc3.GetResourceVersion(), err)
	}
	if u, _, _ := unstructured.NestedString(svc3.Object, "status", "url"); u != "hand-written" {
		t.Errorf("status subresource did not write status: %q", u)
	}
	// The main resource ignores status.
	_ = unstructured.SetNestedField(svc3.Object, "ignored", "status", "url")
	svc4, err := ri.Update(ctx, svc3, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u, _, _ := unstructured.NestedString(svc4.Object, "status", "url"); u != "hand-written" {
		t.Errorf("main resource wrote status: %q", u)
	}
	// Creating with a resourceVersion, in a missing namespace, or with a mismatched
	// namespace is refused.
	withRV := ksvc("rv", "img:1")
	withRV.SetResourceVersion("7")
	if _, err := ri.Create(ctx, withRV, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("create with resourceVersion: %v", err)
	}
	if _, err := dc.Resource(ServicesGVR).Namespace("nope").Create(ctx, ksvc("x", "img:1"), metav1.CreateOptions{}); !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), `namespaces "nope" not found`) {
		t.Errorf("create in a missing namespace: %v", err)
	}
	other := ksvc("y", "img:1")
	other.SetNamespace("kube-system")
	if _, err := ri.Create(ctx, other, metav1.CreateOptions{}); !apierrors.IsBadRequest(err) {
		t.Errorf("namespace mismatch: %v", err)
	}
	// Dry run validates without storing.
	if _, err := ri.Create(ctx, ksvc("dry", "img:1"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ri.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("dry run stored the object: %v", err)
	}
	// generateName.
	gen := ksvc("", "img:1")
	gen.SetGenerateName("gen-")
	g, err := ri.Create(ctx, gen, metav1.CreateOptions{})
	if err != nil || !strings.HasPrefix(g.GetName(), "gen-") || len(g.GetName()) != 9 {
		t.Errorf("generateName: %v %v", g, err)
	}
}

func TestSecrets(t *testing.T) {
	s, dc := newSim(t, Options{})
	ctx := context.Background()
	ri := dc.Resource(SecretsGVR).Namespace("default")
	sec := samples()[SecretsGVR]
	created, err := ri.Create(ctx, sec, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, _, _ := unstructured.NestedStringMap(created.Object, "data")
	if data["api-key"] != base64.StdEncoding.EncodeToString([]byte("s3cr3t-value")) {
		t.Errorf("stringData not moved into data: %v", created.Object)
	}
	if _, ok := created.Object["stringData"]; ok {
		t.Errorf("stringData returned")
	}
	if typ, _, _ := unstructured.NestedString(created.Object, "type"); typ != "Opaque" {
		t.Errorf("type %q", typ)
	}
	// Unconditional update (no resourceVersion) is allowed for core kinds.
	created.SetResourceVersion("")
	_ = unstructured.SetNestedStringMap(created.Object, map[string]string{"api-key": "bmV3"}, "data")
	if _, err := ri.Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Errorf("unconditional secret update: %v", err)
	}
	bad := sec.DeepCopy()
	bad.SetName("bad")
	delete(bad.Object, "stringData")
	_ = unstructured.SetNestedStringMap(bad.Object, map[string]string{"a b": "eA=="}, "data")
	if _, err := ri.Create(ctx, bad, metav1.CreateOptions{}); !apierrors.IsInvalid(err) {
		t.Errorf("invalid data key: %v", err)
	}
	notB64 := sec.DeepCopy()
	notB64.SetName("notb64")
	delete(notB64.Object, "stringData")
	_ = unstructured.SetNestedStringMap(notB64.Object, map[string]string{"k": "%%%"}, "data")
	if _, err := ri.Create(ctx, notB64, metav1.CreateOptions{}); err == nil {
		t.Errorf("non-base64 data accepted")
	}
	// The request log never holds secret values.
	for _, r := range s.Requests() {
		if strings.Contains(string(r.Body), "s3cr3t-value") || strings.Contains(string(r.Body), "bmV3") {
			t.Errorf("secret value in the request log: %s %s %s", r.Method, r.Path, r.Body)
		}
	}
}

func TestGarbageCollectionAndNamespaceDeletion(t *testing.T) {
	s, dc := newSim(t, Options{Namespaces: []string{"default", "team"}})
	ctx := context.Background()
	owner, err := dc.Resource(ServicesGVR).Namespace("default").Create(ctx, ksvc("owner", "img:1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dep := samples()[PingSourcesGVR]
	dep.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "serving.knative.dev/v1", Kind: "Service", Name: "owner", UID: owner.GetUID()}})
	if _, err := dc.Resource(PingSourcesGVR).Namespace("default").Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	free := samples()[TriggersGVR]
	if _, err := dc.Resource(TriggersGVR).Namespace("default").Create(ctx, free, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := dc.Resource(ServicesGVR).Namespace("default").Delete(ctx, "owner", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(PingSourcesGVR, "default", dep.GetName()); ok {
		t.Errorf("the dependant survived its owner")
	}
	if _, ok := s.Get(TriggersGVR, "default", free.GetName()); !ok {
		t.Errorf("an unrelated object was collected")
	}
	// Deleting a namespace deletes what is in it.
	if _, err := dc.Resource(ServicesGVR).Namespace("team").Create(ctx, ksvc("in-team", "img:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := dc.Resource(NamespacesGVR).Delete(ctx, "team", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Get(ServicesGVR, "team", "in-team"); ok {
		t.Errorf("namespace deletion left objects behind")
	}
	// Delete preconditions.
	if _, err := dc.Resource(TriggersGVR).Namespace("default").Get(ctx, free.GetName(), metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	wrongUID := types.UID("nope")
	err = dc.Resource(TriggersGVR).Namespace("default").Delete(ctx, free.GetName(), metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &wrongUID}})
	if !apierrors.IsConflict(err) {
		t.Errorf("delete with a wrong uid precondition: %v", err)
	}
}

func TestDeleteAfterPolls(t *testing.T) {
	s, dc := newSim(t, Options{DeleteAfterPolls: 2})
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	if _, err := ri.Create(ctx, ksvc("slow", "img:1"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if code, _, body := do(t, s, http.MethodDelete, "/apis/serving.knative.dev/v1/namespaces/default/services/slow", "", nil); code != http.StatusAccepted {
		t.Fatalf("delete with finalizers pending: %d %v", code, body)
	}
	for i := 0; i < 2; i++ {
		got, err := ri.Get(ctx, "slow", metav1.GetOptions{})
		if err != nil || got.GetDeletionTimestamp() == nil {
			t.Fatalf("read %d while deleting: %v", i, err)
		}
	}
	if _, err := ri.Get(ctx, "slow", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("after the finalizers: %v", err)
	}
}

func TestAuthentication(t *testing.T) {
	s, _ := newSim(t, Options{})
	cases := []struct {
		path, auth string
		want       int
	}{
		{"/apis", "", http.StatusUnauthorized},
		{"/apis", "Bearer wrong", http.StatusUnauthorized},
		{"/apis", "Basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), http.StatusUnauthorized},
		{"/apis", "Bearer " + testToken, http.StatusOK},
		{"/version", "", http.StatusOK},
		{"/version", "Bearer wrong", http.StatusUnauthorized},
		{"/api/v1/namespaces/default/secrets", "", http.StatusUnauthorized},
	}
	for _, c := range cases {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL()+c.path, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s with %q: %d, want %d", c.path, c.auth, resp.StatusCode, c.want)
		}
	}
}

func TestSchemaValidationAndPruning(t *testing.T) {
	s, dc := newSim(t, Options{})
	if !s.SchemaValidation() {
		t.Skip("the Knative CRDs are not beside the module, so schema validation is off (with CI=true the simulator refuses to start instead)")
	}
	ctx := context.Background()
	ri := dc.Resource(ServicesGVR).Namespace("default")
	cases := []struct {
		name   string
		mutate func(u *unstructured.Unstructured)
		opts   metav1.CreateOptions
		check  func(err error) bool
		want   string
	}{
		{"wrong type", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "soon", "spec", "template", "spec", "timeoutSeconds")
		}, metav1.CreateOptions{}, apierrors.IsInvalid, "timeoutSeconds"},
		{"missing containers", func(u *unstructured.Unstructured) {
			unstructured.RemoveNestedField(u.Object, "spec", "template", "spec", "containers")
		}, metav1.CreateOptions{}, apierrors.IsInvalid, "containers"},
		{"env without name", func(u *unstructured.Unstructured) {
			c := map[string]any{"image": "img:1", "env": []any{map[string]any{"value": "x"}}}
			_ = unstructured.SetNestedSlice(u.Object, []any{c}, "spec", "template", "spec", "containers")
		}, metav1.CreateOptions{}, apierrors.IsInvalid, "name"},
		{"unknown field strict", func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, "x", "spec", "bogus")
		}, metav1.CreateOptions{FieldValidation: "Strict"}, apierrors.IsBadRequest, `unknown field "spec.bogus"`},
		{"bad name", func(u *unstructured.Unstructured) { u.SetName("Not_A_Name") }, metav1.CreateOptions{}, apierrors.IsInvalid, "metadata.name"},
	}
	for _, c := range cases {
		u := ksvc("schema", "img:1")
		c.mutate(u)
		_, err := ri.Create(ctx, u, c.opts)
		if err == nil || !c.check(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error mentioning %q", c.name, err, c.want)
		}
	}
	// Without Strict, unknown fields are pruned with a warning header.
	u := ksvc("pruned", "img:1")
	_ = unstructured.SetNestedField(u.Object, "x", "spec", "bogus")
	code, hdr, body := do(t, s, http.MethodPost, "/apis/serving.knative.dev/v1/namespaces/default/services", "application/json", u.Object)
	if code != http.StatusCreated || !strings.Contains(hdr.Get("Warning"), "spec.bogus") {
		t.Fatalf("create with an unknown field: %d %q", code, hdr.Get("Warning"))
	}
	if spec, _ := body["spec"].(map[string]any); spec["bogus"] != nil {
		t.Errorf("unknown field not pruned")
	}
	// Schema defaults apply (imagePullSecrets[].name defaults to "").
	u = ksvc("defaults", "img:1")
	_ = unstructured.SetNestedSlice(u.Object, []any{map[string]any{}}, "spec", "template", "spec", "imagePullSecrets")
	got, err := ri.Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ips, _, _ := unstructured.NestedSlice(got.Object, "spec", "template", "spec", "imagePullSecrets")
	if first, ok := ips[0].(map[string]any); len(ips) != 1 || !ok || first["name"] != "" {
		t.Errorf("schema default not applied: %v", ips)
	}
}

func TestMissingSpecs(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CI", "true")
	if _, err := Open(Options{SpecsDir: dir}); err == nil {
		t.Fatal("CI=true with missing specs must fail")
	}
	t.Setenv("CI", "")
	var logged string
	s, err := Open(Options{SpecsDir: dir, Logf: func(f string, a ...any) { logged = f }})
	if err != nil {
		t.Fatal(err)
	}
	if s.SchemaValidation() || !strings.Contains(logged, "WITHOUT schema validation") {
		t.Errorf("missing specs outside CI: validation %v, logged %q", s.SchemaValidation(), logged)
	}
	if _, err := Open(Options{SpecsDir: dir, RequireSpecs: true}); err == nil {
		t.Error("RequireSpecs with missing specs must fail")
	}
	t.Setenv(SpecsDirEnv, dir)
	if _, err := FindSpecsDir(); err == nil {
		t.Errorf("FindSpecsDir accepted %s, which has no CRDs", dir)
	}
	t.Setenv(SpecsDirEnv, "")
	if d, err := FindSpecsDir(); err == nil && !strings.HasSuffix(d, "specs/knative") {
		t.Errorf("FindSpecsDir: %q", d)
	} else if err != nil {
		t.Logf("the Knative CRDs are not beside the module: %v", err)
	}
}
