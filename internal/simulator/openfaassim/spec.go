package openfaassim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Spec is the gateway's OpenAPI description (openfaas/faas api-docs/spec.openapi.yml),
// loaded by LoadSpec. When Options.Spec is set, a Server checks every gateway request
// against it before handling it, and its own answer after handling it; what does not
// conform, and is not a KnownDifference, is reported by SpecViolations. Checking never
// changes an answer. A Spec is read-only once loaded and may be shared by any number of
// Servers running concurrently.
//
// On top of what kin-openapi's openapi3filter validates (route, method, parameters,
// request body, declared status, response body), two checks treat the spec as closed,
// because a misspelt field or parameter is the likeliest client bug and the spec's
// open objects would accept it silently: a query parameter the operation does not
// declare, and a JSON property that the schema does not declare (where the schema lists
// its properties and allows no additional ones), are violations too.
type Spec struct {
	path   string
	doc    *openapi3.T
	router routers.Router
}

// LoadSpec reads the OpenAPI 3 document at path, validates it and builds its router.
// The document's servers are ignored, so requests match on any host and port.
func LoadSpec(path string) (*Spec, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document %s: %w", path, err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document %s is not valid: %w", path, err)
	}
	// The spec names http://localhost:8080; the router would then match only that host.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the OpenAPI document %s: %w", path, err)
	}
	return &Spec{path: path, doc: doc, router: router}, nil
}

// Path returns the file the Spec was loaded from.
func (sp *Spec) Path() string { return sp.path }

// DifferenceKind classifies how an exchange departs from the spec.
type DifferenceKind string

// The kinds of difference a KnownDifference can tolerate. A request that fails
// openapi3filter's validation is never tolerated.
const (
	// UndeclaredStatus is an answer whose status the operation does not declare.
	UndeclaredStatus DifferenceKind = "undeclared status"
	// UndeclaredQueryParameter is a request query parameter the operation does not declare.
	UndeclaredQueryParameter DifferenceKind = "undeclared query parameter"
	// UndeclaredRequestField is a request body property its schema does not declare.
	UndeclaredRequestField DifferenceKind = "undeclared request field"
	// UndeclaredResponseField is an answer body property its schema does not declare.
	UndeclaredResponseField DifferenceKind = "undeclared response field"
	// ResponseArrayOfSchema is an answer that is a JSON array whose elements match the
	// declared schema, where the spec declares a single object. The elements are still
	// checked against the schema.
	ResponseArrayOfSchema DifferenceKind = "array of the declared schema"
)

// KnownDifference is one documented way in which the real OpenFaaS backends, and so the
// simulator (and the driver, which must work with them), depart from the spec. An
// exchange that matches one is tolerated, not reported.
type KnownDifference struct {
	// ID names the difference in reports.
	ID string
	// Kind is what differs.
	Kind DifferenceKind
	// Method is the request method; empty matches every method.
	Method string
	// Route is the spec's path template, such as "/system/function/{functionName}";
	// empty matches every operation.
	Route string
	// Status is the answer's status, for UndeclaredStatus and ResponseArrayOfSchema.
	Status int
	// Name is the query parameter or the body field path (such as "limits.memory"), for
	// the other kinds.
	Name string
	// Backends restricts the difference to these backends; empty means every backend.
	Backends []Backend
	// Reason explains the difference and cites internal/driver/openfaas/FACTS.md or upstream source.
	Reason string
}

