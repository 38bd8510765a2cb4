package openfaassim

import (
	"encoding/json"
	"net/http"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// AdminHandler returns the unauthenticated admin API used by demo scripts.
// It answers only clients on a loopback address (403 otherwise). Its routes, each with a
// help line, are AdminRoutes (`faas-simulator -h` prints them).
//
// Admin requests bypass faults and are not recorded in the request log.
func (s *Server) AdminHandler() http.Handler {
	s.adminOnce.Do(func() { s.admin = simcore.LoopbackOnly(s.newAdminMux()) })
	return s.admin
}

// functionPatch is the body of PATCH /_sim/function/{namespace}/{name}.
type functionPatch struct {
	Image       *string            `json:"image"`
	Labels      map[string]*string `json:"labels"`
	Annotations map[string]*string `json:"annotations"`
	EnvVars     map[string]*string `json:"envVars"`
}

func mergeMap(dst map[string]string, patch map[string]*string) map[string]string {
	if len(patch) == 0 {
		return dst
	}
	if dst == nil {
		dst = map[string]string{}
	}
	for k, v := range patch {
		if v == nil {
			delete(dst, k)
		} else {
			dst[k] = *v
		}
	}
	if len(dst) == 0 {
		return nil
	}
	return dst
}

// AdminRoutes lists the routes of the admin API (AdminHandler), with a help line each.
func AdminRoutes() []simcore.AdminRoute { return new(Server).newAdminMux().Routes() }

func (s *Server) newAdminMux() *simcore.AdminMux {
	mux := simcore.NewAdminMux()
	mux.Route("GET /_sim/functions", "stored functions as deployed (?namespace= filters)", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, s.Functions(r.URL.Query().Get("namespace")))
	})
	mux.Route("POST /_sim/functions", "deploy a FunctionDeployment out of band", func(w http.ResponseWriter, r *http.Request) {
		var fn Function
		if err := json.NewDecoder(r.Body).Decode(&fn); err != nil {
			http.Error(w, "invalid FunctionDeployment: "+err.Error(), http.StatusBadRequest)
			return
		}
		if fn.Service == "" {
			http.Error(w, "service is required", http.StatusBadRequest)
			return
		}
		s.PutFunction(fn)
		got, _ := s.GetFunction(fn.Namespace, fn.Service)
		writeJSON(w, got)
	})
	mux.Route("GET /_sim/function/{namespace}/{name}", "one stored function", func(w http.ResponseWriter, r *http.Request) {
		fn, ok := s.GetFunction(r.PathValue("namespace"), r.PathValue("name"))
		if !ok {
			http.Error(w, "function not found", http.StatusNotFound)
			return
		}
		writeJSON(w, fn)
	})
	mux.Route("PATCH /_sim/function/{namespace}/{name}", "change image, labels, annotations, envVars out of band (a null map value deletes the key)", func(w http.ResponseWriter, r *http.Request) {
		var p functionPatch
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			http.Error(w, "invalid patch: "+err.Error(), http.StatusBadRequest)
			return
		}
		ns, name := r.PathValue("namespace"), r.PathValue("name")
		ok := s.ModifyFunction(ns, name, func(fn *Function) {
			if p.Image != nil {
				fn.Image = *p.Image
			}
			fn.Labels = mergeMap(fn.Labels, p.Labels)
			fn.Annotations = mergeMap(fn.Annotations, p.Annotations)
			fn.EnvVars = mergeMap(fn.EnvVars, p.EnvVars)
		})
		if !ok {
			http.Error(w, "function not found", http.StatusNotFound)
			return
		}
		fn, _ := s.GetFunction(ns, name)
		writeJSON(w, fn)
	})
	mux.Route("DELETE /_sim/function/{namespace}/{name}", "delete a function out of band", func(w http.ResponseWriter, r *http.Request) {
		if !s.DeleteFunction(r.PathValue("namespace"), r.PathValue("name")) {
			http.Error(w, "function not found", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Route("POST /_sim/function/{namespace}/{name}/not-ready", "make a function not ready", func(w http.ResponseWriter, r *http.Request) {
		ns, name := r.PathValue("namespace"), r.PathValue("name")
		if _, ok := s.GetFunction(ns, name); !ok {
			http.Error(w, "function not found", http.StatusNotFound)
			return
		}
		s.SetNotReady(ns, name)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Route("POST /_sim/secrets", "create or replace a secret out of band: {name, namespace, value}", func(w http.ResponseWriter, r *http.Request) {
		var b secretBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Name == "" {
			http.Error(w, "a JSON body with a non-empty name is required", http.StatusBadRequest)
			return
		}
		v := b.Value
		if len(b.RawValue) > 0 {
			v = string(b.RawValue)
		}
		s.PutSecret(b.Namespace, b.Name, v)
		w.WriteHeader(http.StatusNoContent)
	})
	s.HandleAdmin(mux)
	return mux
}
