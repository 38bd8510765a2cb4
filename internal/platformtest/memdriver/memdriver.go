// Package memdriver is a fake third platform, "memfake": a driver that keeps functions,
// their scaling policies and triggers, routes and secrets in memory, in a Store shared by every driver opened on it in the process.
// It exists to prove that a platform is a driver package plus one registration line
// (DESIGN.md section 11): it passes the driver contract (internal/platformtest), and it
// plugs into the provider as the memfake platform block (Block) in the acceptance tests,
// never in the provider that is shipped.
//
// Its Store behaves as a remote platform would where the contract looks: it records
// every write, can apply a write and lose its answer (an ambiguous create), and keeps
// returning a deleted object for DeleteLag reads, as an asynchronous delete does.
package memdriver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Platform is the platform name the driver reports in platform.Info.
const Platform = "memfake"

// DefaultNamespace is the namespace used when a driver is opened without one.
const DefaultNamespace = "default"

var (
	_ platform.Driver       = (*Driver)(nil)
	_ platform.SecretDriver = (*Driver)(nil)
)

// Store is one in-memory platform. It is safe for concurrent use.
type Store struct {
	name string

	mu        sync.Mutex
	functions map[platform.FunctionID]*entry
	secrets   map[secretKey]*secretEntry
	routes    map[routeKey]*routeEntry
	writes    []string
	loseNext  int
	dropNext  int
	deleteLag int
}

type entry struct {
	fn    platform.Function
	token string // the create token: who made it
	gone  int    // reads left before a deleted function disappears; 0 when live

	// The function's children (children.go), deleted with it.
	policy   *platform.ScalingPolicy
	triggers map[string]platform.Trigger // by triggerKey
}

type secretKey struct{ namespace, name string }

type secretEntry struct {
	value string
	token string
	gone  int
}

var (
	storesMu sync.Mutex
	stores   = map[string]*Store{}
)

// Open returns the process-wide store named name, creating it empty on first use. The
// provider's memfake block names its store, so a test can reach the store its provider
// writes to.
func Open(name string) *Store {
	storesMu.Lock()
	defer storesMu.Unlock()
	s, ok := stores[name]
	if !ok {
		s = NewStore(name)
		stores[name] = s
	}
	return s
}

// NewStore returns an empty store of its own, not shared through Open.
func NewStore(name string) *Store {
	return &Store{name: name, functions: map[platform.FunctionID]*entry{}, secrets: map[secretKey]*secretEntry{}, routes: map[routeKey]*routeEntry{}}
}

// SetDeleteLag makes a deleted function or secret stay visible to n more reads, as on a
// platform that deletes in the background.
func (s *Store) SetDeleteLag(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleteLag = n
}

// LoseNextResponses makes the next n writes apply and then fail with an error matching
// platform.ErrAmbiguous, as a connection closed after the request was sent.
func (s *Store) LoseNextResponses(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loseNext = n
}

// DropNextWrites makes the next n writes fail with an error matching
// platform.ErrAmbiguous without being applied, as a connection closed before the
// platform read the request.
func (s *Store) DropNextWrites(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropNext = n
}

// Writes lists every write so far: "POST" for a create, "PUT" for an update, "DELETE".
func (s *Store) Writes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

// Function returns a copy of a function as stored, deleted or not, and whether it is
// there (a function being deleted is there until its lag has passed).
func (s *Store) Function(id platform.FunctionID) (platform.Function, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.functions[id]
	if !ok {
		return platform.Function{}, false
	}
	return clone(e.fn), true
}

// Functions lists the ids of the functions stored in namespace, sorted.
func (s *Store) Functions(namespace string) []platform.FunctionID {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []platform.FunctionID
	for id := range s.functions {
		if id.Namespace == namespace {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].Name < ids[j].Name })
	return ids
}

// PutFunction stores fn out of band, as another tool would, without a create token of
// any driver; it replaces a function of the same id.
func (s *Store) PutFunction(fn platform.Function) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn.Status = platform.FunctionStatus{}
	s.functions[fn.ID] = &entry{fn: clone(fn)}
}

// ModifyFunction edits a stored function out of band; it reports whether it exists.
func (s *Store) ModifyFunction(id platform.FunctionID, edit func(fn *platform.Function)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.functions[id]
	if ok {
		edit(&e.fn)
	}
	return ok
}

// DeleteFunction removes a function out of band, at once.
func (s *Store) DeleteFunction(id platform.FunctionID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.functions, id)
}

// Secret returns a secret's value and whether it is stored.
func (s *Store) Secret(namespace, name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.secrets[secretKey{namespace, name}]
	if !ok {
		return "", false
	}
	return e.value, true
}

