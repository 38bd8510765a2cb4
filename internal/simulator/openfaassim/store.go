package openfaassim

import (
	"crypto/rand"
	"maps"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/simulator/simcore"
)

// Backend selects which OpenFaaS provider the simulator imitates.
type Backend string

// The two OpenFaaS providers the simulator can imitate.
const (
	// FaasNetes is the Kubernetes provider: asynchronous, 202 on writes.
	FaasNetes Backend = "faas-netes"
	// Faasd is the containerd provider: synchronous, 200 on writes.
	Faasd Backend = "faasd"
)

// Edition selects the OpenFaaS licence tier and its restrictions.
type Edition string

// The OpenFaaS editions.
const (
	// CE is the Community Edition with its restrictions (internal/driver/openfaas/FACTS.md section 7).
	CE Edition = "ce"
	// Pro is OpenFaaS Pro/Enterprise: several namespaces, scale to zero, autoscaling labels.
	Pro Edition = "pro"
)

// Well-known label and annotation keys (internal/driver/openfaas/FACTS.md sections 5 and 6).
const (
	labelFunction     = "faas_function"
	labelUID          = "uid"
	annotationScrape  = "prometheus.io.scrape"
	labelScaleMin     = "com.openfaas.scale.min"
	labelScaleMax     = "com.openfaas.scale.max"
	labelScaleZero    = "com.openfaas.scale.zero"
	labelScaleZeroDur = "com.openfaas.scale.zero-duration"
	labelScaleTarget  = "com.openfaas.scale.target"
	labelScaleType    = "com.openfaas.scale.type"
	faasdAnnotPrefix  = "com.openfaas.annotations."
	ceMaxReplicas     = 5
	ceMaxFunctions    = 15
	gatewayRelease    = "0.27.12"
	gatewaySHA        = "6c8e6e0e1f0f8d3a5b7c9d1e2f3a4b5c6d7e8f90"
	providerSHA       = "9a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
	defaultNamespace  = "openfaas-fn"
	defaultNetesVer   = "0.18.10"
	defaultFaasdVer   = "0.19.6"
)

// Options configures a Server. The zero value is a faas-netes Community
// Edition gateway without authentication whose functions are ready at once.
type Options struct {
	// Backend is the provider to imitate, default FaasNetes.
	Backend Backend
	// Edition is the licence tier, default CE.
	Edition Edition
	// Username and Password enable basic auth on /system/*. When both are
	// empty (and Token is empty) no authentication is required.
	Username, Password string
	// Token, when set, is accepted as "Authorization: Bearer <Token>" too.
	Token string
	// Namespace is the default function namespace, default "openfaas-fn".
	Namespace string
	// ExtraNamespaces are further namespaces that exist (Pro only; ignored in CE).
	ExtraNamespaces []string
	// ReadyAfterPolls is how many reads of a function (GET one or list)
	// after a create or update still report availableReplicas 0 on
	// faas-netes; the next read reports it ready. 0 means ready at once and
	// -1 never ready. faasd is always ready at once.
	ReadyAfterPolls int
	// DeleteAfterPolls is how many reads after a DELETE on faas-netes still
	// return the function (foreground deletion); 0 means gone at once.
	DeleteAfterPolls int
	// PublicImages, when not empty, lists the image reference prefixes (registries or
	// repositories, such as "127.0.0.1:5000/" or "ghcr.io/openfaas/") that an
	// anonymous registry request can reach. faas-netes Community Edition checks every
	// image that way on deploy and update (isAnonymous in pkg/handlers/validate.go):
	// in CE mode an image without one of these prefixes is refused, a deploy with 400
	// "the Community Edition license agreement only allows public images", an update
	// with an empty 200 that changes nothing (pkg/handlers/update.go). Empty means every
	// image is public. faasd and Pro do not check.
	PublicImages []string
	// StaleReads is how long after a write to a function through the gateway API
	// (create, update, scale, delete) faas-netes' reads (GET one and list) still show
	// the function as it was before the write: faas-netes reads from an informer cache
	// that learns of a change only when its watch event arrives. A function just created
	// is not found yet, one just updated shows its previous configuration, one just
	// deleted is still returned. Further writes within the window extend it. 0 means reads
	// see every write at once; faasd reads are always current.
	StaleReads time.Duration
	// Version is the provider release reported by /system/info, default
	// "0.18.10" for faas-netes and "0.19.6" for faasd.
	Version string
	// OnRequest, when set, is called after every gateway request has been
	// recorded. It must not log Body (it may hold secret values or env vars).
	OnRequest func(Request)
	// Spec, when set, makes the Server check every gateway request, and its own
	// answer, against the gateway's OpenAPI spec (see LoadSpec and SpecViolations).
	// Checking never changes an answer.
	Spec *Spec
}

