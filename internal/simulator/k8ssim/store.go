package k8ssim

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// objKey identifies a stored object.
type objKey struct {
	res       *resource
	namespace string
	name      string
}

// entry is one stored object and the simulated controller's state for it.
type entry struct {
	obj map[string]any
	ctl controllerState
}

// controllerState is what the simulated Knative controllers remember about an object.
type controllerState struct {
	// polls counts the GETs since the object was created or its spec last changed.
	polls int
	// readyAfter and stale are Options.ReadyAfterPolls and StaleStatusPolls as they
	// were at the last spec change (SetReadyAfterPolls overrides readyAfter).
	readyAfter, stale int
	// prevStatus is the status as of the last spec change, shown while stale.
	prevStatus map[string]any
	// failure makes the current generation fail (Services).
	failure *Failure
	// override is a condition set out of band; it holds until the next spec change.
	override *Condition
	// revisions counts template changes (Services): a revision the template does not
	// name is <name>-<revisions as %05d>.
	revisions int
	// revisionNames are the Service's revisions, oldest first; the last is
	// status.latestCreatedRevisionName.
	revisionNames []string
	// lastReadyRevision is the latest revision that became ready.
	lastReadyRevision string
	// deleting marks a deletion in progress; deleteReads GETs still see the object.
	deleting    bool
	deleteReads int
}

// writeOptions are the query parameters of a write.
type writeOptions struct {
	dryRun          bool
	fieldValidation string // "Strict", "Warn" (default) or "Ignore"
}

func parseWriteOptions(r *http.Request) writeOptions {
	q := r.URL.Query()
	return writeOptions{dryRun: q.Get("dryRun") == "All", fieldValidation: q.Get("fieldValidation")}
}

func (s *Server) nextRVLocked() string {
	s.rv++
	return strconv.FormatInt(s.rv, 10)
}

func nowString(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// putNamespaceLocked creates a namespace object at start.
func (s *Server) putNamespaceLocked(name string, now time.Time) {
	obj := map[string]any{
		"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": name, "uid": string(uuid.NewUUID()), "creationTimestamp": nowString(now),
			"resourceVersion": s.nextRVLocked(), "labels": map[string]any{"kubernetes.io/metadata.name": name}},
		"spec":   map[string]any{"finalizers": []any{"kubernetes"}},
		"status": map[string]any{"phase": "Active"},
	}
	s.objects[objKey{res: resourceFor(NamespacesGVR), name: name}] = &entry{obj: obj}
}

func (s *Server) namespaceExistsLocked(ns string) bool {
	e, ok := s.objects[objKey{res: resourceFor(NamespacesGVR), name: ns}]
	return ok && !e.ctl.deleting
}

func meta(obj map[string]any) map[string]any {
	m, ok := obj["metadata"].(map[string]any)
	if !ok {
		m = map[string]any{}
		obj["metadata"] = m
	}
	return m
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

// specOf is everything but metadata and status: a change to it bumps generation
// (customResourceStrategy.PrepareForUpdate).
func specOf(obj map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range obj {
		if k != "metadata" && k != "status" && k != "apiVersion" && k != "kind" {
			out[k] = v
		}
	}
	return out
}

// decodeObject decodes a JSON request body the way the API server does for
// unstructured objects: integral numbers become int64.
func decodeObject(body []byte) (map[string]any, error) {
	if len(body) == 0 {
		return nil, apierrors.NewBadRequest("the request body is empty")
	}
	obj, _, err := unstructured.UnstructuredJSONScheme.Decode(body, nil, nil)
	if err != nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the body of the request could not be decoded: %v", err))
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return nil, apierrors.NewBadRequest("the body of the request is a list, not an object")
	}
	return u.Object, nil
}

// checkTypeMeta verifies apiVersion and kind against the resource.
func checkTypeMeta(res *resource, obj map[string]any) error {
	if av := str(obj, "apiVersion"); av != res.apiVersion() {
		return apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", av, res.apiVersion()))
	}
	if k := str(obj, "kind"); k != res.kind {
		return apierrors.NewBadRequest(fmt.Sprintf("the kind in the data (%s) does not match the expected kind (%s)", k, res.kind))
	}
	return nil
}

// prune applies structural pruning and defaulting, honouring fieldValidation.
func (s *Server) prune(res *resource, obj map[string]any, opts writeOptions) ([]string, error) {
	var sch *crdSchema
	if s.schemas != nil {
		sch = s.schemas[res]
	}
	var unknown []string
	if sch != nil {
		unknown = pruneAndDefault(obj, sch.schema)
	} else {
		unknown = pruneAndDefault(obj, nil)
	}
	if len(unknown) == 0 || opts.fieldValidation == "Ignore" {
		return nil, nil
	}
	if opts.fieldValidation == "Strict" {
		msgs := make([]string, len(unknown))
		for i, u := range unknown {
			msgs[i] = fmt.Sprintf("unknown field %q", u)
		}
		return nil, apierrors.NewBadRequest(fmt.Sprintf("%s in version %q cannot be handled as a %s: strict decoding error: %s",
			res.kind, res.gvr.Version, res.kind, strings.Join(msgs, ", ")))
	}
	warnings := make([]string, len(unknown))
	for i, u := range unknown {
		warnings[i] = fmt.Sprintf("unknown field %q", u)
	}
	return warnings, nil
}

