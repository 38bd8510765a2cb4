package k8ssim

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// Defaults of Options.
const (
	// DefaultUser is the user name the simulated webhook writes into the
	// serving.knative.dev/creator and lastModifier annotations (kind's and kubeadm's
	// admin user).
	DefaultUser = "kubernetes-admin"
	// DefaultDomain is the cluster domain of Service URLs (config-domain's example.com).
	DefaultDomain = "example.com"
	// DefaultKubernetesVersion is the gitVersion /version reports.
	DefaultKubernetesVersion = "v1.33.4"
)

// Failure makes a simulated Knative Service's revision fail instead of becoming ready,
// as the real Serving reports it (observed on the testbed): ConfigurationsReady turns
// False with reason RevisionFailed and `Revision "NAME-0000N" failed with message:
// Message.`, and Ready and RoutesReady False with RevisionMissing `Configuration "NAME"
// does not have any ready Revision.`; once an earlier revision was ready, RoutesReady
// stays True and Ready tells the ConfigurationsReady text.
type Failure struct {
	// Reason is the failed revision's reason (the real Serving's ContainerMissing for an
	// image it cannot fetch); the Service's conditions do not show it.
	Reason string `json:"reason"`
	// Message is the failed revision's message, such as
	// `Unable to fetch image "ghcr.io/acme/x:1": failed to resolve image to digest`.
	Message string `json:"message"`
}

// Options configures a Server. The zero value is an API server without authentication
// whose objects are ready at the first GET, with the "default" namespace.
type Options struct {
	// Token, when set, must be sent as "Authorization: Bearer <Token>" on every API
	// request (401 Unauthorized otherwise); /version, /healthz, /livez and /readyz also
	// answer requests without credentials.
	Token string
	// User is the user the token authenticates as, written by the simulated Knative
	// webhook into serving.knative.dev/creator and lastModifier. Default DefaultUser.
	User string
	// Namespaces exist from the start; default ["default"].
	Namespaces []string
	// Domain is the cluster domain of Service URLs, default DefaultDomain.
	Domain string
	// ReadyAfterPolls is how many GETs of an object after its creation or a spec change
	// still report it not ready (Ready Unknown); the next GET reports Ready True.
	// 0 means ready at the first GET, -1 never. An API list advances it for every object it returns, as a GET of each.
	ReadyAfterPolls int
	// StaleStatusPolls is how many GETs after a spec change still show the status of the
	// previous generation (observedGeneration < generation), as before the Knative
	// controller has reconciled the change. They count before ReadyAfterPolls.
	StaleStatusPolls int
	// Failure, when set, makes every Service fail instead of becoming ready.
	Failure *Failure
	// FailImages makes a Service whose (first) container image is a key fail with the
	// value, for example {"ghcr.io/acme/missing:1": {"RevisionMissing", "Unable to fetch image ..."}}.
	FailImages map[string]Failure
	// DeleteAfterPolls is how many GETs after a DELETE still return the object (with a
	// deletionTimestamp), as while finalizers run; 0 removes it at once.
	DeleteAfterPolls int
	// KubernetesVersion is the gitVersion /version reports, default DefaultKubernetesVersion.
	KubernetesVersion string
	// SpecsDir is the directory of the upstream Knative CRDs; empty means FindSpecsDir.
	// When they cannot be found, New fails if RequireSpecs is set or the environment has
	// CI=true, and otherwise serves without schema validation and says so through Logf.
	SpecsDir string
	// RequireSpecs makes missing CRDs an error even without CI=true.
	RequireSpecs bool
	// Logf receives the simulator's own messages (never request bodies); default log.Printf.
	Logf func(format string, args ...any)
	// Mutate, when set, is one more mutating admission webhook: it runs on every object
	// written through the API (create, update, patch), after the simulated Knative
	// defaulting and before validation, and may change obj in place, as a defaulting or
	// clamping webhook of the cluster's own would (a policy engine lowering CPU limits,
	// say). It runs under the server's lock and must not call the Server.
	Mutate func(gvr schema.GroupVersionResource, obj map[string]any)
	// ImageDigests are the digests ("sha256:...") that image tags point to, by image
	// reference as written in a Service ("ghcr.io/acme/orders:1.4.2"), for the simulated
	// revision reconciler's tag resolution (FACTS.md section 3.2); a tag not listed
	// resolves to the SHA-256 of its reference. SetImageDigest moves a tag later.
	ImageDigests map[string]string
	// SkipTagResolving lists registries (the part of an image reference before its first
	// "/", such as "registry.local:5000"), as config-deployment's
	// registries-skipping-tag-resolving: their tags are not resolved, and the Revision
	// records no imageDigest.
	SkipTagResolving []string
	// OnRequest, when set, is called after every API request has been recorded. It must
	// not log Body.
	OnRequest func(Request)
}