// FunctionResources are the memory and cpu quantities of limits or requests.
type FunctionResources struct {
	// Memory is a Kubernetes quantity such as "128Mi".
	Memory string `json:"memory,omitempty"`
	// CPU is a Kubernetes quantity such as "100m".
	CPU string `json:"cpu,omitempty"`
}

// Function is a stored function: the FunctionDeployment as it was deployed
// (nothing injected, nothing dropped) plus its status. Its JSON form uses the
// FunctionDeployment field names of the gateway API.
type Function struct {
	// Service is the function name.
	Service string `json:"service"`
	// Namespace is the function namespace; "" means the default one.
	Namespace string `json:"namespace,omitempty"`
	// Image is the container image.
	Image string `json:"image"`
	// EnvProcess is the watchdog's fprocess command.
	EnvProcess string `json:"envProcess,omitempty"`
	// EnvVars are the environment variables as deployed.
	EnvVars map[string]string `json:"envVars,omitempty"`
	// Labels are the labels as deployed, without injected ones.
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are the annotations as deployed, without injected ones.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Constraints are provider-specific placement constraints.
	Constraints []string `json:"constraints,omitempty"`
	// Secrets are the names of the secrets mounted into the function.
	Secrets []string `json:"secrets,omitempty"`
	// Limits are the resource limits as deployed (not normalised).
	Limits *FunctionResources `json:"limits,omitempty"`
	// Requests are the resource requests as deployed (not normalised).
	Requests *FunctionResources `json:"requests,omitempty"`
	// ReadOnlyRootFilesystem makes the root filesystem read-only.
	ReadOnlyRootFilesystem bool `json:"readOnlyRootFilesystem,omitempty"`
	// Replicas is the desired replica count.
	Replicas uint64 `json:"replicas,omitempty"`
	// AvailableReplicas is the count of ready replicas as of the last read.
	AvailableReplicas uint64 `json:"availableReplicas,omitempty"`
	// CreatedAt is when the Deployment (faas-netes) or container (faasd) was created.
	CreatedAt time.Time `json:"createdAt"`
}

// record is the simulator's state for one function.
type record struct {
	fn Function
	// uid is the label faas-netes sets on the pod template on every update.
	uid string
	// pendingReads counts reads left before the function turns ready:
	// 0 ready, >0 not yet, -1 never (until the next update).
	pendingReads int
	// deleting marks a faas-netes foreground deletion in progress;
	// deleteReads reads still see the function.
	deleting    bool
	deleteReads int
	invocations uint64
}

type key struct{ ns, name string }

// staleView is what faas-netes' reads show of one function while its informer cache
// lags behind writes (Options.StaleReads): the record as it was before the first write
// of the window (nil: it did not exist), until the window ends.
type staleView struct {
	rec   *record
	until time.Time
}

// Server is a simulated OpenFaaS gateway. It implements http.Handler and is
// safe for concurrent use.
type Server struct {
	// Core holds the faults and the request log (SetFaults, Requests, ...).
	simcore.Core

	opts Options

	mu      sync.Mutex
	funcs   map[key]*record
	stale   map[key]*staleView
	secrets map[key][]byte
	spec    specState

	platformOnce sync.Once
	plat         *simcore.Platform

	// Listener serves the simulator (URL, Close).
	simcore.Listener

	adminOnce sync.Once
	admin     http.Handler
}

// New returns a Server with the given options; zero fields take defaults.
func New(opts Options) *Server {
	if opts.Backend == "" {
		opts.Backend = FaasNetes
	}
	if opts.Edition == "" {
		opts.Edition = CE
	}
	if opts.Namespace == "" {
		opts.Namespace = defaultNamespace
	}
	if opts.Version == "" {
		opts.Version = defaultNetesVer
		if opts.Backend == Faasd {
			opts.Version = defaultFaasdVer
		}
	}
	if opts.Edition == CE {
		opts.ExtraNamespaces = nil
	} else {
		opts.ExtraNamespaces = append([]string(nil), opts.ExtraNamespaces...)
	}
	s := &Server{
		opts:    opts,
		funcs:   map[key]*record{},
		stale:   map[key]*staleView{},
		secrets: map[key][]byte{},
	}
	s.OnRequest = opts.OnRequest
	return s
}

// Start serves the simulator on 127.0.0.1 with a random port and returns its
// base URL, such as http://127.0.0.1:40123. Calling it again returns the same URL.
func (s *Server) Start() string { return s.Listen(s, false) }

// Options returns the effective options (defaults applied).
func (s *Server) Options() Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.opts
	o.ExtraNamespaces = append([]string(nil), o.ExtraNamespaces...)
	return o
}

func (s *Server) netes() bool { return s.opts.Backend == FaasNetes }
func (s *Server) ce() bool    { return s.opts.Edition == CE }