// dropLocked reports whether the next write is dropped before it is applied; a
// dropped write is recorded as sent.
func (s *Store) dropLocked(method string) bool {
	if s.dropNext == 0 {
		return false
	}
	s.dropNext--
	s.writes = append(s.writes, method)
	return true
}

// writeLocked records a write and reports whether its answer is lost.
func (s *Store) writeLocked(method string) (lost bool) {
	s.writes = append(s.writes, method)
	if s.loseNext > 0 {
		s.loseNext--
		return true
	}
	return false
}

// lostAnswer is the error of a write whose answer was lost.
func lostAnswer(what string) error {
	return fmt.Errorf("%s: the connection closed before the answer arrived: %w", what, platform.ErrAmbiguous)
}

// readLocked returns the entry of id, counting down a deleted entry's lag.
func (s *Store) readLocked(id platform.FunctionID) (*entry, bool) {
	e, ok := s.functions[id]
	if !ok {
		return nil, false
	}
	if e.gone > 0 {
		e.gone--
		if e.gone == 0 {
			delete(s.functions, id)
		}
	}
	return e, true
}

func clone(fn platform.Function) platform.Function {
	c := fn
	c.Command, c.Args = slices.Clone(fn.Command), slices.Clone(fn.Args)
	c.Env, c.Labels, c.Annotations = maps.Clone(fn.Env), maps.Clone(fn.Labels), maps.Clone(fn.Annotations)
	c.Secrets, c.ImagePullSecrets, c.Constraints = slices.Clone(fn.Secrets), slices.Clone(fn.ImagePullSecrets), slices.Clone(fn.Constraints)
	c.Unset = nil
	c.Status = platform.FunctionStatus{}
	return c
}

// Driver is a platform.Driver on a Store.
type Driver struct {
	store     *Store
	namespace string
	poll      wait.Backoff
}

// New returns a driver on store; namespace defaults to DefaultNamespace.
func New(store *Store, namespace string) *Driver {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return &Driver{store: store, namespace: namespace,
		poll: wait.Backoff{Duration: 5 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 1 << 30, Cap: 200 * time.Millisecond}}
}

// Info implements platform.Driver.
func (d *Driver) Info(context.Context) (platform.Info, error) {
	return platform.Info{Platform: Platform, Backend: "memory", Version: "0", Endpoint: "memfake://" + d.store.name,
		Capabilities: platform.Capabilities{Supported: []platform.Feature{
			platform.FeatureFunction, platform.FeatureFunctionCommand, platform.FeatureFunctionArgs, platform.FeatureFunctionEnv, platform.FeatureFunctionSecrets,
			platform.FeatureFunctionLabels, platform.FeatureFunctionAnnotations, platform.FeatureFunctionLimitsMemory,
			platform.FeatureFunctionLimitsCPU, platform.FeatureFunctionRequests, platform.FeatureFunctionTimeout,
			platform.FeatureFunctionMaxConcurrency, platform.FeatureFunctionReadOnlyRootFilesystem,
			platform.FeatureFunctionNamespaceMultiple, platform.FeatureSecret,
			platform.FeatureScalingPolicy, platform.FeatureScalingPolicyMetric, platform.FeatureScalingPolicyMinReplicasZero,
			platform.FeatureTriggerCron, platform.FeatureTriggerTopic, platform.FeatureTriggerTopicMultiple, platform.FeatureTriggerCronAndTopic,
			platform.FeatureTriggerTimeZone, platform.FeatureTriggerPayload, platform.FeatureRoute, platform.FeatureRouteTLSSecret,
		}, ScalingMetrics: scalingMetrics}}, nil
}

// DefaultNamespace implements platform.Driver.
func (d *Driver) DefaultNamespace() string { return d.namespace }

// CheckFunction implements platform.Driver: what an in-memory function cannot have, and
// names outside memfake's rule (names.go).
func (d *Driver) CheckFunction(_ context.Context, fn *platform.Function) ([]*platform.UnsupportedError, error) {
	var out []*platform.UnsupportedError
	add := func(attr platform.AttrPath, reason string) {
		out = append(out, &platform.UnsupportedError{Attribute: attr, Platform: Platform, Reason: reason})
	}
	out = append(out, nameFindings(fn.ID.Namespace, fn.ID.Name)...)
	if len(fn.ImagePullSecrets) > 0 {
		add(platform.Attr("image_pull_secrets"), "the memfake platform pulls no images")
	}
	if len(fn.Constraints) > 0 {
		add(platform.Attr("openfaas").Name("constraints"), "constraints are an OpenFaaS setting")
	}
	if !fn.Watchdog.IsZero() {
		add(platform.Attr("openfaas"), "the watchdog timeouts are OpenFaaS settings")
	}
	if fn.RevisionName != "" {
		add(platform.Attr("revision_name"), "the memfake platform has no revisions")
	}
	return out, nil
}