// Server is a simulated Kubernetes API server with Knative installed. It implements
// http.Handler and is safe for concurrent use.
type Server struct {
	// Core holds the faults and the request log (SetFaults, Requests, ...).
	simcore.Core

	opts    Options
	schemas map[*resource]*crdSchema

	mu      sync.Mutex
	objects map[objKey]*entry
	rv      int64
	// digests are the tags moved by Options.ImageDigests and SetImageDigest.
	digests map[string]string

	platformOnce sync.Once
	plat         *simcore.Platform

	// Listener serves the simulator (URL, Close, CACertPEM).
	simcore.Listener

	adminOnce sync.Once
	admin     http.Handler
}

// New returns a Server. It panics when the Knative CRDs are required (Options.RequireSpecs
// or CI=true) but cannot be loaded; Open returns that as an error instead.
func New(opts Options) *Server {
	s, err := Open(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// Open is New returning an error when the required Knative CRDs cannot be loaded.
func Open(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if len(opts.Namespaces) == 0 {
		opts.Namespaces = []string{"default"}
	}
	if opts.Domain == "" {
		opts.Domain = DefaultDomain
	}
	if opts.KubernetesVersion == "" {
		opts.KubernetesVersion = DefaultKubernetesVersion
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	s := &Server{opts: opts, objects: map[objKey]*entry{}, digests: map[string]string{}}
	for image, digest := range opts.ImageDigests {
		s.digests[image] = digest
	}
	s.OnRequest = opts.OnRequest
	dir := opts.SpecsDir
	var err error
	if dir == "" {
		dir, err = FindSpecsDir()
	}
	if err == nil {
		s.schemas, err = loadSchemas(dir)
	}
	if err != nil {
		if opts.RequireSpecs || specsRequired() {
			return nil, fmt.Errorf("%w: %v (CI=true or RequireSpecs: schema validation is mandatory)", errSpecsMissing, err)
		}
		opts.Logf("k8ssim: the Knative CRDs could not be loaded (%v); serving WITHOUT schema validation", err)
		s.schemas = nil
	}
	now := time.Now().UTC()
	for _, ns := range opts.Namespaces {
		s.putNamespaceLocked(ns, now)
	}
	return s, nil
}

// SchemaValidation reports whether objects are validated against the Knative CRDs.
func (s *Server) SchemaValidation() bool { return s.schemas != nil }

// Start serves the simulator on 127.0.0.1 with a random port and returns its base URL,
// such as http://127.0.0.1:40123. Calling it again returns the same URL.
func (s *Server) Start() string { return s.Listen(s, false) }

// StartTLS is Start over HTTPS with httptest's self-signed certificate (valid for
// 127.0.0.1, ::1 and example.com); Kubeconfig then carries its CA. A kubeconfig only
// sends credentials to an HTTPS server (client-go's clientcmd drops them for plain
// HTTP), so token authentication through a kubeconfig needs TLS.
func (s *Server) StartTLS() string { return s.Listen(s, true) }

// Options returns the effective options (defaults applied).
func (s *Server) Options() Options { return s.opts }

// ServeHTTP serves the Kubernetes API, and the admin API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		s.AdminHandler().ServeHTTP(w, r)
		return
	}
	s.Serve(w, r, s.platform())
}

// public lists the paths served without credentials (system:public-info-viewer).
var public = map[string]bool{"/version": true, "/healthz": true, "/livez": true, "/readyz": true}

func (s *Server) authenticated(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	h := r.Header.Get("Authorization")
	if h == "" && public[r.URL.Path] {
		return true
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.opts.Token)) == 1
}