// knownDifferences is the documented list. Each entry must be exercised by the
// conformance tests (internal/conformance), which fail on an entry nothing matches.
var knownDifferences = []KnownDifference{
	{
		ID: "secret-invalid-name-422", Kind: UndeclaredStatus, Method: http.MethodPost, Route: "/system/secrets",
		Status: http.StatusUnprocessableEntity, Backends: []Backend{FaasNetes},
		Reason: "faas-netes passes the Kubernetes API's Invalid answer to a secret name that is not a DNS-1123 " +
			"subdomain on as 422 (openfaas/faas-netes:pkg/handlers/secrets.go has no name check of its own; observed on " +
			"the real faas-netes CE on the testbed, TESTBED.md); the spec declares " +
			"only 201, 400 and 500",
	},
	{
		ID: "auth-401", Kind: UndeclaredStatus, Status: http.StatusUnauthorized,
		Reason: "the gateway's basic-auth decorator answers 401 with WWW-Authenticate on every /system/* route " +
			"(internal/driver/openfaas/FACTS.md section 2.1, openfaas/faas-provider:auth/basic_auth.go); the spec defines the basicAuth scheme " +
			"but no 401 answer",
	},
	{
		ID: "list-functions-namespace-query", Kind: UndeclaredQueryParameter, Method: http.MethodGet,
		Route: "/system/functions", Name: "namespace",
		Reason: "a list is scoped to a namespace with ?namespace= (internal/driver/openfaas/FACTS.md sections 2 " +
			"and 2.2: the namespace passing convention, GET → query, from openfaas/docs:docs/reference/rest-api.md); " +
			"the spec declares no parameter",
	},
	{
		ID: "delete-function-namespace-query", Kind: UndeclaredQueryParameter, Method: http.MethodDelete,
		Route: "/system/functions", Name: "namespace",
		Reason: "faas-netes reads the namespace of a delete from ?namespace= (internal/driver/openfaas/FACTS.md section 2.2, " +
			"openfaas/faas-netes:pkg/handlers/delete.go), so clients send it in the query and the body",
	},
	{
		ID: "delete-function-namespace-body", Kind: UndeclaredRequestField, Method: http.MethodDelete,
		Route: "/system/functions", Name: "namespace",
		Reason: "DeleteFunctionRequest is {functionName, namespace} on the wire (internal/driver/openfaas/FACTS.md section 3, " +
			"openfaas/faas-provider:types/requests.go) and faasd and go-sdk put the namespace in the body " +
			"(FACTS.md section 2.2); the spec's schema has only functionName",
	},
	{
		ID: "read-unknown-namespace-400", Kind: UndeclaredStatus, Method: http.MethodGet,
		Route: "/system/function/{functionName}", Status: http.StatusBadRequest,
		Reason: "a read in a namespace that does not exist, or is not an OpenFaaS namespace, answers 400 " +
			"(\"namespace not valid\" in openfaas/faasd:pkg/provider/handlers/replicas.go; faas-netes CE accepts only " +
			"its function namespace, internal/driver/openfaas/FACTS.md section 4.1); the spec declares 200, 404 and 500 only",
	},
	{
		ID: "list-unknown-namespace-400", Kind: UndeclaredStatus, Method: http.MethodGet,
		Route: "/system/functions", Status: http.StatusBadRequest,
		Reason: "a list in a namespace that does not exist answers 400 (\"namespace not valid\" in " +
			"openfaas/faasd:pkg/provider/handlers/read.go; faas-netes CE accepts only its function namespace, " +
			"internal/driver/openfaas/FACTS.md section 4.1); the spec declares only 200",
	},
	{
		ID: "scale-zero-400", Kind: UndeclaredStatus, Method: http.MethodPost,
		Route: "/system/scale-function/{functionName}", Status: http.StatusBadRequest,
		Reason: "providers reject a scale to 0 replicas with 400 (internal/driver/openfaas/FACTS.md section 7: faasd always, " +
			"faas-netes in the Community Edition); the spec declares 200, 202, 404 and 500 only",
	},
	{
		ID: "faasd-create-200", Kind: UndeclaredStatus, Method: http.MethodPost, Route: "/system/functions",
		Status: http.StatusOK, Backends: []Backend{Faasd},
		Reason: "faasd deploys synchronously and answers 200 without an explicit WriteHeader; the spec says 202 " +
			"(internal/driver/openfaas/FACTS.md section 4.1, openfaas/faasd:pkg/provider/handlers/deploy.go)",
	},
	{
		ID: "netes-update-202", Kind: UndeclaredStatus, Method: http.MethodPut, Route: "/system/functions",
		Status: http.StatusAccepted, Backends: []Backend{FaasNetes},
		Reason: "faas-netes answers an update with 202; the spec says 200 (internal/driver/openfaas/FACTS.md section 4.1, " +
			"openfaas/faas-netes:pkg/handlers/update.go)",
	},
	{
		ID: "netes-delete-202", Kind: UndeclaredStatus, Method: http.MethodDelete, Route: "/system/functions",
		Status: http.StatusAccepted, Backends: []Backend{FaasNetes},
		Reason: "faas-netes answers a delete with 202; the spec says 200 (internal/driver/openfaas/FACTS.md section 4.1, " +
			"openfaas/faas-netes:pkg/handlers/delete.go)",
	},
	{
		ID: "list-secrets-namespace-query", Kind: UndeclaredQueryParameter, Method: http.MethodGet,
		Route: "/system/secrets", Name: "namespace",
		Reason: "secrets are listed per namespace with ?namespace= (internal/driver/openfaas/FACTS.md section 2.2, namespace passing convention; " +
			"openfaas/faasd:pkg/provider/handlers/secret.go listSecrets reads the query); the spec declares no parameter",
	},
	{
		ID: "list-secrets-array", Kind: ResponseArrayOfSchema, Method: http.MethodGet, Route: "/system/secrets",
		Status: http.StatusOK,
		Reason: "providers answer a JSON array of secrets (openfaas/faasd:pkg/provider/handlers/secret.go listSecrets " +
			"marshals []types.Secret); the spec declares a single SecretDescription",
	},
	{
		ID: "list-secrets-unknown-namespace-400", Kind: UndeclaredStatus, Method: http.MethodGet,
		Route: "/system/secrets", Status: http.StatusBadRequest,
		Reason: "a secret list in a namespace that does not exist answers 400 (\"namespace not valid\" in " +
			"openfaas/faasd:pkg/provider/handlers/secret.go listSecrets; faas-netes answers 400 when it cannot " +
			"resolve the namespace, openfaas/faas-netes:pkg/handlers/secrets.go); the spec declares only 200",
	},
	{
		ID: "delete-secret-namespace-query", Kind: UndeclaredQueryParameter, Method: http.MethodDelete,
		Route: "/system/secrets", Name: "namespace",
		Reason: "faasd reads the namespace of a secret delete from ?namespace=, not from the body " +
			"(openfaas/faasd:pkg/provider/handlers/secret.go deleteSecret), so clients send it in both places",
	},
	{
		ID: "netes-create-secret-202", Kind: UndeclaredStatus, Method: http.MethodPost, Route: "/system/secrets",
		Status: http.StatusAccepted, Backends: []Backend{FaasNetes},
		Reason: "faas-netes answers a secret create with 202; the spec says 201 (internal/driver/openfaas/FACTS.md section 4.2)",
	},
	{
		ID: "netes-create-secret-409", Kind: UndeclaredStatus, Method: http.MethodPost, Route: "/system/secrets",
		Status: http.StatusConflict, Backends: []Backend{FaasNetes},
		Reason: "faas-netes answers a duplicate secret create with 409 (internal/driver/openfaas/FACTS.md section 4.2); the spec declares no 409",
	},
	{
		ID: "netes-update-secret-202", Kind: UndeclaredStatus, Method: http.MethodPut, Route: "/system/secrets",
		Status: http.StatusAccepted, Backends: []Backend{FaasNetes},
		Reason: "faas-netes answers a secret replace with 202; the spec says 200 (internal/driver/openfaas/FACTS.md section 4.2)",
	},
	{
		ID: "netes-delete-secret-202", Kind: UndeclaredStatus, Method: http.MethodDelete, Route: "/system/secrets",
		Status: http.StatusAccepted, Backends: []Backend{FaasNetes},
		Reason: "faas-netes answers a secret delete with 202; the spec says 204 (internal/driver/openfaas/FACTS.md section 4.2)",
	},
	{
		ID: "faasd-create-secret-200", Kind: UndeclaredStatus, Method: http.MethodPost, Route: "/system/secrets",
		Status: http.StatusOK, Backends: []Backend{Faasd},
		Reason: "faasd writes no status on a secret create, so it answers 200; the spec says 201 " +
			"(openfaas/faasd:pkg/provider/handlers/secret.go createSecret)",
	},
	{
		ID: "faasd-delete-secret-200", Kind: UndeclaredStatus, Method: http.MethodDelete, Route: "/system/secrets",
		Status: http.StatusOK, Backends: []Backend{Faasd},
		Reason: "faasd writes no status on a secret delete, so it answers 200; the spec says 204 " +
			"(openfaas/faasd:pkg/provider/handlers/secret.go deleteSecret)",
	},
}