func (d *Driver) endpoint() string { return "memfake://" + d.store.name }

// CreateFunction implements platform.Driver through platform.CreateOnce: the stored
// function carries a random create token, and a create whose answer was lost adopts
// only a function carrying it.
func (d *Driver) CreateFunction(ctx context.Context, fn *platform.Function) (*platform.Function, error) {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.endpoint(), fn.ID))
	defer unlock()
	token := newToken()
	return platform.CreateOnce(ctx, platform.Create[*platform.Function]{
		Send: func(context.Context) (*platform.Function, error) {
			s := d.store
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.dropLocked("POST") {
				return nil, lostAnswer("creating function " + fn.ID.String())
			}
			lost := s.writeLocked("POST")
			if _, ok := s.functions[fn.ID]; ok {
				return nil, fmt.Errorf("function %s already exists: %w", fn.ID, platform.ErrConflict)
			}
			s.functions[fn.ID] = &entry{fn: clone(*fn), token: token}
			if lost {
				return nil, lostAnswer("creating function " + fn.ID.String())
			}
			return d.view(s.functions[fn.ID]), nil
		},
		ReadBack: func(context.Context) (*platform.Function, bool, error) {
			s := d.store
			s.mu.Lock()
			defer s.mu.Unlock()
			e, ok := s.readLocked(fn.ID)
			if !ok {
				return nil, false, fmt.Errorf("function %s: %w", fn.ID, platform.ErrNotFound)
			}
			return d.view(e), e.token == token, nil
		},
		Exists: func(cause error) error {
			return fmt.Errorf("function %s already exists and was not created by this resource (%w). %s",
				fn.ID, platform.ErrConflict, platform.ImportHint(fn.ID.String()))
		},
	})
}

// view is what a read returns of an entry: ready at once.
func (d *Driver) view(e *entry) *platform.Function {
	fn := clone(e.fn)
	fn.Status = platform.FunctionStatus{InvokeURL: d.endpoint() + "/" + fn.ID.String(), Replicas: 1, AvailableReplicas: 1, Ready: true, Reason: "Ready"}
	return &fn
}

// ReadFunction implements platform.Driver.
func (d *Driver) ReadFunction(_ context.Context, id platform.FunctionID) (*platform.Function, error) {
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.readLocked(id)
	if !ok {
		return nil, fmt.Errorf("function %s: %w", id, platform.ErrNotFound)
	}
	return d.view(e), nil
}

// UpdateFunction implements platform.Driver: it replaces the stored function, keeping
// its create token, and writes nothing when nothing would change.
func (d *Driver) UpdateFunction(_ context.Context, fn *platform.Function) (*platform.Function, error) {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.endpoint(), fn.ID))
	defer unlock()
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.readLocked(fn.ID)
	if !ok || e.gone > 0 {
		return nil, fmt.Errorf("updating function %s: %w", fn.ID, platform.ErrNotFound)
	}
	next := clone(*fn)
	if equal(e.fn, next) {
		return d.view(e), nil
	}
	e.fn = next
	if s.writeLocked("PUT") {
		return nil, lostAnswer("updating function " + fn.ID.String())
	}
	return d.view(e), nil
}

