package k8ssim

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// serveResource serves the REST verbs of one resource path.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, rr resourceRequest) {
	var err error
	switch {
	case rr.name == "" && r.Method == http.MethodGet:
		err = s.serveList(w, r, rr)
	case rr.name == "" && r.Method == http.MethodPost:
		if rr.res.namespaced && rr.namespace == "" {
			err = pathNotFound()
			break
		}
		err = s.serveCreate(w, r, rr)
	case rr.name != "" && r.Method == http.MethodGet:
		err = s.serveGet(w, rr)
	case rr.name != "" && r.Method == http.MethodPut:
		err = s.serveUpdate(w, r, rr)
	case rr.name != "" && r.Method == http.MethodPatch:
		err = s.servePatch(w, r, rr)
	case rr.name != "" && rr.subresource == "" && r.Method == http.MethodDelete:
		err = s.serveDelete(w, r, rr)
	default:
		err = apierrors.NewMethodNotSupported(rr.res.groupResource(), strings.ToLower(r.Method))
	}
	if err != nil {
		writeStatus(w, err)
	}
}

func (s *Server) key(rr resourceRequest) objKey {
	return objKey{res: rr.res, namespace: rr.namespace, name: rr.name}
}

func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return b, nil
}

func checkJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
			Reason: metav1.StatusReasonUnsupportedMediaType, Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: application/json (got %q)", ct)}}
	}
	return nil
}

func writeWarnings(w http.ResponseWriter, warnings []string) {
	for _, msg := range warnings {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", msg))
	}
}

func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request, rr resourceRequest) error {
	if err := checkJSON(r); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	obj, err := decodeObject(body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	out, warnings, err := s.createLocked(rr.res, rr.namespace, obj, parseWriteOptions(r))
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeWarnings(w, warnings)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) serveGet(w http.ResponseWriter, rr resourceRequest) error {
	s.mu.Lock()
	obj, err := s.getLocked(s.key(rr))
	s.mu.Unlock()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, obj)
	return nil
}

func (s *Server) serveList(w http.ResponseWriter, r *http.Request, rr resourceRequest) error {
	q := r.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		return apierrors.NewMethodNotSupported(rr.res.groupResource(), "watch")
	}
	lsel, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	fsel, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	match := func(obj map[string]any) bool {
		m := meta(obj)
		ls := labels.Set{}
		if lm, ok := m["labels"].(map[string]any); ok {
			for k, v := range lm {
				vs, _ := v.(string)
				ls[k] = vs
			}
		}
		fs := fields.Set{"metadata.name": str(m, "name")}
		if rr.res.namespaced {
			fs["metadata.namespace"] = str(m, "namespace")
		}
		return lsel.Matches(ls) && fsel.Matches(fs)
	}
	s.mu.Lock()
	items := s.listLocked(rr.res, rr.namespace, match, true)
	rv := fmt.Sprint(s.rv)
	s.mu.Unlock()
	anyItems := make([]any, len(items))
	for i, it := range items {
		anyItems[i] = it
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"apiVersion": rr.res.apiVersion(), "kind": rr.res.kind + "List",
		"metadata": map[string]any{"resourceVersion": rv}, "items": anyItems,
	})
	return nil
}

func (s *Server) serveUpdate(w http.ResponseWriter, r *http.Request, rr resourceRequest) error {
	if err := checkJSON(r); err != nil {
		return err
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	obj, err := decodeObject(body)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raceLocked(r, rr)
	out, warnings, err := s.updateLocked(s.key(rr), obj, rr.subresource, parseWriteOptions(r))
	if err != nil {
		return err
	}
	writeWarnings(w, warnings)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// raceLocked simulates a controller status write racing with this update
// (Faults.StatusWriteRaces): the object's resourceVersion moves on.
func (s *Server) raceLocked(r *http.Request, rr resourceRequest) {
	if rr.subresource != "" {
		return
	}
	e, ok := s.objects[s.key(rr)]
	if !ok || !s.TakeRace(r.Method, r.URL.Path) {
		return
	}
	meta(e.obj)["resourceVersion"] = s.nextRVLocked()
}

// patchTypes are the patch media types the simulator applies. Strategic merge patch and
// server-side apply are answered 415, as the API server does for custom resources.
var patchTypes = []string{string(typesJSONPatch), string(typesMergePatch)}

const (
	typesJSONPatch  = "application/json-patch+json"
	typesMergePatch = "application/merge-patch+json"
)

func (s *Server) servePatch(w http.ResponseWriter, r *http.Request, rr resourceRequest) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != typesJSONPatch && mt != typesMergePatch {
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnsupportedMediaType,
			Reason:  metav1.StatusReasonUnsupportedMediaType,
			Message: fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s", strings.Join(patchTypes, ", "))}}
	}
	patch, err := readBody(r)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.raceLocked(r, rr)
	k := s.key(rr)
	e, ok := s.objects[k]
	if !ok {
		return apierrors.NewNotFound(rr.res.groupResource(), rr.name)
	}
	cur, err := json.Marshal(e.obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	var patched []byte
	switch mt {
	case typesMergePatch:
		patched, err = jsonpatch.MergePatch(cur, patch)
	default:
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(patch); err == nil {
			patched, err = p.Apply(cur)
		}
	}
	if err != nil {
		return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusUnprocessableEntity,
			Reason: metav1.StatusReasonInvalid, Message: fmt.Sprintf("the server rejected our request due to an error in our request: %v", err)}}
	}
	obj, err := decodeObject(patched)
	if err != nil {
		return err
	}
	out, warnings, err := s.updateLocked(k, obj, rr.subresource, parseWriteOptions(r))
	if err != nil {
		return err
	}
	writeWarnings(w, warnings)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) serveDelete(w http.ResponseWriter, r *http.Request, rr resourceRequest) error {
	var opts metav1.DeleteOptions
	if body, _ := readBody(r); len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &opts); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("invalid DeleteOptions: %v", err))
		}
	}
	var uid, rv string
	if opts.Preconditions != nil {
		if opts.Preconditions.UID != nil {
			uid = string(*opts.Preconditions.UID)
		}
		if opts.Preconditions.ResourceVersion != nil {
			rv = *opts.Preconditions.ResourceVersion
		}
	}
	dryRun := r.URL.Query().Get("dryRun") == "All" || (len(opts.DryRun) > 0 && opts.DryRun[0] == "All")
	s.mu.Lock()
	obj, gone, err := s.deleteLocked(s.key(rr), uid, rv, dryRun)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	code := http.StatusOK
	if !gone {
		code = http.StatusAccepted
	}
	if rr.res.gvr == SecretsGVR && gone {
		// Core kinds answer a Status (ReturnDeletedObject is only set for CRDs).
		writeJSON(w, code, &metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}, Status: metav1.StatusSuccess,
			Details: &metav1.StatusDetails{Name: rr.name, Kind: rr.res.gvr.Resource, UID: uidOf(obj)}})
		return nil
	}
	writeJSON(w, code, obj)
	return nil
}

func uidOf(obj map[string]any) types.UID { return types.UID(str(meta(obj), "uid")) }

// schemaGroupResource keeps faults.go free of a schema import.
type schemaGroupResource = schema.GroupResource