// KnownDifferences returns the documented differences the checks tolerate.
func KnownDifferences() []KnownDifference {
	out := make([]KnownDifference, len(knownDifferences))
	for i, d := range knownDifferences {
		d.Backends = append([]Backend(nil), d.Backends...)
		out[i] = d
	}
	return out
}

// matches reports whether d covers a finding of kind on route for backend b.
func (d *KnownDifference) matches(b Backend, kind DifferenceKind, method, route string, status int, name string) bool {
	if d.Kind != kind || (d.Method != "" && d.Method != method) || (d.Route != "" && d.Route != route) {
		return false
	}
	if d.Status != status || d.Name != name {
		return false
	}
	if len(d.Backends) == 0 {
		return true
	}
	for _, x := range d.Backends {
		if x == b {
			return true
		}
	}
	return false
}

// specState is what a Server recorded while checking exchanges against its Spec.
type specState struct {
	mu         sync.Mutex
	checked    int
	order      []string
	violations map[string]int
	tolerated  map[string]int
}

// SpecViolations returns every recorded departure from Options.Spec that no
// KnownDifference covers, in the order first seen; a message seen more than once ends
// with its count. It is empty when Options.Spec is nil.
func (s *Server) SpecViolations() []string {
	st := &s.spec
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]string, 0, len(st.order))
	for _, m := range st.order {
		if n := st.violations[m]; n > 1 {
			m += fmt.Sprintf(" (seen %d times)", n)
		}
		out = append(out, m)
	}
	return out
}