// imageRefused reports an image that faas-netes Community Edition's anonymous registry
// check would refuse (see Options.PublicImages).
func (s *Server) imageRefused(image string) bool {
	if !s.netes() || !s.ce() || len(s.opts.PublicImages) == 0 {
		return false
	}
	for _, p := range s.opts.PublicImages {
		if strings.HasPrefix(image, p) {
			return false
		}
	}
	return true
}

// namespaces lists the namespaces that exist, the default one first.
func (s *Server) namespaces() []string {
	return append([]string{s.opts.Namespace}, s.opts.ExtraNamespaces...)
}

func (s *Server) namespaceExists(ns string) bool {
	for _, n := range s.namespaces() {
		if n == ns {
			return true
		}
	}
	return false
}

func (s *Server) nsOrDefault(ns string) string {
	if ns == "" {
		return s.opts.Namespace
	}
	return ns
}

// ---- out-of-band access -------------------------------------------------

// GetFunction returns a deep copy of the stored function (as deployed, without
// injected labels or annotations), and whether it exists. A function being
// deleted on faas-netes still exists until it disappears from reads.
func (s *Server) GetFunction(namespace, name string) (Function, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.funcs[key{s.nsOrDefault(namespace), name}]
	if !ok {
		return Function{}, false
	}
	return rec.fn.clone(), true
}

// PutFunction creates or replaces a function out of band, as `faas-cli deploy`
// would, without validation: replicas follow the labels, a replaced function
// on faas-netes gets a fresh uid label, and the function is ready at once.
func (s *Server) PutFunction(fn Function) {
	fn = fn.clone()
	fn.Namespace = s.nsOrDefault(fn.Namespace)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{fn.Namespace, fn.Service}
	old := s.funcs[k]
	rec := &record{fn: fn}
	if fn.CreatedAt.IsZero() {
		rec.fn.CreatedAt = s.now()
		if old != nil && s.netes() {
			rec.fn.CreatedAt = old.fn.CreatedAt
		}
	}
	rec.fn.Replicas = s.desiredReplicas(fn.Labels, nil)
	if old != nil {
		rec.invocations = old.invocations
		if s.netes() {
			rec.fn.Replicas = s.desiredReplicas(fn.Labels, &old.fn.Replicas)
			rec.uid = newUID()
		}
	}
	rec.fn.AvailableReplicas = rec.fn.Replicas
	s.funcs[k] = rec
}

// ModifyFunction changes a stored function in place, as someone editing the
// Deployment directly would: no validation, no new uid, readiness unchanged
// unless mutate changes AvailableReplicas (which then stays as set). It reports
// false when the function does not exist.
func (s *Server) ModifyFunction(namespace, name string, mutate func(*Function)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{s.nsOrDefault(namespace), name}
	rec, ok := s.funcs[k]
	if !ok {
		return false
	}
	fn := rec.fn.clone()
	mutate(&fn)
	// Identity cannot be changed in place.
	fn.Service, fn.Namespace = rec.fn.Service, rec.fn.Namespace
	if fn.AvailableReplicas != rec.fn.AvailableReplicas {
		rec.pendingReads = 0
		if fn.AvailableReplicas < fn.Replicas {
			rec.pendingReads = -1
		}
	}
	rec.fn = fn.clone()
	return true
}

// DeleteFunction removes a function at once, bypassing any foreground
// deletion delay. It reports false when the function does not exist.
func (s *Server) DeleteFunction(namespace, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{s.nsOrDefault(namespace), name}
	if _, ok := s.funcs[k]; !ok {
		return false
	}
	delete(s.funcs, k)
	return true
}