// route dispatches an API request after faults were applied.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if !s.authenticated(r) {
		writeStatus(w, apierrors.NewUnauthorized("Unauthorized"))
		return
	}
	switch r.URL.Path {
	case "/version":
		writeJSON(w, http.StatusOK, &version.Info{Major: "1", Minor: minorOf(s.opts.KubernetesVersion), GitVersion: s.opts.KubernetesVersion,
			GitCommit: "0000000000000000000000000000000000000000", GitTreeState: "clean", BuildDate: "2026-01-01T00:00:00Z",
			GoVersion: "go1.26.8", Compiler: "gc", Platform: "linux/amd64"})
		return
	case "/healthz", "/livez", "/readyz":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok"))
		return
	}
	parts := splitPath(r.URL.Path)
	if r.Method == http.MethodGet && s.serveDiscovery(w, r, parts) {
		return
	}
	req, err := parseResourcePath(parts)
	if err != nil {
		writeStatus(w, err)
		return
	}
	s.serveResource(w, r, req)
}

func minorOf(v string) string {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) > 1 {
		return parts[1]
	}
	return "0"
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// resourceRequest is a parsed resource path.
type resourceRequest struct {
	res         *resource
	namespace   string // "" for cluster-scoped resources or lists across namespaces
	name        string // "" for the collection
	subresource string // "" or "status"
}

// parseResourcePath parses /api/v1/... and /apis/<group>/<version>/... paths.
func parseResourcePath(parts []string) (resourceRequest, error) {
	var gv schema.GroupVersion
	var rest []string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		gv, rest = schema.GroupVersion{Version: parts[1]}, parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		gv, rest = schema.GroupVersion{Group: parts[1], Version: parts[2]}, parts[3:]
	default:
		return resourceRequest{}, pathNotFound()
	}
	var rr resourceRequest
	if len(rest) >= 3 && rest[0] == "namespaces" {
		if res := lookupResource(gv.Group, gv.Version, rest[2]); res != nil && res.namespaced {
			rr.res, rr.namespace, rest = res, rest[1], rest[3:]
		}
	}
	if rr.res == nil {
		rr.res = lookupResource(gv.Group, gv.Version, rest[0])
		rest = rest[1:]
		if rr.res == nil {
			return rr, pathNotFound()
		}
	}
	switch len(rest) {
	case 0:
	case 1:
		rr.name = rest[0]
	case 2:
		if rest[1] != "status" || !rr.res.status {
			return rr, pathNotFound()
		}
		rr.name, rr.subresource = rest[0], rest[1]
	default:
		return rr, pathNotFound()
	}
	if rr.res.namespaced && rr.namespace == "" && rr.name != "" {
		return rr, pathNotFound()
	}
	return rr, nil
}

func pathNotFound() error {
	return &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure, Code: http.StatusNotFound,
		Reason: metav1.StatusReasonNotFound, Message: "the server could not find the requested resource"}}
}

// writeJSON answers a JSON body.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeStatus answers an error as a metav1.Status object, as the API server does.
func writeStatus(w http.ResponseWriter, err error) {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		se = apierrors.NewInternalError(err)
	}
	st := se.Status()
	st.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	if st.Status == "" {
		st.Status = metav1.StatusFailure
	}
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
		st.Code = int32(code)
	}
	writeJSON(w, code, &st)
}