// KnownDifferencesSeen returns the IDs of the known differences that exchanges matched
// so far, sorted.
func (s *Server) KnownDifferencesSeen() []string {
	st := &s.spec
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]string, 0, len(st.tolerated))
	for id := range st.tolerated {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// SpecChecks returns how many gateway requests were checked against Options.Spec.
func (s *Server) SpecChecks() int {
	st := &s.spec
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.checked
}

// ResetSpecViolations forgets the recorded checks, violations and known differences.
func (s *Server) ResetSpecViolations() {
	st := &s.spec
	st.mu.Lock()
	defer st.mu.Unlock()
	st.checked, st.order, st.violations, st.tolerated = 0, nil, nil, nil
}

func (s *Server) recordViolation(msg string) {
	st := &s.spec
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.violations == nil {
		st.violations = map[string]int{}
	}
	if st.violations[msg] == 0 {
		st.order = append(st.order, msg)
	}
	st.violations[msg]++
}

// specCheck carries one exchange from the request check to the response check.
type specCheck struct {
	target string // "METHOD /path?query", for messages
	route  *routers.Route
	input  *openapi3filter.RequestValidationInput
}

// difference records a finding: tolerated when a known difference covers it, else a
// violation.
func (s *Server) difference(c *specCheck, kind DifferenceKind, status int, name, msg string) {
	for i := range knownDifferences {
		d := &knownDifferences[i]
		if d.matches(s.opts.Backend, kind, c.route.Method, c.route.Path, status, name) {
			st := &s.spec
			st.mu.Lock()
			if st.tolerated == nil {
				st.tolerated = map[string]int{}
			}
			st.tolerated[d.ID]++
			st.mu.Unlock()
			return
		}
	}
	s.recordViolation(msg)
}

func (s *Server) knownArray(c *specCheck, status int) bool {
	for i := range knownDifferences {
		d := &knownDifferences[i]
		if d.matches(s.opts.Backend, ResponseArrayOfSchema, c.route.Method, c.route.Path, status, "") {
			return true
		}
	}
	return false
}

func validationOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:          true,
		SkipSettingDefaults: true,
		// A body the operation does not take (a GET or a scale without one) is a departure too.
		RejectWhenRequestBodyNotSpecified: true,
		AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
		// The messages name the schema rule and the path, never the value: request
		// bodies may hold secret values and environment variables.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
	}
}