// validateStored runs the API server's own validation: object metadata, the CRD schema,
// and the rules of the core kinds.
func (s *Server) validateStored(res *resource, obj map[string]any) error {
	var errs field.ErrorList
	var om metav1.ObjectMeta
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(meta(obj), &om); err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid metadata: %v", err))
	}
	nameFn := apivalidation.NameIsDNSSubdomain
	if res.gvr == NamespacesGVR {
		nameFn = apivalidation.ValidateNamespaceName
	}
	errs = append(errs, apivalidation.ValidateObjectMeta(&om, res.namespaced, nameFn, field.NewPath("metadata"))...)
	if s.schemas != nil {
		if sch := s.schemas[res]; sch != nil {
			for _, msg := range sch.validate(obj) {
				errs = append(errs, field.Invalid(field.NewPath(""), "", msg))
			}
		}
	}
	if res.gvr == SecretsGVR {
		errs = append(errs, validateSecret(obj)...)
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(res.groupKind(), om.Name, errs)
	}
	return nil
}

// normalizeSecret moves stringData into data (base64) and defaults the type, as the
// API server's Secret strategy does.
func normalizeSecret(obj map[string]any) {
	if t, _ := obj["type"].(string); t == "" {
		obj["type"] = "Opaque"
	}
	sd, _ := obj["stringData"].(map[string]any)
	if len(sd) > 0 {
		data, _ := obj["data"].(map[string]any)
		if data == nil {
			data = map[string]any{}
		}
		for k, v := range sd {
			vs, _ := v.(string)
			data[k] = base64.StdEncoding.EncodeToString([]byte(vs))
		}
		obj["data"] = data
	}
	delete(obj, "stringData")
}

func validateSecret(obj map[string]any) field.ErrorList {
	var errs field.ErrorList
	total := 0
	data, _ := obj["data"].(map[string]any)
	for k, v := range data {
		p := field.NewPath("data").Key(k)
		for _, msg := range validation.IsConfigMapKey(k) {
			errs = append(errs, field.Invalid(p, k, msg))
		}
		vs, ok := v.(string)
		if !ok {
			errs = append(errs, field.Invalid(p, "<value>", "must be a base64-encoded string"))
			continue
		}
		b, err := base64.StdEncoding.DecodeString(vs)
		if err != nil {
			errs = append(errs, field.Invalid(p, "<value>", "illegal base64 data"))
			continue
		}
		total += len(b)
	}
	if total > 1<<20 {
		errs = append(errs, field.TooLong(field.NewPath("data"), "", 1<<20))
	}
	return errs
}

// randomSuffix is the 5 characters generateName appends.
func randomSuffix() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, 5)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// createLocked runs the create pipeline: decode checks, pruning, server-set metadata,
// the simulated webhooks, validation, then storage. The caller holds s.mu.
func (s *Server) createLocked(res *resource, ns string, obj map[string]any, opts writeOptions) (map[string]any, []string, error) {
	if err := checkTypeMeta(res, obj); err != nil {
		return nil, nil, err
	}
	m := meta(obj)
	if res.namespaced {
		if bns := str(m, "namespace"); bns != "" && bns != ns {
			return nil, nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
		m["namespace"] = ns
		if !s.namespaceExistsLocked(ns) {
			return nil, nil, apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, ns)
		}
	} else {
		delete(m, "namespace")
	}
	if str(m, "name") == "" && str(m, "generateName") != "" {
		m["name"] = str(m, "generateName") + randomSuffix()
	}
	if rv := str(m, "resourceVersion"); rv != "" {
		return nil, nil, apierrors.NewBadRequest("resourceVersion should not be set on objects to be created")
	}
	warnings, err := s.prune(res, obj, opts)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	m = meta(obj)
	m["uid"] = string(uuid.NewUUID())
	m["creationTimestamp"] = nowString(now)
	delete(m, "deletionTimestamp")
	delete(m, "deletionGracePeriodSeconds")
	delete(m, "generation")
	if res.crd {
		m["generation"] = int64(1)
	}
	switch {
	case res.gvr == NamespacesGVR:
		obj["status"] = map[string]any{"phase": "Active"}
		labels, _ := m["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
		}
		labels["kubernetes.io/metadata.name"] = str(m, "name")
		m["labels"] = labels
	case res.gvr == SecretsGVR:
		normalizeSecret(obj)
	case res.status:
		delete(obj, "status")
	}
	if err := s.admitLocked(res, obj, nil); err != nil {
		return nil, nil, err
	}
	name := str(meta(obj), "name")
	k := objKey{res: res, namespace: str(meta(obj), "namespace"), name: name}
	if _, exists := s.objects[k]; exists {
		return nil, nil, apierrors.NewAlreadyExists(res.groupResource(), name)
	}
	if opts.dryRun {
		return obj, warnings, nil
	}
	meta(obj)["resourceVersion"] = s.nextRVLocked()
	e := &entry{obj: obj}
	s.specChangedLocked(res, e, nil)
	s.objects[k] = e
	return deepCopyObject(obj), warnings, nil
}

