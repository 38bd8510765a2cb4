package openfaastest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/faasform/terraform-provider-faas/internal/httpclient"
	"github.com/faasform/terraform-provider-faas/internal/platform"
)

// Backends and editions as Info reports them (the same words as the faas_platform data
// source).
const (
	BackendFaasNetes = "faas-netes"
	BackendFaasd     = "faasd"
	EditionCE        = "ce"
	EditionPro       = "pro"
)

// Info is what GET /system/info says about the gateway.
type Info struct {
	// Provider is the provider's name as reported, such as "faas-netes-ce".
	Provider string
	// Backend is BackendFaasd when the provider is faasd (or orchestration is
	// containerd), else BackendFaasNetes.
	Backend string
	// Edition is EditionCE when the provider's name ends in "-ce", else EditionPro.
	Edition string
	// Version is the provider's release.
	Version string
}

// Gateway is a client of one real OpenFaaS gateway.
type Gateway struct {
	cfg    Config
	client *httpclient.Client
	info   *Info
}

// New returns a client of the gateway cfg names. It sends nothing.
func New(cfg Config) (*Gateway, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("gateway URL: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	c, err := httpclient.New(httpclient.Config{
		BaseURL: u, Username: cfg.Username, Password: cfg.Password, Token: cfg.Token,
		UserAgent: "terraform-provider-faas-acctest", MaxRetries: 6,
		CACertPEM: cfg.CACertPEM, InsecureSkipVerify: cfg.Insecure,
	})
	if err != nil {
		return nil, err
	}
	return &Gateway{cfg: cfg, client: c}, nil
}

// Config returns the gateway's settings.
func (g *Gateway) Config() Config { return g.cfg }

// Redact replaces the configured password and token, and every secret value this client
// has sent, with "***".
func (g *Gateway) Redact(s string) string { return g.client.Redact(s) }

// Context returns a context bounded by the configured timeout.
func (g *Gateway) Context() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), g.cfg.Timeout)
}

// Info reads GET /system/info once and detects the backend and edition, with the same
// rules as the provider's faas_platform data source.
func (g *Gateway) Info(ctx context.Context) (Info, error) {
	if g.info != nil {
		return *g.info, nil
	}
	var gi struct {
		Provider struct {
			Provider      string `json:"provider"`
			Orchestration string `json:"orchestration"`
			Version       struct {
				Release string `json:"release"`
			} `json:"version"`
		} `json:"provider"`
	}
	if err := g.getJSON(ctx, "/system/info", nil, &gi); err != nil {
		return Info{}, err
	}
	name := strings.ToLower(gi.Provider.Provider)
	info := Info{Provider: gi.Provider.Provider, Backend: BackendFaasNetes, Edition: EditionPro, Version: gi.Provider.Version.Release}
	if strings.Contains(name, "faasd") || gi.Provider.Orchestration == "containerd" {
		info.Backend = BackendFaasd
	}
	if strings.HasSuffix(name, "-ce") {
		info.Edition = EditionCE
	}
	g.info = &info
	return info, nil
}

// Function reads GET /system/function/{name}?namespace=; ErrNotFound when missing.
func (g *Gateway) Function(ctx context.Context, namespace, name string) (Status, error) {
	var st Status
	err := g.getJSON(ctx, "/system/function/"+url.PathEscape(name), url.Values{"namespace": {namespace}}, &st)
	return st, err
}