// checkRequest validates a gateway request before it is handled and returns what the
// response check needs, or nil when no Spec is set. It reads only body, never r.Body.
func (s *Server) checkRequest(r *http.Request, body []byte) *specCheck {
	sp := s.opts.Spec
	if sp == nil {
		return nil
	}
	target := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	c := &specCheck{target: target}
	s.spec.mu.Lock()
	s.spec.checked++
	s.spec.mu.Unlock()
	ctx := context.WithoutCancel(r.Context())
	req := r.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	route, params, err := sp.router.FindRoute(req)
	if err != nil {
		s.recordViolation(fmt.Sprintf("request %s: the spec has no such operation: %v", target, err))
		return c
	}
	c.route = route
	c.input = &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: validationOptions()}
	if err := openapi3filter.ValidateRequest(ctx, c.input); err != nil {
		s.recordViolation(fmt.Sprintf("request %s: %s", target, oneLine(err)))
	}
	declared := map[string]bool{}
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(r.URL.Query())) {
		if !declared[name] {
			s.difference(c, UndeclaredQueryParameter, 0, name,
				fmt.Sprintf("request %s: undeclared query parameter %q", target, name))
		}
	}
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil && len(body) > 0 {
		if schema := jsonSchema(rb.Value.Content, r.Header.Get("Content-Type")); schema != nil {
			var v any
			if json.Unmarshal(body, &v) == nil {
				for _, f := range undeclaredFields(schema, v) {
					s.difference(c, UndeclaredRequestField, 0, f,
						fmt.Sprintf("request %s: undeclared body field %q", target, f))
				}
			}
		}
	}
	return c
}

// checkResponse validates the simulator's own answer to a request checked by
// checkRequest; c may be nil (no Spec) or carry no route (already reported).
func (s *Server) checkResponse(c *specCheck, status int, header http.Header, body []byte) {
	if c == nil || c.route == nil {
		return
	}
	op := c.route.Operation
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		s.difference(c, UndeclaredStatus, status, "",
			fmt.Sprintf("response %d to %s: the spec declares only %s", status, c.target, declaredStatuses(op)))
		return
	}
	ctx := context.WithoutCancel(c.input.Request.Context())
	schema := jsonSchema(ref.Value.Content, header.Get("Content-Type"))
	var v any
	decoded := schema != nil && json.Unmarshal(body, &v) == nil
	if s.knownArray(c, status) {
		items, ok := v.([]any)
		if !decoded || !ok {
			s.recordViolation(fmt.Sprintf("response %d to %s: not a JSON array of the declared schema", status, c.target))
			return
		}
		s.difference(c, ResponseArrayOfSchema, status, "", "")
		for i, item := range items {
			if err := schema.VisitJSON(item, openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.DisableSchemaErrorDetails()); err != nil {
				s.recordViolation(fmt.Sprintf("response %d to %s: element %d: %s", status, c.target, i, oneLine(err)))
			}
			for _, f := range undeclaredFields(schema, item) {
				s.difference(c, UndeclaredResponseField, status, f,
					fmt.Sprintf("response %d to %s: element %d: undeclared body field %q", status, c.target, i, f))
			}
		}
		return
	}
	err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: c.input,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                validationOptions(),
	})
	if err != nil {
		s.recordViolation(fmt.Sprintf("response %d to %s: %s", status, c.target, oneLine(err)))
	}
	if decoded {
		for _, f := range undeclaredFields(schema, v) {
			s.difference(c, UndeclaredResponseField, status, f,
				fmt.Sprintf("response %d to %s: undeclared body field %q", status, c.target, f))
		}
	}
}

