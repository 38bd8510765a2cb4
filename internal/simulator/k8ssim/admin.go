package k8ssim

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// AdminHandler returns the unauthenticated admin API used by demo scripts. It answers
// only clients on a loopback address (403 otherwise). Objects are addressed as
// {group}/{version}/{resource}/{namespace}/{name}, with "core" for the core group and
// "-" as the namespace of cluster-scoped objects. Routes:
//
//	GET    /_sim/objects/{group}/{version}/{resource}/{namespace}/{name}            Get
//	PATCH  /_sim/objects/{group}/{version}/{resource}/{namespace}/{name}            Modify with a JSON merge patch
//	DELETE /_sim/objects/{group}/{version}/{resource}/{namespace}/{name}            Delete
//	POST   /_sim/objects/{group}/{version}/{resource}/{namespace}/{name}/condition  SetCondition ({type,status,reason,message})
//	GET    /_sim/requests                                                          the request log (bodies as strings)
//	DELETE /_sim/requests                                                          ResetRequests
//	GET    /_sim/faults                                                            the current faults
//	POST   /_sim/faults                                                            SetFaults (durations as Go strings like "150ms")
//	DELETE /_sim/faults                                                            ClearFaults
//
// Admin requests bypass faults and are not recorded in the request log.
func (s *Server) AdminHandler() http.Handler {
	s.adminOnce.Do(func() { s.admin = loopbackOnly(s.newAdminMux()) })
	return s.admin
}

func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			http.Error(w, "the admin API is only available on loopback", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// adminRequest is the JSON form of Request.
type adminRequest struct {
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	RawQuery string    `json:"rawQuery,omitempty"`
	Body     string    `json:"body,omitempty"`
	Status   int       `json:"status"`
	Dropped  bool      `json:"dropped,omitempty"`
	Time     time.Time `json:"time"`
}

// adminFaults is the JSON form of Faults (without Only).
type adminFaults struct {
	Latency           jsonDuration `json:"latency,omitempty"`
	LatencySpikeEvery int          `json:"latencySpikeEvery,omitempty"`
	LatencySpike      jsonDuration `json:"latencySpike,omitempty"`
	RateLimitEvery    int          `json:"rateLimitEvery,omitempty"`
	RetryAfterSeconds int          `json:"retryAfterSeconds,omitempty"`
	Burst503          int          `json:"burst503,omitempty"`
	DropConnections   int          `json:"dropConnections,omitempty"`
	LoseResponses     int          `json:"loseResponses,omitempty"`
	PersistentStatus  int          `json:"persistentStatus,omitempty"`
	PersistentMessage string       `json:"persistentMessage,omitempty"`
	StatusWriteRaces  int          `json:"statusWriteRaces,omitempty"`
}

// jsonDuration accepts "150ms" or a number of nanoseconds and writes a string.
type jsonDuration time.Duration

// MarshalJSON writes the duration as a Go duration string.
func (d jsonDuration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string or integer nanoseconds.
func (d *jsonDuration) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		v, err := time.ParseDuration(str)
		if err != nil {
			return err
		}
		*d = jsonDuration(v)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("duration must be a string like \"150ms\" or integer nanoseconds: %s", b)
	}
	*d = jsonDuration(n)
	return nil
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

func (s *Server) newAdminMux() *http.ServeMux {
	mux := http.NewServeMux()
	const obj = "/_sim/objects/{group}/{version}/{resource}/{namespace}/{name}"
	mux.HandleFunc("GET "+obj, func(w http.ResponseWriter, r *http.Request) {
		gvr, ns, name := adminGVR(r)
		u, ok := s.Get(gvr, ns, name)
		if !ok {
			http.Error(w, "object not found", http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, u.Object)
	})
	mux.HandleFunc("PATCH "+obj, func(w http.ResponseWriter, r *http.Request) {
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
	mux.HandleFunc("DELETE "+obj, func(w http.ResponseWriter, r *http.Request) {
		gvr, ns, name := adminGVR(r)
		if !s.Delete(gvr, ns, name) {
			http.Error(w, "object not found", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+obj+"/condition", func(w http.ResponseWriter, r *http.Request) {
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
	mux.HandleFunc("GET /_sim/requests", func(w http.ResponseWriter, _ *http.Request) {
		reqs := s.Requests()
		out := make([]adminRequest, len(reqs))
		for i, q := range reqs {
			out[i] = adminRequest{Method: q.Method, Path: q.Path, RawQuery: q.RawQuery, Body: string(q.Body), Status: q.Status, Dropped: q.Dropped, Time: q.Time}
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("DELETE /_sim/requests", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		f := s.CurrentFaults()
		writeJSON(w, http.StatusOK, adminFaults{
			Latency: jsonDuration(f.Latency), LatencySpikeEvery: f.LatencySpikeEvery, LatencySpike: jsonDuration(f.LatencySpike),
			RateLimitEvery: f.RateLimitEvery, RetryAfterSeconds: f.RetryAfterSeconds, Burst503: f.Burst503,
			DropConnections: f.DropConnections, LoseResponses: f.LoseResponses,
			PersistentStatus: f.PersistentStatus, PersistentMessage: f.PersistentMessage, StatusWriteRaces: f.StatusWriteRaces,
		})
	})
	mux.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var a adminFaults
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&a); err != nil {
			http.Error(w, "invalid faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.SetFaults(Faults{
			Latency: time.Duration(a.Latency), LatencySpikeEvery: a.LatencySpikeEvery, LatencySpike: time.Duration(a.LatencySpike),
			RateLimitEvery: a.RateLimitEvery, RetryAfterSeconds: a.RetryAfterSeconds, Burst503: a.Burst503,
			DropConnections: a.DropConnections, LoseResponses: a.LoseResponses,
			PersistentStatus: a.PersistentStatus, PersistentMessage: a.PersistentMessage, StatusWriteRaces: a.StatusWriteRaces,
		})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}
