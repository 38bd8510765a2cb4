package knative

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/util/retry"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Shared plumbing of the child objects the driver manages as objects of their own
// (PingSource, Trigger, DomainMapping; FACTS.md sections 5 and 6): create with a token
// so that an ambiguous create is resolved by reading back, read-modify-write updates
// retried on 409 Conflict, readiness from the Ready condition, and deletes that wait
// until the object is gone.

var (
	pingSourcesGVR         = schema.GroupVersionResource{Group: "sources.knative.dev", Version: "v1", Resource: "pingsources"}
	triggersGVR            = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "triggers"}
	brokersGVR             = schema.GroupVersionResource{Group: "eventing.knative.dev", Version: "v1", Resource: "brokers"}
	domainMappingsGVR      = schema.GroupVersionResource{Group: "serving.knative.dev", Version: "v1beta1", Resource: "domainmappings"}
	clusterDomainClaimsGVR = schema.GroupVersionResource{Group: "networking.internal.knative.dev", Version: "v1alpha1", Resource: "clusterdomainclaims"}
)

// CreateTokenAnnotation, on the child objects and the Secrets the driver creates, holds
// the random token of the create that made them, so that a create whose answer was lost
// is recognised when read back, and only then (platform.CreateOnce).
const CreateTokenAnnotation = "faasform.dev/create-token"

// serviceRef is the KReference to a function's Service, as sinks, subscribers and
// DomainMapping refs carry it (the namespace is written so that the webhook's defaulting
// changes nothing).
func serviceRef(fn platform.FunctionID) map[string]any {
	return map[string]any{"apiVersion": servicesGVR.GroupVersion().String(), "kind": "Service", "name": fn.Name, "namespace": fn.Namespace}
}

// refFunction maps a KReference back to the function it names; false when it does not
// name a Knative Service.
func refFunction(ref map[string]any, defaultNS string) (platform.FunctionID, bool) {
	if ref == nil {
		return platform.FunctionID{}, false
	}
	api, _ := ref["apiVersion"].(string)
	kind, _ := ref["kind"].(string)
	name, _ := ref["name"].(string)
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns = defaultNS
	}
	if kind != "Service" || api != servicesGVR.GroupVersion().String() || name == "" {
		return platform.FunctionID{}, false
	}
	return platform.FunctionID{Namespace: ns, Name: name}, true
}

// childKind describes one kind of child object.
type childKind struct {
	gvr  schema.GroupVersionResource
	kind string
	// what names the object in messages, such as "PingSource".
	what string
}

var (
	pingSourceKind    = childKind{gvr: pingSourcesGVR, kind: "PingSource", what: "PingSource"}
	eventTriggerKind  = childKind{gvr: triggersGVR, kind: "Trigger", what: "Trigger"}
	domainMappingKind = childKind{gvr: domainMappingsGVR, kind: "DomainMapping", what: "DomainMapping"}
)

// client is the objects of a kind in a namespace (cluster-scoped when ns is empty); its
// writes invalidate this run's cache (cache.go).
func (d *Driver) client(gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" {
		return invalidatingResource{ResourceInterface: d.dyn.Resource(gvr), d: d, gvr: gvr}
	}
	return invalidatingResource{ResourceInterface: d.dyn.Resource(gvr).Namespace(ns), d: d, gvr: gvr, ns: ns}
}

// servedCache remembers which API resources the cluster serves.
type servedCache struct {
	mu sync.Mutex
	m  map[schema.GroupVersionResource]bool
}

// served reports whether the API server serves gvr (discovery, cached per driver).
func (d *Driver) served(ctx context.Context, gvr schema.GroupVersionResource) (bool, error) {
	d.servedMu.mu.Lock()
	defer d.servedMu.mu.Unlock()
	if v, ok := d.servedMu.m[gvr]; ok {
		return v, nil
	}
	gvPath := "/apis/" + gvr.GroupVersion().String()
	raw, err := d.disco.RESTClient().Get().AbsPath(gvPath).Do(ctx).Raw()
	found := false
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return false, fmt.Errorf("discovering %s at %s: %w", gvr.GroupVersion(), d.endpoint, d.apiError(http.MethodGet, gvPath, err))
	default:
		var list metav1.APIResourceList
		if jerr := json.Unmarshal(raw, &list); jerr == nil {
			for _, r := range list.APIResources {
				found = found || r.Name == gvr.Resource
			}
		}
	}
	if d.servedMu.m == nil {
		d.servedMu.m = map[schema.GroupVersionResource]bool{}
	}
	d.servedMu.m[gvr] = found
	return found, nil
}

// createChild POSTs obj (which must carry a fresh CreateTokenAnnotation) through the
// rule every driver shares (platform.CreateOnce): an object read back after an
// ambiguous create is adopted only when it carries this create's token; any other is
// reported by exists (which must wrap platform.ErrConflict).
func (d *Driver) createChild(ctx context.Context, k childKind, obj *unstructured.Unstructured, exists func() error) error {
	token := obj.GetAnnotations()[CreateTokenAnnotation]
	_, err := d.createOnce(ctx, k.gvr, obj, func(u *unstructured.Unstructured) bool {
		return token != "" && u.GetAnnotations()[CreateTokenAnnotation] == token
	}, func(error) error { return exists() })
	return err
}