// jsonSchema returns the schema content declares for contentType when it is JSON, or nil.
func jsonSchema(content openapi3.Content, contentType string) *openapi3.Schema {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil
	}
	m := content.Get(mt)
	if m == nil || m.Schema == nil {
		return nil
	}
	return m.Schema.Value
}

func declaredStatuses(op *openapi3.Operation) string {
	var codes []string
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return strings.Join(codes, ", ")
}

// oneLine flattens a validation error, possibly a tree of multi-errors, into one line
// that names where each problem is: a parameter, the body, or a JSON pointer in it.
func oneLine(err error) string {
	// A type switch, not errors.As: each level of the tree is rendered in turn.
	switch e := err.(type) {
	case openapi3.MultiError:
		parts := make([]string, len(e))
		for i, x := range e {
			parts[i] = oneLine(x)
		}
		return strings.Join(parts, "; ")
	case *openapi3filter.RequestError:
		if e.Err != nil {
			where := "body"
			if p := e.Parameter; p != nil {
				where = fmt.Sprintf("%s parameter %q", p.In, p.Name)
			}
			return where + ": " + oneLine(e.Err)
		}
	case *openapi3filter.ResponseError:
		if e.Err != nil {
			return "body: " + oneLine(e.Err)
		}
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// undeclaredFields returns, sorted, the paths of the properties in v that schema does not
// declare, looking only at objects whose schema lists properties and allows no
// additional ones. Paths join property names with "." and array indexes as "[i]".
func undeclaredFields(schema *openapi3.Schema, v any) []string {
	var out []string
	walkUndeclared(schema, v, "", &out)
	sort.Strings(out)
	return out
}

func walkUndeclared(schema *openapi3.Schema, v any, path string, out *[]string) {
	if schema == nil {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, extra, open := objectShape(schema)
		for k, val := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			subs, ok := props[k]
			switch {
			case ok:
			case len(extra) > 0:
				subs = extra
			case open || len(props) == 0:
				continue
			default:
				*out = append(*out, p)
				continue
			}
			for _, sub := range subs {
				walkUndeclared(sub, val, p, out)
			}
		}
	case []any:
		for i, item := range x {
			for _, sub := range itemSchemas(schema) {
				walkUndeclared(sub, item, path+"["+strconv.Itoa(i)+"]", out)
			}
		}
	}
}

// objectShape merges the object constraints of schema and its allOf, anyOf and oneOf
// parts: the declared properties, the schemas of additional properties, and whether
// any additional property is allowed without a schema.
func objectShape(schema *openapi3.Schema) (props map[string][]*openapi3.Schema, extra []*openapi3.Schema, open bool) {
	props = map[string][]*openapi3.Schema{}
	var visit func(s *openapi3.Schema)
	visit = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		for name, ref := range s.Properties {
			if ref != nil && ref.Value != nil {
				props[name] = append(props[name], ref.Value)
			}
		}
		ap := s.AdditionalProperties
		if ap.Schema != nil && ap.Schema.Value != nil {
			extra = append(extra, ap.Schema.Value)
		} else if ap.Has != nil && *ap.Has {
			open = true
		}
		for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, ref := range refs {
				if ref != nil {
					visit(ref.Value)
				}
			}
		}
	}
	visit(schema)
	return props, extra, open
}

func itemSchemas(schema *openapi3.Schema) []*openapi3.Schema {
	var out []*openapi3.Schema
	var visit func(s *openapi3.Schema)
	visit = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		if s.Items != nil && s.Items.Value != nil {
			out = append(out, s.Items.Value)
		}
		for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, ref := range refs {
				if ref != nil {
					visit(ref.Value)
				}
			}
		}
	}
	visit(schema)
	return out
}