// admitLocked runs the simulated mutating webhooks (and Options.Mutate), prunes again, validates the object
// (metadata, schema, core rules) and runs the simulated validating webhooks.
func (s *Server) admitLocked(res *resource, obj, old map[string]any) error {
	// A body the webhook's typed decoding would refuse (a string where an integer
	// belongs) never reaches the defaulting: validate the schema first.
	if err := s.validateStored(res, obj); err != nil {
		return err
	}
	s.knativeDefault(res, obj, old)
	if s.opts.Mutate != nil {
		s.opts.Mutate(res.gvr, obj)
	}
	_ = pruneAndDefault(obj, s.schemaOf(res))
	if err := s.validateStored(res, obj); err != nil {
		return err
	}
	return s.knativeValidate(res, obj, old)
}

func (s *Server) schemaOf(res *resource) *spec.Schema {
	if s.schemas == nil || s.schemas[res] == nil {
		return nil
	}
	return s.schemas[res].schema
}

// updateLocked runs the update pipeline for PUT and PATCH of the main resource or of its
// status subresource. The caller holds s.mu.
func (s *Server) updateLocked(k objKey, obj map[string]any, subresource string, opts writeOptions) (map[string]any, []string, error) {
	res := k.res
	e, ok := s.objects[k]
	if !ok {
		return nil, nil, apierrors.NewNotFound(res.groupResource(), k.name)
	}
	if err := checkTypeMeta(res, obj); err != nil {
		return nil, nil, err
	}
	m := meta(obj)
	if n := str(m, "name"); n != k.name {
		return nil, nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, k.name))
	}
	if res.namespaced {
		if bns := str(m, "namespace"); bns != "" && bns != k.namespace {
			return nil, nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
		}
		m["namespace"] = k.namespace
	}
	oldMeta := meta(e.obj)
	rv := str(m, "resourceVersion")
	switch {
	case rv == "" && res.crd:
		return nil, nil, apierrors.NewInvalid(res.groupKind(), k.name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "resourceVersion"), int64(0), "must be specified for an update")})
	case rv != "" && rv != str(oldMeta, "resourceVersion"):
		return nil, nil, conflict(res, k.name)
	}
	if uid := str(m, "uid"); uid != "" && uid != str(oldMeta, "uid") {
		return nil, nil, apierrors.NewConflict(res.groupResource(), k.name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", str(oldMeta, "uid"), uid)) //nolint:staticcheck // the API server's own wording
	}
	var warnings []string
	if subresource == "status" {
		// Only status changes; everything else is kept (statusStrategy.PrepareForUpdate).
		next := deepCopyObject(e.obj)
		next["status"] = deepCopyJSON(obj["status"])
		obj = next
		if _, err := s.prune(res, obj, writeOptions{fieldValidation: "Ignore"}); err != nil {
			return nil, nil, err
		}
		if err := s.validateStored(res, obj); err != nil {
			return nil, nil, err
		}
	} else {
		var err error
		if warnings, err = s.prune(res, obj, opts); err != nil {
			return nil, nil, err
		}
		m = meta(obj)
		for _, f := range []string{"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"} {
			if v, ok := oldMeta[f]; ok {
				m[f] = v
			} else {
				delete(m, f)
			}
		}
		if res.status {
			if st, ok := e.obj["status"]; ok {
				obj["status"] = deepCopyJSON(st)
			} else {
				delete(obj, "status")
			}
		}
		if res.gvr == SecretsGVR {
			normalizeSecret(obj)
		}
		if err := s.admitLocked(res, obj, e.obj); err != nil {
			return nil, nil, err
		}
	}
	m = meta(obj)
	m["resourceVersion"] = str(oldMeta, "resourceVersion")
	specChanged := subresource != "status" && !reflect.DeepEqual(specOf(obj), specOf(e.obj))
	if specChanged && res.crd {
		g, _ := oldMeta["generation"].(int64)
		m["generation"] = g + 1
	}
	if reflect.DeepEqual(obj, e.obj) {
		// A no-op update does not change the resourceVersion.
		return deepCopyObject(e.obj), warnings, nil
	}
	if opts.dryRun {
		return obj, warnings, nil
	}
	m["resourceVersion"] = s.nextRVLocked()
	old := e.obj
	e.obj = obj
	if specChanged {
		s.specChangedLocked(res, e, old)
	}
	return deepCopyObject(obj), warnings, nil
}