// modifyChild is a read-modify-write of a child object retried on 409 Conflict; nothing
// is written when mutate changes nothing.
func (d *Driver) modifyChild(ctx context.Context, k childKind, ns, name string, mutate func(obj map[string]any) error) error {
	method := http.MethodGet
	err := retry.OnError(conflictBackoff, func(err error) bool { return apierrors.IsConflict(err) && ctx.Err() == nil }, func() error {
		method = http.MethodGet
		cur, err := d.client(k.gvr, ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		next := cur.DeepCopy()
		if err := mutate(next.Object); err != nil {
			method = ""
			return err
		}
		if reflect.DeepEqual(cur.Object, next.Object) {
			return nil
		}
		method = http.MethodPut
		_, err = d.client(k.gvr, ns).Update(ctx, next, metav1.UpdateOptions{FieldValidation: metav1.FieldValidationStrict})
		return err
	})
	if err != nil && method != "" {
		err = d.apiError(method, itemPath(k.gvr, ns, name), err)
	}
	return err
}

// deleteChild deletes a child object (not found is success) and waits until it is gone.
func (d *Driver) deleteChild(ctx context.Context, k childKind, ns, name string) error {
	path := itemPath(k.gvr, ns, name)
	err := d.client(k.gvr, ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting %s %s/%s: %w", k.what, ns, name, d.apiError(http.MethodDelete, path, err))
	}
	return d.waitGone(ctx, fmt.Sprintf("%s %s/%s", k.what, ns, name), path, func(ctx context.Context) error {
		_, err := d.client(k.gvr, ns).Get(ctx, name, metav1.GetOptions{})
		return err
	})
}

// childReadiness is the readiness of a child object: its Ready condition True for the
// current generation (observedGeneration == generation), with the reason and message of
// the condition that holds it back otherwise.
func childReadiness(u *unstructured.Unstructured) (bool, string) {
	gen := u.GetGeneration()
	obs, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	var ready map[string]any
	var blocking []string
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if cm == nil {
			continue
		}
		if cm["type"] == "Ready" {
			ready = cm
			continue
		}
		if st, _ := cm["status"].(string); st == "False" {
			blocking = append(blocking, condText(cm))
		}
	}
	if gen != 0 && obs < gen {
		return false, fmt.Sprintf("the controller has not observed generation %d yet (observedGeneration %d)", gen, obs)
	}
	if ready == nil {
		return false, "no Ready condition reported yet"
	}
	if st, _ := ready["status"].(string); st == "True" {
		return true, ""
	}
	why := condText(ready)
	if len(blocking) > 0 && !strings.Contains(why, blocking[0]) {
		why += " (" + strings.Join(blocking, "; ") + ")"
	}
	return false, why
}

func condText(c map[string]any) string {
	typ, _ := c["type"].(string)
	st, _ := c["status"].(string)
	reason, _ := c["reason"].(string)
	msg, _ := c["message"].(string)
	s := typ + "=" + st
	if reason != "" {
		s += " " + reason
	}
	if msg != "" {
		s += ": " + msg
	}
	return s
}

// waitChildReady polls a child object until it is Ready and returns the last read. A
// condition that is False does not end the wait (a Broker or a ClusterDomainClaim may be
// created meanwhile); a wait that runs out of time returns a *platform.TimeoutError
// with the last reason.
func (d *Driver) waitChildReady(ctx context.Context, k childKind, ns, name string) (*unstructured.Unstructured, error) {
	var last *unstructured.Unstructured
	path := itemPath(k.gvr, ns, name)
	what := fmt.Sprintf("%s %s/%s", k.what, ns, name)
	// The caller has just written the object: one no longer returned was deleted.
	presence := platform.NewPresence(what, "ready", true)
	err := platform.WaitFor(ctx, what, platform.ConditionReady, d.pollBackoff, func(ctx context.Context) (bool, string, error) {
		u, err := d.client(k.gvr, ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			status, err := presence.Missing()
			return false, status, err
		}
		if err != nil {
			return d.pollError(http.MethodGet, path, err)
		}
		presence.Found()
		last = u
		ok, why := childReadiness(u)
		return ok, why, nil
	})
	return last, err
}

// NotReadyChildError reports a child object that was written but did not become ready
// in time. The object exists: the provider keeps it in the state (tainted).
type NotReadyChildError struct {
	// What names the object, such as "PingSource default/hello-cron".
	What string
	// Err is the wait's error, usually a *platform.TimeoutError.
	Err error
	// Hint explains the last status and how to fix it, when the driver knows more.
	Hint string
}

// Error implements error.
func (e *NotReadyChildError) Error() string {
	s := fmt.Sprintf("%s was written but is not ready: %v", e.What, e.Err)
	if e.Hint != "" {
		s += ". " + e.Hint
	}
	return s
}

// Unwrap returns the wait's error.
func (e *NotReadyChildError) Unwrap() error { return e.Err }

func splitNamespaced(id, what, form string) (string, string, error) {
	ns, name, ok := strings.Cut(id, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("%q is not a Knative %s id: expected %q: %w", id, what, form, platform.ErrInvalidID)
	}
	return ns, name, nil
}