// Functions returns deep copies of the functions stored in namespace ("" for
// the default one), sorted by name.
func (s *Server) Functions(namespace string) []Function {
	ns := s.nsOrDefault(namespace)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Function{}
	for k, rec := range s.funcs {
		if k.ns == ns {
			out = append(out, rec.fn.clone())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out
}

// SetReadyAfterPolls changes Options.ReadyAfterPolls for the deployments and updates
// that follow (-1: they never become ready), as when a cluster runs out of capacity.
func (s *Server) SetReadyAfterPolls(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.ReadyAfterPolls = n
}

// SetStaleReads changes Options.StaleReads for the writes that follow.
func (s *Server) SetStaleReads(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.StaleReads = d
}

// SetNotReady makes a function report availableReplicas 0 until its next
// update, as if its pods were crash-looping. Invocations then answer 503.
func (s *Server) SetNotReady(namespace, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.funcs[key{s.nsOrDefault(namespace), name}]; ok {
		rec.pendingReads = -1
		rec.fn.AvailableReplicas = 0
	}
}

// PutSecret creates or replaces a secret out of band.
func (s *Server) PutSecret(namespace, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[key{s.nsOrDefault(namespace), name}] = []byte(value)
}

// SecretValue returns a secret's value and whether it exists.
func (s *Server) SecretValue(namespace, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.secrets[key{s.nsOrDefault(namespace), name}]
	return string(v), ok
}

// DeleteSecret removes a secret out of band; it reports false when missing.
func (s *Server) DeleteSecret(namespace, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{s.nsOrDefault(namespace), name}
	if _, ok := s.secrets[k]; !ok {
		return false
	}
	delete(s.secrets, k)
	return true
}

// ---- model helpers ------------------------------------------------------

func (s *Server) now() time.Time {
	t := time.Now().UTC()
	if s.netes() {
		// Kubernetes creationTimestamp has second precision.
		t = t.Truncate(time.Second)
	}
	return t
}

// desiredReplicas is the replica count a deploy or update sets. faas-netes
// uses com.openfaas.scale.min when it is a positive integer, else 1 on
// create or the current count on update (prev); Pro with scale to zero may
// start at 0. CE caps at 5. faasd runs exactly one container.
func (s *Server) desiredReplicas(labels map[string]string, prev *uint64) uint64 {
	if !s.netes() {
		return 1
	}
	n := uint64(1)
	if prev != nil {
		n = *prev
	}
	if v, ok := labels[labelScaleMin]; ok {
		if m, err := strconv.ParseUint(v, 10, 32); err == nil {
			switch {
			case m > 0:
				n = m
			case !s.ce() && labels[labelScaleZero] == "true":
				n = 0
			}
		}
	}
	if s.ce() && n > ceMaxReplicas {
		n = ceMaxReplicas
	}
	return n
}

// observe is one read of rec through the gateway API (GET one or list). It
// advances readiness and foreground deletion and reports whether the
// function is still visible. The caller holds s.mu.
func (s *Server) observe(k key, rec *record) bool {
	if rec.deleting {
		if rec.deleteReads <= 0 {
			delete(s.funcs, k)
			return false
		}
		rec.deleteReads--
	}
	switch {
	case rec.pendingReads == 0:
		rec.fn.AvailableReplicas = rec.fn.Replicas
	case rec.pendingReads > 0:
		rec.pendingReads--
		rec.fn.AvailableReplicas = 0
	default:
		rec.fn.AvailableReplicas = 0
	}
	return true
}

// beginWrite is called before a write through the gateway API changes function k: on
// faas-netes with Options.StaleReads, reads keep showing k as it was before the write
// until the window (from the window's first write) ends StaleReads after this write. The
// caller holds s.mu.
func (s *Server) beginWrite(k key) {
	if !s.netes() || s.opts.StaleReads <= 0 {
		return
	}
	now := time.Now()
	v, ok := s.stale[k]
	if !ok || !now.Before(v.until) {
		v = &staleView{}
		if rec, ok := s.funcs[k]; ok {
			snap := *rec
			snap.fn = rec.fn.clone()
			v.rec = &snap
		}
		s.stale[k] = v
	}
	v.until = now.Add(s.opts.StaleReads)
}

// readable returns the record a gateway read of k sees (a stale view, which reads never
// advance, or the live one); nil when the read finds nothing. The caller holds s.mu.
func (s *Server) readable(k key) *record {
	if v, ok := s.stale[k]; ok {
		if time.Now().Before(v.until) {
			return v.rec
		}
		delete(s.stale, k)
	}
	rec, ok := s.funcs[k]
	if !ok || !s.observe(k, rec) {
		return nil
	}
	return rec
}

// readableKeys lists the functions a gateway list of namespace ns may see: the stored
// ones and those a stale view still shows. The caller holds s.mu.
func (s *Server) readableKeys(ns string) []key {
	seen := map[key]bool{}
	var out []key
	for _, m := range []map[key]bool{keysOf(s.funcs), keysOf(s.stale)} {
		for k := range m {
			if k.ns == ns && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

func keysOf[V any](m map[key]V) map[key]bool {
	out := make(map[key]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func newUID() string {
	// faas-netes uses the nanosecond part of the clock: a number below 1e9.
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	if err != nil {
		return strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 10)
	}
	return n.String()
}

func (f Function) clone() Function {
	c := f
	c.EnvVars = maps.Clone(f.EnvVars)
	c.Labels = maps.Clone(f.Labels)
	c.Annotations = maps.Clone(f.Annotations)
	c.Constraints = append([]string(nil), f.Constraints...)
	c.Secrets = append([]string(nil), f.Secrets...)
	if f.Limits != nil {
		l := *f.Limits
		c.Limits = &l
	}
	if f.Requests != nil {
		r := *f.Requests
		c.Requests = &r
	}
	return c
}

// compile-time check.
var _ http.Handler = (*Server)(nil)
