package openfaassim

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// functionStatus is the FunctionStatus wire shape (internal/driver/openfaas/FACTS.md
// section 3). The omitempty tags follow faas-provider's types, so a zero
// availableReplicas or replicas is absent from the JSON.
type functionStatus struct {
	Name                   string             `json:"name"`
	Image                  string             `json:"image"`
	Namespace              string             `json:"namespace,omitempty"`
	EnvProcess             string             `json:"envProcess,omitempty"`
	EnvVars                map[string]string  `json:"envVars,omitempty"`
	Constraints            []string           `json:"constraints,omitempty"`
	Secrets                []string           `json:"secrets,omitempty"`
	Labels                 map[string]string  `json:"labels,omitempty"`
	Annotations            map[string]string  `json:"annotations,omitempty"`
	Limits                 *FunctionResources `json:"limits,omitempty"`
	Requests               *FunctionResources `json:"requests,omitempty"`
	ReadOnlyRootFilesystem bool               `json:"readOnlyRootFilesystem,omitempty"`
	InvocationCount        float64            `json:"invocationCount,omitempty"`
	Replicas               uint64             `json:"replicas,omitempty"`
	AvailableReplicas      uint64             `json:"availableReplicas,omitempty"`
	CreatedAt              time.Time          `json:"createdAt"`
}

type deleteRequest struct {
	FunctionName string `json:"functionName"`
	Namespace    string `json:"namespace"`
}

type scaleRequest struct {
	ServiceName string `json:"serviceName"`
	Namespace   string `json:"namespace"`
	Replicas    uint64 `json:"replicas"`
}

type secretBody struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Value     string `json:"value,omitempty"`
	RawValue  []byte `json:"rawValue,omitempty"`
}

type versionInfo struct {
	CommitMessage string `json:"commit_message,omitempty"`
	SHA           string `json:"sha"`
	Release       string `json:"release"`
}

type providerInfo struct {
	Provider      string      `json:"provider"`
	Orchestration string      `json:"orchestration"`
	Version       versionInfo `json:"version"`
}

type gatewayInfo struct {
	Provider providerInfo `json:"provider"`
	Version  versionInfo  `json:"version"`
	Arch     string       `json:"arch"`
}

var callID atomic.Uint64

// route dispatches one gateway request (faults and logging already applied).
// Like the gateway's router, an unknown path is 404 and a known path with a
// wrong method is 405, both before authentication.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/healthz":
		if allow(w, r, http.MethodGet) {
			_, _ = w.Write([]byte("OK"))
		}
	case p == "/system/functions":
		if allow(w, r, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete) && s.auth(w, r) {
			switch r.Method {
			case http.MethodGet:
				s.listFunctions(w, r)
			case http.MethodPost:
				s.deployFunction(w, r)
			case http.MethodPut:
				s.updateFunction(w, r)
			default:
				s.deleteFunctionHTTP(w, r)
			}
		}
	case strings.HasPrefix(p, "/system/function/") && !strings.Contains(p[len("/system/function/"):], "/"):
		if allow(w, r, http.MethodGet) && s.auth(w, r) {
			s.getFunction(w, r, p[len("/system/function/"):])
		}
	case p == "/system/info":
		if allow(w, r, http.MethodGet) && s.auth(w, r) {
			s.info(w)
		}
	case p == "/system/namespaces":
		if allow(w, r, http.MethodGet) && s.auth(w, r) {
			writeJSON(w, s.namespaces())
		}
	case strings.HasPrefix(p, "/system/namespace/") && !strings.Contains(p[len("/system/namespace/"):], "/"):
		s.namespaceHTTP(w, r, p[len("/system/namespace/"):])
	case p == "/system/secrets":
		if allow(w, r, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete) && s.auth(w, r) {
			s.secretsHTTP(w, r)
		}
	case strings.HasPrefix(p, "/system/scale-function/") && !strings.Contains(p[len("/system/scale-function/"):], "/"):
		if allow(w, r, http.MethodPost) && s.auth(w, r) {
			s.scaleFunction(w, r, p[len("/system/scale-function/"):])
		}
	case strings.HasPrefix(p, "/function/"):
		s.invoke(w, r, p[len("/function/"):], false)
	case strings.HasPrefix(p, "/async-function/"):
		if allow(w, r, http.MethodPost) {
			s.invoke(w, r, p[len("/async-function/"):], true)
		}
	default:
		http.NotFound(w, r)
	}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	w.WriteHeader(http.StatusMethodNotAllowed)
	return false
}

