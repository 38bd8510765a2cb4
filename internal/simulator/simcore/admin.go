package simcore

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// LoopbackOnly serves h to clients on a loopback address only (403 otherwise): the
// simulators' admin APIs are unauthenticated.
func LoopbackOnly(h http.Handler) http.Handler {
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
	EchoAuthorization bool         `json:"echoAuthorization,omitempty"`
	StatusWriteRaces  int          `json:"statusWriteRaces,omitempty"`
	IgnoreUpdates     int          `json:"ignoreUpdates,omitempty"`
	IgnoreUpdateEvery int          `json:"ignoreUpdateEvery,omitempty"`
	OnlyMethod        string       `json:"onlyMethod,omitempty"`
	OnlyPath          string       `json:"onlyPath,omitempty"`
}

// toFaults converts the JSON form to Faults.
func (a adminFaults) toFaults() Faults {
	return Faults{
		Latency: time.Duration(a.Latency), LatencySpikeEvery: a.LatencySpikeEvery, LatencySpike: time.Duration(a.LatencySpike),
		RateLimitEvery: a.RateLimitEvery, RetryAfterSeconds: a.RetryAfterSeconds, Burst503: a.Burst503,
		DropConnections: a.DropConnections, LoseResponses: a.LoseResponses,
		PersistentStatus: a.PersistentStatus, PersistentMessage: a.PersistentMessage, EchoAuthorization: a.EchoAuthorization, StatusWriteRaces: a.StatusWriteRaces,
		IgnoreUpdates: a.IgnoreUpdates, IgnoreUpdateEvery: a.IgnoreUpdateEvery, OnlyMethod: a.OnlyMethod, OnlyPath: a.OnlyPath,
	}
}

// fromFaults converts Faults to the JSON form (Only is not representable).
func fromFaults(f Faults) adminFaults {
	return adminFaults{
		Latency: jsonDuration(f.Latency), LatencySpikeEvery: f.LatencySpikeEvery, LatencySpike: jsonDuration(f.LatencySpike),
		RateLimitEvery: f.RateLimitEvery, RetryAfterSeconds: f.RetryAfterSeconds, Burst503: f.Burst503,
		DropConnections: f.DropConnections, LoseResponses: f.LoseResponses,
		PersistentStatus: f.PersistentStatus, PersistentMessage: f.PersistentMessage, EchoAuthorization: f.EchoAuthorization, StatusWriteRaces: f.StatusWriteRaces,
		IgnoreUpdates: f.IgnoreUpdates, IgnoreUpdateEvery: f.IgnoreUpdateEvery, OnlyMethod: f.OnlyMethod, OnlyPath: f.OnlyPath,
	}
}

// ParseFaults reads the JSON form of Faults that POST /_sim/faults accepts (durations as
// Go strings like "150ms" or integer nanoseconds; unknown fields are an error).
func ParseFaults(r io.Reader) (Faults, error) {
	var a adminFaults
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return Faults{}, err
	}
	return a.toFaults(), nil
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

// AdminRoute is one route of a simulator's admin API: its pattern ("METHOD /path") and
// one line of help, as the simulator's -h lists it.
type AdminRoute struct {
	Pattern string
	Help    string
}

// AdminMux is the ServeMux of an admin API that keeps each route's help line, so that
// the routes a simulator serves and the routes its -h lists are one list.
type AdminMux struct {
	*http.ServeMux
	routes []AdminRoute
}

// NewAdminMux returns an empty AdminMux.
func NewAdminMux() *AdminMux { return &AdminMux{ServeMux: http.NewServeMux()} }

// Route registers h for pattern ("METHOD /path", as http.ServeMux takes it) with its help line.
func (m *AdminMux) Route(pattern, help string, h http.HandlerFunc) {
	m.HandleFunc(pattern, h)
	m.routes = append(m.routes, AdminRoute{Pattern: pattern, Help: help})
}

// Routes returns the registered routes in registration order.
func (m *AdminMux) Routes() []AdminRoute { return append([]AdminRoute(nil), m.routes...) }

// PrintAdminRoutes writes routes to w, one aligned line each: method, path, help.
func PrintAdminRoutes(w io.Writer, routes []AdminRoute) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range routes {
		method, path, _ := strings.Cut(r.Pattern, " ")
		fmt.Fprintf(tw, "    %s\t%s\t%s\n", method, path, r.Help)
	}
	_ = tw.Flush()
}

// HandleAdmin adds the admin routes of the request log and the faults to mux (their
// help lines say what each does; Routes lists them).
func (c *Core) HandleAdmin(mux *AdminMux) {
	mux.Route("GET /_sim/requests", "the request log (bodies as strings)", func(w http.ResponseWriter, _ *http.Request) {
		reqs := c.Requests()
		out := make([]adminRequest, len(reqs))
		for i, q := range reqs {
			out[i] = adminRequest{Method: q.Method, Path: q.Path, RawQuery: q.RawQuery, Body: string(q.Body),
				Status: q.Status, Dropped: q.Dropped, Time: q.Time}
		}
		writeJSON(w, out)
	})
	mux.Route("DELETE /_sim/requests", "clear the request log", func(w http.ResponseWriter, _ *http.Request) {
		c.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Route("GET /_sim/faults", "the current faults", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, fromFaults(c.CurrentFaults()))
	})
	mux.Route("POST /_sim/faults", "set faults: a JSON body such as {\"burst503\":3,\"onlyPath\":\"/system/functions\"}; durations as Go strings like \"150ms\"", func(w http.ResponseWriter, r *http.Request) {
		f, err := ParseFaults(r.Body)
		if err != nil {
			http.Error(w, "invalid faults: "+err.Error(), http.StatusBadRequest)
			return
		}
		c.SetFaults(f)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Route("DELETE /_sim/faults", "clear the faults", func(w http.ResponseWriter, _ *http.Request) {
		c.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
