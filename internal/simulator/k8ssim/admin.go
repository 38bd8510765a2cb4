package k8ssim

import (
	"encoding/json"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// AdminHandler returns the unauthenticated admin API used by demo scripts. It answers
// only clients on a loopback address (403 otherwise). Objects are addressed as
// {group}/{version}/{resource}/{namespace}/{name}, with "core" for the core group and
// "-" as the namespace of cluster-scoped objects. Its routes, each with a
// help line, are AdminRoutes (`faas-simulator -h` prints them).
//
// Admin requests bypass faults and are not recorded in the request log.
func (s *Server) AdminHandler() http.Handler {
	s.adminOnce.Do(func() { s.admin = simcore.LoopbackOnly(s.newAdminMux()) })
	return s.admin
}

func adminGVR(r *http.Request) (schema.GroupVersionResource, string, string) {
	g := r.PathValue("group")
	if g == "core" {
		g = ""
	}
	ns := r.PathValue("namespace")
	if ns == "-" {
		ns = ""
	}
	return schema.GroupVersionResource{Group: g, Version: r.PathValue("version"), Resource: r.PathValue("resource")}, ns, r.PathValue("name")
}

// AdminRoutes lists the routes of the admin API (AdminHandler), with a help line each.
func AdminRoutes() []simcore.AdminRoute { return new(Server).newAdminMux().Routes() }

func (s *Server) newAdminMux() *simcore.AdminMux {
	mux := simcore.NewAdminMux()
	const obj = "/_sim/objects/{group}/{version}/{resource}/{namespace}/{name}"
	mux.Route("GET "+obj, "one object ({group} core for the core group, {namespace} - when cluster-scoped)", func(w http.ResponseWriter, r *http.Request) {
		gvr, ns, name := adminGVR(r)
		u, ok := s.Get(gvr, ns, name)
		if !ok {
			http.Error(w, "object not found", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, u.Object)
	})
	mux.Route("PATCH "+obj, "change an object out of band with a JSON merge patch", func(w http.ResponseWriter, r *http.Request) {
		gvr, ns, name := adminGVR(r)
		patch, _ := readBody(r)
		var perr error
		err := s.Modify(gvr, ns, name, func(u *unstructured.Unstructured) {
			cur, _ := json.Marshal(u.Object)
			out, err := jsonpatch.MergePatch(cur, patch)
			if err != nil {
				perr = err
				return
			}
			o, err := decodeObject(out)
			if err != nil {
				perr = err
				return
			}
			u.Object = o
		})
		if perr != nil {
			http.Error(w, "invalid merge patch: "+perr.Error(), http.StatusBadRequest)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		u, _ := s.Get(gvr, ns, name)
		writeJSON(w, http.StatusOK, u.Object)
	})
	mux.Route("DELETE "+obj, "delete an object out of band", func(w http.ResponseWriter, r *http.Request) {
		gvr, ns, name := adminGVR(r)
		if !s.Delete(gvr, ns, name) {
			http.Error(w, "object not found", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Route("POST "+obj+"/condition", "set a status condition: {type, status, reason, message}", func(w http.ResponseWriter, r *http.Request) {
		gvr, ns, name := adminGVR(r)
		var c Condition
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil || c.Type == "" || c.Status == "" {
			http.Error(w, "a JSON body {type, status, reason, message} is required", http.StatusBadRequest)
			return
		}
		if err := s.SetCondition(gvr, ns, name, c); err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	s.HandleAdmin(mux)
	return mux
}