// auth checks basic auth (and the bearer token when configured) as the
// gateway's decorator does (internal/driver/openfaas/FACTS.md section 2.1).
func (s *Server) auth(w http.ResponseWriter, r *http.Request) bool {
	o := s.opts
	if o.Username == "" && o.Password == "" && o.Token == "" {
		return true
	}
	if o.Username != "" || o.Password != "" {
		if u, p, ok := r.BasicAuth(); ok &&
			subtle.ConstantTimeCompare([]byte(u), []byte(o.Username)) == 1 &&
			subtle.ConstantTimeCompare([]byte(p), []byte(o.Password)) == 1 {
			return true
		}
	}
	if o.Token != "" {
		h := r.Header.Get("Authorization")
		if t, ok := strings.CutPrefix(h, "Bearer "); ok && subtle.ConstantTimeCompare([]byte(t), []byte(o.Token)) == 1 {
			return true
		}
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="Restricted"`)
	http.Error(w, "invalid credentials", http.StatusUnauthorized)
	return false
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// writeOK answers a successful write: faas-netes 202 (asynchronous), faasd
// 200 (synchronous, no explicit WriteHeader) (internal/driver/openfaas/FACTS.md
// section 4.1).
func (s *Server) writeOK(w http.ResponseWriter) {
	if s.netes() {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// namespaceError returns the 400 message for a namespace that does not
// exist, or "" when it exists. faas-netes CE names the only valid one
// (internal/driver/openfaas/FACTS.md section 4.1); faasd and Pro answer a
// plain "namespace not valid".
func (s *Server) namespaceError(ns string) string {
	if s.namespaceExists(ns) {
		return ""
	}
	if s.netes() && s.ce() {
		return "namespace must be: " + s.opts.Namespace
	}
	return "namespace not valid"
}

// ---- functions -----------------------------------------------------------

// listFunctions serves GET /system/functions. An unknown namespace is 400
// (faas-netes CE checks the namespace before listing, with the same message
// as deploy; faasd rejects namespaces without the openfaas label with 400).
func (s *Server) listFunctions(w http.ResponseWriter, r *http.Request) {
	ns := s.nsOrDefault(r.URL.Query().Get("namespace"))
	if msg := s.namespaceError(ns); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	out := []functionStatus{}
	for _, k := range s.readableKeys(ns) {
		rec := s.readable(k)
		if rec == nil {
			continue
		}
		st := s.status(rec)
		st.InvocationCount = float64(rec.invocations)
		out = append(out, st)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, out)
}

// getFunction serves GET /system/function/{name}: 200, 404 with an empty
// body, or 400 for an unknown namespace (as for the list).
func (s *Server) getFunction(w http.ResponseWriter, r *http.Request, name string) {
	ns := s.nsOrDefault(r.URL.Query().Get("namespace"))
	if msg := s.namespaceError(ns); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	rec := s.readable(key{ns, name})
	ok := rec != nil
	var st functionStatus
	if ok {
		st = s.status(rec)
	}
	s.mu.Unlock()
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	writeJSON(w, st)
}

// status renders a record as the provider's FunctionStatus (internal/driver/openfaas/FACTS.md
// section 5).
// The caller holds s.mu.
func (s *Server) status(rec *record) functionStatus {
	fn := rec.fn
	st := functionStatus{
		Name:       fn.Service,
		Image:      fn.Image,
		Namespace:  fn.Namespace,
		EnvProcess: fn.EnvProcess,
		Secrets:    append([]string(nil), fn.Secrets...),
		CreatedAt:  fn.CreatedAt,
	}
	if st.EnvProcess == "" {
		// Both providers read envProcess back from the fprocess variable.
		st.EnvProcess = fn.EnvVars["fprocess"]
	}
	if s.netes() {
		// Pod-template labels: faas_function and (after an update) uid first,
		// then the request's labels, which win on a clash.
		st.Labels = map[string]string{labelFunction: fn.Service}
		if rec.uid != "" {
			st.Labels[labelUID] = rec.uid
		}
		for k, v := range fn.Labels {
			st.Labels[k] = v
		}
		st.Annotations = maps.Clone(fn.Annotations)
		if st.Annotations == nil {
			st.Annotations = map[string]string{}
		}
		if _, ok := st.Annotations[annotationScrape]; !ok {
			st.Annotations[annotationScrape] = "false"
		}
		// envVars, constraints and readOnlyRootFilesystem are not returned.
		st.Limits = k8sResources(fn.Limits)
		st.Requests = k8sResources(fn.Requests)
		st.Replicas = fn.Replicas
		st.AvailableReplicas = fn.AvailableReplicas
		return st
	}
	// faasd: container labels split back into labels and annotations.
	st.Labels = maps.Clone(fn.Labels)
	st.Annotations = maps.Clone(fn.Annotations)
	env := map[string]string{}
	for k, v := range fn.EnvVars {
		if k != "PATH" && k != "fprocess" {
			env[k] = v
		}
	}
	if len(env) > 0 {
		st.EnvVars = env
	}
	if fn.Limits != nil && fn.Limits.Memory != "" {
		st.Limits = &FunctionResources{Memory: normaliseQuantity(fn.Limits.Memory)}
	}
	if fn.AvailableReplicas > 0 {
		// One container per function: running or not.
		st.Replicas, st.AvailableReplicas = 1, 1
	}
	return st
}

// k8sResources renders limits or requests as faas-netes reads them from the
// container: once any quantity is set, both memory and cpu are returned, the
// missing one as the zero quantity "0", and both in canonical form.
func k8sResources(r *FunctionResources) *FunctionResources {
	if r == nil || (r.Memory == "" && r.CPU == "") {
		return nil
	}
	return &FunctionResources{Memory: normaliseQuantity(r.Memory), CPU: normaliseQuantity(r.CPU)}
}

func normaliseQuantity(v string) string {
	if v == "" {
		return "0"
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return v
	}
	return q.String()
}

// decodeDeployment reads a FunctionDeployment body; status fields are ignored.
func decodeDeployment(w http.ResponseWriter, r *http.Request) (Function, bool) {
	var fn Function
	if err := json.NewDecoder(r.Body).Decode(&fn); err != nil {
		http.Error(w, "failed to unmarshal request: "+err.Error(), http.StatusBadRequest)
		return Function{}, false
	}
	fn.Replicas, fn.AvailableReplicas, fn.CreatedAt = 0, 0, time.Time{}
	return fn, true
}

// ceImageMessage is faas-netes Community Edition's answer to an image that an anonymous
// registry request cannot reach (pkg/handlers/validate.go).
const ceImageMessage = "the Community Edition license agreement only allows public images"

// deployFunction serves POST /system/functions (internal/driver/openfaas/FACTS.md
// section 4.1).
func (s *Server) deployFunction(w http.ResponseWriter, r *http.Request) {
	fn, ok := decodeDeployment(w, r)
	if !ok {
		return
	}
	fn.Namespace = s.nsOrDefault(fn.Namespace)
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg := s.validate(&fn); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if s.imageRefused(fn.Image) {
		// After the secrets and before the count, as in faas-netes pkg/handlers/deploy.go.
		http.Error(w, ceImageMessage, http.StatusBadRequest)
		return
	}
	k := key{fn.Namespace, fn.Service}
	if s.ce() && s.countFunctions() >= ceMaxFunctions {
		// faas-netes counts its namespace's functions before creating the Deployment, so
		// a duplicate create at the limit is refused as over the limit
		// (pkg/handlers/deploy.go); faasd's wording is the simulator's own.
		msg := fmt.Sprintf("the Community Edition license agreement only allows %d functions", ceMaxFunctions)
		if s.netes() {
			msg = fmt.Sprintf("unable to create function, maximum: %d, visit https://openfaas.com/pricing to upgrade to OpenFaaS Standard", ceMaxFunctions)
		}
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if _, exists := s.funcs[k]; exists {
		if s.netes() {
			// Kubernetes AlreadyExists is mapped to 500, not 409.
			http.Error(w, fmt.Sprintf("unable create Deployment: deployments.apps %q already exists", fn.Service), http.StatusInternalServerError)
		} else {
			http.Error(w, fmt.Sprintf("failed to create container: container %q: already exists", fn.Service), http.StatusBadRequest)
		}
		return
	}
	if s.netes() {
		if msg := k8sMetaError(&fn, ""); msg != "" {
			http.Error(w, "unable create Deployment: "+msg, http.StatusInternalServerError)
			return
		}
	}
	rec := &record{fn: fn}
	rec.fn.CreatedAt = s.now()
	rec.fn.Replicas = s.desiredReplicas(fn.Labels, nil)
	if s.netes() {
		rec.pendingReads = s.opts.ReadyAfterPolls
	}
	if rec.pendingReads == 0 {
		rec.fn.AvailableReplicas = rec.fn.Replicas
	}
	s.beginWrite(k)
	s.funcs[k] = rec
	s.writeOK(w)
}

// updateFunction serves PUT /system/functions: a full replace
// (internal/driver/openfaas/FACTS.md section 4.1).
func (s *Server) updateFunction(w http.ResponseWriter, r *http.Request) {
	fn, ok := decodeDeployment(w, r)
	if !ok {
		return
	}
	fn.Namespace = s.nsOrDefault(fn.Namespace)
	s.mu.Lock()
	defer s.mu.Unlock()
	if msg := s.validate(&fn); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	k := key{fn.Namespace, fn.Service}
	old, exists := s.funcs[k]
	if !exists {
		if s.netes() {
			http.Error(w, fmt.Sprintf("deployments.apps %q not found", fn.Service), http.StatusNotFound)
		} else {
			http.Error(w, fmt.Sprintf("service %s not found", fn.Service), http.StatusNotFound)
		}
		return
	}
	if s.imageRefused(fn.Image) {
		// faas-netes checks the image once it has found the Deployment, and on this
		// error only logs and returns without writing a status: an empty 200, nothing
		// changed (pkg/handlers/update.go).
		return
	}
	rec := &record{fn: fn, invocations: old.invocations, deleting: old.deleting, deleteReads: old.deleteReads}
	if s.netes() {
		uid := newUID()
		if msg := k8sMetaError(&fn, uid); msg != "" {
			// faas-netes only logs a non-NotFound Deployment update error and
			// returns without writing a status: an empty 200, nothing changed.
			return
		}
		rec.uid = uid
		rec.fn.CreatedAt = old.fn.CreatedAt
		rec.fn.Replicas = s.desiredReplicas(fn.Labels, &old.fn.Replicas)
		rec.pendingReads = s.opts.ReadyAfterPolls
	} else {
		// faasd removes the container and creates a new one.
		rec.fn.CreatedAt = s.now()
		rec.fn.Replicas = 1
	}
	if rec.pendingReads == 0 {
		rec.fn.AvailableReplicas = rec.fn.Replicas
	}
	s.beginWrite(k)
	s.funcs[k] = rec
	s.writeOK(w)
}

// deleteFunctionHTTP serves DELETE /system/functions. The namespace may come
// from the query (faas-netes) or the body (faasd, go-sdk); both are accepted,
// each backend preferring its own place (internal/driver/openfaas/FACTS.md section 2.2).
func (s *Server) deleteFunctionHTTP(w http.ResponseWriter, r *http.Request) {
	var req deleteRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "failed to unmarshal request: "+err.Error(), http.StatusBadRequest)
		return
	}
	if req.FunctionName == "" {
		http.Error(w, "functionName is required in the request body", http.StatusBadRequest)
		return
	}
	ns, alt := req.Namespace, r.URL.Query().Get("namespace")
	if s.netes() {
		ns, alt = alt, ns
	}
	if ns == "" {
		ns = alt
	}
	ns = s.nsOrDefault(ns)
	if msg := s.namespaceError(ns); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key{ns, req.FunctionName}
	rec, ok := s.funcs[k]
	if !ok {
		if s.netes() {
			http.Error(w, fmt.Sprintf("deployments.apps %q not found", req.FunctionName), http.StatusNotFound)
		} else {
			http.Error(w, fmt.Sprintf("function %s.%s not found", req.FunctionName, ns), http.StatusNotFound)
		}
		return
	}
	s.beginWrite(k)
	if s.netes() && s.opts.DeleteAfterPolls > 0 {
		// Foreground propagation: the Deployment lingers while pods terminate.
		if !rec.deleting {
			rec.deleting = true
			rec.deleteReads = s.opts.DeleteAfterPolls
		}
	} else {
		delete(s.funcs, k)
	}
	s.writeOK(w)
}

func (s *Server) countFunctions() int {
	return len(s.funcs)
}

// validate applies the provider's 400 validation (internal/driver/openfaas/FACTS.md
// sections 4.1, 6 and 7) and returns the message, or "" when fn is acceptable.
// The caller holds s.mu.
func (s *Server) validate(fn *Function) string {
	if len(validation.IsDNS1123Label(fn.Service)) > 0 {
		return fmt.Sprintf("(%s) must be a valid DNS entry for service name", fn.Service)
	}
	if strings.TrimSpace(fn.Image) == "" {
		return "image is required"
	}
	if msg := s.namespaceError(fn.Namespace); msg != "" {
		return msg
	}
	if s.netes() && s.ce() {
		if msg := ceLabelError(fn.Labels); msg != "" {
			return msg
		}
		if msg := ceAnnotationError(fn.Annotations); msg != "" {
			return msg
		}
	}
	if !s.netes() {
		for _, k := range slices.Sorted(maps.Keys(fn.Labels)) {
			if strings.HasPrefix(k, faasdAnnotPrefix) {
				return fmt.Sprintf("function %s has a label starting with %q, which is reserved for annotations: %s", fn.Service, faasdAnnotPrefix, k)
			}
		}
	}
	if msg := s.quantityError(fn); msg != "" {
		return msg
	}
	for _, sec := range fn.Secrets {
		if _, ok := s.secrets[key{fn.Namespace, sec}]; !ok {
			if s.netes() {
				return fmt.Sprintf("unable to fetch secrets: secrets %q not found", sec)
			}
			return "unable to find secret: " + sec
		}
	}
	return ""
}

// ceLabelError enforces faas-netes CE's scaling label rules, with its messages
// (faas-netes pkg/handlers/validate.go validateScalingLabels, prefixed "validation
// failed: " by the deploy handler; checked against the real one by
// internal/conformance TestFaasNetesCEParity): no scale to zero, no autoscaling
// type/target, no more than 5 replicas.
func ceLabelError(labels map[string]string) string {
	if labels[labelScaleZero] == "true" {
		return fmt.Sprintf("validation failed: %s not available for Community Edition", labelScaleZero)
	}
	for _, l := range []string{labelScaleZeroDur, labelScaleTarget, labelScaleType} {
		if _, ok := labels[l]; ok {
			return fmt.Sprintf("validation failed: %s not available for Community Edition", l)
		}
	}
	for _, l := range []string{labelScaleMax, labelScaleMin} {
		if v, ok := labels[l]; ok {
			if n, err := strconv.Atoi(v); err == nil && n > ceMaxReplicas {
				return fmt.Sprintf("validation failed: %s is set too high for Community Edition", l)
			}
		}
	}
	return ""
}

// ceAnnotationError enforces faas-netes CE's annotation rules: one topic,
// no cloud-provider annotations.
func ceAnnotationError(annotations map[string]string) string {
	if v, ok := annotations["topic"]; ok && strings.Contains(v, ",") {
		return "the topic annotation may only support one value in the Community Edition"
	}
	for _, k := range slices.Sorted(maps.Keys(annotations)) {
		if strings.Contains(k, "amazonaws.com") || strings.Contains(k, "gke.io") {
			return fmt.Sprintf("annotation %q is not supported in the Community Edition", k)
		}
	}
	return ""
}

// quantityError checks the resource quantities the backend uses: all of them
// on faas-netes, only the memory limit on faasd.
func (s *Server) quantityError(fn *Function) string {
	type q struct{ what, v string }
	var qs []q
	if fn.Limits != nil {
		qs = append(qs, q{"memory limit", fn.Limits.Memory})
		if s.netes() {
			qs = append(qs, q{"cpu limit", fn.Limits.CPU})
		}
	}
	if fn.Requests != nil && s.netes() {
		qs = append(qs, q{"memory request", fn.Requests.Memory}, q{"cpu request", fn.Requests.CPU})
	}
	for _, x := range qs {
		if x.v == "" {
			continue
		}
		if _, err := resource.ParseQuantity(x.v); err != nil {
			return fmt.Sprintf("failed create Deployment spec: invalid %s %q: %s", x.what, x.v, err)
		}
	}
	return ""
}

// k8sMetaError reproduces the API server's validation of the pod template
// labels and annotations faas-netes writes, or returns "".
func k8sMetaError(fn *Function, uid string) string {
	labels := map[string]string{labelFunction: fn.Service}
	if uid != "" {
		labels[labelUID] = uid
	}
	for k, v := range fn.Labels {
		labels[k] = v
	}
	prefix := fmt.Sprintf("Deployment.apps %q is invalid: ", fn.Service)
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			return fmt.Sprintf("%sspec.template.metadata.labels: Invalid value: %q: %s", prefix, k, strings.Join(errs, "; "))
		}
		if errs := validation.IsValidLabelValue(labels[k]); len(errs) > 0 {
			return fmt.Sprintf("%sspec.template.metadata.labels: Invalid value: %q: %s", prefix, labels[k], strings.Join(errs, "; "))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(fn.Annotations)) {
		if errs := validation.IsQualifiedName(strings.ToLower(k)); len(errs) > 0 {
			return fmt.Sprintf("%sspec.template.metadata.annotations: Invalid value: %q: %s", prefix, k, strings.Join(errs, "; "))
		}
	}
	return ""
}

// scaleFunction serves POST /system/scale-function/{name}. The CE gateway
// clamps the request to at most 5 replicas; zero is rejected by faasd always
// and by faas-netes in CE (internal/driver/openfaas/FACTS.md section 7).
func (s *Server) scaleFunction(w http.ResponseWriter, r *http.Request, name string) {
	var req scaleRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "failed to unmarshal request: "+err.Error(), http.StatusBadRequest)
		return
	}
	ns := req.Namespace
	if ns == "" {
		ns = r.URL.Query().Get("namespace")
	}
	ns = s.nsOrDefault(ns)
	if msg := s.namespaceError(ns); msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if s.ce() && req.Replicas > ceMaxReplicas {
		req.Replicas = ceMaxReplicas
	}
	if req.Replicas == 0 {
		switch {
		case !s.netes():
			http.Error(w, "replicas must > 0 for faasd", http.StatusBadRequest)
			return
		case s.ce():
			http.Error(w, "scaling to zero replicas is not supported in the Community Edition", http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.funcs[key{ns, name}]
	if !ok {
		if s.netes() {
			http.Error(w, fmt.Sprintf("deployments.apps %q not found", name), http.StatusNotFound)
		} else {
			http.Error(w, fmt.Sprintf("function %s not found", name), http.StatusNotFound)
		}
		return
	}
	if s.netes() {
		s.beginWrite(key{ns, name})
		rec.fn.Replicas = req.Replicas
	} else if rec.pendingReads != 0 {
		// faasd starts the stopped task again.
		rec.pendingReads = 0
		rec.fn.AvailableReplicas = 1
	}
	s.writeOK(w)
}

// invoke serves /function/{name}[.{namespace}][/path] and its async form.
// A function that does not exist answers 404; one without an available
// replica answers 503 "No endpoints available for: name." as the provider's
// proxy does; otherwise the body is echoed with 200 (202 for async).
func (s *Server) invoke(w http.ResponseWriter, r *http.Request, rest string, async bool) {
	target, _, _ := strings.Cut(rest, "/")
	name, ns, _ := strings.Cut(target, ".")
	ns = s.nsOrDefault(ns)
	s.mu.Lock()
	rec, ok := s.funcs[key{ns, name}]
	ready := false
	if ok {
		if rec.fn.Replicas == 0 && !s.ce() && rec.pendingReads == 0 {
			// Pro scales from zero on the first invocation.
			rec.fn.Replicas = 1
		}
		ready = rec.pendingReads == 0 && rec.fn.Replicas > 0 && !rec.deleting
		if ready {
			rec.invocations++
		}
	}
	s.mu.Unlock()
	switch {
	case name == "" || !ok:
		http.Error(w, fmt.Sprintf("error finding function %s.%s: not found", name, ns), http.StatusNotFound)
	case !ready:
		http.Error(w, fmt.Sprintf("No endpoints available for: %s.", name), http.StatusServiceUnavailable)
	case async:
		w.Header().Set("X-Call-Id", strconv.FormatUint(callID.Add(1), 10))
		w.WriteHeader(http.StatusAccepted)
	default:
		if ct := r.Header.Get("Content-Type"); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		w.Header().Set("X-Call-Id", strconv.FormatUint(callID.Add(1), 10))
		w.WriteHeader(http.StatusOK)
		_, _ = io.Copy(w, r.Body)
	}
}

// info serves GET /system/info. CE provider names end in "-ce".
func (s *Server) info(w http.ResponseWriter) {
	name, orch := string(FaasNetes), "kubernetes"
	if !s.netes() {
		name, orch = string(Faasd), "containerd"
	}
	if s.ce() {
		name += "-ce"
	}
	writeJSON(w, gatewayInfo{
		Provider: providerInfo{
			Provider:      name,
			Orchestration: orch,
			Version:       versionInfo{SHA: providerSHA, Release: s.opts.Version},
		},
		Version: versionInfo{SHA: gatewaySHA, Release: gatewayRelease},
		Arch:    "x86_64",
	})
}

// namespaceHTTP serves /system/namespace/{name}. faas-netes CE registers no
// handler (GET 501); elsewhere GET reports an existing namespace and writes
// are not simulated (501).
func (s *Server) namespaceHTTP(w http.ResponseWriter, r *http.Request, name string) {
	if s.netes() && s.ce() {
		if allow(w, r, http.MethodGet) && s.auth(w, r) {
			http.Error(w, "Not implemented", http.StatusNotImplemented)
		}
		return
	}
	if !allow(w, r, http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete) || !s.auth(w, r) {
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "namespace management is not simulated", http.StatusNotImplemented)
		return
	}
	if !s.namespaceExists(name) {
		http.Error(w, fmt.Sprintf("namespace %s not found", name), http.StatusNotFound)
		return
	}
	writeJSON(w, map[string]any{"name": name})
}

// ---- secrets -------------------------------------------------------------

type secretDescription struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// secretsHTTP serves /system/secrets. Values are never echoed.
//
// faas-netes (pkg/handlers/secrets.go): 202 on writes, 409 on a duplicate create, 404
// on updating or deleting a missing secret, names validated as Kubernetes names.
//
// faasd (pkg/provider/handlers/secret.go, openfaas/faasd@006829ed): POST and PUT both
// write the secret's file, creating or overwriting it, and answer 200; DELETE removes
// the file, so a missing secret is a 500 with the os.Remove error; the namespace of a
// DELETE comes from the query only and writes do not check it; a name only has to be
// non-empty and free of path traversal; a body that is not JSON is a 500.
func (s *Server) secretsHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		ns := s.nsOrDefault(r.URL.Query().Get("namespace"))
		if msg := s.namespaceError(ns); msg != "" {
			http.Error(w, msg, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		out := []secretDescription{}
		for k := range s.secrets {
			if k.ns == ns {
				out = append(out, secretDescription{Name: k.name, Namespace: k.ns})
			}
		}
		s.mu.Unlock()
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		writeJSON(w, out)
		return
	}
	var req secretBody
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		if !s.netes() {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Error(w, "failed to unmarshal secret request", http.StatusBadRequest)
		return
	}
	ns := req.Namespace
	if ns == "" || (!s.netes() && r.Method == http.MethodDelete) {
		ns = r.URL.Query().Get("namespace")
	}
	ns = s.nsOrDefault(ns)
	// faasd writes the file under any namespace's directory without checking it.
	if msg := s.namespaceError(ns); msg != "" && s.netes() {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if !s.netes() && r.Method != http.MethodDelete {
		switch {
		case strings.TrimSpace(req.Name) == "":
			http.Error(w, "non-empty name is required", http.StatusBadRequest)
			return
		case strings.Contains(req.Name, "/") || strings.Contains(req.Name, ".."):
			http.Error(w, "directory traversal found in name", http.StatusBadRequest)
			return
		}
	}
	if !s.netes() {
		s.faasdSecretWrite(w, r.Method, key{ns, req.Name}, req)
		return
	}
	if req.Name == "" {
		http.Error(w, "non-empty secret name is required", http.StatusBadRequest)
		return
	}
	if errs := validation.IsDNS1123Subdomain(req.Name); len(errs) > 0 {
		// The Kubernetes API refuses the name as Invalid, which faas-netes passes on as 422.
		http.Error(w, fmt.Sprintf("invalid secret name %q: %s", req.Name, strings.Join(errs, "; ")), http.StatusUnprocessableEntity)
		return
	}
	value := []byte(req.Value)
	if len(req.RawValue) > 0 {
		value = req.RawValue
	}
	k := key{ns, req.Name}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, exists := s.secrets[k]
	switch r.Method {
	case http.MethodPost:
		if exists {
			http.Error(w, s.secretMsg(req.Name, "already exists"), http.StatusConflict)
			return
		}
		s.secrets[k] = value
	case http.MethodPut:
		if !exists {
			http.Error(w, s.secretMsg(req.Name, "not found"), http.StatusNotFound)
			return
		}
		s.secrets[k] = value
	default:
		if !exists {
			http.Error(w, s.secretMsg(req.Name, "not found"), http.StatusNotFound)
			return
		}
		delete(s.secrets, k)
	}
	s.writeOK(w)
}

// faasdSecretWrite applies a write to faasd's secret files (see secretsHTTP).
func (s *Server) faasdSecretWrite(w http.ResponseWriter, method string, k key, req secretBody) {
	value := []byte(req.Value)
	if len(req.RawValue) > 0 {
		value = req.RawValue
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == http.MethodDelete {
		if _, ok := s.secrets[k]; !ok {
			http.Error(w, fmt.Sprintf("remove /var/lib/faasd-provider/secrets/%s/%s: no such file or directory", k.ns, k.name), http.StatusInternalServerError)
			return
		}
		delete(s.secrets, k)
		return
	}
	s.secrets[k] = value
}

func (s *Server) secretMsg(name, what string) string {
	if s.netes() {
		return fmt.Sprintf("secrets %q %s", name, what)
	}
	return fmt.Sprintf("secret %s %s", name, what)
}