// equal compares two stored functions, empty and absent collections alike.
func equal(a, b platform.Function) bool {
	norm := func(f platform.Function) platform.Function {
		for _, m := range []*map[string]string{&f.Env, &f.Labels, &f.Annotations} {
			if len(*m) == 0 {
				*m = nil
			}
		}
		for _, l := range []*[]string{&f.Command, &f.Args, &f.Secrets, &f.ImagePullSecrets, &f.Constraints} {
			if len(*l) == 0 {
				*l = nil
			}
		}
		return f
	}
	a, b = norm(a), norm(b)
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

// DeleteFunction implements platform.Driver: a missing function is not an error, and
// it returns once reads no longer return the function.
func (d *Driver) DeleteFunction(ctx context.Context, id platform.FunctionID) error {
	unlock := platform.FunctionLocks.Lock(platform.FunctionLockKey(d.endpoint(), id))
	defer unlock()
	s := d.store
	s.mu.Lock()
	if e, ok := s.functions[id]; ok && e.gone == 0 {
		// A delete is idempotent: whether its answer is lost or not, the wait below
		// finds the outcome.
		s.writeLocked("DELETE")
		if s.deleteLag > 0 {
			e.gone = s.deleteLag
		} else {
			delete(s.functions, id)
		}
	}
	s.mu.Unlock()
	return platform.WaitFor(ctx, "function "+id.String(), "deleted", d.poll, func(ctx context.Context) (bool, string, error) {
		_, err := d.ReadFunction(ctx, id)
		switch {
		case errors.Is(err, platform.ErrNotFound):
			return true, "", nil
		case err != nil:
			return false, "", err
		}
		return false, "still returned (deletion in progress)", nil
	})
}

// ListFunctions implements platform.Driver, sorted by name.
func (d *Driver) ListFunctions(_ context.Context, namespace string) ([]*platform.Function, error) {
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*platform.Function
	for id, e := range s.functions {
		if id.Namespace == namespace && e.gone == 0 {
			out = append(out, d.view(e))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID.Name < out[j].ID.Name })
	return out, nil
}

// CreateSecret implements platform.SecretDriver through platform.CreateOnce, as
// CreateFunction does.
func (d *Driver) CreateSecret(ctx context.Context, sec *platform.Secret) error {
	k := secretKey{sec.Namespace, sec.Name}
	token := newToken()
	_, err := platform.CreateOnce(ctx, platform.Create[struct{}]{
		Send: func(context.Context) (struct{}, error) {
			s := d.store
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.dropLocked("POST") {
				return struct{}{}, lostAnswer("creating secret " + sec.Namespace + "/" + sec.Name)
			}
			lost := s.writeLocked("POST")
			if _, ok := s.secrets[k]; ok {
				return struct{}{}, fmt.Errorf("secret %s/%s already exists: %w", sec.Namespace, sec.Name, platform.ErrConflict)
			}
			s.secrets[k] = &secretEntry{value: sec.Value, token: token}
			if lost {
				return struct{}{}, lostAnswer("creating secret " + sec.Namespace + "/" + sec.Name)
			}
			return struct{}{}, nil
		},
		ReadBack: func(context.Context) (struct{}, bool, error) {
			s := d.store
			s.mu.Lock()
			defer s.mu.Unlock()
			e, ok := s.readSecretLocked(k)
			if !ok {
				return struct{}{}, false, platform.ErrNotFound
			}
			return struct{}{}, e.token == token, nil
		},
		Exists: func(error) error {
			return fmt.Errorf("secret %s/%s already exists and is not managed by this resource (%w). %s",
				sec.Namespace, sec.Name, platform.ErrConflict, platform.ImportHint(sec.Namespace+"/"+sec.Name))
		},
	})
	return err
}

func (s *Store) readSecretLocked(k secretKey) (*secretEntry, bool) {
	e, ok := s.secrets[k]
	if !ok {
		return nil, false
	}
	if e.gone > 0 {
		e.gone--
		if e.gone == 0 {
			delete(s.secrets, k)
		}
	}
	return e, true
}

// UpdateSecret implements platform.SecretDriver.
func (d *Driver) UpdateSecret(_ context.Context, sec *platform.Secret) error {
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.readSecretLocked(secretKey{sec.Namespace, sec.Name})
	if !ok || e.gone > 0 {
		return fmt.Errorf("updating secret %s/%s: %w", sec.Namespace, sec.Name, platform.ErrNotFound)
	}
	s.writeLocked("PUT")
	e.value = sec.Value
	return nil
}

// SecretExists implements platform.SecretDriver.
func (d *Driver) SecretExists(_ context.Context, namespace, name string) (bool, error) {
	s := d.store
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.readSecretLocked(secretKey{namespace, name})
	return ok, nil
}

// DeleteSecret implements platform.SecretDriver: a missing secret is not an error, and
// it returns once reads no longer return the secret.
func (d *Driver) DeleteSecret(ctx context.Context, namespace, name string) error {
	s := d.store
	k := secretKey{namespace, name}
	s.mu.Lock()
	if e, ok := s.secrets[k]; ok && e.gone == 0 {
		s.writeLocked("DELETE")
		if s.deleteLag > 0 {
			e.gone = s.deleteLag
		} else {
			delete(s.secrets, k)
		}
	}
	s.mu.Unlock()
	return platform.WaitFor(ctx, "secret "+namespace+"/"+name, "deleted", d.poll, func(ctx context.Context) (bool, string, error) {
		ok, err := d.SecretExists(ctx, namespace, name)
		return !ok, "still returned (deletion in progress)", err
	})
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