func conflict(res *resource, name string) error {
	return apierrors.NewConflict(res.groupResource(), name,
		fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
}

// deleteLocked deletes an object, or marks it deleting when DeleteAfterPolls is set.
// It reports whether the object is gone. The caller holds s.mu.
func (s *Server) deleteLocked(k objKey, preconditionUID, preconditionRV string, dryRun bool) (map[string]any, bool, error) {
	e, ok := s.objects[k]
	if !ok {
		return nil, false, apierrors.NewNotFound(k.res.groupResource(), k.name)
	}
	m := meta(e.obj)
	if preconditionUID != "" && preconditionUID != str(m, "uid") {
		return nil, false, apierrors.NewConflict(k.res.groupResource(), k.name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", preconditionUID, str(m, "uid"))) //nolint:staticcheck // the API server's own wording
	}
	if preconditionRV != "" && preconditionRV != str(m, "resourceVersion") {
		return nil, false, apierrors.NewConflict(k.res.groupResource(), k.name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", preconditionRV, str(m, "resourceVersion"))) //nolint:staticcheck // the API server's own wording
	}
	if dryRun {
		return deepCopyObject(e.obj), true, nil
	}
	if s.opts.DeleteAfterPolls > 0 && k.res.gvr != NamespacesGVR {
		if !e.ctl.deleting {
			e.ctl.deleting, e.ctl.deleteReads = true, s.opts.DeleteAfterPolls
			m["deletionTimestamp"] = nowString(time.Now())
			m["deletionGracePeriodSeconds"] = int64(0)
			m["resourceVersion"] = s.nextRVLocked()
		}
		return deepCopyObject(e.obj), false, nil
	}
	out := deepCopyObject(e.obj)
	if k.res.gvr == NamespacesGVR {
		out["status"] = map[string]any{"phase": "Terminating"}
	}
	s.removeLocked(k)
	return out, true, nil
}

// removeLocked removes an object, the objects of a removed namespace, and (garbage
// collection with background propagation) every object whose ownerReferences name it.
func (s *Server) removeLocked(k objKey) {
	e, ok := s.objects[k]
	if !ok {
		return
	}
	delete(s.objects, k)
	uid := str(meta(e.obj), "uid")
	for ok2, e2 := range s.objects {
		if k.res.gvr == NamespacesGVR && ok2.namespace == k.name {
			s.removeLocked(ok2)
			continue
		}
		refs, _ := meta(e2.obj)["ownerReferences"].([]any)
		for _, ref := range refs {
			rm, _ := ref.(map[string]any)
			if rm != nil && str(rm, "uid") == uid && (!k.res.namespaced || ok2.namespace == k.namespace) {
				s.removeLocked(ok2)
				break
			}
		}
	}
}

// getLocked returns an object as a GET sees it, advancing the simulated controllers.
func (s *Server) getLocked(k objKey) (map[string]any, error) {
	e, ok := s.objects[k]
	if !ok {
		return nil, apierrors.NewNotFound(k.res.groupResource(), k.name)
	}
	if e.ctl.deleting {
		if e.ctl.deleteReads <= 0 {
			s.removeLocked(k)
			return nil, apierrors.NewNotFound(k.res.groupResource(), k.name)
		}
		e.ctl.deleteReads--
		return deepCopyObject(e.obj), nil
	}
	s.observeLocked(k, e)
	return deepCopyObject(e.obj), nil
}

// listLocked lists objects of a resource in a namespace ("" = all) matching selectors.
// With observe (an API list), each listed object's simulated controller advances as for
// a GET: a real controller reconciles whether clients get or list.
func (s *Server) listLocked(res *resource, ns string, match func(map[string]any) bool, observe bool) []map[string]any {
	var out []map[string]any
	for k, e := range s.objects {
		if k.res != res || (ns != "" && k.namespace != ns) {
			continue
		}
		if match != nil && !match(e.obj) {
			continue
		}
		if observe && !e.ctl.deleting {
			s.observeLocked(k, e)
		}
		out = append(out, deepCopyObject(e.obj))
	}
	sort.Slice(out, func(i, j int) bool {
		mi, mj := meta(out[i]), meta(out[j])
		if a, b := str(mi, "namespace"), str(mj, "namespace"); a != b {
			return a < b
		}
		return str(mi, "name") < str(mj, "name")
	})
	return out
}

func deepCopyObject(obj map[string]any) map[string]any {
	out, _ := deepCopyJSON(obj).(map[string]any)
	return out
}