// Functions lists GET /system/functions?namespace=, sorted by name.
func (g *Gateway) Functions(ctx context.Context, namespace string) ([]Status, error) {
	var list []Status
	if err := g.getJSON(ctx, "/system/functions", url.Values{"namespace": {namespace}}, &list); err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// Deploy creates or replaces a function as `faas-cli deploy` does: PUT, then POST when
// the PUT answers 404. It returns once the gateway's reads show the function (faas-netes
// reads lag behind writes), but does not wait for readiness (see WaitReady).
func (g *Gateway) Deploy(ctx context.Context, d Deployment) error {
	err := g.Update(ctx, d)
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	if err := g.write(ctx, httpclient.Request{Method: http.MethodPost, Path: "/system/functions", Body: d, NotIdempotent: true}); err != nil {
		return err
	}
	return g.awaitRead(ctx, d, func(st Status) bool { return st.Image == d.Image })
}

// Update replaces a function with PUT /system/functions; ErrNotFound when missing. On
// faas-netes it returns once the gateway's reads show the update: faas-netes answers an
// update it did not apply (a Kubernetes update conflict with the Deployment
// controller, or an image the Community Edition cannot check) with 200 and an empty body
// (pkg/handlers/update.go) and success with 202, and its reads lag behind writes. An
// update answered 200 is sent again, a bounded number of times.
func (g *Gateway) Update(ctx context.Context, d Deployment) error {
	info, err := g.Info(ctx)
	if err != nil {
		return err
	}
	if info.Backend != BackendFaasNetes {
		return g.write(ctx, httpclient.Request{Method: http.MethodPut, Path: "/system/functions", Body: d})
	}
	ns := d.Namespace
	if ns == "" {
		ns = g.cfg.Namespace
	}
	// Every applied update sets a new uid label: it tells an update that changed only
	// what faas-netes does not return (the environment) from one that was not applied.
	before, err := g.Function(ctx, ns, d.Service)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		resp, err := g.client.Do(ctx, httpclient.Request{Method: http.MethodPut, Path: "/system/functions", Body: d})
		if err != nil {
			return errors.New(g.Redact(err.Error()))
		}
		switch resp.StatusCode {
		case http.StatusAccepted:
			return g.awaitRead(ctx, d, func(st Status) bool { return st.Labels["uid"] != before.Labels["uid"] && holds(st, d) })
		case http.StatusOK:
			if st, err := g.Function(ctx, ns, d.Service); err == nil && st.Labels["uid"] != before.Labels["uid"] && holds(st, d) {
				return nil
			}
			if attempt >= 8 {
				return fmt.Errorf("PUT /system/functions: faas-netes answered 200 without applying the update %d times (see the faas-netes log)", attempt)
			}
			t := time.NewTimer(time.Duration(attempt) * 250 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		default:
			return &APIError{Method: http.MethodPut, Path: "/system/functions", StatusCode: resp.StatusCode, Message: g.client.ReadBody(resp.Body)}
		}
	}
}

// holds reports whether a read of a function shows the image, command, labels and
// annotations of d (the platform's injected keys aside).
func holds(st Status, d Deployment) bool {
	r := Redeployable(st)
	return r.Image == d.Image && r.EnvProcess == d.EnvProcess && maps.Equal(r.Labels, nonNil(d.Labels)) && maps.Equal(r.Annotations, nonNil(d.Annotations))
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// awaitRead polls the function d names, for at most 30 seconds, until a read satisfies
// ok; a 404 is a read that does not show it yet.
func (g *Gateway) awaitRead(ctx context.Context, d Deployment, ok func(Status) bool) error {
	ns := d.Namespace
	if ns == "" {
		ns = g.cfg.Namespace
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	backoff := platform.DefaultBackoff
	backoff.Duration = 25 * time.Millisecond
	return platform.WaitFor(wctx, "the gateway's reads of function "+ns+"/"+d.Service, "showing the write", backoff, func(ctx context.Context) (bool, string, error) {
		st, err := g.Function(ctx, ns, d.Service)
		if errors.Is(err, ErrNotFound) {
			return false, "not returned yet", nil
		}
		if err != nil {
			return false, "", err
		}
		return ok(st), "still as before the write", nil
	})
}

// DeleteFunction deletes a function (the namespace in the query for faas-netes and in
// the body for faasd) and waits until the gateway no longer returns it. It reports
// false when the function did not exist.
func (g *Gateway) DeleteFunction(ctx context.Context, namespace, name string) (bool, error) {
	err := g.write(ctx, httpclient.Request{
		Method: http.MethodDelete, Path: "/system/functions", Query: url.Values{"namespace": {namespace}},
		Body: map[string]string{"functionName": name, "namespace": namespace},
	})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, platform.WaitFor(ctx, "function "+namespace+"/"+name, "deleted", platform.DefaultBackoff, func(ctx context.Context) (bool, string, error) {
		_, err := g.Function(ctx, namespace, name)
		if errors.Is(err, ErrNotFound) {
			return true, "", nil
		}
		return false, "still returned by the gateway", err
	})
}

// WaitReady polls a function until it is ready: a replica is available, or it is
// scaled to zero on faas-netes (the gateway starts it on the first request).
func (g *Gateway) WaitReady(ctx context.Context, namespace, name string) error {
	info, err := g.Info(ctx)
	if err != nil {
		return err
	}
	return platform.WaitFor(ctx, "function "+namespace+"/"+name, "ready", platform.DefaultBackoff, func(ctx context.Context) (bool, string, error) {
		st, err := g.Function(ctx, namespace, name)
		if err != nil {
			return false, "", err
		}
		scaledToZero := info.Backend == BackendFaasNetes && st.Replicas == 0
		return st.AvailableReplicas >= 1 || scaledToZero, fmt.Sprintf("%d of %d replicas available", st.AvailableReplicas, st.Replicas), nil
	})
}

// Secrets lists the names of the secrets in namespace, sorted.
func (g *Gateway) Secrets(ctx context.Context, namespace string) ([]string, error) {
	var list []struct {
		Name string `json:"name"`
	}
	if err := g.getJSON(ctx, "/system/secrets", url.Values{"namespace": {namespace}}, &list); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for _, s := range list {
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return names, nil
}

type secretBody struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Value     string `json:"value,omitempty"`
}

// PutSecret creates a secret (POST), or replaces its value when the list of secrets
// has it (PUT), as the provider does: a duplicate create's 409 is not in the gateway's
// spec. The value is redacted from errors.
func (g *Gateway) PutSecret(ctx context.Context, namespace, name, value string) error {
	g.client.AddSecrets(value)
	body := secretBody{Name: name, Namespace: namespace, Value: value}
	names, err := g.Secrets(ctx, namespace)
	if err != nil {
		return err
	}
	if slices.Contains(names, name) {
		return g.write(ctx, httpclient.Request{Method: http.MethodPut, Path: "/system/secrets", Body: body})
	}
	return g.write(ctx, httpclient.Request{Method: http.MethodPost, Path: "/system/secrets", Body: body, NotIdempotent: true})
}

// DeleteSecret deletes a secret; it reports false, sending no delete, when the list of
// secrets does not have it. A failed delete is checked against the list again: a
// missing secret's delete is a 404 on faas-netes but a 500 on faasd (the error of
// removing its file), which a retried delete whose first answer was lost also gets.
func (g *Gateway) DeleteSecret(ctx context.Context, namespace, name string) (bool, error) {
	names, err := g.Secrets(ctx, namespace)
	if err != nil {
		return false, err
	}
	if !slices.Contains(names, name) {
		return false, nil
	}
	err = g.write(ctx, httpclient.Request{Method: http.MethodDelete, Path: "/system/secrets",
		Query: url.Values{"namespace": {namespace}}, Body: secretBody{Name: name, Namespace: namespace}})
	if err != nil {
		if names, lerr := g.Secrets(ctx, namespace); lerr == nil && !slices.Contains(names, name) {
			return true, nil
		}
		return false, err
	}
	return true, nil
}

// Removed lists what Clean deleted, as namespace/name.
type Removed struct {
	// Functions are the deleted functions.
	Functions []string
	// Secrets are the deleted secrets.
	Secrets []string
}

// Clean deletes every function, then every secret, whose name starts with prefix in
// each of namespaces, and waits until the functions are gone. prefix must start with
// Prefix, so that nothing the tests did not create can match. With dryRun it only
// lists what it would delete. It goes on after a failed deletion and returns the first
// error.
func (g *Gateway) Clean(ctx context.Context, prefix string, namespaces []string, dryRun bool) (Removed, error) {
	var out Removed
	if !strings.HasPrefix(prefix, Prefix) {
		return out, fmt.Errorf("refusing to clean names starting with %q: the prefix must start with %q", prefix, Prefix)
	}
	var firstErr error
	keep := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	for _, ns := range namespaces {
		fns, err := g.Functions(ctx, ns)
		keep(err)
		for _, fn := range fns {
			if !strings.HasPrefix(fn.Name, prefix) {
				continue
			}
			if !dryRun {
				if _, err := g.DeleteFunction(ctx, ns, fn.Name); err != nil {
					keep(err)
					continue
				}
			}
			out.Functions = append(out.Functions, ns+"/"+fn.Name)
		}
		secrets, err := g.Secrets(ctx, ns)
		keep(err)
		for _, name := range secrets {
			if !strings.HasPrefix(name, prefix) {
				continue
			}
			if !dryRun {
				if _, err := g.DeleteSecret(ctx, ns, name); err != nil {
					keep(err)
					continue
				}
			}
			out.Secrets = append(out.Secrets, ns+"/"+name)
		}
	}
	return out, firstErr
}

// APIError is an answer the gateway gave with an unexpected status.
type APIError struct {
	// Method and Path name the request.
	Method, Path string
	// StatusCode is the HTTP status.
	StatusCode int
	// Message is the answer's body, short and redacted.
	Message string
}

// Error implements error.
func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, e.Message)
}

// Unwrap returns ErrNotFound for a 404.
func (e *APIError) Unwrap() error {
	if e.StatusCode == http.StatusNotFound {
		return ErrNotFound
	}
	return nil
}

func (g *Gateway) getJSON(ctx context.Context, path string, q url.Values, out any) error {
	resp, err := g.client.Do(ctx, httpclient.Request{Method: http.MethodGet, Path: path, Query: q})
	if err != nil {
		return errors.New(g.Redact(err.Error()))
	}
	if resp.StatusCode != http.StatusOK {
		return &APIError{Method: http.MethodGet, Path: path, StatusCode: resp.StatusCode, Message: g.client.ReadBody(resp.Body)}
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return fmt.Errorf("GET %s: decoding the answer: %w", path, err)
	}
	return nil
}

// write sends a write; 200, 201, 202 and 204 are success (faas-netes answers 202,
// faasd 200).
func (g *Gateway) write(ctx context.Context, req httpclient.Request) error {
	resp, err := g.client.Do(ctx, req)
	if err != nil {
		return errors.New(g.Redact(err.Error()))
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted, http.StatusNoContent:
		return nil
	}
	return &APIError{Method: req.Method, Path: req.Path, StatusCode: resp.StatusCode, Message: g.client.ReadBody(resp.Body)}
}
